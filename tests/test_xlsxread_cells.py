"""``read_workbook(cells_only=True)`` reads exactly what a full parse reads, on plain and on odd markup."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.excel.fill import fill_workbook
from xltools.form.layout import META_SHEET, SHEET, Layout
from xltools.io.xlsxcells import cells_document as _cells_document
from xltools.io.xlsxdata import SheetData
from xltools.io.xlsxread import read_workbook

from .forms import seed_form

ROOT = Path(__file__).resolve().parents[1]
PROJECT_NAME = Layout().spot("project_name").cell
FORM_PART = "xl/worksheets/sheet1.xml"  # the form sheet of a workbook written by fill_workbook (openpyxl)


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("cells") / "seed.xlsx"
    fill_workbook(seed_form(), path)
    return path.read_bytes()


def _view(sheet: SheetData) -> tuple[object, ...]:
    return sheet.state, sheet.values, sheet.formulas, sheet.styles, sheet.protected


def _same_both_ways(data: bytes) -> SheetData:
    """Read ``data`` fully and cells-only; the cells, formulas, styles and protection must agree."""
    full, cut = read_workbook(data), read_workbook(data, cells_only=True)
    assert full.sheet_names == cut.sheet_names
    for name in full.sheets:
        assert _view(cut.sheets[name]) == _view(full.sheets[name]), name
        assert cut.sheets[name].merged == [] and cut.sheets[name].validations == []
    return full.sheets[SHEET] if SHEET in full.sheets else next(iter(full.sheets.values()))


def _edit(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` with one part rewritten."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return buffer.getvalue()


def test_the_real_form_is_cut_and_read_the_same(filled):
    with zipfile.ZipFile(io.BytesIO(filled)) as archive:
        part = archive.read(FORM_PART)
    cut = _cells_document(part)
    assert cut is not None and b"<dataValidations" in part and b"<dataValidations" not in cut
    # what the cut saves on the form sheet: the validations and conditional formats (in template 1.0 more
    # than half of the part; 1.1's in-sheet check formulas live in <sheetData> and make it the larger share)
    left_out = sum(len(m.group(0)) for m in re.finditer(rb"<dataValidations.*?</dataValidations>|"
                                                       rb"<conditionalFormatting.*?</conditionalFormatting>", part, re.S))
    assert left_out > 0 and len(cut) <= len(part) - left_out
    sheet = _same_both_ways(filled)
    assert sheet.protected and sheet.value(PROJECT_NAME) == seed_form().project_name
    assert read_workbook(filled).sheets[SHEET].merged  # the full read still has them


def test_the_committed_template_reads_the_same():
    """XlsxWriter writes an XML declaration (as Excel does); the cut keeps it."""
    data = (ROOT / "workbook_templates" / "朝阳区项目支出绩效自评表.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = archive.read(FORM_PART)
    cut = _cells_document(part)
    assert part.startswith(b"<?xml") and cut is not None and cut.startswith(b"<?xml")
    _same_both_ways(data)


FAKE = b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>FAKE</t></is></c></row></sheetData>'


@pytest.mark.parametrize(
    ("change", "cut"),
    [
        (lambda x: x.replace(b"<sheetData>", b"<!-- " + FAKE + b" --><sheetData>", 1), False),
        (lambda x: x.replace(b"<sheetData>", b"<?xltools " + FAKE + b"?><sheetData>", 1), False),
        (lambda x: re.sub(rb"<t>([^<]*)</t>", rb"<t><![CDATA[\1</sheetData>]]></t>", x, count=1), False),
        (lambda x: re.sub(rb"<(/?)([a-zA-Z])", rb"<\1x:\2", x).replace(b"xmlns=", b"xmlns:x=", 1), False),
        (lambda x: re.sub(rb"(<sheetProtection[^>]*?)\s*/>", rb"\1></sheetProtection>", x), True),
        (lambda x: re.sub(rb"<sheetProtection[^>]*/>", b"", x), True),
        (lambda x: x.replace(b"<worksheet ", b'<worksheet xmlns:n="urn:n" n:note="a&gt;b>c" ', 1), True),
        (lambda x: x.replace(b"<sheetProtection ", b'<sheetProtection algorithmName="a>b" ', 1), False),
        (lambda x: x.replace(b"<sheetProtection ", b'<sheetProtection algorithmName="a/>b" ', 1), True),
    ],
    ids=["fake-in-comment", "fake-in-processing-instruction", "cdata", "prefixed", "protection-not-empty",
         "no-protection", "angle-in-root-attribute", "angle-in-protection", "empty-tag-end-in-protection"],
)
def test_odd_markup_is_read_the_same(filled, change, cut):
    edited = _edit(filled, FORM_PART, change)
    with zipfile.ZipFile(io.BytesIO(edited)) as archive:
        part = archive.read(FORM_PART)
    assert part != zipfile.ZipFile(io.BytesIO(filled)).read(FORM_PART)  # the edit took
    assert (_cells_document(part) is not None) is cut
    sheet = _same_both_ways(edited)
    assert sheet.value("A1") != "FAKE" and sheet.value(PROJECT_NAME) == seed_form().project_name


def test_an_empty_sheet_is_read_the_same():
    book = openpyxl.Workbook()
    book.active.title = "空"
    book.active.protection.sheet = True
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = _same_both_ways(buffer.getvalue())
    assert sheet.values == {} and sheet.protected


def test_shared_sheets_are_parsed_whole_even_when_cells_only(filled):
    book = read_workbook(filled, sheets=(SHEET, META_SHEET), shared=(META_SHEET,), cells_only=True)
    assert book.sheets[META_SHEET].values == read_workbook(filled).sheets[META_SHEET].values


PIECES = [*"<>&\"'/!?[]-= \n甲乙", "</sheetData>", "<!--", "<![CDATA[", "<?x?>", "<sheetProtection/>", "_x0041_"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(TEXT, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=12),
       st.booleans())
def test_any_cell_content_is_read_the_same(values, protect):
    book = openpyxl.Workbook()
    sheet = book.active
    for i, value in enumerate(values):
        if isinstance(value, str) and value.startswith("="):
            value = " " + value  # a text, not a formula
        sheet.cell(row=1 + i // 3, column=1 + i % 3, value=value)
    sheet.protection.sheet = protect
    buffer = io.BytesIO()
    book.save(buffer)
    _same_both_ways(buffer.getvalue())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40).map(lambda b: bytes(b"<!?x"[c % 4] for c in b)), st.integers(0, 40))
def test_the_scans_for_declarations_find_what_a_byte_search_finds(data, start):
    """``declares`` and ``_instruction`` (the reader's scans for DTDs, comments, CDATA and processing
    instructions, found from their rare ``!`` and ``?``) say what ``b"<!" in data`` and ``b"<?" in data[start:]``
    say, wherever the marks are."""
    from xltools.io.xlsxcells import _instruction, declares

    assert declares(data) is (b"<!" in data)
    assert _instruction(data, start) is (b"<?" in data[start:])
    for made in (b"<!", b"<?", b"!<!", b"?<?", b"<" * 3 + b"!"):
        assert declares(data + made) is (b"<!" in data + made)
        assert _instruction(made + data, start) is (b"<?" in (made + data)[start:])
