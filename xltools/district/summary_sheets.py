"""The summary's sheet kit: its formats, a sheet's page set-up, and the long sheets' row writers (项目信息, 指标明细,
问题清单, 文件清单), shared by :mod:`~xltools.district.summary` (which writes them row by row or splices them),
:mod:`~xltools.district.sheetparts` (which renders them apart from the store) and the review sheets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import xlsxwriter

from xltools.district.printing import (
    header_label,
    header_lines,
    page_groups,
    print_scale,
)
from xltools.district.results import FATE_TEXT, SHEET, FileResult, fate_label
from xltools.district.reviewer_cells import reviewer_formats
from xltools.district.rowstream import _RowStream, text_lines

__all__ = ["DETAIL_HEADERS", "Details", "Files", "Findings", "Formats", "Indicators", "Stream", "finish",
           "cells_height", "heading", "row_height", "setup"]


class Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"}
        self.header = book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border_color": "#808080",
                                       "align": "center", "text_wrap": True})
        self.text = book.add_format({**base})
        self.wrap = book.add_format({**base, "text_wrap": True})
        self.link = book.add_format({**base, "text_wrap": True, "font_color": "#0563C1", "underline": 1})
        self.center = book.add_format({**base, "align": "center"})
        self.int = book.add_format({**base, "num_format": "0"})
        self.amount = book.add_format({**base, "num_format": "#,##0.0000"})
        self.rate = book.add_format({**base, "num_format": "0.00%"})
        self.score = book.add_format({**base, "num_format": "0.00"})
        self.date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.stamp = book.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"})
        self.bad = book.add_format({**base, "font_color": "#C00000"})
        total = {**base, "bold": True, "top": 2, "bg_color": "#F2F2F2"}
        self.total_text = book.add_format(total)
        self.total_int = book.add_format({**total, "num_format": "0"})
        self.total_amount = book.add_format({**total, "num_format": "#,##0.0000"})
        self.total_rate = book.add_format({**total, "num_format": "0.00%"})
        self.total_score = book.add_format({**total, "num_format": "0.00"})
        self.reviewer = reviewer_formats(book)  # the unlocked reviewer columns (reviewer_cells.py)


def row_height(texts: Iterable[tuple[object, float]]) -> float | None:
    """The height a row's wrapped texts need ((text, column width) pairs), ``None`` for one line;
    spreadsheets do not do it."""
    lines = 1
    for text, width in texts:  # a shorter text without a line break is one line (a character is 2 units at most)
        if isinstance(text, str) and (2 * len(text) >= width - 1 or "\n" in text):
            lines = max(lines, text_lines(text, width))
    return 13.5 * min(lines, 15) + 2 if lines > 1 else None


def cells_height(cells: Sequence[object], wrapped: Sequence[tuple[int, float]]) -> float | None:
    """:func:`row_height` of a row's ``cells`` whose wrapped columns are ``wrapped`` ((column, width) pairs)."""
    lines = 1
    for col, width in wrapped:
        text = cells[col]
        if isinstance(text, str) and (2 * len(text) >= width - 1 or "\n" in text):
            count = text_lines(text, width)
            if count > lines:
                lines = count
    return 13.5 * min(lines, 15) + 2 if lines > 1 else None


def setup(ws, headers: Sequence[tuple[str, float]], fmt: Formats, title: str, freeze_cols: int = 0) -> None:
    """Header row, widths, frozen panes and A4 landscape print setup (readable page columns: printing.py)."""
    labels = [header_label(text, width) for text, width in headers]
    ws.set_row(0, 13.5 * max(header_lines(label, width) for label, (_, width) in zip(labels, headers)) + 4)
    for col, ((_, width), label) in enumerate(zip(headers, labels)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, label, fmt.header)
    ws.freeze_panes(1, freeze_cols)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(0)
    widths = [width for _, width in headers]
    starts = page_groups(widths, freeze_cols) if freeze_cols else []
    if starts:  # too wide for one readable page: page columns, the key columns on every page
        ws.repeat_columns(0, freeze_cols - 1)
        ws.set_v_pagebreaks(starts)
        ws.set_print_scale(print_scale(widths, freeze_cols, starts))
    else:
        ws.fit_to_pages(1, 0)
    ws.set_header(f"&C&\"宋体,Bold\"&12{title}")
    ws.set_footer("&C第 &P 页，共 &N 页")


def finish(ws, headers: Sequence[tuple[str, float]], last_row: int) -> None:
    ws.autofilter(0, 0, max(last_row, 1), len(headers) - 1)
    ws.print_area(0, 0, max(last_row, 1), len(headers) - 1)


class Stream:
    """A streamed sheet filled row by row as one pass over the results goes by (several sheets share a
    pass: the results come from the store, and each pass decodes every project again)."""

    role, title, freeze = "", "", 0
    headers: Sequence[tuple[str, float]] = ()

    def __init__(self, book, fmt: Formats, ws=None) -> None:  # type: ignore[no-untyped-def]
        """The sheet added to ``book``, or (``ws``: a :class:`RowRenderer`) its rows rendered apart (sheetparts.py)."""
        if ws is None:
            ws = book.add_worksheet(SHEET[self.role], worksheet_class=_RowStream)
            setup(ws, self.headers, fmt, self.title, freeze_cols=self.freeze)
        self.ws, self.fmt, self.row = ws, fmt, 0

    def close(self) -> None:
        finish(self.ws, self.headers, self.row)


#: Sheet 项目信息: every field of the form not already in 汇总 or 指标明细, as typed.
DETAIL_HEADERS: tuple[tuple[str, float], ...] = (
    ("联系电话", 12), ("当年财政拨款·年初预算数", 14), ("当年财政拨款·全年预算数", 14),
    ("当年财政拨款·全年执行数", 14), ("上年结转资金·年初预算数", 14), ("上年结转资金·全年预算数", 14),
    ("上年结转资金·全年执行数", 14), ("其他资金·年初预算数", 11), ("其他资金·全年预算数", 11),
    ("其他资金·全年执行数", 11), ("预算执行分值", 9), ("预期目标", 36), ("实际完成情况", 36),
    ("填表人", 8), ("填表人电话", 12), ("填写日期", 11),
)


class Details(Stream):
    role, title, freeze = "details", "朝阳区项目支出绩效自评汇总·项目信息", 3
    headers = [("序号", 6), ("实施单位", 16), ("项目名称", 24), ("年度", 6), ("项目负责人", 8), *DETAIL_HEADERS,
               ("来源文件", 30)]

    def __init__(self, book, fmt: Formats, ws=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(book, fmt, ws)
        detail_formats = [fmt.text, *[fmt.amount] * 9, fmt.score, fmt.wrap, fmt.wrap, fmt.text, fmt.text, fmt.date]
        self.formats = [fmt.int, fmt.text, fmt.text, fmt.int, fmt.text, *detail_formats, fmt.wrap]
        self.wrapped = [(col, self.headers[col][1]) for col, f in enumerate(self.formats) if f is fmt.wrap]

    def first_use(self) -> None:
        """Give the formats their indices as the first row would (every row has the same formats)."""
        for fmt in self.formats:
            fmt._get_xf_index()

    def add(self, number: int, result: FileResult) -> None:
        p = result.project
        assert p is not None
        self.row = number
        details = p.details or (None,) * len(DETAIL_HEADERS)
        cells = (number, p.unit, p.name, p.year_value, p.lead, *details, result.path)
        self.ws.append_values(number, cells, self.formats, cells_height(cells, self.wrapped))


class Indicators(Stream):
    role, title, freeze = "indicators", "朝阳区项目支出绩效自评汇总·指标明细", 3
    headers = [("序号", 6), ("实施单位", 16), ("项目名称", 24), ("一级指标", 10), ("二级指标", 12),
               ("三级指标", 22), ("年度指标值", 14), ("实际完成值", 14), ("分值", 7), ("自评得分", 8),
               ("复核得分", 8), ("偏差原因分析及改进措施", 36)]

    def __init__(self, book, fmt: Formats, ws=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(book, fmt, ws)
        self.formats = [fmt.int, fmt.text, fmt.text, fmt.text, fmt.text, fmt.wrap, fmt.wrap, fmt.wrap, fmt.score,
                        fmt.score, fmt.score, fmt.wrap]
        self.wrapped = [(col, self.headers[col][1]) for col, f in enumerate(self.formats) if f is fmt.wrap]

    def add(self, number: int, result: FileResult) -> None:
        p = result.project
        assert p is not None
        append, formats, wrapped = self.ws.append_values, self.formats, self.wrapped
        row, head = self.row, (number, p.unit, p.name)
        for values in p.indicator_tuples():
            row += 1
            cells = head + values
            append(row, cells, formats, cells_height(cells, wrapped))
        self.row = row


def heading(result: FileResult) -> tuple[str, str]:
    """A file's 实施单位 and 项目名称 as 问题清单 and 文件清单 show them (blank without a project)."""
    p = result.project
    return (p.unit, p.name) if p is not None else ("", "")


class Findings(Stream):
    role, title, freeze = "findings", "朝阳区项目支出绩效自评汇总·问题清单", 2
    headers = [("序号", 6), ("文件", 24), ("实施单位", 14), ("项目名称", 24), ("工作表", 9), ("单元格", 8),
               ("代码", 22), ("级别", 6), ("说明", 54), ("文件状态", 11)]

    def __init__(self, book, fmt: Formats, ws=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(book, fmt, ws)
        # an error's 级别 in red: the two lists made once (a row passing its list again reuses its styles)
        self.formats, self.error_formats = ([fmt.int, fmt.wrap, fmt.text, fmt.text, fmt.text, fmt.text, fmt.text, level,
                                             fmt.wrap, fmt.text] for level in (fmt.text, fmt.bad))

    def add(self, result: FileResult, unit: str, name: str) -> None:
        """A file's findings; ``unit`` and ``name`` its :func:`heading` (the renderer reads them from the store)."""
        for sheet, cell, code, severity, message in result.findings:
            self.row += 1
            level = "错误" if severity == "error" else "警告"
            values = [self.row, result.path, unit, name, sheet, cell, code, level,
                      message, FATE_TEXT[result.fate]]
            formats = self.error_formats if severity == "error" else self.formats
            self.ws.append_values(self.row, values, formats,
                                  row_height([(message, self.headers[8][1]), (result.path, self.headers[1][1])]))


class Files(Stream):
    role, title, freeze = "files", "朝阳区项目支出绩效自评汇总·文件清单", 2
    headers = [("序号", 6), ("文件", 30), ("状态", 12), ("原因", 40), ("实施单位", 14), ("项目名称", 20), ("格式", 7),
               ("错误数", 7), ("警告数", 7), ("大小（KB）", 9), ("修改时间", 16), ("SHA-256（前 16 位）", 17),
               ("本轮读取", 12)]

    def __init__(self, book, fmt: Formats, ws=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(book, fmt, ws)
        self.formats: dict[tuple[bool, bool], list] = {}  # by (fate ok, format verifiable)

    def add(self, result: FileResult, unit: str, name: str) -> None:
        """A file's row; ``unit`` and ``name`` its :func:`heading`."""
        fmt = self.fmt
        self.row += 1
        read = "沿用上次结果（文件未改动）" if result.reused else "已读取" if result.sha256 else ""
        errors = result.errors
        values = [self.row, result.path, fate_label(result.fate, errors), result.reason, unit, name,
                  f".{result.format}" if result.format else "", errors, result.warnings,
                  round(result.size / 1024, 1), result.modified, result.sha256[:16], read]
        # a format other than .xlsx/.xlsm stands out: its protection could not be verified (format-legacy)
        key = (result.fate == "ok", result.format in ("", "xlsx", "xlsm"))
        formats = self.formats.get(key)
        if formats is None:  # each of the four kinds of row made once
            formats = self.formats[key] = [
                fmt.int, fmt.wrap, fmt.text if key[0] else fmt.bad, fmt.wrap, fmt.text, fmt.text,
                fmt.text if key[1] else fmt.bad, fmt.int, fmt.int, fmt.score, fmt.stamp, fmt.text, fmt.text]
        self.ws.append_values(self.row, values, formats,
                              row_height([(result.reason, self.headers[3][1]), (result.path, self.headers[1][1])]))
