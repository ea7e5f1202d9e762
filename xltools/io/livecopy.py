"""The annotated copy's live parts and print setup, applied with openpyxl.

:func:`apply_live` writes :class:`xltools.form.live.Live` into the copy (the hidden sheet of checked
values, the defined name counting changes, the findings' colours as conditional formats, the live
result line and counts); :func:`set_up_printing` makes the form and 校验结果 print on A4 with nothing
cut: the result column inside the print area, the result line below the form across the whole width,
every message wrapped in rows as tall as its text, percentages formatted, titles and page numbers on
every page.
"""

from __future__ import annotations

from copy import copy

from xltools.core.text import wrapped_lines
from xltools.form.cells import bounds, column_letter
from xltools.form.layout import RESULT_SHEET, SHEET, Layout
from xltools.form.live import CHANGED_NAME, SNAPSHOT_SHEET, Live

__all__ = ["apply_live", "set_up_printing"]

#: Fill of a finding row of 校验结果 whose cell was changed since the check: struck through, grey.
CHANGED_FONT = "FF808080"
#: Points per printed line of 11-point text, and the widths of the 校验结果 columns (characters).
LINE_HEIGHT = 15.0
RESULT_WIDTHS = {"A": 14, "B": 26, "C": 8, "D": 24, "E": 64, "F": 20}


def _ours(rule: object) -> bool:
    formulas = getattr(rule, "formula", None) or []
    return any(CHANGED_NAME in f or SNAPSHOT_SHEET in f for f in formulas)


def _drop_our_formats(sheet: object) -> None:
    """Remove the conditional formats an earlier annotation of this copy added (the template's stay)."""
    from openpyxl.formatting.formatting import ConditionalFormattingList

    kept = ConditionalFormattingList()
    for block in sheet.conditional_formatting:  # type: ignore[attr-defined]
        for rule in block.rules:
            if not _ours(rule):
                kept.add(str(block.sqref), rule)
    sheet.conditional_formatting = kept  # type: ignore[attr-defined]


def apply_live(wb: object, live: Live) -> None:
    """Write ``live`` into the openpyxl workbook ``wb`` (after :func:`~xltools.io.annotate.apply_annotation`)."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.workbook.defined_name import DefinedName

    form, result = wb[SHEET], wb[RESULT_SHEET]  # type: ignore[index]
    if SNAPSHOT_SHEET in wb.sheetnames:  # type: ignore[attr-defined]
        del wb[SNAPSHOT_SHEET]  # type: ignore[attr-defined]
    snapshot = wb.create_sheet(SNAPSHOT_SHEET)  # type: ignore[attr-defined]
    snapshot.sheet_state = "hidden"
    for cell, value in live.checked.items():
        snapshot[cell] = value
        if form[cell].number_format != "General":
            snapshot[cell].number_format = form[cell].number_format
    for cell in live.mirrored:
        snapshot[cell] = f"='{SHEET}'!{cell}&\"\""
    snapshot.protection.sheet = True
    if CHANGED_NAME in wb.defined_names:  # type: ignore[attr-defined]
        del wb.defined_names[CHANGED_NAME]  # type: ignore[attr-defined]
    wb.defined_names[CHANGED_NAME] = DefinedName(CHANGED_NAME, attr_text=live.changed)  # type: ignore[attr-defined]

    _drop_our_formats(form)
    _drop_our_formats(result)
    for mark in live.marks:
        colour = "FF" + mark.fill.lstrip("#")
        form.conditional_formatting.add(mark.ref, FormulaRule(
            formula=[mark.condition], stopIfTrue=False,
            fill=PatternFill(fill_type="solid", start_color=colour, end_color=colour, bgColor=colour)))
    for cell, formula in live.form_cells.items():
        form[cell] = formula
    for cell, value in live.result_cells.items():
        result[cell] = value
    for first, last, condition in live.finding_rows:
        result.conditional_formatting.add(f"{first}:{last}", FormulaRule(
            formula=[condition], font=Font(strike=True, color=CHANGED_FONT)))


def set_up_printing(wb: object, layout: Layout, live: Live, title: str) -> None:
    """Print setup of the copy's form and 校验结果 sheets (A4, nothing cut; see the module docstring)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.properties import PageSetupProperties

    form, result = wb[SHEET], wb[RESULT_SHEET]  # type: ignore[index]
    # The form: the result column printed, the live result line under the form across every column.
    last = layout.result_column
    line_row = layout.signoff_row + 2
    status = layout.spot("check_status").cell
    _merge(form, f"A{line_row}:{last}{line_row}")
    form[f"A{line_row}"] = live.status_line
    form[status].alignment = Alignment(wrap_text=True, vertical="top")
    form[f"A{line_row}"].alignment = Alignment(wrap_text=True, vertical="top")
    form[f"A{line_row}"].font = Font(bold=True, size=10)
    form.row_dimensions[line_row].height = LINE_HEIGHT * 3
    form.print_area = f"A1:{last}{line_row}"
    _a4(form, landscape=False, left=_escaped(title), right="批注副本")
    form.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    # 校验结果: every message wrapped, rows as tall as their text, the live line wrapped, percentages.
    for column, width in RESULT_WIDTHS.items():
        result.column_dimensions[column].width = width
    label_col = Layout.RESULT_LABEL_COLUMN
    line_cell = f"{label_col}{Layout.RESULT_SUMMARY_FIRST_ROW - 1}"
    _merge(result, f"{line_cell}:{max(RESULT_WIDTHS)}{Layout.RESULT_SUMMARY_FIRST_ROW - 1}")
    result[line_cell].alignment = Alignment(wrap_text=True, vertical="top")
    result[line_cell].font = Font(bold=True, color="FFC00000")
    result.row_dimensions[Layout.RESULT_SUMMARY_FIRST_ROW - 1].height = LINE_HEIGHT * 2
    title_cell = result[Layout.RESULT_TITLE_CELL]
    title_cell.alignment = Alignment(wrap_text=True, vertical="top")
    _merge(result, f"{Layout.RESULT_TITLE_CELL}:{max(RESULT_WIDTHS)}{bounds(Layout.RESULT_TITLE_CELL)[1]}")
    result.row_dimensions[bounds(Layout.RESULT_TITLE_CELL)[1]].height = LINE_HEIGHT * 2.4
    for key, number_format in (("execution_rate", "0.00%"), ("budget_score", "0.00"), ("review_total", "0.00")):
        result[Layout.result_summary_cell(key)].number_format = number_format
    header = Layout.RESULT_TABLE_HEADER_ROW
    last_col = bounds(f"{Layout.RESULT_TABLE_COLUMNS[1]}1")[0]
    state, model = result.cell(header, last_col + 1), result.cell(header, last_col)
    for part in ("font", "fill", "border", "alignment"):
        setattr(state, part, copy(getattr(model, part)))
    widths = {bounds(f"{c}1")[0]: w for c, w in RESULT_WIDTHS.items()}
    for row in result.iter_rows(min_row=header + 1, max_row=result.max_row):
        tallest = 1
        for cell in row:
            if cell.value is None or cell.column not in widths:
                continue
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if not str(cell.value).startswith("="):
                tallest = max(tallest, wrapped_lines(str(cell.value), widths[cell.column], margin=1.5))
        result.row_dimensions[row[0].row].height = LINE_HEIGHT * tallest + 3
    last_result = column_letter(max(widths))
    result.print_area = f"A1:{last_result}{max(result.max_row, header)}"
    result.print_title_rows = f"{header}:{header}"
    _a4(result, landscape=True, left=_escaped(title), right="校验结果")
    result.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _merge(sheet: object, ref: str) -> None:
    """Merge ``ref`` unless an earlier annotation of this copy did."""
    if ref not in {str(r) for r in sheet.merged_cells.ranges}:  # type: ignore[attr-defined]
        sheet.merge_cells(ref)  # type: ignore[attr-defined]


def _escaped(text: str) -> str:
    """``text`` safe inside a page header (``&`` starts a header code)."""
    return text.replace("&", "&&")


def _a4(sheet: object, *, landscape: bool, left: str, right: str) -> None:
    """A4, one page wide; ``left`` and ``right`` head every page, the page number foots it."""
    setup = sheet.page_setup  # type: ignore[attr-defined]
    setup.paperSize = 9
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.oddHeader.left.text = left  # type: ignore[attr-defined]
    sheet.oddHeader.right.text = right  # type: ignore[attr-defined]
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"  # type: ignore[attr-defined]
