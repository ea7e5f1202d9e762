"""Times, words and readings of indicator rows: hand-made examples and the properties issue 11 asks for."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core import Indicator, Policy
from xltools.core.parse import is_placeholder
from xltools.core.quantity import parse_quantity
from xltools.core.reading import read_indicator, split_level1
from xltools.core.scoring import score_indicator
from xltools.core.timepoint import find_time, is_late, parse_time, resolve
from xltools.core.validation import from_data
from xltools.core.wording import stated_band

D = dt.date


@pytest.mark.parametrize(("text", "year", "first", "last"), [
    ("12月前", 2021, D(2021, 12, 1), D(2021, 12, 31)),  # “by December”: the month's last day is the deadline
    ("11月底", 2021, D(2021, 11, 30), D(2021, 11, 30)),
    ("6月30日前", 2021, D(2021, 6, 30), D(2021, 6, 30)),
    ("年底前", 2020, D(2020, 12, 31), D(2020, 12, 31)),
    ("第三季度", 2021, D(2021, 7, 1), D(2021, 9, 30)),
    ("三季度末", 2021, D(2021, 9, 30), D(2021, 9, 30)),
    ("上半年", 2024, D(2024, 1, 1), D(2024, 6, 30)),
    ("2月底", 2024, D(2024, 2, 29), D(2024, 2, 29)),  # a leap year
    ("2021年10月", None, D(2021, 10, 1), D(2021, 10, 31)),  # the year typed wins
    ("2022年4月完成", 2021, D(2022, 4, 1), D(2022, 4, 30)),
    ("次年3月", 2021, D(2022, 3, 1), D(2022, 3, 31)),
    ("十二月中旬", 2021, D(2021, 12, 11), D(2021, 12, 20)),
    ("2021.6.15", None, D(2021, 6, 15), D(2021, 6, 15)),
])
def test_times_as_periods(text, year, first, last):
    spec = parse_time(text)
    assert spec is not None and resolve(spec, year) == (first, last)
    assert parse_quantity(text) is None


@pytest.mark.parametrize("text", ["12个月", "≤30天", "3年", "762人", "达成预期指标", "底", "内"])
def test_durations_and_statements_are_no_times(text):
    assert parse_time(text) is None


@pytest.mark.parametrize(("text", "month"), [
    ("已于2021年11月完成全部改造", 11),
    ("2021年11月启动，2022年4月完成", 4),  # the last time named is the completion
    ("完成12个月的巡查", None),  # a duration, not a month
])
def test_times_found_in_statements(text, month):
    spec = find_time(text)
    assert (spec.first[0] if spec else None) == month


@pytest.mark.parametrize(("text", "band"), [
    ("未按时完成", "部分达成"), ("未按期完成验收", "部分达成"), ("没有完成", "未达成"), ("尚未完成", "未达成"),
    ("无法实现", "未达成"), ("未全部完成", "部分达成"), ("基本完成", "部分达成"), ("推迟至次年", "未达成"),
    ("延期完成", "部分达成"), ("进度滞后", "部分达成"), ("无延期，按时完成", "达成"), ("已完成", "达成"),
    ("不推迟，全部完成", "达成"), ("避免工期延误，如期完成", "达成"), ("工期不断推迟，12月完成", "部分达成"),
    ("未发生安全事故", None), ("确保资金安全有效运行", None),
])
def test_stated_bands(text, band):
    statement = stated_band(text, Policy())
    assert (statement.band if statement else None) == band


@pytest.mark.parametrize(("label", "name", "weight"), [
    ("产出指标(50分)", "产出指标", 50.0), ("效益指标（30分）", "效益指标", 30.0), ("满意度\n指标", "满意度指标", None),
    ("产出指标12.5分", "产出指标", 12.5), ("成本指标", "成本指标", None),
])
def test_level1_labels(label, name, weight):
    assert split_level1(label) == (name, weight)


# --- properties ---------------------------------------------------------------------------------------

PIECES = ["12月前", "11月底", "年底前", "第三季度", "2021年10月", "次年", "—", "/", "无", "0", "一", "略", "不适用",
          "23O人", "l00%", "M.8万元", "≥20个", "≤30天", "=100%", "95%", "优良中差", "差", "良", "未按时完成",
          "延期", "已完成", "部分达成", "产出指标（50分）", "成本指标", "万元", "%", "个", "。", " ", "\n"]
cell = st.one_of(st.none(), st.text(max_size=14), st.floats(allow_nan=True), st.integers(-10**6, 10**6),
                 st.lists(st.sampled_from(PIECES), max_size=4).map("".join), st.dates())
POLICIES = [Policy(), from_data(Policy, {"drop_inapplicable": True, "equal_rule": "positive", "cost_upper_limit": False}),
            from_data(Policy, {"over_achievement": 0.1, "over_achievement_deduction": 3, "reverse_rule": "linear", "decimals": 0})]


@settings(max_examples=300)
@given(cell)
def test_parsing_never_raises(value):
    parse_time(value)
    find_time(value)
    stated_band(value, Policy())
    split_level1(value)
    parse_quantity(value)


@settings(max_examples=300)
@given(st.builds(Indicator, level1=cell, level2=cell, name=cell, target=cell, actual=cell,
                 weight=st.one_of(st.floats(0, 100), st.integers(0, 100), cell), score=cell, deviation=cell),
       st.sampled_from(POLICIES), st.one_of(st.none(), st.integers(2000, 2030)))
def test_scores_stay_within_zero_and_the_weight(indicator, policy, year):
    result = score_indicator(0, indicator, policy, year)
    assert 0 <= result.score <= result.weight + 1e-9
    assert read_indicator(indicator, policy, year).kind == result.kind


@settings(max_examples=300)
@given(st.sampled_from(["12月前", "11月底", "6月30日前", "年底前", "第三季度", "2021年10月", "上半年", "2022年3月15日"]),
       st.dates(D(2020, 1, 1), D(2023, 12, 31)), st.dates(D(2020, 1, 1), D(2023, 12, 31)))
def test_deadline_comparison_is_monotone(target, a, b):
    """A later completion is never on time where an earlier one was late."""
    early, late = sorted((a, b))
    spec = parse_time(target)
    assert spec is not None
    first = is_late(spec, parse_time(f"{early.year}年{early.month}月{early.day}日"), 2021)[0]
    second = is_late(spec, parse_time(f"{late.year}年{late.month}月{late.day}日"), 2021)[0]
    assert not first or second


marks = st.lists(st.sampled_from(list("-—―–一_/\\.…")), min_size=1, max_size=4).map("".join)
words = st.sampled_from(["无", "暂无", "0", "不适用", "略", "N/A", "无此项", "不涉及", "０", "00"])
placeholders = st.tuples(st.one_of(marks, words), st.sampled_from(["", " ", "。", "\n"])).map("".join)


@settings(max_examples=300)
@given(placeholders)
def test_placeholders_never_become_numbers(text):
    assert is_placeholder(text)
    assert parse_quantity(text) is None
    kind = read_indicator(Indicator(target="≥20个", actual=text, weight=10, score=5), Policy()).kind
    assert kind == "placeholder"
