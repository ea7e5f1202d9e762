"""Scoring rules R1–R6 as pure functions.

R1 execution rate and budget score; R3 positive and R4 reverse quantitative
indicators (and equality targets); R5 qualitative bands; R6 total and grade.
Rounding follows Excel's ROUND (half away from zero on the decimal value), so
the template's formulas and these functions agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Literal

from .model import Form, Indicator
from .parse import Quantity, normalize_text, parse_number, parse_quantity
from .policy import Policy

__all__ = [
    "round_half_up",
    "execution_rate",
    "budget_score",
    "quantity_score",
    "qualitative_band",
    "classify",
    "grade",
    "IndicatorResult",
    "ScoreSheet",
    "score_form",
    "sheet_total",
]

IndicatorKind = Literal["positive", "reverse", "equal", "qualitative", "unit-mismatch", "empty"]


_WIDE = Context(prec=800)


def round_half_up(value: float, decimals: int) -> float:
    """Round like Excel's and LibreOffice's ROUND: half away from zero on the value's 15 significant digits.

    Spreadsheets first reduce a double to 15 significant digits, so a float sum
    such as 68.16499999999999 rounds as 68.165 → 68.17.
    """
    if not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(f"{value:.15g}").quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def execution_rate(annual_budget: float | None, executed: float | None) -> float | None:
    """R1: 全年执行数 / 全年预算数; ``None`` when the budget is missing or not positive."""
    if annual_budget is None or executed is None or annual_budget <= 0:
        return None
    return executed / annual_budget


def budget_score(rate: float | None, weight: float, policy: Policy) -> float:
    """R1: min(rate, 1) × 分值, rounded (never above 分值); 0 when there is no rate."""
    if rate is None:
        return 0.0
    return min(round_half_up(max(0.0, min(rate, 1.0)) * weight, policy.decimals), weight)


def quantity_score(target: Quantity, actual: Quantity, weight: float, policy: Policy) -> float:
    """R3/R4: score of a quantitative indicator, unrounded, within [0, weight]."""
    t, a = target.value, max(actual.value, 0.0)
    direction = target.direction
    if direction == "positive":
        if a >= t:
            share = 1.0
        else:
            share = a / t if t > 0 else 0.0
    elif direction == "reverse":
        if a <= t:
            share = 1.0
        elif policy.reverse_rule == "linear":
            share = (2 * t - a) / t if t > 0 else 0.0
        else:
            share = t / a if a > 0 else 0.0
    else:  # equal
        if t == 0:
            share = 1.0 if a == 0 else 0.0
        else:
            share = 1.0 - abs(a - t) / abs(t)
    return max(0.0, min(share, 1.0)) * max(weight, 0.0)


_LOW_WORDS = ("未达成", "未完成", "未达到", "没有完成", "未实现", "效果较差", "效果差")
_MID_WORDS = ("部分达成", "部分完成", "基本达成", "基本完成", "部分实现", "基本实现", "一定效果")
_HIGH_WORDS = ("达成", "完成", "达到", "实现")


def qualitative_band(actual: object) -> str | None:
    """R5: which band the 实际完成值 states: 达成 / 部分达成 / 未达成, or ``None``."""
    text = normalize_text(actual)
    if any(word in text for word in _LOW_WORDS):
        return "未达成"
    if any(word in text for word in _MID_WORDS):
        return "部分达成"
    if any(word in text for word in _HIGH_WORDS):
        return "达成"
    return None


def _units_agree(target: Quantity, actual: Quantity) -> bool:
    return not target.unit or not actual.unit or target.unit == actual.unit


def classify(indicator: Indicator) -> IndicatorKind:
    """How an indicator is scored: by its target's direction, qualitatively, or not at all."""
    target, actual = parse_quantity(indicator.target), parse_quantity(indicator.actual)
    if target is not None and actual is not None:
        return target.direction if _units_agree(target, actual) else "unit-mismatch"
    if normalize_text(indicator.target) or normalize_text(indicator.actual):
        return "qualitative"
    return "empty"


def grade(total: float | None, policy: Policy) -> str:
    """R6: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (thresholds from the policy)."""
    if total is None:
        return ""
    for name, floor in policy.grade_thresholds.items():
        if total >= floor:
            return name
    return policy.lowest_grade


@dataclass(frozen=True)
class IndicatorResult:
    """The computed score of one indicator row."""

    index: int
    level1: str
    kind: IndicatorKind
    weight: float
    score: float
    self_score: float | None


@dataclass(frozen=True)
class ScoreSheet:
    """Everything the scoring rules compute for one form."""

    execution_rate: float | None
    budget_weight: float
    budget_score: float
    indicators: list[IndicatorResult] = field(default_factory=list)
    total: float = 0.0
    grade: str = ""
    subtotals: dict[str, float] = field(default_factory=dict)

    @property
    def indicator_scores(self) -> list[float]:
        return [item.score for item in self.indicators]


def _weight(value: object, default: float = 0.0) -> float:
    parsed = parse_number(value)
    return parsed.value if parsed.value is not None and parsed.value >= 0 else default


def score_indicator(index: int, indicator: Indicator, policy: Policy) -> IndicatorResult:
    """R3–R5 for one row. Rows whose score cannot be computed keep the self-score within [0, weight]."""
    weight = _weight(indicator.weight)
    self_score = parse_number(indicator.score).value
    kind = classify(indicator)
    if kind in ("positive", "reverse", "equal"):
        target = parse_quantity(indicator.target)
        actual = parse_quantity(indicator.actual)
        assert target is not None and actual is not None
        raw = quantity_score(target, actual, weight, policy)
    else:
        raw = min(max(self_score or 0.0, 0.0), weight)
    return IndicatorResult(
        index=index,
        level1=normalize_text(indicator.level1),
        kind=kind,
        weight=weight,
        score=min(round_half_up(raw, policy.decimals), weight),
        self_score=self_score,
    )


def _budget_part(form: Form, policy: Policy) -> tuple[float | None, float, float]:
    """R1–R2: execution rate, budget weight and budget score."""
    total_row = form.fund("total")
    rate = execution_rate(parse_number(total_row.annual_budget).value, parse_number(total_row.executed).value)
    weight = _weight(form.budget_weight, policy.default_budget_weight)
    return rate, weight, budget_score(rate, weight, policy)


def score_form(form: Form, policy: Policy) -> ScoreSheet:
    """R1–R6 for a whole form (the reviewer's computation, 复核)."""
    rate, weight, b_score = _budget_part(form, policy)
    results = [score_indicator(i, ind, policy) for i, ind in enumerate(form.indicators) if not ind.is_empty()]
    subtotals = {
        name: round_half_up(sum(item.score for item in results if item.level1 == name), policy.decimals)
        for name in policy.standard_split if name != "预算执行"
    }
    total = round_half_up(b_score + sum(item.score for item in results), policy.decimals)
    return ScoreSheet(
        execution_rate=rate,
        budget_weight=weight,
        budget_score=b_score,
        indicators=results,
        total=total,
        grade=grade(total, policy),
        subtotals=subtotals,
    )


def sheet_total(form: Form, policy: Policy) -> float | None:
    """The total the template's own 总分 formula shows.

    It is the computed budget score plus the self-reported indicator scores
    that are real numbers (a spreadsheet's SUM skips text), rounded; ``None``
    (a blank cell) when there is neither an execution rate nor a numeric score.
    """
    rate, _, b_score = _budget_part(form, policy)  # the indicators' computed scores play no part
    scores = [ind.score for ind in form.indicators
              if isinstance(ind.score, (int, float)) and not isinstance(ind.score, bool)]
    if rate is None and not scores:
        return None
    return round_half_up(b_score + float(sum(scores)), policy.decimals)
