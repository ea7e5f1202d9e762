"""The district summary keeps every text as typed (issue 11); keys and groups still compare normalised text."""

from __future__ import annotations

import datetime as dt

from xltools.core import Policy
from xltools.district.duplicates import resolve_duplicates
from xltools.district.process import process_file
from xltools.district.results import unit_rows
from xltools.excel.fill import fill_workbook

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def test_texts_are_summarised_as_typed(tmp_path):
    form = clean_form(implementing_unit="朝外街道办事处（东区）", project_name="桶站改造（二期）  一标段",
                      project_lead="王　建国", goal_actual="完成 40 个桶站改造，分类准确率 ９２％。")
    result = process_file(str(fill_workbook(form, tmp_path / "typed.xlsx")), today=TODAY)
    project = result.project
    assert project is not None
    # full-width parentheses, the ideographic space, the two blanks and the full-width digits stay
    assert (project.unit, project.name, project.lead) == ("朝外街道办事处（东区）", "桶站改造（二期）  一标段", "王　建国")
    assert "完成 40 个桶站改造，分类准确率 ９２％。" in project.details  # 实际完成情况, as typed


def test_spellings_of_one_project_are_one_project(tmp_path):
    # the same project typed with full-width and with ASCII parentheses: the older one is superseded
    newer = clean_form(project_name="桶站改造（二期）", filled_on="2025-02-10")
    older = clean_form(project_name="桶站改造(二期)", filled_on="2025-01-20")
    results = [process_file(str(fill_workbook(f, tmp_path / f"{i}.xlsx")), today=TODAY)
               for i, f in enumerate((newer, older))]
    resolve_duplicates(results)
    assert [r.fate for r in results] == ["ok", "superseded"]
    # grouped as one unit although typed two ways; shown as first typed
    other = clean_form(implementing_unit="朝外街道办事处 ", project_name="另一个项目")
    third = process_file(str(fill_workbook(other, tmp_path / "third.xlsx")), today=TODAY)
    rows = unit_rows([results[0].project, third.project], Policy())
    assert [(row.unit, row.projects) for row in rows] == [("朝外街道办事处", 2)]
