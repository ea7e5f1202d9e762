"""The approved targets a prefilled 1.2 form carries: read from its very hidden sheet 批复目标 and checked
against the digest on 模板信息 (:func:`embedded_targets`).

A 1.2 form without a digest is a blank template filled by hand: it carries no targets and its approved
cells are ordinary input cells. A form with a digest has them locked; a digest that does not match what
the sheet says (or a missing sheet) is a ``tamper-targets-changed`` finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xltools.core.findings import Finding
from xltools.core.parse import normalize_text
from xltools.core.tamper_rules import TamperTargetsChanged
from xltools.form.book import BookView, SheetView
from xltools.form.identify import Identity
from xltools.form.layout import META_SHEET
from xltools.form.layout_v1_2 import TARGET_FIELDS, TARGET_PARTS, LayoutV1_2

if TYPE_CHECKING:
    from xltools.core.targets import TargetProject

__all__ = ["Embedded", "embedded_targets", "NO_TARGETS"]

#: Indicators a 批复目标 sheet may hold (as many as a form's rows).
_MAX_INDICATORS = 200


@dataclass(frozen=True)
class Embedded:
    """What a workbook carries of its approved targets: the project (``None``: none), the cells it locks
    on the form sheet, and tamper findings about it."""

    project: TargetProject | None = None
    approved_cells: tuple[str, ...] = ()
    problems: tuple[Finding, ...] = ()


NO_TARGETS = Embedded()


def _read(sheet: SheetView) -> TargetProject:
    from xltools.core.targets import TargetIndicator, TargetProject  # only for prefilled forms (a check of others skips it)

    layout = LayoutV1_2
    fields = {key: sheet.value(layout.target_field_cell(key)) for key, _ in TARGET_FIELDS}
    indicators = []
    for index in range(_MAX_INDICATORS):
        values = {part: sheet.value(layout.target_cell(index, part)) for part, _ in TARGET_PARTS}
        if all(v is None or not normalize_text(v) for v in values.values()):
            break
        indicators.append(TargetIndicator(**values, row=index))
    return TargetProject(**fields, indicators=tuple(indicators))


def embedded_targets(book: BookView, identity: Identity) -> Embedded:
    """The approved targets ``book`` carries (a prefilled 1.2 form), else :data:`NO_TARGETS`."""
    layout = identity.layout
    if not isinstance(layout, LayoutV1_2):
        return NO_TARGETS
    meta = book.sheet(META_SHEET)
    digest = normalize_text(meta.value(layout.digest_cell)) if meta is not None else ""
    sheet = book.sheet(layout.targets_sheet)
    if not digest and sheet is None:
        return NO_TARGETS  # a blank 1.2 template, filled by hand
    where = f"{META_SHEET}!{layout.digest_cell}"
    if sheet is None:
        return Embedded(problems=(TamperTargetsChanged.at("template", what=f"（隐藏工作表「{layout.targets_sheet}」）"
                                                          "不见了").at_cell(where),))
    project = _read(sheet)
    cells = layout.approved_cells(len(project.indicators))
    from xltools.core.targets import project_digest

    if digest != project_digest(project):
        problem = TamperTargetsChanged.at("template", what="被改动或校验码缺失").at_cell(where)
        return Embedded(project, cells, (problem,))
    return Embedded(project, cells)
