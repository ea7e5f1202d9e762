"""The form sheet read by the strict grammar (xltools.io.xlsxsheet) is exactly what the XML parser's tree gives,
or it is not read that way (the reader then parses it as before) — never a different result.

The oracle is the reader itself with the grammar switched off (``plain_cells`` returning ``None``): the same
workbook read both ways must give the same values, formulas, styles and protection of every sheet, or the
same error. Checked on every workbook of the tests and of the benchmark's kinds (xltools-written forms of
every template version, LibreOffice re-saves, openpyxl's character references), and on generated mutations
of their sheet XML (hypothesis; ``XLTOOLS_FUZZ_EXAMPLES`` examples per strategy: 25 in ``make test``, 2,000
in ``make fuzz``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.excel.fill import fill_workbook
from xltools.io import xlsxread, xlsxsheet
from xltools.io.engine import convert
from xltools.io.xlsxcells import cells_document
from xltools.io.xlsxread import WorkbookReadError, read_workbook
from xltools.io.xlsxsheet import plain_cells

from .forms import clean_form, seed_form, twenty_findings_form
from .fuzzkit import SEEDS, parts, with_part, xml_mutant
from .lo import soffice  # noqa: F401 - fixture

EXAMPLES = int(os.environ.get("XLTOOLS_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SHEET_PART = "xl/worksheets/sheet1.xml"
ROOT = Path(__file__).resolve().parent.parent
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def outcome(data: bytes, fast: bool) -> object:
    """Every sheet of the workbook ``data`` as read for combine (cells only), or the error, with the grammar
    on (``fast``) or off."""
    saved = xlsxread.plain_cells
    xlsxread.plain_cells = saved if fast else (lambda _cut: None)
    try:
        book = read_workbook(data, cells_only=True)
    except WorkbookReadError as exc:
        return ("error", exc.fate, exc.reason)
    finally:
        xlsxread.plain_cells = saved
    return {name: (s.values, s.formulas, s.styles, s.protected) for name, s in book.sheets.items()}


def read_fast(cut: bytes) -> bool:
    """Whether the grammar reads ``cut`` (rows read from scratch, not from the cache)."""
    xlsxsheet.forget()
    return plain_cells(cut) is not None


def same_both_ways(data: bytes, *warm: bytes) -> None:
    """``data`` read the same by the grammar from empty caches, by the tree, by the grammar again (its rows now
    cached), and after the workbooks ``warm`` (a mutation's source: the rows it changed still hold cells read
    before, as a form's rows hold the template's labels and formulas)."""
    xlsxsheet.forget()
    fast = outcome(data, True)
    assert fast == outcome(data, False)
    assert outcome(data, True) == fast  # every row from the cache
    if warm:
        xlsxsheet.forget()
        for book in warm:
            outcome(book, True)
        assert outcome(data, True) == fast


# --- real workbooks -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Forms as xltools writes them today (openpyxl: character references when lxml is installed)."""
    folder = tmp_path_factory.mktemp("sheet-written")
    forms = {"clean": clean_form(), "seed": seed_form(), "busy": twenty_findings_form()}
    return {name: fill_workbook(form, folder / f"{name}.xlsx").read_bytes() for name, form in forms.items()}


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory, written: dict[str, bytes], soffice) -> dict[str, bytes]:  # noqa: F811
    """The same forms saved again by LibreOffice (shared strings, rich text, its own root and row attributes)."""
    folder = tmp_path_factory.mktemp("sheet-resaved")
    sources = []
    for name, data in written.items():
        (folder / f"{name}.xlsx").write_bytes(data)
        sources.append(folder / f"{name}.xlsx")
    return {path.stem: path.read_bytes() for path in convert(sources, folder / "out", "xlsx")}


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory: pytest.TempPathFactory, soffice) -> dict[str, bytes]:  # noqa: F811
    """Files of the benchmark's corpus (benchmarks/corpus.py): demo forms of three seeds written by xltools
    and re-saved by LibreOffice, numbered as the benchmark numbers them."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import build_bases, files_of, generate_tree

    folder = tmp_path_factory.mktemp("sheet-bench")
    bases = build_bases(folder / "bases", generated=3, resaved=3, seeds=(7, 11, 23), log=lambda _: None)
    generate_tree(folder / "tree", 12, bases)
    return {path.name: path.read_bytes() for path in files_of(folder / "tree")}


def every_workbook(written: dict[str, bytes], resaved: dict[str, bytes], bench: dict[str, bytes]) -> dict[str, bytes]:
    found = {f"fixture {p.name}": p.read_bytes() for p in SEEDS}
    found.update({f"benchmark {k}": v for k, v in bench.items()})
    found.update({f"template {p.name}": p.read_bytes() for p in (ROOT / "workbook_templates").glob("*.xls[xm]")})
    found.update({f"written {k}": v for k, v in written.items()})
    found.update({f"resaved {k}": v for k, v in resaved.items()})
    return found


def test_every_real_workbook_reads_the_same_and_by_the_grammar(written, resaved, bench_files):
    books = every_workbook(written, resaved, bench_files)
    assert len(books) >= 30
    for name, data in books.items():
        same_both_ways(data)
        for part, xml in parts(data).items():
            if part.startswith("xl/worksheets/sheet"):
                cut = cells_document(xml)
                assert cut is not None and read_fast(cut), (name, part)  # none of them needs the parser


def test_character_references_as_openpyxl_writes_them_are_read(written):
    xml = parts(written["clean"])[SHEET_PART]
    assert re.search(rb"&#[0-9]{4,5};", xml)  # openpyxl + lxml: non-ASCII text as references
    cut = cells_document(xml)
    assert read_fast(cut)
    values = read_workbook(written["clean"], cells_only=True).sheets["自评表"].values
    assert values["A2"] == "朝阳区项目支出绩效自评表"


# --- hand-made cases ------------------------------------------------------------------------------------

ROW = '<row r="4" spans="1:3">{cells}</row>'


def sheet(cells: str, *, root: str = f'xmlns="{NS}"', row: str = ROW, protection: str = '<sheetProtection sheet="1"/>') -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {root}><dimension ref="A1"/>'
            f"<sheetData>{row.format(cells=cells)}</sheetData>{protection}<pageMargins left=\"0.7\"/></worksheet>").encode()


READ_FAST = {
    "inline": '<c r="B4" s="6" t="inlineStr"><is><t>楼本体</t></is></c>',
    "inline, runs": '<c r="B4" t="inlineStr"><is><r><rPr><b/><sz val="10"/></rPr><t xml:space="preserve">a </t></r>'
                    "<r><t>b</t></r></is></c>",
    "inline, two t": '<c r="B4" t="inlineStr"><is><t>a</t><t>b</t></is></c>',
    "inline, empty": '<c r="B4" t="inlineStr"><is/></c><c r="C4" t="inlineStr"><is><t/></is></c>',
    "references": '<c r="B4" t="str"><f>IF(A1&gt;0,"&#20010;&amp;","&quot;")</f><v>&#x4e2d;&lt;&#10;</v></c>',
    "shared string": '<c r="B4" s="3" t="s"><v>0</v></c>',
    "numbers": '<c r="B4"><v>1.5</v></c><c r="C4" t="n"><v>45688</v></c><c r="D4" s="0"><v>-0</v></c>',
    "empty value": '<c r="B4"><v/></c><c r="C4"><v></v></c><c r="D4" s="2"></c><c r="E4" s="2" />',
    "formula forms": '<c r="B4"><f t="shared" ref="B4:B9" si="0">A1</f><v>1</v></c><c r="B5"><f t="shared" si="0"/>'
                     "<v>2</v></c><c r=\"B6\"><f></f></c><c r=\"B7\"><f aca=\"false\">1</f><v /></c>",
    "booleans, errors, dates": '<c r="B4" t="b"><v>1</v></c><c r="C4" t="e"><v>#REF!</v></c>'
                               '<c r="D4" t="d"><v>2024-01-31T00:00:00Z</v></c>',
    "duplicate reference": '<c r="B4" s="5"><v>1</v></c><c r="B4"><v>2</v></c>',
    "duplicate reference, styles": '<c r="B4" s="5"><v>1</v></c><c r="B4" s="7"/><c r="C4" s="7"/><c r="C4" s="0"><v>3</v></c>',
    "text with > and ]": '<c r="B4" t="str"><v>a > b ] c</v></c>',
}


@pytest.mark.parametrize("cells", READ_FAST.values(), ids=READ_FAST.keys())
def test_plain_cells_read_by_the_grammar_as_the_tree_reads_them(cells):
    xml = sheet(cells)
    assert read_fast(cells_document(xml))
    same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, xml))


LEFT_TO_THE_PARSER = {
    "duplicate row attribute": ('<c r="B4"><v>1</v></c>', {"row": '<row r="4" r="5">{cells}</row>'}),
    "duplicate cell attribute": ('<c r="B4" r="B5"><v>1</v></c>', {}),
    "duplicate formula attribute": ('<c r="B4"><f t="shared" t="array">1</f></c>', {}),
    "attributes in another order": ('<c r="B4" t="n" s="1"><v>1</v></c>', {}),
    "cell without reference": ('<c s="1"><v>1</v></c>', {}),
    "phonetic run": ('<c r="B4" t="inlineStr"><is><t>a</t><rPh sb="0" eb="1"><t>ア</t></rPh></is></c>', {}),
    "comment": ('<c r="B4"><v>1<!-- x --></v></c>', {}),
    "CDATA": ('<c r="B4" t="str"><v><![CDATA[a<b]]></v></c>', {}),
    "carriage return": ('<c r="B4" t="str"><v>a\r\nb</v></c>', {}),
    "undefined entity": ('<c r="B4" t="str"><v>a&nbsp;b</v></c>', {}),
    "forbidden character reference": ('<c r="B4" t="str"><v>&#1;</v></c>', {}),
    "surrogate reference": ('<c r="B4" t="str"><v>&#xD800;</v></c>', {}),
    "prefixed element": (f'<x:c xmlns:x="{NS}" r="B4"><x:v>1</x:v></x:c>', {}),
    "undeclared attribute prefix": ('<c r="B4"><v>1</v></c>', {"row": '<row r="4" x14ac:dyDescent="0.25">{cells}</row>'}),
    "other default namespace": ('<c r="B4"><v>1</v></c>', {"root": 'xmlns="urn:other"'}),
    "namespace declared on a row": ('<c r="B4"><v>1</v></c>', {"row": '<row r="4" xmlns="urn:other">{cells}</row>'}),
    "one local name under two prefixes": ('<c r="B4"><v>1</v></c>', {
        "root": f'xmlns="{NS}" xmlns:a="urn:x" xmlns:b="urn:x"', "row": '<row r="4" a:h="1" b:h="2">{cells}</row>'}),
    "single quotes": ("<c r='B4'><v>1</v></c>", {}),
    "whitespace between cells": ('<c r="B4"><v>1</v></c>\n<c r="C4"><v>2</v></c>', {}),
    "value before formula": ('<c r="B4"><v>1</v><f>A1</f></c>', {}),
    "unknown child": ('<c r="B4"><v>1</v><extLst/></c>', {}),
    "cell outside a row": ('<c r="B4"><v>1</v></c>', {"row": '{cells}<row r="5"/>'}),
    "not well-formed": ('<c r="B4"><v>1</c>', {}),
    "protection with content": ('<c r="B4"><v>1</v></c>', {"protection": '<sheetProtection sheet="1"></sheetProtection>'}),
}


@pytest.mark.parametrize(("cells", "changes"), LEFT_TO_THE_PARSER.values(), ids=LEFT_TO_THE_PARSER.keys())
def test_anything_outside_the_grammar_is_left_to_the_parser(cells, changes):
    xml = sheet(cells, **changes)
    cut = cells_document(xml)
    assert cut is None or not read_fast(cut)
    same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, xml))


def test_prefixed_attributes_declared_on_the_root_as_excel_writes_them_are_read():
    root = (f'xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"')
    xml = sheet('<c r="B4" s="1"><v>1</v></c>', root=root, row='<row r="4" spans="1:3" x14ac:dyDescent="0.25">{cells}</row>')
    assert read_fast(cells_document(xml))
    same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, xml))


def test_a_row_read_before_is_not_taken_for_one_under_other_declarations():
    row = '<row r="4" x14ac:dyDescent="0.25">{cells}</row>'
    declared = f'xmlns="{NS}" xmlns:x14ac="urn:ac"'
    xlsxsheet.forget()
    assert plain_cells(cells_document(sheet('<c r="B4"><v>1</v></c>', root=declared, row=row))) is not None
    # the same row text, now cached, under a root that does not declare the prefix
    assert plain_cells(cells_document(sheet('<c r="B4"><v>1</v></c>', row=row))) is None


CELLS_READ_BEFORE = '<c r="B4" s="6" t="inlineStr"><is><t>标签</t></is></c><c r="C4" s="2"/><c r="D4"><f>SUM(A1:A3)</f><v>6</v></c>'


@pytest.mark.parametrize(("changed", "fast"), [
    ('<c r="E4" t="str"><v>新</v></c>', True),                      # a new cell beside cells read before
    ('<c r="E4" r="E5"><v>1</v></c>', False),                      # … given an attribute twice
    ('<c r="E4" t="str"><v>a]]>b</v></c>', False),                  # … with "]]>" in its text
    ('<c r="E4" t="str"><v>a\x01b</v></c>', False),                 # … with a character XML forbids
    ('<c r="E4" t="str"><v>a\rb</v></c>', False),                   # … with a carriage return
    ('<c r="E4" t="str"><v>\ufffe</v></c>', False),                 # … with U+FFFE
    ('<c r="E4" t="str"><v>&#1;</v></c>', False),                   # … referring to a character XML forbids
    ('<c r="E4" s="2"/></c>', False),                              # a stray end tag after a self-closing cell
    ('<c r="E4"><f x:a="1">1</f></c>', False),                     # an undeclared prefix in a formula
])
def test_a_changed_row_of_cells_read_before_reads_as_the_tree_reads_it(changed, fast):
    """A row unlike any read before is read cell by cell from the cells' cache: the cells read before come from
    it, the changed one is checked as any other, and one wrong cell leaves the whole sheet to the parser."""
    before = sheet(CELLS_READ_BEFORE)
    after = sheet(CELLS_READ_BEFORE + changed)
    xlsxsheet.forget()
    assert plain_cells(cells_document(before)) is not None
    assert (plain_cells(cells_document(after)) is not None) is fast
    assert read_fast(cells_document(after)) is fast  # the same from empty caches
    same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, after), with_part(SEEDS[0].read_bytes(), SHEET_PART, before))


@pytest.mark.parametrize(("row", "fast"), [
    ('<row r="3"/><row r="4">{cells}</row>', True),                # self-closing rows before a row
    ('<row r="4" x="a]]>b">{cells}</row>', True),                  # "]]>" may be in an attribute value
    ('<row r="4" x="a\x01b">{cells}</row>', False),               # not a character XML forbids
    ('<row r="4" x="a\tb">{cells}</row>', False),                 # a tab the parser turns into a space
    ('<row r="4">{cells}<c r="E4" s="1"/><c r="F4" s="2"/></row>', True),  # self-closing cells end the row
    ('<row r="4">{cells}<c r="E4" s="1"/><c r="F4" s="2"></row>', False),  # … one of them not closed
])
def test_rows_read_cell_by_cell_read_as_the_tree_reads_them(row, fast):
    xml = sheet(CELLS_READ_BEFORE, row=row)
    assert read_fast(cells_document(xml)) is fast
    same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, xml), with_part(SEEDS[0].read_bytes(), SHEET_PART, sheet(CELLS_READ_BEFORE)))


def test_self_closing_cells_read_at_a_row_s_end_are_not_taken_for_a_cell_s_content():
    ending = sheet(CELLS_READ_BEFORE + '<c r="E4" s="2"/>')
    stray = sheet(CELLS_READ_BEFORE + '<c r="E4" s="2"/></c>')  # the same text, then a stray end tag
    xlsxsheet.forget()
    assert plain_cells(cells_document(ending)) is not None
    assert plain_cells(cells_document(stray)) is None
    same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, stray), with_part(SEEDS[0].read_bytes(), SHEET_PART, ending))


def test_characters_xml_forbids_outside_the_rows_are_left_to_the_parser():
    for xml in (sheet("", root=f'xmlns="{NS}" a="\x01"'), sheet("", protection='<sheetProtection sheet="\x02"/>'),
                sheet("").replace(b"<worksheet", b"\x01<worksheet")):
        cut = cells_document(xml)
        assert cut is None or not read_fast(cut)
        same_both_ways(with_part(SEEDS[0].read_bytes(), SHEET_PART, xml))


def test_a_row_read_before_takes_this_file_s_date_styles_and_shared_strings(tmp_path):
    """What a row's records make is kept with the row by the date styles: the same row text in a file whose style
    is not a date, or whose string table differs, reads as that file says."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet_ = book.active
    sheet_["B4"] = 45688
    sheet_["B4"].number_format = "yyyy-mm-dd"
    sheet_["C4"] = "甲"
    book.save(tmp_path / "a.xlsx")
    dated = (tmp_path / "a.xlsx").read_bytes()
    found = parts(dated)
    xml = re.sub(rb'<c r="C4" t="inlineStr"><is><t>[^<]*</t></is></c>', b'<c r="C4" t="s"><v>0</v></c>',
                 found[SHEET_PART])
    assert b'<c r="C4" t="s">' in xml
    table = (f'<sst xmlns="{NS}"><si><t>{{}}</t></si></sst>')
    first = with_part(with_part(dated, SHEET_PART, xml), "xl/sharedStrings.xml", table.format("甲").encode())
    styles = found["xl/styles.xml"]
    plain_styles = styles.replace(b'formatCode="yyyy-mm-dd"', b'formatCode="0.00"')
    assert plain_styles != styles
    second = with_part(with_part(first, "xl/styles.xml", plain_styles), "xl/sharedStrings.xml", table.format("乙").encode())
    xlsxsheet.forget()
    a = read_workbook(first, cells_only=True).sheets["Sheet"]
    b = read_workbook(second, cells_only=True).sheets["Sheet"]
    assert a.value("B4") == dt.date(2025, 1, 31) and a.value("C4") == "甲"
    assert b.value("B4") == 45688 and b.value("C4") == "乙"
    same_both_ways(second, first)


# --- generated mutations ------------------------------------------------------------------------------

def _seed_sheets(*books: bytes) -> list[bytes]:
    return [parts(book)[SHEET_PART] for book in books]


@FUZZ
@given(data=st.data())
def test_mutations_of_written_sheets_read_the_same_both_ways(written, data):
    seeds = _seed_sheets(*written.values(), SEEDS[0].read_bytes())
    xml = data.draw(xml_mutant(seeds, b"<sheetData", b"</sheetData>"))
    same_both_ways(with_part(written["clean"], SHEET_PART, xml), *(with_part(written["clean"], SHEET_PART, seed)
                                                                   for seed in seeds))


@FUZZ
@given(data=st.data())
def test_mutations_of_libreoffice_sheets_read_the_same_both_ways(resaved, bench_files, data):
    seeds = _seed_sheets(*resaved.values(), *bench_files.values())
    xml = data.draw(xml_mutant(seeds, b"<sheetData", b"</sheetData>"))
    same_both_ways(with_part(resaved["clean"], SHEET_PART, xml), *(with_part(resaved["clean"], SHEET_PART, seed)
                                                                   for seed in seeds))


def test_a_mutation_the_grammar_reads_is_still_compared(written):
    """The mutations are not all refused: many stay in the grammar (the comparison above then checks the grammar)."""
    seeds = _seed_sheets(*written.values())
    read = 0
    for text in ("中文", "&amp;x", "a > b", "&#20013;", "𠀀"):
        xml = seeds[0].replace(b"<t>", b"<t>" + text.encode(), 1)
        read += read_fast(cells_document(xml))
        same_both_ways(with_part(written["clean"], SHEET_PART, xml))
    assert read == 5
