"""Issue 31: the text measures count wide characters from a table instead of calling unicodedata per
character; they must give exactly what the per-character definition gives."""

from __future__ import annotations

import math
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core.text import display_width, wrapped_lines

# ASCII, CJK, full-width forms, emoji, combining marks, line breaks and the private use area
_CHARS = st.one_of(st.characters(), st.sampled_from("汉字，。：、（）ＡＢ１２３\n \t👍é\u0301\ue000ｱ"))
_TEXTS = st.text(_CHARS, max_size=80)


def _units(text: str, wide: float, narrow: float) -> float:
    return sum(wide if unicodedata.east_asian_width(ch) in "WF" else narrow for ch in text)


def _reference(text: str, width: float, wide: float = 2.0, narrow: float = 1.0, margin: float = 1.0) -> int:
    usable = max(width - margin, 1.0)
    return sum(max(1, math.ceil(_units(part, wide, narrow) / usable)) for part in text.split("\n"))


@settings(max_examples=400, derandomize=True)
@given(_TEXTS, st.sampled_from([1, 2, 5.5, 8, 11, 26, 30, 36, 54.0]))
def test_wrapped_lines_are_those_of_the_per_character_definition(text: str, width: float) -> None:
    assert wrapped_lines(text, width) == _reference(text, width)
    # the template filler's fractional units (io/fill.py) take the unit-by-unit sum
    assert wrapped_lines(text, width, wide=1.8, narrow=0.95, margin=2.0) == _reference(text, width, 1.8, 0.95, 2.0)


@settings(max_examples=200, derandomize=True)
@given(_TEXTS)
def test_display_width_counts_a_wide_character_twice(text: str) -> None:
    assert display_width(text) == sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_known_widths() -> None:
    assert display_width("项目ab") == 6
    assert wrapped_lines("一二三四五六七八九十", 11) == 2  # 20 units in 10 usable
    assert wrapped_lines("abcdefghij", 11) == 1
    assert wrapped_lines("a\n\nb", 30) == 3
