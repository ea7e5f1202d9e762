"""Cell-level helpers of the bounded reader (:mod:`xltools.io.xlsxread`): the ``cells_only`` cut of a
worksheet part, cell references (also for cells and rows without the optional ``r`` attribute),
ISO dates, booleans and date number formats."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from xml.etree.ElementTree import Element

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _ROW = f"{_NS}c", f"{_NS}row"
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')

__all__ = ["cells_document", "declares", "cells", "iso_moment", "truthy", "is_date_format", "column_number", "column_letters"]

@cache
def _declaration() -> re.Pattern[bytes]:
    """An XML declaration (compiled when first used: only a part the fast reader cannot take is cut)."""
    return re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*\?>")
#: "<!" found from its "!" (rare in a sheet: formulas' sheet references), not from its "<" (every tag): the
#: regular expression engine then skips to each "!" by its literal-prefix scan, ~3× faster than ``b"<!" in data``.
_BANG = re.compile(rb"!(?<=<!)")


def declares(data: bytes) -> bool:
    """Whether ``data`` holds ``<!``, where every DTD, entity declaration, comment and CDATA section starts
    (``False`` is proof that there is none of them)."""
    return _BANG.search(data) is not None


def _instruction(data: bytes, start: int) -> bool:
    """Whether ``data[start:]`` holds ``<?`` (a processing instruction), found from its rare ``?``."""
    at = data.find(b"?", start)
    while at >= 0:
        if at > start and data[at - 1] == 0x3C:
            return True
        at = data.find(b"?", at + 1)
    return False


def cells_document(data: bytes) -> bytes | None:
    """A worksheet part cut down to its XML declaration, root start tag, ``<sheetData>`` and
    ``<sheetProtection>``; ``None`` when the part has markup a byte search could be fooled by.

    In a part without comments, CDATA sections and processing instructions, ``<`` only ever
    starts a tag (it cannot appear in text or attribute values), so the first ``<sheetData``
    and the first ``</sheetData>`` after it bound exactly that element. A cut that still
    goes wrong (a ``>`` inside an attribute value of the root or the protection) fails to
    parse, and the caller parses the whole part.
    """
    declaration = _declaration().match(data)
    body = declaration.end() if declaration else 0
    if declares(data) and (b"<!--" in data or b"<![CDATA[" in data) or _instruction(data, body):
        return None
    root = data.find(b"<worksheet", body)
    root_end = data.find(b">", root)
    if root < 0 or root_end < 0 or data[root_end - 1:root_end] == b"/":
        return None
    start = data.find(b"<sheetData", root_end)
    if start < 0:
        return None
    if data.startswith(b"<sheetData/>", start):
        end = start + len(b"<sheetData/>")
    else:
        close = data.find(b"</sheetData>", start)
        if close < 0:
            return None
        end = close + len(b"</sheetData>")
    pieces = [data[:root_end + 1], data[start:end]]
    protection = data.find(b"<sheetProtection", end)
    if protection >= 0:
        tag_end = data.find(b">", protection)
        if tag_end < 0:
            return None
        if data[tag_end - 1:tag_end] != b"/":
            closing = data.find(b"</sheetProtection>", tag_end)
            if closing < 0:
                return None
            tag_end = closing + len(b"</sheetProtection>") - 1
        pieces.append(data[protection:tag_end + 1])
    pieces.append(b"</worksheet>")
    return b"".join(pieces)


@cache
def _column() -> re.Pattern[str]:
    """A cell reference's column and row (compiled when first used: only cells without ``r`` need it)."""
    return re.compile(r"([A-Z]{1,3})(\d+)")


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cells(root: Element) -> Iterable[tuple[str, Element]]:
    """Every cell of ``<sheetData>`` with its reference; a cell or row without the optional ``r``
    attribute is the one after the previous (as the file format defines)."""
    row_number = 0
    for row in root.iter(_ROW):
        text = row.get("r")
        row_number = int(text) if text is not None and text.isdigit() else row_number + 1
        column, previous = 0, None  # the column is worked out only when a cell has no reference
        for c in row:
            if c.tag != _C:
                continue
            ref = c.get("r")
            if ref is not None:
                previous = ref
                yield ref, c
                continue
            if previous is not None:
                match = _column().fullmatch(previous)
                column = column_number(match.group(1)) if match else column + 1
                previous = None
            column += 1
            yield f"{column_letters(column)}{row_number}", c


def iso_moment(text: str) -> object:
    try:
        moment = dt.datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        return text
    return moment.date() if moment.time() == dt.time() else moment


def truthy(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.lower() in ("1", "true")


def is_date_format(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(ch in bare for ch in "ymd") and "h" not in bare.replace("[h]", "")
