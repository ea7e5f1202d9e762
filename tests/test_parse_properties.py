"""Issue 27, property tests: parsing never raises; every score is within [0, weight]."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core import Policy, evaluate
from xltools.core.parse import (
    is_garbled_number,
    is_placeholder,
    operator_unknown,
    parse_number,
    split_operator,
)
from xltools.core.quantity import parse_quantity, zero_quantity
from xltools.core.timepoint import find_time, parse_time
from xltools.core.validation import from_data

from .forms import clean_form

#: Pieces real cells are made of: operators in every spelling, look-alike signs, digits, units, words.
PIECES = ["≥", "≧", "⩾", "＞=", ">=", "≤", "≦", "⩽", "＜=", "<=", "=", "＝", "﹦", "═", ">", "＜", "≈", "╤", "≒",
          "不低于", "不超过", "达到", "以上", "以内", "0", "00", "1", "9", "95", ".", ",", "%", "％", "个", "万元",
          "天", "起", "月", "12月底", "年", "优", "良", "是", "否", "A", "l", "O", "—", "/", "无", "未", "完成",
          " ", "\n", "零", "两", "+", "-", "−"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=8).map("".join) | st.text(max_size=30)
VALUES = TEXTS | st.none() | st.integers(-10 ** 12, 10 ** 12) | st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=400)
@given(value=VALUES)
def test_parsing_never_raises(value):
    parse_number(value)
    quantity = parse_quantity(value)
    assert quantity is None or math.isfinite(quantity.value)
    split_operator(value)
    operator_unknown(value)
    is_garbled_number(value)
    is_placeholder(value)
    zero_quantity(value)
    parse_time(value)
    find_time(value)


WEIGHTS = st.one_of(st.none(), st.integers(-5, 60), st.floats(-5, 60), st.sampled_from(["15", "十五", "15分", "—"]))


@settings(max_examples=200, deadline=None)
@given(target=VALUES, actual=VALUES, weight=WEIGHTS, score=WEIGHTS,
       policy=st.sampled_from([Policy(), from_data(Policy, {"rounding": "down", "decimals": 0}), from_data(Policy, {"reverse_rule": "linear"}),
                               from_data(Policy, {"drop_inapplicable": True, "rescale_weights": True})]))
def test_every_score_is_within_zero_and_its_weight(target, actual, weight, score, policy):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[2] = replace(rows[2], target=target, actual=actual, weight=weight, score=score)
    ev = evaluate(replace(form, indicators=rows), policy)
    for result in ev.sheet.indicators:
        assert 0.0 <= result.score <= result.weight + 1e-9, result
    assert 0.0 <= ev.sheet.budget_score <= ev.sheet.budget_weight + 1e-9
    assert ev.sheet.total is None or 0.0 <= ev.sheet.total <= policy.total_weight + 1e-9


def test_month_lengths_agree_with_the_calendar_module():
    # timepoint counts month lengths itself (importing calendar cost a first check ~1 ms); calendar is the oracle
    import calendar

    from xltools.core.timepoint import _last_day, _valid

    assert all(_last_day(y, m) == calendar.monthrange(y, m)[1] for y in range(1900, 2101) for m in range(1, 13))
    assert [d for d in range(26, 33) if _valid(2, d)] == [26, 27, 28, 29]
    assert all(_valid(m, d) == (1 <= m <= 12 and 1 <= d <= calendar.monthrange(2000, m)[1])
               for m in range(-1, 15) for d in range(-1, 34))
