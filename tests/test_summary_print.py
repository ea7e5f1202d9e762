"""Issue 18, the summary a reviewer reads: unit order, 年度 as a number, 来源文件 wrapped, readable print."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from xltools.core import Policy
from xltools.district.results import SHEETS, FileResult
from xltools.district.summary import write_summary
from xltools.district.units import AREAS, STREETS, UNITS, unit_code

from .test_summary import project

# A4 landscape is 11.69 in wide; the summary's margins are 0.4 in left and right.
USABLE = (11.69 - 0.8) * 72
# Excel (ECMA-376 §18.3.1.13): a column of stored width W is trunc(((256 W + trunc(128/7)) / 256) × 7) pixels
# with Calibri 11 (7-pixel digits); a pixel is 0.75 pt.
POINTS = lambda width: int(((256 * width + int(128 / 7)) / 256) * 7) * 0.75  # noqa: E731

# Given in code point order: 三里屯 < 三间房 < 东坝 < 安全 < 建外 < 朝阳 < 首都.
UNITS_GIVEN = ["三里屯街道办事处", "三间房地区办事处", "东坝地区办事处", "安全生产委员会办公室", "建外街道",
               "朝阳区城市管理委员会", "首都机场街道办事处"]
# By hand: the division codes 001 建外, 004 三里屯, 034 三间房, 039 东坝, 400 首都机场; then the units outside
# the table in pinyin order: an (安全…) before chao (朝阳区…).
UNITS_EXPECTED = ["建外街道", "三里屯街道办事处", "三间房地区办事处", "东坝地区办事处", "首都机场街道办事处",
                  "安全生产委员会办公室", "朝阳区城市管理委员会"]
LONG_PATH = "各街道报送/三里屯街道办事处/2024年度/项目支出绩效自评表（背街小巷环境精细化整治）.xlsx"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = [FileResult(LONG_PATH if unit.startswith("三里屯") else f"in/{i}.xlsx", "ok",
                          project=project(unit, f"项目{i}", 100.0, 90.0, 95.0, "优"))
               for i, unit in enumerate(UNITS_GIVEN)]
    path = tmp_path_factory.mktemp("print") / "summary.xlsx"
    write_summary(path, results, Policy())
    return path


def test_the_district_table_has_its_43_units_by_code() -> None:
    codes = [code for code, _ in UNITS]
    assert len(UNITS) == 43 and len(STREETS) == 24 and len(AREAS) == 19
    assert codes == sorted(codes) and len(set(codes)) == 43 and all(c.startswith("110105") for c in codes)
    assert unit_code("朝阳区建外街道") == "110105001" and unit_code("南磨房乡") == "110105021"
    assert unit_code("首都机场街道办事处") == "110105400" and unit_code("东湖街道") == "110105043"
    assert unit_code("朝阳区城市管理委员会") is None


def test_units_in_the_districts_order_then_pinyin(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    projects = [r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)][:-1]
    assert projects == UNITS_EXPECTED
    units = [r[0] for r in wb["按单位"].iter_rows(min_row=2, values_only=True)][:-1]
    assert units == UNITS_EXPECTED


def test_year_is_a_number_and_source_files_wrap(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    for name, column in (("汇总", "年度"), ("项目信息", "年度")):
        ws = wb[name]
        header = [c.value for c in ws[1]]
        assert ws.cell(2, header.index(column) + 1).value == 2024, name  # a number, not the text "2024"
    for name in ("汇总", "项目信息"):
        ws = wb[name]
        col = [c.value for c in ws[1]].index("来源文件") + 1
        rows = {ws.cell(r, col).value: r for r in range(2, ws.max_row + 1)}
        cell = ws.cell(rows[LONG_PATH], col)
        assert cell.alignment.wrap_text, name
        width = ws.column_dimensions[get_column_letter(col)].width
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in LONG_PATH)
        assert units > width  # the path needs more than one line …
        assert (ws.row_dimensions[rows[LONG_PATH]].height or 0) >= 2 * 13  # … and its row has room for two


def _widths(ws) -> list[float]:
    last = ws.max_column
    widths = [8.43] * last
    for key, dim in ws.column_dimensions.items():
        for index in range(dim.min or column_index_from_string(key), (dim.max or dim.min or 0) + 1):
            if index <= last and dim.width:
                widths[index - 1] = dim.width
    return widths


def test_every_sheet_prints_readably_on_a4_landscape(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    for name in SHEETS:
        if name == "图表":
            continue
        ws = wb[name]
        points = [POINTS(w) for w in _widths(ws)]
        breaks = sorted(b.id for b in ws.col_breaks.brk)
        if not breaks:  # fitted to one page width: at 80 % or more
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), name
            assert sum(points) * 0.8 <= USABLE, name
            continue
        scale = ws.page_setup.scale
        assert scale >= 80, name
        key_cols = ws.print_title_cols  # e.g. "$A:$C": repeated on every page column
        assert key_cols, name
        keep = column_index_from_string(key_cols.split(":")[1].strip("$"))
        bounds = [keep, *breaks, len(points)]
        for first, end in zip(bounds, bounds[1:]):
            assert (sum(points[:keep]) + sum(points[first:end])) * scale / 100 <= USABLE, (name, first)


def test_header_labels_break_only_between_words(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    seen_wan = 0
    for name in SHEETS:
        if name == "图表":
            continue
        ws = wb[name]
        for col, width in enumerate(_widths(ws), start=1):
            label = ws.cell(1, col).value
            for line in label.split("\n"):
                units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                assert units <= width - 1, (name, label)  # each line fits: the cell never breaks it again
            if "万元" in label:
                seen_wan += 1
                assert "（万元）" in label.split("\n"), (name, label)
    assert seen_wan >= 5
