"""Validation: :func:`validate` runs every check of the catalogue (:mod:`xltools.core.catalogue`).

Field paths look like ``project_name``, ``funds.total.executed`` and
``indicators[3].score``; ``docs/rules.md`` is generated from the catalogue
(``xltools rules --markdown``). The checks of an indicator row are in
:mod:`xltools.core.indicator_rules`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from .catalogue import (
    IMPLAUSIBLE_AMOUNT,
    AmountImplausible,
    AmountInYuan,
    AmountNegative,
    AmountPrecision,
    BreakdownMismatch,
    BudgetNotPositive,
    BudgetScoreMismatch,
    BudgetWeightInvalid,
    DateBeforeYearEnd,
    DateInFuture,
    DateInvalid,
    ExecutedOverBudget,
    GoalCopied,
    IndicatorsMissing,
    Level1Absent,
    Level1WeightMismatch,
    LowExecutionUnexplained,
    PhoneInvalid,
    RequiredMissing,
    TotalMismatch,
    TotalReviewDiffers,
    WeightSplit,
    WeightsAbsent,
    WeightsSum,
    YearInvalid,
)
from .fields import field_label, fmt, number, required_text, same_statement
from .findings import RULES, Finding
from .indicator_rules import check_indicator, explains
from .model import FUND_ROWS, Form, FundRow
from .parse import as_typed, memoise_text, normalize_text, parse_date, parse_number
from .policy import Policy
from .scoring import ScoreSheet, denominator, denominator_path, score_form

__all__ = ["validate", "field_label", "RULES"]

_fmt, _number, _required_text, _same_statement = fmt, number, required_text, same_statement


_PHONE_RE = re.compile(r"^(?:(?:\+?86)?1[3-9]\d{9}|(?:0\d{2,3})?[2-9]\d{6,7}(?:(?:转|ext|x)\d{1,5})?)$")


def _text(path: str, value: object, policy: Policy, findings: list[Finding]) -> str:
    """A header text: required unless the policy lists it in ``optional_fields``."""
    if path in policy.optional_fields:  # policy.optional(path), without its call
        return normalize_text(value)
    return _required_text(path, value, findings)


_PHONE_SPACING = re.compile(r"[\s\-()（）]")


@memoise_text
def _phone_valid(text: str) -> bool:
    """Whether a normalised 联系电话 reads as a phone number once spaces, dashes and brackets are left out."""
    return bool(_PHONE_RE.match(_PHONE_SPACING.sub("", text)))


def _phone(path: str, value: object, policy: Policy, findings: list[Finding]) -> None:
    text = _text(path, value, policy, findings)
    if text and not _phone_valid(text):
        findings.append(PhoneInvalid.at(path, label=field_label(path), raw=as_typed(value)))


def _header(form: Form, policy: Policy, today: dt.date | None, findings: list[Finding]) -> None:
    year_number = parse_number(form.year, suffixes=("年度", "年"))
    year: int | None = None
    if year_number.kind == "empty":
        findings.append(RequiredMissing.at("year", label=field_label("year")))
    elif year_number.value is None or not year_number.value.is_integer() or not 2000 <= year_number.value <= 2100:
        findings.append(YearInvalid.at("year", label=field_label("year"), raw=as_typed(form.year)))
    else:
        year = int(year_number.value)
    for path in ("project_name", "department", "implementing_unit", "project_lead"):
        _text(path, getattr(form, path), policy, findings)
    _phone("lead_phone", form.lead_phone, policy, findings)
    _text("filled_by", form.filled_by, policy, findings)
    _phone("filler_phone", form.filler_phone, policy, findings)
    if not normalize_text(form.filled_on):
        if not policy.optional("filled_on"):
            findings.append(RequiredMissing.at("filled_on", label=field_label("filled_on")))
        return
    filled_on = parse_date(form.filled_on)
    label = field_label("filled_on")
    if filled_on is None:
        findings.append(DateInvalid.at("filled_on", label=label, raw=as_typed(form.filled_on)))
        return
    if year is not None and filled_on < dt.date(year, 12, 31):
        findings.append(DateBeforeYearEnd.at("filled_on", label=label, date=filled_on.isoformat(), year=year))
    if today is not None and filled_on > today:
        findings.append(DateInFuture.at("filled_on", label=label, date=filled_on.isoformat(),
                                        today=today.isoformat()))


_AMOUNT_COLUMNS = ("initial_budget", "annual_budget", "executed")
#: Each fund row's (column, field path), made once.
_FUND_PATHS = {key: tuple((column, f"funds.{key}.{column}") for column in _AMOUNT_COLUMNS) for key in FUND_ROWS}


@lru_cache(maxsize=4096, typed=True)  # amounts repeat across a form's rows and checks
def _amount_precision_exceeded(value: float) -> bool:
    """More than 4 decimals in the shortest decimal form of the number (万元 to the yuan)."""
    text = repr(value)
    if type(value) is float and "." in text and "e" not in text:  # a float's repr: its places follow the point
        return len(text) - text.index(".") - 1 > 4
    exponent = Decimal(text).as_tuple().exponent
    return isinstance(exponent, int) and exponent < -4


def _breakdown_note(sheet: ScoreSheet) -> str:
    """Says that the rate was computed from the 其中 rows (when it was)."""
    if sheet.rate_source != "breakdown" or sheet.budget_basis is None or sheet.execution_rate is None:
        return ""
    budget, executed = sheet.budget_basis
    return (f"；执行率已按“其中”各行之和计算：预算 {_fmt(budget)}、执行 {_fmt(executed)}，"
            f"执行率 {sheet.execution_rate:.2%}")


def _in_yuan(form: Form, policy: Policy) -> str | None:
    """The 年度资金总额 cell whose amount is not plausible in 万元 (the 全年预算数 first), under
    ``money_unit = "万元"``; ``None`` when every amount of the row is plausible."""
    if policy.money_unit != "万元":
        return None
    row = form.fund("total")
    for column in ("annual_budget", "initial_budget", "executed"):
        value = parse_number(getattr(row, column)).value
        if value is not None and value > policy.max_plausible_amount:
            return f"funds.total.{column}"
    return None


def _funds(form: Form, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    parsed: dict[str, dict[str, float | None]] = {}
    rate_path = denominator_path(policy)
    yuan = _in_yuan(form, policy)  # one finding for the form, at the first implausible amount of the total row
    factor = policy.money_factor
    for key in FUND_ROWS:
        if key != "total" and getattr(form.funds, key) is None:  # a 其中 row left blank: no amount to check
            parsed[key] = dict.fromkeys(_AMOUNT_COLUMNS)
            continue
        row: FundRow = form.fund(key)
        parsed[key] = {}
        for column, path in _FUND_PATHS[key]:
            typed = parse_number(cell := getattr(row, column))
            if typed.kind == "text" or typed.kind == "invalid":  # number() adds a finding only for these (not required)
                _number(path, cell, findings, required=False)
            value = typed.value
            if key == "total" and value is None and typed.kind == "empty" \
                    and not (policy.optional(column) and path != rate_path):
                detail = _breakdown_note(sheet) if path == rate_path else ""
                findings.append(RequiredMissing.at(path, label=field_label(path), detail=detail))
            if value is not None and value < 0:
                findings.append(AmountNegative.at(path, label=field_label(path), value=_fmt(value)))
            elif path == yuan:
                findings.append(AmountInYuan.at(path, label=field_label(path), value=_fmt(value),
                                                limit=f"{policy.max_plausible_amount:,.0f}"))
            elif value is not None and value * factor > IMPLAUSIBLE_AMOUNT \
                    and not (yuan and key == "total"):  # the row's amounts are in 元: said once, above
                findings.append(AmountImplausible.at(path, label=field_label(path),
                                                     value=_fmt(value * factor),
                                                     limit=f"{IMPLAUSIBLE_AMOUNT:,.0f}"))
            elif value is not None and _amount_precision_exceeded(value):
                findings.append(AmountPrecision.at(path, label=field_label(path), value=repr(value)))
            parsed[key][column] = value
        budget, executed = parsed[key]["annual_budget"], parsed[key]["executed"]
        if budget is not None and executed is not None and executed > budget + 1e-9 and budget >= 0:
            path = f"funds.{key}.executed"
            findings.append(ExecutedOverBudget.at(path, label=field_label(path),
                                                  executed=_fmt(executed), budget=_fmt(budget)))
    total_budget = denominator(form.fund("total"), policy)
    if total_budget is not None and total_budget == 0:
        path = rate_path if parsed["total"][rate_path.rsplit(".", 1)[1]] is not None else "funds.total.initial_budget"
        findings.append(BudgetNotPositive.at(path, label=field_label(path), value=_fmt(total_budget),
                                             detail=_breakdown_note(sheet)))
    _breakdown(parsed, findings)
    weight = _number("budget_weight", form.budget_weight, findings, required=False)
    if weight.value is not None and not 0 < weight.value <= policy.total_weight:
        findings.append(BudgetWeightInvalid.at("budget_weight", label=field_label("budget_weight"),
                                               value=_fmt(weight.value), total=_fmt(policy.total_weight)))
    rate = sheet.execution_rate
    if rate is not None and rate < policy.low_execution_rate:
        typed = [ind.deviation for ind in form.indicators if normalize_text(ind.deviation)]
        if not any(explains(text) for text in typed):
            state = (f"偏差原因只填了“{as_typed(typed[0])}”一类的占位符，没有说明原因" if typed
                     else "没有填写任何偏差原因")
            findings.append(LowExecutionUnexplained.at(
                "funds.total.executed", rate=f"{rate:.2%}", threshold=f"{policy.low_execution_rate:.0%}", state=state))
    self_score = _number("budget_score", form.budget_score, findings, required=False)
    if self_score.kind == "empty" and rate is not None and policy.self_scores == "required" \
            and not sheet.weights_absent:
        findings.append(RequiredMissing.at("budget_score", label=field_label("budget_score"),
                                           detail=f"（按执行率计算应为 {_fmt(sheet.budget_score)} 分）"))
    if self_score.value is not None and abs(self_score.value - sheet.budget_score) > policy.tolerance:
        findings.append(BudgetScoreMismatch.at("budget_score", label=field_label("budget_score"),
                                               score=_fmt(self_score.value), expected=_fmt(sheet.budget_score)))


def _breakdown(parsed: dict[str, dict[str, float | None]], findings: list[Finding]) -> None:
    parts = [k for k in FUND_ROWS if k != "total"]
    for column in _AMOUNT_COLUMNS:
        values = [parsed[k][column] for k in parts]
        total = parsed["total"][column]
        if total is None or all(v is None for v in values):
            continue
        subtotal = sum(v for v in values if v is not None)
        if abs(subtotal - total) > 0.00005:
            path = f"funds.total.{column}"
            findings.append(BreakdownMismatch.at(path, label=field_label(path), total=_fmt(total),
                                                 parts=_fmt(subtotal)))


def _goal(form: Form, findings: list[Finding]) -> None:
    expected = _required_text("goal_expected", form.goal_expected, findings)
    actual = _required_text("goal_actual", form.goal_actual, findings)
    if expected and _same_statement(expected, actual):
        findings.append(GoalCopied.at("goal_actual", label=field_label("goal_actual")))


def _structure(form: Form, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    if not sheet.indicators:  # the sheet scores every indicator row that is not empty
        findings.append(IndicatorsMissing.at("indicators", label=field_label("indicators")))
        return
    present = {result.level1 for result in sheet.indicators}
    for level1 in policy.required_level1:
        if level1 not in present:
            findings.append(Level1Absent.at("indicators", level1=level1))
    _level1_weights(sheet, findings)
    if sheet.weights_absent:
        findings.append(WeightsAbsent.at("indicators", total=_fmt(policy.total_weight)))
        return
    weights: dict[str, float] = {name: 0.0 for name in policy.standard_split}
    for result in sheet.indicators:
        if result.level1 in weights:
            weights[result.level1] += result.weight
    if "预算执行" in weights:
        weights["预算执行"] = sheet.budget_weight
    if abs(sheet.weight_sum - policy.total_weight) > 1e-6:
        findings.append(WeightsSum.at("indicators", sum=_fmt(sheet.weight_sum), total=_fmt(policy.total_weight),
                                      note=_weights_note(sheet, policy)))
    elif any(abs(weights[k] - v) > 1e-6 for k, v in policy.standard_split.items()):
        def show(split: dict[str, float]) -> str:
            return "/".join(f"{k.replace('指标', '')}{_fmt(v)}" for k, v in split.items())
        findings.append(WeightSplit.at("indicators", actual=show(weights), standard=show(policy.standard_split)))


def _weights_note(sheet: ScoreSheet, policy: Policy) -> str:
    """What the reviewed total does with weights that do not add up (said once, in weights-sum)."""
    full = _fmt(policy.total_weight)
    if sheet.rescaled:
        return f"；复核总分已按 {full}/{_fmt(sheet.weight_sum)} 折算为 {_fmt(sheet.total)} 分并评级"
    if sheet.above_full is not None:
        return f"；复核总分 {_fmt(sheet.above_full)} 超过 {full}，按 {full} 分计，未评级"
    return "；复核总分未评级"


def _level1_weights(sheet: ScoreSheet, findings: list[Finding]) -> None:
    """A weight stated in a 一级 label (``产出指标（50分）``) must equal the sum of that level's rows."""
    sums: dict[str, float] = {}
    for result in sheet.indicators:
        sums[result.level1] = sums.get(result.level1, 0.0) + result.weight
    reported: set[tuple[str, float]] = set()
    for result in sheet.indicators:
        stated = result.reading.level1_weight if result.reading else None
        if stated is None or (result.level1, stated) in reported:
            continue
        reported.add((result.level1, stated))
        if abs(stated - sums[result.level1]) > 1e-6:
            path = f"indicators[{result.index}].level1"
            findings.append(Level1WeightMismatch.at(path, label=field_label(path), level1=result.level1,
                                                    stated=_fmt(stated), sum=_fmt(sums[result.level1])))


def _total(form: Form, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    total = _number("total_score", form.total_score, findings, required=False)
    if sheet.total is None:
        return  # not scored (weights-absent): nothing to compare the self-reported total with
    if total.kind == "empty":
        if policy.self_scores == "required" and (sheet.execution_rate is not None or sheet.indicators):
            findings.append(RequiredMissing.at("total_score", label=field_label("total_score"),
                                               detail=f"（复核总分为 {_fmt(sheet.total)}）"))
        return
    if total.value is None:
        return
    budget = parse_number(form.budget_score).value
    parts = (budget if budget is not None else sheet.budget_score) + sum(
        r.self_score or 0.0 for r in sheet.indicators)
    if abs(total.value - parts) > policy.tolerance:
        findings.append(TotalMismatch.at("total_score", label=field_label("total_score"),
                                         total=_fmt(total.value), sum=_fmt(parts)))
    # weights above the 分值合计 hold the reviewed total at it; weights-sum already says so (one problem, one finding)
    review = sheet.above_full if sheet.above_full is not None else sheet.total
    difference = total.value - review
    if abs(difference) > policy.tolerance:
        notes = ["自评高于复核" if difference > 0 else "自评低于复核"]
        if sheet.cap is not None and sheet.execution_rate is not None:
            notes.append(f"执行率 {sheet.execution_rate:.2%} 时总分最高 {_fmt(sheet.cap)}")
        if sheet.dropped_weight:
            notes.append(f"不适用的指标（分值 {_fmt(sheet.dropped_weight)}）不计分，其余按比例折算")
        findings.append(TotalReviewDiffers.at("total_score", label=field_label("total_score"),
                                              total=_fmt(total.value), review=_fmt(review),
                                              diff=_fmt(abs(difference)), note="（" + "；".join(notes) + "）"))


def validate(form: Form, policy: Policy, today: dt.date | None = None,
             sheet: ScoreSheet | None = None) -> list[Finding]:
    """Every finding of every rule for one form, in form order.

    ``today`` enables the future-date check; ``sheet`` is the form's score
    sheet when the caller already has it.
    """
    sheet = sheet or score_form(form, policy)
    findings: list[Finding] = []
    _header(form, policy, today, findings)
    _funds(form, policy, sheet, findings)
    _goal(form, findings)
    results = {result.index: result for result in sheet.indicators}
    for i, ind in enumerate(form.indicators):
        if i in results:
            check_indicator(i, ind, results[i], sheet, policy, findings)
    _structure(form, policy, sheet, findings)
    _total(form, policy, sheet, findings)
    return findings
