"""How one indicator row reads: what its target and actual value state, and so how it is scored.

One reading per row serves both the scoring (:mod:`xltools.core.scoring`)
and the rules (:mod:`xltools.core.indicator_rules`), so they never disagree
about what a cell says.

Kinds: ``positive``/``reverse``/``equal`` (quantities that compare),
``time`` (a deadline target), ``rating`` (a target that states a scale such
as 优良中差), ``qualitative`` (a statement), ``unstated`` (a numeric target
whose actual states no number), ``unit-mismatch``, ``placeholder`` (一, —,
/, 无, 0 … in the target or actual), ``garbled`` (a number with letters in
it), ``inapplicable`` (不适用, dropped under the policy), ``implausible`` (a rate above 100 %: no score
is derived from it) and ``empty``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from .model import Indicator
from .parse import is_garbled_number, is_inapplicable, is_placeholder, memoise_text, normalize_text
from .policy import Policy
from .quantity import Quantity, parse_quantity, zero_quantity
from .timepoint import TimeSpec, find_time, is_late, parse_time, show_date
from .wording import Statement, rating_scale, rating_word, stated_band

__all__ = ["IndicatorKind", "QUANTITATIVE", "Reading", "read_indicator", "split_level1", "is_cost"]

IndicatorKind = Literal["positive", "reverse", "equal", "qualitative", "unit-mismatch", "empty", "time", "rating",
                        "placeholder", "garbled", "unstated", "inapplicable", "implausible"]

#: Kinds whose score the reviewer computes from the target and actual value.
QUANTITATIVE: tuple[str, ...] = ("positive", "reverse", "equal")

@lru_cache(maxsize=None)
def _timely() -> re.Pattern[str]:
    """Words that say a deadline was met (compiled when first used: a check of most forms never needs them)."""
    return re.compile(r"按时|如期|按期|准时|提前")


@dataclass(frozen=True)
class Reading:
    """What one indicator row states."""

    kind: IndicatorKind
    level1: str
    level1_weight: float | None = None
    target: Quantity | None = None
    actual: Quantity | None = None
    statement: Statement | None = None
    placeholders: tuple[str, ...] = ()
    garbled: tuple[str, ...] = ()
    cost: bool = False
    rating: str | None = None  # the rating word the actual states
    deadline: str | None = None  # for a deadline target: the deadline and the actual time, as shown in messages
    done: str | None = None
    on_time: bool = False  # a deadline met (by the time stated, or 按时/如期/按期): scored like a target met
    implausible: tuple[str, ...] = ()  # the parts (target, actual) that state a rate above 100 %


_LEVEL1_WEIGHT = re.compile(r"^(?P<name>\D+?)(?:\((?P<w1>\d+(?:\.\d+)?)分?\)|(?P<w2>\d+(?:\.\d+)?)分)$")


@memoise_text
def split_level1(value: object) -> tuple[str, float | None]:
    """``产出指标（50分）`` → (``产出指标``, 50.0); a label without a weight → (label, ``None``)."""
    text = normalize_text(value).replace(" ", "")
    match = _LEVEL1_WEIGHT.match(text)
    if not match:
        return text, None
    return match.group("name"), float(match.group("w1") or match.group("w2"))


def is_cost(level1: str, level2: object) -> bool:
    """Whether a row is a cost indicator: 一级 成本指标, or a 二级 成本指标 and its kinds (经济成本指标 …)."""
    return level1 == "成本指标" or normalize_text(level2).replace(" ", "").endswith("成本指标")


def _percent_fix(target: Quantity, actual: Quantity) -> tuple[Quantity, Quantity]:
    """A bare fraction against a percentage (``0.95`` against ``≥90%``) is the percentage (95 %)."""
    if target.unit == "%" and not actual.unit and 0 <= actual.value <= 1 < target.value:
        return target, Quantity(actual.comparator, actual.value * 100, "%")
    if actual.unit == "%" and not target.unit and 0 < target.value <= 1 < actual.value:
        return Quantity(target.comparator, target.value * 100, "%"), actual
    return target, actual


#: Names of indicators whose value cannot exceed 100 % (rates, coverage, 知晓率, 合格率, 及时率, 满意度 …) …
_BOUNDED = re.compile(r"率|覆盖|满意|比例|占比")
#: … unless they measure a change (增长率 120 % is possible).
_UNBOUNDED = re.compile(r"增长|增幅|增速|增加|提高|提升|同比|环比|倍")


@memoise_text
def is_bounded_rate(name: object) -> bool:
    """Whether an indicator's name (or 二级/一级) says its value is a share of at most 100 %."""
    text = normalize_text(name).replace(" ", "")
    return bool(_BOUNDED.search(text)) and not _UNBOUNDED.search(text)


def _above_100(indicator: Indicator, target: Quantity, actual: Quantity | None) -> tuple[str, ...]:
    """The parts of a rate-like row that state more than 100 % (a printed “290%” meant as “≥90%”)."""
    if not (is_bounded_rate(indicator.name) or is_bounded_rate(indicator.level2)
            or split_level1(indicator.level1)[0] == "满意度指标"):
        return ()
    return tuple(part for part, quantity in (("target", target), ("actual", actual))
                 if quantity is not None and quantity.unit == "%" and quantity.value > 100 + 1e-9)


def _rated_band(scale: dict[str, str], expected: str | None, word: str) -> str:
    """The band of a rating word against a target naming one word (``良``): that word or a better one is
    达成; against a target naming the low word of a scale (``否``), only that word is; against a whole
    scale, the word's own band."""
    if expected is None:
        return scale[word]
    if word == expected:
        return "达成"
    if scale[expected] == "未达成":
        return "未达成"
    words = list(scale)
    return "达成" if words.index(word) < words.index(expected) else scale[word]


def _real_zeros(target: object, actual: object, cost: bool, policy: Policy) -> tuple[Quantity, Quantity] | None:
    """The target and actual of a row where a zero is a value, not a placeholder, else ``None``.

    A zero target with a zero actual (``0`` and ``0``), or a zero target that states its unit or operator
    (``0起``, ``≤0``) with a quantity as actual (``2起``): a count that must stay at zero (安全事故发生数,
    变质比例). A zero actual against an upper limit (``≤5起``, or a cost): the limit
    was kept. A zero actual against a positive target stays a placeholder (nobody counts “0” as done).
    """
    zero_target, zero_actual = zero_quantity(target), zero_quantity(actual)
    if zero_target is None and zero_actual is None:
        return None
    if zero_target is not None and zero_actual is None and not (zero_target.unit or zero_target.comparator):
        return None  # a bare 0 against a count (“0” and “40个”) is what people type for “nothing to say”
    target_qty = zero_target or parse_quantity(target)
    actual_qty = zero_actual or parse_quantity(actual)
    if target_qty is None or actual_qty is None:
        return None
    if zero_target is None and _direction(target_qty, cost, policy) != "reverse":
        return None
    return target_qty, actual_qty


def _direction(target: Quantity, cost: bool, policy: Policy) -> IndicatorKind:
    if target.comparator is None and cost and policy.cost_upper_limit:
        return "reverse"
    direction = target.direction
    if direction == "equal" and policy.equal_rule == "positive":
        return "positive"
    return direction


def read_indicator(indicator: Indicator, policy: Policy, year: int | None = None) -> Reading:
    """Read one row (``year``: the form's year, for times typed without one)."""
    level1, level1_weight = split_level1(indicator.level1)
    target, actual = indicator.target, indicator.actual
    parts = (("target", target), ("actual", actual))
    placeholders = tuple(part for part, value in parts if is_placeholder(value))
    garbled = tuple(part for part, value in parts if is_garbled_number(value))
    # what every reading of the row shares; each branch builds its one Reading from it
    base = {"level1": level1, "level1_weight": level1_weight, "cost": is_cost(level1, indicator.level2),
            "placeholders": placeholders, "garbled": garbled}
    if policy.drop_inapplicable and ("target" in placeholders or is_inapplicable(target)
                                     or is_inapplicable(actual)):
        return Reading("inapplicable", **base)
    if garbled:
        return Reading("garbled", **base)
    zeros = _real_zeros(target, actual, base["cost"], policy)
    if zeros is not None:
        target_qty, actual_qty = zeros
        direction = "reverse" if target_qty.comparator is None and target_qty.value == 0 else \
            _direction(target_qty, base["cost"], policy)
        base["placeholders"] = ()
        if target_qty.unit and actual_qty.unit and target_qty.unit != actual_qty.unit:
            return Reading("unit-mismatch", **base, target=target_qty, actual=actual_qty)
        return Reading(direction, **base, target=target_qty, actual=actual_qty)
    if placeholders:
        return Reading("placeholder", **base)
    if not normalize_text(target) and not normalize_text(actual):
        return Reading("empty", **base)
    deadline = parse_time(target)
    if deadline is not None:
        return _read_time(base, deadline, actual, policy, year)
    target_qty = parse_quantity(target)
    if target_qty is not None:
        actual_qty = parse_quantity(actual)
        if actual_qty is not None:
            target_qty, actual_qty = _percent_fix(target_qty, actual_qty)
        implausible = _above_100(indicator, target_qty, actual_qty)
        if implausible:
            return Reading("implausible", **base, target=target_qty, actual=actual_qty, implausible=implausible)
        if actual_qty is not None:
            if target_qty.unit and actual_qty.unit and target_qty.unit != actual_qty.unit:
                return Reading("unit-mismatch", **base, target=target_qty, actual=actual_qty)
            return Reading(_direction(target_qty, base["cost"], policy), **base, target=target_qty, actual=actual_qty)
        if normalize_text(actual):
            return Reading("unstated", **base, target=target_qty, statement=stated_band(actual, policy))
        return Reading("qualitative", **base, target=target_qty)
    rated = rating_scale(target, actual, policy)
    if rated is not None:
        scale, expected = rated
        word = rating_word(actual, scale)
        if word is None:
            return Reading("rating", **base, statement=stated_band(actual, policy))
        return Reading("rating", **base, rating=word, statement=Statement(_rated_band(scale, expected, word), word))
    return Reading("qualitative", **base, statement=stated_band(actual, policy))


def _read_time(base: dict[str, Any], deadline_spec: TimeSpec, actual: object, policy: Policy,
               year: int | None) -> Reading:
    """A deadline target: the actual's words first (未完成, 延期…), else its time against the deadline."""
    words = stated_band(actual, policy)
    if words is not None and words.band != "达成":
        return Reading("time", **base, statement=words)
    done_spec = find_time(actual)
    if done_spec is None:
        timely = words is not None and bool(_timely().search(normalize_text(actual)))
        return Reading("time", **base, statement=words, on_time=timely)
    late, deadline, begun = is_late(deadline_spec, done_spec, year)
    shown_deadline, shown_done = show_date(deadline, deadline_spec), show_date(begun, done_spec)
    if late:
        return Reading("time", **base, statement=Statement(policy.late_band, done_spec.text, late=True),
                       deadline=shown_deadline, done=shown_done)
    return Reading("time", **base, statement=Statement("达成", done_spec.text), deadline=shown_deadline,
                   done=shown_done, on_time=True)
