"""The reviewer columns of the summary's sheets 汇总 and 复核重点 (XlsxWriter side).

Each sheet ends with 复核状态 and 最终得分 (locked, from :mod:`xltools.district.verdicts`) and then the five
reviewer columns 复核得分, 复核意见, 处理, 复核人, 复核日期: the only unlocked cells of the sheet, with data
validation (a score between 0 and the 分值合计, 处理 from a list, a date). The sheet is protected without a
password (it keeps hands off the locked cells; ``review import`` compares them with what was written). The
summary's very hidden sheet 复核校验 names the round and its token.
"""

from __future__ import annotations

from collections.abc import Sequence

import xlsxwriter

from xltools.district.verdicts import ACTIONS, Outcome, Status

__all__ = ["REVIEWER_HEADERS", "STATUS_HEADERS", "CHECK_SHEET", "SCORE", "OPINION", "ACTION", "REVIEWER", "DATE",
           "reviewer_formats", "status_cells", "protect", "write_check_sheet"]

REVIEWER_HEADERS: tuple[tuple[str, float], ...] = (("复核得分", 9), ("复核意见", 30), ("处理", 10), ("复核人", 8),
                                                   ("复核日期", 11))
SCORE, OPINION, ACTION, REVIEWER, DATE = range(5)
STATUS_HEADERS: tuple[tuple[str, float], ...] = (("复核状态", 9), ("最终得分", 9))
#: The very hidden sheet that names the summary's round in the results store.
CHECK_SHEET = "复核校验"

_BASE = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"}
_INPUT = {**_BASE, "locked": False, "bg_color": "#FFF2CC"}


def reviewer_formats(book: xlsxwriter.Workbook) -> list:
    """The unlocked formats of the five reviewer columns (light yellow, as the forms' input cells)."""
    return [book.add_format({**_INPUT, "num_format": "0.00"}), book.add_format({**_INPUT, "text_wrap": True}),
            book.add_format({**_INPUT, "align": "center"}), book.add_format(_INPUT),
            book.add_format({**_INPUT, "num_format": "yyyy-mm-dd"})]


def status_cells(outcome: Outcome | Status | None, total: float | None) -> tuple[object, object]:
    """复核状态 and 最终得分 of a project."""
    if outcome is None:
        return "待复核", total
    return outcome.status, outcome.final


def protect(ws, first_col: int, last_row: int, total_weight: float) -> None:
    """Validation on the reviewer columns of data rows 1..last_row (0-based) and the sheet's protection."""
    if last_row >= 1:
        ws.data_validation(1, first_col + SCORE, last_row, first_col + SCORE, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": total_weight,
            "error_title": "复核得分", "error_message": f"复核得分应为 0 到 {total_weight:g} 之间的数",
            "input_title": "复核得分", "input_message": f"0～{total_weight:g} 分；不打分可留空"})
        ws.data_validation(1, first_col + ACTION, last_row, first_col + ACTION, {
            "validate": "list", "source": list(ACTIONS), "error_title": "处理",
            "error_message": "请从列表中选择：" + " / ".join(ACTIONS)})
        ws.data_validation(1, first_col + DATE, last_row, first_col + DATE, {
            "validate": "date", "criteria": "between", "minimum": _date(2000), "maximum": _date(2099),
            "error_title": "复核日期", "error_message": "请填日期，例如 2025-03-15", "input_title": "复核日期",
            "input_message": "例如 2025-03-15"})
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "autofilter": True,
                    "format_columns": True, "format_rows": True})


def _date(year: int):
    import datetime as dt

    return dt.date(year, 1, 1)


def write_check_sheet(book: xlsxwriter.Workbook, round_id: int, token: str) -> None:
    """The very hidden sheet 复核校验: the round and the token ``review import`` looks up in the store."""
    ws = book.add_worksheet(CHECK_SHEET)
    rows: Sequence[tuple[str, object]] = (("说明", "xltools combine 生成：review import 据此找到结果库中的轮次，请勿改动"),
                                          ("轮次", round_id), ("校验码", token))
    for row, (label, value) in enumerate(rows):
        ws.write_string(row, 0, label)
        if isinstance(value, int):
            ws.write_number(row, 1, value)
        else:
            ws.write_string(row, 1, str(value))
    ws.very_hidden()
    ws.protect("")
