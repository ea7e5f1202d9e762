"""The shared strings read without a tree are exactly what the XML parser reads, or not read that way.

The oracle is the element tree of the C XML parser, walked here on its own (the reader's old path):
each ``<si>``'s ``<t>`` or its runs' ``<t>``, never phonetic runs.
"""

from __future__ import annotations

import io
import os
import zipfile
from xml.etree.ElementTree import ParseError, fromstring
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.io.xlsxread import WorkbookReadError, read_workbook
from xltools.io.xlsxstrings import plain_shared_strings

from xltools.excel.fill import fill_workbook
from xltools.form.layout import SHEET, Layout
from xltools.io import xlsxread
from xltools.io.engine import convert

from .forms import seed_form
from .fuzzkit import SEEDS, parts, with_part, with_shared_strings, xml_mutant
from .lo import soffice  # noqa: F401 - fixture

CELL = Layout().spot("project_name").cell  # of template 1.0, as the fixtures in tests/fixtures/v1_0
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}" count="3" uniqueCount="3">'
RUN_PROPERTIES = '<rPr><sz val="10"/><color rgb="FF000000"/><rFont val="宋体"/><family val="2"/><charset val="134"/></rPr>'


def tree_strings(data: bytes) -> list[str]:
    root = fromstring(data)
    out = []
    for si in root.iter(f"{{{NS}}}si"):
        pieces = []
        for child in si:
            if child.tag == f"{{{NS}}}t":
                pieces.append(child.text or "")
            elif child.tag == f"{{{NS}}}r":
                pieces.extend(t.text or "" for t in child if t.tag == f"{{{NS}}}t")
        out.append("".join(pieces))
    return out


def part(*items: str) -> bytes:
    return (HEAD + "".join(items) + "</sst>").encode()


def test_libreoffice_rich_text_runs_read_as_the_tree_reads_them():
    data = part(f'<si><r>{RUN_PROPERTIES}<t xml:space="preserve">开展活动次数不少于</t></r>'
                f'<r><rPr><b/><sz val="10"/><color theme="1" tint="0.5"/></rPr><t xml:space="preserve">20</t></r>'
                f'<r><t>次。</t></r></si>',
                '<si><t xml:space="preserve">项目资金&#10;（万元）</t></si>', "<si/>", "<si><t/></si>",
                "<si><t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x4e2d;&#25991;</t></si>")
    assert plain_shared_strings(data) == tree_strings(data) == [
        "开展活动次数不少于20次。", "项目资金\n（万元）", "", "", "a & b <c> \"d\" 'e' 中文"]


# Every character XML allows in text, including those that need escaping, line breaks, tabs and
# characters outside the basic plane.
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\ufffe\uffff",
                              min_codepoint=0x9).filter(lambda ch: ch in "\t\n" or ch >= " "), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(_TEXT, min_size=1, max_size=3), st.booleans()), max_size=8))
def test_any_plain_text_reads_as_the_tree_reads_it(items):
    xml = []
    for texts, rich in items:
        if rich:
            xml.append("<si>" + "".join(f'<r>{RUN_PROPERTIES}<t xml:space="preserve">{escape(t)}</t></r>'
                                        for t in texts) + "</si>")
        else:
            xml.append(f'<si><t xml:space="preserve">{escape(texts[0])}</t></si>')
    data = part(*xml)
    assert plain_shared_strings(data) == tree_strings(data)


@pytest.mark.parametrize("odd", [
    '<si><t>a</t><rPh sb="0" eb="1"><t>ア</t></rPh></si>',        # phonetic run: not part of the text
    "<si><t>a<!-- note --></t></si>",                              # comment
    "<si><t><![CDATA[a<b]]></t></si>",                             # CDATA section
    '<si><x:t xmlns:x="' + NS + '">a</x:t></si>',                  # prefixed element
    "<si><t>a\r\nb</t></si>",                                      # the parser turns CR LF into LF
    "<si><t>&#0;</t></si>",                                        # a character XML forbids
    "<si><t>&#xD800;</t></si>",                                    # a surrogate
    "<si><t>a]]>b</t></si>",                                       # not allowed in text
    "<si><t>a</si>",                                               # not well-formed
    "<si><t>a &nbsp; b</t></si>",                                  # an HTML entity: undefined in XML
    '<si><extLst><ext uri="x"/></extLst><t>a</t></si>',            # an element the grammar does not know
    '<si><r><rPr><sz val="1" val="2"/></rPr><t>a</t></r></si>',    # an attribute given twice
    '<si><r><rPr><color theme="1" tint="0.5" rgb="FF000000"/></rPr><t>a</t></r></si>',  # three attributes
])
def test_anything_outside_the_plain_grammar_is_left_to_the_parser(odd):
    assert plain_shared_strings(part("<si><t>x</t></si>", odd)) is None


def test_bytes_that_are_not_utf8_anywhere_are_left_to_the_parser():
    """Also in a run property's attribute value, which holds no text read (the parser refuses the part)."""
    data = part('<si><r><rPr><rFont val="X"/></rPr><t>a</t></r></si>').replace(b'"X"', b'"\xff"')
    with pytest.raises(ParseError):
        fromstring(data)
    assert plain_shared_strings(data) is None


@pytest.mark.parametrize("items", [
    ["<si/>", "<si><t>a</t></si>"], ["<si><t>a</t></si>", "<si/>"], ["<si/>", "<si/>"], ["<si/>"], [],
    ["\n <si/>\n<si/> <si><t>a</t></si>\n<si/>\n"], ["<si><t>a</t></si>", "<si/>", "<si><t>b</t></si>"],
])
def test_empty_items_anywhere_read_as_the_tree_reads_them(items):
    data = part(*items)
    assert plain_shared_strings(data) == tree_strings(data)
    assert plain_shared_strings(data) == tree_strings(data)  # the second time from the item cache


def test_an_item_read_before_reads_the_same_in_another_part():
    """Items are kept by their bytes between parts: the same item reads the same, a changed one is read anew,
    a broken one is refused even when the items around it were read before."""
    first = part("<si><t>标签</t></si>", "<si><t>甲 &amp; 乙</t></si>")
    second = part("<si><t>标签</t></si>", "<si><t>甲 &amp; 丙</t></si>")
    assert plain_shared_strings(first) == ["标签", "甲 & 乙"]
    assert plain_shared_strings(second) == ["标签", "甲 & 丙"]
    assert plain_shared_strings(part("<si><t>标签</t></si>", "<si><t>甲 &#0; 乙</t></si>")) is None
    assert plain_shared_strings(part("<si><t>标签</t></si>", "<si><t>甲 乙</si>")) is None
    assert plain_shared_strings(part("<si><t>标签</t></si>", "<si><t>甲 &amp; 乙</t></si>") + b"<x/>") is None


def test_count_given_twice_is_left_to_the_parser():
    assert plain_shared_strings(part("<si><t>x</t></si>").replace(b'count="3"', b'count="3" count="3"')) is None


def test_other_encodings_and_namespaces_are_left_to_the_parser():
    assert plain_shared_strings(part("<si><t>x</t></si>").replace(b"UTF-8", b"GBK")) is None
    assert plain_shared_strings(part("<si><t>x</t></si>").replace(NS.encode(), b"urn:other")) is None
    assert plain_shared_strings(b"<sst xmlns='" + NS.encode() + b"'><si><t>x</t></si></sst>") is None  # ' quotes
    assert plain_shared_strings(part("<si><t>\xff</t></si>").replace("\xff".encode(), b"\xff")) is None  # not UTF-8


@pytest.mark.parametrize("items, expected", [
    ('<si><t>a</t><rPh sb="0" eb="1"><t>ア</t></rPh></si>', "a"),
    ("<si><t>a<!-- note -->b</t></si>", "ab"),  # the parser drops the comment
])
def test_a_workbook_outside_the_grammar_still_reads(items, expected):
    book = read_workbook(with_shared_strings(SEEDS[0].read_bytes(), items.encode(), CELL.encode()))
    assert book.sheets[SHEET].value(CELL) == expected


@pytest.mark.parametrize("items", ["<si><t>a</si>", "<si><t>&#0;</t></si>", "<si><t>a]]>b</t></si>"])
def test_a_broken_part_fails_as_it_failed_before(items):
    data = with_shared_strings(SEEDS[0].read_bytes(), items.encode(), CELL.encode())
    with pytest.raises(WorkbookReadError) as caught:
        read_workbook(data)
    assert caught.value.fate == "unreadable" and "XML 无效" in caught.value.reason
    sst = parts(data)["xl/sharedStrings.xml"]
    with pytest.raises(ParseError):
        fromstring(sst)


@pytest.fixture(scope="module")
def libreoffice_resaved(tmp_path_factory, soffice) -> bytes:  # noqa: F811 - the fixture above
    """The seed form filled by xltools (inline strings), then saved again by LibreOffice (shared strings)."""
    folder = tmp_path_factory.mktemp("lo-strings")
    fill_workbook(seed_form(), folder / "seed.xlsx")
    (resaved,) = convert([folder / "seed.xlsx"], folder / "out", "xlsx")
    return resaved.read_bytes()


def test_a_real_libreoffice_resave_reads_the_same_both_ways(libreoffice_resaved, monkeypatch):
    with zipfile.ZipFile(io.BytesIO(libreoffice_resaved)) as archive:
        data = archive.read("xl/sharedStrings.xml")
    fast = plain_shared_strings(data)
    assert fast is not None and len(fast) > 50 and "<r>" in data.decode()  # rich-text runs, read fast
    assert fast == tree_strings(data)
    book = read_workbook(libreoffice_resaved)
    monkeypatch.setattr(xlsxread, "plain_shared_strings", lambda _data: None)  # the parser's path
    slow = read_workbook(libreoffice_resaved)
    assert {n: s.values for n, s in book.sheets.items()} == {n: s.values for n, s in slow.sheets.items()}


EXAMPLES = int(os.environ.get("XLTOOLS_FUZZ_EXAMPLES", "25"))


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutations_of_a_libreoffice_string_table_read_as_the_tree_reads_them(libreoffice_resaved, data):
    """Thousands with ``make fuzz``: a mutated real table is read as the tree reads it, or left to the parser."""
    sst = parts(libreoffice_resaved)["xl/sharedStrings.xml"]
    xml = data.draw(xml_mutant([sst], b"<si>", b"</sst>"))
    try:
        tree = tree_strings(xml)
    except ParseError:
        tree = None
    fast = plain_shared_strings(xml)
    assert fast is None or fast == tree
    if tree is None:  # not XML: the reader refuses it whichever path it takes
        with pytest.raises(WorkbookReadError):
            read_workbook(with_part(libreoffice_resaved, "xl/sharedStrings.xml", xml))


def _as_references(text: str, picks: list[int]) -> str:
    """``text`` escaped as XML, characters at ``picks`` written as decimal or hexadecimal references."""
    out = []
    for i, ch in enumerate(text):
        if i in picks:
            out.append(f"&#{ord(ch)};" if i % 2 else f"&#x{ord(ch):x};")
        else:
            out.append(escape(ch, {'"': "&quot;", "'": "&apos;"}))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.lists(st.integers(0, 29), max_size=30))
def test_unescape_gives_what_the_parser_gives(text, picks):
    from xltools.io.xlsxstrings import unescape

    raw = _as_references(text, picks)
    assert unescape(raw) == (fromstring(f"<t>{raw}</t>").text or "")


@pytest.mark.parametrize("raw", ["&amp;#38;", "&#38;lt;", "&#x26;amp;", "a&#10;b&amp;c&#x9;", "&#38;&#38;#38;",
                                 "&lt;&#20013;&gt;&#x4E2D;&quot;&apos;", "&#0000065;", "&#x1F600;"])
def test_unescape_of_references_next_to_entities(raw):
    from xltools.io.xlsxstrings import unescape

    assert unescape(raw) == fromstring(f"<t>{raw}</t>").text


@pytest.mark.parametrize("raw", ["&#0;", "&#x1;", "&#xD800;", "&#xFFFE;", "&#1114112;", "a&#8;b"])
def test_unescape_refuses_references_to_characters_xml_forbids(raw):
    from xltools.io.xlsxstrings import NotPlain, unescape

    with pytest.raises(ParseError):
        fromstring(f"<t>{raw}</t>")
    with pytest.raises(NotPlain):
        unescape(raw)
