import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xltools.core import Policy, score_form, sheet_total
from xltools.core.model import Form, FundRow, Funds, Indicator
from xltools.core.quantity import Quantity
from xltools.core.scoring import (
    budget_score,
    execution_rate,
    grade,
    qualitative_band,
    quantity_score,
    round_half_up,
)
from xltools.core.validation import from_data

from .forms import clean_form

POLICIES = [Policy(), from_data(Policy, {"reverse_rule": "linear"}), from_data(Policy, {"decimals": 0})]
finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
weights = st.floats(min_value=0, max_value=100, allow_nan=False)


def test_execution_rate_r1():
    assert execution_rate(6.6296, 6.6296) == 1.0
    assert execution_rate(100, 85) == 0.85
    assert execution_rate(0, 5) is None
    assert execution_rate(None, 5) is None
    assert execution_rate(100, None) is None


def test_budget_score_caps_at_weight():
    p = Policy()
    assert budget_score(1.2, 10, p) == 10
    assert budget_score(0.855, 10, p) == 8.55
    assert budget_score(None, 10, p) == 0
    assert budget_score(0.8555, 10, from_data(Policy, {"decimals": 0})) == 9


@pytest.mark.parametrize(("value", "decimals", "expected"),
                         [(2.675, 2, 2.68), (1.005, 2, 1.01), (-2.5, 0, -3.0), (0.125, 2, 0.13), (8.5, 0, 9.0),
                          (23.59 + 19.805 + 24.77, 2, 68.17)])
def test_round_half_up_like_excel(value, decimals, expected):
    assert round_half_up(value, decimals) == expected


def test_quantity_rules():
    p = Policy()
    assert quantity_score(Quantity(">=", 100, "人"), Quantity(None, 80, "人"), 10, p) == pytest.approx(8)
    assert quantity_score(Quantity(">=", 100, "人"), Quantity(None, 120, "人"), 10, p) == 10
    assert quantity_score(Quantity("<=", 10, "天"), Quantity(None, 20, "天"), 10, p) == pytest.approx(5)
    linear = from_data(Policy, {"reverse_rule": "linear"})
    assert quantity_score(Quantity("<=", 10, "天"), Quantity(None, 15, "天"), 10, linear) == pytest.approx(5)
    assert quantity_score(Quantity("<=", 10, "天"), Quantity(None, 25, "天"), 10, linear) == 0
    assert quantity_score(Quantity("=", 100, "%"), Quantity(None, 90, "%"), 10, p) == pytest.approx(9)


@given(st.sampled_from([">=", "<=", "=", None]), finite, finite, weights, st.sampled_from(POLICIES))
def test_quantity_score_within_weight(comp, target, actual, weight, policy):
    score = quantity_score(Quantity(comp, target, ""), Quantity(None, actual, ""), weight, policy)
    assert 0 <= score <= weight + 1e-9


@given(finite, finite, finite, weights, st.sampled_from(POLICIES))
def test_positive_monotone_reverse_antitone(target, a1, a2, weight, policy):
    lo, hi = sorted((a1, a2))
    pos = [quantity_score(Quantity(">=", target, ""), Quantity(None, a, ""), weight, policy) for a in (lo, hi)]
    rev = [quantity_score(Quantity("<=", target, ""), Quantity(None, a, ""), weight, policy) for a in (lo, hi)]
    assert pos[0] <= pos[1] + 1e-9
    assert rev[0] >= rev[1] - 1e-9


def test_qualitative_bands():
    assert qualitative_band("已达成年度指标") == "达成"
    assert qualitative_band("部分达成并具有一定效果") == "部分达成"
    assert qualitative_band("未达成且效果较差") == "未达成"
    assert qualitative_band("确保资金安全有效运行") is None


def test_grade_thresholds():
    p = Policy()
    assert [grade(t, p) for t in (100, 90, 89.99, 80, 60, 59.99, 0)] == ["优", "优", "良", "良", "中", "差", "差"]
    assert grade(None, p) == ""


def test_seed_scores(seed_form):
    sheet = score_form(seed_form, Policy())
    assert (sheet.execution_rate, sheet.budget_score, sheet.total, sheet.grade) == (1.0, 10.0, 100.0, "优")
    assert sheet.indicator_scores == [10.0] * 9
    assert sheet.subtotals == {"产出指标": 40.0, "效益指标": 40.0, "满意度指标": 10.0}
    assert sheet_total(seed_form, Policy()) == 100.0


def test_clean_form_scores():
    sheet = score_form(clean_form(), Policy())
    assert sheet.execution_rate == pytest.approx(0.955)
    assert sheet.budget_score == 9.55
    assert sheet.indicator_scores == [20, 15, 15, 15, 14, 10]
    assert sheet.total == 98.55


indicator_rows = st.builds(
    Indicator,
    level1=st.sampled_from(["产出指标", "效益指标", "满意度指标", "其他"]),
    level2=st.just("数量指标"),
    name=st.text(max_size=5),
    target=st.one_of(st.sampled_from(["≥100人", "≤10天", "=100%", "95%", "达成预期指标"]), st.text(max_size=8)),
    actual=st.one_of(st.sampled_from(["80人", "12天", "100%", "已完成", "部分完成"]), st.text(max_size=8)),
    weight=st.one_of(weights, st.text(max_size=4), st.none()),
    score=st.one_of(weights, st.text(max_size=4), st.none()),
)


@given(st.lists(indicator_rows, max_size=12), finite, finite, st.sampled_from(POLICIES))
def test_totals_equal_sums(rows, budget, executed, policy):
    form = Form(funds=Funds(total=FundRow(annual_budget=budget, executed=executed)), indicators=rows)
    sheet = score_form(form, policy)
    for item in sheet.indicators:
        assert 0 <= item.score <= item.weight + 1e-9
    assert 0 <= sheet.budget_score <= sheet.budget_weight
    expected = round_half_up(sheet.budget_score + sum(sheet.indicator_scores), policy.decimals)
    if sheet.weights_absent:  # issue 27: no 分值 at all → not scored
        assert sheet.total is None and sheet.grade is None
    else:  # issue 27: never above the 分值合计 (weights above it hold the total there, ungraded)
        assert math.isclose(sheet.total, min(expected, policy.total_weight), abs_tol=1e-9)
        assert (sheet.above_full is not None) == (expected > policy.total_weight + 1e-9)
    for level1, subtotal in sheet.subtotals.items():
        part = sum(item.score for item in sheet.indicators if item.level1 == level1)
        assert math.isclose(subtotal, round_half_up(part, policy.decimals), abs_tol=1e-9)


@given(st.lists(indicator_rows, max_size=6))
def test_sheet_total_mirrors_formula(rows):
    assume(any(isinstance(r.score, float) for r in rows))
    form = Form(funds=Funds(total=FundRow(annual_budget=10, executed=9)), indicators=rows)
    numeric = sum(r.score for r in rows if isinstance(r.score, float))
    assert sheet_total(form, Policy()) == round_half_up(9.0 + numeric, 2)
