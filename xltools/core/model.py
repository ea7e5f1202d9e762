"""The form as data: 朝阳区项目支出绩效自评表.

Values are kept as people type them (a number, or text such as ``"6.6296万"``);
the model never rejects user text. Parsing and judging happen in
:mod:`xltools.core.parse`, :mod:`xltools.core.scoring` and
:mod:`xltools.core.rules`.

The classes are plain dataclasses: a workbook's form is assembled from cell values that are already cells,
without validation, and without importing pydantic. Validating data (a JSON form), the JSON exchange format
and its JSON Schema go through pydantic on demand, in :mod:`xltools.core.validation`. A copy with some
fields changed is ``dataclasses.replace(form, name=value)``; each field's Chinese title is in its metadata
(:func:`titles`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any, Union

__all__ = ["Cell", "FundRow", "Funds", "Indicator", "Form", "FUND_ROWS", "LEVEL1", "LEVEL2", "form_from_cells",
           "titles", "field_titles"]

#: What a user can put into a cell: a number, text, a date or nothing.
Cell = Union[float, int, str, dt.date, None]

#: Fund rows in form order, with their labels.
FUND_ROWS: dict[str, str] = {
    "total": "年度资金总额",
    "fiscal": "其中：当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}

#: 一级指标 and the 二级指标 each admits (财政部 项目支出绩效自评表 framework).
LEVEL2: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
}
LEVEL1: tuple[str, ...] = tuple(LEVEL2)


def _titled(title: str, default: Any = None, factory: Any = None) -> Any:
    """A field with its Chinese title (the JSON Schema's ``title``, messages about JSON forms)."""
    if factory is not None:
        return field(default_factory=factory, metadata={"title": title})
    return field(default=default, metadata={"title": title})


@dataclass
class FundRow:
    """One row of the 项目资金（万元） block."""

    initial_budget: Cell = _titled("年初预算数")
    annual_budget: Cell = _titled("全年预算数")
    executed: Cell = _titled("全年执行数")

    def is_empty(self) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip())
                   for v in (self.initial_budget, self.annual_budget, self.executed))


@dataclass
class Funds:
    """项目资金（万元）: the total and its three 其中 rows."""

    total: FundRow | None = _titled("年度资金总额")
    fiscal: FundRow | None = _titled("其中：当年财政拨款")
    carryover: FundRow | None = _titled("上年结转资金")
    other: FundRow | None = _titled("其他资金")


@dataclass
class Indicator:
    """One row of the 绩效指标 table."""

    level1: Cell = _titled("一级指标")
    level2: Cell = _titled("二级指标")
    name: Cell = _titled("三级指标")
    target: Cell = _titled("年度指标值")
    actual: Cell = _titled("实际完成值")
    weight: Cell = _titled("分值")
    score: Cell = _titled("得分")
    deviation: Cell = _titled("偏差原因分析及改进措施")

    def is_empty(self) -> bool:
        for v in self.__dict__.values():  # a loop, not all(): called for every row by scoring, rules and combine
            if v is not None and not (isinstance(v, str) and not v.strip()):
                return False
        return True


@dataclass
class Form:
    """朝阳区项目支出绩效自评表, one project."""

    year: Cell = _titled("年度")
    project_name: Cell = _titled("项目名称")
    department: Cell = _titled("主管部门")
    implementing_unit: Cell = _titled("实施单位")
    project_lead: Cell = _titled("项目负责人")
    lead_phone: Cell = _titled("联系电话（项目负责人）")
    funds: Funds = _titled("项目资金（万元）", factory=Funds)
    budget_weight: Cell = _titled("预算执行分值", 10)
    budget_score: Cell = _titled("预算执行得分")
    goal_expected: Cell = _titled("年度总体目标·预期目标")
    goal_actual: Cell = _titled("年度总体目标·实际完成情况")
    indicators: list[Indicator] = _titled("绩效指标", factory=list)
    total_score: Cell = _titled("总分")
    filled_by: Cell = _titled("填表人")
    filler_phone: Cell = _titled("联系电话（填表人）")
    filled_on: Cell = _titled("填写日期")

    #: the JSON Schema's title and description (pydantic config for :mod:`xltools.core.validation`)
    json_config = {"title": "朝阳区项目支出绩效自评表",
                   "json_schema_extra": {"description": "xltools JSON exchange format, one project per document"}}

    def fund(self, key: str) -> FundRow:
        """The fund row ``key`` (empty when absent)."""
        return getattr(self.funds, key) or _EMPTY_ROW

    def to_json(self) -> str:
        """The JSON exchange format (dates as ISO strings; every row kept as it is, empty ones too)."""
        from .validation import as_json  # pydantic's serializer, imported when a form is first written as JSON

        return as_json(self, indent=2)

_EMPTY_ROW = FundRow()


Row = Union[dict[str, Cell], tuple[Cell, ...], list[Cell]]


def form_from_cells(fields: dict[str, Cell], funds: dict[str, Row | None], indicators: list[Row]) -> Form:
    """A form from values that are already cells (``float``, ``int``, ``str``, ``datetime.date`` or
    ``None``, as a reader's cleaning leaves them), assembled without validation: validating such values
    changes none of them. ``fields`` are Form fields by name, ``funds`` fund key → its parts (``None`` for a
    blank row); a field not given takes its default. A fund row or an indicator row is a dict by field name,
    or every field's value in field order (a tuple or list: no dict to build, ``titles(FundRow)`` and
    ``titles(Indicator)`` give the order)."""
    rows = {key: None if row is None else FundRow(**row) if type(row) is dict else FundRow(*row)
            for key, row in funds.items()}
    return Form(**fields, funds=Funds(**rows),
                indicators=[Indicator(**row) if type(row) is dict else Indicator(*row) for row in indicators])


_TITLES: dict[type, dict[str, str]] = {}


def titles(cls: type) -> dict[str, str]:
    """Field name → Chinese title of a model class (every field, in order; computed once per class)."""
    known = _TITLES.get(cls)
    if known is None:
        known = _TITLES[cls] = {f.name: f.metadata["title"] for f in fields(cls)}
    return known


def field_titles() -> dict[str, str]:
    """Field name → Chinese title over the form's models (for messages about JSON forms)."""
    out: dict[str, str] = {}
    for model in (FundRow, Indicator, Funds, Form):
        out.update(titles(model))
    return out
