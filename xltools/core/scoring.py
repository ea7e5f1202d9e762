"""Scoring rules R1–R6 as pure functions.

R1 execution rate and budget score; R3 positive and R4 reverse quantitative
indicators (and equality targets); R5 qualitative bands; R6 total and grade.
Rounding follows Excel's ROUND (half away from zero on the decimal value), so
the template's formulas and these functions agree; under ``rounding = "down"`` the budget and indicator
scores are rounded toward zero (Excel's ROUNDDOWN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from operator import attrgetter

from .model import FUND_ROWS, Form, FundRow, Indicator
from .parse import Number, parse_number
from .policy import Policy
from .quantity import Quantity
from .reading import QUANTITATIVE, IndicatorKind, Reading, read_indicator
from .wording import stated_band

__all__ = [
    "round_half_up",
    "round_down",
    "round_score",
    "execution_rate",
    "rate_for_scoring",
    "total_cap",
    "over_achievement",
    "budget_score",
    "quantity_score",
    "qualitative_band",
    "classify",
    "grade",
    "grade_label",
    "IndicatorResult",
    "ScoreSheet",
    "score_form",
    "score_indicator",
    "sheet_total",
    "sheet_rate",
    "denominator",
    "denominator_path",
    "form_year",
    "with_formula_values",
    "formula_fields",
    "weights_absent",
]

_WIDE = Context(prec=800)


@lru_cache(maxsize=4096)  # scores repeat; equal values (10 and 10.0, 0.0 and -0.0) round alike
def round_half_up(value: float, decimals: int) -> float:
    """Round like Excel's and LibreOffice's ROUND: half away from zero on the value's 15 significant digits.

    Spreadsheets first reduce a double to 15 significant digits, so a float sum
    such as 68.16499999999999 rounds as 68.165 → 68.17.
    """
    if not math.isfinite(value):
        return value
    text = f"{value:.15g}"
    if _places(text, decimals):  # already at most ``decimals`` places: nothing to round (most new scores)
        return float(text) + 0.0
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(text).quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def _places(text: str, decimals: int) -> bool:
    """Whether a number's ``.15g`` text has at most ``decimals`` (≥ 0) places (no exponent): quantizing it to
    them changes nothing but trailing zeros, so it is its own rounding."""
    if decimals < 0 or "e" in text:
        return False
    point = text.find(".")
    return point < 0 or len(text) - point - 1 <= decimals


@lru_cache(maxsize=4096)
def round_down(value: float, decimals: int) -> float:
    """Round toward zero like Excel's ROUNDDOWN (on the value's 15 significant digits): 9.91 → 9 (0 places)."""
    if not math.isfinite(value):
        return value
    text = f"{value:.15g}"
    if _places(text, decimals):
        return float(text) + 0.0
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(text).quantize(quantum, rounding=ROUND_DOWN, context=_WIDE)
    return float(rounded) + 0.0


def round_score(value: float, policy: Policy) -> float:
    """A budget or indicator score rounded as the policy says (``rounding``: half_up or down)."""
    return (round_down if policy.rounding == "down" else round_half_up)(value, policy.decimals)


def execution_rate(annual_budget: float | None, executed: float | None) -> float | None:
    """R1: 全年执行数 / 全年预算数; ``None`` when the budget is missing or not positive."""
    if annual_budget is None or executed is None or annual_budget <= 0:
        return None
    return executed / annual_budget


def budget_score(rate: float | None, weight: float, policy: Policy) -> float:
    """R1: min(rate, 1) × 分值, rounded (never above 分值); 0 when there is no rate."""
    if rate is None:
        return 0.0
    return min(round_score(max(0.0, min(rate, 1.0)) * weight, policy), weight)


def quantity_score(target: Quantity, actual: Quantity, weight: float, policy: Policy,
                   direction: str | None = None) -> float:
    """R3/R4: score of a quantitative indicator, unrounded, within [0, weight].

    ``direction`` overrides the target's own (a cost indicator without an
    operator is reverse; ``=`` under ``equal_rule = "positive"`` is positive).
    """
    t, a = target.value, max(actual.value, 0.0)
    direction = direction or target.direction
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


def over_achievement(target: Quantity, actual: Quantity, direction: str) -> float | None:
    """How far an actual value beats its target, as a share of the target (``None`` when it does not)."""
    t, a = target.value, actual.value
    if t <= 0:
        return None
    gap = (a - t) / t if direction == "positive" else (t - a) / t if direction == "reverse" else None
    return gap if gap is not None and gap > 0 else None


def qualitative_band(actual: object, policy: Policy | None = None) -> str | None:
    """R5: which band the 实际完成值's words state: 达成 / 部分达成 / 未达成, or ``None``."""
    statement = stated_band(actual, policy or Policy())
    return statement.band if statement else None


def classify(indicator: Indicator, policy: Policy | None = None) -> IndicatorKind:
    """How an indicator is scored (see :mod:`xltools.core.reading`)."""
    return read_indicator(indicator, policy or Policy()).kind


def grade_label(sheet: "ScoreSheet") -> str:
    """The grade as pages show it: the grade, 未评级 (weights that do not add up to the 分值合计) or 未评分
    (no 分值 at all)."""
    if sheet.total is None:
        return "未评分"
    return sheet.grade or "未评级"


def grade(total: float | None, policy: Policy) -> str:
    """R6: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (thresholds from the policy)."""
    if total is None:
        return ""
    for name, floor in policy.grade_thresholds.items():
        if total >= floor:
            return name
    return policy.lowest_grade


@dataclass(slots=True)
class IndicatorResult:
    """The computed score of one indicator row (a plain slotted record, made for every indicator: see
    :class:`~xltools.core.reading.Reading`)."""

    index: int
    level1: str
    kind: IndicatorKind
    weight: float
    score: float
    self_score: float | None
    reading: Reading | None = None
    over: float | None = None  # over-achievement share when it reaches the policy's threshold
    typed_weight: Number | None = None  # the 分值 and 得分 as parsed, read again by the row's checks from here
    typed_score: Number | None = None

    @property
    def dropped(self) -> bool:
        """Left out of the total (不适用 under ``drop_inapplicable``)."""
        return self.kind == "inapplicable"


@dataclass(slots=True)
class ScoreSheet:
    """Everything the scoring rules compute for one form (a plain slotted record: a frozen dataclass's
    ``__init__`` sets its 15 fields through ``object.__setattr__``, ~4× the cost, once or twice a form)."""

    execution_rate: float | None
    budget_weight: float
    budget_score: float
    indicators: list[IndicatorResult] = field(default_factory=list)
    total: float | None = 0.0  # None: not scored (the form states no 分值 at all: weights-absent)
    grade: str | None = ""  # None: no grade (not scored, or weights that do not add up to the 分值合计)
    subtotals: dict[str, float] = field(default_factory=dict)
    rate_source: str = "total"  # "total": the 年度资金总额 row; "breakdown": the sum of the 其中 rows
    budget_basis: tuple[float, float] | None = None  # (denominator, executed) the rate was computed from
    cap: float | None = None  # the total cap the execution rate set, when it lowered the total
    dropped_weight: float = 0.0  # weight of the rows left out (不适用)
    weight_sum: float = 0.0  # 预算执行分值 + every indicator's 分值, as the form states them
    weights_absent: bool = False  # no 分值 anywhere (neither 预算执行 nor any indicator)
    rescaled: bool = False  # the total was scaled from weight_sum to the 分值合计 (rescale_weights)
    above_full: float | None = None  # the total before it was held to the 分值合计 (weights above it)

    @property
    def indicator_scores(self) -> list[float]:
        return [item.score for item in self.indicators]


def _weight(value: object, default: float = 0.0) -> float:
    return _non_negative(parse_number(value), default)


def _non_negative(parsed: Number, default: float = 0.0) -> float:
    """A parsed 分值: its value when it is a number not below zero, else ``default``."""
    return parsed.value if parsed.value is not None and parsed.value >= 0 else default


def score_indicator(index: int, indicator: Indicator, policy: Policy, year: int | None = None) -> IndicatorResult:
    """R3–R5 for one row. Rows whose score cannot be computed keep the self-score within [0, weight]."""
    typed_weight, typed_score = parse_number(indicator.weight), parse_number(indicator.score)
    weight = _non_negative(typed_weight)
    self_score = typed_score.value
    reading = read_indicator(indicator, policy, year)
    over = None
    if reading.kind in QUANTITATIVE:
        assert reading.target is not None and reading.actual is not None
        raw = quantity_score(reading.target, reading.actual, weight, policy, reading.kind)
        threshold = policy.over_achievement  # "off" (the default): how far the actual beats the target is not asked
        gap = None if threshold == "off" else over_achievement(reading.target, reading.actual, reading.kind)
        if gap is not None and gap >= threshold - 1e-12:  # type: ignore[operator]
            over = gap
            raw = max(0.0, raw - policy.over_achievement_deduction)
    elif reading.kind == "time" and reading.on_time:
        raw = weight  # a deadline met is a target met: full marks
    elif reading.kind == "inapplicable":
        raw = 0.0
    else:
        raw = min(max(self_score or 0.0, 0.0), weight)
    # index, level1, kind, weight, score, self_score, reading, over
    return IndicatorResult(index, reading.level1, reading.kind, weight, min(round_score(raw, policy), weight),
                           self_score, reading, over, typed_weight, typed_score)


# --- R1: the execution rate ------------------------------------------------------------

def denominator(row: FundRow, policy: Policy) -> float | None:
    """The execution rate's denominator in a fund row: 全年预算数, 年初预算数, or the adjusted budget."""
    annual, initial = parse_number(row.annual_budget).value, parse_number(row.initial_budget).value
    if policy.rate_denominator == "initial":
        return initial
    if policy.rate_denominator == "adjusted":
        return annual if annual is not None else initial
    return annual


def denominator_path(policy: Policy) -> str:
    """The column the denominator comes from, as a field of the total row (for findings)."""
    column = "initial_budget" if policy.rate_denominator == "initial" else "annual_budget"
    return f"funds.total.{column}"


def rate_for_scoring(rate: float | None, policy: Policy) -> float | None:
    """The rate as the scoring uses it: rounded to ``rate_decimals`` places of the percentage when set."""
    if rate is None or policy.rate_decimals == "off":
        return rate
    return round_half_up(rate, int(policy.rate_decimals) + 2)


def _rate(form: Form, policy: Policy, *, breakdown: bool) -> tuple[float | None, str, tuple[float, float] | None]:
    """Execution rate, its source and basis. With ``breakdown``, a total row without a positive
    denominator falls back to the sums of the 其中 rows (when they have one)."""
    total = form.fund("total")
    budget, executed = denominator(total, policy), parse_number(total.executed).value
    rate = execution_rate(budget, executed)
    if rate is not None or not breakdown or budget not in (None, 0):
        return rate, "total", (budget, executed) if rate is not None else None  # type: ignore[return-value]
    parts = [form.fund(key) for key in FUND_ROWS if key != "total"]
    budgets = [b for b in (denominator(p, policy) for p in parts) if b is not None]
    spent = [e for e in (parse_number(p.executed).value for p in parts) if e is not None]
    if not budgets or sum(budgets) <= 0 or not spent:
        return None, "total", None
    return execution_rate(sum(budgets), sum(spent)), "breakdown", (sum(budgets), sum(spent))


def total_cap(rate: float | None, policy: Policy) -> float | None:
    """The highest total the execution rate allows (the first band whose ``below`` the rate is under)."""
    if rate is None:
        return None
    return next((cap.max_total for cap in policy.total_caps if rate < cap.below), None)


def _budget_part(form: Form, policy: Policy, *, breakdown: bool = True
                 ) -> tuple[float | None, float, float, str, tuple[float, float] | None]:
    """R1–R2: execution rate, budget weight, budget score, the rate's source and basis."""
    rate, source, basis = _rate(form, policy, breakdown=breakdown)
    weight = _weight(form.budget_weight, policy.default_budget_weight)
    return rate, weight, budget_score(rate_for_scoring(rate, policy), weight, policy), source, basis


def form_year(form: Form) -> int | None:
    """The form's year as a number, when it states one."""
    year = parse_number(form.year, suffixes=("年度", "年")).value
    return int(year) if year is not None and year.is_integer() and 1900 <= year <= 2100 else None


_WEIGHT, _SCORE = attrgetter("weight"), attrgetter("score")


def score_form(form: Form, policy: Policy) -> ScoreSheet:
    """R1–R6 for a whole form (the reviewer's computation, 复核)."""
    rate, weight, b_score, source, basis_amounts = _budget_part(form, policy)
    year = form_year(form)
    rows = [(i, ind) for i, ind in enumerate(form.indicators) if not ind.is_empty()]
    results = [score_indicator(i, ind, policy, year) for i, ind in rows]
    kept = [item for item in results if not item.dropped]
    scores: dict[str, list[float]] = {}  # each level's scores in row order (summed as before: same float)
    for item in kept:
        scores.setdefault(item.level1, []).append(item.score)
    subtotals = {name: round_half_up(sum(scores.get(name, ())), policy.decimals)
                 for name in policy.standard_split if name != "预算执行"}
    dropped = sum([item.weight for item in results if item.dropped])
    weight_sum = weight + sum(map(_WEIGHT, results))  # sum() as before (the same floats), without a generator
    absent = _weights_absent(form, [ind for _, ind in rows])
    full = policy.total_weight
    balanced = abs(weight_sum - full) <= 1e-6
    rescale = policy.rescale_weights and not balanced and weight_sum > dropped
    basis = weight_sum if rescale else full  # the weights the total is a share of
    raw = b_score + sum(map(_SCORE, kept))
    if (dropped or rescale) and basis - dropped > 0:
        raw *= full / (basis - dropped)
    total = round_half_up(raw, policy.decimals)
    cap = total_cap(rate_for_scoring(rate, policy), policy)
    capped = cap is not None and total > cap
    total = min(total, cap) if cap is not None else total
    above = total if total > full + 1e-9 else None
    total = min(total, full)  # never above the full score (weights above it: the weights-sum error says why)
    graded = not absent and (balanced or rescale)
    return ScoreSheet(
        execution_rate=rate,
        budget_weight=weight,
        budget_score=b_score,
        indicators=results,
        total=None if absent else total,
        grade=grade(total, policy) if graded else None,
        subtotals=subtotals,
        rate_source=source,
        budget_basis=basis_amounts,
        cap=cap if capped else None,
        dropped_weight=dropped,
        weight_sum=weight_sum,
        weights_absent=absent,
        rescaled=rescale,
        above_full=above,
    )


def weights_absent(form: Form) -> bool:
    """Whether a form states no 分值 at all: no 预算执行 weight and no weight on any indicator row."""
    return _weights_absent(form, [ind for ind in form.indicators if not ind.is_empty()])


def _weights_absent(form: Form, rows: list[Indicator]) -> bool:
    """:func:`weights_absent` given the form's indicator rows that are not empty."""
    return parse_number(form.budget_weight).kind == "empty" and all(
        parse_number(ind.weight).kind == "empty" for ind in rows)


def sheet_total(form: Form, policy: Policy) -> float | None:
    """The total the template's own 总分 formula shows.

    It is the budget score the template computes (from the 年度资金总额 row only)
    plus the self-reported indicator scores that are real numbers (a
    spreadsheet's SUM skips text), rounded and capped as the policy says;
    ``None`` (a blank cell) when there is neither an execution rate nor a numeric score.
    """
    return _sheet_total(form, policy, _budget_part(form, policy, breakdown=False))


def _sheet_total(form: Form, policy: Policy, budget: tuple[float | None, float, float, str, object]) -> float | None:
    """:func:`sheet_total` with the template's budget part (``_budget_part(..., breakdown=False)``) known."""
    rate, _, b_score, _, _ = budget  # the computed scores play no part
    scores = [ind.score for ind in form.indicators
              if isinstance(ind.score, (int, float)) and not isinstance(ind.score, bool)]
    if rate is None and not scores:
        return None
    total = round_half_up(b_score + float(sum(scores)), policy.decimals)
    cap = total_cap(rate_for_scoring(rate, policy), policy)
    return min(total, cap) if cap is not None else total


def sheet_rate(form: Form, policy: Policy) -> float | None:
    """The execution rate the template's formula shows (the 年度资金总额 row only)."""
    return _rate(form, policy, breakdown=False)[0]


def with_formula_values(form: Form, policy: Policy) -> Form:
    """The form as its workbook shows once recalculated.

    In the template, 预算执行得分 and 总分 are formulas. A workbook written by a
    program and never opened in a spreadsheet has no cached values there; read
    back, those fields are blank although nobody left them blank. This fills a
    blank one with what its formula computes (``policy``: the template's own);
    it stays blank where the formula shows a blank.
    """
    update = formula_fields(form, policy)
    return replace(form, **update) if update else form


def formula_fields(form: Form, policy: Policy) -> dict[str, object]:
    """What :func:`with_formula_values` fills in: field → the value its formula computes (blank formula fields only;
    a ``total_score`` key whenever the form's is blank, ``None`` where the formula shows a blank)."""
    update: dict[str, object] = {}
    if form.budget_score is None and form.total_score is None:  # never recalculated: the budget part once for both
        budget = _budget_part(form, policy, breakdown=False)
        if budget[0] is not None:
            update["budget_score"] = budget[2]
        update["total_score"] = _sheet_total(form, policy, budget)
    elif form.budget_score is None:
        rate, _, b_score, _, _ = _budget_part(form, policy, breakdown=False)
        if rate is not None:
            update["budget_score"] = b_score
    elif form.total_score is None:
        update["total_score"] = sheet_total(form, policy)
    return update
