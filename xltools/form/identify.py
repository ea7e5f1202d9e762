"""One decision of what a workbook is: :func:`identify`, used by every door (check, export,
combine, the add-in, the web page).

It reads the hidden sheet 模板信息 (template id, version, rows, policy), picks the layout of the
workbook's *own* version from the registry and reports what does not fit as tamper findings,
so the same workbook gets the same identity whichever way it came in:

* not a form of ours (no sheet 自评表, another template id): :class:`NotTemplate`;
* a version this program does not know (newer or unknown): :class:`UnknownVersion`;
* metadata missing or damaged (rows “十五”, version blank): the layout is taken from the form
  sheet's own labels and each damaged key is a ``tamper-meta-*`` finding in ``problems``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from xltools.core import Finding, Form, Policy, PolicyError, policy_from_toml
from xltools.core.errors import UserError
from xltools.core.findings import shorten
from xltools.core.parse import normalize_text
from xltools.core.policy import stored_policy
from xltools.core.tamper_rules import TamperMetaMismatch, TamperMetaMissing
from xltools.form.book import BookView, SheetView
from xltools.form.layout import META_KEYS, META_SHEET, SHEET, TEMPLATE_ID, Layout
from xltools.form.registry import layout_class, layout_for, versions

__all__ = ["Identity", "NotTemplate", "UnknownVersion", "identify", "read_meta", "template_policy", "too_many_rows"]

MAX_ROWS = 200


def too_many_rows(form: Form) -> str | None:
    """Why the template's layout cannot hold ``form`` (more non-empty indicators than :data:`MAX_ROWS`), or
    ``None``: a form read without a template (JSON, a document, another layout) may have any number."""
    rows = sum(1 for ind in form.indicators if not ind.is_empty())
    if rows <= MAX_ROWS:
        return None
    return f"「绩效指标」有 {rows} 条，多于自评表最多的 {MAX_ROWS} 行；请删减或合并指标后重试"


class NotTemplate(UserError):
    """The workbook is not a 项目支出绩效自评表 of this template (fate ``not-template``)."""

    fate = "not-template"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownVersion(NotTemplate):
    """A form of this template in a version this program does not know (fate ``unknown-version``)."""

    fate = "unknown-version"


@dataclass(frozen=True)
class Identity:
    """What a workbook is: template id, version, its layout, the policy it carries and what does not fit."""

    template_id: str
    version: str
    layout: Layout
    policy: Policy | None
    meta: dict[str, object] = field(default_factory=dict)
    #: Tamper findings about the metadata itself (missing sheet, damaged keys), placed at cells.
    problems: tuple[Finding, ...] = ()

    @property
    def has_meta(self) -> bool:
        return bool(self.meta.get("template_id"))


#: Each metadata key and its value cell, listed once (every form's metadata is read).
_META_CELLS = tuple((key, Layout.meta_cell(key)) for key in META_KEYS)


def read_meta(sheet: SheetView) -> dict[str, object]:
    """The metadata sheet's values by key (keys in column A, values in column B)."""
    value = sheet.value
    return {key: value(cell) for key, cell in _META_CELLS}


def _text(value: object) -> str:
    return normalize_text(value)


def _rows(value: object) -> int | None:
    """A valid row count (a whole number 1–200, as a number or digits), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and 1 <= value <= MAX_ROWS else None
    text = _text(value)
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ROWS else None


def _rows_from_labels(cls: type[Layout], form: SheetView) -> int | None:
    """Indicator rows of a form whose metadata cannot say: where the 总分 label of this layout stands."""
    probe = cls()
    label_column = next(lb.cell for lb in probe.labels if lb.text == "总分").rstrip("0123456789")
    for rows in range(1, MAX_ROWS + 1):
        if _text(form.value(f"{label_column}{probe.first_indicator_row + rows}")) == "总分":
            return rows
    return None


def _guess_version(form: SheetView) -> tuple[str, int] | None:
    """The registered version whose fixed labels the form sheet matches best (on a tie, one whose every label
    is there, else the newest), with its rows; versions whose 总分 label is not found are out."""
    best: tuple[tuple[int, bool], str, int] | None = None
    for version in reversed(versions()):
        cls = layout_class(TEMPLATE_ID, version)
        assert cls is not None
        rows = _rows_from_labels(cls, form)
        if rows is None:
            continue
        labels = layout_for(version, rows).labels
        matching = sum(_text(form.value(label.cell)) == _text(label.text) for label in labels)
        score = (matching, matching == len(labels))  # on a tie, the version whose every label is there
        if best is None or score > best[0]:
            best = (score, version, rows)
    return None if best is None else (best[1], best[2])


def _meta_finding(key: str, found: object, expected: str) -> Finding:
    return TamperMetaMismatch.at("template", key=key, found=shorten(found) or "空", expected=expected) \
        .at_cell(f"{META_SHEET}!{Layout.meta_cell(key)}")


def identify(book: BookView) -> Identity:
    """The identity of ``book`` as this template, or :class:`NotTemplate` / :class:`UnknownVersion`."""
    form = book.sheet(SHEET)
    meta_sheet = book.sheet(META_SHEET)
    meta = read_meta(meta_sheet) if meta_sheet is not None else {}
    found_id = _text(meta.get("template_id"))
    if found_id and found_id != TEMPLATE_ID:
        raise NotTemplate(f"模板标识为“{shorten(found_id)}”，不是朝阳区项目支出绩效自评表（{TEMPLATE_ID}）")
    if form is None:
        raise NotTemplate(f"没有「{SHEET}」工作表，不是朝阳区项目支出绩效自评表")
    problems: list[Finding] = []
    if meta_sheet is None:
        problems.append(TamperMetaMissing.at("template", what=f"隐藏工作表「{META_SHEET}」"))
    elif not found_id:
        problems.append(TamperMetaMissing.at("template", what=f"「{META_SHEET}」中的模板标识")
                        .at_cell(f"{META_SHEET}!{Layout.meta_cell('template_id')}"))

    version = _text(meta.get("version"))
    if version and layout_class(TEMPLATE_ID, version) is None:
        known = "、".join(versions())
        raise UnknownVersion(f"模板版本为“{shorten(version)}”，本程序只认识 {known} 版：请升级 xltools，"
                             "或用区财政局下发的模板重新填写")
    rows = _rows(meta.get("rows"))
    if not version or rows is None:
        guessed = _guess_version(form)
        if guessed is None:
            if meta_sheet is None:
                raise NotTemplate(f"「{SHEET}」工作表中找不到“总分”行，也没有模板信息，不是本模板")
            guessed = (version or versions()[0], layout_class(TEMPLATE_ID, version or versions()[0])().rows)
        if meta_sheet is not None and found_id:
            if not version:
                problems.append(_meta_finding("version", meta.get("version"), guessed[0]))
            if rows is None:
                problems.append(_meta_finding("rows", meta.get("rows"), str(guessed[1])))
        version = version or guessed[0]
        rows = rows if rows is not None else guessed[1]
    layout = layout_for(version, rows)
    return Identity(TEMPLATE_ID, version, layout, template_policy(meta), meta, tuple(problems))


def template_policy(meta: dict[str, object]) -> Policy | None:
    """The policy a template was built with (metadata ``policy`` as JSON or TOML), if readable."""
    text = meta.get("policy")
    if not isinstance(text, str) or not text.strip():
        return None
    return _policy_from_text(text)


@lru_cache(maxsize=64)
def _policy_from_text(text: str) -> Policy | None:
    try:
        return stored_policy(json.loads(text))
    except ValueError:
        pass
    try:
        return policy_from_toml(text)
    except (PolicyError, RecursionError):
        return None
