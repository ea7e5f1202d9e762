"""Shell helpers for what the commands print: tables on a terminal, strict-JSON numbers."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["display_width", "pad", "finite"]


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: a wide (Chinese) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """Left-align ``text`` to ``width`` terminal columns."""
    return text + " " * max(width - display_width(text), 0)


def finite(value: object) -> object:
    """``value`` (numbers, lists, dicts) with every non-finite float as ``None``: reports are strict JSON,
    and a sum that overflowed (weights of 1e308) is no number to show."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    return value
