"""The summary workbook writer: sheets, layout, aggregates and formula-injection safety (read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from xltools.core import Policy
from xltools.district.results import (
    SHEETS,
    FileResult,
    IndicatorRow,
    ProjectRow,
    unit_rows,
)
from xltools.district.summary import write_summary


def project(unit: str, name: str, budget: float, executed: float, total: float, grade: str) -> ProjectRow:
    return ProjectRow(
        year="2024", unit=unit, department="城管办", name=name, lead="王", initial_budget=budget,
        annual_budget=budget, executed=executed, execution_rate=executed / budget, budget_score=10.0,
        subtotals={"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}, self_total=total, review_total=total,
        grade=grade, filled_on=dt.date(2025, 1, 20),
        packed_indicators=ProjectRow.pack([IndicatorRow("产出指标", "数量指标", "+桶站数", "≥40个", "@40个", 20, 20,
                                                        20.0, "-无")]),
    )


@pytest.fixture(scope="module")
def results() -> list[FileResult]:
    return [
        FileResult("a/1.xlsx", "ok", project=project("甲街道", "=1+1", 100.0, 50.0, 95.0, "优"),
                   findings=[("自评表", "H21", "score-mismatch", "error", "=cmd|' /C calc'!A0")]),
        FileResult("a/2.xlsx", "tampered", project=project("甲街道", "项目二", 300.0, 300.0, 70.0, "中")),
        FileResult("b/3.xlsx", "ok", project=project("乙街道", "项目三", 10.0, 9.0, 85.5, "良")),
        FileResult("b/4.xlsx", "superseded", project=project("乙街道", "项目三", 10.0, 1.0, 10.0, "差")),
        FileResult("b/~$4.xlsx", "skipped", "Excel 锁定文件"),
        FileResult("b/5.xlsx", "unreadable", "文件已损坏"),
        FileResult("b/6.xlsx", "not-template", "没有「自评表」工作表，不是朝阳区项目支出绩效自评表" * 3),
    ]


@pytest.fixture(scope="module")
def summary(results, tmp_path_factory):
    path = tmp_path_factory.mktemp("summary") / "summary.xlsx"
    write_summary(path, results, Policy())
    return path


def test_unit_rows_use_the_rate_of_the_sums():
    rows = unit_rows([project("甲", "x", 100.0, 50.0, 95.0, "优"), project("甲", "y", 300.0, 300.0, 70.0, "中")],
                     Policy())
    assert rows[0].execution_rate == pytest.approx(350 / 400)  # not (0.5 + 1.0) / 2
    assert (rows[0].mean_total, rows[0].min_total) == (82.5, 70.0)
    assert rows[0].grades == {"优": 1, "良": 0, "中": 1, "差": 0}


def test_sheets_headers_and_print_setup(summary):
    book = openpyxl.load_workbook(summary)
    assert tuple(book.sheetnames) == SHEETS
    for name in set(SHEETS) - {"图表"}:
        ws = book[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")
        assert ws.auto_filter.ref
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.print_title_rows
    ws = book["汇总"]
    headers = [c.value.replace("\n", "") for c in ws[1]]  # long labels break between words
    for text in ("序号", "实施单位", "主管部门", "项目名称", "项目负责人", "执行率", "预算执行得分", "自评总分",
                 "复核总分", "等级", "来源文件"):
        assert any(h and h.startswith(text) for h in headers), text
    assert ws.cell(2, headers.index("执行率") + 1).number_format == "0.00%"
    assert ws.column_dimensions["D"].width > 20


def test_projects_units_and_files(summary, results):
    book = openpyxl.load_workbook(summary, data_only=True)
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    # sorted by unit (units outside the district's table in pinyin order: 甲 jiǎ before 乙 yǐ) then project;
    # superseded and unreadable files are left out
    assert [(r[1], r[3]) for r in rows[:-1]] == [("甲街道", "=1+1"), ("甲街道", "项目二"), ("乙街道", "项目三")]
    total = rows[-1]
    assert total[1] == "全区合计" and total[7] == 410.0 and total[8] == 359.0
    assert total[9] == pytest.approx(359 / 410)
    units = {r[0]: r for r in book["按单位"].iter_rows(min_row=2, values_only=True)}
    assert units["甲街道"][1:5] == (2, 400.0, 350.0, pytest.approx(0.875))
    assert units["全区合计"][1] == 3
    files = {r[1]: r[2] for r in book["文件清单"].iter_rows(min_row=2, values_only=True)}
    # a/1 has one error finding, b/3 none: 正常 is split by errors
    assert files == {"a/1.xlsx": "正常、有错误", "a/2.xlsx": "模板被改动", "b/3.xlsx": "正常、无错误", "b/4.xlsx": "已被新版本取代",
                     "b/~$4.xlsx": "已跳过", "b/5.xlsx": "无法读取", "b/6.xlsx": "非本模板"}
    details = list(book["指标明细"].iter_rows(min_row=2, values_only=True))
    assert len(details) == 3 and details[0][5] == "+桶站数"
    problems = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    assert problems[0][6] == "score-mismatch" and problems[0][8] == "=cmd|' /C calc'!A0"


def test_long_reasons_get_taller_rows(summary):
    ws = openpyxl.load_workbook(summary)["文件清单"]
    rows = {ws.cell(r, 2).value: r for r in range(2, ws.max_row + 1)}
    assert ws.row_dimensions[rows["b/6.xlsx"]].height >= 40  # three lines of wrapped text
    assert ws.row_dimensions[rows["b/5.xlsx"]].height is None  # one line: the default height


def test_text_that_looks_like_a_formula_stays_text(summary):
    with zipfile.ZipFile(summary) as archive:
        sheets = [archive.read(name).decode("utf-8") for name in archive.namelist()
                  if name.startswith("xl/worksheets/sheet")]
    everything = "".join(sheets)
    for text in ("=1+1", "+桶站数", "@40个", "-无", "=cmd|' /C calc'!A0"):
        escaped = text.replace("&", "&amp;").replace("'", "&apos;")
        assert f"<t>{escaped}</t>" in everything or f"<t>{text}</t>" in everything, text
    formulas = [f for sheet in sheets for f in sheet.split("<f>")[1:]]
    assert formulas and not any(f.startswith(("1+1", "cmd")) for f in formulas)


def test_empty_summary_is_still_written(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_summary(path, [FileResult("x.txt", "skipped", "不是 Excel 工作簿")], Policy())
    book = openpyxl.load_workbook(path)
    assert book["文件清单"]["C2"].value == "已跳过"
