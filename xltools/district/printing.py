"""Print layout of the summary's sheets on A4 landscape: header labels that wrap at sensible points,
and wide sheets printed in readable page columns instead of shrunk to one page width.

A sheet whose columns fit the page at ≥ :data:`MIN_SCALE` % is fitted to one page width. A wider
sheet is cut into groups of columns, one page column each (a vertical page break before each
group), with its key columns (序号, 实施单位, 项目名称 …) repeated on every page, at the one print
scale that fits the widest group — so no sheet prints below :data:`MIN_SCALE` % (10 pt text at
8 pt or more, where shrinking a 300-character-wide sheet to one page gave 5 pt).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xltools.core.text import display_width, wrapped_lines

__all__ = ["USABLE_POINTS", "MIN_SCALE", "column_points", "header_label", "header_lines", "page_groups",
           "print_scale"]

#: Printable width of A4 landscape (11.69 in) less the summary's 0.4 in left and right margins, in points.
USABLE_POINTS = (11.69 - 2 * 0.4) * 72
#: The smallest print scale (percent) a sheet is printed at.
MIN_SCALE = 80
_WORD_END = re.compile(r"(?<=.)(得分|总分|合计|负责人|分值)$")


def column_points(width: float) -> float:
    """Printed width of a column ``width`` characters wide (XlsxWriter: 7 px a character + 5 px padding)."""
    return (int(width * 7 + 0.5) + 5) * 0.75


def header_label(text: str, width: float) -> str:
    """The label with line breaks where it may break: before a bracket such as （万元）, after a “·”, before
    a closing word such as 得分 or 负责人 — so a column too narrow for the label never splits 万元 or a word."""
    if display_width(text) <= width - 1:
        return text
    lines = text.replace("（", "\n（").replace("·", "·\n").lstrip("\n").split("\n")
    return "\n".join(_WORD_END.sub(r"\n\1", line) if display_width(line) > width - 1 else line for line in lines)


def header_lines(text: str, width: float) -> int:
    """Lines a header label takes in a column ``width`` characters wide."""
    return wrapped_lines(text, width)


def page_groups(widths: Sequence[float], keep: int) -> list[int]:
    """First column of every page column after the first, for a sheet whose first ``keep`` columns
    are repeated on every page; empty when the sheet fits one page width at :data:`MIN_SCALE` %."""
    points = [column_points(w) for w in widths]
    capacity = USABLE_POINTS * 100 / MIN_SCALE
    if sum(points) <= capacity:
        return []
    key = sum(points[:keep])
    starts, used = [], sum(points[:keep])
    for col in range(keep, len(points)):
        if used + points[col] > capacity and used > key:
            starts.append(col)
            used = key
        used += points[col]
    return starts


def print_scale(widths: Sequence[float], keep: int, starts: Sequence[int]) -> int:
    """The print scale (percent) at which the widest page column fits the page width."""
    points = [column_points(w) for w in widths]
    key = sum(points[:keep])
    bounds = [keep, *starts, len(points)] if starts else [0, len(points)]
    widest = max((key if starts else 0) + sum(points[a:b]) for a, b in zip(bounds, bounds[1:]))
    return max(10, min(100, int(USABLE_POINTS * 100 / widest)))
