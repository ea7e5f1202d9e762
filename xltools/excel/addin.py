"""Inside Excel: the 检查评分 button, through xlwings.

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
fill colour on the desktop, one matrix for xlwings' Office.js clients) and the message. On a form of
template 1.3 or later a third value write records the check (:mod:`xltools.form.marks`): the template's
conditional format colours each finding's cell while it holds the checked value, so a mended cell loses
its colour without a second click; only the template's shading is painted. Nothing here
imports openpyxl or XlsxWriter: a click starts a Python (unless xlwings' "Use UDF Server" keeps
one running) and every import is paid on every click.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import xlwings as xw

from xltools.core import Evaluation
from xltools.core.errors import UserError
from xltools.excel.paint import paint
from xltools.form.annotation import Annotation, annotate
from xltools.form.book import format_legacy, format_of_name
from xltools.form.cells import bounds, cells_of
from xltools.form.identify import MAX_ROWS, NotTemplate
from xltools.form.layout import (
    DEFAULT_PASSWORD,
    META_SHEET,
    RESULT_SHEET,
    SHEET,
    Layout,
)
from xltools.form.layout_v1_2 import TARGET_PARTS, LayoutV1_2
from xltools.form.marks import record, records_marks
from xltools.form.registry import current_layout, layout_for, versions
from xltools.form.verdict import Verdict, judge

__all__ = [
    "CheckReport", "AddinError", "check_scores", "check_scores_caller",
    "check_scores_script", "combine_folder_caller", "combine_folder", "CombineOutcome",
]

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
    meta_ref = f"{Layout.meta_range().split(':')[0]}:{LayoutV1_2.digest_cell}"  # the metadata and 1.2's digest
    meta_grid = _Grid(book.sheets[META_SHEET].range(meta_ref).options(ndim=2).value if META_SHEET in names
                      else None, meta_ref.split(":")[0])
    layout = _block_layout(meta_grid)
    grid = _Grid(book.sheets[SHEET].range(layout.block).options(ndim=2).value, "A1")
    sheets = {SHEET: grid, META_SHEET: meta_grid} if META_SHEET in names else {SHEET: grid}
    if isinstance(layout, LayoutV1_2) and layout.targets_sheet in names:  # a prefilled form's approved targets
        block = f"A1:{layout.target_cell(layout.rows - 1, TARGET_PARTS[-1][0])}"
        sheets[layout.targets_sheet] = _Grid(book.sheets[layout.targets_sheet].range(block).options(ndim=2).value, "A1")
    view = _BookView(names, sheets)
    # a form open in Excel/WPS as .xls, .et, .ods …: the same format-legacy finding as check and combine give it
    legacy = format_legacy(format_of_name(_file_name(book)), view, SHEET)
    try:
        return judge(view, today=today, reading=(legacy,) if legacy is not None else ()), grid
    except NotTemplate as exc:
        raise AddinError(f"{book.name}：{exc.reason}") from exc


def _file_name(book: xw.Book) -> str:
    """The workbook's file name with its extension: the full path on the desktop, the name the client sends
    otherwise (xlwings Server/Lite); a new, unsaved book has none (“工作簿1”)."""
    return str(book.fullname or book.name or "")


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
    """Validate and score the form in ``book``; write results, colour findings, tell the user.

    What is written is :func:`xltools.form.annotation.annotate`'s plan, the same the annotated copy gets."""
    verdict, grid = _read_form(book, today)
    plan = annotate(verdict, grid.get)
    evaluation = Evaluation(verdict.form, verdict.evaluation.sheet, verdict.findings)
    report = CheckReport(evaluation, plan.status, reads=2)

    form_sheet, result_sheet = book.sheets[SHEET], book.sheets[RESULT_SHEET]
    form_sheet.range(plan.column_range).value = plan.column_values
    result_sheet.range(plan.table_clear).clear_contents()
    result_sheet.range(plan.block_anchor).value = plan.block
    report.value_writes = 2

    report.coloured = dict(plan.fills)
    fills = plan.fills
    if records_marks(verdict.layout):  # 1.3: the template colours what the record marks, while unchanged
        block, rows, fills = record(verdict.layout, plan.fills, grid.get)  # type: ignore[arg-type]
        form_sheet.range(block).value = rows
        report.value_writes += 1
    report.colour_writes = paint(form_sheet, _final_fills(plan, fills))
    if alert:
        mode = "critical" if plan.errors else "info"
        book.app.alert(plan.status, title="检查评分", buttons="ok", mode=mode)
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

    def lock_states(self, cells: object) -> None:
        return None


class _BookView:
    def __init__(self, names: list[str], sheets: dict[str, _Grid]) -> None:
        self.sheet_names = names
        self._sheets = sheets

    def sheet(self, name: str) -> _Grid | None:
        return self._sheets.get(name)


def _final_fills(plan: Annotation, painted: Mapping[str, str]) -> dict[tuple[int, int], str]:
    """Every colourable cell's fill after this check: the template's shading, then the ``painted`` findings'
    (the plan's, or on a 1.3 form only those its record cannot hold)."""
    fills = {cell: fill for ref, fill in plan.restore for cell in cells_of(ref)}
    for ref, fill in painted.items():
        fills.update(dict.fromkeys(cells_of(ref), fill))
    return fills
