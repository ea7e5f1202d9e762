"""The summary's sheet 目标偏离: one row per drift finding of the round's summarised forms, errors first.

The rows come from the drift each worker keeps with a file's risk facts (:mod:`xltools.district.process`),
so they are in the results store with the file's result and come back in later rounds without reading
the file again.
"""

from __future__ import annotations

from collections.abc import Iterable

import xlsxwriter

from xltools.district.results import FileResult
from xltools.district.rowstream import _RowStream
from xltools.district.summary import _finish, _Formats, _setup
from xltools.district.units import unit_sort_key

__all__ = ["DRIFT_SHEET", "DRIFT_HEADERS", "drift_rows", "write_drift"]

DRIFT_SHEET = "目标偏离"
DRIFT_HEADERS = (("序号", 6), ("实施单位", 16), ("项目", 22), ("指标", 18), ("批复值", 16), ("填报值", 16),
                 ("代码", 20), ("级别", 6), ("单元格", 8), ("来源文件", 30))
_LEVEL = {"error": "错误", "warning": "警告"}

DriftRow = tuple[str, str, str, str, str, str, str, str, str]


def drift_rows(results: Iterable[FileResult]) -> list[DriftRow]:
    """(实施单位, 项目, 指标, 批复值, 填报值, 代码, 级别, 单元格, 来源文件) of every drift finding, errors first, then
    in the district's unit order."""
    rows: list[tuple[tuple, DriftRow]] = []
    for result in results:
        p = result.project
        for n, (code, severity, cell, indicator, approved, reported) in enumerate((result.risk or {}).get("drift") or ()):
            unit, name = (p.unit, p.name) if p is not None else ("", "")
            key = (severity != "error", unit_sort_key(unit), name, result.path, n)
            rows.append((key, (unit, name, indicator, approved, reported, code, _LEVEL.get(severity, severity), cell,
                               result.path)))
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


def write_drift(book: xlsxwriter.Workbook, fmt: _Formats, rows: list[DriftRow]) -> None:
    """The sheet 目标偏离 (a line saying so when the round has no drift)."""
    ws = book.add_worksheet(DRIFT_SHEET, worksheet_class=_RowStream)
    _setup(ws, DRIFT_HEADERS, fmt, "朝阳区项目支出绩效自评汇总·目标偏离（与批复的绩效目标不一致之处，错误在前）",
           freeze_cols=3)
    formats = [fmt.int, fmt.text, fmt.wrap, fmt.wrap, fmt.wrap, fmt.wrap, fmt.text, fmt.text, fmt.text, fmt.wrap]
    row = 0
    for row, values in enumerate(rows, start=1):
        ws.append_values(row, (row, *values), formats)
    if not rows:
        ws.write_string(1, 1, "没有发现与批复的绩效目标不一致之处", fmt.text)
    _finish(ws, DRIFT_HEADERS, row)
