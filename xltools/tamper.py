"""The tamper check: does a filled workbook still match the template it claims to be?

Pure functions over what :func:`xltools.xlsxread.read_workbook` returns and the
layout map (no I/O): :func:`identify` decides whether a workbook is this
template at all (and with how many indicator rows), :func:`check_tamper`
compares metadata, fixed labels, formulas, locked cells and sheet protection
and returns findings whose codes are in :mod:`xltools.core.tamper_rules`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from .core import Finding, Policy, PolicyError, policy_from_toml
from .core.findings import shorten
from .core.parse import normalize_text
from .core.tamper_rules import (
    TAMPER_CODES,
    TamperCellUnlocked,
    TamperFormulaChanged,
    TamperInputLocked,
    TamperLabelChanged,
    TamperMetaMismatch,
    TamperMetaMissing,
    TamperUnprotected,
)
from .layout import (
    DEFAULT_ROWS,
    META_SHEET,
    SHEET,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    Layout,
)
from .xlsxread import SheetData, WorkbookData

__all__ = ["layout_for", "Identity", "NotTemplate", "identify", "check_tamper", "TAMPER_CODES", "template_policy"]

_SHOWN_CELLS = 8


class NotTemplate(Exception):
    """The workbook is not a 项目支出绩效自评表 of this template (``reason`` in Chinese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """What a workbook claims to be: its layout, metadata and the policy it was built with."""

    layout: Layout
    meta: dict[str, object]
    has_meta: bool


@lru_cache(maxsize=32)
def layout_for(rows: int) -> Layout:
    """One shared layout per row count (its spots and labels are computed once)."""
    return Layout(rows)


def _rows_from_labels(form: SheetData) -> int | None:
    """Indicator rows of a workbook without metadata: the row of the 总分 label minus the first row."""
    first = layout_for(DEFAULT_ROWS).first_indicator_row
    for cell, value in form.values.items():
        if cell.startswith("A") and cell[1:].isdigit() and normalize_text(value) == "总分":
            rows = int(cell[1:]) - first
            if 1 <= rows <= 200:
                return rows
    return None


def identify(book: WorkbookData) -> Identity:
    """This template's identity of ``book``, or :class:`NotTemplate`."""
    form = book.sheet(SHEET)
    meta_sheet = book.sheet(META_SHEET)
    meta: dict[str, object] = {}
    if meta_sheet is not None:
        meta = layout_for(DEFAULT_ROWS).read_meta(meta_sheet.value)
        found = meta.get("template_id")
        if found not in (None, "") and str(found).strip() != TEMPLATE_ID:
            raise NotTemplate(f"模板标识为“{found}”，不是朝阳区项目支出绩效自评表（{TEMPLATE_ID}）")
    if form is None:
        raise NotTemplate(f"没有「{SHEET}」工作表，不是朝阳区项目支出绩效自评表")
    rows = _int(meta.get("rows"))
    if rows is None or not 1 <= rows <= 200:
        rows = _rows_from_labels(form)
    if rows is None:
        if meta_sheet is None:
            raise NotTemplate(f"「{SHEET}」工作表中找不到“总分”行，也没有模板信息，不是本模板")
        rows = DEFAULT_ROWS
    return Identity(layout_for(rows), meta, meta_sheet is not None and meta.get("template_id") not in (None, ""))


def template_policy(meta: dict[str, object]) -> Policy | None:
    """The policy a template was built with (metadata ``policy`` as JSON or TOML), if readable."""
    text = meta.get("policy")
    if not isinstance(text, str) or not text.strip():
        return None
    return _policy_from_text(text)


@lru_cache(maxsize=64)
def _policy_from_text(text: str) -> Policy | None:
    try:
        return Policy.model_validate(json.loads(text))
    except ValueError:
        pass
    try:
        return policy_from_toml(text)
    except PolicyError:
        return None


@lru_cache(maxsize=64)
def _expected_formulas(rows: int, policy_json: str) -> tuple[tuple[str, str, str], ...]:
    """(cell, formula, normalised formula) of a template's formulas, computed once per layout and policy."""
    formulas = layout_for(rows).formulas(Policy.model_validate_json(policy_json))
    return tuple((cell, formula, normalize_formula(formula)) for cell, formula in formulas.items())


def _int(value: object) -> int | None:
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


_STRING = re.compile(r'("(?:[^"]|"")*")')


@lru_cache(maxsize=32)
def _input_cells(layout: Layout) -> tuple[str, ...]:
    """The cells people type into (unlocked in the template), once per layout."""
    return tuple(spot.cell for spot in layout.input_spots())


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


def check_tamper(book: WorkbookData, identity: Identity, policy: Policy | None = None) -> list[Finding]:
    """Differences between ``book`` and the template ``identity`` claims, as findings.

    ``policy`` is the one the template was built with (its formulas depend on
    it); by default the metadata's policy, else the default policy.
    """
    layout, meta = identity.layout, identity.meta
    policy = policy or template_policy(meta) or Policy()
    form = book.sheet(SHEET)
    assert form is not None, "identify() guarantees the form sheet"
    findings: list[Finding] = []
    where = f"{SHEET}!"

    if book.sheet(META_SHEET) is None:
        findings.append(TamperMetaMissing.at("template", what=f"隐藏工作表「{META_SHEET}」").at_cell(None))
    elif not identity.has_meta:
        findings.append(TamperMetaMissing.at("template", what=f"「{META_SHEET}」中的模板标识"))
    else:
        expected = {"version": TEMPLATE_VERSION, "rows": str(layout.rows)}
        for key, want in expected.items():
            found = meta.get(key)
            shown = "" if found is None else (str(_int(found)) if key == "rows" and _int(found) is not None
                                               else str(found).strip())
            if shown != want:
                findings.append(TamperMetaMismatch.at("template", key=key, found=shorten(found), expected=want)
                                .at_cell(f"{META_SHEET}!{layout.meta_cell(key)}"))

    for label in layout.labels:
        found = form.value(label.cell)
        if _label_text(found) != _label_text(label.text):
            findings.append(TamperLabelChanged.at("template", cell=label.cell, found=shorten(found),
                                                  expected=shorten(label.text)).at_cell(where + label.cell))

    formulas = _expected_formulas(layout.rows, policy.model_dump_json())
    for cell, formula, expected in formulas:
        found = form.formulas.get(cell)
        if normalize_formula(found) != expected:
            shown = f"={found}" if found else shorten(form.value(cell)) or "空"
            findings.append(TamperFormulaChanged.at("template", cell=cell, found=shorten(shown, 60),
                                                    expected=shorten(formula, 60)).at_cell(where + cell))

    unlocked = [cell for cell in [*(label.cell for label in layout.labels), *(f[0] for f in formulas)]
                if not form.locked(cell)]
    if unlocked:
        findings.append(TamperCellUnlocked.at("template", count=len(unlocked), cells=_cells(unlocked))
                        .at_cell(where + unlocked[0]))
    locked = [cell for cell in _input_cells(layout) if form.locked(cell)]
    if locked:
        findings.append(TamperInputLocked.at("template", count=len(locked), cells=_cells(locked))
                        .at_cell(where + locked[0]))
    if not form.protected:
        findings.append(TamperUnprotected.at("template", sheet=SHEET).at_cell(where))
    return findings
