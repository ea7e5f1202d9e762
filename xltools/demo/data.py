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

import datetime as dt
import random
from dataclasses import dataclass, replace
from typing import Literal

from xltools.core import Form, Indicator, Policy
from xltools.core.model import FundRow, Funds
from xltools.core.scoring import score_indicator
from xltools.core.targets import TargetProject
from xltools.demo.mistakes import (
    AMOUNT,
    MISTAKES,
    Expected,
    actual_value,
    inject,
    quant_text,
    settle,
    wan,
)
from xltools.demo.themes import (
    DEVIATIONS,
    GIVEN_NAMES,
    LOW_RATE_REASONS,
    SURNAMES,
    THEMES,
    Qual,
    Quant,
    Theme,
)
from xltools.district.units import AREAS, STREETS

__all__ = ["YEAR", "STREETS", "AREAS", "UNITS", "FATES", "DemoFile", "DemoSet", "generate"]

#: The 24 街道办事处 and 19 地区办事处 of Chaoyang District (the 43 implementing units), from the district's table.
UNITS: tuple[str, ...] = STREETS + AREAS

#: Fates of 文件清单 (as :mod:`xltools.combine` names them).
FATES = ("ok", "wrong-year", "duplicate", "superseded", "not-template", "tampered", "unreadable", "skipped")
Fate = Literal["ok", "wrong-year", "duplicate", "superseded", "not-template", "tampered", "unreadable", "skipped"]
Action = Literal["fill", "corrupt", "lock", "foreign", "copy", "tamper", "text"]

YEAR = 2024
_POLICY = Policy()


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
    fixed: Form | None = None  # the form before its mistake was injected (what a second round resubmits)
    approved: TargetProject | None = None  # the approved targets, when the form differs from them (drift)
    layout: str | None = None  # the template version when not the current one (a form retyped on an old blank)

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
            "mistakes": self.mistakes, "layout": self.layout,
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


def _indicator(rng: random.Random, spec: Quant | Qual, level1: str, weight: int,
               amounts: tuple[float, float], shortfall: float) -> Indicator:
    """One indicator row scored as the core scores it; ``amounts`` = (全年预算数, 全年执行数) for 成本指标."""
    if isinstance(spec, Quant):
        if spec.unit == "万元":
            target = amounts[0]
            actual_text = quant_text("", amounts[1], "万元")
        else:
            target = float(rng.randint(spec.low, spec.high))
            if spec.step > 1:
                target = float(max(spec.step, int(target) // spec.step * spec.step))
            actual_text = quant_text("", actual_value(rng, spec, target, shortfall), spec.unit)
        ind = Indicator(level1=level1, level2=spec.level2, name=spec.name,
                        target=quant_text(spec.comparator, target, spec.unit), actual=actual_text, weight=weight)
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
    return replace(ind, score=score, deviation=deviation)


def _clean_form(rng: random.Random, unit: str, project: str, theme: Theme, *, flawless: bool = False) -> Form:
    """A form that breaks no error rule; ``flawless``: every indicator met (room for a mistake)."""
    budget_units = rng.randint(theme.budget[0] * AMOUNT, theme.budget[1] * AMOUNT)
    roll = rng.random()
    rate = (1.0 if roll < 0.25 else rng.uniform(0.95, 1.0) if roll < 0.72
            else rng.uniform(0.9, 0.95) if roll < 0.9 else rng.uniform(0.55, 0.9))
    executed_units = int(budget_units * rate)
    initial_units = budget_units if rng.random() < 0.7 else int(budget_units * rng.uniform(0.8, 1.15))
    total = FundRow(initial_budget=wan(initial_units), annual_budget=wan(budget_units),
                    executed=wan(executed_units))
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
            funds[key] = FundRow(initial_budget=wan(a), annual_budget=wan(b), executed=wan(c))
    budget = wan(budget_units)

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
            indicators.append(_indicator(rng, spec, level1, weight, (budget, wan(executed_units)), shortfall))
    if executed_units < budget_units * _POLICY.low_execution_rate:
        i = rng.randrange(len(indicators))
        if not indicators[i].deviation:
            indicators[i] = replace(indicators[i], deviation=rng.choice(LOW_RATE_REASONS))
    first = indicators[0]
    form = Form(
        year=YEAR, project_name=project, department=rng.choice(theme.departments), implementing_unit=unit,
        project_lead=_person(rng), lead_phone=_phone(rng),
        funds=Funds(**funds), budget_weight=10,
        goal_expected=f"{theme.goal}，{first.name}{_in_words(str(first.target))}。",
        goal_actual=f"{theme.done}，{first.name}{first.actual}。",
        indicators=indicators, filled_by=_person(rng), filler_phone=_phone(rng),
        filled_on=dt.date(YEAR + 1, 1, 6) + dt.timedelta(days=rng.randint(0, 75)),
    )
    return settle(form)


def _in_words(target: str) -> str:
    """``≥60次`` → ``不少于60次`` as a goal sentence says it."""
    for sign, words in (("≥", "不少于"), ("≤", "不超过"), ("=", "")):
        if target.startswith(sign):
            return words + target[len(sign):]
    return target


def _natural(form: Form) -> list[Expected]:
    """Warnings a form carries by design: a non-standard split (when the weights still add up)."""
    by_level: dict[str, float] = {"产出指标": 0.0, "效益指标": 0.0, "满意度指标": 0.0}
    for ind in form.indicators:
        by_level[str(ind.level1)] += float(ind.weight)  # type: ignore[arg-type]
    total = sum(by_level.values()) + float(form.budget_weight)  # type: ignore[arg-type]
    if total == 100 and tuple(by_level.values()) != _SPLITS_STANDARD:
        return [Expected("weight-split", "warning", "indicators")]
    return []


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
        fixed = None
        if index in mistake_of:
            fixed = form
            form, expected = inject(rng, form, mistake_of[index])
        expected += [e for e in _natural(form) if not any(x.code == "weights-sum" for x in expected)]
        per_unit[unit] = per_unit.get(unit, 0) + 1
        path = f"forms/{unit}/{_file_name(per_unit[unit], project)}"
        files.append(DemoFile(path, "fill", "ok", form, expected=tuple(expected), fixed=fixed))
    files += _broken(rng, files, per_unit)
    if seed_form is not None:
        unit = str(seed_form.implementing_unit)
        files.append(DemoFile(f"forms/{unit}/{seed_form.year}_{_file_name(0, str(seed_form.project_name))}",
                              "fill", "wrong-year", seed_form, expected=None,
                              note="真实样表（2020 年度；本轮汇总 2024 年度，故为年度不符）"))
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
    newer = replace(newer, filled_on=first_draft + dt.timedelta(days=rng.randint(7, 30)))
    older = replace(newer, filled_on=first_draft, goal_actual=f"{newer.goal_actual}（初稿）")
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
