"""Issue 11, silent misreadings: each class with hand-computed examples of our own.

The base form is ``clean_form()`` (tests/forms.py): budget 100 / executed 95.5
(budget score 9.55) and six rows weighted 20, 15, 15, 15, 15, 10 (self-scores
20, 15, 15, 15, 14, 10; total 98.55). Row 5 (index 4) is a qualitative row of
weight 15 with a reason in 偏差原因; its bands under the default policy are
达成 [12, 15], 部分达成 [9, 12), 未达成 [0, 9) (15 × 0.8 = 12, 15 × 0.6 = 9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from xltools.core import Policy, evaluate
from xltools.core.quantity import parse_quantity
from xltools.core.validation import from_data

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def form_with(i: int, **changes: object):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[i] = replace(rows[i], **changes)
    return replace(form, indicators=rows)


def row_findings(form, i: int, policy: Policy | None = None) -> dict[str, str]:
    """code → message of the findings on row ``i`` (the total's findings are left out)."""
    ev = evaluate(form, policy or Policy(), today=TODAY)
    return {f.code: f.message for f in ev.findings if f.field.startswith(f"indicators[{i}]")}


def evaluation(form, policy: Policy | None = None):
    return evaluate(form, policy or Policy(), today=TODAY)


# --- 1. negated or late completion is not 达成 ----------------------------------------------

@pytest.mark.parametrize(("actual", "score", "band", "low", "high"), [
    # 未按时完成: completed late → the late band (部分达成): 15 × 0.6 = 9 to 15 × 0.8 = 12
    ("未按时完成，制度于次年1月印发", 15, "部分达成", "9", "12"),
    # 12 is 80 % of 15: the top of 部分达成 is exclusive (80 % belongs to 达成), so 12 is outside
    ("延期完成", 12, "部分达成", "9", "12"),
    ("项目进度滞后，12月底完成", 14, "部分达成", "9", "12"),
    # 未完成 / 推迟至次年: 未达成 = [0, 9); 9 is 60 % of 15 and belongs to 部分达成
    ("未完成", 10, "未达成", "0", "9"),
    ("推迟至次年", 9, "未达成", "0", "9"),
    ("尚未完成验收", 15, "未达成", "0", "9"),
    # 未全部完成: partly done → 部分达成
    ("未全部完成，剩余两处点位", 13, "部分达成", "9", "12"),
])
def test_negated_or_late_words_are_checked_against_their_band(actual, score, band, low, high):
    messages = row_findings(form_with(4, actual=actual, score=score), 4)
    assert set(messages) == {"qualitative-band"}
    assert f"属“{band}”，应在 {low}–{high} 分之间" in messages["qualitative-band"]


@pytest.mark.parametrize(("actual", "score"), [
    ("未按时完成", 11.5),  # 11.5 / 15 = 76.7 % ∈ [60 %, 80 %)
    ("延期完成", 9),  # 9 / 15 = 60 %: the bottom of 部分达成 is inclusive
    ("未完成", 8.9),  # 59.3 % < 60 %
    ("无延期，按时完成", 14),  # 无延期 negates the lateness: 达成, 14 / 15 = 93 %
    ("未发生延误，全部完成", 15),
])
def test_scores_inside_the_stated_band_pass(actual, score):
    assert row_findings(form_with(4, actual=actual, score=score), 4) == {}


def test_a_completion_date_after_the_target_date_is_late():
    # 2022年4月 begins after the deadline 2021-12-31 → 部分达成 → 9 to 12 of 15
    form = replace(form_with(4, target="2021年12月完成", actual="2022年4月完成", score=15), year=2021)
    message = row_findings(form, 4)["qualitative-band"]
    assert "晚于期限 2021年12月31日" in message and "应在 9–12 分之间" in message
    # the same with the actual one month early: on time, 15 / 15 inside 达成
    early = replace(form_with(4, target="2021年12月完成", actual="2021年11月完成", score=15), year=2021)
    assert row_findings(early, 4) == {}
    # next year written as 次年: 次年2月 is 2022-02 for a 2021 form → late
    form = replace(form_with(4, target="年底前", actual="次年2月完成", score=15), year=2021)
    assert "应在 9–12 分之间" in row_findings(form, 4)["qualitative-band"]


# --- 2. deadlines are time, not quantities ----------------------------------------------------

@pytest.mark.parametrize(("target", "actual", "late"), [
    ("12月前", "11月底", False),  # by 12-31; 11-30 is earlier
    ("11月底", "12月", True),  # 12-01 is after 11-30
    ("6月30日前", "6月28日", False),
    ("6月30日前", "7月5日完成", True),
    ("年底前", "2025年1月", True),  # the form is of 2024: 2025-01-01 > 2024-12-31
    ("第三季度", "10月", True),  # Q3 ends 09-30
    ("第三季度", "9月", False),
    ("2024年10月", "2024年9月完成", False),
    ("十二月底前完成", "已于12月20日完成", False),
])
def test_deadlines_compare_as_dates(target, actual, late):
    assert parse_quantity(target) is None  # never the quantity 12 with the unit 月前
    messages = row_findings(form_with(4, target=target, actual=actual, score=15), 4)
    assert "unit-mismatch" not in messages and "score-mismatch" not in messages
    # on time: 15 of 15 is inside 达成; late: 15 is above 部分达成's 12
    assert ("qualitative-band" in messages) is late


def test_a_month_is_not_a_ratio():
    # "12月" vs "11月" was 11 / 12 × 15 = 13.75 as a positive quantity; as a deadline it is on time
    ev = evaluation(form_with(4, target="12月", actual="11月", score=15))
    assert ev.sheet.indicators[4].kind == "time"
    assert ev.sheet.indicators[4].score == 15  # the self-score stands; 13.75 would be the misreading


def test_a_deadline_met_earns_full_marks():
    # on time is a target met: 14 of 15 is a score-mismatch (15 expected), as for a quantity reached
    ev = evaluation(form_with(4, target="11月底前", actual="11月20日完成", score=14))
    assert ev.sheet.indicators[4].score == 15
    assert "计算应为 15" in {f.code: f.message for f in ev.findings}["score-mismatch"]
    # 按时完成 says the same without a date
    assert evaluation(form_with(4, target="11月底前", actual="按时完成", score=14)).sheet.indicators[4].score == 15
    # late keeps the self-score, checked against the late band (11 of 15 is inside 部分达成)
    late = evaluation(form_with(4, target="11月底前", actual="12月10日完成", score=11))
    assert late.sheet.indicators[4].score == 11
    assert not any(f.field.startswith("indicators[4]") for f in late.findings)


def test_a_deadline_with_a_completion_word_but_no_time_asks_for_the_time():
    messages = row_findings(form_with(4, target="11月底前", actual="已完成", score=15), 4)
    assert set(messages) == {"actual-not-stated"} and "完成时间" in messages["actual-not-stated"]
    assert row_findings(form_with(4, target="11月底前", actual="按时完成", score=15), 4) == {}


# --- 3. placeholders are not values -------------------------------------------------------------

@pytest.mark.parametrize("placeholder", ["一", "—", "-", "/", "无", "暂无", "0", "不适用", "略", "——", "／", 0])
def test_placeholders_in_target_or_actual_are_flagged_never_numbers(placeholder):
    assert parse_quantity(placeholder) is None
    messages = row_findings(form_with(0, target=placeholder, actual="40个", score=20), 0)
    assert set(messages) == {"value-placeholder"} and "年度指标值" in messages["value-placeholder"]
    messages = row_findings(form_with(0, actual=placeholder, score=20), 0)
    assert set(messages) == {"value-placeholder"} and "实际完成值" in messages["value-placeholder"]


def test_a_placeholder_keeps_the_self_score():
    # "一" would have read as the number 1: ≥40个 against 1 → 1/40 × 20 = 0.5; it must stay 20 (self-score)
    ev = evaluation(form_with(0, actual="一", score=20))
    assert ev.sheet.indicators[0].kind == "placeholder" and ev.sheet.indicators[0].score == 20


@pytest.mark.parametrize("reason", ["无", "—", "/", "暂无。", "略"])
def test_placeholder_reasons_explain_nothing(reason):
    # row 1: ≥40个 against 30个 → 30/40 × 20 = 15 points lost 5: a reason is needed
    messages = row_findings(form_with(0, actual="30个", score=15, deviation=reason), 0)
    assert set(messages) == {"deviation-missing"}
    assert f"只填了“{reason}”" in messages["deviation-missing"] and "得分 15 低于分值 20" in messages["deviation-missing"]


def test_low_execution_with_only_placeholder_reasons_stays_flagged():
    # executed 80 of 100 = 80 % < 90 %; the only reason typed is "—"
    form = clean_form(funds={"total": {"initial_budget": 120.0, "annual_budget": 100.0, "executed": 80.0},
                             "fiscal": {"initial_budget": 100.0, "annual_budget": 80.0, "executed": 80.0},
                             "carryover": {"initial_budget": 20.0, "annual_budget": 20.0, "executed": 0.0}},
                      budget_score=8, total_score=97)
    rows = [replace(ind, deviation="—" if ind.deviation else None) for ind in form.indicators]
    rows[4] = replace(rows[4], score=15)
    findings = {f.code: f.message for f in evaluation(replace(form, indicators=rows)).findings}
    assert "low-execution-unexplained" in findings and "“—”" in findings["low-execution-unexplained"]


# --- 4. garbled numbers --------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "typed"), [
    ("actual", "23O人"),  # a letter O for the digit 0
    ("actual", "l00%"),  # a letter l for the digit 1
    ("target", "M.8万元"),
    ("target", "≥2O个"),
    ("actual", "1,0O0个"),
])
def test_garbled_numbers_are_flagged_at_their_cell(part, typed):
    ev = evaluation(form_with(0, **{part: typed}))
    codes = {(f.field, f.code) for f in ev.findings if f.field.startswith("indicators[0]")}
    assert codes == {(f"indicators[0].{part}", "value-garbled")}
    assert ev.sheet.indicators[0].kind == "garbled"  # never silently qualitative
    assert f"“{typed}”" in next(f.message for f in ev.findings if f.code == "value-garbled")


@pytest.mark.parametrize("typed", ["100km", "5t", "ISO9001", "230人", "5G"])
def test_units_and_codes_are_not_garbled(typed):
    from xltools.core.parse import is_garbled_number

    assert not is_garbled_number(typed)


# --- 5. numeric target, text actual ---------------------------------------------------------------

@pytest.mark.parametrize(("target", "actual", "example"), [
    ("≥20个", "已完成", "20个"),
    ("≥40个", "全部改造到位", "40个"),
    ("100%", "验收全部合格", "100%"),
])
def test_a_numeric_target_needs_a_number_in_the_actual(target, actual, example):
    ev = evaluation(form_with(0, target=target, actual=actual, score=20))
    messages = {f.code: f.message for f in ev.findings if f.field.startswith("indicators[0]")}
    assert set(messages) == {"actual-not-stated"}
    assert f"例如“{example}”" in messages["actual-not-stated"]
    assert ev.sheet.indicators[0].score == 20  # the self-score is kept


def test_a_numeric_target_with_a_failing_actual_checks_the_band():
    # "未完成" against ≥40个: no number and 未达成 → 20 is above 20 × 0.6 = 12
    messages = row_findings(form_with(0, actual="未完成", score=20, deviation="选址未定"), 0)
    assert set(messages) == {"actual-not-stated", "qualitative-band"}
    assert "应在 0–12 分之间" in messages["qualitative-band"]


# --- 6. rating scales --------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "actual", "score", "error"), [
    ("优良中差", "差", 15, "0–9"),  # 差 → 未达成: 0 to 15 × 0.6 = 9
    ("优/良/中/差", "中", 13, "9–12"),  # 中 → 部分达成
    ("好/较好/一般/差", "一般", 13, "9–12"),  # 13 / 15 = 86.7 % ≥ 80 %
    ("高/中/低", "低", 10, "0–9"),
    ("优良中差", "良", 14, None),  # 良 → 达成: 14 ∈ [12, 15]
    ("好、较好、一般、差", "较好", 12, None),  # 12 = 80 % is the bottom of 达成
    ("高/中/低", "评价结果：中", 10, None),  # 10 / 15 = 66.7 % ∈ [60 %, 80 %)
    ("良", "优", 15, None),  # one word expected and a better one reached
])
def test_ratings_are_scored_against_their_bands(target, actual, score, error):
    messages = row_findings(form_with(4, target=target, actual=actual, score=score), 4)
    if error is None:
        assert messages == {}
    else:
        assert set(messages) == {"qualitative-band"} and f"应在 {error} 分之间" in messages["qualitative-band"]


# --- 7. cost indicators are upper limits ------------------------------------------------------------

def cost_form(level1: str, level2: str, target: str, actual: str):
    return form_with(0, level1=level1, level2=level2, name="项目成本", target=target, actual=actual)


@pytest.mark.parametrize(("level1", "level2", "target", "actual", "expected"), [
    ("产出指标", "成本指标", "50万元", "60万元", 16.67),  # over the limit: 50/60 × 20 = 16.666… → 16.67
    ("成本指标", "经济成本指标", "100万元", "80万元", 20.0),  # under the limit: full 20
    ("成本指标", "社会成本指标", "200万元", "250万元", 16.0),  # 200/250 × 20 = 16
    ("成本指标", "生态环境成本指标", "≥10万元", "8万元", 16.0),  # an explicit ≥ stays positive: 8/10 × 20
])
def test_cost_targets_without_operator_are_upper_limits(level1, level2, target, actual, expected):
    ev = evaluation(cost_form(level1, level2, target, actual))
    assert ev.sheet.indicators[0].score == expected


def test_cost_as_upper_limit_can_be_switched_off():
    # positive reading: 60 ≥ 50 → full 20
    ev = evaluation(cost_form("产出指标", "成本指标", "50万元", "60万元"), from_data(Policy, {"cost_upper_limit": False}))
    assert ev.sheet.indicators[0].score == 20


# --- 8. self-reported values ----------------------------------------------------------------------------

def test_a_blank_score_is_one_finding_for_either_kind_of_indicator():
    # quantitative: ≥40个 against 30个 → 30/40 × 20 = 15, shown in the message; no deviation-missing
    messages = row_findings(form_with(0, actual="30个", score=None, deviation=None), 0)
    assert set(messages) == {"required-missing"} and "计算为 15 分" in messages["required-missing"]
    # qualitative: 达成 → 12–15 of 15; the review counts 0; no deviation-missing either
    messages = row_findings(form_with(4, score=None, deviation=None), 4)
    assert set(messages) == {"required-missing"} and "应在 12–15 分之间" in messages["required-missing"]
    # time: 11月 is before the deadline 12-31 → a deadline met earns the full 15, shown the same way
    messages = row_findings(form_with(4, target="12月底前", actual="11月完成", score=None, deviation=None), 4)
    assert set(messages) == {"required-missing"} and "计算为 15 分" in messages["required-missing"]
    # time, late: 2025年1月 is after 2024-12-31 → 部分达成, 9 to 12 of 15
    messages = row_findings(form_with(4, target="年底前", actual="2025年1月完成", score=None, deviation=None), 4)
    assert set(messages) == {"required-missing"} and "应在 9–12 分之间" in messages["required-missing"]


def test_blank_budget_score_and_total_are_flagged():
    ev = evaluation(clean_form(budget_score=None, total_score=None))
    messages = {f.field: f.message for f in ev.findings if f.code == "required-missing"}
    assert "应为 9.55 分" in messages["budget_score"]  # 95.5 / 100 × 10
    assert "复核总分为 98.55" in messages["total_score"]  # 9.55 + 20 + 15 + 15 + 15 + 14 + 10


def test_reviewed_total_differs_even_when_the_total_adds_up():
    # row 1: 30个 of ≥40个 → 15, self-score 20; total 98.55 is the sum of the self-scores; review 93.55
    ev = evaluation(form_with(0, actual="30个", deviation="两处选址未定"))
    by_code = {f.code: f for f in ev.findings}
    assert "total-mismatch" not in by_code
    assert by_code["total-review-differs"].field == "total_score"
    assert "复核总分为 93.55，相差 5（自评高于复核）" in by_code["total-review-differs"].message
    # a self-score below the computed one: 16 where 40个 of ≥40个 earns 20; the review keeps 20 → 98.55,
    # the self-reported total is 98.55 - 4 = 94.55
    ev = evaluation(replace(form_with(0, score=16, deviation="保守自评"), total_score=94.55))
    assert "相差 4（自评低于复核）" in next(f.message for f in ev.findings if f.code == "total-review-differs")


# --- 9. a zero total row with money in the 其中 rows ----------------------------------------------------------

@pytest.mark.parametrize(("total", "fiscal", "carryover", "rate", "score"), [
    # (80 + 15.5) / (80 + 20) = 95.5 % → 9.55
    ((0, 0, 0), (100.0, 80.0, 80.0), (20.0, 20.0, 15.5), 0.955, 9.55),
    # 45 / (50 + 25) = 60 % → 6
    ((0, 0, 0), (50.0, 50.0, 30.0), (25.0, 25.0, 15.0), 0.6, 6.0),
    # a blank total row: 12 / 16 = 75 % → 7.5
    ((None, None, None), (10.0, 10.0, 9.0), (6.0, 6.0, 3.0), 0.75, 7.5),
])
def test_rate_from_the_breakdown_when_the_total_row_is_zero(total, fiscal, carryover, rate, score):
    keys = ("initial_budget", "annual_budget", "executed")
    form = clean_form(funds={"total": dict(zip(keys, total)), "fiscal": dict(zip(keys, fiscal)),
                             "carryover": dict(zip(keys, carryover))}, budget_score=score)
    ev = evaluation(form)
    assert ev.sheet.execution_rate == pytest.approx(rate) and ev.sheet.budget_score == score
    flagged = next(f for f in ev.findings if f.field == "funds.total.annual_budget")
    assert flagged.code == ("budget-not-positive" if total[1] == 0 else "required-missing")
    assert f"执行率 {rate:.2%}" in flagged.message and "其中" in flagged.message
