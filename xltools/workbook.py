"""Shell: filled workbooks both ways — fill a template from a form, read a filled workbook back.

* :func:`fill_workbook` writes ``Layout.cells_from_form(form)`` into a copy of
  the template with openpyxl (``keep_vba`` for .xlsm), leaving protection,
  validations, conditional formats and formulas as they are, grows the rows
  whose text needs more room, and writes the result atomically.
* :func:`load_workbook_form` reads a filled workbook with the bounded reader
  :mod:`xltools.xlsxread`, recognises the template by its hidden sheet 模板信息
  and builds the form through ``Layout(rows).form_from_cells``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from .core import Form, Policy, field_label
from .errors import UserError
from .fileio import OutputExistsError, write_atomic
from .forms import FormReadError, LoadedForm, load_form
from .layout import META_SHEET, SHEET, TEMPLATE_ID, Layout, Spot
from .template import DEFAULT_YEAR, template_bytes
from .xlsxread import WorkbookReadError, read_workbook

__all__ = ["FillError", "fill_workbook", "load_workbook_form", "register_cli"]

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


# --- identification ---------------------------------------------------------------------

def _template_rows(meta: dict[str, object], path: Path | str) -> int:
    """The indicator row count of a template from its metadata, or FormReadError."""
    if meta.get("template_id") != TEMPLATE_ID:
        raise FormReadError(path, f"工作表“{META_SHEET}”中的模板编号不是 {TEMPLATE_ID}：这不是朝阳区项目支出绩效"
                                  "自评表模板。请用 xltools template 生成的模板重新填写")
    rows = meta.get("rows")
    if not isinstance(rows, (int, float)) or isinstance(rows, bool) or not float(rows).is_integer() \
            or not 1 <= rows <= 200:
        raise FormReadError(path, f"工作表“{META_SHEET}”{Layout.meta_cell('rows')} 的指标行数“{rows}”无效："
                                  "模板信息已被改动，请用原模板重新填写")
    return int(rows)


def _template_policy(meta: dict[str, object]) -> Policy | None:
    text = meta.get("policy")
    if not isinstance(text, str):
        return None
    try:
        return Policy.model_validate_json(text)
    except ValidationError:
        return None


# --- reading ------------------------------------------------------------------------------------

def load_workbook_form(path: Path | str) -> LoadedForm:
    """Read a filled template (.xlsx/.xlsm) as a form; :class:`FormReadError` when it is not one."""
    path = Path(path)
    try:
        book = read_workbook(path)
    except OSError as exc:
        raise FormReadError(path, f"无法读取文件：{exc.strerror or exc}") from exc
    except WorkbookReadError as exc:
        raise FormReadError(path, exc.reason) from exc
    meta_sheet = book.sheet(META_SHEET)
    if meta_sheet is None:
        raise FormReadError(path, f"缺少工作表“{META_SHEET}”：这不是朝阳区项目支出绩效自评表模板（或模板被改动）。"
                                  "请用 xltools template 生成的模板重新填写，或提交 JSON 文件")
    rows = _template_rows(Layout().read_meta(meta_sheet.value), path)
    sheet = book.sheet(SHEET)
    if sheet is None:
        raise FormReadError(path, f"缺少工作表“{SHEET}”：模板被改动，请用原模板重新填写")
    layout = Layout(rows)
    form = layout.form_from_cells(sheet.value)
    return LoadedForm(str(path), form, policy=_template_policy(layout.read_meta(meta_sheet.value)), layout=layout)


# --- writing ------------------------------------------------------------------------------------

def _text_units(text: str) -> float:
    """Approximate width of text in column-width units (a CJK character is about two digits wide)."""
    return sum(_CJK_UNITS if unicodedata.east_asian_width(ch) in "WFA" else _OTHER_UNITS for ch in text)


def _lines(value: object, width: float) -> int:
    if value is None:
        return 1
    usable = max(width - _INDENT_UNITS, 1.0)
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in str(value).split("\n"))


def _span_width(ws: Worksheet, spot: Spot) -> float:
    min_col, _, max_col, _ = range_boundaries(spot.merge or spot.cell)
    total = 0.0
    for index in range(min_col, max_col + 1):
        dim = ws.column_dimensions.get(get_column_letter(index))
        total += dim.width if dim is not None and dim.width else 8.43
    return total


def _grow_rows(ws: Worksheet, layout: Layout) -> None:
    """Give every row with wrapped text enough height for its longest cell (never shrink such a row);
    unused indicator rows of a filled form get a small height so it prints compactly."""
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


def _set(ws: Worksheet, cell: str, value: object, path: str) -> None:
    target = ws[cell]
    if isinstance(value, float) and not math.isfinite(value):
        raise FillError(f"{field_label(path)}（{SHEET}!{cell}）的值 {value} 不是有限数字，Excel 无法保存，请改正")
    try:
        target.value = value
    except (IllegalCharacterError, ValueError) as exc:
        raise FillError(f"{field_label(path)}（{SHEET}!{cell}）含有 Excel 不允许的控制字符，请删除后重试") from exc
    if isinstance(value, str) and value.startswith("="):
        target.data_type = "s"  # user text, never a formula


def fill_workbook(form: Form, out: Path | str, *, template: Path | str | None = None, force: bool = False,
                  password: str | None = None) -> Path:
    """Write ``form`` into a copy of ``template`` (a fresh default template when ``None``) as ``out``."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise FillError(f"{out}：输出文件必须是 .xlsx 或 .xlsm")
    if out.exists() and not force:
        raise OutputExistsError(f"{out} 已存在：如需覆盖请加 --force")
    if template is None:
        if out.suffix.lower() != ".xlsx":
            raise FillError(f"{out}：带宏的 .xlsm 需要用 --template 指定带宏的模板")
        rows_needed = sum(1 for ind in form.indicators if not ind.is_empty())
        numeric_year = isinstance(form.year, (int, float)) and float(form.year).is_integer()
        year = int(form.year) if numeric_year and 1900 <= form.year <= 9999 else DEFAULT_YEAR  # type: ignore[operator, arg-type]
        kwargs = {"password": password} if password else {}
        source: Path | io.BytesIO = io.BytesIO(template_bytes(year=year, rows=max(rows_needed, Layout().rows),
                                                              **kwargs))
        keep_vba = False
        label = "默认模板"
    else:
        source = Path(template)
        if out.resolve() == source.resolve():
            raise FillError(f"{out} 就是模板文件本身：请换一个输出文件名，模板不会被修改")
        if source.suffix.lower() != out.suffix.lower():
            raise FillError(f"输出文件 {out.name} 的扩展名必须与模板 {source.name} 相同（{source.suffix}）")
        keep_vba = source.suffix.lower() == ".xlsm"
        label = str(source)
    try:
        book = load_workbook(source, keep_vba=keep_vba)
    except OSError as exc:
        raise FillError(f"无法打开模板 {label}：{exc.strerror or exc}") from exc
    except (KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise FillError(f"无法打开模板 {label}：文件已损坏或不是 .xlsx/.xlsm 工作簿（{type(exc).__name__}）") from exc
    if META_SHEET not in book.sheetnames or SHEET not in book.sheetnames:
        raise FillError(f"{label} 不是朝阳区项目支出绩效自评表模板（缺少工作表“{META_SHEET}”或“{SHEET}”）")
    meta = Layout().read_meta(lambda cell: book[META_SHEET][cell].value)
    try:
        layout = Layout(_template_rows(meta, label))
    except FormReadError as exc:
        raise FillError(exc.reason) from exc
    try:
        cells = layout.cells_from_form(form)
    except ValueError as exc:
        raise FillError(f"{exc}：请用 xltools template --rows N 生成行数足够的模板（模板 {label}）") from exc
    ws = book[SHEET]
    spots = {spot.cell: spot for spot in layout.all_spots()}
    for cell, value in cells.items():
        spot = spots[cell]
        if spot.input_type == "date":
            value = _iso_date(value)
        _set(ws, cell, value, spot.path)
    _grow_rows(ws, layout)
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(out, buffer.getvalue(), force=force)
    return out


# --- CLI ----------------------------------------------------------------------------------------------

def _cmd_fill(args: argparse.Namespace) -> int:
    loaded = load_form(Path(args.form))
    out = fill_workbook(loaded.form, Path(args.output), template=args.template, force=args.force)
    print(f"已写入 {out}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    loaded = load_workbook_form(Path(args.book))
    text = loaded.form.to_json() + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    write_atomic(Path(args.output), text.encode("utf-8"), force=args.force)
    print(f"已导出 {args.output}")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``xltools fill`` and ``xltools export``."""
    p = sub.add_parser("fill", help="把 JSON 表单填入模板，生成已填写的工作簿")
    p.add_argument("form", metavar="FORM.json")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx")
    p.add_argument("--template", metavar="PATH", help="使用的模板（默认按表单年度新生成；.xlsm 需要带宏的模板）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(func=_cmd_fill)

    p = sub.add_parser("export", help="把已填写的工作簿导出为 JSON 表单")
    p.add_argument("book", metavar="BOOK.xlsx")
    p.add_argument("-o", "--output", metavar="OUT.json", help="输出文件（默认打印到屏幕）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(func=_cmd_export)
