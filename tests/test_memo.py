"""The memoised text functions of the core: bounded, keyed on everything they decide, same answers."""

import math

from xltools.core import Policy
from xltools.core.parse import is_placeholder, memoise_text, parse_number
from xltools.core.quantity import parse_quantity
from xltools.core.scoring import round_half_up
from xltools.core.timepoint import find_time, parse_time
from xltools.core.validation import from_data
from xltools.core.wording import stated_band


def test_short_texts_are_computed_once_long_ones_every_time_and_never_kept():
    calls: list[str] = []

    @memoise_text
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert shout("abc") == "ABC" and shout("abc") == "ABC"
    assert calls == ["abc"]
    long = "x" * 201
    assert shout(long) == "X" * 201 and shout(long) == "X" * 201
    assert calls == ["abc", long, long]
    assert shout.cache_info().currsize == 1  # type: ignore[attr-defined]


def test_extra_arguments_are_part_of_the_key():
    @memoise_text
    def join(text: str, sep: str) -> str:
        return sep.join(text)

    assert join("ab", "-") == "a-b"
    assert join("ab", "+") == "a+b"


def test_a_long_text_gets_the_same_answer_as_a_short_one():
    # 300 blanks around 无: no cache, still NFKC and blanks dropped, still a placeholder
    assert is_placeholder(" " * 150 + "无" + " " * 150)
    assert parse_quantity(" " * 150 + "≥95%" + " " * 150) == parse_quantity("≥95%")
    assert parse_time(" " * 150 + "12月底前" + " " * 150) == parse_time("12月底前")
    assert parse_number(" " * 150 + "6.5万" + " " * 150).value == 6.5


def test_parse_number_keeps_the_type_and_sign_typed():
    assert type(parse_number(10.0).raw) is float and type(parse_number(10).raw) is int
    assert type(parse_number(10).raw) is int and type(parse_number(10.0).raw) is float
    assert parse_number(0.0).raw == 0 and math.copysign(1.0, parse_number(-0.0).raw) == -1.0
    assert math.copysign(1.0, parse_number(-0.0).value) == -1.0


def test_rounding_equal_values_alike_whatever_came_first():
    # 68.165 (as 68.16499999999999 in binary) rounds half up on 15 digits: 68.17
    assert round_half_up(68.16499999999999, 2) == 68.17
    assert round_half_up(10, 2) == 10.0 and round_half_up(10.0, 2) == 10.0
    assert str(round_half_up(-0.0, 2)) == "0.0" and str(round_half_up(0.0, 2)) == "0.0"
    assert round_half_up(2.5, 0) == 3.0 and round_half_up(2.5, 1) == 2.5


def test_stated_band_is_keyed_on_the_policy_late_band():
    assert stated_band("延期完成", Policy()).band == "部分达成"
    assert stated_band("延期完成", from_data(Policy, {"late_band": "未达成"})).band == "未达成"
    assert stated_band("延期完成", Policy()).band == "部分达成"


def test_find_time_of_the_same_text_twice():
    first = find_time("已于2021年11月完成全部改造")
    assert first is not None and first.year == 2021 and first.first == (11, 1)
    assert find_time("已于2021年11月完成全部改造") == first


def test_equal_keys_of_other_types_are_never_answered_from_the_memo():
    # 1, 1.0 and True are equal dictionary keys; a memo of one cell value must still tell them apart
    @memoise_text
    def kind(value: object) -> str:
        return type(value).__name__

    assert [kind(1), kind(1.0), kind(True), kind("1"), kind(1)] == ["int", "float", "bool", "str", "int"]
    assert kind.cache_info().currsize == 1  # type: ignore[attr-defined]  # only the text is kept


def test_a_memo_of_one_value_is_bounded_and_keeps_its_fixed_answers(monkeypatch):
    from xltools.core import parse

    monkeypatch.setattr(parse, "_MEMO_SIZE", 3)
    calls: list[object] = []

    def length(value: object) -> int:
        calls.append(value)
        return len(str(value))

    memo = parse._TextMemo(length, {None: 0})
    assert [memo(t) for t in ("a", "bb", "a", "ccc", "dddd")] == [1, 2, 1, 3, 4]
    assert calls == ["a", "bb", "ccc", "dddd"]
    assert memo.cache_info().currsize <= 3 and memo(None) == 0 and None not in calls
    assert memo("a") == 1 and calls[-1] == "a"  # forgotten when the memo started afresh
    assert parse.normalize_text(None) == "" and parse.normalize_text(2.0) == "2" and parse.normalize_text(" ａ  b ") == "a b"
