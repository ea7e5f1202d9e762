"""The summary's long sheets stream their rows straight into XlsxWriter's row stream (``_RowStream``).

Separated from :mod:`xltools.district.summary` for size; tests compare its output with XlsxWriter's
own path (tests/test_summary_rows.py), since it writes into XlsxWriter's internals (pinned below 4).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from xltools.core.text import wrapped_lines

_COLUMNS = [xl_col_to_name(col) for col in range(64)]
# What XlsxWriter does to an inline string (xmlwriter / utility), in the same order:
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_STRMAX = 32767
#: Excel's limit for one text inside a formula (a longer link target is shown as plain text).
_FORMULA_TEXT_MAX = 255


@dataclass(frozen=True)
class Link:
    """A cell showing ``text`` that opens ``target`` (a file path, relative to the workbook where it can be):
    a ``HYPERLINK`` formula, which Excel, WPS and LibreOffice all follow."""

    text: str
    target: str

    @property
    def formula(self) -> str:
        return f'HYPERLINK("{self.target.replace(chr(34), chr(34) * 2)}","{self.text.replace(chr(34), chr(34) * 2)}")'


def file_link(shown: str, source: str, base: Path | None) -> Link | str:
    """来源文件: a link to ``source`` relative to the folder ``base`` (the summary's), else the path as shown."""
    if not source or base is None:
        return shown
    folder, name = os.path.split(os.path.abspath(source))
    try:  # the folder's path relative to the summary's, once a folder (a district's files lie in a few hundred)
        rel = _relative_folder(folder, str(base)) if name else os.path.relpath(source, base)
        target = rel if not name else name if rel == os.curdir else os.path.join(rel, name)
    except ValueError:  # another drive (Windows): the full path
        target = os.path.abspath(source)
    if max(len(target), len(shown)) > _FORMULA_TEXT_MAX:
        return shown
    return Link(shown, target)


@lru_cache(maxsize=1024)
def _relative_folder(folder: str, base: str) -> str:
    return os.path.relpath(folder, base)


class _RowStream(Worksheet):
    """A streamed (``constant_memory``) worksheet that also takes whole data rows, fast.

    XlsxWriter's general write path costs about 5 µs a cell, and the summary's long sheets
    have a quarter of a million cells at 2,000 projects. :meth:`append_row` renders a row's
    XML straight into the worksheet's row stream, as :func:`_put` followed by XlsxWriter would
    write it (inline strings with XlsxWriter's escapes, the formats' style indices, the row
    height), after flushing the row XlsxWriter still holds. Rows must come in increasing order
    and after every row written through the ordinary API.
    """

    def __init__(self) -> None:
        super().__init__()
        self._styles: dict[Format | None, str] = {None: ""}  # a format's ` s="N"` attribute, looked up once
        #: The last row's formats list and its shape; the shapes of the lists passed (each list kept in its shape),
        #: by the list's id: rows that pass a list again (unchanged) reuse its shape.
        self._last = _Shape(None, [])
        self._shapes: dict[tuple[int, int], _Shape] = {}

    def append_row(self, row: int, cells: Sequence[tuple[object, Format | None]], height: float | None = None) -> None:
        """A row of (value, format) pairs; see :meth:`append_values`."""
        self.append_values(row, [value for value, _ in cells], [fmt for _, fmt in cells], height)

    def append_values(self, row: int, values: Sequence[object], formats: Sequence[Format | None],
                      height: float | None = None) -> None:
        """A row of values with their formats (parallel sequences), as :func:`_put` would write each. A formats list
        passed for several rows must not change in between (its styles are worked out once)."""
        if not self.constant_memory:  # a workbook kept in memory: the ordinary path
            for col, (value, fmt) in enumerate(zip(values, formats)):
                _put(self, row, col, value, fmt)
            if height is not None:
                self.set_row(row, height)
            return
        count = min(len(values), len(formats))
        if not count or self._check_dimensions(row, 0) or self._check_dimensions(row, count - 1):
            return  # out of the sheet's bounds or above rows already written: XlsxWriter ignores it too
        self._write_single_row(row)  # flush the previous row, as XlsxWriter does when a new row starts
        self.fh.write(self._render(row, values, formats, count, height))

    def _style(self, fmt: Format) -> str:
        """A format's ``s`` attribute (its index is given on first use, as XlsxWriter does)."""
        return f' s="{fmt._get_xf_index()}"'

    #: Whether memoised cells are kept as UTF-8 (a renderer writes bytes: a row of known cells is never encoded).
    _encoded = False

    def _render(self, row: int, values: Sequence[object], formats: Sequence[Format | None], count: int,
                height: float | None) -> str | bytes:
        """The ``<row>`` element of :meth:`append_values` (as UTF-8 when its cells come from memos of a sheet that
        keeps them :attr:`_encoded`)."""
        number = str(row + 1)
        shape = self._last
        if formats is not shape.formats or count != len(shape.styles):
            shape = self._last = self._shape(formats, count)
        head = _HEIGHTS.get(height) if height is not None else ""
        if head is None:
            head = _height_attrs(height)  # type: ignore[arg-type]
        memos = shape.memos
        if memos is None:
            if shape.mids and shape.seen:  # a list passed again: its columns memoised from now
                memos = shape.memos = [dict(blank) for blank in shape.blanks]
                shape.emptied = [row] * count
            shape.seen = True
        if memos is not None and _PLAIN.issuperset(map(type, values)):
            # every cell has a format and a plain value: the row is its cells' XML (each memoised by its column)
            # joined by the row number (the cell references' and the row's)
            tails = list(map(dict.get, memos, values))
            if None in tails:
                self._fill(shape, tails, values, row)
            if self._encoded:
                opening = _OPENINGS.get(head)
                if opening is None:
                    opening = f'"{head}><c r="A'.encode()
                    if len(_OPENINGS) < 256:
                        _OPENINGS[head] = opening
                return number.encode().join([b'<row r="', opening, *tails])  # type: ignore[list-item]
            return number.join(['<row r="', f'"{head}><c r="A', *tails])  # type: ignore[list-item]
        parts = [f'<row r="{number}"{head}>']
        letters = _COLUMNS[:count] if count <= len(_COLUMNS) else [xl_col_to_name(col) for col in range(count)]
        for letter, value, style in zip(letters, values, shape.styles):
            kind = type(value)
            if kind is str and value:  # most cells: text and numbers without a call
                parts.append(f'<c r="{letter}{number}"{style}'
                             f"{_inline_short(value) if len(value) <= _CACHED_CHARS else _inline(value)}")  # type: ignore[arg-type]
            elif (kind is float or kind is int) and math.isfinite(value):  # type: ignore[arg-type]
                parts.append(f'<c r="{letter}{number}"{style}><v>{value:.16G}</v></c>')
            elif value is None:  # a blank cell: written only when it has a format (a style), as _cell_xml does
                if style:
                    parts.append(f'<c r="{letter}{number}"{style}/>')
            else:
                parts.append(self._cell_xml(f' r="{letter}{number}"{style}', value, style != ""))
        parts.append("</row>")
        return "".join(parts)

    def _shape(self, formats: Sequence[Format | None], count: int) -> _Shape:
        """The shape of a row's first ``count`` formats (the one worked out when the list was last passed)."""
        key = (id(formats), count)
        shape = self._shapes.get(key)
        if shape is not None and shape.formats is formats:  # the shape holds its list: no other has its id
            return shape
        if len(self._shapes) >= _SHAPES:  # lists made a row each (the review sheets' short lists)
            self._shapes.clear()
        shape = self._shapes[key] = self._new_shape(formats, count)
        return shape

    def _new_shape(self, formats: Sequence[Format | None], count: int) -> _Shape:
        """The styles of a row's first ``count`` formats and, when each is a format, what surrounds its cells."""
        styles = self._styles
        row_styles = []
        for fmt in formats[:count]:
            style = styles.get(fmt)
            if style is None:
                style = styles[fmt] = self._style(fmt)  # type: ignore[arg-type]
            row_styles.append(style)
        if not all(row_styles):  # a blank cell without a format is not written: cell by cell
            return _Shape(formats, row_styles)
        letters = _COLUMNS[:count] if count <= len(_COLUMNS) else [xl_col_to_name(col) for col in range(count)]
        shape = _Shape(formats, row_styles, [f'"{style}' for style in row_styles],
                       [f'<c r="{letter}' for letter in letters[1:]] + ["</row>"])
        blanks = [f"{mid}/>{after}" for mid, after in zip(shape.mids, shape.afters)]
        shape.blanks = [{None: blank, "": blank} for blank in (map(str.encode, blanks) if self._encoded else blanks)]
        return shape

    def _fill(self, shape: _Shape, tails: list[str | bytes | None], values: Sequence[object], row: int) -> None:
        """The cells of row ``row`` not memoised (``None`` in ``tails``): each written (its style, its XML, the next
        cell's start) and memoised by its value where the XML depends on the value alone (a text up to
        :data:`_CACHED_CHARS` long, a finite number other than zero — ``-0.0`` equals ``0`` — or a date; not a link,
        one a file)."""
        mids, afters, memos, emptied, find = shape.mids, shape.afters, shape.memos, shape.emptied, tails.index
        encoded = self._encoded
        col = -1
        try:
            while True:
                col = find(None, col + 1)
                value = values[col]
                kind = type(value)
                if kind is str:  # not blank: a blank is memoised from the start (the column memo is the text's)
                    body, keep = _inline(value), len(value) <= _CACHED_CHARS  # type: ignore[arg-type]
                elif (kind is float or kind is int) and math.isfinite(value):  # type: ignore[arg-type]
                    body, keep = f"><v>{value:.16G}</v></c>", value != 0
                else:
                    body, keep = self._body(value) or "/>", kind is dt.date or kind is dt.datetime
                tail = f"{mids[col]}{body}{afters[col]}"
                tail = tails[col] = tail.encode() if encoded else tail  # type: ignore[assignment]
                if keep and emptied[col] >= 0:
                    memo = memos[col]  # type: ignore[index]
                    if len(memo) >= _MEMO_CELLS:  # bounded: the main process's memory stays flat in the files
                        memo.clear()
                        memo.update(shape.blanks[col])
                        # a column of a new value a row or nearly (numbers, paths) is memoised no more
                        emptied[col] = row if row - emptied[col] >= 2 * _MEMO_CELLS else -1
                    if emptied[col] >= 0:
                        memo[value] = tail
        except ValueError:  # no cell left without its XML
            pass

    def splice(self, rows: RenderedRows, formats: dict[str, Format]) -> None:
        """Rows a :class:`RowRenderer` wrote (below every row written here), their formats' codes replaced by the
        indices of ``formats`` (by name), given in the order the renderer first used them: one ``bytes.translate``
        for the codes of two bytes (:data:`_CODES`), a replacement for an index above 99 or a name beyond them."""
        if rows.first is None:
            return
        if self._check_dimensions(rows.first, 0) or self._check_dimensions(rows.last, rows.columns - 1):
            raise ValueError(f"rows {rows.first}–{rows.last} cannot follow the rows written")
        table, deleted = bytearray(range(256)), bytearray()
        tokens: list[tuple[bytes, bytes]] = []
        for position, name in enumerate(rows.order or ()):
            index = formats[name]._get_xf_index()
            code = _code(position, name).encode()
            if len(code) == 2 and index < 100:
                tens, ones = code
                table[ones] = ord(str(index % 10))
                if index >= 10:
                    table[tens] = ord(str(index // 10))
                else:
                    deleted.append(tens)
            else:
                tokens.append((code, str(index).encode()))
        self._write_single_row(rows.first)  # flush the row XlsxWriter holds (the header)
        self.fh.flush()
        raw = getattr(self.fh, "buffer", None)  # the row data's file (constant_memory), written to as bytes
        write = raw.write if raw is not None else lambda data: self.fh.write(data.decode("utf-8"))
        with open(rows.path, "rb") as source:
            carry = b""
            while True:
                chunk = source.read(1 << 16)
                data = carry + chunk
                cut = max(data.rfind(b"<"), 0) if chunk and tokens else len(data)  # a code never holds "<"
                data, carry = data[:cut], data[cut:]
                for token, attr in tokens:
                    data = data.replace(token, attr)
                write(data.translate(table, deleted))
                if not chunk:
                    break
        self.previous_row = rows.last

    def _write_optimized_sheet_data(self) -> None:
        """XlsxWriter's, with the rows copied into the sheet's XML as bytes (XlsxWriter decodes and encodes them again)."""
        source, target = getattr(self.row_data_fh, "buffer", None), getattr(self.fh, "buffer", None)
        if self.dim_rowmin is None or source is None or target is None:
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.flush()
        self.fh.flush()
        source.seek(0)
        shutil.copyfileobj(source, target, 1 << 16)
        self.row_data_fh.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _cell_xml(self, attrs: str, value: object, formatted: bool) -> str:
        """One ``<c>`` element, with :func:`_put`'s choice of type."""
        body = self._body(value)
        if body is None:  # a blank cell without a format is not written
            return f"<c{attrs}/>" if formatted else ""
        return f"<c{attrs}{body}"

    def _body(self, value: object) -> str | None:
        """What follows a cell's attributes, with :func:`_put`'s choice of type; ``None`` for a blank cell."""
        if isinstance(value, str):
            if value:
                return _inline_short(value) if len(value) <= _CACHED_CHARS else _inline(value)
        elif isinstance(value, Link):  # as XlsxWriter writes a formula with a text result
            return f' t="str"><f>{self._escape_data(value.formula)}</f><v>{self._escape_data(value.text)}</v></c>'
        elif value is None:
            pass
        elif isinstance(value, bool):
            return _inline("是" if value else "否")
        elif isinstance(value, (int, float)):
            if math.isfinite(value):
                return f"><v>{value:.16G}</v></c>"
            # an overflowing sum is a blank cell, as _put writes it
        elif isinstance(value, (dt.datetime, dt.date)):
            moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
            return f"><v>{self._convert_date_time(moment):.16G}</v></c>"
        else:
            text = str(value)
            return _inline_short(text) if len(text) <= _CACHED_CHARS else _inline(text)
        return None


@dataclass
class _Shape:
    """A formats list's row shape: its cells' ``s`` attributes and, when every cell has one, what surrounds a cell's
    XML (``mids``: the end of its reference and its style; ``afters``: the next cell's start or the row's end) and
    the column memos of a cell's whole text by its value (``blanks`` what they start with)."""

    formats: Sequence[Format | None] | None
    styles: list[str]
    mids: list[str] = field(default_factory=list)
    afters: list[str] = field(default_factory=list)
    blanks: list[dict[object, str]] = field(default_factory=list)
    memos: list[dict[object, str]] | None = None
    seen: bool = False  # a row was written with it (its memos are made when a second one is)
    #: The row at which each column's memo was made or last emptied; -1: the column is memoised no more.
    emptied: list[int] = field(default_factory=list)


#: The types of values a memoised row holds: none of them equals a value of another type that is written otherwise
#: (a bool equals 1 and a Decimal a float: such a row is written cell by cell).
_PLAIN = frozenset((str, int, float, type(None), dt.date, dt.datetime, Link))
_MEMO_CELLS = 256  # a column memo's size
_SHAPES = 64  # the shapes a sheet keeps
_HEIGHTS: dict[float, str] = {}
_OPENINGS: dict[str, bytes] = {}  # a renderer's row start after the row number (its height attributes), as UTF-8


def _height_attrs(height: float) -> str:
    """A row's height attributes as XlsxWriter writes them (it keeps heights in pixels), memoised."""
    pixels = int(height * 4.0 / 3.0 + 0.5)
    attrs = f' ht="{pixels * 0.75:.16g}" customHeight="1"'
    if len(_HEIGHTS) < 256:
        _HEIGHTS[height] = attrs
    return attrs


#: A format's code in rendered rows: two control characters no written text holds (:func:`_inline` escapes them,
#: the rendered sheets hold no link), the first for the tens and the second for the ones digit of its index, for the
#: first 14 formats a renderer uses; a further one is ``\x02`` + its name + ``\x03``.
_CODES = [chr(c) for c in (0x00, 0x01, *range(0x04, 0x09), *range(0x0B, 0x20))]
_MARK, _END_MARK = "\x02", "\x03"


def _code(position: int, name: str) -> str:
    """The code of the format ``name``, the ``position``-th a renderer used."""
    if 2 * position + 1 < len(_CODES):
        return _CODES[2 * position] + _CODES[2 * position + 1]
    return f"{_MARK}{name}{_END_MARK}"


@dataclass
class RenderedRows:
    """Rows of one sheet rendered into the file ``path`` by a :class:`RowRenderer`: the first and last row, the
    widest row's number of columns, the format names in the order of their first use."""

    path: str
    first: int | None = None
    last: int = 0
    columns: int = 0
    order: list[str] | None = None


class RowRenderer(_RowStream):
    """A stand-in worksheet that renders :meth:`append_values` rows into a file, each format as a placeholder
    named after it (``names``), for :meth:`_RowStream.splice` to put into the real sheet later (another process
    may render them). ``order`` records the names' first use; renderers that share it record their common
    order, as the rows of sheets written side by side first use formats."""

    _encoded = True

    def __init__(self, path: str, names: dict[Format, str], order: dict[str, None]) -> None:
        super().__init__()
        self.rows = RenderedRows(path)
        self.names, self.order = names, order
        self.out = open(path, "wb")  # noqa: SIM115 (closed by done()); rows written as UTF-8

    def _style(self, fmt: Format) -> str:
        name = self.names[fmt]
        if name not in self.order:
            self.order[name] = None
        return f' s="{_code(list(self.order).index(name), name)}"'

    def _body(self, value: object) -> str | None:
        if isinstance(value, Link):  # its formula is not escaped as texts are: it could hold a code
            raise TypeError("rendered rows hold no link")
        return super()._body(value)

    def append_values(self, row: int, values: Sequence[object], formats: Sequence[Format | None],
                      height: float | None = None) -> None:
        count = min(len(values), len(formats))
        if not count:
            return
        xml = self._render(row, values, formats, count, height)
        self.out.write(xml if type(xml) is bytes else xml.encode())  # type: ignore[union-attr]
        rows = self.rows
        if rows.first is None:
            rows.first = row
        rows.last = row
        if count > rows.columns:
            rows.columns = count

    def done(self) -> RenderedRows:
        """The rows written (the file closed); the format names in the order shared with other renderers."""
        self.out.close()
        self.rows.order = list(self.order)
        return self.rows


_CACHED_CHARS = 200  # texts up to this long are memoised
#: How many texts the memos keep. The rows of one project (汇总, 项目信息, its ~10 指标明细 rows) are written together,
#: so a small memo catches a project's names and the district's recurring texts; a large one would only fill up with
#: file paths (one each) and make the main process's memory grow with the number of files up to its size.
_MEMO_TEXTS = 1024


def text_lines(text: str, width: float) -> int:
    """:func:`~xltools.core.text.wrapped_lines` of a cell's text in a column ``width`` wide (short texts memoised:
    names, indicators and paths repeat across rows and sheets)."""
    return _lines_short(text, width) if len(text) <= _CACHED_CHARS else wrapped_lines(text, width)


@lru_cache(maxsize=2 * _MEMO_TEXTS)
def _lines_short(text: str, width: float) -> int:
    return wrapped_lines(text, width)


@lru_cache(maxsize=_MEMO_TEXTS)
def _inline_short(text: str) -> str:
    """:func:`_inline`, memoised: unit and project names repeat on every indicator row."""
    return _inline(text)


def _inline(text: str) -> str:
    """What follows a string cell's attributes: its type and the escaped text."""
    if len(text) > _STRMAX // 2:  # Excel's limit counts UTF-16 units; never split a character
        units = 0
        for index, char in enumerate(text):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > _STRMAX:
                text = text[:index]
                break
    if "_x" in text:
        text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    if not text.isprintable():  # control characters, U+FFFE and U+FFFF are not printable (nor are line breaks)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # as the pattern ^\s|\s$ (re's \s is str.isspace; a text ending in a line break ends in a space anyway)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _put(ws, row: int, col: int, value: object, fmt=None) -> None:
    """Write a value by its type; text always as a string (never a formula, link or number)."""
    if isinstance(value, str):
        if value:
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, Link):
        ws.write_formula(row, col, "=" + value.formula, fmt, value.text)
    elif value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        if math.isfinite(value):
            ws.write_number(row, col, value, fmt)
        else:  # an overflowing sum: no number, never "inf" in the workbook
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)
