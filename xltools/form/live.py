"""What keeps an annotated copy true after the clerk edits it: its live parts, as formula texts.

The annotated copy (:mod:`xltools.io.annotate`) is a snapshot of one check. A clerk who mends a cell in
WPS has no button to check again, so nothing the copy shows may outlive the values it was computed from:

* the checked value of every input cell of the form is kept on a hidden sheet (:data:`SNAPSHOT_SHEET`)
  at the same address; every other filled cell of the form's block is mirrored there by a formula, so
  the defined name :data:`CHANGED_NAME` counts the input cells that no longer hold their checked value;
* each finding's colour is a conditional format that holds while its cell still has the checked value
  (a computed cell — 执行率, 总分 … — while no input changed), instead of a fixed fill;
* the result line, the 复核得分 column and 校验结果's counts show the check's result while nothing
  changed, and 「检查时的结果 … ／ 已修改 N 处，请重新检查」 once something did; every finding row of
  校验结果 says whether its cell was changed.

Pure: formula texts and cell addresses only (every address from the layout or the plan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xltools.form.annotation import ERROR_FILL, Annotation, form_cell
from xltools.form.cells import bounds, cells_of, column_letter
from xltools.form.layout import SHEET, Layout
from xltools.form.verdict import Verdict

__all__ = ["SNAPSHOT_SHEET", "CHANGED_NAME", "CHANGED_TEXT", "Mark", "Live", "live_plan", "unchanged"]

#: The hidden sheet of the copy holding the checked values.
SNAPSHOT_SHEET = "检查时的值"
#: The defined name counting the input cells changed since the check.
CHANGED_NAME = "Chk_Changed"
#: What a finding row of 校验结果 says once its cell was changed.
CHANGED_TEXT = "已修改，请重新检查"
#: Header of the 校验结果 column saying whether a finding's cell changed.
STATE_HEADER = "检查后"


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _abs(cell: str) -> str:
    (row, col), = cells_of(cell)
    return f"${column_letter(col)}${row}"


def unchanged(cell: str, *, watched: bool, on_form: bool = True) -> str:
    """The condition "``cell`` of the form still holds its checked value" (a formula without ``=``).

    A watched (input) cell is compared with its checked value on :data:`SNAPSHOT_SHEET`; any other
    cell (a computed one) counts as unchanged while no input changed."""
    if not watched:
        return f"{CHANGED_NAME}=0"
    here = _abs(cell) if on_form else f"'{SHEET}'!{_abs(cell)}"
    return f"EXACT({here}&\"\",'{SNAPSHOT_SHEET}'!{_abs(cell)}&\"\")"


@dataclass(frozen=True)
class Mark:
    """One finding colour on the form: ``ref`` gets ``fill`` while ``condition`` holds."""

    ref: str
    fill: str
    condition: str


@dataclass(frozen=True)
class Live:
    """The copy's live parts (see the module docstring); formulas start with ``=`` where a cell gets them.

    * ``block``: the form's block mirrored on :data:`SNAPSHOT_SHEET`;
    * ``checked``: watched cell → its checked value; ``mirrored``: the other filled cells of the block;
    * ``changed``: the formula of :data:`CHANGED_NAME`;
    * ``marks``: the finding colours; ``status_line``: the whole result line (printed below the form);
    * ``form_cells``: form cell → formula (the short result in the status cell, 复核得分);
    * ``result_cells``: 校验结果 cell → value or formula (the live line, the counts, one state per finding);
    * ``finding_rows``: (first cell, last cell, condition of "changed") of each finding row of 校验结果;
    * ``total_note``: (总分's cell, note) when a score the total adds is wrong: the total row is marked too.
    """

    block: str
    checked: dict[str, object]
    mirrored: tuple[str, ...]
    changed: str
    marks: tuple[Mark, ...]
    status_line: str
    form_cells: dict[str, str]
    result_cells: dict[str, object]
    finding_rows: tuple[tuple[str, str, str], ...]
    total_note: tuple[str, str] | None = None


def live_plan(verdict: Verdict, plan: Annotation, current: Callable[[str], object], *, checked_on: str) -> Live:
    """The live parts of the copy of ``verdict`` annotated by ``plan``; ``current(cell)`` gives a form cell's
    value as checked, ``checked_on`` the date of the check (shown in the result line)."""
    layout = verdict.layout
    block = f"A1:{layout.last_column}{layout.signoff_row}"
    anchors = {spot.cell for spot in layout.input_spots()}
    checked = {cell: current(cell) for cell in sorted(anchors)}
    mirrored = tuple(f"{column_letter(c)}{r}" for r, c in cells_of(block)
                     if f"{column_letter(c)}{r}" not in anchors and current(f"{column_letter(c)}{r}") is not None)
    fixed = ":".join(_abs(cell) for cell in block.split(":"))  # a defined name's references: absolute
    changed = f"SUMPRODUCT(--('{SHEET}'!{fixed}&\"\"<>'{SNAPSHOT_SHEET}'!{fixed}&\"\"))"

    anchor_of = {spot.merge: spot.cell for spot in layout.all_spots() if spot.merge}
    marks = tuple(Mark(ref, fill, unchanged(anchor_of.get(ref, ref), watched=anchor_of.get(ref, ref) in anchors))
                  for ref, fill in plan.fills.items())
    total_note = _total_note(verdict, plan)
    if total_note is not None and total_note[0] not in plan.fills:  # the total is wrong with the score behind it
        marks += (Mark(total_note[0], ERROR_FILL, f"{CHANGED_NAME}=0"),)

    stale = f"检查时的结果（{checked_on}）：{plan.status} ／ 已修改 "
    status_cell = layout.spot("check_status").cell
    status = f"=IF({CHANGED_NAME}=0,{_q(plan.status)},{_q(stale)}&{CHANGED_NAME}&{_q(' 处，请重新检查')}"
    if "chk_status" in layout.by_path:  # 1.1 and later: the in-sheet check is live on its own
        status += f"&{_q('；表内自动检查现为：')}&Chk_Status"
    # The status cell is narrow (it prints in the result column): a short live text there, the whole
    # line (``status_line``) below the form across the page.
    short = f"错误 {verdict.errors}、警告 {verdict.warnings}"
    form_cells = {status_cell: f"=IF({CHANGED_NAME}=0,{_q(short)},{_q('已修改，请重新检查')})"}
    first_row = bounds(plan.column_range)[1]
    for i, (value,) in enumerate(plan.column_values):
        cell = layout.result_cell(first_row + i)
        if cell != status_cell and isinstance(value, (int, float)) and not isinstance(value, bool):
            form_cells[cell] = f'=IF({CHANGED_NAME}=0,{value!r},"待重查")'

    result_cells: dict[str, object] = {}
    line_row = Layout.RESULT_SUMMARY_FIRST_ROW - 1
    result_cells[f"{Layout.RESULT_LABEL_COLUMN}{line_row}"] = (
        f"=IF({CHANGED_NAME}=0,{_q(f'以下是 {checked_on} 检查的结果，检查后表格未改动。')},"
        f"{_q('检查后表格已修改 ')}&{CHANGED_NAME}&{_q(' 处：以下是检查时的结果，已不一定准确，请重新检查。')})")
    for key in ("review_total", "errors", "warnings"):
        cell = Layout.result_summary_cell(key)
        value = {"review_total": verdict.evaluation.sheet.total, "errors": verdict.errors,
                 "warnings": verdict.warnings}[key]
        result_cells[cell] = f"=IF({CHANGED_NAME}=0,{value!r},{_q(f'检查时 {value:g}，待重新检查')})"
    state_column = column_letter(bounds(f"{Layout.RESULT_TABLE_COLUMNS[1]}1")[0] + 1)
    header = Layout.RESULT_TABLE_HEADER_ROW
    result_cells[f"{state_column}{header}"] = STATE_HEADER
    rows = []
    for i, finding in enumerate(verdict.findings, start=1):
        cell = form_cell(finding)
        if cell is None:
            condition = f"{CHANGED_NAME}>0"
        else:
            anchor = anchor_of.get(cell, cell)
            condition = f"NOT({unchanged(anchor, watched=anchor in anchors, on_form=False)})"
        result_cells[f"{state_column}{header + i}"] = f"=IF({condition},{_q(CHANGED_TEXT)},\"\")"
        rows.append((f"{Layout.RESULT_TABLE_COLUMNS[0]}{header + i}", f"{state_column}{header + i}", condition))
    return Live(block, checked, mirrored, changed, marks, status + ")", form_cells, result_cells, tuple(rows),
                total_note)


def _total_note(verdict: Verdict, plan: Annotation) -> tuple[str, str] | None:
    """(总分's cell, a note) when an error sits on a score the total adds up (an indicator's 得分 or the
    预算执行得分): the total row is then wrong too, though no rule names it."""
    layout = verdict.layout
    scores = {layout.indicator_cell(i, "score") for i in range(layout.rows)} | {layout.spot("budget_score").cell}
    behind = sorted({cell for f in verdict.findings if f.severity == "error" and (cell := form_cell(f)) in scores},
                    key=lambda c: bounds(c)[1])
    if not behind:
        return None
    total = layout.spot("total_score").cell
    return total, f"总分所加的得分有错误（{'、'.join(behind)}），总分也随之不对：改正这些得分后总分会重新计算"
