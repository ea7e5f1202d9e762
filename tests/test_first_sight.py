"""Issue 31 (judging5): the work a text or number seen for the first time costs, cut without changing an answer.

Each shortcut is compared with the reference it stands for, on generated values: rounding with the ``.15g``
text's places against Decimal quantizing, the amount-precision test from a float's ``repr`` against Decimal's
exponent, and the garbled-number test (one split of the text, a letter required) against its former form."""

from __future__ import annotations

import math
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core.parse import is_garbled_number, looks_like_operator, operator_unknown, split_operator
from xltools.core.rules import _amount_precision_exceeded
from xltools.core.scoring import round_down, round_half_up

from .test_parse_properties import PIECES

_WIDE = Context(prec=800)


def _decimal_round(value: float, decimals: int, mode: str) -> float:
    """Excel's ROUND/ROUNDDOWN as the reference computes it: the value's 15 significant digits, quantized."""
    if not math.isfinite(value):
        return value
    return float(Decimal(f"{value:.15g}").quantize(Decimal(1).scaleb(-decimals), rounding=mode, context=_WIDE)) + 0.0


SCORES = (st.floats(allow_nan=False, allow_infinity=True)
          | st.builds(lambda n, d: n / 10 ** d, st.integers(-10 ** 9, 10 ** 9), st.integers(0, 8))
          | st.sampled_from([68.16499999999999, 2.675, 1.005, -2.5, 0.5, -0.0, 0.1 + 0.2, 99.995, 1e16, 1e-7, 5e-05]))


@settings(max_examples=3000)
@given(value=SCORES, decimals=st.integers(0, 6))
def test_rounding_equals_decimal_quantizing(value, decimals):
    for rounded, mode in ((round_half_up.__wrapped__(value, decimals), ROUND_HALF_UP),
                          (round_down.__wrapped__(value, decimals), ROUND_DOWN)):
        expected = _decimal_round(value, decimals, mode)
        assert rounded == expected or (math.isnan(rounded) and math.isnan(expected))
        assert math.copysign(1.0, rounded) == math.copysign(1.0, expected)  # never a -0.0 where Decimal gives 0.0


def test_rounding_by_hand():
    assert round_half_up(68.16499999999999, 2) == 68.17  # 15 digits: 68.165, half up
    assert round_half_up(2.675, 2) == 2.68 and round_down(9.91, 0) == 9.0
    assert round_half_up(12.5, 2) == 12.5 and round_half_up(-0.0, 2) == 0.0 and math.copysign(1, round_half_up(-0.0, 2)) == 1


@settings(max_examples=3000)
@given(value=SCORES | st.integers(-10 ** 20, 10 ** 20))
def test_amount_precision_equals_decimal_exponent(value):
    if isinstance(value, float) and not math.isfinite(value):
        return
    exponent = Decimal(repr(value)).as_tuple().exponent
    assert _amount_precision_exceeded.__wrapped__(value) is (isinstance(exponent, int) and exponent < -4)


def test_amount_precision_by_hand():
    assert _amount_precision_exceeded(1.23456) and _amount_precision_exceeded(5e-05)  # 5 places; 5 places written 5e-05
    assert not _amount_precision_exceeded(1.2345) and not _amount_precision_exceeded(1e16) and not _amount_precision_exceeded(120)


_SHAPE = re.compile(r"^([0-9A-Za-z.,%|]+)([^\x00-\x7f\d]{0,6})$")
_INNER = re.compile(r"^[A-UW-Za-uw-z|]\.?\d|\d[OoIl|SZB]+\d|\d[.,]?[OoIl|SZB]%?$")
_CODE = re.compile(r"^[A-Za-z]{2,}")
_POINT = re.compile(r"\d[.,][A-Za-z]|[A-Za-z][.,]\d")


def _garbled_before(value: object) -> bool:
    """The garbled-number test as it was written before (operator_unknown asked first, no letter test)."""
    if not isinstance(value, str):
        return False
    if operator_unknown(value):
        return True
    text = split_operator(value)[1]
    if not text or len(text) > 24:
        return False
    match = _SHAPE.match(text)
    if not match or not any(ch.isdigit() for ch in match.group(1)):
        return False
    core = match.group(1)
    if _CODE.match(core):
        return False
    return bool(_INNER.search(core)) or bool(_POINT.search(core))


TEXTS = st.lists(st.sampled_from(PIECES + ["I", "S", "Z", "B", "o", "|", "M.8", "V2", "ISO", "km", "l00%", "23O人"]),
                 max_size=8).map("".join) | st.text(max_size=30)


@settings(max_examples=3000)
@given(value=TEXTS | st.none() | st.floats())
def test_garbled_equals_its_former_form(value):
    assert is_garbled_number.function(value) is _garbled_before(value)


def test_garbled_by_hand():
    for text in ("23O人", "l00%", "M.8万元", "1O0", "2O21年", "≈95%", "╤90%"):
        assert is_garbled_number.function(text), text
    for text in ("100km", "5t", "ISO9001", "V2", "≥95%", "762人", "优", "95%以上"):
        assert not is_garbled_number.function(text), text


def test_no_letter_or_digit_looks_like_an_operator():
    """``_unknown_sign`` skips ``looks_like_operator`` for a first character that is a letter or digit."""
    assert not [hex(code) for code in range(0x110000) if chr(code).isalnum() and looks_like_operator(chr(code))]


_SPACE_RUNS = re.compile(r"\s+")
#: Every character ``\s`` or ``str.split`` treats as a blank, and some that neither does.
_BLANKS = [chr(code) for code in range(0x3100) if chr(code).isspace() or _SPACE_RUNS.fullmatch(chr(code))]


@settings(max_examples=3000)
@given(value=st.lists(st.sampled_from(_BLANKS + ["a", "指标", "１０", "\u200b", "\ufeff", "x"]), max_size=10).map("".join)
       | st.text(max_size=20))
def test_normalize_joins_blanks_as_the_pattern_did(value):
    import unicodedata

    from xltools.core.parse import _normalize

    assert _normalize(value) == _SPACE_RUNS.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def test_normalize_by_hand():
    from xltools.core.parse import _normalize

    assert _normalize("  ≥ 95\u3000%\n\t以上 ") == "≥ 95 % 以上" and _normalize(12.0) == "12" and _normalize(None) == ""
    assert len(_BLANKS) > 20  # the blanks above are found (\u3000, \xa0, \u2028 …)


TIME_TEXTS = st.lists(st.sampled_from(PIECES + ["月", "季度", "年", "底", "末", "内", "前", "日", "第三", "上半年", "2021",
                                                "次年", "-", ".", "/", "10", "30", "已于", "完成", "份", "下旬"]),
                      max_size=7).map("".join) | st.text(max_size=12)


@settings(max_examples=3000)
@given(text=TIME_TEXTS)
def test_a_text_without_a_time_mark_is_no_time(text):
    from xltools.core.timepoint import _parse_short, _parse_text

    expected = None if not text or len(text) > 30 else _parse_short.__wrapped__(text)
    assert _parse_text(text) == expected


def test_times_by_hand():
    from xltools.core.timepoint import parse_time

    for text in ("12月底前", "2021-10-15", "2021.10.15", "第三季度", "年底前", "2022年4月完成", "上半年", "2021年度"):
        assert parse_time(text) is not None, text
    for text in ("95%", "≥90%", "100", "优", "12个"):
        assert parse_time(text) is None, text


def test_full_marks_keeps_cell_types_apart():
    """The full-marks test is remembered per pair of cells as typed: ``True`` (not a number) never answers for ``1``."""
    from xltools.district.review import _full_marks

    _full_marks.cache_clear()
    assert _full_marks(1, 1) and _full_marks(1.0, 1) and _full_marks("10", 10.0)  # a number typed as text counts
    assert not _full_marks(True, 1) and not _full_marks(1, True) and _full_marks(1, 1)
    assert not _full_marks(0, 0) and not _full_marks(-0.0, 0.0) and not _full_marks(9.5, 10)
    assert not _full_marks(float("nan"), float("nan")) and not _full_marks(None, 10) and not _full_marks("无", 10)


def test_a_finding_is_still_a_frozen_dataclass():
    """Finding's own __init__ (fields written once, not through object.__setattr__) keeps everything the dataclass gave."""
    import dataclasses
    import pickle

    import pytest

    from xltools.core.drift import DriftFinding
    from xltools.core.findings import Finding

    made = Finding("required-missing", "error", "year", "「年度」未填写。请填写该项")
    named = Finding(code="required-missing", severity="error", field="year", message="「年度」未填写。请填写该项", cell=None)
    assert made == named and hash(made) == hash(named) and made.cell is None
    placed = made.at_cell("C4")
    assert placed.cell == "C4" and placed != made and dataclasses.replace(made, cell="C4") == placed
    assert pickle.loads(pickle.dumps(placed)) == placed and dataclasses.asdict(placed)["cell"] == "C4"
    assert [f.name for f in dataclasses.fields(Finding)] == ["code", "severity", "field", "message", "cell"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.code = "other"  # type: ignore[misc]
    drift = DriftFinding("target-lowered", "warning", "indicators[0].target", "m", None, "指标", "95%", "90%")
    assert drift.at_cell("E12").cell == "E12" and drift.at_cell("E12").approved == "95%"


def test_field_labels_by_hand():
    from xltools.core.fields import field_label

    assert field_label("indicators[2].score") == "第3条绩效指标·得分" and field_label("indicators[2].score") == "第3条绩效指标·得分"
    assert field_label("funds.fiscal.executed") == "当年财政拨款·全年执行数" and field_label("year") == "年度"


def test_numbers_and_quantities_are_still_frozen_dataclasses():
    import dataclasses
    import pickle

    import pytest

    from xltools.core.parse import Number, parse_number
    from xltools.core.quantity import Quantity, parse_quantity

    assert parse_number("6.6296万") == Number("text", 6.6296, "6.6296万") == Number(kind="text", value=6.6296, raw="6.6296万")
    assert Number("empty") == Number("empty", None, None) and hash(Number("empty")) == hash(Number("empty", None, None))
    assert parse_quantity("≥95%") == Quantity(">=", 95.0, "%") == Quantity(comparator=">=", value=95.0, unit="%")
    assert parse_quantity("≤10天").direction == "reverse" and dataclasses.replace(Quantity(None, 1.0, ""), unit="个").unit == "个"
    assert pickle.loads(pickle.dumps(Quantity("=", 3.0, "次"))) == Quantity("=", 3.0, "次")
    for frozen, name in ((Number("number", 1.0, 1.0), "value"), (Quantity(None, 1.0, ""), "value")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(frozen, name, 2.0)


def test_every_rule_says_what_its_template_and_fix_say():
    """A finding's message is filled in one pass: for every rule, what formatting the template and the fix apart and
    joining them with 。 gives (labels defaulting to the field, defaults filled in)."""
    import string

    import xltools.core.drift  # noqa: F401 - every module that defines rules
    import xltools.core.tamper_rules  # noqa: F401
    from xltools.core.findings import RULES

    assert len(RULES) > 50
    for rule in RULES.values():
        names = {name for text in (rule.template, rule.fix) for _, name, _, _ in string.Formatter().parse(text) if name}
        params = {name: f"〈{name}·{index}〉" for index, name in enumerate(sorted(names)) if name != "label"}
        expected = {**rule.defaults, **params, "label": "the.field"}
        found = rule.at("the.field", **params)
        assert found.message == rule.template.format(**expected) + "。" + rule.fix.format(**expected), rule.code
        assert (found.code, found.severity, found.field, found.cell) == (rule.code, rule.severity, "the.field", None)
