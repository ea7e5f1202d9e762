"""The form as data: 朝阳区项目支出绩效自评表.

Values are kept as people type them (a number, or text such as ``"6.6296万"``);
the model never rejects user text. Parsing and judging happen in
:mod:`xltools.core.parse`, :mod:`xltools.core.scoring` and
:mod:`xltools.core.rules`.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Cell", "FundRow", "Funds", "Indicator", "Form", "FUND_ROWS", "LEVEL1", "LEVEL2", "form_from_cells"]

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


class _Base(BaseModel):
    # defer_build: the validators are built when first needed (a JSON form, ``to_json``, the schema), not
    # at import; a workbook's form is assembled from cell values by :func:`form_from_cells` without them
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class FundRow(_Base):
    """One row of the 项目资金（万元） block."""

    initial_budget: Cell = Field(None, title="年初预算数")
    annual_budget: Cell = Field(None, title="全年预算数")
    executed: Cell = Field(None, title="全年执行数")

    def is_empty(self) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip())
                   for v in (self.initial_budget, self.annual_budget, self.executed))


class Funds(_Base):
    """项目资金（万元）: the total and its three 其中 rows."""

    total: FundRow | None = Field(None, title="年度资金总额")
    fiscal: FundRow | None = Field(None, title="其中：当年财政拨款")
    carryover: FundRow | None = Field(None, title="上年结转资金")
    other: FundRow | None = Field(None, title="其他资金")


class Indicator(_Base):
    """One row of the 绩效指标 table."""

    level1: Cell = Field(None, title="一级指标")
    level2: Cell = Field(None, title="二级指标")
    name: Cell = Field(None, title="三级指标")
    target: Cell = Field(None, title="年度指标值")
    actual: Cell = Field(None, title="实际完成值")
    weight: Cell = Field(None, title="分值")
    score: Cell = Field(None, title="得分")
    deviation: Cell = Field(None, title="偏差原因分析及改进措施")

    def is_empty(self) -> bool:
        for v in self.__dict__.values():  # a loop, not all(): called for every row by scoring, rules and combine
            if v is not None and not (isinstance(v, str) and not v.strip()):
                return False
        return True


class Form(_Base):
    """朝阳区项目支出绩效自评表, one project."""

    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,
        title="朝阳区项目支出绩效自评表",
        json_schema_extra={"description": "xltools JSON exchange format, one project per document"},
    )

    year: Cell = Field(None, title="年度")
    project_name: Cell = Field(None, title="项目名称")
    department: Cell = Field(None, title="主管部门")
    implementing_unit: Cell = Field(None, title="实施单位")
    project_lead: Cell = Field(None, title="项目负责人")
    lead_phone: Cell = Field(None, title="联系电话（项目负责人）")
    funds: Funds = Field(default_factory=Funds, title="项目资金（万元）")
    budget_weight: Cell = Field(10, title="预算执行分值")
    budget_score: Cell = Field(None, title="预算执行得分")
    goal_expected: Cell = Field(None, title="年度总体目标·预期目标")
    goal_actual: Cell = Field(None, title="年度总体目标·实际完成情况")
    indicators: list[Indicator] = Field(default_factory=list, title="绩效指标")
    total_score: Cell = Field(None, title="总分")
    filled_by: Cell = Field(None, title="填表人")
    filler_phone: Cell = Field(None, title="联系电话（填表人）")
    filled_on: Cell = Field(None, title="填写日期")

    def fund(self, key: str) -> FundRow:
        """The fund row ``key`` (empty when absent)."""
        return getattr(self.funds, key) or _EMPTY_ROW

    def to_json(self) -> str:
        """The JSON exchange format (dates as ISO strings; every row kept as it is, empty ones too)."""
        return self.model_dump_json(indent=2)


_EMPTY_ROW = FundRow.model_construct(initial_budget=None, annual_budget=None, executed=None)


_new, _set = object.__new__, object.__setattr__


def _fast_build(cls: type[_Base]) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """The field names of ``cls`` (in order, and as a set) when :func:`_built` may build it (no alias, extra or
    post-init to honour)."""
    plain = (cls.model_config.get("extra") != "allow" and not cls.__pydantic_post_init__
             and not cls.__pydantic_root_model__ and not cls.__private_attributes__
             and all(f.alias is None and f.validation_alias is None for f in cls.model_fields.values()))
    return (tuple(cls.model_fields), frozenset(cls.model_fields)) if plain else None


def _built(cls: type[_M], values: dict[str, Cell], fields: tuple[tuple[str, ...], frozenset[str]] | None) -> _M:
    """``cls.model_construct(**values)``, without its work per call (aliases, extras and defaults looked up
    field by field: four times the cost) when ``values`` name every field of a plain model (``fields``, from
    :func:`_fast_build`); else model_construct itself. The instance holds what model_construct's holds (fields
    in field order, every field set, no extra, no private attributes): tests/test_model_build.py compares the
    two on every model, so a pydantic that builds models otherwise fails there, not in a verdict."""
    if fields is None or values.keys() != fields[1]:
        return cls.model_construct(**values)
    names = fields[0]
    model = _new(cls)
    _set(model, "__dict__", {name: values[name] for name in names})
    _set(model, "__pydantic_fields_set__", set(names))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


_M = TypeVar("_M", bound=_Base)
_FUND_ROW, _INDICATOR, _FUNDS, _FORM = (_fast_build(m) for m in (FundRow, Indicator, Funds, Form))


def form_from_cells(fields: dict[str, Cell], funds: dict[str, dict[str, Cell] | None],
                    indicators: list[dict[str, Cell]]) -> Form:
    """A form from values that are already cells (``float``, ``int``, ``str``, ``datetime.date`` or
    ``None``, as a reader's cleaning leaves them), assembled without validation: validating such values
    changes none of them, and skipping it keeps pydantic's validators unbuilt on the workbook path.
    ``fields`` are Form fields by name, ``funds`` fund key → its parts (``None`` for a blank row)."""
    rows = {key: None if row is None else _built(FundRow, row, _FUND_ROW) for key, row in funds.items()}
    return _built(Form, {**fields, "funds": _built(Funds, rows, _FUNDS),
                         "indicators": [_built(Indicator, row, _INDICATOR) for row in indicators]}, _FORM)


def field_titles() -> dict[str, str]:
    """Field name → Chinese title over the form's models (for messages about JSON forms)."""
    titles: dict[str, str] = {}
    for model in (FundRow, Indicator, Funds, Form):
        titles.update({name: f.title for name, f in model.model_fields.items() if f.title})
    return titles
