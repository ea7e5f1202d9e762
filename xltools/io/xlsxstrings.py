"""The shared-string table of a workbook in its plain form, read without building an element tree.

LibreOffice writes every string of a form to ``xl/sharedStrings.xml``, most of them as rich-text runs
with a font description each (``<r><rPr><sz/><color/><rFont/><family/></rPr><t>…</t></r>``); building
the element tree of that part cost more than reading the whole form sheet. :func:`plain_shared_strings`
reads the part when it is in the plain form these writers use — checked against a strict grammar, item
by item (an item read before in this process is known), so nothing outside that grammar (comments, CDATA,
prefixed or unknown elements, phonetic runs, other encodings, carriage returns, characters XML
forbids) is ever read this way: it returns ``None`` and the caller parses the part with the XML parser
as before, which also raises the same error for a part that is not well-formed.

What the grammar accepts is well-formed XML, and the strings are the ones the XML parser yields: the
text of each item's ``<t>`` or of its runs' ``<t>``, entity and character references resolved.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

__all__ = ["plain_shared_strings", "unescape", "NotPlain"]

# A text node: any character XML allows in text except the two that start markup, or a reference to
# one of the five predefined entities or to a character (checked once resolved).
_CHARS = rb"[^<&\x00-\x08\x0b-\x1f]*"
_TEXT = _CHARS + rb"(?:&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});" + _CHARS + rb")*"
_T = rb'<t(?: xml:space="preserve")?>' + _TEXT + rb"</t>|<t(?: xml:space=\"preserve\")?/>"
# An empty run-property element such as <sz val="10"/>, <rFont val="宋体"/>, <b/>, <color theme="1" tint="0.5"/>:
# at most two attributes, of different names (the parser refuses an attribute given twice).
_VALUE = rb'="[^"<>&\x00-\x1f]*"'
_PROPERTY = rb"<[A-Za-z]+(?: ([A-Za-z]+)" + _VALUE + rb"(?: (?!\1=)[A-Za-z]+" + _VALUE + rb")?)?/>"
_RUN = rb"<r>(?:<rPr>(?:" + _PROPERTY + rb")*</rPr>)?(?:" + _T + rb")</r>"
_ITEM = rb"<si>(?:" + _T + rb"|" + _RUN + rb")*"  # up to its "</si>"
_SPACE = rb"[ \t\n]*"  # between elements: ignored by the tree reading too
_EMPTY = rb"(?:" + _SPACE + rb"<si/>)*" + _SPACE  # empty items, and the space before the next
_MAIN = rb'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_HEAD = (rb'(?:<\?xml version="1\.0" encoding="(?:UTF-8|utf-8)"(?: standalone="(?:yes|no)")?\?>)?\s*'
         rb"<sst " + _MAIN + rb'(?: count="[0-9]+")?(?: uniqueCount="[0-9]+")?>')
#: What ends at an item's "</si>": empty items, space, the item's start tag and content.
_PIECE = _EMPTY + _ITEM
_END = _EMPTY + rb"</sst>[ \t\n]*"


class _Grammar(NamedTuple):
    head: re.Pattern[bytes]
    piece: re.Pattern[bytes]
    end: re.Pattern[bytes]


@cache
def _grammar() -> _Grammar:
    """The patterns above, compiled when first used (~2 ms: a check of a form written by xltools never uses them)."""
    return _Grammar(*map(re.compile, (_HEAD, _PIECE, _END)))


@cache
def _text_of() -> re.Pattern[bytes]:
    """The texts of a shared string item that is not one plain text (compiled when first used)."""
    return re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t>')


#: Characters of references already resolved, by the reference's code.
_CODES: dict[str, str] = {}


#: Items already read, by the bytes of their piece (the labels of one template's forms repeat from file to file).
_ITEMS: dict[bytes, str | tuple[str, ...]] = {}
_ITEMS_KEPT = 8192


class NotPlain(Exception):
    """A character reference to a character XML does not allow: left to the XML parser to refuse."""


def _character(code: str) -> str:
    """The character of a reference's code (``20013``, ``x4e2d``); :class:`NotPlain` for one XML does not allow."""
    char = _CODES.get(code)
    if char is None:
        number = int(code[1:], 16) if code[0] == "x" else int(code)
        if not (number in (0x9, 0xA, 0xD) or 0x20 <= number <= 0xD7FF or 0xE000 <= number <= 0xFFFD
                or 0x10000 <= number <= 0x10FFFF):
            raise NotPlain
        char = chr(number)
        if len(_CODES) < 65536:
            _CODES[code] = char
    return char


def _named(text: str) -> str:
    """``text`` with the five predefined entities replaced (``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``)."""
    if "&" not in text:
        return text
    return (text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'")
            .replace("&amp;", "&"))


def unescape(raw: str) -> str:
    """Text as the XML parser gives it, from text that matched a grammar allowing only the five entities and
    character references; :class:`NotPlain` for a reference to a character XML does not allow. openpyxl (with
    lxml) writes every non-ASCII character as a reference, so they are cut apart at ``&#`` (which only ever
    starts one) rather than matched one by one."""
    if "&" not in raw:
        return raw
    if "&#" not in raw:
        return _named(raw)
    pieces = raw.split("&#")
    out = [_named(pieces[0])]
    for piece in pieces[1:]:
        code, _, rest = piece.partition(";")
        out.append(_character(code))
        if rest:
            out.append(_named(rest))
    return "".join(out)


def plain_shared_strings(data: bytes) -> list[str] | None:
    """The strings of a shared-string part in the plain form, in order; ``None`` when it is not.

    ``data`` has already passed the reader's checks (no DTD, bounded size). The part is the head
    (``<sst …>``), then pieces each ending at an item's ``</si>`` — which nothing else in the grammar
    contains, so splitting there cuts exactly the items —, then ``</sst>``. A piece is checked against the
    grammar (and read) once per process: its text depends on its bytes alone, and the labels of one
    template's forms repeat from file to file, so what a part costs is mostly its own texts.
    """
    grammar = _grammar()
    head = grammar.head.match(data)
    if head is None:
        return None
    pieces = data[head.end():].split(b"</si>")
    end = grammar.end.fullmatch(pieces.pop())
    if end is None:
        return None
    strings: list[str] = []
    known = _ITEMS.get
    try:
        for piece in pieces:
            text = known(piece)
            if text is None:
                text = _read_piece(piece)
                if text is None:
                    return None
                if len(_ITEMS) >= _ITEMS_KEPT:
                    _ITEMS.clear()
                _ITEMS[piece] = text
            if type(text) is tuple:  # empty items before this one
                strings.extend(text)
            else:
                strings.append(text)
    except NotPlain:  # a reference to a character XML forbids: the parser refuses it with its own message
        return None
    strings.extend([""] * end.group(0).count(b"<si/>"))
    return strings


def _read_piece(piece: bytes) -> str | tuple[str, ...] | None:
    """The text of the item a piece ends with (with an empty string before it for each ``<si/>`` first, as a
    tuple), or ``None`` when the piece is not in the plain form."""
    # "]]>" in text and U+FFFE/U+FFFF are not XML, nor is a byte sequence that is not UTF-8 anywhere
    # (attribute values too): the parser refuses them
    if (b"]]>" in piece or b"\xef\xbf\xbe" in piece or b"\xef\xbf\xbf" in piece
            or _grammar().piece.fullmatch(piece) is None):
        return None
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return None
    start = piece.rfind(b"<si>")
    texts = _text_of().findall(piece, start)
    text = unescape((texts[0] if len(texts) == 1 else b"".join(texts)).decode("utf-8"))
    empty = piece.count(b"<si/>", 0, start)
    return (*[""] * empty, text) if empty else text
