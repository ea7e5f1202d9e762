"""The summary's sheet 目标偏离: one row per drift finding of the round's summarised forms, errors first.

The rows come from the drift each worker keeps with a file's risk facts (:mod:`xltools.district.process`),
so they are in the results store with the file's result and come back in later rounds without reading
the file again. The sheet's rows are sorted by SQLite (``temp.drift``), not in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

import xlsxwriter

from xltools.core.drift import SERIOUS_DRIFT

from xltools.district.rowstream import _RowStream
from xltools.district.summary_sheets import Formats, finish, setup

__all__ = ["DRIFT_SHEET", "DRIFT_HEADERS", "DriftRows", "write_drift"]

DRIFT_SHEET = "目标偏离"
DRIFT_HEADERS = (("序号", 6), ("实施单位", 16), ("项目", 22), ("指标", 18), ("批复值", 16), ("填报值", 16),
                 ("代码", 20), ("级别", 6), ("单元格", 8), ("来源文件", 30))
_LEVEL = {"error": "错误", "warning": "警告"}

DriftRow = tuple[str, str, str, str, str, str, str, str, str]


class DriftRows:
    """The round's drift findings, kept in the temporary table ``temp.drift`` as each summarised project goes by
    (:meth:`add`), read back (:meth:`__iter__`) as (实施单位, 项目, 指标, 批复值, 填报值, 代码, 级别, 单元格, 来源文件): errors
    first, then in the district's unit order (``temp.unit_rank``, :meth:`Store.rank_units`), project, file and the
    finding's place in its file. Nothing per project is held in memory."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.execute("DROP TABLE IF EXISTS temp.drift")
        # no column types: values come back as the results store gave them
        db.execute("CREATE TEMP TABLE drift (late, unit, name, path, n, indicator, approved, reported, code, level, "
                   "cell)")
        self.count = self.serious = 0

    def add(self, path: str, unit: str, name: str, drift: Sequence[Sequence[str]]) -> None:
        """A summarised project's drift findings (kept with its risk facts: (code, severity, cell, 指标, 批复值, 填报值))."""
        rows = [(int(severity != "error"), unit, name, path, n, indicator, approved, reported, code,
                 _LEVEL.get(severity, severity), cell)
                for n, (code, severity, cell, indicator, approved, reported) in enumerate(drift)]
        self.db.executemany("INSERT INTO temp.drift VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        self.count += len(rows)
        self.serious += sum(1 for row in rows if row[8] in SERIOUS_DRIFT)

    def __iter__(self) -> Iterator[DriftRow]:
        return iter(self.db.execute(
            "SELECT d.unit, d.name, d.indicator, d.approved, d.reported, d.code, d.level, d.cell, d.path "
            "FROM temp.drift d LEFT JOIN temp.unit_rank u ON u.unit=d.unit ORDER BY d.late, u.rank, d.name, d.path, d.n"))


def write_drift(book: xlsxwriter.Workbook, fmt: Formats, rows: Iterable[DriftRow]) -> None:
    """The sheet 目标偏离 (a line saying so when the round has no drift)."""
    ws = book.add_worksheet(DRIFT_SHEET, worksheet_class=_RowStream)
    setup(ws, DRIFT_HEADERS, fmt, "朝阳区项目支出绩效自评汇总·目标偏离（与批复的绩效目标不一致之处，错误在前）",
           freeze_cols=3)
    formats = [fmt.int, fmt.text, fmt.wrap, fmt.wrap, fmt.wrap, fmt.wrap, fmt.text, fmt.text, fmt.text, fmt.wrap]
    row = 0
    for row, values in enumerate(rows, start=1):
        ws.append_values(row, (row, *values), formats)
    if not row:
        ws.write_string(1, 1, "没有发现与批复的绩效目标不一致之处", fmt.text)
    finish(ws, DRIFT_HEADERS, row)
