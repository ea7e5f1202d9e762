"""Target drift: a form against the targets approved for its project (绩效目标表, or a 1.2 form's own).

:func:`drift_findings` matches the form's project (by 项目代码 when both have one, else by 实施单位 +
项目名称 after normalising spaces and punctuation) and its indicators (by 一级, 二级, 三级 normalised),
and reports what the form changed: a weaker target (``target-lowered``), another one
(``target-changed``), an indicator dropped or added (a renamed one is both, each naming the other),
another 分值 or 年初预算数, or a project the targets do not have. Target values are compared as the
scoring reads them (:func:`~xltools.core.quantity.parse_quantity`, :func:`~xltools.core.timepoint.parse_time`,
:func:`~xltools.core.wording.stated_band`): ``≥95%``, ``≥ 95 %``, ``不低于95%`` and ``95%以上`` are one target.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from operator import attrgetter
from difflib import SequenceMatcher
from typing import Literal

from .catalogue import (
    BudgetDiffers,
    IndicatorAdded,
    IndicatorRemoved,
    ProjectNotInTargets,
    TargetChanged,
    TargetLowered,
    WeightChanged,
)
from .fields import field_label
from .findings import Finding
from .model import Form, Indicator
from .parse import as_typed, is_placeholder, normalize_text, parse_number
from .policy import DEFAULT_POLICY, Policy
from .quantity import Quantity, parse_quantity
from .reading import split_level1
from .scoring import form_year
from .targets import TargetIndicator, TargetProject, Targets, indicator_key, name_key
from .timepoint import TimeSpec, parse_time, resolve
from .wording import stated_band

__all__ = ["DRIFT_CODES", "DriftFinding", "SERIOUS_DRIFT", "Comparison", "compare_target", "drift_findings", "targets_findings", "match_project",
           "near_project"]

#: Every drift code (the summary's sheet 目标偏离 lists findings with these).
DRIFT_CODES = ("target-lowered", "target-changed", "indicator-removed", "indicator-added", "weight-changed",
               "budget-differs", "project-not-in-targets")

#: Drift that raises a project in the district's review (复核重点, the 抽查 risk).
SERIOUS_DRIFT = frozenset({"target-lowered", "indicator-removed"})


@dataclass(frozen=True)
class DriftFinding(Finding):
    """A drift finding that also says, for the district's sheet 目标偏离, which indicator it is about and the
    approved and reported values as typed."""

    indicator: str = ""
    approved: str = ""
    reported: str = ""

    def at_cell(self, cell: str | None) -> DriftFinding:
        return replace(self, cell=cell)


def _drift(finding: Finding, indicator: object, approved: object, reported: object) -> DriftFinding:
    return DriftFinding(finding.code, finding.severity, finding.field, finding.message, finding.cell,
                        as_typed(indicator), as_typed(approved), as_typed(reported))


#: How alike two names must be (difflib ratio of the normalised names) to be named as a near match.
NEAR = 0.5


@dataclass(frozen=True)
class Comparison:
    """How a reported target compares with the approved one: ``same``, ``lowered`` or ``changed``, and why."""

    outcome: Literal["same", "lowered", "changed"]
    how: str = ""


_SAME = Comparison("same")
_STRICT = {">": ">=", "<": "<="}


def _quantity_change(approved: Quantity, reported: Quantity) -> Comparison:
    if approved.unit != reported.unit and approved.unit and reported.unit:
        return Comparison("changed", f"（单位由“{approved.unit}”改为“{reported.unit}”）")
    a_dir, r_dir = approved.direction, reported.direction
    if a_dir != r_dir:
        return Comparison("changed", "（比较方向不同）")
    if a_dir == "equal":
        return _SAME if approved.value == reported.value else Comparison("changed")
    lower = reported.value < approved.value if a_dir == "positive" else reported.value > approved.value
    if lower:
        return Comparison("lowered", "降低了要求" if a_dir == "positive" else "放宽了上限")
    if reported.value != approved.value:
        return Comparison("changed", "（比批复的要求更高）")
    a_cmp, r_cmp = approved.comparator or ">=", reported.comparator or ">="  # no comparator: as scoring, ≥ (≤ stays)
    if _STRICT.get(a_cmp) == r_cmp:  # > 95 % became ≥ 95 %
        return Comparison("lowered", "降低了要求（不再要求超过）")
    if _STRICT.get(r_cmp) == a_cmp:  # ≥ 95 % became > 95 %
        return Comparison("changed", "（比批复的要求更高）")
    return _SAME


def _deadline(spec: TimeSpec, year: int | None) -> object:
    return resolve(spec, year)[1]


_BAND_RANK = {"达成": 3, "部分达成": 2, "未达成": 0}


def compare_target(approved: object, reported: object, policy: Policy, year: int | None = None) -> Comparison:
    """The reported target against the approved one, read as scoring reads targets."""
    a_text, r_text = normalize_text(approved).replace(" ", ""), normalize_text(reported).replace(" ", "")
    if a_text == r_text:
        return _SAME
    if not a_text:
        return Comparison("changed", "（批复未写指标值）")
    if not r_text or is_placeholder(reported):
        return Comparison("lowered", "少了指标值，无法按批复的目标评价")
    a_time, r_time = parse_time(approved), parse_time(reported)
    if a_time is not None and r_time is not None:
        a_day, r_day = _deadline(a_time, year), _deadline(r_time, year)
        if r_day > a_day:  # type: ignore[operator]
            return Comparison("lowered", "推迟了完成时限")
        return _SAME if r_day == a_day else Comparison("changed", "（完成时限比批复的更早）")
    a_qty, r_qty = parse_quantity(approved), parse_quantity(reported)
    if a_qty is not None and r_qty is not None:
        return _quantity_change(a_qty, r_qty)
    if (a_qty is None) != (r_qty is None) or (a_time is None) != (r_time is None):
        return Comparison("changed", "（一个是数量或时限，另一个不是）")
    a_band, r_band = stated_band(approved, policy), stated_band(reported, policy)
    if a_band is not None and r_band is not None and \
            _BAND_RANK.get(r_band.band, 1) < _BAND_RANK.get(a_band.band, 1):
        return Comparison("lowered", f"降低了要求（“{a_band.words}”改为“{r_band.words}”）")
    return Comparison("changed", "（文字不同）")


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def match_project(form: Form, targets: Targets, code: object = None) -> TargetProject | None:
    """The approved project of ``form`` (``code``: the form's 项目代码, when it carries one)."""
    return targets.find(code, form.implementing_unit, form.project_name)


def near_project(form: Form, targets: Targets) -> TargetProject | None:
    """The most alike project of the targets (the same 实施单位 first), if any is alike enough."""
    unit, name = name_key(form.implementing_unit), name_key(form.project_name)
    best: tuple[float, TargetProject] | None = None
    for project in targets.projects:
        score = _similar(name, name_key(project.name)) + (0.5 if name_key(project.unit) == unit else 0.0)
        if best is None or score > best[0]:
            best = (score, project)
    return best[1] if best is not None and best[0] >= NEAR + 0.5 else None


def _levels(ind: TargetIndicator | Indicator) -> str:
    return "·".join(as_typed(v) for v in (split_level1(ind.level1)[0], ind.level2) if normalize_text(v))


def _weight(value: object) -> float | None:
    return parse_number(value, suffixes=("分",)).value


_TYPED = attrgetter("level1", "level2", "name", "target", "weight")
_NO_INDICATOR = (None,) * 5


def _typed(form: Form) -> tuple[object, ...]:
    """What ``form`` says of what is approved, as typed, in the shape of :attr:`TargetProject.typed`: its
    non-empty indicators' (一级, 二级, 三级, 指标值, 分值). A row with none of them is looked at again (empty,
    or only 实际完成值 …); a blank text in them keeps its row, which then differs from any approved one."""
    rows = tuple(map(_TYPED, form.indicators))
    if _NO_INDICATOR in rows:
        rows = tuple(_TYPED(ind) for ind in form.indicators if not ind.is_empty())
    return (form.fund("total").initial_budget, form.goal_expected, rows)


def _indicators(form: Form, project: TargetProject, policy: Policy, year: int | None) -> list[DriftFinding]:
    findings: list[DriftFinding] = []
    rows = [(i, ind) for i, ind in enumerate(form.indicators) if not ind.is_empty()]
    unmatched = dict(rows)
    by_key: dict[tuple[str, str, str], list[int]] = {}
    for i, ind in rows:
        by_key.setdefault(indicator_key(ind.level1, ind.level2, ind.name), []).append(i)
    removed: list[TargetIndicator] = []
    for approved in project.indicators:
        found = by_key.get(approved.key)
        if not found:
            removed.append(approved)
            continue
        i = found.pop(0)
        ind = unmatched.pop(i)
        p = f"indicators[{i}]"
        result = _SAME if ind.target == approved.target else compare_target(approved.target, ind.target, policy, year)
        if result.outcome == "lowered":
            findings.append(_drift(TargetLowered.at(
                f"{p}.target", label=field_label(f"{p}.target"), reported=as_typed(ind.target) or "空",
                approved=as_typed(approved.target), how=result.how), ind.name, approved.target, ind.target))
        elif result.outcome == "changed":
            findings.append(_drift(TargetChanged.at(
                f"{p}.target", label=field_label(f"{p}.target"), reported=as_typed(ind.target) or "空",
                approved=as_typed(approved.target), detail=result.how), ind.name, approved.target, ind.target))
        approved_weight = approved.weight_value
        if approved_weight is not None and ind.weight != approved.weight and _weight(ind.weight) != approved_weight:
            findings.append(_drift(WeightChanged.at(
                f"{p}.weight", label=field_label(f"{p}.weight"), reported=as_typed(ind.weight) or "空",
                approved=f"{approved_weight:g}"), ind.name, approved.weight, ind.weight))
    # a renamed indicator: removed + added, each naming the other
    pairs: dict[int, int] = {}  # removed index → form row
    taken: set[int] = set()
    for r, approved in enumerate(removed):
        best: tuple[float, int] | None = None
        for i, ind in unmatched.items():
            if i in taken:
                continue
            key = indicator_key(ind.level1, ind.level2, ind.name)
            score = _similar(approved.key[2], key[2]) + (0.2 if key[:2] == approved.key[:2] else 0.0)
            if name_key(ind.target) and name_key(ind.target) == name_key(approved.target):
                score += 0.3
            if best is None or score > best[0]:
                best = (score, i)
        if best is not None and best[0] >= NEAR:
            pairs[r] = best[1]
            taken.add(best[1])
    for r, approved in enumerate(removed):
        i = pairs.get(r)
        near = "" if i is None else f"；表中第 {i + 1} 条“{as_typed(form.indicators[i].name)}”与之相近，是否改了名称"
        field = f"indicators[{i}].name" if i is not None else "indicators"
        findings.append(_drift(IndicatorRemoved.at(field, indicator=as_typed(approved.name), levels=_levels(approved),
                                                   approved=as_typed(approved.target), near=near),
                               approved.name, approved.target, ""))
    renamed = {i: removed[r] for r, i in pairs.items()}
    for i, ind in unmatched.items():
        p = f"indicators[{i}].name"
        was = renamed.get(i)
        near = "" if was is None else f"；与批复的“{as_typed(was.name)}”相近，是否改了名称"
        findings.append(_drift(IndicatorAdded.at(p, label=field_label(p), indicator=as_typed(ind.name) or "空",
                                                 reported=as_typed(ind.target) or "空", near=near),
                               ind.name, "", ind.target))
    return findings


def drift_findings(form: Form, project: TargetProject, policy: Policy | None = None) -> list[DriftFinding]:
    """What ``form`` changed of its approved ``project``: header, 年初预算数, 年度总体目标 and indicators."""
    if _typed(form) == project.typed:
        return []  # every approved value as approved (a prefilled form as sent): nothing to compare
    policy = policy or DEFAULT_POLICY
    findings: list[DriftFinding] = []
    approved_budget = project.budget_value
    reported_budget = parse_number(form.fund("total").initial_budget).value
    if approved_budget is not None and reported_budget is not None and abs(approved_budget - reported_budget) > 5e-5:
        path = "funds.total.initial_budget"
        findings.append(_drift(BudgetDiffers.at(path, label=field_label(path), reported=f"{reported_budget:g}",
                                                approved=f"{approved_budget:g}"), "年初预算数", approved_budget,
                               reported_budget))
    if project.goal_key and project.goal_key != name_key(form.goal_expected):
        findings.append(_drift(TargetChanged.at("goal_expected", label=field_label("goal_expected"),
                                                reported=as_typed(form.goal_expected, 30) or "空",
                                                approved=as_typed(project.goal, 30)),
                               "年度总体目标", project.goal, form.goal_expected))
    findings += _indicators(form, project, policy, form_year(form))
    return findings


def targets_findings(form: Form, targets: Targets, policy: Policy | None = None, code: object = None
                     ) -> list[DriftFinding]:
    """Drift of ``form`` from ``targets``: its project's drift, or ``project-not-in-targets`` naming a near match."""
    project = match_project(form, targets, code)
    if project is not None:
        return drift_findings(form, project, policy)
    near = near_project(form, targets)
    hint = "" if near is None else f"；绩效目标表中相近的是“{near.title}”（第 {near.row} 行）"
    return [_drift(ProjectNotInTargets.at("project_name", project=as_typed(form.project_name) or "空",
                                          unit=as_typed(form.implementing_unit) or "空", near=hint),
                   "项目名称", near.name if near is not None else "", form.project_name)]
