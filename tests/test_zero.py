"""Issue 27, class 6: a real zero is a value (安全事故发生数 0起, 变质比例 0%), not a placeholder.

Row 2 of ``clean_form()`` (weight 15, self-score 15) takes the zero targets; expected scores by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltools.core import Policy, evaluate

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)


def row2(**changes: object):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[2] = replace(rows[2], **{"name": "安全事故发生数", **changes})
    return evaluate(replace(form, indicators=rows), Policy(), today=TODAY)


def row_codes(ev) -> set[str]:
    return {f.code for f in ev.findings if f.field.startswith("indicators[2]")}


@pytest.mark.parametrize(("target", "actual"), [
    ("0起", 0),  # the count stayed at zero: achieved, full 15
    (0, "0"),
    ("≤0次", "0次"),
    ("0%", "0%"),  # 变质比例
    ("＝0起", "0起"),  # an equality target of zero
    ("零起", "0起"),
])
def test_a_zero_target_met_by_a_zero_actual_scores_full(target, actual):
    ev = row2(target=target, actual=actual)
    assert ev.sheet.indicators[2].kind in ("reverse", "equal")
    assert ev.sheet.indicators[2].score == 15.0 and row_codes(ev) == set()


def test_a_zero_target_missed_scores_zero():
    # 0起 allowed, 2起 happened: reverse, 0 / 2 × 15 = 0; the self-score 15 is a score-mismatch
    ev = row2(target="0起", actual="2起", deviation="两起轻微事故，已整改")
    assert ev.sheet.indicators[2].score == 0.0 and "score-mismatch" in row_codes(ev)


@pytest.mark.parametrize("actual", [0, "0", "0天"])
def test_a_zero_actual_keeps_an_upper_limit(actual):
    # ≤30天 and 0: the limit was kept (reverse): full 15
    ev = row2(name="完工时间", target="≤30天", actual=actual)
    assert ev.sheet.indicators[2].score == 15.0 and "value-placeholder" not in row_codes(ev)


@pytest.mark.parametrize(("target", "actual"), [
    ("≥40个", "0"),  # a zero against a positive target: what people type for "nothing to say"
    ("0", "—"),  # the actual is a dash
    ("—", "0"),
])
def test_placeholders_stay_placeholders(target, actual):
    assert "value-placeholder" in row_codes(row2(target=target, actual=actual))


def test_zero_as_a_deviation_reason_is_still_a_placeholder():
    # ≤30天, 33天: 30 / 33 × 15 = 13.64 < 15, and the reason "0" explains nothing
    ev = row2(name="完工时间", target="≤30天", actual="33天", score=13.64, deviation="0")
    assert "deviation-missing" in row_codes(ev)


ZERO_TARGETS = st.sampled_from([0, 0.0, "0", "0起", "≤0", "≤0次", "0%", "零起", " 0 起 ", "0.0", "＜=0件", "=0"])
ZERO_ACTUALS = st.sampled_from([0, 0.0, "0", "0起", "0次", "0%", "零起", "0.00", "0件"])


@given(target=ZERO_TARGETS, actual=ZERO_ACTUALS)
def test_a_real_zero_never_becomes_a_placeholder(target, actual):
    ev = row2(target=target, actual=actual)
    codes = row_codes(ev)
    assert "value-placeholder" not in codes
    result = ev.sheet.indicators[2]
    # units may differ (起 against 次): then unit-mismatch, never a placeholder; else achieved
    assert result.kind == "unit-mismatch" or (result.kind in ("reverse", "equal") and result.score == 15.0)


def test_a_bare_zero_target_against_a_count_stays_a_placeholder():
    # “0” against 40个 says nothing (a count of 0 would be written 0个 or 0起)
    assert "value-placeholder" in row_codes(row2(name="改造桶站数量", target="0", actual="40个"))
