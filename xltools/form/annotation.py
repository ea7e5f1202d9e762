"""What the 检查评分 button shows, computed once from a :class:`~xltools.form.verdict.Verdict`.

The xlwings add-in (:mod:`xltools.excel.addin`) applies this plan to the open workbook; the
annotated copy (:mod:`xltools.io.annotate`) applies the same plan with openpyxl; so the button
and ``xltools check --annotate`` show the same values, colours and findings. Every cell
position comes from the layout (:meth:`Layout.result_cell`, :meth:`Layout.result_summary_cell`,
:attr:`Layout.RESULT_TABLE_HEADER_ROW` …); nothing here types an address.

Pure: no spreadsheet library. Ranges are A1 strings, colours ``#RRGGBB``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xltools.core import Finding
from xltools.core.scoring import grade_label
from xltools.form.cells import bounds, cells_of, column_index, rectangles
from xltools.form.layout import RESULT_SHEET, SHEET, Layout
from xltools.form.verdict import Verdict

__all__ = [
    "ERROR_FILL", "WARNING_FILL", "INPUT_FILL", "FORMULA_FILL", "SEVERITY_TEXT", "CLEARED_FINDING_ROWS",
    "Annotation", "annotate", "status_text", "result_column", "result_block", "restore_fills",
    "finding_fills", "finding_comments", "form_cell",
]

ERROR_FILL = "#FFC7CE"    # red: an error at this cell
WARNING_FILL = "#FFD591"  # amber (orange, unlike the light-yellow input cells): a warning at this cell
INPUT_FILL = "#FFF8D0"    # the template's light yellow: type here
FORMULA_FILL = "#DDEBF7"  # the template's light blue: computed by the template
SEVERITY_TEXT = {"error": "错误", "warning": "警告"}
#: Rows of the 校验结果 findings table cleared before each run (leftovers of a longer earlier run).
CLEARED_FINDING_ROWS = 2000


@dataclass(frozen=True)
class Annotation:
    """Everything one check writes into a workbook, in the order to apply it.

    * ``column_range`` / ``column_values``: the result column of the form sheet (``SHEET``), one
      value per row from the status row to the total row (a cell the check does not own keeps the
      value it had);
    * ``table_clear``: the findings table area of ``RESULT_SHEET`` to empty first;
    * ``block_anchor`` / ``block``: the 校验结果 summary and findings table, written from the anchor;
    * ``restore``: (range, fill) of the template's own shading of every cell a finding can colour;
    * ``fills``: form range → fill of a finding (after ``restore``);
    * ``comments``: form cell → the comment text (批注) of the findings at that cell.
    """

    status: str
    column_range: str
    column_values: list[list[object]]
    table_clear: str
    block_anchor: str
    block: list[list[object]]
    restore: list[tuple[str, str]]
    fills: dict[str, str]
    comments: dict[str, str]
    errors: int
    warnings: int


def annotate(verdict: Verdict, current: Callable[[str], object]) -> Annotation:
    """The plan for ``verdict``; ``current(cell)`` gives a form-sheet cell's present value."""
    layout, findings = verdict.layout, verdict.findings
    status = status_text(verdict)
    column_range, column_values = result_column(verdict, status, current)
    anchor, block = result_block(verdict)
    first_col, last_col = Layout.RESULT_TABLE_COLUMNS
    table_first = Layout.RESULT_TABLE_HEADER_ROW + 1
    clear = f"{first_col}{table_first}:{last_col}{table_first + CLEARED_FINDING_ROWS - 1}"
    return Annotation(status, column_range, column_values, clear, anchor, block, restore_fills(layout),
                      finding_fills(layout, findings), finding_comments(findings),
                      verdict.errors, verdict.warnings)


def status_text(verdict: Verdict) -> str:
    """The one-line outcome shown in the status cell and in the button's message box."""
    total = review_text(verdict)
    if not verdict.errors and not verdict.warnings:
        return f"检查通过：没有发现问题。{total}"
    return (f"发现 {verdict.errors} 个错误、{verdict.warnings} 个警告（已在表中标色，详见“{RESULT_SHEET}”表）。"
            f"{total}")


def review_text(verdict: Verdict) -> str:
    """The self-reported 总分 with the reviewed total and grade beside it (未评级/未评分 when there is none)."""
    sheet = verdict.evaluation.sheet
    shown = "—" if verdict.self_total is None else f"{verdict.self_total:g}"
    review = "未评分" if sheet.total is None else f"复核总分 {sheet.total:g}（{grade_label(sheet)}）"
    return f"自评总分 {shown}，{review}"


def result_column(verdict: Verdict, status: str,
                  current: Callable[[str], object]) -> tuple[str, list[list[object]]]:
    """The result column from the status row to the total row; other cells keep their values."""
    layout, sheet = verdict.layout, verdict.evaluation.sheet
    first, last = layout.spot("check_status").row, layout.spot("review_total").row
    values = {row: current(layout.result_cell(row)) for row in range(first, last + 1)}
    values[first] = status
    for row in range(layout.first_indicator_row, layout.last_indicator_row + 1):
        values[row] = None
    for item in sheet.indicators:
        values[layout.first_indicator_row + item.index] = item.score
    values[last] = sheet.total
    return (f"{layout.result_cell(first)}:{layout.result_cell(last)}",
            [[values[row]] for row in range(first, last + 1)])


def result_block(verdict: Verdict) -> tuple[str, list[list[object]]]:
    """The 校验结果 sheet from the summary's first row to the last finding (one write) and its anchor."""
    sheet = verdict.evaluation.sheet
    width = len(Layout.RESULT_COLUMNS)
    summary = {
        "execution_rate": sheet.execution_rate, "budget_score": sheet.budget_score,
        "review_total": sheet.total, "grade": grade_label(sheet),
        "errors": verdict.errors, "warnings": verdict.warnings,
    }
    first = Layout.RESULT_SUMMARY_FIRST_ROW
    rows: list[list[object]] = []
    for key, label in Layout.RESULT_SUMMARY:
        row = bounds(Layout.result_summary_cell(key))[1]
        while first + len(rows) < row:
            rows.append([None] * width)
        rows.append([label, summary[key]] + [None] * (width - 2))
    while first + len(rows) < Layout.RESULT_TABLE_HEADER_ROW:
        rows.append([None] * width)
    rows.append(list(Layout.RESULT_COLUMNS))
    for i, finding in enumerate(verdict.findings, start=1):
        rows.append([i, finding.cell or "", SEVERITY_TEXT[finding.severity], finding.code, finding.message])
    return f"{Layout.RESULT_TABLE_COLUMNS[0]}{first}", rows


def restore_fills(layout: Layout) -> list[tuple[str, str]]:
    """The template's shading of every cell a finding can colour (inputs and formulas), as few ranges."""
    by_fill: dict[str, set[tuple[int, int]]] = {INPUT_FILL: set(), FORMULA_FILL: set()}
    for spot in layout.all_spots():
        if spot.kind in ("input", "formula"):
            fill = INPUT_FILL if spot.kind == "input" else FORMULA_FILL
            by_fill[fill].update(cells_of(spot.merge or spot.cell))
    last = column_index(layout.last_column)
    return [(ref, fill) for fill, cells in by_fill.items()
            for ref in rectangles(c for c in cells if c[1] <= last)]


def form_cell(finding: Finding) -> str | None:
    """The form-sheet cell of a finding (``H21``), or ``None`` when it is elsewhere or nowhere."""
    if not finding.cell or not finding.cell.startswith(f"{SHEET}!"):
        return None
    return finding.cell.split("!", 1)[1] or None  # "自评表!": the sheet as a whole (tamper-unprotected)


def finding_fills(layout: Layout, findings: Sequence[Finding]) -> dict[str, str]:
    """Form range → fill for every finding placed on the form (errors win over warnings)."""
    merges = {spot.cell: spot.merge for spot in layout.all_spots() if spot.merge}
    out: dict[str, str] = {}
    for finding in findings:
        cell = form_cell(finding)
        if cell is None:
            continue
        ref = merges.get(cell) or cell
        if out.get(ref) != ERROR_FILL:
            out[ref] = ERROR_FILL if finding.severity == "error" else WARNING_FILL
    return out


def finding_comments(findings: Sequence[Finding]) -> dict[str, str]:
    """Form cell → comment text: every finding at that cell (placed by the layout), its level, code and
    message (which ends with how to fix it), errors first."""
    by_cell: dict[str, list[Finding]] = {}
    for finding in findings:
        cell = form_cell(finding)
        if cell is not None:
            by_cell.setdefault(cell, []).append(finding)
    out: dict[str, str] = {}
    for cell, here in by_cell.items():
        here.sort(key=lambda f: f.severity != "error")
        out[cell] = "\n".join(f"【{SEVERITY_TEXT[f.severity]}】{f.code}：{f.message}" for f in here)
    return out
