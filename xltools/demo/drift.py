"""The demo's approved targets and the drift it plants (pure).

:func:`targets_of` is the district's 绩效目标表: every project of the demo year as it was approved (a form's
approved cells before a mistake was injected). :func:`plant_drift` picks clean forms and makes each of them
a clerk who used last year's blank form (template 1.1) and retyped the targets with a change: a lowered
target, another wording, a renamed indicator, a 分值 moved, another 年初预算数, another project name. Each
change is chosen so that the form's own findings stay exactly what they were (the change is drift and
nothing else), and its findings are recorded in the ground truth by hand, code, field and all.
"""

from __future__ import annotations

import collections
import random
from collections.abc import Callable
from dataclasses import replace

from xltools.core import Form, Policy, validate
from xltools.core.quantity import parse_quantity
from xltools.core.targets import TargetIndicator, TargetProject
from xltools.demo.data import YEAR, DemoFile
from xltools.demo.mistakes import Expected, settle, wan

__all__ = ["targets_of", "approved_of", "plant_drift", "DRIFTS", "OLD_LAYOUT"]

#: The template version of a form retyped on last year's blank form.
OLD_LAYOUT = "1.1"
_POLICY = Policy()


def _project(form: Form) -> TargetProject:
    return TargetProject(
        code=None, unit=form.implementing_unit, department=form.department, name=form.project_name,
        budget=form.fund("total").initial_budget, goal=form.goal_expected,
        indicators=tuple(TargetIndicator(i.level1, i.level2, i.name, i.target, i.weight) for i in form.indicators))


def approved_of(item: DemoFile) -> TargetProject:
    """The approved targets of a form file: recorded with it, else its form before a mistake, else its form."""
    assert item.form is not None
    return item.approved or _project(item.fixed or item.form)


def targets_of(files: tuple[DemoFile, ...] | list[DemoFile]) -> list[TargetProject]:
    """The approved projects of the demo year, once each (a file's ``approved``, else its form before a
    mistake, else its form), in the order they first appear."""
    out: dict[tuple[str, str], TargetProject] = {}
    for item in files:
        if item.form is None or item.form.year != YEAR:
            continue
        project = approved_of(item)
        out.setdefault((str(project.unit), str(project.name)), project)
    return list(out.values())


def _findings(form: Form) -> collections.Counter:
    return collections.Counter((f.code, f.field) for f in validate(form, _POLICY))


def _indicators(form: Form, **rows: dict[str, object]) -> Form:
    updated = [replace(ind, **rows.get(str(i), {})) for i, ind in enumerate(form.indicators)]
    return replace(form, indicators=updated)


Drift = Callable[[random.Random, Form], tuple[Form, list[Expected]] | None]


def _lowered(rng: random.Random, form: Form) -> tuple[Form, list[Expected]] | None:
    """A ≥ target lowered by a tenth, where the actual value still meets the lower one alike."""
    for i in rng.sample(range(len(form.indicators)), len(form.indicators)):
        target = parse_quantity(form.indicators[i].target)
        if target is None or target.comparator != ">=" or target.value < 10 or target.unit == "%":
            continue
        lower = int(target.value * 0.9)
        text = f"≥{lower}{target.unit}"
        return _indicators(form, **{str(i): {"target": text}}), [
            Expected("target-lowered", "error", f"indicators[{i}].target", "target-lowered")]
    return None


def _reworded(rng: random.Random, form: Form) -> tuple[Form, list[Expected]] | None:
    """A qualitative target in other words."""
    for i in rng.sample(range(len(form.indicators)), len(form.indicators)):
        target = str(form.indicators[i].target or "")
        if parse_quantity(target) is not None or len(target) < 4:
            continue
        return _indicators(form, **{str(i): {"target": f"{target}并持续巩固"}}), [
            Expected("target-changed", "warning", f"indicators[{i}].target", "target-changed")]
    return None


def _renamed(rng: random.Random, form: Form) -> tuple[Form, list[Expected]] | None:
    """An indicator renamed a little: removed + added, each naming the other."""
    i = rng.randrange(len(form.indicators))
    name = str(form.indicators[i].name)
    return _indicators(form, **{str(i): {"name": f"{name}情况"}}), [
        Expected("indicator-removed", "error", f"indicators[{i}].name", "indicator-removed"),
        Expected("indicator-added", "warning", f"indicators[{i}].name", "indicator-removed")]


def _weight_moved(rng: random.Random, form: Form) -> tuple[Form, list[Expected]] | None:
    """Two points of 分值 moved between two full-marked indicators of one 一级指标 (scores follow)."""
    full = [i for i, ind in enumerate(form.indicators) if ind.score == ind.weight and float(ind.weight) > 3]
    for i in full:
        for j in full:
            if i != j and form.indicators[i].level1 == form.indicators[j].level1:
                wi, wj = float(form.indicators[i].weight) + 2, float(form.indicators[j].weight) - 2
                moved = _indicators(form, **{str(i): {"weight": wi, "score": wi}, str(j): {"weight": wj, "score": wj}})
                return moved, [Expected("weight-changed", "warning", f"indicators[{k}].weight", "weight-changed")
                               for k in sorted((i, j))]
    return None


def _budget(rng: random.Random, form: Form) -> tuple[Form, list[Expected]] | None:
    """年初预算数 retyped with another amount (its 其中 row follows, so the breakdown still adds up)."""
    total = form.fund("total")
    key = next((k for k in ("fiscal", "carryover", "other") if getattr(form.funds, k) is not None), None)
    if key is None or not isinstance(total.initial_budget, float):
        return None
    delta = wan(rng.randint(1, 50) * 1000)
    part = form.fund(key)
    funds = replace(form.funds, **{
        "total": replace(total, initial_budget=round(total.initial_budget + delta, 4)),
        key: replace(part, initial_budget=round(float(part.initial_budget) + delta, 4))})
    return replace(form, funds=funds), [
        Expected("budget-differs", "warning", "funds.total.initial_budget", "budget-differs")]


def _project_renamed(rng: random.Random, form: Form) -> tuple[Form, list[Expected]] | None:
    """The project retyped under another name: not in the targets (its approved name is named as near)."""
    return replace(form, project_name=f"{form.project_name}（续建）"), [
        Expected("project-not-in-targets", "warning", "project_name", "project-not-in-targets")]


#: Each kind of drift the demo plants (by the code it must raise).
DRIFTS: dict[str, Drift] = {
    "target-lowered": _lowered, "target-changed": _reworded, "indicator-removed": _renamed,
    "weight-changed": _weight_moved, "budget-differs": _budget, "project-not-in-targets": _project_renamed,
}


def _weights_retyped(item: DemoFile) -> DemoFile:
    """A form whose injected mistake changed an approved 分值 (weights-sum) was typed on an old blank form: its
    分值 differs from the approved one (weight-changed at the changed row)."""
    if item.fixed is None or item.form is None or "weights-sum" not in item.mistakes:
        return item
    rows = [i for i, (a, b) in enumerate(zip(item.fixed.indicators, item.form.indicators)) if a.weight != b.weight]
    extra = tuple(Expected("weight-changed", "warning", f"indicators[{i}].weight", "weights-sum") for i in rows)
    return DemoFile(item.path, item.action, item.fate, item.form, item.source, item.payload,
                    (*(item.expected or ()), *extra), item.note, item.fixed, _project(item.fixed), OLD_LAYOUT)


def plant_drift(seed: int, files: list[DemoFile], per_kind: int = 2) -> list[DemoFile]:
    """``files`` with ``per_kind`` clean forms per kind of drift retyped on the old layout with that drift."""
    rng = random.Random(seed + 28)  # its own stream: the rest of the demo stays as it was
    approved = {id(f): _project(f.form) for f in files if f.form is not None}
    copied = {f.source for f in files if f.source}
    candidates = [n for n, f in enumerate(files) if f.action == "fill" and f.fate == "ok" and f.expected is not None
                  and not f.mistakes and f.form is not None and f.form.year == YEAR and not f.note
                  and f.path not in copied]
    rng.shuffle(candidates)
    out = [_weights_retyped(f) for f in files]
    for _ in range(per_kind):  # one of every kind first, then the next round (a small tree has few clean forms)
        for drift in DRIFTS.values():
            skipped = []
            while candidates:
                index = candidates.pop()
                item = files[index]
                assert item.form is not None
                made = drift(rng, item.form)
                if made is None or _findings(settle(made[0])) != _findings(item.form):
                    skipped.append(index)  # this form cannot take this drift alone (or it would be more than drift)
                    continue
                form, expected = settle(made[0]), made[1]
                out[index] = DemoFile(item.path, item.action, item.fate, form,
                                      expected=(*(item.expected or ()), *expected),
                                      note="用上一年的空白表（1.1 版）重新录入了绩效目标", fixed=item.form,
                                      approved=approved[id(item)], layout=OLD_LAYOUT)
                break
            candidates += reversed(skipped)
    return out
