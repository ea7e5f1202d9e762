"""Text measures: terminal columns (tables the commands print) and wrapped lines in a spreadsheet column."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["display_width", "pad", "wrapped_lines"]


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: a wide (Chinese) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
    return sum(max(1, math.ceil(sum(wide if unicodedata.east_asian_width(ch) in "WF" else narrow
                                      for ch in part) / usable))
               for part in text.split("\n"))
