"""Excel forms of other layouts read by their labels (issue 25 §3).

The four layouts are in tests/labelkit.py; each expected form below is typed by hand from that layout,
each expected score worked out by hand (noted beside it), each place counted from the layout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from openpyxl import Workbook

from tests.forms import FIXTURES
from tests.labelkit import layout_a, layout_b, layout_c, layout_d
from xltools.core import Form
from xltools.core.validation import from_data
from xltools.form.identify import NotTemplate, identify
from xltools.form.labelform import NotAForm
from xltools.form.verdict import judge_form
from xltools.io.labelbook import read_other_layout, sheet_grid
from xltools.io.xlsxread import read_workbook

TODAY = dt.date(2026, 12, 1)


def _ind(level1, level2, name, target, actual, weight, score, deviation=None):
    return {"level1": level1, "level2": level2, "name": name, "target": target, "actual": actual,
            "weight": weight, "score": score, "deviation": deviation}


def _read(path):
    book = read_workbook(path)
    with pytest.raises(NotTemplate):
        identify(book)  # none of them is a template of ours: today's 非模板
    reading = read_other_layout(book)
    verdict = judge_form(reading.form, reading=reading.findings, origins=reading.origins, today=TODAY)
    return reading, verdict


def _codes(verdict):
    return sorted((f.field, f.code) for f in verdict.findings)


def test_layout_a_columns_in_another_order(tmp_path):
    reading, verdict = _read(layout_a(tmp_path / "a.xlsx"))
    expected = from_data(Form, {
        "year": 2024, "project_name": "社区养老驿站运营补贴", "department": "民政科",
        "implementing_unit": "和平街街道办事处", "project_lead": "赵敏", "lead_phone": "010-84270000",
        "funds": {"total": {"initial_budget": 50, "annual_budget": 50, "executed": 48},
                  "fiscal": {"initial_budget": 50, "annual_budget": 50, "executed": 48}},
        "budget_weight": 10, "budget_score": 9.6,
        "goal_expected": "为辖区 300 名老人提供助餐服务", "goal_actual": "为 320 名老人提供助餐服务",
        "indicators": [
            _ind("产出指标", "数量指标", "助餐服务人数", "≥300人", "320人", 20, 20),
            _ind("产出指标", "质量指标", "餐品抽检合格率", "100%", "100%", 15, 15),
            _ind("产出指标", "时效指标", "服务开通时间", "≤30天", "25天", 15, 15),
            _ind("效益指标", "社会效益指标", "老人就餐便利度", "≥90%", "95%", 15, 15),
            _ind("效益指标", "可持续影响指标", "驿站持续运营月数", "12个月", "12个月", 15, 15),
            _ind("满意度指标", "服务对象满意度指标", "老人满意度", "≥90%", "96%", 10, 10)],
        "total_score": 99.6, "filled_by": "孙丽", "filler_phone": "13800001234", "filled_on": "2025-01-10"})
    assert reading.form == expected
    sheet = verdict.evaluation.sheet
    assert sheet.budget_score == pytest.approx(9.6)  # 48 / 50 = 96 % of 分值 10
    assert sheet.indicator_scores == [20, 15, 15, 15, 15, 10]  # every target met
    assert sheet.total == pytest.approx(99.6)
    assert verdict.findings == []
    assert {k: reading.origins[k] for k in ("year", "project_name", "lead_phone", "funds.total.executed",
                                           "budget_score", "indicators[0].weight", "indicators[0].target",
                                           "total_score", "filled_by", "filled_on")} == {
        "year": "绩效自评!A1", "project_name": "绩效自评!B2", "lead_phone": "绩效自评!H3",
        "funds.total.executed": "绩效自评!D6", "budget_score": "绩效自评!G6", "indicators[0].weight": "绩效自评!D10",
        "indicators[0].target": "绩效自评!E10", "total_score": "绩效自评!G16", "filled_by": "绩效自评!A17",
        "filled_on": "绩效自评!E17"}


def test_layout_b_no_initial_budget_and_lead_with_phone_in_one_cell(tmp_path):
    reading, verdict = _read(layout_b(tmp_path / "b.xlsx"))
    form = reading.form
    assert (form.project_lead, form.lead_phone) == ("钱伟", "13911112222")
    assert asdict(form.fund("total")) == {"initial_budget": None, "annual_budget": 80, "executed": 80}
    assert (form.budget_weight, form.budget_score, form.year, form.total_score) == (10, 10, 2024, 100)
    assert (form.filled_by, form.filler_phone, form.filled_on) == ("周宁", "010-87770000", dt.date(2025, 1, 15))
    assert [(i.target, i.actual, i.weight) for i in form.indicators] == [
        ("20栋", "20栋", 20), ("100%", "100%", 15), ("≤60天", "55天", 15), ("≥95%", "98%", 15), ("≥2年", "2年", 15),
        ("≥90%", "92%", 10)]
    assert verdict.evaluation.sheet.total == 100  # 80 / 80 → 10, every target met → 90
    assert _codes(verdict) == [("funds.total.initial_budget", "field-not-located"),
                               ("funds.total.initial_budget", "required-missing")]
    [missing] = [f for f in verdict.findings if f.code == "field-not-located"]
    assert "工作表「Sheet1」中找不到「年初预算数」" in missing.message
    origins = reading.origins
    assert (origins["project_lead"], origins["lead_phone"], origins["year"]) == ("Sheet1!B3", "Sheet1!B3", "Sheet1!B4")
    assert (origins["funds.total.annual_budget"], origins["funds.total.executed"], origins["budget_weight"]) == (
        "Sheet1!A6", "Sheet1!B6", "Sheet1!D6")
    assert (origins["indicators[5].deviation"], origins["total_score"], origins["filler_phone"]) == (
        "Sheet1!H15", "Sheet1!B16", "Sheet1!D17")


def test_layout_c_without_any_weight(tmp_path):
    reading, verdict = _read(layout_c(tmp_path / "c.xlsx"))
    form = reading.form
    assert form.budget_weight is None  # not the model's preset 10: it was not there to read
    assert [i.weight for i in form.indicators] == [None, None, None]
    assert [i.score for i in form.indicators] == [20, 30, 10]
    assert (form.project_name, form.year) == ("街巷环境整治", 2024)  # the spacer column B skipped
    assert (reading.origins["project_name"], reading.origins["year"]) == ("Sheet1!C3", "Sheet1!A2")
    sheet = verdict.evaluation.sheet
    # a blank 分值 scores the budget with the policy's preset 10 (30/30 → 10) and each indicator 0; with no
    # 分值 anywhere the form is not scored (issue 27: weights-absent, total and grade null, no flood)
    assert (sheet.budget_score, sheet.indicator_scores, sheet.total, sheet.grade) == (10, [0, 0, 0], None, None)
    codes = _codes(verdict)
    assert ("budget_weight", "field-not-located") in codes and ("indicators", "field-not-located") in codes
    assert ("indicators", "weights-absent") in codes
    assert [c for c in codes if c[1] == "required-missing"] == []
    header = [f for f in verdict.findings if f.field == "indicators" and f.code == "field-not-located"]
    assert header[0].cell == "Sheet1!A9" and "「分值」" in header[0].message


def test_layout_d_split_nature_value_unit_columns(tmp_path):
    reading, verdict = _read(layout_d(tmp_path / "d.xlsx"))
    form = reading.form
    assert (form.project_name, form.department) == ("社区老年人健康讲座", "卫健科")  # inline in merged cells
    assert [(i.level1, i.target, i.actual) for i in form.indicators] == [
        ("产出指标", "≥12场", "12场"), ("产出指标", "≥600人次", "650人次"), ("效益指标", "≥85%", "90%"),
        ("效益指标", "=100%", "100%"), ("满意度指标", "≥90%", "95%")]
    assert verdict.evaluation.sheet.indicator_scores == [25, 25, 15, 15, 10]
    assert verdict.evaluation.sheet.total == 100  # 12/12 → 10, every target met → 90
    assert _codes(verdict) == [("goal_actual", "field-not-located"), ("goal_actual", "required-missing"),
                               ("goal_expected", "field-not-located"), ("goal_expected", "required-missing")]
    origins = reading.origins
    assert (origins["project_name"], origins["department"], origins["lead_phone"]) == ("自评!A2", "自评!F2", "自评!G3")
    assert (origins["indicators[1].level1"], origins["indicators[1].target"], origins["indicators[3].actual"]) == (
        "自评!A8", "自评!E9", "自评!G11")
    assert origins["total_score"] == "自评!I13"


def test_a_workbook_without_the_form_labels_is_not_a_form(tmp_path):
    wb = Workbook()
    wb.active.append(["姓名", "部门", "金额"])
    wb.active.append(["张三", "财政科", 12])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(NotAForm):
        read_other_layout(read_workbook(tmp_path / "x.xlsx"))


def test_the_template_itself_also_reads_by_labels():
    """The label reader is the fallback for other layouts; on our own template's sheet it reads what the
    layout registry reads (a check that the labels match the notice's wording)."""
    from xltools.io.forms import load_form

    loaded = load_form(FIXTURES / "v1_0" / "clean.xlsx")
    sheet = loaded.book.sheet("自评表")
    reading = read_other_layout(type(loaded.book)({"自评表": sheet}, ["自评表"], {}, False, False))
    form = loaded.form
    got = reading.form
    assert (got.project_name, got.implementing_unit, got.lead_phone, got.filled_on) == (
        form.project_name, form.implementing_unit, form.lead_phone, form.filled_on)
    assert got.fund("total") == form.fund("total")
    assert [asdict(i) for i in got.indicators] == [asdict(i) for i in form.indicators if not i.is_empty()]


def test_sheet_grid_shares_merged_cells():
    grid = sheet_grid("S", {"A1": "项目名称", "B1": "x", "A3": 1}, ["B1:C2"])
    assert len(grid) == 3 and len(grid[0]) == 3
    assert grid[1][2] is grid[0][1] and grid[1][2].where == "S!B1"
    assert grid[2][0].value == 1 and grid[2][1].value is None and grid[2][1].where == "S!B3"
