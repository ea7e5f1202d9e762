"""Shell: a workbook that is no known template version, read by its labels (issue 25 §3) or as a list (§4).

Other offices send an older or another region's self-evaluation form. When
:func:`xltools.form.identify.identify` finds no template of ours, :func:`read_other_layout` looks
for a sheet that holds the form's labels (项目名称, 全年预算数, 一级指标 …) anywhere and reads it with
the one label-driven reader (:func:`xltools.form.labelform.read_labelled`); each field's place is
``Sheet!C7``. Merged ranges are read as the spreadsheet shows them: every cell of the range holds
the top-left cell's value. A list workbook (one row per indicator for many projects, project columns
repeated) is read by the one header-table reader (:mod:`xltools.io.listbook`): :func:`read_list_forms`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xltools.form.cells import bounds, column_letter
from xltools.core.listbook import ListError
from xltools.form.labelform import GridCell, LabelledForm, NotAForm, is_form_like, read_labelled
from xltools.form.listforms import LIST_SPEC, ListedForm, forms_from_list, is_list_header
from xltools.io.listbook import sheet_rows
from xltools.io.xlsxread import SheetData, WorkbookData

__all__ = ["sheet_grid", "read_other_layout", "read_list_forms", "NotAList", "MAX_ROWS", "MAX_COLUMNS"]

#: A self-evaluation form fits in this box; cells beyond it are not read as part of the form.
MAX_ROWS = 400
MAX_COLUMNS = 60


def _position(ref: str) -> tuple[int, int] | None:
    try:
        col, row, _, _ = bounds(ref)
    except ValueError:
        return None
    return row, col


def sheet_grid(name: str, values: Mapping[str, object], merged: Sequence[str] = ()) -> list[list[GridCell]]:
    """A sheet's cells (within :data:`MAX_ROWS` × :data:`MAX_COLUMNS`) as a grid, rows and columns from
    A1; each merged range's cells share the top-left cell."""
    positions = [(pos, value) for ref, value in values.items() if (pos := _position(ref))
                 and pos[0] <= MAX_ROWS and pos[1] <= MAX_COLUMNS]
    if not positions:
        return []
    boxes = []
    for ref in merged:
        try:
            boxes.append(bounds(ref))
        except ValueError:
            continue
    rows = min(MAX_ROWS, max([r for (r, _), _ in positions] + [box[3] for box in boxes]))
    cols = min(MAX_COLUMNS, max([c for (_, c), _ in positions] + [box[2] for box in boxes]))
    grid = [[GridCell(None, f"{name}!{column_letter(c)}{r}", (r, c)) for c in range(1, cols + 1)]
            for r in range(1, rows + 1)]
    for (r, c), value in positions:
        grid[r - 1][c - 1] = GridCell(value, f"{name}!{column_letter(c)}{r}", (r, c))
    for col1, row1, col2, row2 in boxes:
        if row1 > rows or col1 > cols:
            continue
        top = grid[row1 - 1][col1 - 1]
        for r in range(row1, min(row2, rows) + 1):
            for c in range(col1, min(col2, cols) + 1):
                grid[r - 1][c - 1] = top
    return grid


def _sheet_grid(sheet: SheetData) -> list[list[GridCell]]:
    return sheet_grid(sheet.name, sheet.values, sheet.merged)


def read_other_layout(book: WorkbookData) -> LabelledForm:
    """The form in the first visible sheet that holds the form's labels, read by them.

    Raises :class:`~xltools.form.labelform.NotAForm` when no sheet holds a fund block or an indicator table.
    """
    for name in book.sheet_names:
        sheet = book.sheet(name)
        if sheet is None or sheet.state != "visible":
            continue
        grid = _sheet_grid(sheet)
        if grid and is_form_like(grid):
            return read_labelled(grid, source=f"工作表「{name}」")
    raise NotAForm("no sheet with the form's labels")


class NotAList(ValueError):
    """No sheet has a list's header (project and indicator columns in one row)."""


def read_list_forms(book: WorkbookData) -> tuple[str, list[ListedForm]]:
    """The projects of a list workbook (one row per indicator), each as a form, from the first visible sheet
    whose header row names the project and the indicator columns (:data:`~xltools.form.listforms.LIST_SPEC`).

    Raises :class:`NotAList` when no sheet has such a header.
    """
    for name in book.sheet_names:
        sheet = book.sheet(name)
        if sheet is None or sheet.state != "visible":
            continue
        rows = sheet_rows(sheet)
        try:
            header = LIST_SPEC.find_header(rows, name)
        except ListError:
            continue
        if is_list_header(header):
            records = LIST_SPEC.records(header, (item for item in rows if item[0] > header.row))
            return name, forms_from_list(header, records, name)
    raise NotAList("no sheet with a list's header")
