"""Deterministic demo data: every implementing unit of Chaoyang District, with known mistakes.

:func:`generate` is pure: from a seed and a scale it returns the forms to
write, the broken files to make and a ground-truth manifest (JSON-ready) that
says, for every file, its expected fate in the combiner's 文件清单 and every
finding the checker must report (code, field and cell). The shell
(:mod:`xltools.demo`) writes the files.

Clean forms break no error rule; each injected mistake is designed to cause
exactly the findings recorded for it (see :data:`MISTAKES`).
"""

from __future__ import annotations

import collections
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .core import Form, Indicator, Policy, score_form, sheet_total
from .core.model import FundRow
from .core.parse import parse_quantity
from .core.scoring import score_indicator
from .demothemes import (
    DEVIATIONS,
    GIVEN_NAMES,
    LOW_RATE_REASONS,
    SURNAMES,
    THEMES,
    Qual,
    Quant,
    Theme,
)
from .layout import Layout

__all__ = ["YEAR", "STREETS", "AREAS", "UNITS", "MISTAKES", "FATES", "Expected", "DemoFile", "DemoSet", "generate",
           "CodeScore", "compare"]

#: The 24 街道办事处 and 19 地区办事处 of Chaoyang District (the 43 implementing units).
STREETS: tuple[str, ...] = tuple(f"{name}街道办事处" for name in (
    "建外", "朝外", "呼家楼", "三里屯", "左家庄", "香河园", "和平街", "安贞", "亚运村", "小关", "酒仙桥", "麦子店",
    "团结湖", "六里屯", "八里庄", "双井", "劲松", "潘家园", "垡头", "首都机场", "大屯", "望京", "奥运村", "东湖"))
AREAS: tuple[str, ...] = tuple(f"{name}地区办事处" for name in (
    "南磨房", "高碑店", "将台", "太阳宫", "小红门", "十八里店", "平房", "东风", "来广营", "常营", "三间房", "管庄",
    "金盏", "孙河", "崔各庄", "东坝", "黑庄户", "豆各庄", "王四营"))
UNITS: tuple[str, ...] = STREETS + AREAS

#: Fates of 文件清单 (as :mod:`xltools.combine` names them).
FATES = ("ok", "duplicate", "superseded", "not-template", "tampered", "unreadable", "skipped")
Fate = Literal["ok", "duplicate", "superseded", "not-template", "tampered", "unreadable", "skipped"]
Action = Literal["fill", "corrupt", "lock", "foreign", "copy", "tamper", "text"]

YEAR = 2024
_AMOUNT = 10_000  # amounts are handled as integers of 0.0001 万元 (one yuan)
_LAYOUT = Layout()
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


@dataclass(frozen=True)
class DemoFile:
    """One file of the demo tree and what must become of it."""

    path: str  # relative to the demo folder, POSIX separators
    action: Action
    fate: Fate
    form: Form | None = None
    source: str | None = None  # the file a copy is made of
    payload: object = None  # bytes of a lock file, rows of a foreign workbook, text of a text file
    expected: tuple[Expected, ...] | None = ()  # None: findings not asserted (no form, seed, tampered)
    note: str = ""

    @property
    def mistakes(self) -> list[str]:
        return sorted({e.mistake for e in self.expected or () if e.mistake})

    def as_dict(self) -> dict[str, object]:
        form = self.form
        return {
            "path": self.path, "action": self.action, "fate": self.fate, "source": self.source,
            "unit": form.implementing_unit if form else None, "project": form.project_name if form else None,
            "year": form.year if form else None,
            "filled_on": form.filled_on.isoformat() if form and isinstance(form.filled_on, dt.date) else None,
            "mistakes": self.mistakes,
            "expected_findings": None if self.expected is None else [e.as_dict() for e in self.expected],
            "note": self.note,
        }


@dataclass(frozen=True)
class DemoSet:
    """Everything :func:`generate` makes."""

    seed: int
    scale: int
    files: tuple[DemoFile, ...]

    @property
    def forms(self) -> list[DemoFile]:
        return [f for f in self.files if f.form is not None]

    def manifest(self) -> dict[str, object]:
        fates: dict[str, int] = {}
        mistakes: dict[str, int] = {}
        for f in self.files:
            fates[f.fate] = fates.get(f.fate, 0) + 1
            for e in f.expected or ():
                if e.mistake:
                    mistakes[e.code] = mistakes.get(e.code, 0) + 1
        return {
            "generator": "xltools.demodata", "version": 1, "seed": self.seed, "scale": self.scale, "year": YEAR,
            "units": len(UNITS), "files_total": len(self.files), "fates": dict(sorted(fates.items())),
            "injected_findings": dict(sorted(mistakes.items())),
            "files": [f.as_dict() for f in self.files],
        }


# --- amounts and people ----------------------------------------------------------

def _wan(units: int) -> float:
    return round(units / _AMOUNT, 4)


def _phone(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return f"{rng.choice('68')}{rng.randint(1000000, 9999999)}"
    if kind < 0.7:
        return f"010-{rng.choice('68')}{rng.randint(1000000, 9999999)}"
    return f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# --- one clean form ------------------------------------------------------------------

_SPLITS_STANDARD = (50, 30, 10)
_SPLITS_OTHER = ((40, 40, 10), (60, 20, 10), (45, 35, 10), (50, 25, 15))


def _quant_text(comparator: str, value: float, unit: str) -> str:
    number = f"{value:g}" if unit != "万元" else f"{value:.4f}"
    return f"{comparator}{number}{unit}"


def _actual_value(rng: random.Random, spec: Quant, target: float, shortfall: float) -> float:
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


def _indicator(rng: random.Random, spec: Quant | Qual, level1: str, weight: int,
               amounts: tuple[float, float], shortfall: float) -> Indicator:
    """One indicator row scored as the core scores it; ``amounts`` = (全年预算数, 全年执行数) for 成本指标."""
    if isinstance(spec, Quant):
        if spec.unit == "万元":
            target = amounts[0]
            actual_text = _quant_text("", amounts[1], "万元")
        else:
            target = float(rng.randint(spec.low, spec.high))
            if spec.step > 1:
                target = float(max(spec.step, int(target) // spec.step * spec.step))
            actual_text = _quant_text("", _actual_value(rng, spec, target, shortfall), spec.unit)
        ind = Indicator(level1=level1, level2=spec.level2, name=spec.name,
                        target=_quant_text(spec.comparator, target, spec.unit), actual=actual_text, weight=weight)
        score = score_indicator(0, ind, _POLICY).score
    else:
        actual, share = spec.actual, 1.0
        if shortfall >= 0.25:
            actual, share = "部分达成：" + spec.actual.split("：", 1)[-1], rng.choice((0.65, 0.7, 0.75))
        elif shortfall:
            share = rng.choice((0.8, 0.85, 0.9))
        ind = Indicator(level1=level1, level2=spec.level2, name=spec.name, target=spec.target,
                        actual=actual, weight=weight)
        score = float(weight) if share == 1.0 else float(round(weight * share, 1))
    deviation = rng.choice(DEVIATIONS).format(name=spec.name) if score < weight else None
    return ind.model_copy(update={"score": score, "deviation": deviation})


def _clean_form(rng: random.Random, unit: str, project: str, theme: Theme, *, flawless: bool = False) -> Form:
    """A form that breaks no error rule; ``flawless``: every indicator met (room for a mistake)."""
    budget_units = rng.randint(theme.budget[0] * _AMOUNT, theme.budget[1] * _AMOUNT)
    roll = rng.random()
    rate = (1.0 if roll < 0.25 else rng.uniform(0.95, 1.0) if roll < 0.72
            else rng.uniform(0.9, 0.95) if roll < 0.9 else rng.uniform(0.55, 0.9))
    executed_units = int(budget_units * rate)
    initial_units = budget_units if rng.random() < 0.7 else int(budget_units * rng.uniform(0.8, 1.15))
    total = FundRow(initial_budget=_wan(initial_units), annual_budget=_wan(budget_units),
                    executed=_wan(executed_units))
    funds: dict[str, FundRow | None] = {"total": total, "fiscal": None, "carryover": None, "other": None}
    layout_roll = rng.random()
    if layout_roll < 0.35:
        funds["fiscal"] = total
    elif layout_roll < 0.5:
        share = rng.uniform(0.6, 0.9)
        parts = [(int(initial_units * share), int(budget_units * share), int(executed_units * share))]
        parts.append((initial_units - parts[0][0], budget_units - parts[0][1], executed_units - parts[0][2]))
        other = "carryover" if rng.random() < 0.7 else "other"
        for key, (a, b, c) in zip(("fiscal", other), parts):
            funds[key] = FundRow(initial_budget=_wan(a), annual_budget=_wan(b), executed=_wan(c))
    budget = _wan(budget_units)

    tier = 0.0 if flawless else rng.random()  # most projects go well, some less, a few badly
    miss_rate, depth = ((0.05, (0.08, 0.15)) if tier < 0.85 else (0.4, (0.1, 0.3)) if tier < 0.97
                        else (0.7, (0.3, 0.5)))
    split = _SPLITS_STANDARD if rng.random() < 0.88 else rng.choice(_SPLITS_OTHER)
    outputs = theme.pick_outputs(rng)
    benefits = theme.pick_benefits(rng)
    groups = (("产出指标", outputs, split[0]), ("效益指标", benefits, split[1]),
              ("满意度指标", [theme.satisfaction], split[2]))
    indicators: list[Indicator] = []
    for level1, specs, weight_total in groups:
        for spec, weight in zip(specs, _split(weight_total, len(specs))):
            shortfall = rng.uniform(*depth) if rng.random() < miss_rate and not flawless else 0.0
            indicators.append(_indicator(rng, spec, level1, weight, (budget, _wan(executed_units)), shortfall))
    if executed_units < budget_units * _POLICY.low_execution_rate:
        i = rng.randrange(len(indicators))
        if not indicators[i].deviation:
            indicators[i] = indicators[i].model_copy(update={"deviation": rng.choice(LOW_RATE_REASONS)})
    first = indicators[0]
    form = Form(
        year=YEAR, project_name=project, department=rng.choice(theme.departments), implementing_unit=unit,
        project_lead=_person(rng), lead_phone=_phone(rng),
        funds=funds, budget_weight=10,
        goal_expected=f"{theme.goal}，{first.name}{_in_words(str(first.target))}。",
        goal_actual=f"{theme.done}，{first.name}{first.actual}。",
        indicators=indicators, filled_by=_person(rng), filler_phone=_phone(rng),
        filled_on=dt.date(YEAR + 1, 1, 6) + dt.timedelta(days=rng.randint(0, 75)),
    )
    return _settle(form)


def _in_words(target: str) -> str:
    """``≥60次`` → ``不少于60次`` as a goal sentence says it."""
    for sign, words in (("≥", "不少于"), ("≤", "不超过"), ("=", "")):
        if target.startswith(sign):
            return words + target[len(sign):]
    return target


def _settle(form: Form) -> Form:
    """Budget score and total as the template's formulas show them."""
    sheet = score_form(form, _POLICY)
    updated = form.model_copy(update={"budget_score": sheet.budget_score})
    return updated.model_copy(update={"total_score": sheet_total(updated, _POLICY)})


def _natural(form: Form) -> list[Expected]:
    """Warnings a form carries by design: a non-standard split (when the weights still add up)."""
    by_level: dict[str, float] = {"产出指标": 0.0, "效益指标": 0.0, "满意度指标": 0.0}
    for ind in form.indicators:
        by_level[str(ind.level1)] += float(ind.weight)  # type: ignore[arg-type]
    total = sum(by_level.values()) + float(form.budget_weight)  # type: ignore[arg-type]
    if total == 100 and tuple(by_level.values()) != _SPLITS_STANDARD:
        return [Expected("weight-split", "warning", "indicators")]
    return []


# --- mistakes -------------------------------------------------------------------------

Injector = Callable[[random.Random, Form], tuple[Form, list[Expected]]]


def _replace_indicator(form: Form, i: int, **update: object) -> Form:
    indicators = list(form.indicators)
    indicators[i] = indicators[i].model_copy(update=update)
    return form.model_copy(update={"indicators": indicators})


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
    return _quant_text("", _actual_value(rng, spec, target.value, rng.uniform(0.08, 0.2)), target.unit)


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
    row = form.fund(key).model_copy(update={column: text})
    form = form.model_copy(update={"funds": form.funds.model_copy(update={key: row})})
    return form, [Expected("number-as-text", "warning", f"funds.{key}.{column}")]


def _breakdown_mismatch(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    funds = form.funds
    if funds.fiscal is None and funds.carryover is None and funds.other is None:
        funds = funds.model_copy(update={"fiscal": funds.total})
    key = next(k for k in ("fiscal", "carryover", "other") if getattr(funds, k) is not None)
    row: FundRow = getattr(funds, key)
    column = rng.choice(("initial_budget", "annual_budget", "executed"))
    value = round(float(getattr(row, column)) * _AMOUNT)  # type: ignore[arg-type]
    delta = rng.randint(1, max(2, value // 10)) * (-1 if column == "executed" else 1)
    row = row.model_copy(update={column: _wan(max(0, value + delta))})
    form = form.model_copy(update={"funds": funds.model_copy(update={key: row})})
    return form, [Expected("breakdown-mismatch", "error", f"funds.total.{column}")]


def _executed_over_budget(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    total = form.fund("total")
    budget = round(float(total.annual_budget) * _AMOUNT)  # type: ignore[arg-type]
    executed = round(float(total.executed) * _AMOUNT)  # type: ignore[arg-type]
    delta = budget - executed + rng.randint(max(1, budget // 100), max(2, budget // 12))
    update: dict[str, FundRow] = {"total": total.model_copy(update={"executed": _wan(executed + delta)})}
    expected = [Expected("executed-over-budget", "error", "funds.total.executed")]
    key = next((k for k in ("fiscal", "carryover", "other") if getattr(form.funds, k) is not None), None)
    if key is not None:
        part = form.fund(key)
        part_executed = round(float(part.executed) * _AMOUNT) + delta  # type: ignore[arg-type]
        update[key] = part.model_copy(update={"executed": _wan(part_executed)})
        if part_executed > round(float(part.annual_budget) * _AMOUNT):  # type: ignore[arg-type]
            expected.append(Expected("executed-over-budget", "error", f"funds.{key}.executed"))
    return form.model_copy(update={"funds": form.funds.model_copy(update=update)}), expected


def _signoff_missing(rng: random.Random, form: Form) -> tuple[Form, list[Expected]]:
    path = rng.choice(("filled_by", "filler_phone", "filled_on"))
    return form.model_copy(update={path: None}), [Expected("required-missing", "error", path)]


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


def _inject(rng: random.Random, form: Form, mistake: str) -> tuple[Form, list[Expected]]:
    broken, expected = MISTAKES[mistake](rng, form)
    expected = [Expected(e.code, e.severity, e.field, mistake) for e in expected]
    return _settle(broken), expected


# --- the tree ------------------------------------------------------------------------------

def _counts(rng: random.Random, scale: int) -> list[int]:
    """Projects per unit, summing to ``scale``; below 43 projects only some units take part."""
    if scale < len(UNITS):
        taking = set(rng.sample(range(len(UNITS)), scale))
        return [1 if i in taking else 0 for i in range(len(UNITS))]
    weights = [rng.uniform(0.5, 1.6) for _ in UNITS]
    raw = [scale * w / sum(weights) for w in weights]
    counts = [max(1, int(r)) for r in raw]
    order = sorted(range(len(UNITS)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    k = 0
    while sum(counts) != scale:
        i = order[k % len(order)]
        if sum(counts) < scale:
            counts[i] += 1
        elif counts[i] > 1:
            counts[i] -= 1
        k += 1
    return counts


def _project_names(rng: random.Random, unit: str, count: int) -> list[tuple[str, Theme]]:
    out: list[tuple[str, Theme]] = []
    seen: set[str] = set()
    short = unit.replace("街道办事处", "街道").replace("地区办事处", "地区")
    while len(out) < count:
        theme = rng.choice(THEMES)
        name = rng.choice(theme.names)
        roll = rng.random()
        if roll < 0.15:
            name = f"{short}{name}"
        elif roll < 0.25:
            name = f"{YEAR}年{name}"
        batch = 2
        candidate = name
        while candidate in seen:
            candidate = f"{name}（{_ORDINALS[min(batch, len(_ORDINALS) - 1)]}期）" if batch < len(_ORDINALS) \
                else f"{name}（{batch}）"
            batch += 1
        seen.add(candidate)
        out.append((candidate, theme))
    return out


_ORDINALS = "〇一二三四五六七八九十"


def _file_name(index: int, project: str) -> str:
    safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in project)
    return f"{index:02d}_{safe}.xlsx"


def generate(seed: int = 2024, scale: int = 200, *, mistake_rate: float = 0.3,
             seed_form: Form | None = None) -> DemoSet:
    """The demo tree: ``scale`` project forms over the 43 units, mistakes, broken files and the seed form.

    Same arguments → the same :class:`DemoSet`. At least one of every mistake is
    injected whatever the scale (``scale`` must be ≥ 20 so that there is room).
    """
    if scale < 20:
        raise ValueError("演示数据至少需要 20 个项目（--scale ≥ 20）")
    rng = random.Random(seed)
    files: list[DemoFile] = []
    plan: list[tuple[str, str, Theme]] = []
    for unit, count in zip(UNITS, _counts(rng, scale)):
        plan += [(unit, name, theme) for name, theme in _project_names(rng, unit, count)]
    injected = max(len(MISTAKES), round(scale * mistake_rate))
    chosen = rng.sample(range(len(plan)), injected)
    names = list(MISTAKES)
    mistake_of = {index: names[k % len(names)] for k, index in enumerate(chosen)}
    per_unit: dict[str, int] = {}
    for index, (unit, project, theme) in enumerate(plan):
        form = _clean_form(rng, unit, project, theme, flawless=index in mistake_of)
        expected: list[Expected] = []
        if index in mistake_of:
            form, expected = _inject(rng, form, mistake_of[index])
        expected += [e for e in _natural(form) if not any(x.code == "weights-sum" for x in expected)]
        per_unit[unit] = per_unit.get(unit, 0) + 1
        path = f"forms/{unit}/{_file_name(per_unit[unit], project)}"
        files.append(DemoFile(path, "fill", "ok", form, expected=tuple(expected)))
    files += _broken(rng, files, per_unit)
    if seed_form is not None:
        unit = str(seed_form.implementing_unit)
        files.append(DemoFile(f"forms/{unit}/{seed_form.year}_{_file_name(0, str(seed_form.project_name))}",
                              "fill", "ok", seed_form, expected=None, note="真实样表（2020 年度）"))
    return DemoSet(seed, scale, tuple(files))


def _broken(rng: random.Random, files: list[DemoFile], per_unit: dict[str, int]) -> list[DemoFile]:
    """Lock file, corrupt zip, foreign workbook, duplicate, superseded pair, tampered copy, a text file."""
    clean = [f for f in files if not f.mistakes]
    out: list[DemoFile] = []

    def extra(unit: str, project: str) -> tuple[str, Form, list[Expected]]:
        theme = rng.choice(THEMES)
        form = _clean_form(rng, unit, project, theme)
        per_unit[unit] = per_unit.get(unit, 0) + 1
        return f"forms/{unit}/{_file_name(per_unit[unit], project)}", form, _natural(form)

    locked = rng.choice(clean)
    folder, name = locked.path.rsplit("/", 1)
    owner = _person(rng)
    out.append(DemoFile(f"{folder}/~${name}", "lock", "skipped", payload=_lock_bytes(owner),
                        expected=None, note="Excel 打开文件时留下的锁文件"))
    unit = rng.choice(UNITS)
    path, form, _ = extra(unit, "社区公共空间微更新项目")
    out.append(DemoFile(path, "corrupt", "unreadable", form, expected=None, note="文件在传输中被截断（zip 损坏）"))
    unit = rng.choice(UNITS)
    out.append(DemoFile(f"forms/{unit}/{unit}联系人名单.xlsx", "foreign", "not-template",
                        payload=_contact_rows(rng, unit), expected=None, note="误放入的其他工作簿"))
    original = rng.choice([f for f in clean if f is not locked])
    folder, name = original.path.rsplit("/", 1)
    out.append(DemoFile(f"{folder}/{name[:-5]}（副本）.xlsx", "copy", "duplicate", original.form,
                        source=original.path, expected=original.expected, note="同一文件重复报送"))
    unit = rng.choice(UNITS)
    path, newer, natural = extra(unit, "辖区道路积水点位治理")
    first_draft = dt.date(YEAR + 1, 1, 2) + dt.timedelta(days=rng.randint(0, 10))
    newer = newer.model_copy(update={"filled_on": first_draft + dt.timedelta(days=rng.randint(7, 30))})
    older = newer.model_copy(update={"filled_on": first_draft, "goal_actual": f"{newer.goal_actual}（初稿）"})
    folder, name = path.rsplit("/", 1)
    out.append(DemoFile(f"{folder}/{name[:-5]}（修改前）.xlsx", "fill", "superseded", older,
                        expected=tuple(_natural(older)), note="同一项目的较早版本（填写日期较早）"))
    out.append(DemoFile(path, "fill", "ok", newer, expected=tuple(natural), note="同一项目的修改后版本"))
    unit = rng.choice(UNITS)
    path, form, natural = extra(unit, "社区卫生服务站运行补贴")
    out.append(DemoFile(path, "tamper", "tampered", form, expected=None,
                        note="撤销了工作表保护并把总分公式改成了数字"))
    unit = rng.choice(UNITS)
    out.append(DemoFile(f"forms/{unit}/填报说明.txt", "text", "skipped",
                        payload="本文件夹为绩效自评表报送材料，请勿改动。\n", expected=None, note="非 Excel 文件"))
    return out


def _lock_bytes(owner: str) -> bytes:
    """What Excel writes into ``~$book.xlsx``: the owner's name (length-prefixed, twice), padded to 165 bytes."""
    ascii_name = owner.encode("gbk")[:53]
    wide = owner.encode("utf-16-le")[:108]
    data = bytes([len(ascii_name)]) + ascii_name.ljust(53, b" ") + bytes([len(owner), 0]) + wide
    return data.ljust(165, b"\x00")


def _contact_rows(rng: random.Random, unit: str) -> list[list[object]]:
    rows: list[list[object]] = [[f"{unit}社区工作联系人名单"], ["序号", "社区", "联系人", "联系电话"]]
    for i in range(1, 9):
        rows.append([i, f"第{_ORDINALS[i]}社区居委会", _person(rng), _phone(rng)])
    return rows



# --- scoring a checker against the manifest -------------------------------------------------

@dataclass
class CodeScore:
    """Recall and precision of one finding code against the ground truth."""

    code: str
    expected: int = 0  # findings the manifest expects
    hit: int = 0  # of those, found with this code at the expected cell
    reported: int = 0  # findings with this code the checker reported on asserted files
    correct: int = 0  # of those, expected by the manifest

    @property
    def recall(self) -> float | None:
        return self.hit / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.reported if self.reported else None


def compare(manifest: dict[str, object], found: dict[str, list[tuple[str, str | None]]]) -> dict[str, CodeScore]:
    """Score reported findings against the manifest, per code.

    ``found`` maps a manifest path to the (code, cell) pairs the checker
    reported for it. Files whose findings the manifest does not assert (the
    seed form, tampered and unreadable files) are left out; a file the checker
    never reported counts as finding nothing.
    """
    scores: dict[str, CodeScore] = {}
    for entry in manifest["files"]:  # type: ignore[union-attr]
        expected_list = entry["expected_findings"]
        if expected_list is None:
            continue
        expected = collections.Counter((e["code"], e["cell"]) for e in expected_list)
        reported = collections.Counter(found.get(entry["path"], []))
        for (code, cell), n in expected.items():
            score = scores.setdefault(code, CodeScore(code))
            score.expected += n
            score.hit += min(n, reported.get((code, cell), 0))
        for (code, cell), n in reported.items():
            score = scores.setdefault(code, CodeScore(code))
            score.reported += n
            score.correct += min(n, expected.get((code, cell), 0))
    return dict(sorted(scores.items()))
