"""Quantities: the targets and actual values of indicators (``≥95%`` → (">=", 95.0, "%")).

Apart from :mod:`xltools.core.parse` because a quantity is first told apart from a time
(:mod:`xltools.core.timepoint`, which itself reads numbers with :mod:`xltools.core.parse`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from .parse import (
    Comparator,
    chinese_numeral,
    is_garbled_number,
    is_placeholder,
    memoise_text,
    normalize_text,
    split_operator,
)
from .timepoint import looks_like_time

__all__ = ["Comparator", "Quantity", "parse_quantity", "zero_quantity"]


@dataclass(frozen=True, init=False)
class Quantity:
    """A quantitative target or actual value: ``≥95%`` → (">=", 95.0, "%")."""

    comparator: Comparator | None
    value: float
    unit: str

    def __init__(self, comparator: Comparator | None, value: float, unit: str) -> None:
        values = self.__dict__  # frozen: written once (see parse.Number), one made per text seen for the first time
        values["comparator"], values["value"], values["unit"] = comparator, value, unit

    @property
    def direction(self) -> Literal["positive", "reverse", "equal"]:
        if self.comparator in ("<=", "<"):
            return "reverse"
        if self.comparator == "=":
            return "equal"
        return "positive"


_CN_RE = re.compile(r"^([零〇一二两三四五六七八九十百千万]+)(.*)$")
_QTY_RE = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)(.*)$")
_UNIT_RE = re.compile(r"^[^\d\s,.;:!?，。；：！？、()（）\[\]]{0,4}$")
_UNIT_ALIASES = {"万": "万元", "个百分点": "%", "百分比": "%", "小时": "h", "h": "h", "人次": "人次"}


def _normalize_unit(unit: str) -> str:
    unit = unit.strip()
    return _UNIT_ALIASES.get(unit, unit)


def parse_quantity(value: object) -> Quantity | None:
    """Parse a target or actual value that states one quantity, else ``None``.

    Results are memoised per value (the scoring rules ask about the same cell
    several times, and a district's forms repeat their targets).

    ``"≥95%"``, ``"≤10天"``, ``"762人"``, ``"两次"``, ``"100%"``, ``"6.6296万"``
    and plain numbers are quantities; a sentence (even one containing a number)
    is not: it is a qualitative statement.
    """
    if type(value) is str:  # nearly every call: the memo of the text
        return _parse_quantity_text(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return Quantity(None, number, "") if number != 0 and math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    return _parse_quantity_text(value)


@memoise_text
def _parse_quantity_text(value: str) -> Quantity | None:
    if is_placeholder(value):
        return None
    text = normalize_text(value).replace(" ", "")
    if not text or len(text) > 24 or is_garbled_number(text):
        return None
    if looks_like_time(text):  # a month or date is a time, not a quantity ("12月前")
        return None
    comparator, text = split_operator(text)  # every spelling of an operator (parse.OPERATOR_PREFIXES)
    match = _QTY_RE.match(text)
    if match:
        number = float(match.group(1).replace(",", ""))
        unit = match.group(2)
    else:
        match = _CN_RE.match(text)
        if not match:
            return None
        cn = chinese_numeral(match.group(1))
        if cn is None:
            return None
        number, unit = float(cn), match.group(2)
    if not _UNIT_RE.match(unit) or not math.isfinite(number):
        return None
    return Quantity(comparator, number, _normalize_unit(unit))


_ZERO_RE = re.compile(r"^(?:[+-]?0+(?:\.0+)?|零)(.*)$")


@memoise_text
def zero_quantity(value: object) -> Quantity | None:
    """A real zero as a quantity: ``0``, ``"0"``, ``"0起"``, ``"≤0次"``, ``"0%"``, ``"零起"``; else ``None``.

    :func:`parse_quantity` reads none of these (a bare ``0`` is what people type for "nothing" too):
    whether a zero is a value or a placeholder depends on the row (:mod:`xltools.core.reading`).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Quantity(None, 0.0, "") if value == 0 else None
    if not isinstance(value, str):
        return None
    comparator, text = split_operator(value)
    match = _ZERO_RE.match(text)
    if not match or not _UNIT_RE.match(match.group(1)):
        return None
    return Quantity(comparator, 0.0, _normalize_unit(match.group(1)))
