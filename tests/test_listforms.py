"""List workbooks (issue 25 §4): one row per indicator for many projects, split into one form per project.

The list is written here with openpyxl in a budget system's shape (a title row, the header, project
columns repeated for the first project and left blank below the second's first row, 一级指标 blank
under its first row); expected forms, scores and cells are worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from openpyxl import Workbook

from xltools.form.verdict import judge_form
from xltools.io.labelbook import NotAList, read_list_forms, read_other_layout
from xltools.io.xlsxread import read_workbook

TODAY = dt.date(2026, 12, 1)
HEADER = ["项目代码", "主管部门", "实施单位", "项目名称", "年初预算数（万元）", "全年预算数", "全年执行数", "年度总体目标",
          "一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "偏差原因", "总分"]
P1 = ["110105-001", "城市管理办公室", "朝外街道办事处", "垃圾分类桶站改造", 120, 100, 95.5, "完成辖区 40 个桶站改造"]
P1_ROWS = [
    ["产出指标", "数量指标", "改造桶站数量", "≥40个", "40个", 20, 20, None, 98.55],
    ["产出指标", "质量指标", "验收合格率", "100%", "100%", 15, 15, None, 98.55],
    ["产出指标", "时效指标", "完工时间", "≤30天", "28天", 15, 15, None, 98.55],
    ["效益指标", "社会效益指标", "分类准确率", "≥90%", "92%", 15, 15, None, 98.55],
    ["效益指标", "可持续影响指标", "长效管理机制", "建立桶站长效管护机制", "已达成：管护制度印发并执行", 15, 14,
     "制度执行初期部分点位巡查记录不全，下一步按月通报", 98.55],
    ["满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "95%", 10, 10, None, 98.55],
]
P2 = ["110105-002", "社区办", "朝外街道办事处", "社区活动中心维修", 30, 30, 28.5, "完成活动中心维修并开放"]
P2_ROWS = [
    ["产出指标", "数量指标", "维修面积", "≥500平方米", "520平方米", 20, 20, None, 99.5],
    [None, "时效指标", "完工时间", "≤60天", "58天", 20, 20, None, None],
    [None, "质量指标", "验收合格率", "100%", "100%", 10, 10, None, None],
    ["效益指标", "社会效益指标", "活动开放天数", "≥200天", "210天", 15, 15, None, None],
    [None, "可持续影响指标", "开放后维护月数", "≥12个月", "12个月", 15, 15, None, None],
    ["满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "94%", 10, 10, None, None],
]


@pytest.fixture
def listbook(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "导出"
    ws.append(["2024年度项目支出绩效自评（预算系统导出）"])
    ws.append(HEADER)
    for row in P1_ROWS:  # rows 3-8: the project's columns on every row
        ws.append(P1 + row)
    for i, row in enumerate(P2_ROWS):  # rows 9-12: the project's columns only on its first row
        ws.append((P2 if i == 0 else [None] * len(P2)) + row)
    wb.save(tmp_path / "list.xlsx")
    return tmp_path / "list.xlsx"


def test_a_list_is_split_into_one_form_per_project(listbook):
    sheet, listed = read_list_forms(read_workbook(listbook))
    assert sheet == "导出" and len(listed) == 2
    first, second = listed
    assert first.rows == (3, 4, 5, 6, 7, 8) and second.rows == (9, 10, 11, 12, 13, 14)
    assert (second.form.project_name, second.form.implementing_unit, second.form.department) == (
        "社区活动中心维修", "朝外街道办事处", "社区办")
    assert asdict(second.form.fund("total")) == {"initial_budget": 30, "annual_budget": 30, "executed": 28.5}
    assert [i.level1 for i in second.form.indicators] == ["产出指标"] * 3 + ["效益指标"] * 2 + ["满意度指标"]  # filled down
    assert [(i.target, i.actual, i.weight, i.score) for i in second.form.indicators] == [
        ("≥500平方米", "520平方米", 20, 20), ("≤60天", "58天", 20, 20), ("100%", "100%", 10, 10),
        ("≥200天", "210天", 15, 15), ("≥12个月", "12个月", 15, 15), ("≥90%", "94%", 10, 10)]
    assert first.form.indicators[4].deviation.startswith("制度执行初期")


def test_each_project_is_checked_on_its_own(listbook):
    _, listed = read_list_forms(read_workbook(listbook))
    totals = []
    for item in listed:
        verdict = judge_form(item.form, reading=item.findings, origins=item.origins, today=TODAY)
        totals.append((verdict.evaluation.sheet.budget_score, verdict.evaluation.sheet.total))
        not_located = {f.field for f in verdict.findings if f.code == "field-not-located"}
        # the export has no 年度, 负责人, 填表人 … columns: each is said once, and nothing else is wrong
        assert {"year", "project_lead", "lead_phone", "filled_by", "filled_on", "budget_score"} <= not_located
        assert all(f.code == "field-not-located" or f.field in not_located for f in verdict.findings), \
            [(f.field, f.code) for f in verdict.findings]
    # 95.5/100 → 9.55 + 20+15+15+15+14+10 = 98.55;  28.5/30 = 95 % → 9.5 + 20+20+10+15+15+10 = 99.5
    assert totals == [(pytest.approx(9.55), pytest.approx(98.55)), (pytest.approx(9.5), pytest.approx(99.5))]


def test_every_value_is_placed_at_its_list_cell(listbook):
    _, (first, second) = read_list_forms(read_workbook(listbook))
    # columns: A 项目代码 B 主管部门 C 实施单位 D 项目名称 E 年初预算数 F 全年预算数 G 全年执行数 H 年度总体目标
    # I 一级 J 二级 K 三级 L 指标值 M 实际完成值 N 分值 O 得分 P 偏差原因 Q 总分
    assert first.origins["project_name"] == "导出!D3"
    assert first.origins["indicators[4].score"] == "导出!O7"
    assert second.origins["funds.total.executed"] == "导出!G9"
    assert second.origins["indicators[2].actual"] == "导出!M11"
    assert second.origins["indicators[3].level2"] == "导出!J12"
    assert second.origins["total_score"] == "导出!Q9"
    assert second.origins["department"] == "导出!B9"  # blank on rows 10-14: the project's row
    assert second.origins["indicators[2].level1"] == "导出!I9"  # blank on rows 10-11: filled down from row 9
    assert second.origins["indicators[4].level1"] == "导出!I12"  # blank on row 13: filled down from row 12


def test_a_list_is_not_a_single_form_and_a_form_is_not_a_list(listbook, tmp_path):
    from tests.labelkit import layout_a

    with pytest.raises(NotAList):
        read_list_forms(read_workbook(layout_a(tmp_path / "a.xlsx")))
    assert read_other_layout(read_workbook(layout_a(tmp_path / "a.xlsx"))).form.project_name == "社区养老驿站运营补贴"
