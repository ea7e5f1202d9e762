"""An annotated copy of a filled workbook: what the 检查评分 button would show, already written in.

:func:`annotate_workbook` reads the workbook with the bounded reader, judges it with
:func:`xltools.form.verdict.judge` and writes a copy with openpyxl in which the plan of
:func:`xltools.form.annotation.annotate` (the add-in's own) is applied: the result column, the
校验结果 sheet, the colours of the problem cells and a comment (批注) at each finding's cell.
Everything else (protection, validations, formulas, every input cell, the macros of an .xlsm)
stays as it was; the input file is only ever read.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from xltools.core import Form, Policy
from xltools.core.errors import UserError, os_reason
from xltools.core.targets import Targets
from xltools.form.annotation import Annotation, annotate
from xltools.form.cells import cells_of
from xltools.form.layout import RESULT_SHEET, SHEET
from xltools.form.live import Live, live_plan
from xltools.form.verdict import Verdict, judge
from xltools.io.files import OutputExistsError, atomic_output
from xltools.io.fill import filled_bytes
from xltools.io.forms import WORKBOOK_SUFFIXES, FormReadError, judge_loaded, load_workbook
from xltools.io.livecopy import apply_live, set_up_printing
from xltools.form.book import format_text
from xltools.io.xlsxread import read_workbook

__all__ = ["AnnotateError", "annotate_workbook", "apply_annotation"]

#: Author and size (points) of the comments the copy carries.
COMMENT_AUTHOR = "xltools 检查评分"
COMMENT_WIDTH, COMMENT_LINE_HEIGHT = 320, 16
_VML_PREFIXES = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
                 "x": "urn:schemas-microsoft-com:office:excel"}


class AnnotateError(UserError):
    """The annotated copy cannot be written where asked (message in Chinese, says what to do)."""


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def annotate_workbook(source: Path, out: Path, *, policy: Policy | None = None, today: dt.date | None = None,
                      force: bool = False, template: Callable[[Form], bytes] | None = None,
                      targets: Targets | None = None) -> Verdict:
    """Write ``out``, the annotated copy of the workbook ``source``, and return the verdict on it.

    Refuses ``out`` when it is ``source`` itself (also through a link), when it exists and not
    ``force``, and when its suffix differs from the source's (an .xlsm keeps its macros only as .xlsm).
    A source in another format (.xls, .ods …, read through the seam) is written as ``.xlsx``: its form
    moved into ``template(form)`` (a fresh template's bytes; without ``template`` it is refused), annotated
    with the verdict on that workbook plus the source's reader findings (``format-legacy``).
    Raises :class:`~xltools.io.forms.FormReadError` when ``source`` is not a readable form of ours.
    """
    source, out = Path(source), Path(out)
    if _same_file(source, out):
        raise AnnotateError(f"批注副本 {out} 就是被检查的文件本身：请另选一个输出文件名（原文件不会被改动）")
    loaded = load_workbook(source)
    native = loaded.format in ("xlsx", "xlsm")
    suffix = f".{loaded.format}" if native and source.suffix.lower() not in WORKBOOK_SUFFIXES \
        else source.suffix.lower() if native else ".xlsx"
    if not native and template is None:
        raise FormReadError(source, f"这是 {format_text(loaded.format)}，只能为 .xlsx、.xlsm 工作簿生成批注副本；"
                                    "请先用 xltools convert 转为 .xlsx")
    if loaded.book is None:
        raise FormReadError(source, "不是按模板填写的工作簿，无法生成批注副本；请先用 xltools convert 转为 .xlsx")
    if out.suffix.lower() != suffix:
        why = f"与 {source.name} 相同" if native else f"{format_text(loaded.format)}的批注副本按 .xlsx 写出"
        raise AnnotateError(f"批注副本 {out} 应以 {suffix} 结尾（{why}），请改用该扩展名")
    if out.exists() and not force:
        raise OutputExistsError(f"{out} 已存在：如需覆盖请加 --force")
    verdict = judge_loaded(loaded, policy, today=today, targets=targets)
    checked_on = today or dt.date.today()
    if native:  # openpyxl goes by the name: a workbook named .xls is handed over as bytes
        opened = source if source.suffix.lower() in WORKBOOK_SUFFIXES else io.BytesIO(_read(source))
        data = _annotated_bytes(opened, verdict, keep_vba=suffix == ".xlsm", checked_on=checked_on)
    else:
        assert template is not None
        workbook = filled_bytes(loaded.form, template(loaded.form))
        moved = judge(read_workbook(workbook), policy, today=today, reading=loaded.findings, targets=targets)
        data = _annotated_bytes(io.BytesIO(workbook), moved, keep_vba=False, checked_on=checked_on)
    try:
        with atomic_output(out, force=force) as tmp:
            tmp.write_bytes(data)
    except OutputExistsError:
        raise
    except OSError as exc:
        raise AnnotateError(f"无法写入批注副本 {out}：{os_reason(exc)}") from exc
    return verdict


def _read(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except OSError as exc:
        raise FormReadError(source, f"无法读取文件：{os_reason(exc)}") from exc


def _annotated_bytes(source: Path | io.BytesIO, verdict: Verdict, *, keep_vba: bool, checked_on: dt.date) -> bytes:
    import openpyxl
    from openpyxl.xml.functions import register_namespace

    # The button's VML is parsed and written again with the comments' shapes (openpyxl keeps the
    # drawing of a macro workbook): keep the prefixes Office writes instead of ns0/ns1/ns2.
    for prefix, uri in _VML_PREFIXES.items():
        register_namespace(prefix, uri)
    try:
        wb = openpyxl.load_workbook(source, keep_vba=keep_vba, rich_text=True)
    except OSError as exc:
        raise FormReadError(source, f"无法读取文件：{os_reason(exc)}") from exc
    form_sheet = wb[SHEET]
    plan = annotate(verdict, lambda cell: form_sheet[cell].value)
    live = live_plan(verdict, plan, lambda cell: form_sheet[cell].value, checked_on=checked_on.isoformat())
    apply_annotation(wb, plan, live)
    apply_live(wb, live)
    set_up_printing(wb, verdict.layout, live, verdict.form.project_name or "自评表")
    buffer = io.BytesIO()
    wb.save(buffer)
    return _anchor_comments(buffer.getvalue())


_NOTE = re.compile(r"<x:ClientData ObjectType=\"Note\">.*?</x:ClientData>", re.S)
_ROW_COLUMN = re.compile(r"<x:Row>(\d+)</x:Row>\s*<x:Column>(\d+)</x:Column>")


def _anchor_comments(data: bytes) -> bytes:
    """Give every comment box an anchor beside its own cell.

    openpyxl writes all comment shapes at one fixed offset from the sheet's corner, so LibreOffice
    stacks every shown comment at the top left; with ``<x:Anchor>`` (columns and rows, as Excel
    writes it) each box sits just right of its cell. Every other part is copied unchanged."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename.endswith(".vml"):
                part = _NOTE.sub(_with_anchor, part.decode("utf-8")).encode("utf-8")
            target.writestr(item, part)
    return out.getvalue()


def _with_anchor(match: re.Match[str]) -> str:
    """A note's client data with ``<x:Anchor>`` where Excel writes it (before ``<x:AutoFill>``)."""
    note = match.group(0)
    cell = _ROW_COLUMN.search(note)
    if cell is None or "<x:Anchor>" in note:
        return note
    row, col = int(cell.group(1)), int(cell.group(2))
    anchor = f"<x:Anchor>{col + 1}, 15, {row}, 2, {col + 4}, 15, {row + 2}, 10</x:Anchor>"
    at = note.find("<x:AutoFill>")
    at = at if at >= 0 else cell.start()
    return note[:at] + anchor + note[at:]


def apply_annotation(wb: object, plan: Annotation, live: Live | None = None) -> None:
    """Apply ``plan`` to the openpyxl workbook ``wb`` (what the add-in does through xlwings).

    With ``live`` (the copy's live parts) the findings' colours are left to :func:`apply_live`'s
    conditional formats instead of fixed fills, and each comment says the value that was checked."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.workbook import Workbook

    assert isinstance(wb, Workbook)
    form, result = wb[SHEET], wb[RESULT_SHEET]
    _write_block(form, plan.column_range.split(":")[0], plan.column_values)
    _clear(result, plan.table_clear)
    _write_block(result, plan.block_anchor, plan.block)
    fills = [] if live is not None else list(plan.fills.items())
    for ref, colour in [*plan.restore, *fills]:
        fill = PatternFill(fill_type="solid", fgColor="FF" + colour.lstrip("#"))
        for row, col in cells_of(ref):
            form.cell(row, col).fill = fill
    comments = dict(plan.comments)
    if live is not None and live.total_note is not None:
        cell, note = live.total_note
        comments[cell] = f"{comments[cell]}\n{note}" if cell in comments else f"【错误】{note}"
    for cell, text in comments.items():
        if live is not None:
            text += f"\n（检查时此格为：{_shown(live.checked.get(cell, form[cell].value))}。改动后标色消失，请重新检查）"
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width = COMMENT_WIDTH
        comment.height = COMMENT_LINE_HEIGHT * (2 + sum(1 + len(line) // 18 for line in text.splitlines()))
        form[cell].comment = comment


def _shown(value: object) -> str:
    """A checked value as the clerk typed it (a date as 2025-01-17, a blank as 空白)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "空白"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def _write_block(sheet: object, anchor: str, rows: list[list[object]]) -> None:
    (row0, col0), = cells_of(anchor)
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            cell = sheet.cell(row0 + i, col0 + j)  # type: ignore[attr-defined]
            if value is None and cell.value is None:
                continue  # leave untouched cells uncreated
            cell.value = value


def _clear(sheet: object, ref: str) -> None:
    first, _, last = ref.partition(":")
    (r0, c0), = cells_of(first)
    (r1, c1), = cells_of(last)
    r1 = min(r1, sheet.max_row)  # type: ignore[attr-defined]
    for row in sheet.iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1):  # type: ignore[attr-defined]
        for cell in row:
            if cell.value is not None:
                cell.value = None
