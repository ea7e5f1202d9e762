import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltools.core.parse import chinese_numeral, parse_date, parse_number
from xltools.core.quantity import parse_quantity


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        (6.6296, "number", 6.6296),
        (10, "number", 10.0),
        ("6.6296万", "text", 6.6296),
        ("6.6296万元", "text", 6.6296),
        ("1,234.5", "text", 1234.5),
        ("６．６", "text", 6.6),
        (" 12 ", "text", 12.0),
        ("10分", "text", 10.0),
        ("", "empty", None),
        ("   ", "empty", None),
        (None, "empty", None),
        ("约六万", "invalid", None),
        ("12.3.4", "invalid", None),
        ("万", "invalid", None),
        (True, "invalid", None),
        (float("nan"), "invalid", None),
        ("1e5", "invalid", None),
    ],
)
def test_parse_number(raw, kind, value):
    parsed = parse_number(raw)
    assert (parsed.kind, parsed.value) == (kind, value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("≥95%", (">=", 95.0, "%")),
        ("≤10天", ("<=", 10.0, "天")),
        ("762人", (None, 762.0, "人")),
        ("两次", (None, 2.0, "次")),
        ("100%", (None, 100.0, "%")),
        ("6.6296万", (None, 6.6296, "万元")),
        ("６．６２９６万元", (None, 6.6296, "万元")),
        (">=90％", (">=", 90.0, "%")),
        ("不低于90%", (">=", 90.0, "%")),
        ("95%以上", (">=", 95.0, "%")),
        ("10天以内", ("<=", 10.0, "天")),
        ("=100%", ("=", 100.0, "%")),
        ("十二个", (None, 12.0, "个")),
        (40, (None, 40.0, "")),
    ],
)
def test_parse_quantity(raw, expected):
    q = parse_quantity(raw)
    assert q is not None
    assert (q.comparator, q.value, q.unit) == expected


@pytest.mark.parametrize("raw", ["达成预期指标", "两次慰问辖区762名防疫志愿者", "", None, "≥", "95%%%%%%%%"])
def test_parse_quantity_rejects_statements(raw):
    assert parse_quantity(raw) is None


def test_chinese_numeral():
    assert [chinese_numeral(t) for t in ("两", "十", "十二", "二十", "三千五百", "一万二千", "两两")] == [
        2, 10, 12, 20, 3500, 12000, None]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021.2.24", dt.date(2021, 2, 24)),
        ("2021-02-24", dt.date(2021, 2, 24)),
        ("2021/2/24", dt.date(2021, 2, 24)),
        ("2021年2月24日", dt.date(2021, 2, 24)),
        ("20210224", dt.date(2021, 2, 24)),
        ("2021-02-24T00:00:00", dt.date(2021, 2, 24)),
        (dt.datetime(2021, 2, 24, 9, 30), dt.date(2021, 2, 24)),
        (44251, dt.date(2021, 2, 24)),
        ("2021.2.30", None),
        ("昨天", None),
        (None, None),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(), st.dates()))
def test_parsers_never_raise(value):
    parse_number(value)
    parse_quantity(value)
    parse_date(value)
