"""The cells of a worksheet part in its plain form, read by a strict grammar without building an element tree.

The bounded reader (:mod:`xltools.io.xlsxread`) cuts a worksheet part down to its root, ``<sheetData>`` and
``<sheetProtection>`` when it reads cells only (:func:`xltools.io.xlsxcells.cells_document`); building the
element tree of that cut and walking it from Python cost more than a form's scoring. :func:`plain_cells` reads
the cut when it is in the plain form Excel, LibreOffice, WPS, openpyxl and XlsxWriter write. One regular
expression cuts ``<sheetData>`` into tokens (a cell, a row's start tag, a row's end tag) that must cover it
exactly and nest as rows of cells, and every attribute list is checked, so nothing outside this grammar is
ever read this way:

* the root ``<worksheet>`` whose default namespace is SpreadsheetML's, its other attributes well-formed
  (each name once, every prefix declared on it); no other namespace declaration anywhere;
* rows (any attributes, each name once) holding only cells ``<c r="A1" s="3" t="s">`` (``r`` required, then
  ``s`` and ``t`` when present, in that order, nothing else), a cell holding an optional ``<f>``, ``<v>`` and
  ``<is>`` in that order, an inline string a ``<t>`` or rich-text runs (no phonetic runs);
* text with the five predefined entities and character references of characters XML allows; no carriage
  return (the parser would turn it into a line feed), no ``]]>``, no character XML forbids, UTF-8 only;
* a self-closing ``<sheetProtection>``.

Anything else returns ``None`` and the caller parses the cut with the XML parser as before (which also
raises the same error for a part that is not well-formed). What the grammar accepts is well-formed XML and
the records are what the tree gives: tests/test_xlsxsheet.py compares both on every test and benchmark file
and on generated mutations. A row's text is read once per process (the rows of one template's forms repeat
from file to file: labels, empty indicator rows, formulas), so what a file costs is mostly its own rows.
"""

from __future__ import annotations

import re
from functools import cache
from operator import itemgetter
from typing import NamedTuple, TypeVar

from xltools.io.xlsxstrings import NotPlain, unescape

__all__ = ["plain_cells", "PlainSheet", "Record"]

#: One cell as both readers give it: reference, style (``0`` when absent), type (``t``, ``"n"`` when absent),
#: formula text (``None``: no ``<f>``), inline string (``None``: no ``<is>``), ``<v>`` text (``None``: none or
#: empty).
Record = tuple[str, int, str, "str | None", "str | None", "str | None"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: Characters of text and attribute values: not markup, nor a character XML forbids or the parser changes (C0
#: controls, carriage return, U+FFFE, U+FFFF); tab and line feed in text only (the parser turns them into spaces in
#: an attribute value).
_CHAR = "[^<&\x00-\x08\x0b-\x1f\ufffe\uffff]"
_VALUE_CHAR = '[^"<&\x00-\x1f\ufffe\uffff]'
_TEXT = _CHAR + "*(?:&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});" + _CHAR + "*)*"
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?"
_ATTRS = r'(?: ' + _NAME + '="' + _VALUE_CHAR + '*")*'
_T = r'<t(?: xml:space="preserve")?>' + _TEXT + r'</t>|<t(?: xml:space="preserve")? ?/>'
# An empty run property (<sz val="10"/>, <b/>, <color theme="1" tint="0.5"/>): at most two attributes, of
# different names (the parser refuses an attribute given twice).
_VALUE = '="' + _VALUE_CHAR + '*"'
_PROPERTY = r"<[A-Za-z]+(?: (?P<p>[A-Za-z]+)" + _VALUE + r"(?: (?!(?P=p)=)[A-Za-z]+" + _VALUE + r")?)? ?/>"
_RUN = r"<r>(?:<rPr>(?:" + _PROPERTY + r")*</rPr>)?(?:" + _T + r")</r>"
# One token of <sheetData>: a cell (reference, style, type, its <f> element, its <v> text, its <is> element), a
# row's start tag (its attributes) or a row's end tag; the whole token first. findall gives "" for a part that
# is absent, so <f> and <is> are taken whole and read again below (<v></v> and no <v> both mean no value).
_TOKENS = (
    r'(<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?(?: ?/>|>'
    r"(<f" + _ATTRS + r"(?: ?/>|>" + _TEXT + r"</f>))?"
    r"(?:<v ?/>|<v>(" + _TEXT + r")</v>)?"
    r"(<is(?: ?/>|>(?:" + _T + r"|" + _RUN + r")*</is>))?"
    r"</c>)|<row(" + _ATTRS + r")(?: ?/>|>)|</row>)")
_HEAD = (r'\A\ufeff?(?:<\?xml version="1\.0"(?: encoding="(?:UTF-8|utf-8)")?(?: standalone="(?:yes|no)")?\?>)?'
                   r"[ \t\r\n]*<worksheet(" + _ATTRS + r")><sheetData(?: ?(/)>|>)")
_TAIL = r"(?:<sheetProtection(" + _ATTRS + r") ?/>)?</worksheet>\Z"
_SIMPLE = r'<is><t(?: xml:space="preserve")?>([^<]*)</t></is>\Z'
_WHOLE = itemgetter(0)
#: The tokens' shape, one character each: c a cell, w a row's start tag, / its end tag, s a self-closing row.
_NESTING = r"(?:s|wc*/)*"
_FORMULA = r"<f(" + _ATTRS + r")(?: ?/>|>([^<]*)</f>)"
_ROW_START = r"<row(" + _ATTRS + r")>"


class _Grammar(NamedTuple):
    tokens: re.Pattern[str]
    head: re.Pattern[str]
    tail: re.Pattern[str]
    simple: re.Pattern[str]
    nesting: re.Pattern[str]
    formula: re.Pattern[str]
    row_start: re.Pattern[str]


@cache
def _grammar() -> _Grammar:
    """The patterns above, compiled when first used (~3 ms: a check, which reads more than cells, never pays it)."""
    return _Grammar(*map(re.compile, (_TOKENS, _HEAD, _TAIL, _SIMPLE, _NESTING, _FORMULA, _ROW_START)))


@cache
def _attr() -> re.Pattern[str]:
    """An attribute (compiled when first used, as :func:`_text_of`: a sheet xltools wrote needs neither)."""
    return re.compile(r' (' + _NAME + r')="([^"]*)"')


@cache
def _text_of() -> re.Pattern[str]:
    """The texts of a rich inline string."""
    return re.compile(r'<t(?: xml:space="preserve")?>([^<]*)</t>')


#: Attribute lists already checked (rows repeat a few): the list → its names' prefixes, or ``None`` when the
#: list gives a name twice, declares a namespace or uses one local name under two prefixes.
_CHECKED: dict[str, frozenset[str] | None] = {}


def _fits(attributes: str, declared: frozenset[str]) -> bool:
    """Whether an element's attribute list is well-formed under the root's namespace declarations."""
    used = _prefixes(attributes)
    return used is not None and used <= declared


def _prefixes(attributes: str) -> frozenset[str] | None:
    """The prefixes an element's attribute list uses, or ``None`` when the parser could refuse it or read it
    otherwise (a name twice, a namespace declaration, one local name twice under different prefixes)."""
    if attributes in _CHECKED:
        return _CHECKED[attributes]
    names = [name for name, _ in _attr().findall(attributes)]
    local = [name.rpartition(":")[2] for name in names]
    ok = len(set(local)) == len(local) and not any(n == "xmlns" or n.startswith("xmlns:") for n in names)
    prefixes = frozenset(n.partition(":")[0] for n in names if ":" in n) if ok else None
    if len(_CHECKED) >= 4096:
        _CHECKED.clear()
    _CHECKED[attributes] = prefixes
    return prefixes


def _root_prefixes(attributes: str) -> frozenset[str] | None:
    """The prefixes the root declares (``xml`` too), or ``None`` unless its default namespace is SpreadsheetML's
    and its attributes are well-formed as :func:`_prefixes` checks them (declarations aside)."""
    pairs = _attr().findall(attributes)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or dict(pairs).get("xmlns") != _MAIN:
        return None
    declared = {"xml"}
    for name, value in pairs:
        if name.startswith("xmlns:"):
            prefix = name[6:]
            if ":" in prefix or prefix in ("xml", "xmlns") or not value:
                return None
            declared.add(prefix)
    used = [name for name in names if name != "xmlns" and not name.startswith("xmlns:")]
    local = [name.rpartition(":")[2] for name in used]
    if len(set(local)) != len(local) or any(n.partition(":")[0] not in declared for n in used if ":" in n):
        return None
    return frozenset(declared)


class PlainSheet(NamedTuple):
    """What :func:`plain_cells` reads: the non-zero styles by reference (as the tree gives them, the last of a
    reference given twice), the cells with a formula, a value or an inline string as :data:`Record` s in
    document order, and the ``sheet`` attribute of ``<sheetProtection>`` (``None``: no such element or attribute)."""

    styles: dict[str, int]
    records: list[Record]
    protection: str | None


class _Rows(NamedTuple):
    """Rows read from their text: styles and records as in :class:`PlainSheet`, the prefixes their attributes use."""

    styles: dict[str, int]
    records: tuple[Record, ...]
    prefixes: frozenset[str]


class _Cells(NamedTuple):
    """Cells read from their text: the non-zero styles by reference in document order, the records, the prefixes
    their formulas' attributes use."""

    styles: tuple[tuple[str, int], ...]
    records: tuple[Record, ...]
    prefixes: frozenset[str]


#: Rows already read, by their text up to their end tag (the rows of one template's forms repeat from file to
#: file: labels, empty indicator rows, formulas); ``None`` for text not in the plain form.
_ROWS: dict[str, _Rows | None] = {}
_ROWS_KEPT = 4096
#: Cells already read (a row that differs from every row read before, as a row holding what the clerk typed does,
#: still holds mostly cells read before: labels, formulas, formatting), by their text up to a cell's ``</c>``
#: (self-closing cells, then one cell with content), and by the text of the self-closing cells ending a row.
_CELLS: dict[str, _Cells | None] = {}
_ENDS: dict[str, _Cells | None] = {}
_CELLS_KEPT = 16384
_Read = TypeVar("_Read")


def _keep(kept: dict[str, _Read], text: str, read: _Read, most: int) -> _Read:
    """``read`` kept for ``text`` (the dictionary emptied first when it holds ``most``)."""
    if len(kept) >= most:
        kept.clear()
    kept[text] = read
    return read


def forget() -> None:
    """Empty the caches of rows and cells read (tests, benchmarks)."""
    for kept in (_ROWS, _CELLS, _ENDS, _CHECKED):
        kept.clear()


def _read(tokens: list[tuple[str, ...]]) -> tuple[dict[str, int], list[Record], set[str]] | None:
    """Styles, records and attribute prefixes of tokens that tile a text (:data:`_TOKENS`); ``None`` when an
    attribute list could be read otherwise by the parser or a text refers to a character XML forbids."""
    grammar = _grammar()
    prefixes: set[str] = set()
    styles: dict[str, int] = {}
    records: list[Record] = []
    try:
        for _, ref, style, kind, formula, value, inline, attributes, _ in tokens:
            if attributes:  # a row's start tag
                used = _prefixes(attributes)
                if used is None:
                    return None
                prefixes |= used
            if not ref:
                continue
            number = int(style) if style else 0
            if number:
                styles[ref] = number
            if formula:
                attributes, text_of = grammar.formula.match(formula).groups()
                if attributes:
                    used = _prefixes(attributes)
                    if used is None:
                        return None
                    prefixes |= used
                formula = unescape(text_of) if text_of else ""
            elif not value and not inline:  # formatting only
                continue
            else:
                formula = None
            if inline:
                simple = grammar.simple.match(inline)
                inline = (unescape(simple.group(1)) if simple
                          else "".join(map(unescape, _text_of().findall(inline))))
            else:
                inline = None
            records.append((ref, number, kind or "n", formula, inline, unescape(value) if value else None))
    except NotPlain:
        return None
    return styles, records, prefixes


def _read_rows(text: str) -> _Rows | None:
    """The rows in ``text`` (tokens of ``<sheetData>``: self-closing rows, then one row with its end tag),
    or ``None`` when it is not in the plain form."""
    grammar = _grammar()
    tokens = grammar.tokens.findall(text)
    wholes = list(map(_WHOLE, tokens))
    # the tokens cover the text with nothing between them, and cells are only inside rows; "]]>" is not text
    if sum(map(len, wholes)) != len(text) or "]]>" in text or grammar.nesting.fullmatch(
            "".join([w[1] if w[1] != "r" else "s" if w[-2] == "/" else "w" for w in wholes])) is None:
        return None
    read = _read(tokens)
    if read is None:
        return None
    styles, records, prefixes = read
    return _Rows(styles, tuple(records), frozenset(prefixes))


def _read_cells(text: str) -> _Cells | None:
    """The cells in ``text`` (cells only), or ``None`` when it is not in the plain form."""
    tokens = _grammar().tokens.findall(text)
    if sum(map(len, map(_WHOLE, tokens))) != len(text) or "]]>" in text or not all(t[1] for t in tokens):
        return None
    read = _read(tokens)
    if read is None:
        return None
    styles, records, prefixes = read
    return _Cells(tuple(styles.items()), tuple(records), frozenset(prefixes))


def _read_row(piece: str) -> _Rows | None:
    """The row ``piece + "</row>"`` (or the self-closing rows before it, and it), or ``None`` when it is not in the
    plain form. A row's cells are read by the text up to each ``</c>`` (which nothing else in the grammar holds),
    each once per process."""
    start = _grammar().row_start.match(piece)
    if start is None:  # self-closing rows first, or not the plain form: read token by token
        return _read_rows(piece + "</row>")
    prefixes = _prefixes(start.group(1)) if start.group(1) else frozenset()
    if prefixes is None:
        return None
    chunks = piece[start.end():].split("</c>")
    end = chunks.pop()
    styles: dict[str, int] = {}
    records: list[Record] = []
    known = _CELLS.get
    for chunk in chunks:
        cells = known(chunk, False)
        if cells is False:
            cells = _keep(_CELLS, chunk, _read_cells(chunk + "</c>"), _CELLS_KEPT)
        if cells is None:
            return None
        if cells.styles:
            styles.update(cells.styles)
        records += cells.records
        if cells.prefixes:
            prefixes |= cells.prefixes
    if end:
        cells = _ENDS.get(end, False)
        if cells is False:
            cells = _keep(_ENDS, end, _read_cells(end), _CELLS_KEPT)
        if cells is None:
            return None
        styles.update(cells.styles)
        records.extend(cells.records)
    return _Rows(styles, tuple(records), frozenset(prefixes))


def plain_cells(cut: bytes) -> PlainSheet | None:
    """The cells of a cut worksheet part (:func:`~xltools.io.xlsxcells.cells_document`), or ``None`` when the
    cut is not in the plain form."""
    try:
        text = cut.decode("utf-8")
    except UnicodeDecodeError:
        return None
    grammar = _grammar()
    head = grammar.head.match(text)
    if head is None:
        return None
    declared = _root_prefixes(head.group(1))
    if declared is None:
        return None
    start = stop = end = head.end()  # the rows are text[start:stop]; </sheetData> ends at end
    if not head.group(2):  # not <sheetData/>
        stop = text.find("</sheetData>", start)
        if stop < 0:
            return None
        end = stop + len("</sheetData>")
    tail = grammar.tail.match(text, end)
    if tail is None:
        return None
    protection = None
    if tail.group(1):
        if not _fits(tail.group(1), declared):
            return None
        protection = dict(_attr().findall(tail.group(1))).get("sheet")
    styles: dict[str, int] = {}
    records: list[Record] = []
    # "</row>" ends a row wherever it appears ("<" is never in text or attribute values): each piece is one
    # row (after any self-closing ones), read once per process; the last piece may hold self-closing rows only.
    # Every character of the cut is matched by the head, a row's tokens or the tail, whose patterns refuse
    # what XML forbids (and "]]>" in text).
    pieces = text[start:stop].split("</row>")
    last = pieces.pop()
    for piece in pieces:
        rows = _ROWS.get(piece, False)
        if rows is False:
            rows = _keep(_ROWS, piece, _read_row(piece), _ROWS_KEPT)
        if rows is None or not rows.prefixes <= declared:
            return None
        styles.update(rows.styles)
        records.extend(rows.records)
    if last:
        rows = _read_rows(last)
        if rows is None or not rows.prefixes <= declared:
            return None
        styles.update(rows.styles)
        records.extend(rows.records)
    return PlainSheet(styles, records, protection)
