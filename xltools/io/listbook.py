"""Read a list workbook (one row per item, columns found by header name).

:func:`read_list` picks the sheet (the one named ``sheet`` when there is one, else the first), gives
every cell of a merged range the range's value, finds the header row and returns the records
(:mod:`xltools.core.listbook` holds the pure part: header and alias matching, carried-down groups).
Any failure is a :class:`~xltools.core.listbook.ListError` naming the file (and sheet).

A list is values only (no formulas, styles or protection to check), and a district's list is large
(a 绩效目标表 of 2,000 projects holds ~150,000 cells: beyond the form reader's bound on one sheet's
markup, and ~5× slower through it): it is read by python-calamine, which also reads a list exported as
.xls (Excel 97–2003, WPS 兼容模式), .xlsb or .ods. The file's content picks the format, never its
suffix; a zip package is checked against the form reader's size and compression-bomb limits before
calamine inflates it. Values come back as :mod:`xltools.io.xlsxread` gives them (whole numbers as
``int``, midnight datetimes as dates).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from xltools.core.errors import os_reason
from xltools.core.listbook import HEADER_SCAN_ROWS, HeaderMatch, ListError, ListRecord, ListSpec, cell_value, column_letter
from xltools.io.files import FileTooLargeError, SpecialFileError, read_regular
from xltools.io.xlsxcells import column_number
from xltools.io.xlsxdata import SheetData
from xltools.io.xlsxread import Limits

__all__ = ["ListTable", "read_list", "open_list", "sheet_rows"]

_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
#: Rows and columns a list may have (a district's targets are a few tens of thousands of rows).
MAX_ROWS, MAX_COLUMNS = 200_000, 200
#: A merged range larger than this is not spread over its cells (a whole-column merge: nothing a list needs).
MAX_MERGED_CELLS = 10_000
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NEXT_STEP = "请用 Excel 或 WPS 打开后另存为 .xlsx 再试"
_CALAMINE_ERRORS = (python_calamine.CalamineError, ValueError, TypeError, OverflowError, UnicodeError, KeyError,
                    IndexError, OSError)


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
        if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_MERGED_CELLS:
            continue
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
    table, rows = open_list(path, spec, sheet=sheet)
    return ListTable(table.path, table.sheet, table.header, tuple(spec.records(table.header, rows)))


def open_list(path: Path | str, spec: ListSpec, *, sheet: str | None = None, raw: bool = False
              ) -> tuple[ListTable, Iterator[tuple[int, list[object]]]]:
    """The list workbook at ``path`` with its header row found (a :class:`ListTable` without records) and its
    rows below the header, read as they are consumed (for :meth:`ListSpec.rows`, which takes columns by index:
    a large list is not first made into records). ``raw``: a sheet without merged ranges gives its cells as
    python-calamine reads them (an empty cell as ``""``, every number a float), for a caller that passes the
    values it keeps through :func:`~xltools.core.listbook.cell_value` (a district's list: not every cell twice)."""
    chosen, rows = _read_rows(path, spec.what, sheet, raw)
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    try:
        header = spec.find_header(head, chosen)
    except ListError as exc:
        raise ListError(exc.message, file=path, sheet=chosen) from exc
    return ListTable(str(path), chosen, header, ()), itertools.chain(
        (item for item in head if item[0] > header.row), rows)


def _unreadable(what: str, why: str, path: Path | str, sheet: str | None = None) -> ListError:
    return ListError(f"无法作为{what}读取：{why}；{_NEXT_STEP}", file=path, sheet=sheet)


def _read_rows(path: Path | str, what: str, sheet: str | None, raw: bool = False
               ) -> tuple[str, Iterator[tuple[int, list[object]]]]:
    """The chosen sheet's name and its non-empty rows (1-based row, values from column A), merged ranges spread;
    a sheet without merged ranges is read row by row as the rows are consumed."""
    limits = Limits()
    try:
        data = read_regular(path, limits.max_file_bytes)[0]
    except OSError as exc:
        raise ListError(f"无法打开{what}：{os_reason(exc)}", file=path) from exc
    except (SpecialFileError, FileTooLargeError) as exc:
        raise ListError(f"无法作为{what}读取：{exc.message}", file=path) from exc
    if data.startswith(_OLE) and "EncryptionInfo".encode("utf-16-le") in data:
        raise ListError(f"{what}设置了打开密码（已加密），无法读取；请去掉密码后重试", file=path)
    if data.startswith(_ZIP):
        _bounded(data, what, path, limits)
    elif not data.startswith(_OLE):
        raise _unreadable(what, "文件已损坏或不是 Excel 工作簿", path)
    chosen = ""
    with _calamine_errors(what, path, lambda: chosen):
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        if not names:
            raise ListError(f"{what}中没有工作表", file=path)
        chosen = sheet if sheet is not None and sheet in names else names[0]
        grid = book.get_sheet_by_name(chosen)
        if grid.height > MAX_ROWS or grid.width > MAX_COLUMNS:
            raise ListError(f"工作表有 {grid.height:,} 行 × {grid.width:,} 列，超过{what}的上限（{MAX_ROWS:,} 行、"
                            f"{MAX_COLUMNS} 列）；请删去多余的行和列", file=path, sheet=chosen)
        if grid.start is None:  # an empty sheet
            return chosen, iter(())
        top, left = grid.start  # the first used row and column (0-based): where the table starts
        merged = grid.merged_cell_ranges
        if merged:
            return chosen, iter(_spread(grid.to_python(skip_empty_area=True), top, left, merged))
        # iter_rows gives the rows above the table too (empty), the columns from the table's first
        return chosen, _streamed(itertools.islice(grid.iter_rows(), top, None), top, left, what, path, chosen, raw)
    raise AssertionError("unreachable")  # _calamine_errors raises


@contextlib.contextmanager
def _calamine_errors(what: str, path: Path | str, sheet: Callable[[], str]) -> Iterator[None]:
    """Whatever python-calamine raises on a damaged or encrypted file, as a :class:`ListError`."""
    try:
        yield
    except python_calamine.PasswordError as exc:
        raise ListError(f"{what}设置了打开密码（已加密），无法读取；请去掉密码后重试", file=path) from exc
    except _CALAMINE_ERRORS as exc:
        raise _unreadable(what, "文件已损坏或不是 Excel 工作簿", path, sheet() or None) from exc
    except BaseException as exc:  # a Rust panic inside calamine (pyo3's PanicException derives from BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        raise _unreadable(what, "文件已损坏或不是 Excel 工作簿", path, sheet() or None) from None


def _streamed(table: Iterator[list[object]], top: int, left: int, what: str, path: Path | str, sheet: str,
              raw: bool = False) -> Iterator[tuple[int, list[object]]]:
    """The non-empty rows of ``table`` (calamine's rows from the 0-based row ``top`` and column ``left``), their
    cells through :func:`cell_value` unless ``raw``."""
    pad = [None] * left
    with _calamine_errors(what, path, lambda: sheet):
        for number, row in enumerate(table, start=top + 1):
            if raw:
                if row.count("") != len(row):
                    yield number, pad + row if left else row
                continue
            line = pad + [v if type(v) is str and v else cell_value(v) for v in row]
            if line.count(None) != len(line):
                yield number, line


def _bounded(data: bytes, what: str, path: Path | str, limits: Limits) -> None:
    """A zip package (.xlsx, .xlsb, .ods) within the form reader's limits before calamine inflates it: every
    member's stated size and ratio, and each compressed member inflated once up to its stated size with its CRC
    checked (a member whose stated size hides more data fails the CRC)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if limits.oversized(infos) is not None:
                raise ListError(f"{what}内部文件解压后过大，疑似压缩炸弹，已拒绝读取；{_NEXT_STEP}", file=path)
            for info in infos:
                if info.compress_type != zipfile.ZIP_STORED:
                    with archive.open(info) as handle:  # zipfile stops at the stated size and checks the CRC
                        while handle.read(1 << 20):
                            pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError,
            ValueError, OSError, RuntimeError) as exc:
        raise _unreadable(what, "文件已损坏，无法解压", path) from exc


def _spread(table: list[list[object]], top: int, left: int, merged: list) -> list[tuple[int, list[object]]]:
    """The non-empty rows of ``table`` (from the 0-based row ``top`` and column ``left``), each merged range's value
    in every cell of the range."""
    # text (most cells) as it is; "" as None, numbers and dates through cell_value
    lines = [[None] * left + [v if type(v) is str and v else cell_value(v) for v in row] for row in table]
    for (r1, c1), (r2, c2) in merged:
        if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_MERGED_CELLS or not 0 <= r1 - top < len(lines):
            continue
        head = lines[r1 - top]
        value = head[c1] if c1 < len(head) else None
        if value is None:
            continue
        for r in range(max(r1 - top, 0), min(r2 - top + 1, len(lines))):
            line = lines[r]
            if len(line) <= c2:
                line.extend([None] * (c2 + 1 - len(line)))
            for c in range(c1, c2 + 1):
                if line[c] is None:
                    line[c] = value
    return [(top + i + 1, line) for i, line in enumerate(lines) if line.count(None) != len(line)]
