"""Issue 27, classes 7 and 8: no grade above the scale; the reviewed total beside the self-reported one.

``clean_form()`` scores 9.55 + 20 + 15 + 15 + 15 + 14 + 10 = 98.55 with weights 10 + 20 + 15 × 4 + 10 = 100.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from xltools.cli import main
from xltools.core import Policy, evaluate
from xltools.core.validation import as_json, from_data
from xltools.form.annotation import status_text
from xltools.form.verdict import judge_form

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def weighted(weight: float, score: float, total: float):
    form = clean_form(total_score=total)
    rows = [replace(ind) for ind in form.indicators]
    rows[0] = replace(rows[0], weight=weight, score=score)
    return replace(form, indicators=rows)


def test_weights_above_the_full_score_hold_the_total_and_give_no_grade():
    # row 0 weight 25 (40/40: full 25): 9.55 + 25 + 15 + 15 + 15 + 14 + 10 = 103.55 > 100 → 100, 未评级
    ev = evaluate(weighted(25, 25, 103.55), Policy(), today=TODAY)
    assert ev.sheet.total == 100.0 and ev.sheet.grade is None
    message = next(f.message for f in ev.findings if f.code == "weights-sum")
    assert "合计为 105" in message and "复核总分 103.55 超过 100，按 100 分计，未评级" in message
    assert "total-review-differs" not in {f.code for f in ev.findings}  # one problem, one finding


def test_weights_below_the_full_score_give_no_grade():
    # row 0 weight 15: 9.55 + 15 + 15 + 15 + 15 + 14 + 10 = 93.55, weights 95 → 93.55 stands, 未评级
    ev = evaluate(weighted(15, 15, 93.55), Policy(), today=TODAY)
    assert ev.sheet.total == 93.55 and ev.sheet.grade is None
    assert "复核总分未评级" in next(f.message for f in ev.findings if f.code == "weights-sum")


@pytest.mark.parametrize(("weight", "total", "expected"), [
    (25, 103.55, 98.62),  # 103.55 × 100 / 105 = 98.619… → 98.62
    (15, 93.55, 98.47),  # 93.55 × 100 / 95 = 98.473… → 98.47
    (40, 118.55, 98.79),  # 118.55 × 100 / 120 = 98.7916… → 98.79
])
def test_rescale_weights_scales_the_total_and_grades_it_saying_so_once(weight, total, expected):
    ev = evaluate(weighted(weight, weight, total), from_data(Policy, {"rescale_weights": True}), today=TODAY)
    assert ev.sheet.total == expected and ev.sheet.grade == "优" and ev.sheet.rescaled
    notes = [f.message for f in ev.findings if "折算" in f.message]
    assert len(notes) == 1 and f"折算为 {expected:g} 分并评级" in notes[0]


def test_balanced_weights_are_not_rescaled():
    ev = evaluate(clean_form(), from_data(Policy, {"rescale_weights": True}), today=TODAY)
    assert ev.sheet.total == 98.55 and ev.sheet.grade == "优" and not ev.sheet.rescaled


def test_the_annotated_copy_shows_the_self_total_beside_the_reviewed_one():
    # the self total 120 (weights 120) is never shown with 优: the reviewed total is held at 100, 未评级
    verdict = judge_form(replace(weighted(40, 40, 118.55), total_score=120), today=TODAY)
    assert "自评总分 120，复核总分 100（未评级）" in status_text(verdict)
    assert "自评总分 98.55，复核总分 98.55（优）" in status_text(judge_form(clean_form(), today=TODAY))


def test_check_json_and_text_carry_the_reviewed_total_the_self_total_and_null_grades(tmp_path: Path, capsys):
    form = weighted(40, 40, 120)
    path = tmp_path / "form.json"
    path.write_text(as_json(form), encoding="utf-8")
    main(["check", "--json", str(path)])
    result = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (result["self_total"], result["total"], result["grade"]) == (120, 100, None)
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "自评总分 120  复核总分 100  等级 未评级" in out and "weights-sum" in out


def test_check_json_of_a_form_without_weights_is_null(tmp_path: Path, capsys):
    form = clean_form(budget_weight=None, budget_score=None, total_score=None)
    rows = [replace(ind, weight=None, score=None) for ind in form.indicators]
    path = tmp_path / "form.json"
    path.write_text(as_json(replace(form, indicators=rows)), encoding="utf-8")
    main(["check", "--json", str(path)])
    result = json.loads(capsys.readouterr().out.splitlines()[0])
    assert result["total"] is None and result["grade"] is None
    assert [f["code"] for f in result["findings"]] == ["weights-absent"]


def test_the_summary_shows_ungraded_and_unscored_projects_as_such(tmp_path: Path):
    import openpyxl

    from xltools.district.results import FileResult, unit_rows
    from xltools.district.summary import write_summary

    from .test_summary import project

    graded = project("甲街道", "项目一", 100.0, 95.0, 95.0, "优")
    ungraded = project("甲街道", "项目二", 100.0, 95.0, 100.0, None)  # weights 105: held at 100, no grade
    unscored = project("甲街道", "项目三", 100.0, 95.0, 0.0, None)
    unscored = unscored.__class__(**{**{k: getattr(unscored, k) for k in unscored.__slots__}, "review_total": None})
    units = unit_rows([graded, ungraded, unscored], Policy())
    # the unscored project enters neither the mean nor the minimum: (95 + 100) / 2 = 97.5, min 95
    assert (units[0].mean_total, units[0].min_total) == (97.5, 95.0)
    assert units[0].grades == {"优": 1, "良": 0, "中": 0, "差": 0}
    path = tmp_path / "summary.xlsx"
    write_summary(path, [FileResult(f"a/{i}.xlsx", "ok", project=p) for i, p in
                         enumerate((graded, ungraded, unscored))], Policy())
    rows = list(openpyxl.load_workbook(path)["汇总"].iter_rows(values_only=True))
    grade_col, name_col = rows[0].index("等级"), rows[0].index("项目名称")
    assert {r[name_col]: r[grade_col] for r in rows[1:4]} == {"项目一": "优", "项目二": "未评级", "项目三": "未评分"}
