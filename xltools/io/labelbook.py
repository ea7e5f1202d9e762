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
from dataclasses import dataclass

from xltools.core import Finding, Form
from xltools.core.listbook import ListError
from xltools.form.book import BookView
from xltools.form.cells import bounds, column_letter
from xltools.form.layout import META_SHEET
from xltools.form.labelform import GridCell, LabelledForm, NotAForm, is_form_like, read_labelled
from xltools.form.listforms import LIST_SPEC, ListedForm, forms_from_list, is_list_header
from xltools.io.listbook import sheet_rows
from xltools.io.xlsxdata import SheetData

__all__ = ["sheet_grid", "read_other_layout", "read_list_forms", "read_other", "OtherForm", "NotAList", "OTHER_LAYOUT",
           "MAX_ROWS", "MAX_COLUMNS"]

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


def _sheets(book: BookView) -> list[SheetData]:
    """The visible sheets of any reader's book as cell values and merged ranges (a legacy book's sheets keep
    values only: python-calamine gives no merged ranges for every format)."""
    out = []
    for name in book.sheet_names:
        sheet = book.sheet(name)
        if sheet is None or getattr(sheet, "state", "visible") != "visible":
            continue
        values = getattr(sheet, "values", None)
        if isinstance(values, Mapping):
            out.append(SheetData(name, values=dict(values), merged=list(getattr(sheet, "merged", ()))))
    return out


def read_other_layout(book: BookView) -> LabelledForm:
    """The form in the first visible sheet that holds the form's labels, read by them.

    Raises :class:`~xltools.form.labelform.NotAForm` when no sheet holds a fund block or an indicator table.
    """
    for sheet in _sheets(book):
        grid = sheet_grid(sheet.name, sheet.values, sheet.merged)
        if grid and is_form_like(grid):
            return read_labelled(grid, source=f"工作表「{sheet.name}」")
    raise NotAForm("no sheet with the form's labels")


class NotAList(ValueError):
    """No sheet has a list's header (project and indicator columns in one row)."""


def read_list_forms(book: BookView) -> tuple[str, list[ListedForm]]:
    """The projects of a list workbook (one row per indicator), each as a form, from the first visible sheet
    whose header row names the project and the indicator columns (:data:`~xltools.form.listforms.LIST_SPEC`).

    Raises :class:`NotAList` when no sheet has such a header.
    """
    for sheet in _sheets(book):
        name = sheet.name
        rows = sheet_rows(sheet)
        try:
            header = LIST_SPEC.find_header(rows, name)
        except ListError:
            continue
        if is_list_header(header):
            records = LIST_SPEC.records(header, (item for item in rows if item[0] > header.row))
            return name, forms_from_list(header, records, name)
    raise NotAList("no sheet with a list's header")


@dataclass(frozen=True)
class OtherForm:
    """One project read from a workbook that is no template version of ours: the form, where each field
    came from, the reader's findings, and what it was read as (``其他格式（按栏目名称读取）`` or the list rows)."""

    form: Form
    origins: Mapping[str, str]
    findings: tuple[Finding, ...]
    what: str
    #: ``""`` for a form of another layout; ``第3–8行`` for one project of a list.
    rows: str = ""

    @property
    def suffix(self) -> str:
        """What follows the file's name when this project is named on its own (``（第3–8行）``; ``""`` for a
        whole form): check's output, combine's 文件清单 and 退回清单 name a list's projects alike."""
        return f"（{self.rows}）" if self.rows else ""


#: How a form of another layout is named to the user (combine's 文件清单, check's output).
OTHER_LAYOUT = "其他格式（按栏目名称读取，不是本模板，无法核对模板是否被改动）"


def read_other(book: BookView) -> list[OtherForm]:
    """The projects in a workbook of another layout: each project of a list workbook, else the one form
    found by its labels. Raises :class:`~xltools.form.labelform.NotAForm` when it holds neither, or when it
    carries our metadata sheet (模板信息): a workbook that claims to be a template of ours and is not
    identified as one (another template id, damaged metadata) keeps what identification said of it."""
    if book.sheet(META_SHEET) is not None:
        raise NotAForm("a template's metadata sheet: identification's reason stands")
    try:
        sheet, listed = read_list_forms(book)
    except NotAList:
        reading = read_other_layout(book)
        return [OtherForm(reading.form, reading.origins, reading.findings, OTHER_LAYOUT)]
    out = []
    for item in listed:
        rows = f"第{item.rows[0]}–{item.rows[-1]}行" if len(item.rows) > 1 else f"第{item.rows[0]}行"
        out.append(OtherForm(item.form, item.origins, item.findings,
                             f"项目清单「{sheet}」{rows}（{item.title}），不是本模板，无法核对模板是否被改动", rows))
    return out
