"""The validation rule catalogue and :func:`validate`.

Each rule below is a class with a stable code; ``docs/rules.md`` is generated
from this module (``xltools rules --markdown``). Field paths look like
``project_name``, ``funds.total.executed`` and ``indicators[3].score``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

from .findings import RULES, Finding, Rule, shorten
from .model import FUND_ROWS, LEVEL1, LEVEL2, Form, FundRow, Indicator
from .parse import Number, normalize_text, parse_date, parse_number, parse_quantity
from .policy import Policy
from .scoring import ScoreSheet, qualitative_band, score_form

__all__ = ["validate", "field_label", "RULES"]


# --- the catalogue ------------------------------------------------------------

class RequiredMissing(Rule):
    code, severity, area = "required-missing", "error", "通用"
    title = "必填项为空"
    template = "「{label}」未填写"
    fix = "请填写该项"


class NumberInvalid(Rule):
    code, severity, area = "number-invalid", "error", "通用"
    title = "不是数字"
    template = "「{label}」填写的“{raw}”不是数字"
    fix = "请只填写数字，例如 6.6296"


class NumberAsText(Rule):
    code, severity, area = "number-as-text", "warning", "通用"
    title = "数字以文本填写"
    template = "「{label}」填写的是文本“{raw}”，已按 {value} 识别"
    fix = "请只填写数字（金额单位已是万元，分值单位已是分），不要带单位或逗号"


class YearInvalid(Rule):
    code, severity, area = "year-invalid", "error", "表头"
    title = "年度无效"
    template = "「{label}」“{raw}”不是有效年份"
    fix = "请填写四位年份，例如 2020"


class PhoneInvalid(Rule):
    code, severity, area = "phone-invalid", "warning", "表头"
    title = "电话格式不对"
    template = "「{label}」“{raw}”不像电话号码"
    fix = "请填写 8 位座机号（可带 010- 区号和分机号）或 11 位手机号"


class DateInvalid(Rule):
    code, severity, area = "date-invalid", "error", "签署"
    title = "日期无法识别"
    template = "「{label}」“{raw}”不是日期"
    fix = "请按 2021-02-24 的格式填写日期"


class DateBeforeYearEnd(Rule):
    code, severity, area = "date-before-year-end", "warning", "签署"
    title = "填写日期早于年度结束"
    template = "「{label}」{date} 早于 {year} 年度结束（{year}-12-31）"
    fix = "自评应在年度结束后填写，请核对填写日期或年度"


class DateInFuture(Rule):
    code, severity, area = "date-in-future", "error", "签署"
    title = "填写日期在将来"
    template = "「{label}」{date} 晚于今天（{today}）"
    fix = "请填写实际填表的日期"


class AmountNegative(Rule):
    code, severity, area = "amount-negative", "error", "项目资金"
    title = "金额为负"
    template = "「{label}」为负数 {value}"
    fix = "金额不能为负，请按万元填写非负数"


class AmountPrecision(Rule):
    code, severity, area = "amount-precision", "warning", "项目资金"
    title = "金额超过四位小数"
    template = "「{label}」{value} 超过 4 位小数"
    fix = "金额以万元为单位，请保留 4 位小数（精确到元）"


class AmountImplausible(Rule):
    code, severity, area = "amount-implausible", "warning", "项目资金"
    title = "金额大得不合常理"
    template = "「{label}」为 {value} 万元，超过 {limit} 万元，不像一个项目的金额"
    fix = "金额以万元为单位，请核对是否按元填写或多打了位数"


#: Amounts above this (万元, i.e. 100 亿元) are not a street office's project: a warning.
IMPLAUSIBLE_AMOUNT = 1e6


class BudgetNotPositive(Rule):
    code, severity, area = "budget-not-positive", "error", "项目资金"
    title = "全年预算数为零"
    template = "「{label}」为 {value}，无法计算执行率"
    fix = "请填写大于 0 的全年预算数（万元）"


class ExecutedOverBudget(Rule):
    code, severity, area = "executed-over-budget", "error", "项目资金"
    title = "执行数超过预算数"
    template = "「{label}」{executed} 大于全年预算数 {budget}"
    fix = "请核对全年执行数与全年预算数；执行数不应超过预算数"


class BreakdownMismatch(Rule):
    code, severity, area = "breakdown-mismatch", "error", "项目资金"
    title = "其中各项之和不等于总额"
    template = "「{label}」为 {total}，但当年财政拨款、上年结转资金、其他资金之和为 {parts}"
    fix = "请核对“其中”三行，使其之和等于年度资金总额"


class LowExecutionUnexplained(Rule):
    code, severity, area = "low-execution-unexplained", "error", "项目资金"
    title = "执行率偏低且未说明原因"
    template = "预算执行率 {rate} 低于 {threshold}，但没有填写任何偏差原因"
    fix = "请在相关绩效指标的“偏差原因分析及改进措施”中说明执行率偏低的原因和改进措施"


class BudgetWeightInvalid(Rule):
    code, severity, area = "budget-weight-invalid", "error", "项目资金"
    title = "预算执行分值无效"
    template = "「{label}」{value} 不在 0 到 {total} 之间"
    fix = "预算执行分值一般为 10 分"


class BudgetScoreMismatch(Rule):
    code, severity, area = "budget-score-mismatch", "error", "项目资金"
    title = "预算执行得分与执行率不符"
    template = "「{label}」自评 {score}，按执行率计算应为 {expected}"
    fix = "预算执行得分 = min(执行率, 100%) × 分值，请改为 {expected}"


class GoalCopied(Rule):
    code, severity, area = "goal-copied", "warning", "年度总体目标"
    title = "实际完成情况照抄预期目标"
    template = "「{label}」与预期目标完全相同"
    fix = "请写明实际完成了什么（数量、时间、效果），不要照抄预期目标"


class IndicatorsMissing(Rule):
    code, severity, area = "indicators-missing", "error", "绩效指标"
    title = "没有绩效指标"
    template = "「{label}」一行也没有填写"
    fix = "请至少填写产出、效益、满意度三类指标"


class Level1Invalid(Rule):
    code, severity, area = "level1-invalid", "error", "绩效指标"
    title = "一级指标不规范"
    template = "「{label}」“{raw}”不是规定的一级指标"
    fix = "请从下拉列表选择：产出指标、效益指标、满意度指标"


class Level2Invalid(Rule):
    code, severity, area = "level2-invalid", "error", "绩效指标"
    title = "二级指标与一级指标不符"
    template = "「{label}」“{raw}”不属于{level1}"
    fix = "{level1}下的二级指标只能是：{allowed}"


class Level1Absent(Rule):
    code, severity, area = "level1-absent", "error", "绩效指标"
    title = "缺少一级指标"
    template = "绩效指标中没有{level1}"
    fix = "请至少填写一条{level1}"


class NameIsSentence(Rule):
    code, severity, area = "name-is-sentence", "warning", "绩效指标"
    title = "三级指标写成了句子"
    template = "「{label}」有 {length} 个字或带句读，像一句话而不是指标名称"
    fix = "三级指标应是简短的名称（如“慰问志愿者人数”），具体内容写在指标值中"


class WeightNotPositive(Rule):
    code, severity, area = "weight-not-positive", "error", "绩效指标"
    title = "分值无效"
    template = "「{label}」为 {value}"
    fix = "分值应为大于 0 的数"


class WeightsSum(Rule):
    code, severity, area = "weights-sum", "error", "分值结构"
    title = "分值合计不等于 100"
    template = "预算执行分值与各指标分值合计为 {sum}，不是 {total}"
    fix = "请调整各项分值，使合计为 {total} 分"


class WeightSplit(Rule):
    code, severity, area = "weight-split", "warning", "分值结构"
    title = "分值结构与标准不同"
    template = "分值结构为 {actual}，标准为 {standard}"
    fix = "如无特殊理由，请按标准结构分配分值（仅提示，不影响评分）"


class ScoreOutOfRange(Rule):
    code, severity, area = "score-out-of-range", "error", "绩效指标"
    title = "得分超出分值"
    template = "「{label}」{score} 不在 0 到分值 {weight} 之间"
    fix = "得分应在 0 到该指标分值之间"


class ScoreMismatch(Rule):
    code, severity, area = "score-mismatch", "error", "绩效指标"
    title = "得分与完成值不符"
    template = "「{label}」自评 {score}，按年度指标值和实际完成值计算应为 {expected}"
    fix = "请核对实际完成值，或将得分改为 {expected}"


class QualitativeBand(Rule):
    code, severity, area = "qualitative-band", "error", "绩效指标"
    title = "定性指标得分与完成程度不符"
    template = "「{label}」自评 {score}，但实际完成值表明“{band}”，应在 {low}–{high} 分之间"
    fix = "达成年度指标得 80%–100% 分值，部分达成 60%–80%，未达成 0–60%，请调整得分或完成值"


class DeviationMissing(Rule):
    code, severity, area = "deviation-missing", "error", "绩效指标"
    title = "扣分未说明原因"
    template = "「{label}」未填写，而得分 {score} 低于分值 {weight}"
    fix = "请说明未达到指标的原因和改进措施"


class ActualCopied(Rule):
    code, severity, area = "actual-copied", "warning", "绩效指标"
    title = "实际完成值照抄"
    template = "「{label}」与{source}相同"
    fix = "请写明实际完成的情况，不要照抄{source}"


class UnitMismatch(Rule):
    code, severity, area = "unit-mismatch", "error", "绩效指标"
    title = "单位不一致"
    template = "「{label}」单位“{actual_unit}”与年度指标值单位“{target_unit}”不一致，无法计算得分"
    fix = "请使用与年度指标值相同的单位"


class SatisfactionNotQuantified(Rule):
    code, severity, area = "satisfaction-not-quantified", "warning", "绩效指标"
    title = "满意度未量化"
    template = "「{label}」“{raw}”不是百分比"
    fix = "满意度指标值应量化，例如“≥90%”"


class TotalMismatch(Rule):
    code, severity, area = "total-mismatch", "error", "总分"
    title = "总分不等于各项得分之和"
    template = "「{label}」为 {total}，各项得分之和为 {sum}"
    fix = "总分应为预算执行得分与各指标得分之和"


# --- labels -----------------------------------------------------------------

_INDEX_RE = re.compile(r"^indicators\[(\d+)\](?:\.(\w+))?$")


def field_label(path: str) -> str:
    """A Chinese label for a field path, e.g. ``indicators[2].score`` → ``第3条绩效指标·得分``."""
    from .model import FundRow as _FundRow
    from .model import Indicator as _Indicator

    match = _INDEX_RE.match(path)
    if match:
        number = int(match.group(1)) + 1
        part = match.group(2)
        suffix = f"·{_Indicator.model_fields[part].title}" if part else ""
        return f"第{number}条绩效指标{suffix}"
    parts = path.split(".")
    if parts[0] == "funds" and len(parts) == 3:
        return f"{FUND_ROWS[parts[1]].replace('其中：', '')}·{_FundRow.model_fields[parts[2]].title}"
    field = Form.model_fields.get(parts[0])
    return field.title if field and field.title else path


# --- checks -------------------------------------------------------------------

def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _number(path: str, value: object, findings: list[Finding], *, required: bool) -> Number:
    parsed = parse_number(value)
    if parsed.kind == "empty" and required:
        findings.append(RequiredMissing.at(path, label=field_label(path)))
    elif parsed.kind == "invalid":
        findings.append(NumberInvalid.at(path, label=field_label(path), raw=normalize_text(value)))
    elif parsed.kind == "text":
        findings.append(NumberAsText.at(path, label=field_label(path), raw=normalize_text(value),
                                        value=_fmt(parsed.value)))
    return parsed


def _required_text(path: str, value: object, findings: list[Finding]) -> str:
    text = normalize_text(value)
    if not text:
        findings.append(RequiredMissing.at(path, label=field_label(path)))
    return text


_PHONE_RE = re.compile(r"^(?:(?:\+?86)?1[3-9]\d{9}|(?:0\d{2,3})?[2-9]\d{6,7}(?:(?:转|ext|x)\d{1,5})?)$")


def _phone(path: str, value: object, findings: list[Finding]) -> None:
    text = _required_text(path, value, findings)
    compact = re.sub(r"[\s\-()（）]", "", text)
    if text and not _PHONE_RE.match(compact):
        findings.append(PhoneInvalid.at(path, label=field_label(path), raw=text))


def _header(form: Form, policy: Policy, today: dt.date | None, findings: list[Finding]) -> None:
    year_number = parse_number(form.year, suffixes=("年度", "年"))
    year: int | None = None
    if year_number.kind == "empty":
        findings.append(RequiredMissing.at("year", label=field_label("year")))
    elif year_number.value is None or not year_number.value.is_integer() or not 2000 <= year_number.value <= 2100:
        findings.append(YearInvalid.at("year", label=field_label("year"), raw=normalize_text(form.year)))
    else:
        year = int(year_number.value)
    for path in ("project_name", "department", "implementing_unit", "project_lead"):
        _required_text(path, getattr(form, path), findings)
    _phone("lead_phone", form.lead_phone, findings)
    _required_text("filled_by", form.filled_by, findings)
    _phone("filler_phone", form.filler_phone, findings)
    if not normalize_text(form.filled_on):
        findings.append(RequiredMissing.at("filled_on", label=field_label("filled_on")))
        return
    filled_on = parse_date(form.filled_on)
    label = field_label("filled_on")
    if filled_on is None:
        findings.append(DateInvalid.at("filled_on", label=label, raw=normalize_text(form.filled_on)))
        return
    if year is not None and filled_on < dt.date(year, 12, 31):
        findings.append(DateBeforeYearEnd.at("filled_on", label=label, date=filled_on.isoformat(), year=year))
    if today is not None and filled_on > today:
        findings.append(DateInFuture.at("filled_on", label=label, date=filled_on.isoformat(),
                                        today=today.isoformat()))


_AMOUNT_COLUMNS = ("initial_budget", "annual_budget", "executed")


def _amount_precision_exceeded(value: float) -> bool:
    """More than 4 decimals in the shortest decimal form of the number (万元 to the yuan)."""
    exponent = Decimal(repr(value)).as_tuple().exponent
    return isinstance(exponent, int) and exponent < -4


def _funds(form: Form, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    parsed: dict[str, dict[str, float | None]] = {}
    for key in FUND_ROWS:
        row: FundRow = form.fund(key)
        parsed[key] = {}
        for column in _AMOUNT_COLUMNS:
            path = f"funds.{key}.{column}"
            number = _number(path, getattr(row, column), findings, required=key == "total")
            value = number.value
            if value is not None and value < 0:
                findings.append(AmountNegative.at(path, label=field_label(path), value=_fmt(value)))
            elif value is not None and value > IMPLAUSIBLE_AMOUNT:
                findings.append(AmountImplausible.at(path, label=field_label(path), value=_fmt(value),
                                                     limit=f"{IMPLAUSIBLE_AMOUNT:,.0f}"))
            elif value is not None and _amount_precision_exceeded(value):
                findings.append(AmountPrecision.at(path, label=field_label(path), value=repr(value)))
            parsed[key][column] = value
        budget, executed = parsed[key]["annual_budget"], parsed[key]["executed"]
        if budget is not None and executed is not None and executed > budget + 1e-9 and budget >= 0:
            path = f"funds.{key}.executed"
            findings.append(ExecutedOverBudget.at(path, label=field_label(path),
                                                  executed=_fmt(executed), budget=_fmt(budget)))
    total_budget = parsed["total"]["annual_budget"]
    if total_budget is not None and total_budget == 0:
        path = "funds.total.annual_budget"
        findings.append(BudgetNotPositive.at(path, label=field_label(path), value=_fmt(total_budget)))
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
    weight = _number("budget_weight", form.budget_weight, findings, required=False)
    if weight.value is not None and not 0 < weight.value <= policy.total_weight:
        findings.append(BudgetWeightInvalid.at("budget_weight", label=field_label("budget_weight"),
                                               value=_fmt(weight.value), total=_fmt(policy.total_weight)))
    rate = sheet.execution_rate
    if rate is not None and rate < policy.low_execution_rate:
        explained = any(normalize_text(ind.deviation) for ind in form.indicators)
        if not explained:
            findings.append(LowExecutionUnexplained.at(
                "funds.total.executed", rate=f"{rate:.2%}", threshold=f"{policy.low_execution_rate:.0%}"))
    self_score = _number("budget_score", form.budget_score, findings, required=False)
    if self_score.value is not None and abs(self_score.value - sheet.budget_score) > policy.tolerance:
        findings.append(BudgetScoreMismatch.at("budget_score", label=field_label("budget_score"),
                                               score=_fmt(self_score.value), expected=_fmt(sheet.budget_score)))


def _goal(form: Form, findings: list[Finding]) -> None:
    expected = _required_text("goal_expected", form.goal_expected, findings)
    actual = _required_text("goal_actual", form.goal_actual, findings)
    if expected and _same_statement(expected, actual):
        findings.append(GoalCopied.at("goal_actual", label=field_label("goal_actual")))


_TRAILING_PUNCT = re.compile(r"[\s。．.，,；;！!、]+$")


def _same_statement(a: str, b: str) -> bool:
    """Equal once whitespace and trailing punctuation are ignored."""
    def key(text: str) -> str:
        return _TRAILING_PUNCT.sub("", re.sub(r"\s+", "", normalize_text(text)))
    return bool(key(a)) and key(a) == key(b)


_SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")


def _indicator(i: int, ind: Indicator, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    p = f"indicators[{i}]"
    level1 = _required_text(f"{p}.level1", ind.level1, findings).replace(" ", "")
    if level1 and level1 not in LEVEL2:
        findings.append(Level1Invalid.at(f"{p}.level1", label=field_label(f"{p}.level1"), raw=level1))
    level2 = _required_text(f"{p}.level2", ind.level2, findings).replace(" ", "")
    if level2 and level1 in LEVEL2 and level2 not in LEVEL2[level1]:
        findings.append(Level2Invalid.at(f"{p}.level2", label=field_label(f"{p}.level2"), raw=level2,
                                         level1=level1, allowed="、".join(LEVEL2[level1])))
    name = _required_text(f"{p}.name", ind.name, findings)
    if name and (len(name) > policy.name_max_length or _SENTENCE_PUNCT.search(name)):
        findings.append(NameIsSentence.at(f"{p}.name", label=field_label(f"{p}.name"), length=len(name)))
    target = _required_text(f"{p}.target", ind.target, findings)
    actual = _required_text(f"{p}.actual", ind.actual, findings)
    weight = _number(f"{p}.weight", ind.weight, findings, required=True)
    if weight.value is not None and weight.value <= 0:
        findings.append(WeightNotPositive.at(f"{p}.weight", label=field_label(f"{p}.weight"),
                                             value=_fmt(weight.value)))
    score = _number(f"{p}.score", ind.score, findings, required=True)
    result = next(r for r in sheet.indicators if r.index == i)
    w, s = result.weight, score.value
    if s is not None and weight.value is not None and not -1e-9 <= s <= w + 1e-9:
        findings.append(ScoreOutOfRange.at(f"{p}.score", label=field_label(f"{p}.score"),
                                           score=_fmt(s), weight=_fmt(w)))
    kind = result.kind
    if kind == "unit-mismatch":
        tq, aq = parse_quantity(ind.target), parse_quantity(ind.actual)
        findings.append(UnitMismatch.at(f"{p}.actual", label=field_label(f"{p}.actual"),
                                        actual_unit=aq.unit if aq else "", target_unit=tq.unit if tq else ""))
    elif kind in ("positive", "reverse", "equal"):
        if s is not None and abs(s - result.score) > policy.tolerance and 0 <= s <= w + 1e-9:
            findings.append(ScoreMismatch.at(f"{p}.score", label=field_label(f"{p}.score"),
                                             score=_fmt(s), expected=_fmt(result.score)))
    elif kind == "qualitative":
        band = qualitative_band(ind.actual)
        if band is not None and s is not None and w > 0 and 0 <= s <= w + 1e-9:
            low, high = policy.qualitative_bands[band]
            top_band = high >= 1.0
            share = s / w
            inside = low - 1e-9 <= share and (share <= high + 1e-9 if top_band else share < high - 1e-9)
            if not inside:
                findings.append(QualitativeBand.at(f"{p}.score", label=field_label(f"{p}.score"), score=_fmt(s),
                                                   band=band, low=_fmt(low * w), high=_fmt(high * w)))
        if actual and (_same_statement(actual, target) or _same_statement(actual, name)):
            source = "年度指标值" if _same_statement(actual, target) else "三级指标名称"
            findings.append(ActualCopied.at(f"{p}.actual", label=field_label(f"{p}.actual"), source=source))
    if level1 == "满意度指标" and target:
        quantity = parse_quantity(ind.target)
        if quantity is None or quantity.unit != "%":
            findings.append(SatisfactionNotQuantified.at(f"{p}.target", label=field_label(f"{p}.target"),
                                                         raw=shorten(target, 20)))
    below = (s is not None and s < w - policy.tolerance) or result.score < w - policy.tolerance
    if w > 0 and below and not normalize_text(ind.deviation):
        findings.append(DeviationMissing.at(f"{p}.deviation", label=field_label(f"{p}.deviation"),
                                            score=_fmt(s if s is not None else result.score), weight=_fmt(w)))


def _structure(form: Form, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    rows = [(i, ind) for i, ind in enumerate(form.indicators) if not ind.is_empty()]
    if not rows:
        findings.append(IndicatorsMissing.at("indicators", label=field_label("indicators")))
        return
    present = {normalize_text(ind.level1).replace(" ", "") for _, ind in rows}
    for level1 in LEVEL1:
        if level1 not in present:
            findings.append(Level1Absent.at("indicators", level1=level1))
    weights: dict[str, float] = {name: 0.0 for name in policy.standard_split}
    for result in sheet.indicators:
        if result.level1 in weights:
            weights[result.level1] += result.weight
    if "预算执行" in weights:
        weights["预算执行"] = sheet.budget_weight
    weight_sum = sheet.budget_weight + sum(r.weight for r in sheet.indicators)
    if abs(weight_sum - policy.total_weight) > 1e-6:
        findings.append(WeightsSum.at("indicators", sum=_fmt(weight_sum), total=_fmt(policy.total_weight)))
    elif any(abs(weights[k] - v) > 1e-6 for k, v in policy.standard_split.items()):
        def show(split: dict[str, float]) -> str:
            return "/".join(f"{k.replace('指标', '')}{_fmt(v)}" for k, v in split.items())
        findings.append(WeightSplit.at("indicators", actual=show(weights), standard=show(policy.standard_split)))


def _total(form: Form, policy: Policy, sheet: ScoreSheet, findings: list[Finding]) -> None:
    total = _number("total_score", form.total_score, findings, required=False)
    if total.value is None:
        return
    budget = parse_number(form.budget_score).value
    parts = (budget if budget is not None else sheet.budget_score) + sum(
        r.self_score or 0.0 for r in sheet.indicators)
    if abs(total.value - parts) > policy.tolerance:
        findings.append(TotalMismatch.at("total_score", label=field_label("total_score"),
                                         total=_fmt(total.value), sum=_fmt(parts)))


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
    for i, ind in enumerate(form.indicators):
        if not ind.is_empty():
            _indicator(i, ind, policy, sheet, findings)
    _structure(form, policy, sheet, findings)
    _total(form, policy, sheet, findings)
    return findings


def iter_rules() -> Iterator[type[Rule]]:
    """The catalogue in definition order."""
    return iter(RULES.values())
