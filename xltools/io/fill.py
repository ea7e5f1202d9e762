"""Fill a template with a form: :func:`fill_template`.

It writes ``layout.cells_from_form(form)`` into a copy of the template with openpyxl
(``keep_vba`` for .xlsm), using the layout of the template's own version, leaving protection,
validations, conditional formats and formulas as they are. Every input cell is cleared
first, so a template that already holds a form never leaks its rows into the new one. Rows
whose text needs more room grow; the result is written atomically. (Reading a filled
workbook back is :mod:`xltools.io.forms`.)
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from xltools.core import Form, field_label
from xltools.core.errors import UserError, os_reason
from xltools.core.text import wrapped_lines
from xltools.form.identify import NotTemplate, identify
from xltools.form.layout import SHEET, Layout, Spot
from xltools.form.layout_v1_3 import LayoutV1_3
from xltools.io.files import OutputExistsError, write_atomic

__all__ = ["FillError", "fill_template", "filled_bytes"]

# Row heights are estimated from the text (no spreadsheet autofits merged cells on opening):
# a CJK character is about 1.55 column units wide in LibreOffice (WenQuanYi) and 1.9–2 in Excel
# with 宋体, a line about 11 and 13.5 points high. The estimate sits between the two, nearer Excel;
# staff may still adjust row heights (the protection allows formatting rows).
_CJK_UNITS, _OTHER_UNITS = 1.8, 0.95
_LINE_POINTS = 12.5   # height of one wrapped line of 10 pt text
_EMPTY_ROW_POINTS = 20  # unused indicator rows of a filled form shrink to this height
_PADDING_POINTS = 5
_INDENT_UNITS = 2.0   # cell margins and the one-character indent of text inputs


class FillError(UserError):
    """A form cannot be written into the template (message in Chinese)."""


# --- writing ------------------------------------------------------------------------------------

def _lines(value: object, width: float) -> int:
    if value is None:
        return 1
    return wrapped_lines(str(value), width, wide=_CJK_UNITS, narrow=_OTHER_UNITS, margin=_INDENT_UNITS)


def _span_width(ws: Worksheet, spot: Spot) -> float:
    min_col, _, max_col, _ = range_boundaries(spot.merge or spot.cell)
    total = 0.0
    for index in range(min_col, max_col + 1):
        dim = ws.column_dimensions.get(get_column_letter(index))
        total += dim.width if dim is not None and dim.width else 8.43
    return total


def _grow_rows(ws: Worksheet, layout: Layout) -> None:
    """Give every row with wrapped text enough height for its longest cell (never shrink such a row);
    unused indicator rows of a filled form get a small height so it prints compactly — up to template 1.2:
    1.3 sizes its 检查 texts to its rows' heights, so a row typed into later must keep its height."""
    needed: dict[int, float] = {}
    for spot in layout.input_spots():
        if spot.input_type not in ("text", "longtext"):
            continue
        value = ws[spot.cell].value
        if value is None:
            continue
        height = _lines(value, _span_width(ws, spot)) * _LINE_POINTS + _PADDING_POINTS
        needed[spot.row] = max(needed.get(spot.row, 0.0), height)
    for row, height in needed.items():
        dim = ws.row_dimensions[row]
        if dim.height is None or dim.height < height:
            dim.height = min(round(height, 1), 409.0)
    if isinstance(layout, LayoutV1_3):  # its 检查 texts fit the rows' own heights: no row may shrink below
        return
    used = {spot.row for spot in layout.indicator_spots if ws[spot.cell].value is not None}
    if used:  # a filled form prints compactly; the empty rows stay available for more indicators
        for row in range(layout.first_indicator_row, layout.last_indicator_row + 1):
            if row not in used:
                ws.row_dimensions[row].height = _EMPTY_ROW_POINTS


def _iso_date(value: object) -> object:
    """An ISO date string (as JSON carries dates) becomes a real date, so the cell is a date in Excel."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


#: Characters an XML 1.0 document (hence a workbook) cannot hold: C0 controls other than tab, line
#: feed and carriage return; lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Excel's limit on the text of one cell.
MAX_CELL_CHARS = 32767


def _set(ws: Worksheet, cell: str, value: object, path: str) -> None:
    target = ws[cell]
    where = f"{field_label(path)}（{SHEET}!{cell}）"
    if isinstance(value, float) and not math.isfinite(value):
        raise FillError(f"{where}的值 {value} 不是有限数字，Excel 无法保存，请改正")
    if isinstance(value, str):
        bad = _NOT_XML.search(value)
        if bad:
            raise FillError(f"{where}第 {bad.start() + 1} 个字符（U+{ord(bad.group()):04X}）是工作簿不能保存的控制字符或"
                            "无效字符，请删除后重试")
        if len(value) > MAX_CELL_CHARS:
            raise FillError(f"{where}有 {len(value):,} 个字，超过 Excel 单元格上限 {MAX_CELL_CHARS:,} 字，请精简后重试")
    try:
        target.value = value
    except (IllegalCharacterError, ValueError) as exc:
        raise FillError(f"{field_label(path)}（{SHEET}!{cell}）含有 Excel 不允许的控制字符，请删除后重试") from exc
    if isinstance(value, str) and value.startswith("="):
        target.data_type = "s"  # user text, never a formula


class _Sheet:
    """An openpyxl worksheet as the form layer's read-only view (values only)."""

    formulas = None
    protected = None

    def __init__(self, ws: Worksheet) -> None:
        self._ws = ws

    def value(self, cell: str) -> object:
        return self._ws[cell].value

    def locked(self, cell: str) -> None:
        return None

    def lock_states(self, cells: object) -> None:
        return None


class _Book:
    def __init__(self, book: object) -> None:
        self._book = book
        self.sheet_names = list(book.sheetnames)  # type: ignore[attr-defined]

    def sheet(self, name: str) -> _Sheet | None:
        return _Sheet(self._book[name]) if name in self.sheet_names else None  # type: ignore[index]


def fill_template(form: Form, out: Path | str, template: Path | str | bytes, *, force: bool = False,
                  label: str | None = None, finish: Callable[[Workbook, Layout], None] | None = None) -> Path:
    """Write ``form`` into a copy of ``template`` (a path, or a template's bytes) as ``out``.

    ``label`` names the template in messages; ``finish`` is called with the filled workbook and its layout
    before it is saved (a prefilled form locks its approved cells there).
    """
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise FillError(f"{out}：输出文件必须是 .xlsx 或 .xlsm")
    if out.exists() and not force:
        raise OutputExistsError(f"{out} 已存在：如需覆盖请加 --force")
    if isinstance(template, bytes):
        source: Path | io.BytesIO = io.BytesIO(template)
        keep_vba = out.suffix.lower() == ".xlsm"
        label = label or "默认模板"
    else:
        source = Path(template)
        label = label or str(source)
        if out.resolve() == source.resolve():
            raise FillError(f"{out} 就是模板文件本身：请换一个输出文件名，模板不会被修改")
        if source.suffix.lower() != out.suffix.lower():
            raise FillError(f"输出文件 {out.name} 的扩展名必须与模板 {source.name} 相同（{source.suffix}）")
        keep_vba = source.suffix.lower() == ".xlsm"
    write_atomic(out, _filled(form, source, label, keep_vba, finish), force=force)
    return out


def filled_bytes(form: Form, template: bytes, *, label: str = "默认模板") -> bytes:
    """The .xlsx bytes of ``form`` written into a copy of the template ``template`` (nothing written to disk)."""
    return _filled(form, io.BytesIO(template), label, keep_vba=False)


def _filled(form: Form, source: Path | io.BytesIO, label: str, keep_vba: bool,
            finish: Callable[[Workbook, Layout], None] | None = None) -> bytes:
    try:
        book = load_workbook(source, keep_vba=keep_vba)
    except OSError as exc:
        raise FillError(f"无法打开模板 {label}：{os_reason(exc)}") from exc
    except (KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise FillError(f"无法打开模板 {label}：文件已损坏或不是 .xlsx/.xlsm 工作簿") from exc
    try:
        layout = identify(_Book(book)).layout
    except NotTemplate as exc:
        raise FillError(f"{label} 不是朝阳区项目支出绩效自评表模板：{exc.reason}") from exc
    try:
        cells = layout.cells_from_form(form)
    except ValueError as exc:
        raise FillError(f"{exc}：请用 xltools template --rows N 生成行数足够的模板（模板 {label}）") from exc
    ws = book[SHEET]
    spots = {spot.cell: spot for spot in layout.all_spots()}
    for spot in layout.input_spots():  # a template that holds a form already: start from a clean form
        ws[spot.cell].value = None
    for cell, value in cells.items():
        spot = spots[cell]
        if spot.input_type == "date":
            value = _iso_date(value)
        _set(ws, cell, value, spot.path)
    _grow_rows(ws, layout)
    if finish is not None:
        finish(book, layout)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
