"""Read a list workbook (one row per item, columns found by header name) with the bounded reader.

:func:`read_list` picks the sheet (the one named ``sheet`` when there is one, else the first), gives
every cell of a merged range the range's value, finds the header row and returns the records
(:mod:`xltools.core.listbook` holds the pure part: header and alias matching, carried-down groups).
Any failure is a :class:`~xltools.core.listbook.ListError` naming the file (and sheet).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from xltools.core.listbook import HeaderMatch, ListError, ListRecord, ListSpec, column_letter
from xltools.io.xlsxcells import column_number
from xltools.io.xlsxread import SheetData, WorkbookReadError, read_workbook

__all__ = ["ListTable", "read_list", "sheet_rows"]

_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
#: Rows and columns a list may have (a district's targets are a few thousand rows).
MAX_ROWS, MAX_COLUMNS = 200_000, 200


@dataclass(frozen=True)
class ListTable:
    """A list as read: the file, the sheet, where its known columns are and its records."""

    path: str
    sheet: str
    header: HeaderMatch
    records: tuple[ListRecord, ...]

    def cell(self, record: ListRecord, key: str) -> str:
        """The cell of ``key`` on ``record``'s row (``C12``)."""
        return self.header.cell(record.row, key)

    def column(self, key: str) -> str:
        """The column letter of ``key`` (``""`` when the list has no such column)."""
        index = self.header.columns.get(key)
        return column_letter(index) if index is not None else ""


def sheet_rows(sheet: SheetData) -> list[tuple[int, list[object]]]:
    """The sheet's non-empty rows in order as (1-based row, values from column A); a merged range's value
    stands in each of its cells."""
    values = dict(sheet.values)
    for ref in sheet.merged:
        first, _, last = ref.partition(":")
        a, b = _REF.match(first), _REF.match(last or first)
        if not a or not b or first not in values:
            continue
        c1, c2 = column_number(a.group(1)), column_number(b.group(1))
        r1, r2 = int(a.group(2)), int(b.group(2))
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
            continue  # a whole-column merge: nothing a list needs
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                values.setdefault(f"{column_letter(c - 1)}{r}", values[first])
    rows: dict[int, dict[int, object]] = {}
    for ref, value in values.items():
        match = _REF.match(ref)
        if not match:
            continue
        column, row = column_number(match.group(1)) - 1, int(match.group(2))
        if column < MAX_COLUMNS and row <= MAX_ROWS:
            rows.setdefault(row, {})[column] = value
    out = []
    for row in sorted(rows):
        cells = rows[row]
        line: list[object] = [None] * (max(cells) + 1)
        for column, value in cells.items():
            line[column] = value
        out.append((row, line))
    return out


def read_list(path: Path | str, spec: ListSpec, *, sheet: str | None = None) -> ListTable:
    """The records of the list workbook at ``path``: sheet ``sheet`` when the workbook has it, else its first."""
    try:
        names = read_workbook(path, sheets=()).sheet_names
        if not names:
            raise ListError(f"{spec.what}中没有工作表", file=path)
        chosen = sheet if sheet is not None and sheet in names else names[0]
        data = read_workbook(path, sheets=(chosen,)).sheet(chosen)
    except WorkbookReadError as exc:
        raise ListError(f"无法作为{spec.what}读取：{exc.reason}", file=path) from exc
    assert data is not None
    rows = sheet_rows(data)
    try:
        header = spec.find_header(rows, chosen)
    except ListError as exc:
        raise ListError(exc.message, file=path, sheet=chosen) from exc
    return ListTable(str(path), chosen, header, tuple(spec.records(header, _after(rows, header.row))))


def _after(rows: Sequence[tuple[int, list[object]]], header_row: int) -> Iterator[tuple[int, list[object]]]:
    return (item for item in rows if item[0] > header_row)
