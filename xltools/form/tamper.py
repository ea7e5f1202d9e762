"""The tamper check: does a filled workbook still match the template version it claims to be?

Pure over a :class:`~xltools.form.book.BookView` and the workbook's
:class:`~xltools.form.identify.Identity`: compares fixed labels, formulas, locked cells and
sheet protection with the layout of the workbook's own version, and returns findings whose
codes are in :mod:`xltools.core.tamper_rules` (the metadata's own problems come from
:func:`~xltools.form.identify.identify`). Checks that need what a view cannot see (formulas,
cell protection) are skipped for that view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from xltools.core import Finding, Policy
from xltools.core.policy import DEFAULT_POLICY
from xltools.core.findings import shorten
from xltools.core.tamper_rules import (
    TAMPER_CODES,
    TamperCellUnlocked,
    TamperFormulaChanged,
    TamperInputLocked,
    TamperLabelChanged,
    TamperPolicyChanged,
    TamperUnprotected,
)
from xltools.form.book import BookView
from xltools.form.identify import Identity
from xltools.form.layout import META_SHEET, SHEET, Layout
from xltools.form.registry import layout_for

__all__ = ["check_tamper", "policy_findings", "same_policy", "TAMPER_CODES", "normalize_formula"]

_SHOWN_CELLS = 8


@lru_cache(maxsize=64)
def _expected_formulas(version: str, rows: int, policy_json: str) -> tuple[tuple[str, str, str], ...]:
    """(cell, formula, normalised formula) of a template's formulas, computed once per layout and policy."""
    if not policy_json:
        policy = DEFAULT_POLICY
    else:
        from xltools.core.validation import from_json  # pydantic: a policy other than the defaults

        policy = from_json(Policy, policy_json)
    formulas = layout_for(version, rows).formulas(policy)
    return tuple((cell, formula, normalize_formula(formula)) for cell, formula in formulas.items())


#: ("same" | "json", id, …) → (the policies, the answer) for the policies last seen: one cache of answers per
#: policy object (policies are frozen). Holding the policies keeps their ids from being reused by other
#: objects, so a key that matches names the very same objects.
_KNOWN: dict[tuple[str, int, int], tuple[tuple[Policy, ...], object]] = {}


def _known(key: tuple[str, int, int], policies: tuple[Policy, ...], answer: Callable[[], object]) -> Any:
    """``answer()`` for ``policies``, computed once per key while they are among the last 16 asked about."""
    known = _KNOWN.get(key)
    if known is not None:
        return known[1]
    if len(_KNOWN) >= 16:
        _KNOWN.clear()
    found = answer()
    _KNOWN[key] = (policies, found)
    return found


def same_policy(one: Policy, other: Policy) -> bool:
    """``one == other``, compared once per pair of policy objects: every form of a run compares the policy its
    template carries with the district's, field by field."""
    if one is other:
        return True
    return _known(("same", id(one), id(other)), (one, other), lambda: one == other)


def _policy_json(policy: Policy) -> str:
    """The policy's JSON (what the template's formulas depend on), dumped once per policy object;
    ``""`` for the defaults (dumping would import pydantic, which a check does not need otherwise)."""
    if same_policy(policy, DEFAULT_POLICY):
        return ""

    def dump() -> str:
        from xltools.core.validation import as_json  # pydantic's serializer: a policy other than the defaults

        return as_json(policy)
    return _known(("json", id(policy), 0), (policy,), dump)


_STRING = re.compile(r'("(?:[^"]|"")*")')


@lru_cache(maxsize=32)
def _input_cells(layout: Layout) -> tuple[str, ...]:
    """The cells people type into (unlocked in the template), once per layout."""
    return tuple(spot.cell for spot in layout.input_spots())


@lru_cache(maxsize=32)
def _expected_labels(layout: Layout) -> tuple[tuple[str, str, str], ...]:
    """(cell, label, label as compared) of a layout's fixed labels, once per layout."""
    return tuple((label.cell, label.text, _label_text(label.text)) for label in layout.labels)


class _Plan(NamedTuple):
    """What the tamper check compares a form of one layout and policy with, made once per layout and policy."""

    labels: tuple[tuple[str, str, str], ...]  # (cell, label, label as compared)
    label_cells: tuple[str, ...]
    label_texts: list[str | None]  # a list, as the form's values are read (an empty label: a blank cell)
    formulas: tuple[tuple[str, str, str], ...]  # (cell, formula, normalised formula)
    formula_cells: tuple[str, ...]
    formula_texts: list[str]  # as written (without ``=``, as the readers give a formula)
    formula_norms: list[str]
    fixed: tuple[str, ...]  # the cells the template holds locked
    inputs: tuple[str, ...]  # the cells people type into


@lru_cache(maxsize=64)
def _plan(layout: Layout, policy_json: str) -> _Plan:
    labels, formulas = _expected_labels(layout), _expected_formulas(layout.version, layout.rows, policy_json)
    label_cells, formula_cells = tuple(c for c, _, _ in labels), tuple(c for c, _, _ in formulas)
    return _Plan(labels, label_cells, [t or None for _, t, _ in labels], formulas,
                 formula_cells, [f.removeprefix("=") for _, f, _ in formulas],
                 [n for _, _, n in formulas], (*label_cells, *formula_cells), _input_cells(layout))


@lru_cache(maxsize=4096)
def normalize_formula(text: str | None) -> str:
    """Compare formulas as Excel would: no ``=``, no ``_xlfn.``, no blanks or ``$``, upper case outside strings."""
    if not text:
        return ""
    parts = _STRING.split(text.strip().removeprefix("="))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
        else:
            out.append(re.sub(r"\s+|\$", "", part.replace("_xlfn.", "").replace("_xlws.", "")).upper())
    return "".join(out)


def _label_text(value: object) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _cells(cells: list[str]) -> str:
    shown = "、".join(cells[:_SHOWN_CELLS])
    return shown + (f" 等 {len(cells)} 个" if len(cells) > _SHOWN_CELLS else "")


def _policy_text(policy: Policy) -> str:
    grades = "、".join(f"{name}≥{floor:g}" for name, floor in policy.grade_thresholds.items())
    return f"等级 {grades}，保留 {policy.decimals} 位小数"


def policy_findings(identity: Identity, district: Policy) -> list[Finding]:
    """A stored policy (模板信息) other than the district's, or one that cannot be read, as a finding."""
    if not identity.has_meta:
        return []  # the missing metadata is a finding of its own
    stored = identity.policy
    if stored is not None and same_policy(stored, district):
        return []
    found = _policy_text(stored) if stored is not None else (shorten(identity.meta.get("policy"), 40) or "空")
    if stored is not None and found == _policy_text(district):
        found = "其他参数不同"
    return [TamperPolicyChanged.at("template", found=found, expected=_policy_text(district))
            .at_cell(f"{META_SHEET}!{Layout.meta_cell('policy')}")]


def check_tamper(book: BookView, identity: Identity, district: Policy | None = None,
                 approved: tuple[str, ...] = ()) -> list[Finding]:
    """Differences between ``book`` and the template version ``identity`` names, as findings.

    ``district`` is the policy that scores the form (the run's, else the version's released one;
    :func:`~xltools.form.verdict.judge` always gives it): a stored policy that differs is a finding. The formulas are compared with the ones the
    template was built with, i.e. with the policy the workbook carries (its formulas depend on
    it), else the district's. ``approved`` are the input cells a prefilled form (1.2) holds locked: they
    are expected locked, not open.
    """
    layout = identity.layout
    policy = identity.policy or district or DEFAULT_POLICY
    form = book.sheet(SHEET)
    assert form is not None, "identify() guarantees the form sheet"
    findings: list[Finding] = [*identity.problems, *(policy_findings(identity, district) if district else [])]
    where = f"{SHEET}!"
    plan = _plan(layout, _policy_json(policy))

    # every label and formula at once (one C-level pass each); cell by cell only when one of them differs
    labels = plan.labels
    if list(map(form.value, plan.label_cells)) != plan.label_texts:
        for cell, text, expected in labels:
            found = form.value(cell)
            if found != text and _label_text(found) != expected:
                findings.append(TamperLabelChanged.at("template", cell=cell, found=shorten(found),
                                                      expected=shorten(text)).at_cell(where + cell))

    formulas = plan.formulas
    if form.formulas is not None:
        typed = list(map(form.formulas.get, plan.formula_cells))
        if typed != plan.formula_texts and list(map(normalize_formula, typed)) != plan.formula_norms:
            for cell, formula, expected in formulas:
                found = form.formulas.get(cell)
                if normalize_formula(found) != expected:
                    shown = f"={found}" if found else shorten(form.value(cell)) or "空"
                    findings.append(TamperFormulaChanged.at("template", cell=cell, found=shorten(shown, 60),
                                                            expected=shorten(formula, 60)).at_cell(where + cell))

    locked_at = form.locked
    fixed = (*plan.fixed, *approved) if approved else plan.fixed
    # the lock states among the cells first (most forms: every fixed cell locked, every input cell open; the
    # reader answers per style, not per cell), the cells one by one only when some differ
    states = form.lock_states(fixed)
    unlocked = [cell for cell in fixed if locked_at(cell) is False] if states and False in states else []
    if unlocked:
        findings.append(TamperCellUnlocked.at("template", count=len(unlocked), cells=_cells(unlocked))
                        .at_cell(where + unlocked[0]))
    given, inputs = frozenset(approved), plan.inputs
    states = form.lock_states(inputs)
    locked = [cell for cell in inputs if locked_at(cell) is True and cell not in given] \
        if states and True in states else []
    if locked:
        findings.append(TamperInputLocked.at("template", count=len(locked), cells=_cells(locked))
                        .at_cell(where + locked[0]))
    if form.protected is False:
        findings.append(TamperUnprotected.at("template", sheet=SHEET).at_cell(where))
    return findings
