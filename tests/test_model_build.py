"""Issue 31: the model is plain dataclasses; pydantic validates user data and writes JSON at the boundary
(xltools.core.validation). A workbook's form, assembled from cells without validation, must be the form
validation makes of the same values, and write the same JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
from dataclasses import replace

import pytest

from xltools.core.model import Form, FundRow, Funds, Indicator, field_titles, form_from_cells, titles
from xltools.core.policy import DEFAULT_POLICY, Policy, TotalCap, policy_titles
from xltools.core.validation import ValidationError, as_data, as_json, from_data, from_json, json_schema

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
    assert list(vars(fast).items()) == list(vars(slow).items())  # the fields, in field order
    assert [type(v) for v in vars(fast).values()] == [type(v) for v in vars(slow).values()]  # 498 stays an int
    assert fast == slow and dataclasses.asdict(fast) == dataclasses.asdict(slow) and repr(fast) == repr(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow


def test_a_form_assembled_from_cells_is_the_one_validation_makes() -> None:
    funds = {"total": dict(ROW), "fiscal": None, "carryover": {"initial_budget": 1, "annual_budget": 2, "executed": 3},
             "other": None}
    form = form_from_cells(_fields(), funds, [dict(INDICATOR), {**INDICATOR, "name": "满意度"}])
    slow = from_data(Form, {**_fields(), "funds": funds, "indicators": [INDICATOR, {**INDICATOR, "name": "满意度"}]})
    _same(form, slow)
    _same(form.funds, slow.funds)
    _same(form.funds.total, slow.funds.total)
    _same(form.indicators[1], slow.indicators[1])
    assert form.funds.fiscal is None and form.fund("fiscal").is_empty()
    assert form.to_json() == slow.to_json()
    # what the verdict does with a form: copies with changes, fields set one by one
    _same(replace(form, total_score=80.0), replace(slow, total_score=80.0))
    form.indicators[0].actual, slow.indicators[0].actual = "500人", "500人"
    _same(form.indicators[0], slow.indicators[0])
    with pytest.raises(TypeError):
        replace(form, no_such_field=1)  # model_copy accepted it silently


def test_rows_in_field_order_build_the_same_form() -> None:
    by_name = form_from_cells(_fields(), {"total": dict(ROW), "fiscal": None, "carryover": None, "other": None},
                              [dict(INDICATOR)])
    in_order = form_from_cells(_fields(), {"total": (12.5, "6.6296万", None), "fiscal": None, "carryover": None,
                                           "other": None},
                               [["产出指标", "数量指标", "服务人数", "≥560人", 498, 12, 10.67, None]])
    _same(in_order, by_name)
    _same(in_order.indicators[0], by_name.indicators[0])
    with pytest.raises(TypeError):  # a row too long is refused, not cut
        form_from_cells({}, {}, [(None,) * 9])


def test_a_form_without_every_field_takes_the_defaults() -> None:
    """A layout that reads fewer fields: the defaults (预算执行分值 10, no indicators) as validation gives them."""
    values = _fields()
    del values["budget_weight"], values["lead_phone"]
    form = form_from_cells(values, {"total": None, "fiscal": None, "carryover": None, "other": None}, [])
    _same(form, from_data(Form, values))
    assert form.budget_weight == 10 and form.lead_phone is None and form.indicators == []
    assert Form().funds == Funds() and Form().funds is not Form().funds  # a fresh default each time


def test_the_json_exchange_format_round_trips() -> None:
    form = form_from_cells(_fields(), {"total": dict(ROW), "fiscal": None, "carryover": None, "other": None},
                           [dict(INDICATOR)])
    text = form.to_json()
    data = json.loads(text)
    assert data["filled_on"] == "2025-01-20" and data["funds"]["fiscal"] is None  # hand-written expectations
    assert data["indicators"][0] == {**INDICATOR}
    assert list(data) == list(titles(Form)) and text.startswith('{\n  "year": 2024,\n')
    back = from_json(Form, text)
    _same(back, replace(form, filled_on="2025-01-20"))  # a date comes back as the text JSON holds (a cell takes text)
    assert as_data(form, mode="json") == data and json.loads(as_json(form)) == data


def test_validation_refuses_what_the_model_does_not_hold() -> None:
    with pytest.raises(ValidationError) as caught:
        from_data(Form, {"project_nmae": "x", "indicators": [{"weight": [1]}]})
    kinds = {(e["loc"][0], e["type"]) for e in caught.value.errors()}
    assert ("project_nmae", "extra_forbidden") in kinds and any(loc == "indicators" for loc, _ in kinds)
    # text is kept as typed: the model never rejects what a clerk types into a cell
    assert from_data(Form, {"year": "二〇二四", "budget_weight": "10分"}).budget_weight == "10分"


def test_the_json_schema_keeps_every_title_and_the_form_heading() -> None:
    schema = json_schema(Form)
    assert schema["title"] == "朝阳区项目支出绩效自评表"
    assert schema["description"] == "xltools JSON exchange format, one project per document"
    assert {name: p["title"] for name, p in schema["properties"].items()} == titles(Form)
    for cls in (FundRow, Funds, Indicator):
        part = schema["$defs"][cls.__name__]
        assert {name: p["title"] for name, p in part["properties"].items()} == titles(cls)
        assert part["description"] == cls.__doc__ and part["additionalProperties"] is False
    assert schema["properties"]["budget_weight"]["default"] == 10
    assert field_titles()["initial_budget"] == "年初预算数" and field_titles()["funds"] == "项目资金（万元）"


def test_the_policy_validates_with_its_limits_and_checks() -> None:
    caps = from_data(Policy, {"total_caps": [{"below": 0.5, "max_total": 59}], "grade_thresholds": {"中": 60, "优": 90}})
    assert caps.total_caps == (TotalCap(below=0.5, max_total=59.0),) and type(caps.total_caps[0].max_total) is float
    assert list(caps.grade_thresholds) == ["优", "中"]  # sorted best first before validation
    with pytest.raises(ValidationError):
        from_data(Policy, {"decimals": 7})  # le=6
    with pytest.raises(ValidationError, match="low_execution_rate"):
        from_data(Policy, {"low_execution_rate": 90})  # an inconsistency (policy_problems), after the types
    assert from_json(Policy, as_json(caps)) == caps
    assert list(policy_titles())[:2] == ["decimals", "reverse_rule"] and len(policy_titles()) == len(
        dataclasses.fields(Policy))
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_POLICY.decimals = 3  # type: ignore[misc]
