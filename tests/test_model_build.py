"""Issue 31: a workbook's form is assembled without model_construct's per-call work (core/model.py ``_built``).
The models it builds must be those model_construct builds, in every way the program or pydantic looks at them."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from xltools.core import model
from xltools.core.model import Form, FundRow, Funds, Indicator, form_from_cells

ROW = {"initial_budget": 12.5, "annual_budget": "6.6296万", "executed": None}
INDICATOR = {"level1": "产出指标", "level2": "数量指标", "name": "服务人数", "target": "≥560人", "actual": 498,
             "weight": 12, "score": 10.67, "deviation": None}


def _fields(**changes: object) -> dict[str, object]:
    values = {"year": 2024, "project_name": "高龄老人巡视探访", "department": "朝阳区民政局", "implementing_unit": "三里屯街道",
              "project_lead": "张三", "lead_phone": "13800000000", "budget_weight": 10, "budget_score": None,
              "goal_expected": "巡视探访", "goal_actual": "已完成", "total_score": 91.5, "filled_by": "李四",
              "filler_phone": None, "filled_on": dt.date(2025, 1, 20)}
    values.update(changes)
    return values


def _same(fast: object, slow: object) -> None:
    assert type(fast) is type(slow)
    assert list(fast.__dict__.items()) == list(slow.__dict__.items())  # the fields, in field order
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.__pydantic_extra__ == slow.__pydantic_extra__ and fast.__pydantic_private__ == slow.__pydantic_private__
    assert fast == slow and fast.model_dump() == slow.model_dump() and repr(fast) == repr(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow


def test_every_model_takes_the_fast_path() -> None:
    """Else the form is still right (model_construct builds it) but the fast path is gone: say so here."""
    assert None not in (model._FUND_ROW, model._INDICATOR, model._FUNDS, model._FORM)


@pytest.mark.parametrize("cls, values", [(FundRow, ROW), (Indicator, INDICATOR),
                                         (Funds, {"total": None, "fiscal": None, "carryover": None, "other": None})])
def test_a_model_is_built_as_model_construct_builds_it(cls, values) -> None:
    fields = model._fast_build(cls)
    fast = model._built(cls, dict(values), fields)
    _same(fast, cls.model_construct(**values))
    reordered = dict(reversed(list(values.items())))  # given in another order: still field order
    _same(model._built(cls, reordered, fields), cls.model_construct(**reordered))


def test_a_form_assembled_from_cells_is_the_one_model_construct_assembles() -> None:
    funds = {"total": dict(ROW), "fiscal": None, "carryover": {"initial_budget": 1, "annual_budget": 2, "executed": 3},
             "other": None}
    form = form_from_cells(_fields(), funds, [dict(INDICATOR), {**INDICATOR, "name": "满意度"}])
    slow = Form.model_construct(**_fields(), funds=Funds.model_construct(
        **{k: None if v is None else FundRow.model_construct(**v) for k, v in funds.items()}),
        indicators=[Indicator.model_construct(**INDICATOR), Indicator.model_construct(**{**INDICATOR, "name": "满意度"})])
    _same(form, slow)
    _same(form.funds, slow.funds)
    _same(form.funds.total, slow.funds.total)
    _same(form.indicators[1], slow.indicators[1])
    assert form.model_dump_json() == slow.model_dump_json()
    # what the verdict does with a form: copies with changes, fields set one by one
    _same(form.model_copy(update={"total_score": 80.0}), slow.model_copy(update={"total_score": 80.0}))
    form.indicators[0].actual, slow.indicators[0].actual = "500人", "500人"
    _same(form.indicators[0], slow.indicators[0])
    assert form.indicators[0].model_fields_set is not form.indicators[1].model_fields_set  # each its own set


def test_a_form_without_every_field_falls_back_to_model_construct() -> None:
    """A layout that reads fewer fields: the defaults (预算执行分值 10, no indicators) as model_construct gives them."""
    values = _fields()
    del values["budget_weight"], values["lead_phone"]
    form = form_from_cells(values, {"total": None, "fiscal": None, "carryover": None, "other": None}, [])
    slow = Form.model_construct(**values, funds=Funds.model_construct(total=None, fiscal=None, carryover=None,
                                                                      other=None), indicators=[])
    _same(form, slow)
    assert form.budget_weight == 10 and "budget_weight" not in form.model_fields_set
