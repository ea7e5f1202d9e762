"""Issue 27, class 2: a rate above 100 % is implausible (target-implausible), and no score advice follows.

Row 1 of ``clean_form()`` is 产出/质量 “验收合格率” (weight 15, self-score 15); row 5 is 满意度 (weight 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from xltools.core import Policy, evaluate

from .forms import clean_form


def row(i: int, **changes: object):
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[i] = replace(rows[i], **changes)
    ev = evaluate(replace(form, indicators=rows), Policy(), today=dt.date(2026, 11, 24))
    return ev, {f.field: f.code for f in ev.findings if f.field.startswith(f"indicators[{i}]")}


@pytest.mark.parametrize(("i", "name", "target", "actual", "part"), [
    # the printed “290%” meant as “≥90%”: 92 / 290 × 15 = 4.76 would have been advised; now no advice
    (1, "验收合格率", "290%", "92%", "target"),
    (1, "政策知晓率", "≥290%", "95%", "target"),
    (1, "垃圾清运及时率", "100%", "105%", "actual"),  # an actual above 100 %
    (1, "公共区域覆盖率", "≥95%", "120%", "actual"),
    (5, "居民满意度", "290%", "95%", "target"),  # 满意度 (name and 一级)
    (5, "服务对象评价", "≥90%", "101%", "actual"),  # a 满意度指标 row whatever its name
])
def test_a_rate_above_100_percent_is_flagged_at_its_cell_and_scores_nothing_new(i, name, target, actual, part):
    ev, fields = row(i, name=name, target=target, actual=actual)
    assert fields == {f"indicators[{i}].{part}": "target-implausible"}
    result = ev.sheet.indicators[i]
    assert result.kind == "implausible" and result.score == result.weight  # the self-score stands (full)
    finding = next(f for f in ev.findings if f.code == "target-implausible")
    assert finding.severity == "warning" and "超过 100%" in finding.message


def test_the_clerk_is_not_told_to_cut_a_correct_score():
    # today's misreading: 290% against 95% → 95 / 290 × 15 = 4.91 and a score-mismatch “应为 4.91”
    ev, fields = row(1, target="290%", actual="95%")
    assert "score-mismatch" not in fields.values() and "deviation-missing" not in fields.values()
    assert not any("4.91" in f.message for f in ev.findings)


@pytest.mark.parametrize(("name", "target", "actual"), [
    ("收入增长率", "≥120%", "130%"),  # a growth rate may exceed 100 %
    ("验收合格率", "100%", "100%"),  # exactly 100 % is plausible
    ("改造桶站数量", "≥120%", "125%"),  # not a rate by name (a share of a plan)
])
def test_plausible_values_are_scored_as_before(name, target, actual):
    ev, fields = row(1, name=name, target=target, actual=actual)
    assert "target-implausible" not in fields.values()
    assert ev.sheet.indicators[1].kind in ("positive", "equal")
