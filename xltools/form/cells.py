"""A1 references as numbers: the few helpers the add-in needs, without a spreadsheet library."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache

__all__ = ["column_index", "column_letter", "bounds", "Cell", "cells_of", "rectangles"]

@cache
def _ref() -> re.Pattern[str]:
    """A cell or range reference (compiled when first used: a check reads no reference text)."""
    return re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def column_index(letters: str) -> int:
    """``"A"`` → 1, ``"Z"`` → 26, ``"AA"`` → 27."""
    index = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        index = index * 26 + ord(char) - 64
    return index


def column_letter(index: int) -> str:
    """1 → ``"A"``, 27 → ``"AA"``."""
    if index < 1:
        raise ValueError(f"not a column number: {index}")
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def bounds(ref: str) -> tuple[int, int, int, int]:
    """``"B4:I4"`` → (min_col, min_row, max_col, max_row) = (2, 4, 9, 4); a single cell is its own box."""
    match = _ref().fullmatch(ref.strip())
    if match is None:
        raise ValueError(f"not a cell or range reference: {ref!r}")
    col1, row1 = column_index(match.group(1)), int(match.group(2))
    col2 = column_index(match.group(3)) if match.group(3) else col1
    row2 = int(match.group(4)) if match.group(4) else row1
    return min(col1, col2), min(row1, row2), max(col1, col2), max(row1, row2)


Cell = tuple[int, int]  # (row, column), 1-based


def cells_of(ref: str) -> Iterator[Cell]:
    min_col, min_row, max_col, max_row = bounds(ref)
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            yield row, col


def rectangles(cells: Iterable[Cell]) -> list[str]:
    """Cover ``cells`` with few rectangles: column runs per row, merged down rows."""
    cells = set(cells)
    runs: dict[int, list[tuple[int, int]]] = {}
    for row in sorted({r for r, _ in cells}):
        row_runs: list[tuple[int, int]] = []
        for col in sorted(c for r, c in cells if r == row):
            if row_runs and row_runs[-1][1] == col - 1:
                row_runs[-1] = (row_runs[-1][0], col)
            else:
                row_runs.append((col, col))
        runs[row] = row_runs
    out: list[str] = []
    open_blocks: dict[tuple[int, int], int] = {}  # column run → first row
    for row in sorted(runs):
        for run in runs[row]:
            open_blocks.setdefault(run, row)
        following = runs.get(row + 1, [])
        for run in list(open_blocks):
            if run in runs[row] and run not in following:
                top = open_blocks.pop(run)
                first, last = f"{column_letter(run[0])}{top}", f"{column_letter(run[1])}{row}"
                out.append(first if first == last else f"{first}:{last}")
    return out
