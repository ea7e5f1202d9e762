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
from typing import Literal

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


@dataclass(slots=True)
class Reading:
    """What one indicator row states (a plain slotted record, not frozen: one is made for every indicator of
    every form, and a frozen dataclass's ``__init__`` costs ~4× as much through ``object.__setattr__``)."""

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
    return level1 == "成本指标" or _cost_level2(level2)


@memoise_text
def _cost_level2(level2: object) -> bool:
    """Whether a 二级指标 names a cost indicator (成本指标, 经济成本指标 …)."""
    return normalize_text(level2).replace(" ", "").endswith("成本指标")


#: The parts of a row a check names, by whether the target and the actual have it: ``_PARTS[t][a]``.
_PARTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (((), ("actual",)), (("target",), ("target", "actual")))


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


def _above_100(indicator: Indicator, level1: str, target: Quantity, actual: Quantity | None) -> tuple[str, ...]:
    """The parts of a rate-like row (``level1``: its 一级指标 as read) that state more than 100 % (a printed
    “290%” meant as “≥90%”)."""
    over_target = target.unit == "%" and target.value > 100 + 1e-9
    over_actual = actual is not None and actual.unit == "%" and actual.value > 100 + 1e-9
    if not (over_target or over_actual) or not (is_bounded_rate(indicator.name) or is_bounded_rate(indicator.level2)
                                                or level1 == "满意度指标"):
        return ()
    return _PARTS[over_target][over_actual]


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
    target_placeholder = is_placeholder(target)
    placeholders = _PARTS[target_placeholder][is_placeholder(actual)]
    garbled = _PARTS[is_garbled_number(target)][is_garbled_number(actual)]
    cost = level1 == "成本指标" or _cost_level2(indicator.level2)
    # every Reading below is built positionally: kind, level1, level1_weight, target, actual, statement,
    # placeholders, garbled, cost (then rating, deadline, done, on_time, implausible by name)
    if policy.drop_inapplicable and (target_placeholder or is_inapplicable(target) or is_inapplicable(actual)):
        return Reading("inapplicable", level1, level1_weight, None, None, None, placeholders, garbled, cost)
    if garbled:
        return Reading("garbled", level1, level1_weight, None, None, None, placeholders, garbled, cost)
    zeros = _real_zeros(target, actual, cost, policy) if zero_quantity(target) or zero_quantity(actual) else None
    if zeros is not None:
        target_qty, actual_qty = zeros
        direction = "reverse" if target_qty.comparator is None and target_qty.value == 0 else \
            _direction(target_qty, cost, policy)
        if target_qty.unit and actual_qty.unit and target_qty.unit != actual_qty.unit:
            direction = "unit-mismatch"
        return Reading(direction, level1, level1_weight, target_qty, actual_qty, None, (), garbled, cost)
    if placeholders:
        return Reading("placeholder", level1, level1_weight, None, None, None, placeholders, garbled, cost)
    if not normalize_text(target) and not normalize_text(actual):
        return Reading("empty", level1, level1_weight, None, None, None, placeholders, garbled, cost)
    deadline = parse_time(target)
    if deadline is not None:
        statement, shown_deadline, done, on_time = _read_time(deadline, actual, policy, year)
        return Reading("time", level1, level1_weight, None, None, statement, placeholders, garbled, cost, None,
                       shown_deadline, done, on_time)
    target_qty = parse_quantity(target)
    if target_qty is not None:
        actual_qty = parse_quantity(actual)
        if actual_qty is not None and actual_qty.unit != target_qty.unit:  # a fraction against a percentage
            target_qty, actual_qty = _percent_fix(target_qty, actual_qty)
        # only a part above 100 can be an implausible rate
        implausible = _above_100(indicator, level1, target_qty, actual_qty) \
            if target_qty.value > 100 or (actual_qty is not None and actual_qty.value > 100) else ()
        if implausible:
            return Reading("implausible", level1, level1_weight, target_qty, actual_qty, None, placeholders, garbled,
                           cost, implausible=implausible)
        if actual_qty is not None:
            kind = "unit-mismatch" if target_qty.unit and actual_qty.unit and target_qty.unit != actual_qty.unit \
                else _direction(target_qty, cost, policy)
            return Reading(kind, level1, level1_weight, target_qty, actual_qty, None, placeholders, garbled, cost)
        if normalize_text(actual):
            return Reading("unstated", level1, level1_weight, target_qty, None, stated_band(actual, policy),
                           placeholders, garbled, cost)
        return Reading("qualitative", level1, level1_weight, target_qty, None, None, placeholders, garbled, cost)
    rated = rating_scale(target, actual, policy)
    if rated is not None:
        scale, expected = rated
        word = rating_word(actual, scale)
        statement = stated_band(actual, policy) if word is None else Statement(_rated_band(scale, expected, word), word)
        return Reading("rating", level1, level1_weight, None, None, statement, placeholders, garbled, cost, word)
    return Reading("qualitative", level1, level1_weight, None, None, stated_band(actual, policy), placeholders, garbled,
                   cost)


def _read_time(deadline_spec: TimeSpec, actual: object, policy: Policy, year: int | None
               ) -> tuple[Statement | None, str | None, str | None, bool]:
    """A deadline target: the actual's words first (未完成, 延期…), else its time against the deadline; the
    reading's statement, deadline and time done as shown in messages, and whether the deadline was met."""
    words = stated_band(actual, policy)
    if words is not None and words.band != "达成":
        return words, None, None, False
    done_spec = find_time(actual)
    if done_spec is None:
        timely = words is not None and bool(_timely().search(normalize_text(actual)))
        return words, None, None, timely
    late, deadline, begun = is_late(deadline_spec, done_spec, year)
    shown_deadline, shown_done = show_date(deadline, deadline_spec), show_date(begun, done_spec)
    if late:
        return Statement(policy.late_band, done_spec.text, late=True), shown_deadline, shown_done, False
    return Statement("达成", done_spec.text), shown_deadline, shown_done, True
