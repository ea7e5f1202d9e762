"""Issue 27, class 1: comparison operators in every spelling people type or systems print.

The spellings below are the issue's list, written here independently of the parser's table. Base form:
``clean_form()`` (tests/forms.py): row 0 ``≥40个`` weight 20, row 2 ``≤30天`` weight 15, row 1 ``100%``
weight 15. Expected scores are computed by hand in each case's comment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.core import Form, Policy, evaluate
from xltools.core.parse import split_operator
from xltools.core.quantity import parse_quantity

from .forms import FIXTURES, clean_form, seed_form, twenty_findings_form

TODAY = dt.date(2026, 11, 24)

#: The issue's spellings, family by family (prefix spellings; the suffix ones are listed apart).
SPELLINGS = {
    ">=": ["≥", "≧", "⩾", "＞=", ">=", "不低于", "不少于", "达到"],
    "<=": ["≤", "≦", "⩽", "＜=", "<=", "不高于", "不超过"],
    "=": ["=", "＝", "﹦", "═", "等于"],
    ">": [">", "＞", "高于", "大于", "超过"],
    "<": ["<", "＜", "低于", "小于"],
}
SUFFIXES = {">=": ["以上"], "<=": ["以内", "以下"]}


def row(form: Form, i: int, **changes: object) -> Form:
    rows = [replace(ind) for ind in form.indicators]
    rows[i] = replace(rows[i], **changes)
    return replace(form, indicators=rows)


def scored(form: Form, i: int) -> tuple[float, set[str]]:
    ev = evaluate(form, Policy(), today=TODAY)
    return ev.sheet.indicators[i].score, {f.code for f in ev.findings if f.field.startswith(f"indicators[{i}]")}


#: The bounds, by family: (row, the bound, the actual value, the score computed by hand, a deviation). The
#: operator goes in front of the bound or, for a suffix spelling, behind it.
BOUNDS = {
    ">=": (0, "40个", "38个", 19, "两处桶站选址未定，明年补建"),  # ≥40个, actual 38个, weight 20: positive, 38 / 40 × 20 = 19
    "<=": (2, "30天", "33天", 13.64, "雨季停工三天"),  # ≤30天, actual 33天, weight 15: reverse (ratio), 30 / 33 × 15 = 13.636… → 13.64
}


@pytest.mark.parametrize(("family", "op"), [(family, op) for family in BOUNDS
                                             for op in SPELLINGS[family] + [f"suffix:{s}" for s in SUFFIXES[family]]])
def test_at_least_and_at_most_in_every_spelling(family, op):
    i, bound, actual, expected, deviation = BOUNDS[family]
    target = f"{bound}{op[7:]}" if op.startswith("suffix:") else f"{op}{bound}"
    score, codes = scored(row(clean_form(), i, target=target, actual=actual, score=expected, deviation=deviation), i)
    assert score == expected and codes == set()


@pytest.mark.parametrize("op", SPELLINGS["="])
def test_equal_in_every_spelling(op):
    # =100%, actual 98%, weight 15: equal (gap), (1 − 2 / 100) × 15 = 14.7
    score, codes = scored(row(clean_form(), 1, target=f"{op}100%", actual="98%", score=14.7,
                              deviation="两处返工后合格"), 1)
    assert score == 14.7 and codes == set()


@pytest.mark.parametrize("op", SPELLINGS[">"])
def test_greater_in_every_spelling(op):
    # >40个, actual 30个, weight 20: positive, 30 / 40 × 20 = 15
    score, _ = scored(row(clean_form(), 0, target=f"{op}40个", actual="30个", score=15, deviation="选址未定"), 0)
    assert score == 15.0


@pytest.mark.parametrize("op", SPELLINGS["<"])
def test_less_in_every_spelling(op):
    # <30天, actual 40天, weight 15: reverse, 30 / 40 × 15 = 11.25
    score, _ = scored(row(clean_form(), 2, target=f"{op}30天", actual="40天", score=11.25, deviation="雨季"), 2)
    assert score == 11.25


def test_box_drawing_equal_sign_no_longer_passes_silently():
    # The provincial system's ═ (U+2550): ═100%, actual 90%, weight 15 → (1 − 10/100) × 15 = 13.5; the
    # self-score 15 is a score-mismatch (today: kept, no finding)
    score, codes = scored(row(clean_form(), 1, target="═100%", actual="90%", score=15, deviation="返工"), 1)
    assert score == 13.5 and "score-mismatch" in codes


@pytest.mark.parametrize(("part", "typed"), [
    ("target", "≈95%"),  # approximately: not an operator the rules know
    ("target", "╤90%"),  # another box-drawing line
    ("target", "≥≒90%"),  # a known operator followed by an unknown sign
    ("actual", "≠38个"),
    ("target", "≪ 40个"),
])
def test_an_unknown_operator_is_garbled_at_its_cell(part, typed):
    form = row(clean_form(), 0, **{part: typed})
    ev = evaluate(form, Policy(), today=TODAY)
    garbled = [f for f in ev.findings if f.code == "value-garbled"]
    assert [f.field for f in garbled] == [f"indicators[0].{part}"]
    assert ev.sheet.indicators[0].kind == "garbled"


@pytest.mark.parametrize(("typed", "expected"), [
    ("建设≈完成", None),  # a sentence with a sign is words, not a garbled number
    ("+5%", ("", 5.0)),  # a sign of the number is no operator
    ("95%以上", (">=", 95.0)),
    ("不超过 10 天", ("<=", 10.0)),
    ("达到100%", (">=", 100.0)),
])
def test_what_is_not_an_unknown_operator(typed, expected):
    quantity = parse_quantity(typed)
    if expected is None:
        assert quantity is None and split_operator(typed)[0] is None
    else:
        assert quantity is not None and ((quantity.comparator or ""), quantity.value) == expected


def test_split_operator_compares_equivalent_wordings_equal():
    assert split_operator("⩾ 95%") == split_operator("不低于95%") == split_operator("95%以上") == (">=", "95%")
    assert split_operator("═100%") == split_operator("等于100%") == ("=", "100%")
    assert split_operator("95%") == (None, "95%")
    assert split_operator(None) == (None, "")


def test_deadline_in_operator_spellings_reads_as_a_deadline():
    # ≤12月底 / 不超过12月底 / ⩽12月底 / 12月底以内: a deadline; done in 11月 → on time → full 15
    for target in ("≤12月底", "不超过12月底", "⩽12月底", "12月底以内"):
        score, codes = scored(row(clean_form(), 2, target=target, actual="11月完成", score=15), 2)
        assert score == 15.0 and codes == set(), target


# --- the differential property: every form of the test suite, every operator spelling ---------------------

def _suite_forms() -> list[Form]:
    from xltools.demo.data import generate
    from xltools.io.forms import load_form

    forms = [seed_form(), clean_form(), twenty_findings_form()]
    forms += [f.form for f in generate(2024, 20).files if f.form is not None]
    forms += [load_form(p).form for p in sorted(Path(FIXTURES, "v1_0").glob("*.xlsx"))]
    return forms


SUITE = _suite_forms()
_SYMBOL = {"≥": ">=", "≤": "<=", ">": ">", "<": "<", "=": "="}


def _family(text: object) -> tuple[str, str] | None:
    """(family, the number after the sign) when a cell starts with an operator sign (the suite's spelling)."""
    if not isinstance(text, str) or not text:
        return None
    for sign in (">=", "<=", "≥", "≤", ">", "<", "="):
        if text.startswith(sign):
            return _SYMBOL.get(sign, sign), text[len(sign):]
    return None


def _verdict(form: Form) -> tuple[list[float], float | None, list[tuple[str, str]]]:
    ev = evaluate(form, Policy(), today=TODAY)
    return ev.sheet.indicator_scores, ev.sheet.total, sorted((f.code, f.field) for f in ev.findings)


def _candidates() -> list[tuple[int, int, str]]:
    out = []
    for k, form in enumerate(SUITE):
        for i, ind in enumerate(form.indicators):
            for part in ("target", "actual"):
                if _family(getattr(ind, part)) is not None:
                    out.append((k, i, part))
    return out


CANDIDATES = _candidates()


def test_the_suite_has_operators_of_several_families():
    families = {_family(getattr(SUITE[k].indicators[i], part))[0] for k, i, part in CANDIDATES}
    assert len(CANDIDATES) > 50 and {">=", "<="} <= families


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.sampled_from(CANDIDATES), choice=st.integers(min_value=0, max_value=10 ** 6))
def test_any_spelling_of_an_operator_gives_the_same_verdict(pick, choice):
    k, i, part = pick
    form = SUITE[k]
    family, rest = _family(getattr(form.indicators[i], part))
    spellings = SPELLINGS[family] + [f"suffix:{s}" for s in SUFFIXES.get(family, [])]
    spelling = spellings[choice % len(spellings)]
    typed = f"{rest}{spelling[7:]}" if spelling.startswith("suffix:") else f"{spelling}{rest}"
    assert _verdict(row(form, i, **{part: typed})) == _verdict(form), typed
