"""Risk flags and the sample (xltools.district.review): each flag on its constructed case, none on clean forms."""

from __future__ import annotations

import collections
import dataclasses

import pytest

from xltools.core import Policy
from xltools.core.parse import normalize_text
from xltools.district.process import project_row
from xltools.district.results import IndicatorRow, ProjectRow, dumps_value, loads_value
from xltools.district.review import (
    FLAGS,
    Hit,
    Shared,
    draw_sample,
    indicator_signature,
    risk_facts,
    risk_flags,
    risk_score,
)
from xltools.form.verdict import judge_form

from .forms import clean_form

ALONE = Shared(text_projects=lambda text: 1, set_units=lambda sig: 0)


@pytest.fixture(scope="module")
def clean() -> ProjectRow:
    """The clean test form as the combiner sees it (judged, then made a summary row)."""
    return project_row(judge_form(clean_form(), Policy()), Policy())


def with_indicators(p: ProjectRow, change) -> ProjectRow:
    rows = [change(i, row) for i, row in enumerate(p.indicators)]
    return dataclasses.replace(p, packed_indicators=ProjectRow.pack(rows))


def codes(p: ProjectRow, **kwargs) -> set[str]:
    kwargs.setdefault("shared", ALONE)
    return {hit.code for hit in risk_flags(p, **kwargs)}


def test_clean_forms_raise_no_flag(clean):
    assert clean.review_total >= 90 and clean.execution_rate == pytest.approx(0.955)  # high, but well executed
    assert codes(clean) == set()
    two_units = Shared(text_projects=lambda text: 1, set_units=lambda sig: 0)
    other = project_row(judge_form(clean_form(project_name="社区绿化", implementing_unit="呼家楼街道办事处"),
                                   Policy()), Policy())
    assert codes(other, shared=two_units) == set()


def test_high_total_with_low_execution(clean):
    def scored(total: float, rate: float) -> ProjectRow:
        return dataclasses.replace(clean, self_total=total, review_total=total, execution_rate=rate)

    assert codes(scored(92.0, 0.79)) == {"high-score-low-execution"}
    assert codes(scored(90.0, 0.5)) == {"high-score-low-execution"}
    assert codes(scored(92.0, 0.80)) == set()  # below 80 % only
    assert codes(scored(89.99, 0.5)) == set()


def test_every_indicator_at_full_marks(clean):
    full = with_indicators(clean, lambda i, r: dataclasses.replace(r, self_score=r.weight))
    assert codes(full) == {"all-full-marks"}
    # the clean form scores one indicator 14 of 15: not flagged
    assert any(r.self_score != r.weight for r in clean.indicators)


def test_self_and_reviewed_totals_one_point_apart(clean):
    assert codes(dataclasses.replace(clean, self_total=clean.review_total + 1.0)) == {"self-review-gap"}
    assert codes(dataclasses.replace(clean, self_total=clean.review_total - 0.99)) == set()


def test_placeholder_and_shared_deviation(clean):
    short = with_indicators(clean, lambda i, r: dataclasses.replace(r, deviation="无") if i == 4 else r)
    assert codes(short) == {"placeholder-deviation"}
    boiler = with_indicators(clean, lambda i, r: dataclasses.replace(r, deviation="同上。") if i == 4 else r)
    assert codes(boiler) == {"placeholder-deviation"}
    text = normalize_text(clean.indicators[4].deviation)  # texts are counted as the reader normalises them
    many = Shared(text_projects=lambda t: 5 if t == text else 1, set_units=lambda sig: 0)
    assert codes(clean, shared=many) == {"shared-deviation"}
    four = Shared(text_projects=lambda t: 4, set_units=lambda sig: 0)
    assert codes(clean, shared=four) == set()


def test_over_achievement_without_a_reason(clean):
    # 改造桶站数量 ≥40个: 52 is 30 % over
    over = with_indicators(clean, lambda i, r: dataclasses.replace(r, actual="52个") if i == 0 else r)
    hits = risk_flags(over, shared=ALONE)
    assert [h.code for h in hits] == ["over-achievement"] and "30%" in hits[0].reason
    explained = with_indicators(clean, lambda i, r: dataclasses.replace(r, actual="52个", deviation="新增小区纳入改造范围")
                                if i == 0 else r)
    assert codes(explained) == set()
    assert codes(with_indicators(clean, lambda i, r: dataclasses.replace(r, actual="51个") if i == 0 else r)) == set()
    # a reverse indicator (完工时间 ≤30天) done in 10 days is not over-achievement of this kind
    assert codes(with_indicators(clean, lambda i, r: dataclasses.replace(r, actual="10天") if i == 2 else r)) == set()


def test_actual_copied_from_target(clean):
    copied = with_indicators(clean, lambda i, r: dataclasses.replace(r, actual=r.target))
    assert "actual-copied" in codes(copied)
    # one indicator met exactly (验收合格率 100% / 100%) is normal
    assert clean.indicators[1].actual == clean.indicators[1].target and "actual-copied" not in codes(clean)


def test_indicator_set_copied_across_units(clean):
    signature = indicator_signature(clean)
    elsewhere = Shared(text_projects=lambda t: 1, set_units=lambda sig: 2 if sig == signature else 0)
    hits = risk_flags(clean, shared=elsewhere)
    assert [h.code for h in hits] == ["indicator-set-copied"] and "2 个实施单位" in hits[0].reason


def test_tampered_and_superseded(clean):
    assert codes(clean, fate="tampered") == {"tampered"}
    assert codes(clean, versions=2) == {"superseded"}


def test_flags_from_stored_facts_are_the_flags_computed_afresh(clean):
    """The worker's risk facts, kept as JSON in the results store, give the same flags (codes, reasons, order)."""
    many = Shared(text_projects=lambda t: 7, set_units=lambda sig: 3)
    cases = [
        clean,
        dataclasses.replace(clean, self_total=92.0, review_total=90.5, execution_rate=0.5),
        with_indicators(clean, lambda i, r: dataclasses.replace(r, self_score=r.weight, actual=r.target,
                                                                deviation="无" if i % 2 else "")),
        with_indicators(clean, lambda i, r: dataclasses.replace(r, actual="52个", deviation="") if i == 0 else r),
    ]
    seen = set()
    for p in cases:
        stored = loads_value(dumps_value(risk_facts(p)))
        assert isinstance(stored, dict)
        for kwargs in ({}, {"shared": ALONE}, {"shared": many, "fate": "tampered", "versions": 3}):
            fresh = risk_flags(p, **kwargs)
            assert risk_flags(p, facts=stored, **kwargs) == fresh
            seen |= {hit.code for hit in fresh}
    # every flag took part; target-drift is raised from a form's drift, not its project row (tests/test_drift.py)
    assert seen | {"target-drift"} == set(FLAGS)


def test_score_is_the_sum_of_weights():
    hits = [Hit("tampered", ""), Hit("self-review-gap", ""), Hit("superseded", "")]
    assert risk_score(hits) == 3 + 2 + 1
    assert all(flag.weight > 0 and flag.title and flag.template for flag in FLAGS.values())


CANDIDATES = [(f"{unit}/{i}", unit, score) for unit, count, score in
              (("甲", 6, 0), ("乙", 3, 0), ("丙", 1, 0), ("丁", 8, 0)) for i in range(count)]


def test_sample_is_reproducible_and_stratified():
    first = draw_sample(CANDIDATES, 6, seed=7)
    assert first == draw_sample(CANDIDATES, 6, seed=7)
    assert len({d.key for d in first}) == 6
    assert {d.unit for d in first} == {"甲", "乙", "丙", "丁"}  # every unit at least once
    assert all(d.reason for d in first)
    few = draw_sample(CANDIDATES, 2, seed=7)
    assert len({d.unit for d in few}) == 2  # fewer than units: one each from two units
    assert len(draw_sample(CANDIDATES, 100, seed=1)) == len(CANDIDATES)


def test_sample_is_risk_weighted():
    # unit 甲: one risky project (score 9) among nine clean ones; drawing one per unit, the risky one
    # has weight 10 of 19, so over many seeds it is drawn about half the time (clean ones 1/19 each)
    pool = [("risky", "甲", 9), *((f"clean{i}", "甲", 0) for i in range(9))]
    drawn = collections.Counter(draw_sample(pool, 1, seed=s)[0].key for s in range(400))
    assert 150 < drawn["risky"] < 250
    assert max(n for key, n in drawn.items() if key != "risky") < 50


def test_facts_from_the_rows_as_made_equal_the_facts_from_the_packed_rows():
    """The worker hands risk_facts the indicator rows it has just packed (issue 31): the facts are those of the
    rows unpacked again, on forms that raise flags and on the clean one."""
    from xltools.district.process import indicator_rows

    forms = [clean_form(), clean_form(project_name="社区绿化")]
    bare = clean_form()
    for ind in bare.indicators:  # every actual copied from its target, no 偏差原因, a placeholder where one was
        ind.actual, ind.deviation = ind.target, "无" if ind.deviation else None
    forms.append(bare)
    for form in forms:
        verdict = judge_form(form, Policy())
        rows = indicator_rows(verdict)
        project = project_row(verdict, Policy(), rows)
        assert rows and [dataclasses.astuple(r) for r in rows] == [dataclasses.astuple(r) for r in project.indicators]
        assert risk_facts(project, rows) == risk_facts(project)
    assert risk_facts(project)["hits"]  # the last form raises flags (actual-copied at least)
