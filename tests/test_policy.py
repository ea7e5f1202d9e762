"""Issue 11, regional rules as policy: every option by hand-computed cases, profiles, validation, TOML."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core import PROFILES, Form, Policy, PolicyError, evaluate, policy_from_toml, policy_toml, profile
from xltools.core.policy import policy_json, policy_titles
from xltools.core.validation import from_data, from_json

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def sheet(form: Form, policy: Policy):
    return evaluate(form, policy, today=TODAY).sheet


def codes(form: Form, policy: Policy) -> list[tuple[str, str]]:
    return [(f.field, f.code) for f in evaluate(form, policy, today=TODAY).findings]


def budget_form(initial: float | None, annual: float | None, executed: float) -> Form:
    """clean_form() with only a total row (its 6 rows earn 20+15+15+15+14+10 = 89)."""
    return clean_form(funds={"total": {"initial_budget": initial, "annual_budget": annual, "executed": executed}},
                      budget_score=None, total_score=None)


# --- denominator -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("denominator", "initial", "annual", "executed", "rate", "score"), [
    ("annual", 120.0, 100.0, 95.5, 0.955, 9.55),  # 95.5 / 100
    ("initial", 120.0, 100.0, 95.5, 95.5 / 120, 7.96),  # 95.5 / 120 = 0.79583 → 7.9583 → 7.96
    ("adjusted", 120.0, 100.0, 95.5, 0.955, 9.55),  # 全年预算数 is the adjusted budget when present
    ("adjusted", 80.0, None, 60.0, 0.75, 7.5),  # no 全年预算数: 60 / 80
    ("annual", 80.0, None, 60.0, None, 0.0),  # the default has no rate without 全年预算数
])
def test_rate_denominator(denominator, initial, annual, executed, rate, score):
    result = sheet(budget_form(initial, annual, executed), from_data(Policy, {"rate_denominator": denominator}))
    assert (result.execution_rate is None) == (rate is None)
    if rate is not None:
        assert result.execution_rate == pytest.approx(rate)
    assert result.budget_score == score


# --- rate rounding ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("executed", "decimals", "score"), [
    (49.88, "off", 4.99),  # 49.88 % × 10 = 4.988 → 4.99
    (49.88, 0, 5.0),  # 49.88 % → 50 % → 5
    (49.44, 0, 4.9),  # 49.44 % → 49 % → 4.9
    (49.45, 1, 4.95),  # 49.45 % → 49.5 % (one decimal of the percentage) → 4.95
    (99.5, 0, 10.0),  # 99.5 % → 100 % (half away from zero) → 10
])
def test_rate_rounding_before_scoring(executed, decimals, score):
    result = sheet(budget_form(100.0, 100.0, executed), from_data(Policy, {"rate_decimals": decimals}))
    assert result.budget_score == score
    assert result.execution_rate == pytest.approx(executed / 100)  # the rate itself is shown unrounded


# --- total capped by the execution rate -----------------------------------------------------------------

CAPS = from_data(Policy, {"total_caps": ({"below": 0.5, "max_total": 59}, {"below": 0.6, "max_total": 69},
                          {"below": 0.7, "max_total": 79}, {"below": 0.8, "max_total": 89})})


@pytest.mark.parametrize(("executed", "total", "cap"), [
    (45.0, 59.0, 59.0),  # 4.5 + 89 = 93.5, rate 45 % < 50 % → 59
    (65.0, 79.0, 79.0),  # 6.5 + 89 = 95.5, 60 % ≤ 65 % < 70 % → 79
    (79.99, 89.0, 89.0),  # 8.0 + 89 = 97.0 (8.0 = 7.999 rounded), < 80 % → 89
    (85.0, 97.5, None),  # 8.5 + 89 = 97.5, no band below 85 %
])
def test_total_capped_by_the_rate(executed, total, cap):
    result = sheet(budget_form(100.0, 100.0, executed), CAPS)
    assert result.total == total and result.cap == cap


def test_the_cap_uses_the_rounded_rate_and_is_off_by_default():
    # 49.6 % rounds to 50 % → band "below 0.6" → 69, not 59; budget score 5 + 89 = 94 → 69
    result = sheet(budget_form(100.0, 100.0, 49.6), replace(CAPS, rate_decimals=0))
    assert result.total == 69
    assert sheet(budget_form(100.0, 100.0, 45.0), Policy()).total == 93.5  # 4.5 + 89, no cap


def test_a_capped_total_is_reported_at_the_total():
    form = replace(budget_form(100.0, 100.0, 45.0), budget_score=4.5, total_score=93.5)
    message = next(f.message for f in evaluate(form, CAPS, today=TODAY).findings if f.code == "total-review-differs")
    assert "复核总分为 59，相差 34.5" in message and "总分最高 59" in message


# --- over-achievement ----------------------------------------------------------------------------------------

OVER = from_data(Policy, {"over_achievement": 0.2, "over_achievement_deduction": 2})


def first_row(**changes: object) -> Form:
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[0] = replace(rows[0], **changes)
    return replace(form, indicators=rows)


@pytest.mark.parametrize(("target", "actual", "score", "over"), [
    ("≥40个", "50个", 18.0, True),  # (50 - 40) / 40 = 25 % ≥ 20 % → 20 - 2 = 18
    ("≥40个", "48个", 18.0, True),  # exactly 20 % counts
    ("≥40个", "47个", 20.0, False),  # 17.5 % < 20 %
    ("≤30天", "20天", 18.0, True),  # reverse: (30 - 20) / 30 = 33 % → 18
])
def test_over_achievement_needs_a_reason_and_deducts(target, actual, score, over):
    result = sheet(first_row(target=target, actual=actual), OVER)
    assert result.indicators[0].score == score
    found = codes(first_row(target=target, actual=actual, score=score), OVER)
    assert (("indicators[0].deviation", "over-achievement-unexplained") in found) is over
    explained = codes(first_row(target=target, actual=actual, score=score, deviation="指标值按上年实际偏低"), OVER)
    assert ("indicators[0].deviation", "over-achievement-unexplained") not in explained


def test_over_achievement_is_off_by_default():
    assert sheet(first_row(target="≥40个", actual="80个"), Policy()).indicators[0].score == 20


# --- inapplicable indicators dropped -------------------------------------------------------------------------

DROP = from_data(Policy, {"drop_inapplicable": True})


@pytest.mark.parametrize(("row", "target", "total"), [
    # drop row 5 (weight 15, self 14): (9.55 + 20 + 15 + 15 + 15 + 10) × 100 / 85 = 84.55 × 100/85 = 99.47
    (4, "不适用", 99.47),
    # drop row 1 (weight 20): (9.55 + 15 + 15 + 15 + 14 + 10) × 100 / 80 = 78.55 × 1.25 = 98.19 (98.1875)
    (0, "—", 98.19),
    # drop row 6 (weight 10): (9.55 + 20 + 15 + 15 + 15 + 14) × 100 / 90 = 88.55 / 0.9 = 98.39 (98.3889)
    (5, "不涉及", 98.39),
])
def test_inapplicable_rows_are_dropped_and_the_rest_rescaled(row, target, total):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[row] = replace(rows[row], target=target, actual=target, score=None)
    form = replace(form, indicators=rows)
    result = sheet(form, DROP)
    assert result.total == total and result.indicators[row].dropped
    found = codes(form, DROP)
    assert (f"indicators[{row}].target", "indicator-inapplicable") in found
    assert not any(code == "value-placeholder" for _, code in found)
    assert ("indicators[%d].score" % row, "required-missing") not in found


def test_without_the_option_a_placeholder_is_flagged_and_counts():
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[4] = replace(rows[4], target="不适用", actual="不适用")
    form = replace(form, indicators=rows)
    assert sheet(form, Policy()).total == 98.55  # the self-score 14 still counts
    assert ("indicators[4].target", "value-placeholder") in codes(form, Policy())


# --- "=" targets ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "actual", "score"), [
    ("gap", "110人", 18.0),  # 1 - |110 - 100| / 100 = 0.9 → 18 of 20
    ("positive", "110人", 20.0),  # reached → full
    ("gap", "90人", 18.0),  # 1 - 10/100 = 0.9
    ("positive", "90人", 18.0),  # 90 / 100 = 0.9
    ("gap", "150人", 10.0),  # 1 - 50/100 = 0.5 → 10
])
def test_equal_targets(rule, actual, score):
    assert sheet(first_row(target="=100人", actual=actual), from_data(Policy, {"equal_rule": rule})).indicators[0].score == score


# --- scales, late band ----------------------------------------------------------------------------------------

def row5(**changes: object) -> Form:
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[4] = replace(rows[4], **changes)
    return replace(form, indicators=rows)


def test_rating_scales_and_their_bands_are_policy():
    policy = from_data(Policy, {"rating_scales": ({"优秀": "达成", "合格": "部分达成", "不合格": "未达成"},)})
    # 合格 → 部分达成 → 9 to 12 of 15: 13 is too high
    assert ("indicators[4].score", "qualitative-band") in codes(row5(target="优秀/合格/不合格", actual="合格", score=13),
                                                               policy)
    assert ("indicators[4].score", "qualitative-band") not in codes(
        row5(target="优秀/合格/不合格", actual="合格", score=11), policy)
    # issue 27: the default scales know 优秀/良好/合格/不合格 too (合格 → 部分达成: 13 is too high) …
    assert ("indicators[4].score", "qualitative-band") in codes(
        row5(target="优秀/合格/不合格", actual="合格", score=13), Policy())
    # … but not 甲/乙/丙: nothing is claimed
    assert ("indicators[4].score", "qualitative-band") not in codes(
        row5(target="甲/乙/丙", actual="丙", score=13), Policy())


def test_late_band_is_policy():
    # 延期完成 under late_band = 未达成 → 0 to 9 of 15: 10 is too high; under the default 部分达成 it is fine
    form = row5(actual="延期完成", score=10)
    assert ("indicators[4].score", "qualitative-band") in codes(form, from_data(Policy, {"late_band": "未达成"}))
    assert ("indicators[4].score", "qualitative-band") not in codes(form, Policy())


def test_qualitative_band_limits_are_policy():
    # 达成 from 90 %: 14 of 15 = 93 % passes, 13 = 86.7 % does not
    bands = {"达成": (0.9, 1.0), "部分达成": (0.6, 0.9), "未达成": (0.0, 0.6)}
    assert ("indicators[4].score", "qualitative-band") in codes(row5(score=13), from_data(Policy, {"qualitative_bands": bands}))
    assert ("indicators[4].score", "qualitative-band") not in codes(row5(score=14), from_data(Policy, {"qualitative_bands": bands}))
    assert ("indicators[4].score", "qualitative-band") not in codes(row5(score=13), Policy())


# --- profiles ------------------------------------------------------------------------------------------------------

def test_profiles():
    assert profile("chaoyang") == Policy()
    mof = profile("mof2020")
    assert mof.equal_rule == "positive" and "成本指标" not in mof.levels
    assert set(PROFILES) == {"chaoyang", "mof2020", "mof2021"}  # mof2021: issue 27
    with pytest.raises(PolicyError, match="chaoyang、mof2020、mof2021"):
        profile("beijing")


def test_a_file_can_start_from_a_profile():
    policy = policy_from_toml('[policy]\nprofile = "mof2020"\ndecimals = 0\n')
    assert policy.decimals == 0 and policy.equal_rule == "positive"


# --- validation like user input --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "says"), [
    ("decimals = 0\n", ["缺少 [policy] 表"]),
    ("[policy]\ndecimal = 0\n", ["「decimal」不认识这一项", "decimals"]),
    ("[policy]\n[other]\nx = 1\n", ["“other”是未知的表或键"]),
    ('[policy]\nqualitative_bands = { "达成" = [0.8, 1.0], "部分完成" = [0.6, 0.8], "未达成" = [0.0, 0.6] }\n',
     ["缺少评分需要的档次“部分达成”", "达成、部分达成、未达成"]),
    ('[policy]\ntotal_caps = [{ below = 0.6, max_total = 69 }, { below = 0.5, max_total = 59 }]\n',
     ["「total_caps」第 2 档顺序不对", "below 从小到大"]),
    ('[policy]\nqualitative_bands = { "达成" = [0.6, 1.0], "部分达成" = [0.7, 0.8], "未达成" = [0.0, 0.6] }\n',
     ["档次顺序不对"]),
    ("[policy]\nlow_execution_rate = 90\n", ["「low_execution_rate」为 90", "请写 0.9"]),
    ("[policy]\ntotal_caps = [{ below = 50, max_total = 59 }]\n", ["「total_caps[0].below」为 50", "请写 0.5"]),
    ('[policy]\nreverse_rule = "reciprocal"\n', ["「reverse_rule」", "ratio", "linear"]),
    ('[policy]\nlate_band = "延期"\n', ["「late_band」", "达成、部分达成、未达成"]),
    ('[policy]\nrate_denominator = "budget"\n', ["「rate_denominator」", "annual", "initial", "adjusted"]),
    ('[policy]\nprofile = "beijing"\n', ["没有名为“beijing”的评分规则", "mof2020"]),
    ("[policy\n", ["不是有效的 TOML", "第 1 行"]),
])
def test_policy_files_are_validated_with_chinese_messages(text, says):
    with pytest.raises(PolicyError) as caught:
        policy_from_toml(text)
    message = str(caught.value)
    for part in says:
        assert part in message
    assert "Input should" not in message and "validation error" not in message  # no pydantic English


# --- TOML rendering ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PROFILES))
def test_policy_show_renders_toml_that_reads_back(name):
    text = policy_toml(profile(name), name)
    assert text.count("\n# ") >= len(policy_titles())  # every key with its meaning
    assert policy_from_toml(text) == profile(name)


@settings(max_examples=60)
@given(st.builds(Policy, decimals=st.integers(0, 6), reverse_rule=st.sampled_from(["ratio", "linear"]),
                 rate_decimals=st.sampled_from(["off", 0, 1, 2]), drop_inapplicable=st.booleans(),
                 over_achievement=st.sampled_from(["off", 0.1, 0.25]), equal_rule=st.sampled_from(["gap", "positive"]),
                 low_execution_rate=st.floats(0, 1)))
def test_any_policy_round_trips_through_toml(policy):
    assert policy_from_toml(policy_toml(policy)) == policy


def test_default_template_metadata_is_what_1_0_carried():
    # the 1.0 JSON: the ten keys of 1.0 only; a non-default later option is added
    assert '"rate_denominator"' not in policy_json(Policy())
    assert policy_json(Policy()).startswith('{"decimals":2,"reverse_rule":"ratio"')
    assert '"rate_decimals":0' in policy_json(from_data(Policy, {"rate_decimals": 0}))
    assert from_json(Policy, policy_json(CAPS)) == CAPS


# --- the README's examples ------------------------------------------------------------------------------------------

def test_the_readme_examples_of_the_older_options():
    # decimals = 0: the budget score 9.55 (95.5 % of 10) → 10
    assert sheet(clean_form(), from_data(Policy, {"decimals": 0})).budget_score == 10
    # ≤10天 against 15天, weight 20 here: ratio 10/15 × 20 = 13.33; linear (2 × 10 - 15) / 10 × 20 = 10
    form = first_row(target="≤10天", actual="15天")
    assert sheet(form, Policy()).indicators[0].score == 13.33
    assert sheet(form, from_data(Policy, {"reverse_rule": "linear"})).indicators[0].score == 10
    # 优 from 95: the clean form's 98.55 stays 优, 94 would be 良
    from xltools.core.scoring import grade

    assert grade(94, from_data(Policy, {"grade_thresholds": {"优": 95, "良": 80, "中": 60}})) == "良"


def test_the_documented_policy_files_read():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "policy.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```toml\n")[1:]]
    assert len(blocks) == 2
    district, framework = map(policy_from_toml, blocks)
    assert district.rate_decimals == 0 and len(district.total_caps) == 4 and district.over_achievement == 0.2
    assert framework.rounding == "down" and framework.money_unit == "元" and framework.rescale_weights


def test_the_default_policy_made_without_validation_is_the_validated_one():
    from xltools.core.policy import DEFAULT_POLICY

    validated = from_data(Policy, {})
    assert DEFAULT_POLICY == validated and asdict(DEFAULT_POLICY) == asdict(validated)
    # every value has the type validation gives it (a list where a tuple belongs would compare unequal above,
    # but a float where an int belongs would not)
    assert {k: type(v) for k, v in vars(DEFAULT_POLICY).items()} == {k: type(v) for k, v in vars(validated).items()}


def test_a_templates_stored_default_policy_is_the_default_without_validating():
    import json

    from xltools.core.policy import DEFAULT_POLICY, stored_policy

    stored = json.loads(policy_json(Policy()))  # what every template built with the defaults carries
    assert stored_policy(stored) is DEFAULT_POLICY
    reordered = dict(reversed(list(stored.items())))
    assert stored_policy(reordered) is DEFAULT_POLICY
    # anything else is validated: the same values written otherwise, other values, invalid values
    as_float = {**stored, "decimals": 2.0}
    assert stored_policy(as_float) is not DEFAULT_POLICY and stored_policy(as_float) == Policy()
    as_bool = {**stored, "qualitative_bands": {**stored["qualitative_bands"], "达成": [0.8, True]}}
    assert stored_policy(as_bool) is not DEFAULT_POLICY
    other = stored_policy({**stored, "decimals": 1})
    assert other.decimals == 1 and other != DEFAULT_POLICY
    with_later_key = stored_policy({**stored, "money_unit": "元"})
    assert with_later_key.money_unit == "元"
    with pytest.raises(ValueError):
        stored_policy({**stored, "decimals": 99})
