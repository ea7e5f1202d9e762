"""Text measures: terminal columns (tables the commands print), wrapped lines in a spreadsheet column, and
strict-JSON numbers."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["display_width", "pad", "wrapped_lines", "finite"]


class _Wide(dict):
    """Character → 1 when it is wide (East Asian width W or F), else 0; filled as characters are met (a
    dictionary lookup per character instead of a call of ``unicodedata.east_asian_width``)."""

    def __missing__(self, char: str) -> int:
        wide = self[char] = 1 if unicodedata.east_asian_width(char) in "WF" else 0
        return wide


_WIDE = _Wide()


def _wide_chars(text: str) -> int:
    """How many wide (Chinese) characters ``text`` holds."""
    return 0 if text.isascii() else sum(map(_WIDE.__getitem__, text))


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: a wide (Chinese) character takes two."""
    return len(text) + _wide_chars(text)


def pad(text: str, width: int) -> str:
    """Left-align ``text`` to ``width`` terminal columns."""
    return text + " " * max(width - display_width(text), 0)


def wrapped_lines(text: str, width: float, *, wide: float = 2.0, narrow: float = 1.0, margin: float = 1.0) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` character units wide.

    A wide (Chinese) character counts ``wide`` units, any other ``narrow``; ``margin`` units of the
    width are lost to the cell's padding. Spreadsheets do not grow rows of merged or written-by-program
    cells by themselves, so the template filler and the summary writer estimate with this.
    """
    usable = max(width - margin, 1.0)
    if not (float(wide).is_integer() and float(narrow).is_integer()):  # summed unit by unit, as rounding has it
        return sum(max(1, math.ceil(sum(wide if _WIDE[ch] else narrow for ch in part) / usable))
                   for part in text.split("\n"))
    lines = 0
    for part in text.split("\n"):  # whole units: counting the wide characters gives the same sum exactly
        count = _wide_chars(part)
        lines += max(1, math.ceil((wide * count + narrow * (len(part) - count)) / usable))
    return lines


def finite(value: object, default: object = None) -> object:
    """``value`` (numbers, lists, dicts) with every non-finite float as ``default``: reports are strict
    JSON, and a sum that overflowed (weights of 1e308) is no number to show or cache."""
    if isinstance(value, float):
        return value if math.isfinite(value) else default
    if isinstance(value, (list, tuple)):
        return [finite(item, default) for item in value]
    if isinstance(value, dict):
        return {key: finite(item, default) for key, item in value.items()}
    return value
