"""The checks of one indicator row (绩效指标), driven by its reading (:mod:`xltools.core.reading`)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .catalogue import (
    ActualCopied,
    ActualNotStated,
    DeviationMissing,
    IndicatorInapplicable,
    Level1Invalid,
    Level2Invalid,
    NameIsSentence,
    OverAchievementUnexplained,
    QualitativeBand,
    RequiredMissing,
    SatisfactionNotQuantified,
    ScoreMismatch,
    ScoreOutOfRange,
    TargetImplausible,
    UnitMismatch,
    ValueGarbled,
    ValuePlaceholder,
    WeightNotPositive,
)
from .fields import field_label, fmt, number, required_text, same_statement
from .findings import Finding
from .model import Indicator
from .parse import as_typed, is_placeholder, memoise_text, normalize_text, parse_number
from .quantity import parse_quantity
from .policy import Policy
from .reading import QUANTITATIVE, Reading
from .scoring import IndicatorResult, ScoreSheet

__all__ = ["check_indicator", "explains"]

_SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")
_PART_NAMES = {"target": "年度指标值", "actual": "实际完成值"}


class _Paths(NamedTuple):
    """The field paths of one indicator row (``indicators[3]``, ``indicators[3].level1`` …)."""

    row: str
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: str
    score: str
    deviation: str


@lru_cache(maxsize=256)
def _paths(i: int) -> _Paths:
    """Row ``i``'s field paths, made once per row number (a form's every row is checked, each path asked for)."""
    p = f"indicators[{i}]"
    return _Paths(p, *(f"{p}.{part}" for part in _Paths._fields[1:]))


@memoise_text
def _sentence_punctuation(name: object) -> bool:
    """Whether a 三级指标 holds a sentence's punctuation."""
    return bool(_SENTENCE_PUNCT.search(normalize_text(name)))


def explains(deviation: object) -> bool:
    """Whether a 偏差原因 cell explains anything (not blank, not a placeholder such as 无 or —)."""
    return bool(normalize_text(deviation)) and not is_placeholder(deviation)


def _levels(paths: _Paths, ind: Indicator, reading: Reading, policy: Policy, findings: list[Finding]) -> None:
    typed = required_text(paths.level1, ind.level1, findings)
    level1, levels = reading.level1, policy.levels
    if typed and level1 not in levels:
        findings.append(Level1Invalid.at(paths.level1, label=field_label(paths.level1), raw=as_typed(ind.level1),
                                         allowed="、".join(levels)))
    level2 = required_text(paths.level2, ind.level2, findings).replace(" ", "")
    if level2 and level1 in levels and level2 not in levels[level1]:
        findings.append(Level2Invalid.at(paths.level2, label=field_label(paths.level2), raw=as_typed(ind.level2),
                                         level1=level1, allowed="、".join(levels[level1])))


def _band_reason(ind: Indicator, reading: Reading) -> str:
    statement = reading.statement
    assert statement is not None
    if reading.kind == "rating" and reading.rating:
        return f"为“{reading.rating}”"
    if reading.deadline is not None:
        relation = "晚于" if statement.late else "未晚于"
        return f"“{as_typed(ind.actual, 30)}”（{reading.done}起）{relation}期限 {reading.deadline}"
    return f"写有“{statement.words}”"


def _band(p: str, ind: Indicator, reading: Reading, s: float | None, w: float, policy: Policy,
          findings: list[Finding]) -> None:
    """The self-score against the band the actual states (R5; also times, ratings and numbers not stated)."""
    statement = reading.statement
    if statement is None or s is None or w <= 0 or not 0 <= s <= w + 1e-9:
        return
    low, high = policy.band_range(statement.band)
    top_band = high >= 1.0
    share = s / w
    inside = low - 1e-9 <= share and (share <= high + 1e-9 if top_band else share < high - 1e-9)
    if not inside:
        findings.append(QualitativeBand.at(f"{p}.score", label=field_label(f"{p}.score"), score=fmt(s),
                                           reason=_band_reason(ind, reading), band=statement.band,
                                           low=fmt(low * w), high=fmt(high * w), bands=policy.bands_text()))


def _example(reading: Reading) -> str:
    target = reading.target
    return f"{fmt(target.value)}{target.unit}" if target is not None else "2021年11月完成"


def _kind_checks(p: str, ind: Indicator, result: IndicatorResult, sheet: ScoreSheet, s: float | None,
                 policy: Policy, tolerance: float, findings: list[Finding]) -> None:
    reading = result.reading
    assert reading is not None
    w, kind = result.weight, result.kind
    if kind == "inapplicable":
        part = "target" if "target" in reading.placeholders or normalize_text(ind.target) else "actual"
        findings.append(IndicatorInapplicable.at(
            f"{p}.{part}", label=field_label(f"{p}.{part}"), raw=as_typed(getattr(ind, part)), weight=fmt(w),
            total=fmt(policy.total_weight), rest=fmt(policy.total_weight - sheet.dropped_weight)))
    elif kind == "garbled":
        for part in reading.garbled:
            findings.append(ValueGarbled.at(f"{p}.{part}", label=field_label(f"{p}.{part}"),
                                            raw=as_typed(getattr(ind, part))))
    elif kind == "placeholder":
        for part in reading.placeholders:
            findings.append(ValuePlaceholder.at(f"{p}.{part}", label=field_label(f"{p}.{part}"),
                                                raw=as_typed(getattr(ind, part)), what=_PART_NAMES[part]))
    elif kind == "implausible":
        for part in reading.implausible:
            findings.append(TargetImplausible.at(f"{p}.{part}", label=field_label(f"{p}.{part}"),
                                                 raw=as_typed(getattr(ind, part)), name=as_typed(ind.name, 20)))
    elif kind == "unit-mismatch":
        findings.append(UnitMismatch.at(f"{p}.actual", label=field_label(f"{p}.actual"),
                                        actual_unit=reading.actual.unit if reading.actual else "",
                                        target_unit=reading.target.unit if reading.target else ""))
    elif kind in QUANTITATIVE or (kind == "time" and reading.on_time):
        if s is not None and abs(s - result.score) > tolerance and 0 <= s <= w + 1e-9:
            findings.append(ScoreMismatch.at(f"{p}.score", label=field_label(f"{p}.score"),
                                             score=fmt(s), expected=fmt(result.score)))
        if result.over is not None and not explains(ind.deviation):
            deduction = policy.over_achievement_deduction
            findings.append(OverAchievementUnexplained.at(
                f"{p}.deviation", label=field_label(f"{p}.deviation"),
                state="未填写" if not normalize_text(ind.deviation) else f"只填了“{as_typed(ind.deviation)}”",
                actual=as_typed(ind.actual), target=as_typed(ind.target), gap=f"{result.over:.0%}",
                threshold=f"{float(policy.over_achievement):.0%}",
                deducted=f"，已扣 {fmt(deduction)} 分" if deduction else ""))
    else:
        _band(p, ind, reading, s, w, policy, findings)
        unstated = kind == "unstated" or (kind == "time" and bool(normalize_text(ind.actual)) and reading.done is None
                                          and (reading.statement is None or reading.statement.band == "达成"))
        if unstated:
            what = "完成时间" if kind == "time" else "数量"
            findings.append(ActualNotStated.at(f"{p}.actual", label=field_label(f"{p}.actual"),
                                               raw=as_typed(ind.actual), what=what, target=as_typed(ind.target),
                                               example=_example(reading)))
        actual, target, name = normalize_text(ind.actual), normalize_text(ind.target), normalize_text(ind.name)
        if kind == "qualitative" and actual and (same_statement(actual, target) or same_statement(actual, name)):
            source = "年度指标值" if same_statement(actual, target) else "三级指标名称"
            findings.append(ActualCopied.at(f"{p}.actual", label=field_label(f"{p}.actual"), source=source))


def _score_detail(result: IndicatorResult, policy: Policy) -> str:
    """What the reviewer computes for a row whose 得分 is blank (shown in ``required-missing``)."""
    statement = result.reading.statement if result.reading else None
    if result.kind in QUANTITATIVE or (result.reading is not None and result.reading.on_time):
        return f"（按年度指标值和实际完成值计算为 {fmt(result.score)} 分）"
    if statement is not None and result.weight > 0:
        low, high = policy.band_range(statement.band)
        return f"（实际完成值属“{statement.band}”，应在 {fmt(low * result.weight)}–{fmt(high * result.weight)} 分之间；复核按 0 分计）"
    return "（复核按 0 分计）"


def check_indicator(i: int, ind: Indicator, result: IndicatorResult, sheet: ScoreSheet, policy: Policy,
                    findings: list[Finding]) -> None:
    """Every finding of one indicator row, in column order."""
    paths = _paths(i)
    p = paths.row
    reading = result.reading
    assert reading is not None
    _levels(paths, ind, reading, policy, findings)
    name = required_text(paths.name, ind.name, findings)
    if name and (len(name) > policy.name_max_length or _sentence_punctuation(ind.name)):
        findings.append(NameIsSentence.at(paths.name, label=field_label(paths.name), length=len(name)))
    target = required_text(paths.target, ind.target, findings)
    required_text(paths.actual, ind.actual, findings)
    absent = sheet.weights_absent  # one weights-absent finding for the form, not one per row
    # a cell holding a number adds no finding: number() (and its path) only for the others
    weight = result.typed_weight or parse_number(ind.weight)  # as the scoring parsed it
    if weight.kind != "number":
        number(paths.weight, ind.weight, findings, required=not absent)
    if weight.value is not None and weight.value <= 0:
        findings.append(WeightNotPositive.at(paths.weight, label=field_label(paths.weight), value=fmt(weight.value)))
    score = result.typed_score or parse_number(ind.score)
    if score.kind == "text" or score.kind == "invalid":  # number() adds a finding only for these (not required)
        number(paths.score, ind.score, findings, required=False)
    dropped = result.dropped
    if score.kind == "empty" and not dropped and policy.self_scores == "required" and not absent:
        findings.append(RequiredMissing.at(paths.score, label=field_label(paths.score),
                                           detail=_score_detail(result, policy)))
    w, s = result.weight, score.value
    if s is not None and weight.value is not None and not -1e-9 <= s <= w + 1e-9:
        findings.append(ScoreOutOfRange.at(paths.score, label=field_label(paths.score), score=fmt(s), weight=fmt(w)))
    tolerance = policy.tolerance  # a property computing it: asked once a row
    _kind_checks(p, ind, result, sheet, s, policy, tolerance, findings)
    if reading.level1 == "满意度指标" and target and result.kind not in ("placeholder", "garbled", "inapplicable"):
        quantity = parse_quantity(ind.target)
        percent = quantity is not None and (quantity.unit == "%" or (not quantity.unit and 0 < quantity.value <= 100))
        if not percent:
            findings.append(SatisfactionNotQuantified.at(paths.target, label=field_label(paths.target),
                                                         raw=as_typed(ind.target, 20)))
    if s is not None and not dropped and w > 0:  # a blank or dropped row, or no 分值: no reason asked
        _deviation(paths.deviation, ind, result, s, tolerance, findings)


def _deviation(path: str, ind: Indicator, result: IndicatorResult, s: float, tolerance: float,
               findings: list[Finding]) -> None:
    """A lost point needs a reason (a placeholder is none); a blank 得分 is flagged once, as required-missing."""
    w = result.weight
    below_self = s < w - tolerance
    if not below_self and result.score >= w - tolerance:
        return
    if explains(ind.deviation):
        return
    if result.over is not None and not below_self:
        return  # over-achievement-unexplained already asks for the reason
    state = "未填写" if not normalize_text(ind.deviation) else f"只填了“{as_typed(ind.deviation)}”，不是原因说明"
    which, shown = ("得分", s) if below_self else ("复核得分", result.score)
    findings.append(DeviationMissing.at(path, label=field_label(path), state=state,
                                        which=which, score=fmt(shown), weight=fmt(w)))
