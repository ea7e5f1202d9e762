"""The approved performance targets (绩效目标表): one row per indicator, projects grouped.

:data:`TARGETS_SPEC` names the columns of the district's 绩效目标表 (headers as ``xltools targets
template`` writes them, and the aliases a budget system's export uses); :func:`build_targets` turns
the list's records into :class:`TargetProject` objects and refuses a project given twice;
:func:`check_targets` validates them with the form's own rules (those that apply to targets:
vocabulary, 分值, amounts, target values), each finding at the list's cell. Pure: the workbook is read
by :mod:`xltools.io.listbook`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from .findings import Finding
from .listbook import Column, HeaderMatch, ListError, ListRow, ListSpec, cell_value
from .model import Form, FundRow, Funds, Indicator
from .parse import memoise_text, normalize_text, parse_number
from .policy import DEFAULT_POLICY, Policy
from .reading import split_level1
from .rules import validate

__all__ = ["TARGETS_SPEC", "EXPECT_SPEC", "TARGETS_SHEET", "TARGETS_HEADERS", "TargetIndicator", "TargetProject", "Targets",
           "build_targets", "check_targets", "targets_digest", "project_digest", "project_key", "name_key", "indicator_key", "TARGET_CODES"]

#: The sheet a 绩效目标表 is read from when it has one (else its first sheet).
TARGETS_SHEET = "绩效目标"

TARGETS_SPEC = ListSpec("绩效目标表", (
    Column("code", "项目代码", ("项目编码", "项目编号", "项目ID"), group=True),
    Column("unit", "实施单位", ("单位名称", "预算单位", "执行单位", "项目单位"), group=True, required=True),
    Column("department", "主管部门", ("主管单位", "部门名称", "主管部门名称"), group=True),
    Column("name", "项目名称", ("项目",), group=True, required=True),
    Column("budget", "年初预算数（万元）", ("预算数", "年初预算", "年初预算金额", "预算金额", "项目金额", "年度预算数"),
           group=True),
    Column("goal", "年度总体目标", ("总体目标", "年度目标", "预期目标", "年度绩效目标", "总体绩效目标"), group=True),
    Column("level1", "一级指标", fill_down=True, required=True),
    Column("level2", "二级指标", fill_down=True, required=True),
    Column("indicator", "三级指标", ("指标名称", "绩效指标", "三级指标名称"), required=True),
    Column("target", "指标值", ("年度指标值", "目标值", "指标目标值", "年度目标值", "绩效指标值"), required=True),
    Column("weight", "分值", ("权重", "指标分值", "分值权重")),
))

#: The --expect list (应报送项目名单): one project per row, 实施单位 and 项目名称 headed so (any order, other columns
#: ignored); a 实施单位 left blank (or merged) below is the row above's.
EXPECT_SPEC = ListSpec("应报送项目名单", (
    Column("unit", "实施单位", required=True, fill_down=True),
    Column("name", "项目名称", required=True),
))

#: The headers of a blank 绩效目标表, in order.
TARGETS_HEADERS = tuple(column.header for column in TARGETS_SPEC.columns)

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@memoise_text
def name_key(value: object) -> str:
    """A name as compared: NFKC, without blanks and punctuation (``朝阳·社区 服务（二期）`` ≡ ``朝阳社区服务二期``)."""
    return _PUNCT.sub("", normalize_text(value)).casefold()


def project_key(code: object, unit: object, name: object) -> tuple[str, ...]:
    """How a project is matched: by 项目代码 when given, else by 实施单位 + 项目名称 (both normalised)."""
    code_text = name_key(code)
    return ("code", code_text) if code_text else ("name", name_key(unit), name_key(name))


def indicator_key(level1: object, level2: object, name: object) -> tuple[str, str, str]:
    """An indicator as matched: (一级, 二级, 三级) normalised; a 一级 label's stated weight (``产出指标（50分）``)
    is no part of it."""
    return (name_key(split_level1(level1)[0]), name_key(level2), name_key(name))


class TargetIndicator(NamedTuple):
    """One approved indicator and the list row it came from (a named tuple: a district's list holds tens of
    thousands, made in one pass and never changed)."""

    level1: object
    level2: object
    name: object
    target: object
    weight: object
    row: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        """(一级, 二级, 三级) as matched."""
        return indicator_key(self.level1, self.level2, self.name)

    @property
    def typed(self) -> tuple[object, ...]:
        """(一级, 二级, 三级, 指标值, 分值) as typed: a form's indicator equal to it cannot drift from it."""
        return self[:5]

    @property
    def weight_value(self) -> float | None:
        """The approved 分值 as a number (``None``: none given, or no number)."""
        return parse_number(self.weight, suffixes=("分",)).value


@dataclass(frozen=True)
class TargetProject:
    """One project's approved targets: header fields, 年初预算数 (万元), 年度总体目标 and indicators."""

    code: object
    unit: object
    department: object
    name: object
    budget: object
    goal: object
    indicators: tuple[TargetIndicator, ...]
    row: int = 0
    #: (年初预算数, 年度总体目标, every indicator's :attr:`TargetIndicator.typed`) as approved: a form that says
    #: exactly this has not drifted (made with the targets, in the process that reads the list, so the processes
    #: that compare forms only read it).
    typed: tuple[object, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "typed", (self.budget, self.goal, tuple(i[:5] for i in self.indicators)))

    @property
    def key(self) -> tuple[str, ...]:
        return project_key(self.code, self.unit, self.name)

    @cached_property
    def budget_value(self) -> float | None:
        """年初预算数 as a number (computed once: a run compares every form of the project with it)."""
        return parse_number(self.budget).value

    @cached_property
    def goal_key(self) -> str:
        """年度总体目标 as compared (:func:`name_key`; a long text is no part of the memo of short ones)."""
        return name_key(self.goal)

    @property
    def title(self) -> str:
        """``实施单位·项目名称`` for messages."""
        return f"{normalize_text(self.unit)}·{normalize_text(self.name)}"

    def form(self, year: object = None) -> Form:
        """The form these targets prefill (approved cells only; what the clerk reports stays empty)."""
        indicators = [Indicator(level1=i.level1, level2=i.level2, name=i.name, target=i.target, weight=i.weight)
                      for i in self.indicators]
        return Form(year=year, project_name=self.name, department=self.department,
                    implementing_unit=self.unit, funds=Funds(total=FundRow(initial_budget=self.budget)),
                    goal_expected=self.goal, indicators=indicators)


@dataclass(frozen=True)
class Targets:
    """Every project of a 绩效目标表, with lookups by code and by 实施单位 + 项目名称."""

    projects: tuple[TargetProject, ...]
    source: str = ""

    def __post_init__(self) -> None:
        by_code = {name_key(p.code): p for p in self.projects if name_key(p.code)}
        by_name = {(name_key(p.unit), name_key(p.name)): p for p in self.projects}
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_name", by_name)
        # 实施单位 + 项目名称 exactly as the list types them: a form that types them so (a prefilled one, or one
        # copied from the list) is found without normalising its names; the same project as by_name's
        object.__setattr__(self, "_by_typed", {(p.unit, p.name): by_name[name_key(p.unit), name_key(p.name)]
                                               for p in self.projects})

    def find(self, code: object, unit: object, name: object) -> TargetProject | None:
        """The project a form names: by 项目代码 when both have one, else by 实施单位 + 项目名称."""
        if code is None:
            found = self._by_typed.get((unit, name))  # type: ignore[attr-defined]
            if found is not None:
                return found  # type: ignore[no-any-return]
        code_text = name_key(code)
        if code_text and code_text in self._by_code:  # type: ignore[attr-defined]
            return self._by_code[code_text]  # type: ignore[attr-defined,no-any-return]
        found = self._by_name.get((name_key(unit), name_key(name)))  # type: ignore[attr-defined]
        if found is not None and code_text and name_key(found.code) and name_key(found.code) != code_text:
            return None  # both have a code and the codes differ: another project of the same name
        return found  # type: ignore[no-any-return]


def _digest_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else normalize_text(value)


def _project_rows(project: TargetProject) -> list[object]:
    return [_digest_text(getattr(project, k)) for k in _PROJECT_KEYS] + [
        [_digest_text(v) for v in (i.level1, i.level2, i.name, i.target, i.weight)] for i in project.indicators]


def targets_digest(targets: Targets) -> str:
    """A SHA-256 of what the targets say (projects and indicators as read, in order): equal targets, equal
    digest (a run's store remembers results per digest). Of the values as read, not normalised as a 1.2 form's
    :func:`project_digest` is: a run hashes a district's whole list, so this stays cheap — the values written by
    :mod:`marshal` (format 2: no references, so equal values give equal bytes whichever objects hold them),
    or by ``repr`` when a value is one marshal does not write (a date)."""
    values = [(p.code, p.unit, p.department, p.name, p.budget, p.goal, p.typed[2]) for p in targets.projects]
    try:
        data = b"m" + marshal.dumps(values, 2)
    except ValueError:
        data = b"r" + repr(values).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def project_digest(project: TargetProject) -> str:
    """A SHA-256 of one project's approved targets (what a prefilled 1.2 form records on 模板信息)."""
    return hashlib.sha256(json.dumps(_project_rows(project), ensure_ascii=False).encode("utf-8")).hexdigest()


def _value(value: object) -> object:
    """A list cell as the targets keep it: text stripped (blank is ``None``), a number or date as the list
    readers give it (:func:`~xltools.core.listbook.cell_value`: a whole number as ``int``), a datetime's date."""
    if type(value) is str:
        return value.strip() or None
    value = cell_value(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _budget(value: object, unit: str) -> object:
    """年初预算数 in 万元: a column headed in 元 is scaled (a text that is no number stays as typed)."""
    if unit != "元" or value is None:
        return value
    number = parse_number(value, suffixes=("元",))
    return round(number.value / 10000, 6) if number.value is not None else value


#: TARGETS_SPEC's columns: the project's (its group columns) first, then the indicator's.
_PROJECT_KEYS = ("code", "unit", "department", "name", "budget", "goal")
_INDICATOR_KEYS = ("level1", "level2", "indicator", "target", "weight")
if TARGETS_SPEC.keys != _PROJECT_KEYS + _INDICATOR_KEYS:  # build_targets cuts rows by these positions
    raise ImportError("TARGETS_SPEC's columns are not in build_targets' order")
_PROJECT = slice(0, len(_PROJECT_KEYS))
_INDICATOR = slice(len(_PROJECT_KEYS), None)
_UNIT, _NAME, _BUDGET = _PROJECT_KEYS.index("unit"), _PROJECT_KEYS.index("name"), _PROJECT_KEYS.index("budget")


_new_tuple = tuple.__new__


def _add_indicator(indicators: list[TargetIndicator], row: int, values: tuple[object, ...]) -> None:
    """The row's indicator, unless its indicator columns are all blank (分值 alone is no indicator)."""
    level1, level2, name, target, weight = [
        (v.strip() or None) if type(v) is str else _value(v) for v in values[_INDICATOR]]
    if level1 is not None or level2 is not None or name is not None or target is not None:
        # TargetIndicator(...) without its generated __new__'s Python call: a list holds tens of thousands
        indicators.append(_new_tuple(TargetIndicator, (level1, level2, name, target, weight, row)))


def build_targets(rows: Iterable[ListRow], header: HeaderMatch, *, sheet: str = "", source: str = "") -> Targets:
    """Group the list's rows (:meth:`~xltools.core.listbook.ListSpec.rows` of :data:`TARGETS_SPEC`) into projects
    (a project's rows follow each other). A project given twice (same 项目代码, else same 实施单位 + 项目名称, in
    two separate places) or with two different values in one project column is a :class:`ListError` naming
    both rows."""
    projects: list[TargetProject] = []
    seen: dict[tuple[str, ...], int] = {}
    seen_names: dict[tuple[str, str], tuple[str, int]] = {}
    current: list[object] | None = None
    current_key: tuple[str, ...] = ()
    first: list[int] = []  # the row where each project column's value was given
    first_row = 0
    indicators: list[TargetIndicator] = []
    in_yuan = header.units.get("budget", "") == "元"

    def close() -> None:
        if current is not None:
            projects.append(TargetProject(*current, indicators=tuple(indicators), row=first_row))

    previous: tuple[object, ...] = ()
    for row, values, _, group_row in rows:
        raw = values[_PROJECT]
        if raw == previous:  # the row above's project columns (repeated, or carried down): nothing new to check
            _add_indicator(indicators, row, values)
            continue
        previous = raw
        project = [_value(value) for value in raw]
        if in_yuan:
            project[_BUDGET] = _budget(project[_BUDGET], "元")
        code, unit, _, name, _, _ = project
        if unit is None or name is None:
            missing = "实施单位" if unit is None else "项目名称"
            raise ListError(f"第 {row} 行没有{missing}（{header.cell(row, 'unit' if missing == '实施单位' else 'name')}）；"
                            "每个项目的第一行应写明实施单位和项目名称", sheet=sheet or None)
        key = project_key(code, unit, name)
        if current is None or key != current_key:
            close()
            names = (name_key(unit), name_key(name))
            earlier = seen.get(key)
            same_name = seen_names.get(names)
            if earlier is None and same_name is not None and (not same_name[0] or not name_key(code)):
                earlier = same_name[1]
            if earlier is not None:
                raise ListError(f"第 {group_row} 行与第 {earlier} 行是同一个项目（{normalize_text(unit)}·"
                                f"{normalize_text(name)}）；同一项目的指标应连续排列、只出现一次，请合并或删除重复的行",
                                sheet=sheet or None)
            seen[key] = group_row
            seen_names[names] = (name_key(code), group_row)
            current, current_key, first, first_row, indicators = project, key, [group_row] * len(project), group_row, []
        else:
            for i, k in enumerate(_PROJECT_KEYS):
                value, kept = project[i], current[i]
                if value is None or value == kept:  # blank below, or repeated as it was
                    continue
                if kept is None:
                    current[i], first[i] = value, row
                    current_key = project_key(current[0], current[_UNIT], current[_NAME])
                elif name_key(kept) != name_key(value) and k != "budget" or (
                        k == "budget" and parse_number(kept).value != parse_number(value).value):
                    title = TARGETS_SPEC.column(k).header
                    raise ListError(f"同一项目的「{title}」在第 {first[i]} 行为“{normalize_text(kept)}”，在第 "
                                    f"{row} 行（{header.cell(row, k)}）却为“{normalize_text(value)}”；"
                                    "请改成一致，或只在项目的第一行填写", sheet=sheet or None)
        _add_indicator(indicators, row, values)
    close()
    return Targets(tuple(projects), source)


#: The form rules that apply to approved targets (the rest judge what the clerk reports).
TARGET_CODES = frozenset({
    "required-missing", "number-invalid", "number-as-text", "amount-negative", "amount-implausible",
    "amount-precision", "indicators-missing", "level1-invalid", "level2-invalid", "level1-weight-mismatch",
    "level1-absent", "name-is-sentence", "weight-not-positive", "weights-sum", "weight-split", "value-placeholder",
    "value-garbled", "satisfaction-not-quantified",
})
_PROJECT_FIELDS = {"project_name": "name", "department": "department", "implementing_unit": "unit",
                   "funds.total.initial_budget": "budget", "goal_expected": "goal", "indicators": "indicator"}
_INDICATOR_FIELDS = {"level1": "level1", "level2": "level2", "name": "indicator", "target": "target",
                     "weight": "weight"}
_FIELD = re.compile(r"^indicators\[(\d+)\]\.(\w+)$")


def check_targets(targets: Targets, header: HeaderMatch, policy: Policy | None = None) -> list[tuple[TargetProject,
                                                                                                     Finding]]:
    """The form's rules that apply to targets, per project, each finding at its cell of the list.

    ``weights-sum`` is checked only when every indicator of the project has a 分值; 主管部门 and
    年度总体目标 may be left out of a list (a column the list lacks is not required)."""
    policy = policy or DEFAULT_POLICY
    out: list[tuple[TargetProject, Finding]] = []
    for project in targets.projects:
        form = project.form()
        weighted = all(parse_number(i.weight).value is not None for i in project.indicators)
        for finding in validate(form, policy):
            if finding.code not in TARGET_CODES or (finding.code in ("weights-sum", "weight-split") and not weighted):
                continue
            match = _FIELD.match(finding.field)
            if match:
                part = _INDICATOR_FIELDS.get(match.group(2))
                index = int(match.group(1))
                if part is None or index >= len(project.indicators) or (
                        part == "weight" and finding.code == "required-missing"):
                    continue  # 分值 may stay empty
                row = project.indicators[index].row
            else:
                part = _PROJECT_FIELDS.get(finding.field)
                if part is None:
                    continue
                row = project.row
            if part not in header.columns:
                if finding.code == "required-missing":
                    continue  # the list has no such column: not asked for
                part, row = "name", project.row
            out.append((project, finding.at_cell(header.cell(row, part))))
    return out
