"""Workbooks that hold one table, written with openpyxl, for the header-table readers' tests
(tests/test_expect_list.py: the --expect list; tests/test_targets_book.py: the 绩效目标表)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl


def table_book(path: Path, rows: Iterable[Sequence[object]], *, sheet: str | None = None,
               cover: tuple[str | None, Iterable[Sequence[object]]] | None = None, merges: Iterable[str] = ()) -> Path:
    """``rows`` one by one in sheet ``sheet`` (the first sheet, its default name kept when None), ``merges``
    merged there; ``cover`` = (title or None, rows): a sheet in front of it."""
    book = openpyxl.Workbook()
    ws = book.active
    if cover is not None:
        title, cover_rows = cover
        if title is not None:
            ws.title = title
        for row in cover_rows:
            ws.append(row)
        ws = book.create_sheet(sheet)
    elif sheet is not None:
        ws.title = sheet
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    book.save(path)
    return path
