"""Issue 27, other regions' rules: the policy keys rounding, optional_fields, self_scores, weights-absent.

Base form: ``clean_form()`` (budget 100 / executed 95.5, budget weight 10; rows weighted 20, 15, 15, 15, 15,
10). Every expected value is computed by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from xltools.core import Form, Policy, evaluate, policy_from_data
from xltools.core.policy import PolicyError
from xltools.core.validation import from_data

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def with_row(form: Form, i: int, **changes: object) -> Form:
    rows = [replace(ind) for ind in form.indicators]
    rows[i] = replace(rows[i], **changes)
    return replace(form, indicators=rows)


def with_total(form: Form, **changes: object) -> Form:
    funds = replace(form.funds, total=replace(form.fund("total"), **changes))
    return replace(form, funds=funds)


def codes(form: Form, policy: Policy) -> list[tuple[str, str]]:
    return [(f.field, f.code) for f in evaluate(form, policy, today=TODAY).findings]


# --- rounding ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rounding", "expected"), [("half_up", 10.0), ("down", 9.0)])
def test_rounding_of_the_budget_score(rounding, expected):
    # 99.1 % × 10 = 9.91 → 10 (half up) or 9 (down) with no decimals: the provinces' “99.1 % → 9 of 10”
    form = with_total(clean_form(), executed=99.1)
    sheet = evaluate(form, from_data(Policy, {"decimals": 0, "rounding": rounding})).sheet
    assert sheet.budget_score == expected


@pytest.mark.parametrize(("rounding", "decimals", "row", "actual", "expected"), [
    ("half_up", 0, 0, "39个", 20.0),  # 39 / 40 × 20 = 19.5 → 20
    ("down", 0, 0, "39个", 19.0),  # … → 19
    ("half_up", 2, 2, "33天", 13.64),  # 30 / 33 × 15 = 13.6363… → 13.64
    ("down", 2, 2, "33天", 13.63),  # … → 13.63
    ("down", 1, 0, "37个", 18.5),  # 37 / 40 × 20 = 18.5 exactly: stays 18.5
])
def test_rounding_of_indicator_scores(rounding, decimals, row, actual, expected):
    form = with_row(clean_form(), row, actual=actual)
    sheet = evaluate(form, from_data(Policy, {"decimals": decimals, "rounding": rounding})).sheet
    assert sheet.indicators[row].score == expected


# --- optional fields ---------------------------------------------------------------------------------------

OPTIONAL = ["project_lead", "lead_phone", "filled_by", "filler_phone", "filled_on", "initial_budget"]


def blank_optional() -> Form:
    form = clean_form(project_lead=None, lead_phone=None, filled_by=None, filler_phone=None, filled_on=None)
    return with_total(form, initial_budget=None)


def test_blank_optional_fields_are_required_by_default():
    missing = {field for field, code in codes(blank_optional(), Policy()) if code == "required-missing"}
    assert missing == {"project_lead", "lead_phone", "filled_by", "filler_phone", "filled_on",
                       "funds.total.initial_budget"}


def test_optional_fields_are_not_flagged_when_blank():
    policy = policy_from_data({"optional_fields": OPTIONAL})
    assert [c for c in codes(blank_optional(), policy) if c[1] == "required-missing"] == []


def test_an_optional_field_that_is_filled_is_still_checked():
    policy = policy_from_data({"optional_fields": ["lead_phone"]})
    assert ("lead_phone", "phone-invalid") in codes(clean_form(lead_phone="12345"), policy)


def test_the_rate_denominator_stays_required_even_when_listed():
    # rate_denominator = initial: the 年初预算数 is what the rate is computed from
    policy = policy_from_data({"optional_fields": ["initial_budget"], "rate_denominator": "initial"})
    assert ("funds.total.initial_budget", "required-missing") in codes(blank_optional(), policy)


@pytest.mark.parametrize("bad", [["phone"], "initial_budget", [1]])
def test_optional_fields_are_validated(bad):
    with pytest.raises(PolicyError, match="optional_fields"):
        policy_from_data({"optional_fields": bad})


# --- self-scores -------------------------------------------------------------------------------------------

def no_self_scores() -> Form:
    form = clean_form(budget_score=None, total_score=None)
    for i in range(6):
        form = with_row(form, i, score=None)
    return form


def test_missing_self_scores_are_one_error_per_row_by_default():
    missing = [field for field, code in codes(no_self_scores(), Policy()) if code == "required-missing"]
    assert len(missing) == 8  # six rows, 预算执行得分 and 总分


def test_optional_self_scores_are_scored_by_the_rules_without_a_flood():
    policy = policy_from_data({"self_scores": "optional"})
    ev = evaluate(no_self_scores(), policy, today=TODAY)
    assert [f.code for f in ev.findings if f.code == "required-missing"] == []
    # 复核: 9.55 + 20 + 15 + 15 + 15 + 0 (qualitative row, nothing to compute it from) + 10 = 84.55 → 良
    assert ev.sheet.total == 84.55 and ev.sheet.grade == "良"


def test_self_scores_key_is_validated():
    with pytest.raises(PolicyError, match="self_scores"):
        policy_from_data({"self_scores": "maybe"})


# --- a form with no 分值 at all ------------------------------------------------------------------------------

def no_weights() -> Form:
    form = clean_form(budget_weight=None, budget_score=None, total_score=None)
    for i in range(6):
        form = with_row(form, i, weight=None, score=None)
    return form


def test_no_weights_is_one_warning_and_no_total():
    ev = evaluate(no_weights(), Policy(), today=TODAY)
    assert [(f.field, f.code, f.severity) for f in ev.findings] == [("indicators", "weights-absent", "warning")]
    assert ev.sheet.total is None and ev.sheet.grade is None


def test_no_weights_is_not_graded_low_even_with_self_scores():
    # the self-scores stay unjudged against weights that do not exist (no score-out-of-range flood)
    form = no_weights()
    for i in range(6):
        form = with_row(form, i, score=5)
    found = codes(form, Policy())
    assert ("indicators", "weights-absent") in found
    assert not [c for c in found if c[1] in ("score-out-of-range", "required-missing", "weights-sum")]


def test_one_weight_is_enough_to_score():
    # only the budget weight: not absent; 10 + 0 … = weights-sum (10, not 100)
    form = replace(no_weights(), budget_weight=10)
    found = [c for _, c in codes(form, Policy())]
    assert "weights-absent" not in found and "weights-sum" in found


# --- money: the plausibility limit key ----------------------------------------------------------------------

def test_plausibility_limit_is_validated():
    with pytest.raises(PolicyError, match="max_plausible_amount"):
        policy_from_data({"max_plausible_amount": -1})
    assert policy_from_data({"max_plausible_amount": 50000}).max_plausible_amount == 50000


# --- profile mof2021 ---------------------------------------------------------------------------------------

def form_2021() -> Form:
    """A 2021-framework form: 产出 25 + 15, 成本 10 (一级 成本指标), 效益 15 + 15, 满意度 10, 预算执行 10; no 年初预算数."""
    form = with_row(clean_form(), 0, weight=25, score=25)
    form = with_row(form, 2, level1="成本指标", level2="经济成本指标", name="改造成本", target="≤30万元",
                    actual="28万元", weight=10, score=10)
    return with_total(form, initial_budget=None)


def test_mof2021_reads_a_2021_form_without_false_alarms():
    from xltools.core import profile

    ev = evaluate(form_2021(), profile("mof2021"), today=TODAY)
    assert ev.findings == []
    # 9.55 + 25 + 15 + 10 + 15 + 14 + 10 = 98.55 → 优
    assert (ev.sheet.total, ev.sheet.grade) == (98.55, "优")


def test_chaoyang_keeps_its_rules_for_the_same_form():
    # the district wants the 年初预算数, and its advisory split has no 成本 column (产出 40 of 50)
    found = codes(form_2021(), Policy())
    assert found == [("funds.total.initial_budget", "required-missing"), ("indicators", "weight-split")]


def test_every_profile_shows_as_toml_and_reads_back():
    from xltools.core import PROFILES, policy_from_toml, policy_toml, profile

    for name in PROFILES:
        assert policy_from_toml(policy_toml(profile(name), name)) == profile(name), name
    assert profile("mof2021").optional_fields == ("initial_budget",)
