"""The results store decodes a stored project's head without the JSON hook when its only tagged value is its
填写日期: the project and its risk facts must be those the hooked decoding gives, whatever the head holds."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.district.results import dumps_value, loads_value
from xltools.district.store_rounds import _project_from

_VALUES = st.one_of(st.none(), st.text(max_size=8), st.floats(allow_nan=False), st.integers(-5, 5),
                    st.dates(), st.datetimes(), st.times(), st.sampled_from(['{"d":', '"filled_on":{"d":', "\\", '"']))


@settings(max_examples=200, deadline=None)
@given(filled_on=st.one_of(st.none(), st.dates()), name=st.text(max_size=12), unit=_VALUES,
       risk=st.one_of(st.none(), st.dictionaries(st.sampled_from(["texts", "drift", "signature", "named"]),
                                                 st.one_of(_VALUES, st.lists(_VALUES, max_size=3)), max_size=3)))
def test_a_head_decodes_as_the_hook_decodes_it(filled_on: dt.date | None, name: str, unit: object,
                                                risk: dict | None) -> None:
    fields = {"year": "2024", "unit": unit, "department": "城管办", "name": name, "lead": "王", "initial_budget": 1.5,
              "annual_budget": None, "executed": 2.0, "execution_rate": 0.5, "budget_score": 10.0,
              "subtotals": {"产出指标": 30.0}, "self_total": 90.0, "review_total": 88.5, "grade": "优",
              "filled_on": filled_on, "risk": risk}
    head = dumps_value(fields)
    project, facts = _project_from(head, b"", "[]")
    expected = loads_value(head)
    assert isinstance(expected, dict)
    assert facts == expected.pop("risk")
    assert {name: getattr(project, name) for name in expected} == expected
    assert project.filled_on == filled_on and type(project.filled_on) is type(filled_on)
