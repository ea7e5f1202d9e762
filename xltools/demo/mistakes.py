"""The mistakes the demo injects into clean forms, each with the findings the checker must then report."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from xltools.core import Form, Indicator, Policy, score_form, sheet_total
from xltools.core.model import FundRow
from xltools.core.quantity import parse_quantity
from xltools.core.scoring import score_indicator
from xltools.demo.themes import DEVIATIONS, Quant
from xltools.form.registry import current_layout

__all__ = ["Expected", "MISTAKES", "Injector", "inject", "quant_text", "actual_value", "settle", "wan", "AMOUNT"]

_LAYOUT = current_layout()
AMOUNT = 10_000  # amounts are handled as integers of 0.0001 万元 (one yuan)
_POLICY = Policy()


@dataclass(frozen=True)
class Expected:
    """One finding the checker must report for a file."""

    code: str
    severity: str
    field: str
    mistake: str | None = None  # the injected mistake that causes it; None for a natural warning

    @property
    def cell(self) -> str | None:
        return _LAYOUT.cell_of(self.field)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity, "field": self.field, "cell": self.cell,
                "mistake": self.mistake}


def quant_text(comparator: str, value: float, unit: str) -> str:
    number = f"{value:g}" if unit != "万元" else f"{value:.4f}"
    return f"{comparator}{number}{unit}"


def actual_value(rng: random.Random, spec: Quant, target: float, shortfall: float) -> float:
    """A clean actual value: met (``shortfall`` 0) or missed by about ``shortfall`` (0.08–0.5)."""
    if spec.comparator == "≤":
        if shortfall:
            return float(int(target * (1 + shortfall * rng.uniform(1.5, 2.5))) + 1)
        return float(max(1, int(target * rng.uniform(0.7, 1.0))))
    if spec.unit == "%":
        if shortfall:
            return float(int(target) - max(3, int(target * shortfall * rng.uniform(0.5, 1.0))))
        return float(rng.randint(int(target), 100)) if spec.comparator != "=" else target
    if shortfall:
        return float(int(target * (1 - shortfall * rng.uniform(0.6, 1.0))))
    return float(int(target * rng.uniform(1.0, 1.12))) if spec.comparator != "=" else target


# --- mistakes -------------------------------------------------------------------------

Injector = Callable[[random.Random, Form], tuple[Form, list[Expected]]]


def _replace_indicator(form: Form, i: int, **update: object) -> Form:
    indicators = list(form.indicators)
    indicators[i] = replace(indicators[i], **update)
    return replace(form, indicators=indicators)


def _full_rows(form: Form, *, quantitative: bool | None = None) -> list[int]:
    """Rows scored in full with no deviation text (safe to damage); optionally only (non-)quantitative."""
    out = []
    for i, ind in enumerate(form.indicators):
        is_quant = parse_quantity(ind.target) is not None
        if ind.score != ind.weight or ind.deviation or (quantitative is not None and is_quant != quantitative):
            continue
        if quantitative and "万元" in str(ind.target):
            continue
        out.append(i)
    return out


def _shortfall_text(rng: random.Random, ind: Indicator) -> str:
    target = parse_quantity(ind.target)
    assert target is not None
    spec = Quant("", "", {"reverse": "≤", "equal": "="}.get(target.direction, "≥"), 0, 0, target.unit)
    return quant_text("", actual_value(rng, spec, target.value, rng.uniform(0.08, 0.2)), target.unit)


def _deviation_missing(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    i = rng.choice(_full_rows(form, quantitative=True))
    form = _replace_indicator(form, i, actual=_shortfall_text(rng, form.indicators[i]))
    form = _replace_indicator(form, i, score=score_indicator(i, form.indicators[i], _POLICY).score)
    return form, [Expected("deviation-missing", "error", f"indicators[{i}].deviation")]


def _score_mismatch(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    i = rng.choice(_full_rows(form, quantitative=True))
    form = _replace_indicator(form, i, actual=_shortfall_text(rng, form.indicators[i]),
                              deviation=rng.choice(DEVIATIONS).format(name=form.indicators[i].name))
    return form, [Expected("score-mismatch", "error", f"indicators[{i}].score"),
                  Expected("total-review-differs", "error", "total_score")]


def _score_out_of_range(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    i = rng.choice(_full_rows(form))
    weight = form.indicators[i].weight
    form = _replace_indicator(form, i, score=float(weight) + rng.choice((1, 2, 5, 10)))  # type: ignore[arg-type]
    return form, [Expected("score-out-of-range", "error", f"indicators[{i}].score"),
                  Expected("total-review-differs", "error", "total_score")]


def _weights_sum(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    i = rng.choice(_full_rows(form))
    weight = int(form.indicators[i].weight) + rng.choice((-3, -2, 2, 5))  # type: ignore[arg-type]
    form = _replace_indicator(form, i, weight=weight, score=float(weight))
    return form, [Expected("weights-sum", "error", "indicators")]


def _actual_copied(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    rows = [i for i, ind in enumerate(form.indicators) if parse_quantity(ind.target) is None]
    i = rng.choice(rows)
    form = _replace_indicator(form, i, actual=form.indicators[i].target)
    return form, [Expected("actual-copied", "warning", f"indicators[{i}].actual")]


def _number_as_text(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    spots = [("total", "initial_budget")] + [(key, column) for key in ("fiscal", "carryover", "other")
                                             if getattr(form.funds, key) is not None
                                             for column in ("initial_budget", "annual_budget", "executed")]
    key, column = rng.choice(spots)
    value = getattr(form.fund(key), column)
    text = f"{value:,.4f}" if value >= 1000 and rng.random() < 0.5 else f"{value:.4f}万"
    row = replace(form.fund(key), **{column: text})
    form = replace(form, funds=replace(form.funds, **{key: row}))
    return form, [Expected("number-as-text", "error", f"funds.{key}.{column}")]


def _breakdown_mismatch(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    funds = form.funds
    if funds.fiscal is None and funds.carryover is None and funds.other is None:
        funds = replace(funds, fiscal=funds.total)
    key = next(k for k in ("fiscal", "carryover", "other") if getattr(funds, k) is not None)
    row: FundRow = getattr(funds, key)
    column = rng.choice(("initial_budget", "annual_budget", "executed"))
    value = round(float(getattr(row, column)) * AMOUNT)  # type: ignore[arg-type]
    delta = rng.randint(1, max(2, value // 10)) * (-1 if column == "executed" else 1)
    row = replace(row, **{column: wan(max(0, value + delta))})
    form = replace(form, funds=replace(funds, **{key: row}))
    return form, [Expected("breakdown-mismatch", "error", f"funds.total.{column}")]


def _executed_over_budget(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    total = form.fund("total")
    budget = round(float(total.annual_budget) * AMOUNT)  # type: ignore[arg-type]
    executed = round(float(total.executed) * AMOUNT)  # type: ignore[arg-type]
    delta = budget - executed + rng.randint(max(1, budget // 100), max(2, budget // 12))
    update: dict[str, FundRow] = {"total": replace(total, executed=wan(executed + delta))}
    expected = [Expected("executed-over-budget", "error", "funds.total.executed")]
    key = next((k for k in ("fiscal", "carryover", "other") if getattr(form.funds, k) is not None), None)
    if key is not None:
        part = form.fund(key)
        part_executed = round(float(part.executed) * AMOUNT) + delta  # type: ignore[arg-type]
        update[key] = replace(part, executed=wan(part_executed))
        if part_executed > round(float(part.annual_budget) * AMOUNT):  # type: ignore[arg-type]
            expected.append(Expected("executed-over-budget", "error", f"funds.{key}.executed"))
    return replace(form, funds=replace(form.funds, **update)), expected


def _signoff_missing(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    path = rng.choice(("filled_by", "filler_phone", "filled_on"))
    return replace(form, **{path: None}), [Expected("required-missing", "error", path)]


#: Injected mistakes by name (each names the finding code it must raise).
MISTAKES: dict[str, Injector] = {
    "deviation-missing": _deviation_missing,
    "breakdown-mismatch": _breakdown_mismatch,
    "executed-over-budget": _executed_over_budget,
    "weights-sum": _weights_sum,
    "score-out-of-range": _score_out_of_range,
    "score-mismatch": _score_mismatch,
    "actual-copied": _actual_copied,
    "number-as-text": _number_as_text,
    "required-missing": _signoff_missing,
}


def inject(rng: random.Random, form: Form, mistake: str) -> tuple[Form, list[Expected]]:
    broken, expected = MISTAKES[mistake](rng, form)
    expected = [Expected(e.code, e.severity, e.field, mistake) for e in expected]
    return settle(broken), expected


def settle(form: Form) -> Form:
    """Budget score and total as the template's formulas show them."""
    sheet = score_form(form, _POLICY)
    updated = replace(form, budget_score=sheet.budget_score)
    return replace(updated, total_score=sheet_total(updated, _POLICY))


def wan(units: int) -> float:
    return round(units / AMOUNT, 4)
