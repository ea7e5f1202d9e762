import datetime as dt
import io
import struct
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from xltools.io import xlsxread
from xltools.io.xlsxread import Limits, WorkbookReadError, read_workbook

from .fuzzkit import parts, rezip, with_part


@pytest.fixture
def book_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws["A1"] = "附件1"
    ws["B2"] = 6.6296
    ws["C2"] = 10
    ws["D2"] = "=B2*2"
    ws["E2"] = dt.date(2021, 2, 24)
    ws["F2"] = True
    ws["G2"] = "=HYPERLINK(\"x\")"
    ws["B3"] = "6.6296万"
    ws["B3"].protection = Protection(locked=False)
    ws.merge_cells("A5:C5")
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    dv.add("B2:B4")
    ws.add_data_validation(dv)
    ws.protection.sheet = True
    meta = wb.create_sheet("模板信息")
    meta["A1"], meta["B1"] = "template_id", "chaoyang"
    meta.sheet_state = "hidden"
    wb.defined_names["ProjectName"] = DefinedName("ProjectName", attr_text="'自评表'!$B$2")
    wb.security.lockStructure = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_reads_values_formulas_styles(book_bytes, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(book_bytes)
    book = read_workbook(path)
    sheet = book.sheet("自评表")
    assert book.sheet_names == ["自评表", "模板信息"]
    assert sheet.value("A1") == "附件1"
    assert sheet.value("B2") == 6.6296 and sheet.value("C2") == 10 and isinstance(sheet.value("C2"), int)
    assert sheet.value("E2") == dt.date(2021, 2, 24)
    assert sheet.value("F2") is True
    assert sheet.value("B3") == "6.6296万"
    assert sheet.formulas["D2"] == "B2*2"
    assert sheet.value("D2") is None  # openpyxl writes no cached value
    assert sheet.locked("A1") and sheet.locked("Z99") and not sheet.locked("B3")
    # per style, as locked() answers per cell: a written locked cell, a cell never written (style 0), an open one
    assert sheet.lock_states(["A1", "Z99"]) == {True} and sheet.lock_states(["B3"]) == {False}
    assert sheet.lock_states(["A1", "B3", "Z99"]) == {True, False} and sheet.lock_states([]) == frozenset()
    assert sheet.protected
    assert sheet.merged == ["A5:C5"]
    assert sheet.validations == ["B2:B4"]
    assert book.sheet("模板信息").state == "hidden"
    assert book.defined_names["ProjectName"] == "'自评表'!$B$2"
    assert book.structure_locked and not book.has_vba


def test_reads_only_requested_sheets(book_bytes):
    book = read_workbook(book_bytes, sheets=["模板信息"])
    assert list(book.sheets) == ["模板信息"] and book.sheet("模板信息").value("B1") == "chaoyang"


def _with_meta_value(data: bytes, value: str) -> bytes:
    """``data`` with 模板信息!B1 changed (a different part, hence a different CRC)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["模板信息"]["B1"] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_shared_sheets_are_reused_only_while_their_bytes_match(book_bytes):
    other = _with_meta_value(book_bytes, "another")
    for data, expected in [(book_bytes, "chaoyang"), (other, "another"), (book_bytes, "chaoyang")]:
        book = read_workbook(data, shared=["模板信息"])
        assert book.sheet("模板信息").value("B1") == expected
        assert book.sheet("自评表").value("A1") == "附件1"  # sheets not shared are read as usual
    first, again = (read_workbook(book_bytes, shared=["模板信息"]).sheet("模板信息") for _ in range(2))
    assert first is not again and first.values == again.values
    first.values["B1"] = "changed by a caller"  # what one caller does to its copy stays there
    assert read_workbook(book_bytes, shared=["模板信息"]).sheet("模板信息").value("B1") == "chaoyang"



@pytest.mark.parametrize(
    ("data", "fate"),
    [
        (b"PK\x03\x04 this is not really a zip", "unreadable"),
        (b"hello world", "unreadable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64, "encrypted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "not-excel"),
        (rezip({"word/document.xml": b"<w/>"}), "not-excel"),
        (rezip({"xl/workbook.xml": b"<workbook"}), "unreadable"),
        (rezip({"xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><workbook>&a;</workbook>'}), "unreadable"),
        (rezip({"xl/workbook.xml": b"<workbook/>", "xl/bomb.xml": b"\0" * (60 * 1024 * 1024)}), "too-large"),
    ],
    ids=["truncated-zip", "text", "encrypted", "ole", "docx-like", "bad-xml", "xml-entities", "zip-bomb"],
)
def test_bad_inputs_get_a_fate(data, fate):
    with pytest.raises(WorkbookReadError) as info:
        read_workbook(data)
    assert info.value.fate == fate
    assert info.value.reason  # a Chinese reason for the file list


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 2048)
    with pytest.raises(WorkbookReadError) as info:
        read_workbook(path, limits=Limits(max_file_bytes=1024))
    assert info.value.fate == "too-large"


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(WorkbookReadError) as info:
        read_workbook(tmp_path / "nope.xlsx")
    assert info.value.fate == "unreadable"


@pytest.mark.parametrize("cells_only", [False, True])
def test_markup_bounds_refuse_a_part_with_too_many_tags_or_attributes(book_bytes, cells_only):
    """The counts are skipped for a part shorter than the bounds (it cannot hold more), never for a longer one."""
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    for row in range(10, 60):
        book["自评表"].cell(row, 1, row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    sheet = parts(data)["xl/worksheets/sheet1.xml"]  # the part with the most markup of those read (styles are cached)
    tags, attributes = sheet.count(b"<"), sheet.count(b"=")
    assert len(sheet) > tags and len(sheet) > attributes
    read_workbook(data, cells_only=cells_only, limits=Limits(max_tags=tags, max_attributes=attributes))
    for limits in (Limits(max_tags=tags - 1), Limits(max_attributes=attributes - 1)):
        with pytest.raises(WorkbookReadError) as info:
            read_workbook(data, cells_only=cells_only, limits=limits)
        assert info.value.fate == "too-large" and "xl/worksheets/sheet1.xml" in info.value.reason


def _with_stated_crc(data: bytes, name: str, crc: int) -> bytes:
    """``data`` with the CRC-32 its local header and central directory state for ``name`` replaced (the stored
    bytes unchanged)."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", out, info.header_offset + 14, crc)
    entry = data.find(b"PK\x01\x02" + data[info.header_offset + 4:info.header_offset + 14])
    while data[entry + 46:entry + 46 + len(name)] != name.encode():
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", out, entry + 16, crc)
    return bytes(out)


def test_a_shared_part_known_by_its_stored_bytes_is_read_again_when_the_zip_states_otherwise(book_bytes):
    """Shared parts are known by the bytes the zip stores and what it states of them: the same stored bytes with
    another CRC-32, or under a smaller part limit, are refused as when nothing was read before."""
    meta = "xl/worksheets/sheet2.xml"  # 模板信息
    good = zipfile.ZipFile(io.BytesIO(book_bytes)).getinfo(meta).CRC
    forged = _with_stated_crc(book_bytes, meta, good ^ 1)
    assert zipfile.ZipFile(io.BytesIO(forged)).getinfo(meta).CRC == good ^ 1
    for shared in (["模板信息"], []):
        xlsxread._INFLATED.clear()
        xlsxread._PART_CACHE.clear()
        assert read_workbook(book_bytes, shared=shared).sheet("模板信息").value("B1") == "chaoyang"
        with pytest.raises(WorkbookReadError) as info:
            read_workbook(forged, shared=shared)
        assert info.value.fate == "unreadable"
        size = zipfile.ZipFile(io.BytesIO(book_bytes)).getinfo(meta).file_size
        with pytest.raises(WorkbookReadError) as info:
            read_workbook(book_bytes, shared=shared, limits=Limits(max_part_bytes=size - 1))
        assert info.value.fate == "too-large"
    assert read_workbook(book_bytes, shared=["模板信息"]).sheet("模板信息").value("B1") == "chaoyang"
    assert len(xlsxread._INFLATED) >= 3  # workbook.xml, its relations, styles, 模板信息: known by their stored bytes


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("where", ["shared", "inline", "formula"])
def test_a_cell_text_over_excel_s_limit_is_refused_and_one_at_it_is_read(book_bytes, where, fast, monkeypatch):
    from xltools.io.xlsxread import MAX_CELL_CHARS

    if not fast:  # the parser's paths
        monkeypatch.setattr(xlsxread, "plain_cells", lambda _cut: None)
        monkeypatch.setattr(xlsxread, "plain_shared_strings", lambda _data: None)
    sheet = parts(book_bytes)["xl/worksheets/sheet1.xml"]
    for length, readable in ((MAX_CELL_CHARS, True), (MAX_CELL_CHARS + 1, False)):
        text = "字" * length
        if where == "shared":
            sst = (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si>'
                   f"<si><t>{text}</t></si></sst>").encode()
            cell = b'<c r="H9" t="s"><v>1</v></c>'
            data = with_part(with_part(book_bytes, "xl/sharedStrings.xml", sst), "[Content_Types].xml",
                             parts(book_bytes)["[Content_Types].xml"])
        elif where == "inline":
            cell = f'<c r="H9" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
            data = book_bytes
        else:
            cell = f'<c r="H9" t="str"><f>A1</f><v>{text}</v></c>'.encode()
            data = book_bytes
        data = with_part(data, "xl/worksheets/sheet1.xml",
                         sheet.replace(b"</sheetData>", b'<row r="9">' + cell + b"</row></sheetData>"))
        for cells_only in (True, False):
            if readable:
                assert read_workbook(data, cells_only=cells_only).sheet("自评表").value("H9") == text
            else:
                with pytest.raises(WorkbookReadError) as info:
                    read_workbook(data, cells_only=cells_only)
                assert info.value.fate == "unreadable" and f"{MAX_CELL_CHARS:,}" in info.value.reason


def test_what_is_kept_of_a_shared_part_is_never_handed_out_to_be_changed(book_bytes):
    first = read_workbook(book_bytes, shared=["模板信息"])
    first.defined_names["ProjectName"] = "changed"
    first.sheet_names.append("changed")
    first.sheet("模板信息").values["B1"] = "changed"
    first.sheet("自评表").merged.append("Z1:Z2")
    again = read_workbook(book_bytes, shared=["模板信息"])
    assert again.defined_names == {"ProjectName": "'自评表'!$B$2"} and again.sheet_names == ["自评表", "模板信息"]
    assert again.sheet("模板信息").value("B1") == "chaoyang" and again.sheet("自评表").merged == ["A5:C5"]


def test_two_sheets_of_one_name_are_refused_every_time(book_bytes):
    workbook = parts(book_bytes)["xl/workbook.xml"]
    twice = with_part(book_bytes, "xl/workbook.xml", workbook.replace('name="模板信息"'.encode(), 'name="自评表"'.encode()))
    for _ in range(2):  # the second time from what was kept of the part
        with pytest.raises(WorkbookReadError) as info:
            read_workbook(twice)
        assert info.value.fate == "unreadable" and "两个名为「自评表」的工作表" in info.value.reason
