"""Shell: build the locked template workbook with XlsxWriter, driven only by :mod:`xltools.layout`.

The workbook mirrors the paper form 朝阳区项目支出绩效自评表 on the sheet 自评表,
has the findings sheet 校验结果 and the hidden sheet 模板信息 (template id,
version, year, rows, policy, builder). Input cells are unlocked and shaded
light yellow, computed cells light blue, everything else is locked; the sheets
and the workbook structure are protected with :data:`DEFAULT_PASSWORD`.

Sheet protection only prevents accidents (typing over a label or a formula);
it is not a security measure: the password hash is weak and any spreadsheet
tool can remove it.

The output is deterministic (fixed document dates), so the committed files in
``workbook_templates/`` can be compared with a fresh build.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import fields
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol

from xltools import __version__
from xltools.core import Form, Policy, field_label, policy_json
from xltools.core.errors import UserError
from xltools.core.model import LEVEL1, LEVEL2
from xltools.excel.guide import colours, write_guide
from xltools.excel.selfcheck import (
    ERROR_FILL,
    OK_FILL,
    WARNING_FILL,
    write_check_sheet,
    write_checks,
)
from xltools.form.annotation import (  # the shading the check restores
    FORMULA_FILL,
    INPUT_FILL,
)
from xltools.form.layout import (
    CHECK_BUTTON_CAPTION,
    CHECK_MACRO,
    DEFAULT_NAME,
    DEFAULT_PASSWORD,
    DEFAULT_ROWS,
    DEFAULT_YEAR,
    META_SHEET,
    RESULT_SHEET,
    SHEET,
    TEMPLATE_ID,
    Label,
    Layout,
    Spot,
)
from xltools.form.layout_v1_1 import LayoutV1_1
from xltools.form.layout_v1_3 import LayoutV1_3
from xltools.form.registry import current_layout, layout_for
from xltools.io.files import write_atomic

__all__ = ["DEFAULT_YEAR", "DEFAULT_PASSWORD", "DEFAULT_NAME", "TemplateError",
           "build_template", "template_bytes"]

#: Fixed creation date of the document properties, so that builds are reproducible.
BUILD_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)

FONT = "宋体"
WARN_FILL = "#FCE4D6"      # light red: missing or out of range

#: The form's fields by name (their defaults: e.g. 分值 10 is written into the template).
_FORM_FIELDS = {f.name: f for f in fields(Form)}
_INDICATOR_HEIGHT = 36


class TemplateError(UserError):
    """The template cannot be written (bad arguments)."""


# --- protection -----------------------------------------------------------------------

def _password_hash(password: str) -> str:
    """The legacy 16-bit hash Excel stores for sheet/workbook protection passwords (hex)."""
    digest = 0
    for char in reversed(password):
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char) & 0xFFFF
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password)
    digest ^= 0xCE4B
    return f"{digest:X}"


class _ProtectedWorkbook(xlsxwriter.Workbook):
    """An XlsxWriter workbook that also writes ``<workbookProtection lockStructure="1">``.

    XlsxWriter has no API for workbook structure protection; the element goes
    right before ``<bookViews>`` (ECMA-376 order), which is where this hook writes it.
    """

    structure_password = ""

    def _write_book_views(self) -> None:
        attributes = []
        if self.structure_password:
            attributes.append(("workbookPassword", _password_hash(self.structure_password)))
        attributes.append(("lockStructure", 1))
        self._xml_empty_tag("workbookProtection", attributes)
        super()._write_book_views()


# --- formats --------------------------------------------------------------------------

class _Formats:
    """Every cell format of the template, made once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook, policy: Policy) -> None:
        base = {"font_name": FONT, "font_size": 10, "font_charset": 134, "valign": "vcenter",
                "text_wrap": True}
        boxed = {**base, "border": 1}

        def make(*bases: dict[str, object], **props: object) -> object:
            merged: dict[str, object] = {}
            for part in bases:
                merged.update(part)
            merged.update(props)
            return book.add_format(merged)

        self.title = make(base, bold=True, font_size=18, align="center")
        self.subtitle = make(base, font_size=12, align="center", num_format='"（"0"年度）";"（"-0"年度）";'
                             '"（    年度）";"（"@"年度）"')
        self.plain = make(**{**base, "text_wrap": False})
        self.header = make(boxed, bold=True, align="center")
        self.label = make(boxed, align="center")
        self.label_left = make(boxed, align="left")
        self.dash = make(boxed, align="center")
        self.note = make(base, font_size=9, font_color="#7F7F7F", align="center")
        score_format = "0" if policy.decimals == 0 else "0." + "0" * policy.decimals
        unlocked = {**boxed, "locked": False, "bg_color": INPUT_FILL}
        self.inputs = {
            "text": make(unlocked, align="left", indent=1),
            "longtext": make(unlocked, align="left", indent=1),
            "amount": make(unlocked, align="right", indent=1, num_format="0.0000_)"),
            "weight": make(unlocked, align="center", num_format="General"),
            "score": make(unlocked, align="center", num_format="General"),
            "date": make(unlocked, align="center", num_format="yyyy-mm-dd"),
            "phone": make(unlocked, align="center", num_format="@"),
            "level1": make(unlocked, align="center"),
            "level2": make(unlocked, align="center"),
        }
        # Signature line inputs carry no box, like the paper form.
        self.signoff_inputs = {kind: make(**{**base, "locked": False, "bg_color": INPUT_FILL, "bottom": 1,
                                             "align": "left", "text_wrap": False,
                                             "num_format": {"date": "yyyy-mm-dd", "phone": "@"}.get(kind, "General")})
                               for kind in ("text", "phone", "date")}
        computed = {**boxed, "bg_color": FORMULA_FILL, "align": "center"}
        self.formulas = {
            "execution_rate": make(computed, num_format="0.00%"),
            "budget_score": make(computed, num_format=score_format),
            "weight_sum": make(computed, num_format="General"),
            "total_score": make(computed, bold=True, num_format=score_format),
            "grade": make(computed, bold=True, num_format='"等级："@'),
        }
        self.warn = make(bg_color=WARN_FILL)
        self.warn_red = make(bg_color=WARN_FILL, font_color="#C00000", bold=True)
        self.result_title = make(base, bold=True, font_size=14, text_wrap=False)
        self.result_label = make(boxed, bold=True, align="left")
        self.result_value = make(boxed, align="left")
        self.result_header = make(boxed, bold=True, align="center", bg_color="#E7E6E6")
        value = {**boxed, "align": "left"}
        self.result_numbers = {"execution_rate": make(value, num_format="0.00%"),
                               "budget_score": make(value, num_format=score_format),
                               "review_total": make(value, num_format=score_format),
                               "errors": make(value, num_format="0"), "warnings": make(value, num_format="0")}

    def for_label(self, label: Label) -> object:
        if label.style == "label" and label.text.startswith(" "):
            return self.label_left
        return getattr(self, label.style)


# --- in-sheet help ----------------------------------------------------------------------

_PROMPTS: dict[str, tuple[str, str]] = {
    "text": ("请填写{label}", "请输入{label}（不超过 100 字）。"),
    "longtext": ("请填写{label}", "请输入{label}。文字较长时行高可自行调整。"),
    "amount": ("单位：万元", "请输入{label}：不小于 0 的数字，单位万元，最多 4 位小数（如 6.6296），不要带“万元”等文字。"),
    "weight": ("分值", "请输入{label}：0 到 100 之间的数字。"),
    "score": ("得分", "请输入{label}：不小于 0 且不超过本行分值的数字。"),
    "date": ("填写日期", "请输入日期，如 2027-02-24。"),
    "phone": ("联系电话", "请输入电话号码，如 64566064 或 13812345678（按文本保存，保留开头的 0）。"),
    "level1": ("一级指标", "请从下拉列表选择一级指标；同一组的后续行可留空。"),
    "level2": ("二级指标", "请从下拉列表选择二级指标；同一组的后续行可留空。"),
}
_ERRORS: dict[str, str] = {
    "text": "内容过长：请控制在 100 字以内。",
    "longtext": "内容过长：请控制在 2000 字以内。",
    "amount": "金额必须是不小于 0 的数字（单位万元），最多 4 位小数。请只输入数字，如 6.6296。",
    "weight": "分值必须是 0 到 100 之间的数字。",
    "score": "得分必须是不小于 0 的数字，且不能超过本行的分值。",
    "date": "请输入 2000-01-01 至 2100-12-31 之间的日期，如 2027-02-24。",
    "phone": "电话号码应为 7 到 20 个字符，如 64566064。",
    "level1": "请从下拉列表中选择一级指标。",
    "level2": "请从下拉列表中选择二级指标。",
}


def _validation(input_type: str, first: str, *, label: str, weight_cell: str | None = None) -> dict[str, object]:
    """The data validation of one input type; ``first`` is the top-left cell of the range."""
    rule: dict[str, object]
    if input_type == "text":
        rule = {"validate": "length", "criteria": "<=", "value": 100}
    elif input_type == "longtext":
        rule = {"validate": "length", "criteria": "<=", "value": 2000}
    elif input_type == "amount":
        rule = {"validate": "custom", "value": f"=AND(ISNUMBER({first}),{first}>=0,ROUND({first},4)={first})"}
    elif input_type == "weight":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
    elif input_type == "score":
        rule = {"validate": "custom",
                "value": f"=AND(ISNUMBER({first}),{first}>=0,OR(NOT(ISNUMBER({weight_cell})),{first}<={weight_cell}))"}
    elif input_type == "date":
        rule = {"validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
                "maximum": dt.date(2100, 12, 31)}
    elif input_type == "phone":
        rule = {"validate": "length", "criteria": "between", "minimum": 7, "maximum": 20}
    elif input_type == "level1":
        rule = {"validate": "list", "source": list(LEVEL1)}
    elif input_type == "level2":
        rule = {"validate": "list", "source": [name for names in LEVEL2.values() for name in names]}
    else:
        raise ValueError(f"no validation for input type {input_type!r}")
    title, message = _PROMPTS[input_type]
    return {**rule, "ignore_blank": True, "input_title": title.format(label=label)[:32],
            "input_message": message.format(label=label)[:255], "error_title": "输入有误",
            "error_message": _ERRORS[input_type], "error_type": "stop"}


# --- the form sheet -----------------------------------------------------------------------

def _write_form_sheet(book: xlsxwriter.Workbook, layout: Layout, policy: Policy, year: int,
                      password: str, fmt: _Formats, with_button: bool) -> None:
    ws = book.add_worksheet(SHEET)
    for column, width in layout.column_widths.items():
        ws.set_column(f"{column}:{column}", width)
    first, last = layout.first_indicator_row, layout.last_indicator_row
    heights = {**layout.fixed_row_heights, layout.total_row: 26, layout.signoff_row: 30}
    heights.update({row: 20 for row in range(layout.fund_row("total"), layout.fund_row("other") + 1)})
    heights.update({row: _INDICATOR_HEIGHT for row in range(first, last + 1)})
    if isinstance(layout, LayoutV1_3):  # 1.3: heights that hold each row's 检查 text (its capacity)
        heights.update(layout.row_heights)
    for row, height in heights.items():
        ws.set_row(row - 1, height)

    for label in layout.labels:
        cell_format = fmt.for_label(label)
        if label.merge:
            ws.merge_range(label.merge, label.text, cell_format)
        else:
            ws.write_string(label.cell, label.text, cell_format)

    signoff = layout.signoff_row
    for spot in layout.spots:
        if spot.kind == "meta":  # the year: locked, shown as （ 2026 年度）
            ws.merge_range(spot.merge, year, fmt.subtitle)
        elif spot.kind == "input":
            cell_format = (fmt.signoff_inputs[spot.input_type] if spot.row == signoff
                           else fmt.inputs[spot.input_type])
            field = _FORM_FIELDS.get(spot.path)
            if field is not None and isinstance(field.default, (int, float)):
                ws.write_number(spot.cell, field.default, cell_format)  # the model's default, e.g. 分值 10
            else:
                _blank(ws, spot, cell_format)
    for spot in layout.indicator_spots:
        if spot.kind == "input":
            ws.write_blank(spot.cell, None, fmt.inputs[spot.input_type])
        else:
            ws.write_blank(spot.cell, None, fmt.note)
    # Cached results of the empty form, for readers that do not recalculate: all blank but the 分值 sum.
    cached: dict[str, object] = {"weight_sum": Form().budget_weight}
    checked = isinstance(layout, LayoutV1_1)
    formulas = layout.base_formulas(policy) if checked else layout.formulas(policy)
    for cell, formula in formulas.items():
        spot = next(s for s in layout.spots if s.cell == cell)
        ws.write_formula(cell, formula, fmt.formulas[spot.path], cached.get(spot.path, ""))

    _add_validations(ws, layout)
    if checked:
        write_checks(book, ws, layout, policy, FONT)
    _add_conditional_formats(ws, layout, policy, fmt, checked)

    if with_button:
        ws.insert_button(layout.check_button_cell, {"macro": CHECK_MACRO, "caption": CHECK_BUTTON_CAPTION,
                                             "width": 120, "height": 40})

    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    _page_header_footer(ws, layout, year)
    top, bottom = layout.header_rows
    ws.repeat_rows(top - 1, bottom - 1)
    ws.print_area(layout.print_area)
    ws.activate()
    ws.set_selection(layout.spot("project_name").cell)
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True, "format_rows": True})


def _page_header_footer(ws: object, layout: Layout, year: int) -> None:
    """Page numbers on every page; 1.3 also puts the form's title in the page header."""
    if isinstance(layout, LayoutV1_3):
        ws.set_header(f"&C&\"{FONT},常规\"&9{layout.page_header.format(year=year)}")  # type: ignore[attr-defined]
        ws.set_footer(f"&C{layout.page_footer}")  # type: ignore[attr-defined]
    else:
        ws.set_footer("&C第 &P 页，共 &N 页")  # type: ignore[attr-defined]


def _blank(ws: object, spot: Spot, cell_format: object) -> None:
    if spot.merge:
        ws.merge_range(spot.merge, None, cell_format)  # type: ignore[attr-defined]
    else:
        ws.write_blank(spot.cell, None, cell_format)  # type: ignore[attr-defined]


def _add_validations(ws: object, layout: Layout) -> None:
    for spot in layout.input_spots():
        if spot.path.startswith("indicators["):
            continue
        ws.data_validation(spot.cell, _validation(spot.input_type, spot.cell,  # type: ignore[attr-defined]
                                                  label=field_label(spot.path)))
    for part in ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation"):
        spot = layout.spot(f"indicators[0].{part}")
        weight_cell = layout.indicator_cell(0, "weight")
        label = field_label(spot.path).split("·")[-1]
        ws.data_validation(layout.indicator_range(part),  # type: ignore[attr-defined]
                           _validation(spot.input_type, spot.cell, label=label, weight_cell=weight_cell))


def _add_conditional_formats(ws: object, layout: Layout, policy: Policy, fmt: _Formats, checked: bool) -> None:
    rate = layout.spot("execution_rate").cell
    ws.conditional_format(rate, {  # type: ignore[attr-defined]
        "type": "formula", "criteria": f"=AND(ISNUMBER({rate}),{rate}<{policy.low_execution_rate:g})",
        "format": fmt.warn_red})
    if checked:  # the in-sheet checks colour the cells (xltools.excel.selfcheck)
        return
    for spot in layout.spots:
        if spot.kind == "input" and spot.required:
            ws.conditional_format(spot.cell, {"type": "formula",  # type: ignore[attr-defined]
                                              "criteria": f"=LEN(TRIM({spot.cell}))=0", "format": fmt.warn})
    score, weight = layout.indicator_cell(0, "score"), layout.indicator_cell(0, "weight")
    ws.conditional_format(layout.indicator_range("score"), {  # type: ignore[attr-defined]
        "type": "formula", "criteria": f"=AND(ISNUMBER({score}),ISNUMBER({weight}),{score}>{weight})",
        "format": fmt.warn_red})


# --- the result and metadata sheets ----------------------------------------------------------

def _left_of(cell: str) -> tuple[int, int]:
    row, col = xl_cell_to_rowcol(cell)
    return row, col - 1


def _write_result_sheet(book: xlsxwriter.Workbook, layout: Layout, year: int, password: str, fmt: _Formats) -> None:
    ws = book.add_worksheet(RESULT_SHEET)
    widths = (8, 16, 8, 30, 80)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    row, col = xl_cell_to_rowcol(Layout.RESULT_TITLE_CELL)
    title = getattr(layout, "result_title", "校验结果（由“检查评分”或 xltools check 填写）")
    ws.write_string(row, col, title, fmt.result_title)
    ws.set_column(0, 0, 14)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    for key, text in Layout.RESULT_SUMMARY:
        cell = Layout.result_summary_cell(key)
        ws.write_string(*_left_of(cell), text, fmt.result_label)
        ws.write_blank(cell, None, fmt.result_value)
    numbers = fmt.result_numbers if isinstance(layout, LayoutV1_3) else {}
    if isinstance(layout, LayoutV1_1):  # not a blank page in the .xlsx: the in-sheet results until a full check
        keys = {Layout.result_summary_cell(key): key for key, _ in Layout.RESULT_SUMMARY}
        for cell, formula in layout.result_summary_formulas().items():
            ws.write_formula(cell, formula, numbers.get(keys[cell], fmt.result_value), "")
    if isinstance(layout, LayoutV1_3):  # 1.3: the review total keeps its format when a full check writes it
        ws.write_blank(Layout.result_summary_cell("review_total"), None, numbers["review_total"])
        _page_header_footer(ws, layout, year)
        ws.repeat_rows(Layout.RESULT_TABLE_HEADER_ROW - 1)
    header_row = Layout.RESULT_TABLE_HEADER_ROW - 1
    for i, text in enumerate(Layout.RESULT_COLUMNS):
        ws.write_string(header_row, i, text, fmt.result_header)
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})


def _write_meta_sheet(book: xlsxwriter.Workbook, layout: Layout, policy: Policy, year: int, password: str) -> None:
    ws = book.add_worksheet(META_SHEET)
    values: dict[str, object] = {
        "template_id": layout.template_id, "version": layout.version, "year": year, "rows": layout.rows,
        "policy": policy_json(policy), "built_with": f"xltools {__version__}",
    }
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 60)
    for key in Layout.META_KEYS:
        cell = Layout.meta_cell(key)
        ws.write_string(*_left_of(cell), key)
        value = values[key]
        if isinstance(value, str):
            ws.write_string(cell, value)
        else:
            ws.write_number(cell, value)
    ws.hide()
    ws.protect(password)


# --- the workbook -----------------------------------------------------------------------------

def template_bytes(*, year: int = DEFAULT_YEAR, rows: int = DEFAULT_ROWS, policy: Policy | None = None,
                   password: str = DEFAULT_PASSWORD, vba_project: bytes | None = None,
                   version: str | None = None) -> bytes:
    """The template workbook as bytes (.xlsm content when ``vba_project`` is given).

    ``version`` builds an earlier registered layout version (default: the current one)."""
    policy = policy or Policy()
    if not 1900 <= year <= 9999:
        raise TemplateError(f"年度 {year} 无效：请输入四位年份，如 {DEFAULT_YEAR}")
    if not 1 <= rows <= 200:
        raise TemplateError(f"指标行数 {rows} 无效：应在 1 到 200 之间")
    layout = layout_for(version, rows) if version else current_layout(rows)
    buffer = io.BytesIO()
    book = _ProtectedWorkbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                       "strings_to_formulas": False, "strings_to_urls": False,
                                       "default_format_properties": {"font_name": FONT, "font_size": 10}})
    book.structure_password = password
    book.set_properties({
        "title": f"朝阳区项目支出绩效自评表（{year} 年度）", "subject": "项目支出绩效自评",
        "author": "xltools", "company": "北京市朝阳区", "category": TEMPLATE_ID,
        "keywords": f"{TEMPLATE_ID} {layout.version}", "comments": f"xltools {__version__}",
        "created": BUILD_DATE,
    })
    book.set_custom_property("xltools_template_id", TEMPLATE_ID)
    book.set_custom_property("xltools_template_version", layout.version)
    book.set_custom_property("xltools_year", str(year))
    book.set_custom_property("xltools_rows", str(rows))
    fmt = _Formats(book, policy)
    if vba_project is not None:
        book.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        book.set_vba_name("ThisWorkbook")
    _write_form_sheet(book, layout, policy, year, password, fmt, with_button=vba_project is not None)
    _write_result_sheet(book, layout, year, password, fmt)
    if isinstance(layout, LayoutV1_1):
        write_guide(book, layout, policy, year, password, FONT,
                    colours(INPUT_FILL, FORMULA_FILL, ERROR_FILL, WARNING_FILL, OK_FILL))
    _write_meta_sheet(book, layout, policy, year, password)
    if isinstance(layout, LayoutV1_1):
        write_check_sheet(book, layout, policy, password, FONT)
    if vba_project is not None:
        for i, sheet in enumerate(book.worksheets(), start=1):
            sheet.set_vba_name(f"Sheet{i}")
    for name, ref in layout.defined_names.items():
        book.define_name(name, f"={ref}")
    book.close()
    return buffer.getvalue()




def build_template(path: Path | str, *, year: int = DEFAULT_YEAR, rows: int = DEFAULT_ROWS,
                   policy: Policy | None = None, password: str = DEFAULT_PASSWORD,
                   vba_project: bytes | None = None, force: bool = False) -> Path:
    """Write the template to ``path`` (must end in ``.xlsm`` when a VBA project is given)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if vba_project is not None and suffix != ".xlsm":
        raise TemplateError(f"{path}：带宏的模板必须保存为 .xlsm 文件")
    if vba_project is None and suffix != ".xlsx":
        raise TemplateError(f"{path}：模板必须保存为 .xlsx 文件（带宏的模板为 .xlsm）")
    data = template_bytes(year=year, rows=rows, policy=policy, password=password, vba_project=vba_project)
    write_atomic(path, data, force=force)
    return path
