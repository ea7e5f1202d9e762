import datetime as dt
from dataclasses import asdict, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core import RULES, TAMPER_CODES, Form, Policy, evaluate, validate
from xltools.core.drift import DRIFT_CODES
from xltools.core.validation import from_data

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def flat(findings):
    return [(f.field, f.code) for f in findings]


def test_catalogue_has_stable_unique_codes():
    assert len(RULES) >= 25
    for code, rule in RULES.items():
        assert rule.code == code and rule.severity in ("error", "warning")
        assert rule.template and rule.fix and rule.title


def test_clean_form_has_no_findings():
    assert flat(validate(clean_form(), Policy(), today=TODAY)) == []


def test_seed_form_warnings_only(seed_form):
    ev = evaluate(seed_form, Policy(), today=TODAY)
    assert ev.errors == []
    codes = {f.code for f in ev.findings}
    assert codes == {"name-is-sentence", "actual-copied", "satisfaction-not-quantified", "weight-split"}
    assert ("indicators[8].actual", "actual-copied") in flat(ev.findings)
    assert sum(1 for f in ev.findings if f.code == "name-is-sentence") == 9
    split = next(f for f in ev.findings if f.code == "weight-split")
    assert "产出40/效益40/满意度10/预算执行10" in split.message


def with_indicator(i, **changes):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[i] = replace(rows[i], **changes)
    return replace(form, indicators=rows)


def with_funds(**rows):
    form = clean_form()
    funds = replace(form.funds, **{k: (None if v is None else replace(form.fund(k), **v))
                                          for k, v in rows.items()})
    return replace(form, funds=funds)


CASES = [
    ("project name missing", clean_form(project_name="  "), [("project_name", "required-missing")]),
    ("year text", clean_form(year="二〇二四"), [("year", "year-invalid")]),
    ("year with 年", clean_form(year="2024年"), []),
    ("bad phone", clean_form(lead_phone="123"), [("lead_phone", "phone-invalid")]),
    ("mobile phone ok", clean_form(lead_phone="138 1234 5678"), []),
    ("date unreadable", clean_form(filled_on="去年"), [("filled_on", "date-invalid")]),
    ("date too early", clean_form(filled_on="2024-06-30"), [("filled_on", "date-before-year-end")]),
    ("date in future", clean_form(filled_on="2027-01-01"), [("filled_on", "date-in-future")]),
    ("sign-off missing", clean_form(filled_by=None, filler_phone=None, filled_on=None),
     [("filled_by", "required-missing"), ("filler_phone", "required-missing"), ("filled_on", "required-missing")]),
    ("amount as text", with_funds(carryover={"annual_budget": "20万"}),
     [("funds.carryover.annual_budget", "number-as-text")]),
    ("amount not a number", with_funds(carryover={"executed": "十五万"}),
     [("funds.carryover.executed", "number-invalid"), ("funds.total.executed", "breakdown-mismatch")]),
    ("negative amount", with_funds(total={"initial_budget": -1}), [("funds.total.initial_budget", "amount-negative"), ("funds.total.initial_budget", "breakdown-mismatch")]),
    ("five decimals", with_funds(total={"initial_budget": 120.00001}),
     [("funds.total.initial_budget", "amount-precision")]),
    # issue 27: above 10,000 万元 on the 年度资金总额 row is amount-in-yuan (amount-implausible, above
    # 1,000,000 万元, is exercised in tests/test_money.py)
    ("amount typed in 元 (200 亿元?)", with_funds(total={"initial_budget": 2_000_000}, fiscal=None,
                                                 carryover=None),
     [("funds.total.initial_budget", "amount-in-yuan")]),
    ("budget zero", replace(with_funds(total={"annual_budget": 0, "executed": 0}, fiscal=None, carryover=None,
                               ), budget_score=None, total_score=89),
     [("funds.total.annual_budget", "budget-not-positive")]),
    ("executed over budget", with_funds(carryover={"executed": 25.5}),
     [("funds.carryover.executed", "executed-over-budget"), ("funds.total.executed", "breakdown-mismatch")]),
    ("breakdown mismatch", with_funds(fiscal={"initial_budget": 90}),
     [("funds.total.initial_budget", "breakdown-mismatch")]),
    ("total budget missing", replace(with_funds(total={"annual_budget": None}, fiscal=None, carryover=None), budget_score=None, total_score=None),
     [("funds.total.annual_budget", "required-missing"), ("total_score", "required-missing")]),
    ("budget score mismatch", clean_form(budget_score=10, total_score=99),
     [("budget_score", "budget-score-mismatch"), ("total_score", "total-review-differs")]),
    ("goal copied", clean_form(goal_actual="完成辖区 40 个桶站改造，垃圾分类准确率达到 90% 以上"),
     [("goal_actual", "goal-copied")]),
    ("level1 invalid", with_indicator(5, level1="满意指标"),
     [("indicators[5].level1", "level1-invalid"), ("indicators", "level1-absent"), ("indicators", "weight-split")]),
    ("level2 invalid", with_indicator(0, level2="社会效益指标"), [("indicators[0].level2", "level2-invalid")]),
    ("name sentence", with_indicator(0, name="改造桶站，提升环境。"), [("indicators[0].name", "name-is-sentence")]),
    ("weight zero", with_indicator(5, weight=0, score=0),
     [("indicators[5].weight", "weight-not-positive"), ("indicators", "weights-sum"),
      ("total_score", "total-mismatch"), ("total_score", "total-review-differs")]),
    ("score above weight", with_indicator(1, score=16),
     [("indicators[1].score", "score-out-of-range"), ("total_score", "total-mismatch")]),
    ("score off computed", with_indicator(0, actual="30个", deviation="部分桶站选址未定"),
     [("indicators[0].score", "score-mismatch"), ("total_score", "total-review-differs")]),
    ("deviation missing", replace(with_indicator(0, actual="30个", score=15), total_score=93.55),
     [("indicators[0].deviation", "deviation-missing")]),
    ("qualitative band", with_indicator(4, actual="部分达成，制度尚在征求意见", score=14),
     [("indicators[4].score", "qualitative-band")]),
    ("actual copied", with_indicator(4, actual="建立桶站长效管护机制。"), [("indicators[4].actual", "actual-copied")]),
    ("unit mismatch", with_indicator(0, actual="40人"), [("indicators[0].actual", "unit-mismatch")]),
    ("satisfaction text", with_indicator(5, target="群众满意", actual="群众满意度高"),
     [("indicators[5].target", "satisfaction-not-quantified")]),
    ("weights not 100", replace(with_indicator(0, weight=25, score=25), total_score=103.55),
     [("indicators", "weights-sum")]),
    ("total mismatch", clean_form(total_score=100), [("total_score", "total-mismatch"),
                                                     ("total_score", "total-review-differs")]),
    ("no indicators", clean_form(indicators=[], total_score=None),
     [("indicators", "indicators-missing"), ("total_score", "required-missing")]),
    ("low execution unexplained", replace(with_indicator(4, score=15, deviation=None), funds=with_funds(total={"executed": 80}, carryover={"executed": 0}).funds, budget_score=8, total_score=98),
     [("funds.total.executed", "low-execution-unexplained")]),
    ("budget weight invalid", clean_form(budget_weight=150), [("budget_weight", "budget-weight-invalid"),
                                                             ("budget_score", "budget-score-mismatch"),
                                                             ("indicators", "weights-sum"),
                                                             ("total_score", "total-review-differs")]),
    ("weight as text", with_indicator(0, weight="20分"), [("indicators[0].weight", "number-as-text")]),
    ("placeholder actual", with_indicator(0, actual="—"), [("indicators[0].actual", "value-placeholder")]),
    ("garbled actual", with_indicator(0, actual="4O个"), [("indicators[0].actual", "value-garbled")]),
    ("number not stated", with_indicator(0, actual="已完成"), [("indicators[0].actual", "actual-not-stated")]),
    ("no weights at all", clean_form(budget_weight=None, budget_score=None, total_score=None, indicators=[
        {**asdict(ind), "weight": None, "score": None} for ind in clean_form().indicators]),
     [("indicators", "weights-absent")]),
    ("rate above 100 %", with_indicator(1, target="290%"), [("indicators[1].target", "target-implausible")]),
    ("level1 weight stated wrong", with_indicator(0, level1="产出指标（20分）"),
     [("indicators[0].level1", "level1-weight-mismatch")]),
    ("total differs from review", with_indicator(0, actual="30个", deviation="两处选址未定"),
     [("indicators[0].score", "score-mismatch"), ("total_score", "total-review-differs")]),
]


@pytest.mark.parametrize(("form", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_fires_at_field(form, expected):
    assert flat(validate(form, Policy(), today=TODAY)) == expected


def test_every_rule_is_exercised():
    seen = {code for _, form, expected in CASES for _, code in expected}
    seen |= {"weight-split", "name-is-sentence"}
    # exercised under non-default policies in tests/test_policy.py
    seen |= {"over-achievement-unexplained", "indicator-inapplicable"}
    seen |= TAMPER_CODES  # workbook-level rules, exercised in tests/test_tamper.py
    seen |= set(DRIFT_CODES)  # against the approved targets, exercised in tests/test_drift.py
    seen |= {"amount-implausible"}  # exercised in tests/test_money.py
    seen |= {"field-not-located"}  # the label-driven reader's rule, exercised in tests/test_wordforms.py
    seen |= {"format-legacy"}  # added by the reader seam: tests/test_formats.py, tests/test_seam.py
    assert seen == set(RULES)


def test_messages_are_chinese_and_say_how_to_fix():
    for f in validate(with_indicator(1, score=16), Policy(), today=TODAY):
        assert "第2条绩效指标·得分" in f.message or f.field == "total_score"
        assert "。" in f.message


def test_policy_threshold_changes_grade_not_findings():
    ev = evaluate(clean_form(), from_data(Policy, {"grade_thresholds": {"优": 99, "良": 80, "中": 60}}), today=TODAY)
    assert ev.sheet.grade == "良" and ev.findings == []


text_or_number = st.one_of(st.none(), st.text(max_size=12), st.floats(allow_nan=True), st.integers(-10**9, 10**9))


@settings(max_examples=200)
@given(st.fixed_dictionaries({
    "year": text_or_number, "project_name": text_or_number, "lead_phone": text_or_number,
    "budget_weight": text_or_number, "budget_score": text_or_number, "total_score": text_or_number,
    "filled_on": st.one_of(text_or_number, st.dates()),
    "funds": st.fixed_dictionaries({"total": st.fixed_dictionaries({
        "initial_budget": text_or_number, "annual_budget": text_or_number, "executed": text_or_number})}),
    "indicators": st.lists(st.fixed_dictionaries({k: text_or_number for k in (
        "level1", "level2", "name", "target", "actual", "weight", "score", "deviation")}), max_size=5),
}))
def test_validation_never_raises_on_user_text(data):
    form = from_data(Form, data)
    for f in evaluate(form, Policy(), today=TODAY).findings:
        assert f.code in RULES
