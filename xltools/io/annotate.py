"""An annotated copy of a filled form: 校验结果 filled, problem cells coloured, a comment at each finding.

:func:`annotate_workbook` is the one shared function behind ``combine --returns`` (and meant for
``check --annotate``): it judges the workbook with :func:`xltools.form.verdict.judge` and writes
the copy with openpyxl; the source is only read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook as openpyxl_load
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from xltools.core import Policy
from xltools.form.layout import RESULT_SHEET, Layout
from xltools.form.verdict import Verdict, judge
from xltools.io.files import atomic_output
from xltools.io.forms import load_workbook

__all__ = ["annotate_workbook", "ERROR_FILL", "WARNING_FILL"]

ERROR_FILL = "FFC7CE"  # red: an error at this cell
WARNING_FILL = "FFEB9C"  # amber: a warning at this cell
_SEVERITY = {"error": "错误", "warning": "警告"}


def annotate_workbook(source: Path, out: Path, *, policy: Policy | None = None, today: dt.date | None = None,
                      force: bool = False) -> Verdict:
    """Write to ``out`` a copy of the form ``source`` with its verdict in it; returns the verdict.

    Raises :class:`~xltools.io.forms.FormReadError` when ``source`` is not a readable form of ours and
    :class:`~xltools.io.files.OutputExistsError` when ``out`` exists without ``force``.
    """
    source, out = Path(source), Path(out)
    book, identity = load_workbook(source)
    verdict = judge(book, policy, today=today or dt.date.today(), identity=identity)
    workbook = openpyxl_load(source, keep_vba=source.suffix.lower() == ".xlsm")
    _fill_results(workbook, verdict)
    _mark_cells(workbook, verdict)
    with atomic_output(out, force=force) as tmp:
        workbook.save(tmp)
    return verdict


def _fill_results(workbook, verdict: Verdict) -> None:
    if RESULT_SHEET not in workbook.sheetnames:
        return
    ws = workbook[RESULT_SHEET]
    sheet = verdict.evaluation.sheet
    summary = {"execution_rate": sheet.execution_rate, "budget_score": sheet.budget_score,
               "review_total": sheet.total, "grade": sheet.grade or None,
               "errors": verdict.errors, "warnings": verdict.warnings}
    for key, _label in Layout.RESULT_SUMMARY:
        ws[Layout.result_summary_cell(key)] = summary[key]
    first_col, _ = Layout.RESULT_TABLE_COLUMNS
    first = Layout.RESULT_TABLE_HEADER_ROW + 1
    col = ws[f"{first_col}1"].column
    for row in ws.iter_rows(min_row=first, max_row=max(ws.max_row, first), min_col=col, max_col=col + 4):
        for cell in row:
            cell.value = None
    for i, finding in enumerate(verdict.findings):
        values = (i + 1, finding.cell or "", _SEVERITY[finding.severity], finding.code, finding.message)
        for offset, value in enumerate(values):
            ws.cell(first + i, col + offset, value)


def _mark_cells(workbook, verdict: Verdict) -> None:
    at: dict[tuple[str, str], list] = defaultdict(list)
    for finding in verdict.findings:
        sheet, _, cell = (finding.cell or "").rpartition("!")
        if sheet in workbook.sheetnames and cell:
            at[(sheet, cell)].append(finding)
    for (sheet, cell), findings in at.items():
        target = workbook[sheet][cell]
        colour = ERROR_FILL if any(f.severity == "error" for f in findings) else WARNING_FILL
        target.fill = PatternFill("solid", start_color=colour, end_color=colour)
        text = "\n".join(f"【{_SEVERITY[f.severity]}】{f.code}：{f.message}" for f in findings)
        target.comment = Comment(text, "xltools", width=320, height=40 + 60 * len(findings))
