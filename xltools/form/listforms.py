"""A list workbook (one row per indicator for many projects) split into one form per project.

Pure: no I/O. A budget system exports its projects' self-evaluations as a list: the project's columns
repeated on each indicator row (or left blank / merged below the project's first row), then the
indicator's. The list is read by the one header-table reader (:mod:`xltools.core.listbook`) with
:data:`LIST_SPEC`, the 绩效目标表's columns (:data:`xltools.core.targets.TARGETS_SPEC`) plus what a
self-evaluation adds (全年预算数, 全年执行数, 实际完成值, 得分, 偏差原因 …). :func:`forms_from_list`
groups the records by project (项目代码, else 实施单位 + 项目名称) and makes each group a form, every
value's place the list cell it came from (``Sheet!H12``; a project column carried down is placed at
the project's first row). A form field the list has no column for is a ``field-not-located`` finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from xltools.core.catalogue import FieldNotLocated
from xltools.core.findings import Finding
from xltools.core.listbook import Column, HeaderMatch, ListRecord
from xltools.core.model import Form
from xltools.core.targets import TARGETS_SPEC, project_key

__all__ = ["LIST_SPEC", "ListedForm", "forms_from_list", "is_list_header"]

LIST_SPEC = TARGETS_SPEC.extended(
    Column("year", "年度", ("预算年度", "评价年度"), group=True),
    Column("project_lead", "项目负责人", ("负责人",), group=True),
    Column("lead_phone", "联系电话", ("负责人电话", "项目负责人电话"), group=True),
    Column("annual_budget", "全年预算数", ("调整后预算数",), group=True),
    Column("executed", "全年执行数", ("执行数", "实际执行数"), group=True),
    Column("budget_weight", "预算执行分值", ("预算执行率分值",), group=True),
    Column("budget_score", "预算执行得分", ("预算执行率得分",), group=True),
    Column("goal_actual", "实际完成情况", ("年度总体目标完成情况", "总体目标完成情况"), group=True),
    Column("total_score", "总分", ("自评总分", "总得分"), group=True),
    Column("filled_by", "填表人", ("填报人",), group=True),
    Column("filler_phone", "填表人电话", ("填报人电话",), group=True),
    Column("filled_on", "填写日期", ("填报日期", "填表日期"), group=True),
    Column("actual", "实际完成值", ("全年完成值", "完成值", "全年实际完成值")),
    Column("score", "得分", ("自评得分", "指标得分")),
    Column("deviation", "偏差原因分析及改进措施", ("偏差原因", "未完成原因", "偏差原因分析", "未完成原因分析")),
    what="项目清单",
)

#: Form field → the list column it is read from.
_FORM_FIELDS = {"year": "year", "project_name": "name", "department": "department", "implementing_unit": "unit",
                "project_lead": "project_lead", "lead_phone": "lead_phone", "budget_weight": "budget_weight",
                "budget_score": "budget_score", "goal_expected": "goal", "goal_actual": "goal_actual",
                "total_score": "total_score", "filled_by": "filled_by", "filler_phone": "filler_phone",
                "filled_on": "filled_on"}
_FUNDS = {"initial_budget": "budget", "annual_budget": "annual_budget", "executed": "executed"}
_INDICATOR = {"level1": "level1", "level2": "level2", "name": "indicator", "target": "target", "actual": "actual",
              "weight": "weight", "score": "score", "deviation": "deviation"}
#: The project columns of the list: a row that names these beside the indicator columns is a list's header.
_PROJECT_KEYS = ("unit", "name")


@dataclass(frozen=True)
class ListedForm:
    """One project of a list: its form, where each field came from, what the list has no column for, and
    the list rows it spans."""

    form: Form
    origins: dict[str, str]
    findings: tuple[Finding, ...]
    rows: tuple[int, ...]

    @property
    def title(self) -> str:
        return f"{self.form.implementing_unit or ''}·{self.form.project_name or ''}"


def is_list_header(header: HeaderMatch) -> bool:
    """Whether a header row names the project columns and the indicator columns in one row (a list, not a form)."""
    return all(key in header.columns for key in (*_PROJECT_KEYS, "level1", "indicator"))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _place(sheet: str, header: HeaderMatch, record: ListRecord, key: str) -> str:
    row = record.group_row if key in record.carried and record.group_row else record.row
    return f"{sheet}!{header.cell(row, key)}"


def forms_from_list(header: HeaderMatch, records: Iterable[ListRecord], sheet: str) -> list[ListedForm]:
    """The list's records grouped into one form per project, in the order projects first appear."""
    groups: dict[tuple[str, ...], list[ListRecord]] = {}
    for record in records:
        key = project_key(record.get("code"), record.get("unit"), record.get("name"))
        groups.setdefault(key, []).append(record)
    return [_form(header, group, sheet) for group in groups.values()]


def _form(header: HeaderMatch, group: list[ListRecord], sheet: str) -> ListedForm:
    first = group[0]
    source = f"{LIST_SPEC.what}（工作表「{sheet}」）"
    data: dict[str, object] = {}
    origins: dict[str, str] = {}
    findings: list[Finding] = []
    for field, key in _FORM_FIELDS.items():
        if key in header.columns:
            data[field] = first.get(key)
            origins[field] = _place(sheet, header, first, key)
        else:
            data[field] = None
            findings.append(FieldNotLocated.at(field, label=LIST_SPEC.column(key).header, source=source,
                                               detail="这一列"))
    total: dict[str, object] = {}
    for part, key in _FUNDS.items():
        path = f"funds.total.{part}"
        if key in header.columns:
            total[part] = first.get(key)
            origins[path] = _place(sheet, header, first, key)
        else:
            findings.append(FieldNotLocated.at(path, label=LIST_SPEC.column(key).header, source=source,
                                               detail="这一列"))
    data["funds"] = {"total": total}
    indicators: list[dict[str, object]] = []
    written: dict[str, int] = {}  # indicator column → the row its (filled-down) value was written on
    for record in group:
        for key in _INDICATOR.values():
            if key not in record.carried:
                written[key] = record.row
        if all(_blank(record.get(key)) for key in _INDICATOR.values()):
            continue  # a project's own row without an indicator
        indicator: dict[str, object] = {}
        for part, key in _INDICATOR.items():
            if key in header.columns:
                indicator[part] = record.get(key)
                origins[f"indicators[{len(indicators)}].{part}"] = f"{sheet}!{header.cell(written[key], key)}"
        indicators.append(indicator)
    for part, key in _INDICATOR.items():
        if key not in header.columns:
            findings.append(FieldNotLocated.at("indicators", label=LIST_SPEC.column(key).header, source=source,
                                               detail="这一列"))
    data["indicators"] = indicators
    origins["indicators"] = f"{sheet}!{header.cell(header.row, 'indicator')}"
    placed = tuple(f.at_cell(origins.get(f.field)) for f in findings)
    from xltools.core.validation import from_data  # pydantic: a list's values are user data

    return ListedForm(from_data(Form, data), origins, placed, tuple(r.row for r in group))
