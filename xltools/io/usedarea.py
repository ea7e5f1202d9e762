"""The used area of each sheet of an .xls/.et or .ods, counted from the file's own records before python-calamine
reads it.

calamine makes each sheet one dense range, from the first to the last cell that holds a value, before
anything of ours can look at it: a small hostile file with two values far apart (an .xls with A1 and
IV65536; an .ods whose one value is repeated over a million rows by ``table:number-rows-repeated``)
becomes tens of millions of cells in memory. :func:`biff_areas` and :func:`ods_areas` find the same box
cheaply (a walk over the BIFF records; one pass of a tag pattern over ``content.xml``, never a tree), so the
reader refuses such a sheet before calamine materialises it. Blank cells count as calamine counts them:
not at all (a formatted empty cell, an .ods cell with neither a value type nor text, is no value).
"""

from __future__ import annotations

import re
import struct

__all__ = ["AreaError", "biff_areas", "ods_areas"]


class AreaError(ValueError):
    """The records cannot be walked (truncated, malformed): the file is damaged."""


class _Box:
    """The bounding box of a sheet's cells that hold values."""

    __slots__ = ("top", "bottom", "left", "right")

    def __init__(self) -> None:
        self.top = self.left = 1 << 62
        self.bottom = self.right = -1

    def add(self, row: int, last_row: int, col: int, last_col: int) -> None:
        self.top, self.bottom = min(self.top, row), max(self.bottom, last_row)
        self.left, self.right = min(self.left, col), max(self.right, last_col)

    @property
    def size(self) -> tuple[int, int] | None:
        """(rows, columns), or ``None`` for a sheet without a value."""
        return None if self.bottom < 0 else (self.bottom - self.top + 1, self.right - self.left + 1)


# --- Excel 97–2003 (BIFF5/BIFF8) -----------------------------------------------------------------------

_BOF, _EOF, _BOUNDSHEET, _MULRK = 0x0809, 0x000A, 0x0085, 0x00BD
#: Records of one cell with a value (NUMBER, RK, LABELSST, LABEL, RSTRING, FORMULA, BOOLERR): row, column first.
_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0006, 0x0205})


def biff_areas(stream: bytes) -> dict[str, tuple[int, int]]:
    """(rows, columns) of the used area of each sheet in the ``Workbook`` stream of an .xls, by sheet name.

    Each sheet is walked from where its BOUNDSHEET record says it starts, to its EOF (a chart's BOF…EOF
    inside it included), as calamine reads it; the walks together may cover the stream at most twice, so
    sheets that point into one another cannot multiply the work."""
    budget = 2 * len(stream) + 4096
    areas: dict[str, tuple[int, int]] = {}
    for offset, name in _sheets(stream):
        size, walked = _walk(stream, offset)
        budget -= walked
        if budget < 0:
            raise AreaError("sheets overlap")
        if size is not None and (name not in areas or size[0] * size[1] > areas[name][0] * areas[name][1]):
            areas[name] = size
    return areas


_HEAD = struct.Struct("<HH")


def _sheets(stream: bytes) -> list[tuple[int, str]]:
    """(offset, name) of every BOUNDSHEET of the workbook globals (the records up to the first EOF)."""
    wide, sheets, at, end = True, [], 0, len(stream)
    head = _HEAD.unpack_from
    while at + 4 <= end:
        kind, length = head(stream, at)
        body = at + 4
        if body + length > end:
            raise AreaError("record runs past the stream")
        if kind == _BOF and at == 0:
            wide = length >= 2 and struct.unpack_from("<H", stream, body)[0] >= 0x0600  # BIFF8: UTF-16 names
        elif kind == _BOUNDSHEET and length >= 7:
            sheets.append((struct.unpack_from("<I", stream, body)[0], _sheet_name(stream[body + 6:body + length], wide)))
        elif kind == _EOF:
            break
        at = body + length
    return sheets


def _walk(stream: bytes, offset: int) -> tuple[tuple[int, int] | None, int]:
    """The used area of the sheet whose BOF is at ``offset`` and the bytes walked to its EOF."""
    top = left = 1 << 62
    bottom = right = -1
    depth, at, end = 0, offset, len(stream)
    head, cells = _HEAD.unpack_from, _CELLS
    while at + 4 <= end:
        kind, length = head(stream, at)
        body = at + 4
        at = body + length
        if at > end:
            raise AreaError("record runs past the stream")
        if kind in cells or kind == _MULRK:
            if length >= 4:
                row, col = head(stream, body)
                last = head(stream, at - 4)[1] if kind == _MULRK and length >= 6 else col
                top, bottom = min(top, row), max(bottom, row)
                left, right = min(left, col), max(right, col, last)
        elif kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
    size = None if bottom < 0 else (bottom - top + 1, right - left + 1)
    return size, at - offset


def _sheet_name(raw: bytes, wide: bool) -> str:
    """A BOUNDSHEET's name (BIFF8: count, flags, Latin-1 or UTF-16 characters; BIFF5: count, bytes)."""
    count = raw[0] if raw else 0
    if wide and len(raw) >= 2:
        text = raw[2:2 + count * 2].decode("utf-16-le", "replace") if raw[1] & 1 else raw[2:2 + count].decode("latin-1")
    else:
        text = raw[1:1 + count].decode("gbk", "replace")
    return text or "（未命名）"


# --- OpenDocument (.ods content.xml) ---------------------------------------------------------------------

#: A start or end tag of a table, row or cell, whatever its prefix, its attributes read quote-aware (a ">"
#: inside a quoted value does not end the tag). A tag inside a comment or CDATA is counted too: the count can
#: only come out larger than what a parser sees, never smaller.
_TAG = re.compile(rb"""<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"""
                  rb"""((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>""")
_ROWS = re.compile(rb"""number-rows-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COLS = re.compile(rb"""number-columns-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NAME = re.compile(rb"""(?<![\w.-])(?:[\w.-]+:)?name\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TYPE = re.compile(rb"""value-type\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_MARKUP = re.compile(rb"<[^>]*>")
_REFERENCE = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _resolve(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref[0] != "#":
        return _NAMED[ref]
    return chr(min(int(ref[2:], 16) if ref[1] == "x" else int(ref[1:]), 0x10FFFF))


def _unescape(raw: bytes) -> str:
    """An attribute value as a parser reads it (character and entity references resolved)."""
    text = raw.decode("utf-8", "replace")
    return _REFERENCE.sub(_resolve, text) if "&" in text else text


def _repeat(pattern: re.Pattern[bytes], raw: bytes) -> int:
    """A tag's repeat count: the largest the pattern finds in it (a look-alike inside another attribute's value
    can only make the count larger), 1 when none."""
    if b"repeated" not in raw:
        return 1
    return max((_number(_unescape(m.group(1) if m.group(1) is not None else m.group(2)))
                for m in pattern.finditer(raw)), default=1)


def _number(value: str) -> int:
    try:
        return max(1, int(value.strip()))
    except ValueError:
        return 1


def _name(raw: bytes, fallback: str) -> str:
    match = _NAME.search(raw)
    return _unescape(match.group(1) if match.group(1) is not None else match.group(2)) if match else fallback


def _filled(raw: bytes) -> bool:
    """Whether a cell's start tag gives it a value: a value type other than text (a text cell is filled by its
    text, looked at where the cell ends)."""
    return b"value-type" in raw and any((m.group(1) or m.group(2)) != b"string" for m in _TYPE.finditer(raw))


def ods_areas(content: bytes) -> dict[str, tuple[int, int]]:
    """(rows, columns) of the used area of each table in an .ods ``content.xml``, by table name.

    A cell holds a value when it has a value type other than text, or text inside; a row's or cell's repeat
    counts as that many rows or cells. A table inside a cell is part of that cell."""
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise AreaError("a document type declaration in content.xml")  # no entity expansion, ever
    areas: dict[str, tuple[int, int]] = {}
    name, depth = "", 0
    top = left = 1 << 62
    bottom = right = -1
    row = rows = col = cols = 0
    cell_at = -1  # where the open top-level cell's content starts (-1: no cell open)
    filled = False
    for match in _TAG.finditer(content):
        closing, local, raw = match.groups()
        if cell_at >= 0:  # inside a cell: only its own end matters
            if local == b"table":
                depth += -1 if closing else 0 if raw.endswith(b"/") else 1
            elif closing and local != b"table-row" and depth == 1:
                if filled or _MARKUP.sub(b"", content[cell_at:match.start()]).strip():
                    top, bottom = min(top, row), max(bottom, row + rows - 1)
                    left, right = min(left, col), max(right, col + cols - 1)
                col, cell_at = col + cols, -1
            continue
        if local == b"table":
            if closing:
                depth -= 1
                if depth == 0 and bottom >= 0:
                    areas[name] = (bottom - top + 1, right - left + 1)
            elif not raw.endswith(b"/"):
                depth += 1
                if depth == 1:
                    name, row = _name(raw, f"第{len(areas) + 1}个工作表"), 0
                    top = left = 1 << 62
                    bottom = right = -1
        elif depth != 1:
            continue
        elif local == b"table-row":
            if closing:
                row += rows
            else:
                rows, col = _repeat(_ROWS, raw), 0
                if raw.endswith(b"/"):
                    row += rows
        elif not closing:  # a cell's start
            cols, filled = _repeat(_COLS, raw), _filled(raw)
            if not raw.endswith(b"/"):
                cell_at = match.end()
                continue
            if filled:
                top, bottom = min(top, row), max(bottom, row + rows - 1)
                left, right = min(left, col), max(right, col + cols - 1)
            col += cols
    return areas
