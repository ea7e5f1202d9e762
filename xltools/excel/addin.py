"""Inside Excel: the 检查评分 button and worksheet functions, through xlwings.

With :mod:`xltools.excel.udfs`, the only module that imports xlwings. It translates between an ``xlwings.Book`` and the
functional core, nothing more:

* :func:`check_scores` reads the form in whole blocks, evaluates it with
  :func:`xltools.core.evaluate`, writes the reviewer's scores into the result column and the
  校验结果 sheet, colours the cells with findings and tells the user the outcome;
* :func:`check_scores_caller` is the desktop entry (``RunPython`` from ``macros/``);
  :func:`check_scores_script` the xlwings Server / Lite script bound to the sheet's button;
* the worksheet functions (``xltools_*``) are in :mod:`xltools.excel.udfs`.

Round trips per click (each one is a COM call on the desktop; with xlwings Server/Lite the
whole book arrives with the request and every write returns in one response):
two reads (the 模板信息 values, which say how many indicator rows the form has, then the
form's block ``A1:J<last row>``), two value writes (the result column and the 校验结果 sheet),
one clear of the previous findings table, the colours (:mod:`xltools.excel.paint`: one write per
fill colour on the desktop, one matrix on the remote engines) and the message. Nothing here
imports openpyxl or XlsxWriter: a click starts a Python (unless xlwings' "Use UDF Server" keeps
one running) and every import is paid on every click.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import xlwings as xw

from xltools.core import Evaluation, Finding
from xltools.core.errors import UserError
from xltools.excel.fills import FORMULA_FILL, INPUT_FILL
from xltools.excel.paint import cells_of, paint, rectangles
from xltools.form.cells import bounds, column_index
from xltools.form.identify import MAX_ROWS, NotTemplate
from xltools.form.layout import DEFAULT_PASSWORD, META_SHEET, RESULT_SHEET, SHEET, Layout
from xltools.form.registry import current_layout, layout_for, versions
from xltools.form.verdict import Verdict, judge

__all__ = [
    "ERROR_FILL", "WARNING_FILL", "CheckReport", "AddinError", "check_scores", "check_scores_caller",
    "check_scores_script", "combine_folder_caller", "combine_folder", "CombineOutcome",
]

ERROR_FILL = "#FFC7CE"    # red: an error at this cell
WARNING_FILL = "#FFEB9C"  # amber: a warning at this cell
SEVERITY_TEXT = {"error": "错误", "warning": "警告"}
#: Rows of the 校验结果 findings table cleared before each run (leftovers of a longer earlier run).
CLEARED_FINDING_ROWS = 2000


class AddinError(UserError):
    """The workbook is not a form this add-in can check (the message says why and what to do)."""


@dataclass
class CheckReport:
    """What one click did: the evaluation and the traffic with Excel."""

    evaluation: Evaluation
    status: str
    reads: int = 0
    value_writes: int = 0
    colour_writes: int = 0
    coloured: dict[str, str] = field(default_factory=dict)  # form range → fill of a finding


# --- the check -----------------------------------------------------------------------------------

def _read_form(book: xw.Book, today: dt.date | None = None) -> tuple[Verdict, _Grid]:
    """Two block reads (模板信息 values, then the form's block) → the one verdict of :mod:`xltools.form`."""
    names = [sheet.name for sheet in book.sheets]
    for required in (SHEET, RESULT_SHEET):
        if required not in names:
            raise AddinError(f"工作簿 {book.name} 没有工作表“{required}”：请用 xltools 生成的自评表模板填写")
    meta_ref = Layout.meta_range()
    meta_grid = _Grid(book.sheets[META_SHEET].range(meta_ref).options(ndim=2).value if META_SHEET in names
                      else None, meta_ref.split(":")[0])
    layout = _block_layout(meta_grid)
    grid = _Grid(book.sheets[SHEET].range(layout.block).options(ndim=2).value, "A1")
    view = _BookView(names, {SHEET: grid, META_SHEET: meta_grid} if META_SHEET in names else {SHEET: grid})
    try:
        return judge(view, today=today), grid
    except NotTemplate as exc:
        raise AddinError(f"{book.name}：{exc.reason}") from exc


def _block_layout(meta: _Grid) -> Layout:
    """The layout whose block to read: the workbook's own when its metadata says, else the longest
    form of the newest version (so identification can find the 总分 row)."""
    version, rows = meta.get(Layout.meta_cell("version")), meta.get(Layout.meta_cell("rows"))
    known = versions()
    version = str(version).strip() if version is not None else ""
    if version not in known:
        version = known[-1]
    if isinstance(rows, (int, float)) and float(rows).is_integer() and 1 <= rows <= MAX_ROWS:
        return layout_for(version, int(rows))
    return layout_for(version, MAX_ROWS)


def check_scores(book: xw.Book, *, today: dt.date | None = None, alert: bool = True) -> CheckReport:
    """Validate and score the form in ``book``; write results, colour findings, tell the user."""
    verdict, grid = _read_form(book, today)
    layout = verdict.layout
    findings = verdict.findings
    evaluation = Evaluation(verdict.form, verdict.evaluation.sheet, findings)
    status = _status_text(evaluation)
    report = CheckReport(evaluation, status, reads=2)

    form_sheet, result_sheet = book.sheets[SHEET], book.sheets[RESULT_SHEET]
    column, first, last = _result_column(layout, grid, evaluation, status)
    form_sheet.range(f"{layout.result_cell(first)}:{layout.result_cell(last)}").value = column
    first_col, last_col = Layout.RESULT_TABLE_COLUMNS
    table_first = Layout.RESULT_TABLE_HEADER_ROW + 1
    result_sheet.range(f"{first_col}{table_first}:{last_col}{table_first + CLEARED_FINDING_ROWS - 1}"
                       ).clear_contents()
    result_block = _result_block(evaluation)
    result_sheet.range(f"{first_col}{Layout.RESULT_SUMMARY_FIRST_ROW}").value = result_block
    report.value_writes = 2

    report.coloured = _finding_fills(layout, findings)
    report.colour_writes = paint(form_sheet, _final_fills(layout, report.coloured))
    if alert:
        mode = "critical" if evaluation.errors else "info"
        book.app.alert(status, title="检查评分", buttons="ok", mode=mode)
    return report


def check_scores_caller(password: str | None = None) -> None:
    """Desktop entry: ``RunPython "import xltools.addin; xltools.addin.check_scores_caller()"``.

    The template's sheets are protected; Excel refuses writes and colours on them, so the
    two sheets the check writes to are unprotected for the run and protected again with
    their former settings (``password``: the template's, by default ``xltools template``'s).
    """
    book = xw.Book.caller()
    with _unprotected(book, (SHEET, RESULT_SHEET), password):
        check_scores(book)


_PROTECTION_FLAGS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
                     "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
                     "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
                     "AllowUsingPivotTables")


@contextmanager
def _unprotected(book: xw.Book, sheets: Sequence[str], password: str | None) -> Iterator[None]:
    """Windows Excel (COM): lift the protection of ``sheets`` for the block, then restore it as it was."""
    if password is None:
        password = DEFAULT_PASSWORD
    restore: list[tuple[object, dict[str, object]]] = []
    if not sys.platform.startswith("win"):  # macOS Excel: protect/unprotect by hand (see README)
        yield
        return
    try:
        for name in sheets:
            api = book.sheets[name].api
            if not api.ProtectContents:
                continue
            settings = {flag: getattr(api.Protection, flag) for flag in _PROTECTION_FLAGS}
            settings |= {"DrawingObjects": api.ProtectDrawingObjects, "Contents": True,
                         "Scenarios": api.ProtectScenarios}
            try:
                api.Unprotect(password)
            except Exception as exc:  # pywin32's com_error: a wrong password
                raise AddinError(f"无法解除工作表“{name}”的保护：密码不是模板的保护密码。"
                                 "请在宏 CheckScores 中把密码传给 check_scores_caller(password=...)") from exc
            restore.append((api, settings))
        yield
    finally:
        for api, settings in restore:
            api.Protect(password, **settings)


@xw.script(button=f"[xltools_check]{SHEET}!{current_layout().check_button_cell}")
def check_scores_script(book: xw.Book) -> None:
    """xlwings Server / Lite: the same check, bound to the form's button.

    xlwings' remote clients cannot lift a sheet's protection: on the protected template the
    writes need sheets unprotected beforehand (or a template built without protection).
    """
    check_scores(book)


def combine_folder_caller(folder: str) -> None:
    """Desktop entry of the 汇总 macro: combine every form under ``folder`` and open the summary."""
    book = xw.Book.caller()
    output = combine_folder(folder)
    book.app.alert(output.message, title="汇总", buttons="ok", mode="critical" if output.failed else "info")
    if output.path is not None:
        book.app.books.open(str(output.path))


@dataclass(frozen=True)
class CombineOutcome:
    """Where the summary went and what to tell the user."""

    path: Path | None
    message: str
    failed: bool


def combine_folder(folder: str, *, now: dt.datetime | None = None) -> CombineOutcome:
    """Run :func:`xltools.combine.combine` on ``folder``; the summary goes next to the forms.

    The output name carries the time (``汇总_20250120_093000.xlsx``) so an earlier summary is
    never overwritten; a summary file found in the folder is not read as a form by the combiner.
    """
    from xltools.district.combine import CombineError, combine
    from xltools.district.summary import FATE_TEXT

    # The macro passes UTF-16 code units as \uXXXX escapes: join surrogate pairs.
    folder = folder.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    root = Path(folder)
    if not root.is_dir():
        return CombineOutcome(None, f"文件夹 {folder} 不存在或无法打开：请重新选择", True)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d_%H%M%S")
    output = root / f"汇总_{stamp}.xlsx"
    try:
        report = combine([root], output)
    except CombineError as exc:
        return CombineOutcome(None, f"汇总失败：{exc}", True)
    counts = "，".join(f"{FATE_TEXT[fate]} {n}" for fate, n in report.counts.items() if n)
    message = (f"已汇总 {report.projects} 个项目到 {output}（{counts}）；"
               f"共 {report.errors} 个错误、{report.warnings} 个警告。")
    return CombineOutcome(output, message, report.projects == 0)


# --- pieces of the check ---------------------------------------------------------------------------

class _Grid:
    """A block read with its top-left cell at ``origin``, as the form layer's view of a sheet: values
    only (formulas, cell locks and protection are not read, so the checks that need them do not run)."""

    formulas = None
    protected = None

    def __init__(self, rows: Sequence[Sequence[object]] | None, origin: str) -> None:
        self.rows = [list(r) for r in rows or []]
        self.col0, self.row0, _, _ = bounds(origin)

    def get(self, cell: str) -> object:
        col, row, _, _ = bounds(cell)
        r, c = row - self.row0, col - self.col0
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    value = get

    def locked(self, cell: str) -> None:
        return None


class _BookView:
    def __init__(self, names: list[str], sheets: dict[str, _Grid]) -> None:
        self.sheet_names = names
        self._sheets = sheets

    def sheet(self, name: str) -> _Grid | None:
        return self._sheets.get(name)


def _status_text(evaluation: Evaluation) -> str:
    sheet = evaluation.sheet
    errors, warnings = len(evaluation.errors), len(evaluation.warnings)
    total = f"复核总分 {sheet.total:g}（{sheet.grade}）" if sheet.grade else f"复核总分 {sheet.total:g}"
    if not errors and not warnings:
        return f"检查通过：没有发现问题。{total}"
    return (f"发现 {errors} 个错误、{warnings} 个警告（已在表中标色，详见“{RESULT_SHEET}”表）。{total}")


def _result_column(layout: Layout, grid: _Grid, evaluation: Evaluation,
                   status: str) -> tuple[list[list[object]], int, int]:
    """Values of the result column from the status row to the total row; other cells keep theirs."""
    first = layout.spot("check_status").row
    last = layout.spot("review_total").row
    values = {row: grid.get(layout.result_cell(row)) for row in range(first, last + 1)}
    values[first] = status
    for row in range(layout.first_indicator_row, layout.last_indicator_row + 1):
        values[row] = None
    for item in evaluation.sheet.indicators:
        values[layout.first_indicator_row + item.index] = item.score
    values[last] = evaluation.sheet.total
    return [[values[row]] for row in range(first, last + 1)], first, last


def _result_block(evaluation: Evaluation) -> list[list[object]]:
    """The 校验结果 sheet from the summary's first row to the last finding (one write)."""
    sheet = evaluation.sheet
    width = len(Layout.RESULT_COLUMNS)
    summary = {
        "execution_rate": sheet.execution_rate, "budget_score": sheet.budget_score,
        "review_total": sheet.total, "grade": sheet.grade or None,
        "errors": len(evaluation.errors), "warnings": len(evaluation.warnings),
    }
    rows: list[list[object]] = []
    for key, label in Layout.RESULT_SUMMARY:
        _, row, _, _ = bounds(Layout.result_summary_cell(key))
        while Layout.RESULT_SUMMARY_FIRST_ROW + len(rows) < row:
            rows.append([None] * width)
        rows.append([label, summary[key]] + [None] * (width - 2))
    while Layout.RESULT_SUMMARY_FIRST_ROW + len(rows) < Layout.RESULT_TABLE_HEADER_ROW:
        rows.append([None] * width)
    rows.append(list(Layout.RESULT_COLUMNS))
    for i, finding in enumerate(evaluation.findings, start=1):
        rows.append([i, finding.cell or "", SEVERITY_TEXT[finding.severity], finding.code, finding.message])
    return rows


def _restore_fills(layout: Layout) -> list[tuple[str, str]]:
    """The template's shading of every cell a finding can colour (inputs and formulas)."""
    by_fill: dict[str, set[tuple[int, int]]] = {INPUT_FILL: set(), FORMULA_FILL: set()}
    for spot in layout.all_spots():
        if spot.kind in ("input", "formula"):
            fill = INPUT_FILL if spot.kind == "input" else FORMULA_FILL
            by_fill[fill].update(cells_of(spot.merge or spot.cell))
    last = column_index(layout.last_column)
    return [(ref, fill) for fill, cells in by_fill.items()
            for ref in rectangles(c for c in cells if c[1] <= last)]


def _finding_fills(layout: Layout, findings: Sequence[Finding]) -> dict[str, str]:
    """Form range → fill for every finding placed on the form (errors win over warnings)."""
    merges = {spot.cell: spot.merge for spot in layout.all_spots() if spot.merge}
    out: dict[str, str] = {}
    for finding in findings:
        if not finding.cell or not finding.cell.startswith(f"{SHEET}!"):
            continue
        cell = finding.cell.split("!", 1)[1]
        ref = merges.get(cell) or cell
        if out.get(ref) != ERROR_FILL:
            out[ref] = ERROR_FILL if finding.severity == "error" else WARNING_FILL
    return out


def _final_fills(layout: Layout, coloured: dict[str, str]) -> dict[tuple[int, int], str]:
    """Every colourable cell's fill after this check: the template's shading, then the findings'."""
    fills = {cell: fill for ref, fill in _restore_fills(layout) for cell in cells_of(ref)}
    for ref, fill in coloured.items():
        fills.update(dict.fromkeys(cells_of(ref), fill))
    return fills
