"""Issue 27, class 4: the rating scales other regions print join the defaults.

Row 4 of ``clean_form()`` (效益/可持续影响, weight 15, a reason in 偏差原因) takes the ratings. Bands under
the default policy: 达成 [12, 15], 部分达成 [9, 12), 未达成 [0, 9) (15 × 0.8 = 12, 15 × 0.6 = 9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from xltools.core import Policy, evaluate

from .forms import clean_form


def row4(target: str, actual: str, score: float):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[4] = replace(rows[4], target=target, actual=actual, score=score)
    ev = evaluate(replace(form, indicators=rows), Policy(), today=dt.date(2026, 11, 24))
    return ev.sheet.indicators[4], {f.code for f in ev.findings if f.field.startswith("indicators[4]")}


@pytest.mark.parametrize(("target", "actual", "band"), [
    ("优/良/中/低/差", "优", "达成"),  # 优 on the five-level scale (it scored 0 before)
    ("优良中低差", "评价结果为优", "达成"),
    ("优/良/中/低/差", "低", "未达成"),
    ("优秀/良好/合格/不合格", "良好", "达成"),
    ("优秀、良好、合格、不合格", "合格", "部分达成"),
    ("A/B/C/D", "B", "达成"),
    ("ABCD", "C级", "部分达成"),
    ("满意/基本满意/不满意", "基本满意", "部分达成"),
    ("是", "是", "达成"),  # a yes/no target
    ("是", "否", "未达成"),
    ("否", "否", "达成"),  # 是否发生重大安全事故: 否 asked, 否 stated
    ("否", "是", "未达成"),
    ("良好", "优秀", "达成"),  # a better word than the one named
    ("合格", "不合格", "未达成"),
])
def test_each_scale_reads_its_words(target, actual, band):
    result, _ = row4(target, actual, 15)
    assert result.kind == "rating" and result.reading.statement.band == band


@pytest.mark.parametrize(("target", "actual"), [
    ("优/良/中/低/差", "差"),
    ("优秀/良好/合格/不合格", "不合格"),
    ("A/B/C/D", "D"),
    ("满意/基本满意/不满意", "不满意"),
    ("是", "否"),
])
def test_a_full_score_with_the_lowest_level_is_an_error(target, actual):
    # 未达成 is [0, 9): 15 of 15 is outside
    _, codes = row4(target, actual, 15)
    assert "qualitative-band" in codes


@pytest.mark.parametrize(("target", "actual", "score"), [
    ("优/良/中/低/差", "优", 15),  # 达成 [12, 15]
    ("优秀/良好/合格/不合格", "合格", 10),  # 部分达成 [9, 12)
    ("A/B/C/D", "A", 13),
    ("满意/基本满意/不满意", "不满意", 5),  # 未达成 [0, 9)
])
def test_a_score_inside_its_band_passes(target, actual, score):
    _, codes = row4(target, actual, score)
    assert "qualitative-band" not in codes


def test_the_top_word_of_every_default_scale_is_met():
    for scale in Policy().rating_scales:
        assert scale[next(iter(scale))] == "达成"
        top = next(iter(scale))
        result, _ = row4("/".join(scale), top, 15)
        assert result.reading.statement.band == "达成", scale
