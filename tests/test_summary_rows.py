"""The summary's fast row path writes exactly the XML XlsxWriter's own write path writes."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
import xlsxwriter

from xltools.district.rowstream import Link, _put, _RowStream

ROWS: list[list[object]] = [
    [1, "普通文本", 12.5, None, "", True, False],
    [2, '=HYPERLINK("http://x","y")', "a & b < c > d \"q\"", " 前导空格", "尾随空格 ", "换行\n", "\t制表"],
    [3, "控制\x01字符\x1f", "_x0041_ 字面转义", "\ufffe\uffff", "😀表情", float("nan"), float("inf")],
    [4, dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 14, 30), Decimal("1.25"), -0.000123, 1e20, 2**60],
    [5, "长" * 40000, "😀" * 20000, "x" * 32767, 0, -7, 3.14159265358979],
    [6, Link("forms/甲/a & b.xlsx", "../forms/甲/a & b.xlsx"), Link('引"号<x>', 'x"y<z>.xlsx'), "", None, 1, 2],
]
HEIGHTS = [None, 29.0, 42.5, None, 211.0, None]


def _write(path: Path, fast: bool, fourth: str | None = None) -> None:
    """ROWS twice (the second time through the first time's row shapes), column D unformatted unless ``fourth``."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    plain = book.add_format({"border": 1})
    number = book.add_format({"num_format": "0.00"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws = book.add_worksheet("表", worksheet_class=_RowStream if fast else None)
    ws.set_row(0, 30)
    for col in range(7):
        ws.write_string(0, col, f"列{col}", plain)
    for row, (values, height) in enumerate(zip(ROWS + ROWS, HEIGHTS + HEIGHTS), start=1):
        formats = [number, plain, stamp, None if fourth is None else plain, plain, number, plain]
        if fast:
            ws.append_row(row, list(zip(values, formats)), height)
        else:
            if height is not None:
                ws.set_row(row, height)
            for col, (value, fmt) in enumerate(zip(values, formats)):
                _put(ws, row, col, value, fmt)
    total = 2 * len(ROWS) + 1
    ws.write_string(total, 0, "合计", plain)
    ws.write_formula(total, 2, f"=SUM(C2:C{total})", number, 12.5)
    ws.autofilter(0, 0, total - 1, 6)
    book.close()


@pytest.mark.parametrize("fourth", [None, "plain"])
def test_fast_rows_write_the_same_xml_as_xlsxwriter(tmp_path: Path, fourth: str | None) -> None:
    """Rows with an unformatted column (cell by cell) and with every column formatted (through row templates)."""
    _write(tmp_path / "plain.xlsx", fast=False, fourth=fourth)
    _write(tmp_path / "fast.xlsx", fast=True, fourth=fourth)
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as a, zipfile.ZipFile(tmp_path / "fast.xlsx") as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if name != "docProps/core.xml":  # holds the creation time
                assert a.read(name) == b.read(name), name
    sheet = openpyxl.load_workbook(tmp_path / "fast.xlsx")["表"]
    assert sheet["B3"].value == '=HYPERLINK("http://x","y")' and sheet["B3"].data_type == "s"
    assert sheet["C3"].value == "a & b < c > d \"q\"" and sheet["D3"].value == " 前导空格"
    assert sheet["B5"].value == 45356 and sheet["C5"].value == dt.datetime(2024, 3, 5, 14, 30)
    assert sheet["F2"].value == "是" and sheet["G2"].value == "否" and sheet["D2"].value is None
    assert sheet.row_dimensions[3].height == 29.25 and len(sheet["B6"].value) == 32767
    assert sheet["B7"].value == '=HYPERLINK("../forms/甲/a & b.xlsx","forms/甲/a & b.xlsx")'
    assert sheet["C7"].value == '=HYPERLINK("x""y<z>.xlsx","引""号<x>")'


def test_fast_rows_never_pass_markup_through(tmp_path: Path) -> None:
    """XlsxWriter writes a text that looks like rich-text markup (``<r>…</r>``) raw; the fast path escapes it."""
    path = tmp_path / "markup.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("表", worksheet_class=_RowStream)
    ws.append_row(0, [("<r><t>x</t></r>", None), ("<r></t></r>", None)])
    book.close()
    sheet = openpyxl.load_workbook(path)["表"]
    assert [sheet["A1"].value, sheet["B1"].value] == ["<r><t>x</t></r>", "<r></t></r>"]


def test_summary_keeps_markup_like_texts_as_text(tmp_path: Path) -> None:
    """A unit, project, indicator or path typed as ``<r>…</r>`` arrives in every sheet as that text."""
    from xltools.core import Policy
    from xltools.district.results import FileResult, IndicatorRow, ProjectRow
    from xltools.district.summary import write_summary

    unit, name, target = "<r><t>甲</t></r>", "<r></t></r>", "<r><rPr><b/></rPr><t>≥40个</t></r>"
    row = ProjectRow(
        year="2024", unit=unit, department="城管办", name=name, lead="王", initial_budget=10.0,
        annual_budget=10.0, executed=9.0, execution_rate=0.9, budget_score=10.0,
        subtotals={"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}, self_total=90.0, review_total=90.0,
        grade="优", filled_on=dt.date(2025, 1, 20),
        packed_indicators=ProjectRow.pack([IndicatorRow("产出指标", "数量指标", "桶站数", target, "40个", 20, 20,
                                                        20.0, None)]),
    )
    files = [FileResult("<r>a</r>", "ok", "<r>原因</r>", project=row,
                        findings=[("自评表", "H21", "score-mismatch", "error", "<r><t>说明</t></r>")])]
    path = tmp_path / "summary.xlsx"
    write_summary(path, files, Policy())
    book = openpyxl.load_workbook(path)
    assert [book["汇总"]["B2"].value, book["汇总"]["D2"].value, book["汇总"]["U2"].value] == [unit, name, "<r>a</r>"]
    assert book["按单位"]["A2"].value == unit
    assert [book["指标明细"][c].value for c in ("B2", "C2", "G2")] == [unit, name, target]
    assert [book["问题清单"][c].value for c in ("B2", "C2", "D2", "I2")] == ["<r>a</r>", unit, name,
                                                                          "<r><t>说明</t></r>"]
    assert [book["文件清单"][c].value for c in ("B2", "D2", "E2", "F2")] == ["<r>a</r>", "<r>原因</r>", unit, name]


def test_file_links_are_relative_paths_as_relpath_gives_them(tmp_path: Path) -> None:
    """来源文件's link target (the folder's relative path kept once a folder) is what os.path.relpath gives."""
    import os

    from xltools.district.rowstream import file_link

    base = tmp_path / "汇总"
    for source in (base / "a.xlsx", base / "甲" / "b.xlsx", tmp_path / "c.xlsx", tmp_path / "乙" / "丙" / "d.xlsx",
                   base / ".." / "汇总" / "e.xlsx", tmp_path.parent / "f.xlsx", base / "甲" / "." / "g.xlsx"):
        link = file_link("shown", str(source), base)
        assert isinstance(link, Link) and link.target == os.path.relpath(source, base), source
    assert file_link("shown", "", base) == "shown"


_SPECIAL = ["\t", "\n", "\r", " ", "\u3000", "\u00a0", "\u2028", "\x85", "\x0b", "\x01", "\x1f", "\x7f", "\ufffe",
            "\uffff", "&", "<", ">", "_", "x", "0", "4", "1", "😀", "表"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(st.text(st.one_of(st.sampled_from(_SPECIAL), st.characters(exclude_categories=("Cs",))),
                                         min_size=1, max_size=12), st.sampled_from(["_x0041_", " _x00e9_ ", "a\n"])),
                      min_size=1, max_size=6))
def test_fast_texts_are_escaped_as_xlsxwriter_escapes_them(tmp_path: Path, texts: list[str]) -> None:
    """Any text (control characters, non-characters, line breaks and Unicode spaces at either end): the fast row
    path writes what XlsxWriter's ``write_string`` writes."""
    sheets = []
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
        plain = book.add_format({"border": 1})
        ws = book.add_worksheet("表", worksheet_class=_RowStream if fast else None)
        if fast:
            ws.append_row(0, [(text, plain) for text in texts])
        else:
            for col, text in enumerate(texts):
                _put(ws, 0, col, text, plain)
        book.close()
        with zipfile.ZipFile(path) as done:
            sheets.append(done.read("xl/worksheets/sheet1.xml"))
    assert sheets[0] == sheets[1]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=120), st.integers(), st.floats(allow_nan=False),
                          st.booleans(), st.dates()), max_size=8),
       st.lists(st.sampled_from([10.0, 14.0, 36.0]), min_size=8, max_size=8))
def test_a_row_s_height_from_its_cells_is_row_height_of_its_wrapped_texts(cells: list[object],
                                                                           widths: list[float]) -> None:
    from xltools.district.summary_sheets import cells_height, row_height

    wrapped = [(col, widths[col]) for col in range(0, len(cells), 2)]
    assert cells_height(cells, wrapped) == row_height([(cells[col], width) for col, width in wrapped])


@given(st.lists(st.one_of(st.none(), st.text(max_size=30), st.just('=HYPERLINK("a","b ""c""")'), st.integers(),
                          st.floats(allow_nan=False), st.booleans(), st.dates()), max_size=8))
def test_a_row_s_digest_is_the_digest_of_its_cells_texts(values: list[object]) -> None:
    import hashlib

    from xltools.district.verdicts import cell_text, row_digest

    texts = [cell_text(v) for v in values]
    while texts and not texts[-1]:
        texts.pop()
    assert row_digest(values) == hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:24]


def test_rows_passing_one_formats_list_are_the_rows_of_their_own_lists(tmp_path: Path) -> None:
    """A formats list passed again reuses its styles: the rows are those of a fresh list each time, blanks too (a
    blank cell is written only where it has a format)."""
    import io

    from xltools.district.rowstream import RowRenderer

    book = xlsxwriter.Workbook(io.BytesIO())
    bold, italic = book.add_format({"bold": True}), book.add_format({"italic": True})
    names = {bold: "bold", italic: "italic"}
    shared = [bold, None, italic]
    rows = [[1, "x", None], ["y", None, 2.5], [None, None, None], [None, "z", "w", "past the formats"]]
    reused = RowRenderer(str(tmp_path / "reused.xml"), names, {})
    fresh = RowRenderer(str(tmp_path / "fresh.xml"), names, {})
    for n, values in enumerate(rows):
        reused.append_values(n, values, shared)
        fresh.append_values(n, values, list(shared))
    reused.append_values(len(rows), ["a", "b"], shared[:2])  # another list: its own styles
    fresh.append_values(len(rows), ["a", "b"], [bold, None])
    reused.done(), fresh.done()
    text = (tmp_path / "reused.xml").read_text(encoding="utf-8")
    assert text == (tmp_path / "fresh.xml").read_text(encoding="utf-8")
    assert '<c r="C1" s=' in text and '<c r="B2"' not in text and '<c r="A3" s=' in text and '<c r="B3"' not in text
    assert '<c r="D4"' not in text and '<c r="B5" t="inlineStr">' in text


#: Values a column sees again and again (so equal values of different types meet in its memo), and any others.
_MEMO_POOL = [None, "", "甲", "a & b", " 前导", "_x0041_", "控制\x01", "\ufffe", "长" * 201, 0, 0.0, -0.0, 1, 1.0, True,
              False, 2, 2.5, -2.5, 1e20, 2**60, float("nan"), float("inf"), Decimal("2.5"), Decimal("0"), Decimal("1"),
              Fraction(5, 2), 1 + 0j, dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 14, 30), Link("甲", 'd/"x".xlsx'),
              ["a list"]]
_MEMO_VALUES = st.one_of(st.sampled_from(_MEMO_POOL), st.text(max_size=6), st.integers(), st.floats(),
                         st.dates(min_value=dt.date(1900, 3, 1)))


@st.composite
def _memo_rows(draw: st.DrawFn) -> list[list[object]]:
    """Rows whose values come from a few values (a column sees each again)."""
    pool = draw(st.lists(_MEMO_VALUES, min_size=1, max_size=5))
    return draw(st.lists(st.lists(st.sampled_from(pool), min_size=3, max_size=5), min_size=1, max_size=24))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_memo_rows(), heights=st.lists(st.sampled_from([None, 15.5, 29.0]), min_size=24, max_size=24),
       memo_size=st.sampled_from([3, 256]))
@example(rows=[[0, 1, 2.5]] * 2 + [[-0.0, 1.0, Decimal("2.5")], [0.0, True, Fraction(5, 2)], [-0.0, 1, 2.5]],
         heights=[None] * 24, memo_size=256)
@example(rows=[[v, "甲", None] for v in range(9)] * 2 + [[-0.0, "", 1]], heights=[29.0] * 24, memo_size=3)
def test_rows_passing_one_formats_list_write_what_xlsxwriter_writes(tmp_path: Path, rows: list[list[object]],
                                                                     heights: list[float | None],
                                                                     memo_size: int) -> None:
    """Rows that pass one formats list again (every cell formatted) are written from their columns' memos: any
    values (a bool equals 1, a Decimal a float and ``-0.0`` equals ``0``, yet each is written otherwise; a memo
    that fills up is emptied) give what XlsxWriter's own path writes, byte for byte."""
    from xltools.district import rowstream

    sheets = []
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
        plain, number = book.add_format({"border": 1}), book.add_format({"num_format": "0.00"})
        ws = book.add_worksheet("表", worksheet_class=_RowStream if fast else None)
        formats = [plain, number, plain, number, plain]
        before = rowstream._MEMO_CELLS
        rowstream._MEMO_CELLS = memo_size
        try:
            for row, (values, height) in enumerate(zip(rows, heights)):
                if fast:
                    ws.append_values(row, values, formats, height)
                else:
                    if height is not None:
                        ws.set_row(row, height)
                    for col, (value, fmt) in enumerate(zip(values, formats)):
                        _put(ws, row, col, value, fmt)
        finally:
            rowstream._MEMO_CELLS = before
        book.close()
        if fast:
            assert all(len(memo) <= memo_size + 2 for shape in ws._shapes.values() for memo in shape.memos or ())
        with zipfile.ZipFile(path) as done:
            sheets.append(done.read("xl/worksheets/sheet1.xml"))
    assert sheets[0] == sheets[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_memo_rows(), heights=st.lists(st.sampled_from([None, 15.5, 29.0]), min_size=24, max_size=24))
@example(rows=[[0, "甲", 2.5]] * 2 + [[-0.0, "甲", Decimal("2.5")], [1, "", None], [True, "甲", 2.5]], heights=[None] * 24)
def test_a_renderer_s_utf8_rows_are_its_text_rows_encoded(tmp_path: Path, rows: list[list[object]],
                                                          heights: list[float | None]) -> None:
    """A renderer keeps its memoised cells as UTF-8 and joins rows of known cells as bytes: its file is what the same
    rows rendered as text give, encoded (links left out: a renderer refuses them)."""
    import io

    from xltools.district.rowstream import RowRenderer

    book = xlsxwriter.Workbook(io.BytesIO())
    plain, number = book.add_format({"border": 1}), book.add_format({"num_format": "0.00"})
    names = {plain: "plain", number: "number"}
    formats = [plain, number, plain, number, plain]
    encoded = RowRenderer(str(tmp_path / "encoded.xml"), names, {})
    text = RowRenderer(str(tmp_path / "text.xml"), names, {})
    text._encoded = False  # its rows come back as str and are encoded when written
    for row, (values, height) in enumerate(zip(rows, heights)):
        values = [value for value in values if not isinstance(value, Link)]
        encoded.append_values(row, values, formats, height)
        text.append_values(row, values, formats, height)
    encoded.done(), text.done()
    assert (tmp_path / "encoded.xml").read_bytes() == (tmp_path / "text.xml").read_bytes()


@given(st.text(alphabet=st.sampled_from("甲乙a1 \n"), max_size=40), st.sampled_from([6.0, 10.0, 14.0, 36.0]))
def test_a_row_s_height_is_the_lines_its_text_wraps_to(text: str, width: float) -> None:
    """The heights' shortcut (a text shorter than half the column is one line) holds only without a line break:
    ``"原因\\n措施"`` in a wide column is two lines."""
    from xltools.core.text import wrapped_lines
    from xltools.district.summary_sheets import cells_height, row_height

    lines = wrapped_lines(text, width)
    expected = 13.5 * min(lines, 15) + 2 if lines > 1 else None
    assert row_height([(text, width)]) == expected
    assert cells_height((text,), [(0, width)]) == expected


def test_a_short_text_with_a_line_break_takes_two_lines() -> None:
    from xltools.district.summary_sheets import row_height

    assert row_height([("原因\n措施", 36.0)]) == 13.5 * 2 + 2
