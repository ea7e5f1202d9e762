"""Issue 11, false alarms that must end (each with examples of our own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from xltools.core import Policy, evaluate, profile
from xltools.core.validation import from_data

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def with_rows(**rows: dict[str, object]):
    """clean_form() with row ``r<i>`` changed (weights 20, 15, 15, 15, 15, 10 as in tests/forms.py)."""
    form = clean_form()
    indicators = [replace(ind) for ind in form.indicators]
    for key, changes in rows.items():
        i = int(key[1:])
        indicators[i] = replace(indicators[i], **changes)
    return replace(form, indicators=indicators)


def findings(form, policy: Policy | None = None):
    return [(f.field, f.code, f.message) for f in evaluate(form, policy or Policy(), today=TODAY).findings]


# --- 一级 labels with their weight --------------------------------------------------------------

@pytest.mark.parametrize("label", ["产出指标(50分)", "产出指标（50分）", "产出指标50分", "产出指标（50）"])
def test_level1_with_its_weight_is_valid_when_the_rows_add_up(label):
    # 产出 rows: 20 + 15 + 15 = 50
    assert findings(with_rows(r0={"level1": label}, r1={"level1": label}, r2={"level1": label})) == []


@pytest.mark.parametrize(("label", "rows_sum"), [("产出指标（40分）", "50"), ("效益指标(35分)", "30"),
                                                 ("满意度指标（5分）", "10")])
def test_the_stated_weight_is_checked_against_the_rows(label, rows_sum):
    # 效益 rows 3 and 4: 15 + 15 = 30; 满意度 row 5: 10
    row = {"产": "r0", "效": "r3", "满": "r5"}[label[0]]
    found = findings(with_rows(**{row: {"level1": label}}))
    assert [(field, code) for field, code, _ in found] == [(f"indicators[{row[1:]}].level1", "level1-weight-mismatch")]
    stated = label.split("（")[-1].split("(")[-1].rstrip("分)）")
    assert f"标注{label[:label.index('指标') + 2]} {stated} 分，但其下各行分值合计为 {rows_sum}" in found[0][2]


# --- the 2021+ framework and its vocabulary --------------------------------------------------------

def test_cost_is_a_valid_level1_and_a_valid_level2_under_output():
    cost_level1 = with_rows(r2={"level1": "成本指标", "level2": "经济成本指标", "name": "项目成本",
                                "target": "≤30万元", "actual": "28万元"})
    # 产出 is now 35 and 成本 15: only the (advisory) split differs from 50/30/10/10
    assert [code for _, code, _ in findings(cost_level1)] == ["weight-split"]
    cost_level2 = with_rows(r2={"level2": "成本指标", "name": "项目成本", "target": "≤30万元", "actual": "28万元"})
    assert findings(cost_level2) == []
    for level2 in ("社会成本指标", "生态环境成本指标"):
        form = with_rows(r2={"level1": "成本指标", "level2": level2, "name": "成本", "target": "≤3万元",
                             "actual": "3万元"})
        assert [code for _, code, _ in findings(form)] == ["weight-split"]


def test_satisfaction_as_level2_is_valid():
    assert findings(with_rows(r5={"level2": "满意度指标"})) == []


def test_vocabularies_are_policy():
    # the MoF 2020 profile knows no 成本指标 as 一级 and only 服务对象满意度指标 under 满意度
    form = with_rows(r2={"level1": "成本指标", "level2": "经济成本指标", "target": "≤30万元", "actual": "28万元"},
                     r5={"level2": "满意度指标"})
    codes = {(field, code) for field, code, _ in findings(form, profile("mof2020"))}
    assert ("indicators[2].level1", "level1-invalid") in codes
    assert ("indicators[5].level2", "level2-invalid") in codes
    # 满意度 not required: no level1-absent when it is missing
    without = with_rows(r5={"level1": "效益指标", "level2": "社会效益指标", "target": "≥90%", "actual": "95%"})
    assert "level1-absent" in {code for _, code, _ in findings(without)}
    relaxed = from_data(Policy, {"required_level1": ("产出指标", "效益指标")})
    assert "level1-absent" not in {code for _, code, _ in findings(without, relaxed)}


# --- satisfaction, copies, deviations ----------------------------------------------------------------

@pytest.mark.parametrize("target", ["100", "95", 95, "≥90", "90％"])
def test_a_bare_number_is_a_quantified_satisfaction(target):
    # actual 100 % meets every one of these targets: 10 of 10, nothing to report
    assert findings(with_rows(r5={"target": target, "actual": "100%"})) == []


def test_a_sentence_is_still_an_unquantified_satisfaction():
    found = findings(with_rows(r5={"target": "群众满意，好评率高", "actual": "群众满意度高"}))
    assert [code for _, code, _ in found] == ["satisfaction-not-quantified"]
    assert "“群众满意，好评率高”" in found[0][2]  # quoted as typed: the full-width comma stays


@pytest.mark.parametrize("deadline", ["12月底前", "2024年10月", "年底前", "第三季度"])
def test_actual_copied_does_not_fire_on_deadline_targets(deadline):
    # the deadline met earns the full 15 (total 98.55 + 1)
    form = replace(with_rows(r4={"target": deadline, "actual": deadline, "score": 15}), total_score=99.55)
    assert findings(form) == []


def test_deviation_missing_quotes_the_right_numbers():
    # ≥40个 against 30个: computed 30/40 × 20 = 15; the self-score 20 is not below the weight 20
    found = {code: message for _, code, message in findings(with_rows(r0={"actual": "30个"}))}
    assert "复核得分 15 低于分值 20" in found["deviation-missing"]
    assert "得分 20 低于分值 20" not in found["deviation-missing"]
    # a self-score below the weight is quoted as typed: 12 of 15 on the qualitative row
    found = {code: message for _, code, message in findings(with_rows(r4={"score": 12, "deviation": None}))}
    assert "未填写，而得分 12 低于分值 15" in found["deviation-missing"]


def test_deviation_missing_does_not_repeat_a_blank_score():
    for row in ({"actual": "30个", "score": None}, {"score": None, "deviation": None}):
        codes = [code for field, code, _ in findings(with_rows(r0=row) if "actual" in row else with_rows(r4=row))
                 if field.startswith("indicators")]
        assert codes == ["required-missing"]


# --- messages quote what was typed ------------------------------------------------------------------

@pytest.mark.parametrize(("form", "typed"), [
    (clean_form(funds={"total": {"initial_budget": "１２０万", "annual_budget": 100.0, "executed": 95.5},
                       "fiscal": {"initial_budget": 100.0, "annual_budget": 80.0, "executed": 80.0},
                       "carryover": {"initial_budget": 20.0, "annual_budget": 20.0, "executed": 15.5}}), "１２０万"),
    (clean_form(lead_phone="８５６１２３"), "８５６１２３"),
    (with_rows(r0={"level1": "产出类指标（５０分）"}), "产出类指标（５０分）"),
    (with_rows(r0={"actual": "２３O个"}), "２３O个"),
])
def test_messages_quote_the_cell_as_typed(form, typed):
    assert any(f"“{typed}”" in message for _, _, message in findings(form))
