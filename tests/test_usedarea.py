"""The used area counted before python-calamine reads a legacy file (xltools/io/usedarea.py), on hand-made records.

Every expected (rows, columns) is worked out by hand from the cells written here. The tricks a hostile file
could use to hide a far cell from the count (a '>' inside a quoted attribute, a repeat written as a character
reference, another namespace prefix, a look-alike attribute inside a value, a chart's BOF…EOF inside a
sheet, a sheet whose BOUNDSHEET points past the sequential order) must not make the count smaller. The
equality with calamine's own ranges on real files is in tests/test_formats.py.
"""

from __future__ import annotations

import struct

import pytest

from xltools.io.usedarea import AreaError, biff_areas, ods_areas

TABLE = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
         'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{}'
         '</office:spreadsheet></office:body></office:document-content>')


def ods(*tables: str) -> bytes:
    return TABLE.format("".join(tables)).encode()


def text_cell(value: str, extra: str = "") -> str:
    return f'<table:table-cell office:value-type="string"{extra}><text:p>{value}</text:p></table:table-cell>'


TWO_COLUMNS = ' table:number-columns-repeated="2"'


def test_ods_rows_and_cells_with_their_repeats():
    table = ('<table:table table:name="表一">'
             f'<table:table-row>{text_cell("a")}<table:table-cell table:number-columns-repeated="3"/>'
             f'{text_cell("b")}</table:table-row>'  # B… E: "b" at column 5
             '<table:table-row table:number-rows-repeated="10"><table:table-cell/></table:table-row>'
             f'<table:table-row table:number-rows-repeated="2">{text_cell("c", TWO_COLUMNS)}'
             '</table:table-row></table:table>')  # rows 12-13, columns 1-2
    assert ods_areas(ods(table)) == {"表一": (13, 5)}


def test_ods_cells_without_a_value_do_not_count_as_calamine_does_not():
    table = ('<table:table table:name="S"><table:table-row>'
             f'{text_cell("a")}<table:table-cell table:formula="of:=&quot;&quot;"><text:p/></table:table-cell>'
             '<table:table-cell office:value-type="string" table:number-columns-repeated="500"><text:p/></table:table-cell>'
             '<table:table-cell table:formula="of:=1"><text:p>1</text:p></table:table-cell>'  # text, no type: counts
             '</table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell '
             'table:number-columns-repeated="16384"/></table:table-row></table:table>')
    assert ods_areas(ods(table)) == {"S": (1, 503)}


@pytest.mark.parametrize("repeat", [
    'table:number-rows-repeated="1000000"',
    'table:number-rows-repeated="&#49;000000"',  # a character reference: a parser reads 1000000
    'foo="a>b" table:number-rows-repeated="1000000"',  # a '>' inside a quoted value does not end the tag
    "x='table:number-rows-repeated=\"1\"' table:number-rows-repeated=\"1000000\"",  # a look-alike in a value
])
def test_ods_a_far_repeat_is_never_hidden(repeat):
    table = (f'<table:table table:name="S"><table:table-row {repeat}>{text_cell("x")}</table:table-row>'
             '</table:table>')
    assert ods_areas(ods(table)) == {"S": (1_000_000, 1)}


def test_ods_another_prefix_for_the_table_namespace_is_counted_too():
    content = ('<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><o:body><o:spreadsheet>'
               '<t:table t:name="S"><t:table-row t:number-rows-repeated="5000"><t:table-cell o:value-type="float" '
               't:number-columns-repeated="300" o:value="1"/></t:table-row></t:table></o:spreadsheet></o:body>'
               '</o:document-content>').encode()
    assert ods_areas(content) == {"S": (5000, 300)}


def test_ods_a_document_type_declaration_is_refused():
    with pytest.raises(AreaError):
        ods_areas(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "1000000">]>' + ods())


# --- BIFF ------------------------------------------------------------------------------------------------

def record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def bof(kind: int = 0x0010) -> bytes:
    return record(0x0809, struct.pack("<HHHH", 0x0600, kind, 0, 0) + b"\0" * 8)


def boundsheet(offset: int, name: str) -> bytes:
    raw = name.encode("utf-16-le")
    return record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + raw)


def number(row: int, col: int) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, col, 0, 1.0))


def mulrk(row: int, first: int, last: int) -> bytes:
    rks = b"".join(struct.pack("<HI", 0, 3) for _ in range(first, last + 1))
    return record(0x00BD, struct.pack("<HH", row, first) + rks + struct.pack("<H", last))


def workbook(sheets: list[tuple[str, bytes]]) -> bytes:
    """Globals (BOF, BOUNDSHEET per sheet, EOF) and each sheet's records (BOF … EOF), offsets worked out."""
    size = len(bof()) + sum(len(boundsheet(0, name)) for name, _ in sheets) + len(record(0x000A))
    offsets, at = [], size
    for _, body in sheets:
        offsets.append(at)
        at += len(bof()) + len(body) + len(record(0x000A))
    head = bof(0x0005) + b"".join(boundsheet(o, name) for o, (name, _) in zip(offsets, sheets)) + record(0x000A)
    return head + b"".join(bof() + body + record(0x000A) for _, body in sheets)


def test_biff_cells_and_mulrk_by_sheet_name():
    stream = workbook([("自评表", number(0, 0) + number(30, 9)), ("宽", mulrk(4, 2, 250))])
    assert biff_areas(stream) == {"自评表": (31, 10), "宽": (1, 249)}


def test_biff_a_chart_inside_a_sheet_does_not_end_the_count():
    chart = bof(0x0020) + number(0, 0) + record(0x000A)  # an embedded chart's own BOF … EOF
    stream = workbook([("S", number(0, 0) + chart + number(65535, 255))])
    assert biff_areas(stream) == {"S": (65536, 256)}


def test_biff_sheets_are_walked_from_their_boundsheet_offset():
    """Sheet T lies inside the body of another record: a sequential walk never sees its records; calamine
    (and the count) go to the offset its BOUNDSHEET gives."""
    eof = record(0x000A)
    first = len(bof()) + len(boundsheet(0, "S")) + len(boundsheet(0, "T")) + len(eof)
    sheet = bof() + number(0, 0) + eof
    hidden = bof() + number(0, 0) + number(65535, 0) + eof
    wrapper = record(0x003C, hidden)  # a CONTINUE record whose body is the whole sheet T
    stream = (bof(0x0005) + boundsheet(first, "S") + boundsheet(first + len(sheet) + 4, "T") + eof + sheet + wrapper)
    assert biff_areas(stream) == {"S": (1, 1), "T": (65536, 1)}


def test_biff_a_truncated_record_is_damage():
    stream = workbook([("S", number(0, 0) + number(3, 3))])
    with pytest.raises(AreaError):
        biff_areas(stream[:-8])


@pytest.mark.parametrize("padding", [0, 5000])  # a stream under 4096 bytes lives in the mini stream
def test_the_reader_refuses_a_far_cell_before_calamine_from_either_kind_of_stream(padding):
    from xltools.excel.cfb import cfb_write
    from xltools.io.reader import ReadError
    from xltools.io.seam import read_source

    stream = workbook([("自评表", number(0, 0) + number(65535, 255))]) + b"\0" * padding
    with pytest.raises(ReadError) as info:
        read_source(cfb_write({"Workbook": stream}), name="远角.xls")
    assert info.value.fate == "unreadable"
    assert info.value.reason.startswith("工作表「自评表」有 65,536 行 × 256 列，远超自评表的大小，已拒绝读取；")


def test_a_workbook_stream_whose_chain_is_broken_is_damage_not_a_traceback():
    from xltools.excel.cfb import cfb_write
    from xltools.io.reader import ReadError
    from xltools.io.seam import read_source

    data = bytearray(cfb_write({"Workbook": workbook([("S", number(0, 0))]) + b"\0" * 5000}))
    fat = struct.unpack_from("<I", data, 0x4C)[0]  # the first FAT sector: point every chain at a sector past the end
    start = (fat + 1) * 512
    data[start:start + 512] = struct.pack("<128I", *([0xFFFFFFFD] + [10_000] * 127))
    with pytest.raises(ReadError) as info:
        read_source(bytes(data), name="坏.xls")
    assert info.value.fate == "unreadable" and "另存为 .xlsx" in info.value.reason
