"""Where the district's reviewers look first: risk flags, a risk score and a stratified sample (pure).

Every flag is a class-like entry of :data:`FLAGS` with a fixed code, a weight and a Chinese reason
template; :func:`risk_flags` raises the flags of one project. Two flags compare a project with the
rest of the round (a 偏差原因 shared by many projects, an indicator set copied across units): the
caller counts those over the round first and passes the counts in (:class:`Shared`).

:func:`draw_sample` draws the 抽查名单: reproducible for a seed, every 实施单位 at least once where N
allows, the rest weighted by risk score. No I/O here.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from xltools.core.parse import normalize_text, parse_number
from xltools.core.quantity import parse_quantity
from xltools.district.results import IndicatorRow, ProjectRow

__all__ = ["Flag", "FLAGS", "Hit", "Shared", "risk_facts", "risk_flags", "risk_score", "deviation_texts",
           "indicator_signature", "Drawn", "draw_sample", "HIGH_TOTAL", "LOW_RATE", "GAP", "OVER",
           "SHARED_TEXT_MIN", "PLACEHOLDERS"]

HIGH_TOTAL = 90.0  #: 复核总分 at or above this …
LOW_RATE = 0.8  #: … with an execution rate below this is suspicious
GAP = 1.0  #: self-reported and reviewed totals this far apart
OVER = 0.3  #: actual above target by this share needs a reason
SHARED_TEXT_MIN = 5  #: a 偏差原因 in this many projects (or more) is boilerplate
SHORT_TEXT = 4  #: a 偏差原因 of at most this many characters (punctuation aside) is a placeholder
#: 偏差原因 texts that say nothing (compared without punctuation and spaces).
PLACEHOLDERS = frozenset({"无", "暂无", "略", "同上", "见上", "详见附件", "无偏差", "已完成", "完成", "达标",
                          "按计划完成", "正常", "无变化", "不适用", "na", "null", "见说明", "待补充"})


@dataclass(frozen=True)
class Flag:
    """One kind of risk: fixed code, weight (points of risk score) and what it means."""

    code: str
    weight: int
    title: str
    template: str


FLAGS: dict[str, Flag] = {f.code: f for f in (
    Flag("high-score-low-execution", 3, "高分低执行",
         "复核总分 {total:.2f} 分（≥ 90）而预算执行率仅 {rate:.1%}（< 80%）"),
    Flag("all-full-marks", 2, "指标全部满分", "全部 {n} 个指标自评满分"),
    Flag("self-review-gap", 2, "自评与复核不符", "自评总分 {self_total:.2f} 与复核总分 {total:.2f} 相差 {gap:.2f} 分（≥ 1 分）"),
    Flag("placeholder-deviation", 1, "偏差原因敷衍", "「{name}」的偏差原因「{text}」过短或为套话"),
    Flag("shared-deviation", 1, "偏差原因雷同", "「{name}」的偏差原因与另外 {others} 个项目一字不差"),
    Flag("over-achievement", 2, "超额完成未说明",
         "「{name}」实际完成值 {actual} 超出年度指标值 {target} 达 {share:.0%}（≥ 30%），未说明原因"),
    Flag("actual-copied", 2, "完成值照抄指标值", "全部 {n} 个指标的实际完成值与年度指标值一字不差"),
    Flag("indicator-set-copied", 2, "指标设置雷同", "指标设置（{n} 个三级指标及指标值）与另外 {units} 个实施单位的项目完全相同"),
    Flag("tampered", 3, "模板被改动", "工作簿与模板不一致（模板被改动），数据可能不可信"),
    Flag("target-drift", 3, "偏离批复目标", "{what}（见「目标偏离」）"),
    Flag("superseded", 1, "多次提交", "该项目共提交 {n} 个版本，采用填写日期最新的一个；请核实改了什么"),
)}


@dataclass(frozen=True)
class Hit:
    """A flag raised on a project, with its reason in Chinese."""

    code: str
    reason: str

    @property
    def weight(self) -> int:
        return FLAGS[self.code].weight


@dataclass(frozen=True)
class Shared:
    """What the rest of the round says: projects per 偏差原因, other units per indicator set."""

    text_projects: Callable[[str], int]
    set_units: Callable[[str], int]


_NOT_WORDS = re.compile(r"[\s\W_]+")


def _bare(text: str) -> str:
    """The text without spaces and punctuation, lower case (to compare 偏差原因)."""
    return _NOT_WORDS.sub("", text).lower()


def deviation_texts(project: ProjectRow) -> set[str]:
    """The project's distinct 偏差原因 texts (normalised), for counting across the round."""
    return {text for text in (normalize_text(ind.deviation) for ind in project.indicators) if text}


def indicator_signature(project: ProjectRow) -> str:
    """A digest of the project's indicator set (三级指标 and 年度指标值), empty with fewer than 3 indicators."""
    return _signature([(normalize_text(ind.name), normalize_text(ind.target)) for ind in project.indicators
                       if normalize_text(ind.name)])


def _signature(pairs: list[tuple[str, str]]) -> str:
    """:func:`indicator_signature` of the named indicators' normalised (三级指标, 年度指标值)."""
    if len(pairs) < 3:
        return ""
    return hashlib.sha256(repr(sorted(pairs)).encode()).hexdigest()[:24]


@lru_cache(maxsize=4096, typed=True)  # asked of every named row of every form; a district's pairs repeat (10 and 10)
def _full_marks(self_score: object, weight: object) -> bool:
    """Whether an indicator's 自评得分 equals its 分值 (both finite numbers, 分值 not zero), from the two cells as
    typed (cell values: hashable; typed keys, so ``True`` is no ``1``)."""
    score = parse_number(self_score).value
    if score is None or not math.isfinite(score):
        return False
    weight = parse_number(weight).value
    return weight is not None and math.isfinite(weight) and weight != 0 and abs(score - weight) < 1e-9


def risk_facts(project: ProjectRow, indicators: Sequence[IndicatorRow] | None = None) -> dict[str, object]:
    """What :func:`risk_flags` needs of one project alone (JSON data): the flags it raises by itself
    (``hits``: [code, reason]), its 偏差原因 texts as the round counts them (``texts``; ``deviations``:
    [text, 三级指标] of the named indicators, first of each text, in order), its indicator set's
    ``signature`` and how many named indicators it has (``named``).

    The worker computes them with the verdict and the results store keeps them with the project, so a
    round's review does not decode and parse every project's indicators again. ``indicators``: the project's
    indicators when the caller holds them (the worker, which has just packed them), else they are unpacked."""
    hits: list[list[str]] = []
    # each indicator's texts normalised once: (三级指标, 年度指标值, 实际完成值, 偏差原因, the indicator)
    every = [(normalize_text(ind.name), normalize_text(ind.target), normalize_text(ind.actual),
              normalize_text(ind.deviation), ind) for ind in (project.indicators if indicators is None else indicators)]
    named = [row for row in every if row[0]]
    total, rate = project.review_total, project.execution_rate
    if total is not None and total >= HIGH_TOTAL and rate is not None and rate < LOW_RATE:
        hits.append(["high-score-low-execution", FLAGS["high-score-low-execution"].template.format(
            total=total, rate=rate)])
    if named and all(_full_marks(row[4].self_score, row[4].weight) for row in named):  # stops at the first that is not
        hits.append(["all-full-marks", FLAGS["all-full-marks"].template.format(n=len(named))])
    if project.self_total is not None and total is not None and abs(project.self_total - total) >= GAP - 1e-9:
        hits.append(["self-review-gap", FLAGS["self-review-gap"].template.format(
            self_total=project.self_total, total=total, gap=abs(project.self_total - total))])
    deviations: dict[str, str] = {}
    for name, _, _, text, _ in named:
        if text:
            deviations.setdefault(text, name)
    for text, name in deviations.items():  # the first 偏差原因 that says nothing (one is enough)
        bare = _bare(text)
        if len(bare) <= SHORT_TEXT or bare in PLACEHOLDERS:
            hits.append(["placeholder-deviation", FLAGS["placeholder-deviation"].template.format(name=name, text=text)])
            break
    for name, target_text, actual_text, text, ind in named:  # parsed only where it can matter
        if text:
            continue
        target = parse_quantity(ind.target)
        if target is None or target.value <= 0 or target.direction != "positive":
            continue
        actual = parse_quantity(ind.actual)
        if actual is not None and actual.value >= target.value * (1 + OVER) - 1e-9:
            hits.append(["over-achievement", FLAGS["over-achievement"].template.format(
                name=name, actual=actual_text, target=target_text, share=actual.value / target.value - 1)])
            break
    if len(named) >= 3 and all(row[1] and row[1] == row[2] for row in named):
        hits.append(["actual-copied", FLAGS["actual-copied"].template.format(n=len(named))])
    return {"hits": hits, "deviations": [[text, name] for text, name in deviations.items()],
            "texts": sorted({row[3] for row in every if row[3]}),
            "signature": _signature([(row[0], row[1]) for row in named]), "named": len(named)}


_ORDER = {code: n for n, code in enumerate(FLAGS)}  # hits are listed in the order of FLAGS


def risk_flags(project: ProjectRow | None, *, fate: str = "ok", versions: int = 1,
               shared: Shared | None = None, facts: dict | None = None) -> list[Hit]:
    """Every risk flag of one summarised project (``versions``: files of the project this round;
    ``facts``: its :func:`risk_facts` when already known, and then ``project`` may be ``None``)."""
    if facts is None:
        assert project is not None, "risk_flags needs the project or its facts"
        facts = risk_facts(project)
    hits = [Hit(code, reason) for code, reason in facts["hits"]]
    if shared is not None:
        for text, name in facts["deviations"]:
            count = shared.text_projects(text)
            if count >= SHARED_TEXT_MIN:
                hits.append(Hit("shared-deviation", FLAGS["shared-deviation"].template.format(
                    name=name, others=count - 1)))
                break
        signature = facts["signature"]
        units = shared.set_units(signature) if signature else 0
        if units >= 1:
            hits.append(Hit("indicator-set-copied", FLAGS["indicator-set-copied"].template.format(
                n=facts["named"], units=units)))
    if fate == "tampered":
        hits.append(Hit("tampered", FLAGS["tampered"].template))
    if versions > 1:
        hits.append(Hit("superseded", FLAGS["superseded"].template.format(n=versions)))
    return sorted(hits, key=lambda hit: _ORDER[hit.code])


def risk_score(hits: Sequence[Hit]) -> int:
    """The risk score: the sum of the flags' weights."""
    return sum(hit.weight for hit in hits)


@dataclass(frozen=True)
class Drawn:
    """One project of the 抽查名单 and why it was drawn."""

    key: object
    unit: str
    score: int
    reason: str


def draw_sample(candidates: Sequence[tuple[object, str, int]], n: int, seed: int) -> list[Drawn]:
    """Draw ``n`` of ``candidates`` ((key, 实施单位, risk score), in a stable order), reproducibly.

    First one project of every unit (units in a seeded random order while N is short of them), the
    unit's riskiest by a seeded weighted draw; then the rest risk-weighted across all units. The
    weight of a project is 1 + its risk score, so a clean project can still be drawn.
    """
    rng = random.Random(seed)
    pool = list(candidates)
    if n <= 0 or not pool:
        return []
    units = sorted({unit for _, unit, _ in pool})
    rng.shuffle(units)
    drawn: list[Drawn] = []
    taken: set[int] = set()
    for unit in units[:n]:
        members = [i for i, item in enumerate(pool) if item[1] == unit]
        pick = _weighted(rng, members, pool)
        taken.add(pick)
        key, _, score = pool[pick]
        drawn.append(Drawn(key, unit, score, "每个实施单位至少抽 1 个" + (f"（风险分 {score}，按风险加权）" if score else "")))
    while len(drawn) < n and len(taken) < len(pool):
        rest = [i for i in range(len(pool)) if i not in taken]
        pick = _weighted(rng, rest, pool)
        taken.add(pick)
        key, unit, score = pool[pick]
        drawn.append(Drawn(key, unit, score, f"按风险加权抽取（风险分 {score}）" if score else "随机抽取（无风险标记）"))
    return drawn


def _weighted(rng: random.Random, indices: list[int], pool: list[tuple[object, str, int]]) -> int:
    weights = [1 + pool[i][2] for i in indices]
    return rng.choices(indices, weights=weights, k=1)[0]
