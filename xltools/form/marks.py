"""The 检查评分 button's marks that end when the cell is mended (template 1.3 and later).

Up to template 1.2 the button paints fixed fills: a clerk who mends a red cell keeps a red cell until the
next click. A 1.3 form carries a conditional format over its columns A–K that colours a cell while the
button's record (hidden columns of the form sheet, :attr:`LayoutV1_3.record_block`) holds a mark for it
and the cell still holds the value the check saw. So the button writes *values* only — the record, in one
write — and the colours follow the cells: this works the same on Windows Excel (COM) and on xlwings'
remote engines, which can write values but cannot add conditional formats.

Pure: the values to write, from the layout and the plan (:mod:`xltools.form.annotation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from xltools.form.annotation import ERROR_FILL
from xltools.form.cells import bounds, cells_of, column_letter
from xltools.form.layout import Layout
from xltools.form.layout_v1_3 import MARKS, TEXT_PREFIX, LayoutV1_3

__all__ = ["records_marks", "record", "checked_value"]


def records_marks(layout: Layout) -> bool:
    """True when the button marks ``layout``'s forms through the record (1.3 and later), not by painting."""
    return isinstance(layout, LayoutV1_3)


def checked_value(value: object) -> object:
    """What the record keeps of a cell's value: a number or a date as it is, anything else as ``t`` + its
    text (a blank as ``t``), so that no text written back is taken for a formula or a number."""
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return value
    return TEXT_PREFIX + ("" if value is None else str(value))


def record(layout: LayoutV1_3, fills: Mapping[str, str], current: Callable[[str], object]
           ) -> tuple[str, list[list[object]], dict[str, str]]:
    """The record of one check: (its block, the block's rows, the fills it cannot record).

    ``fills`` is the plan's form range → fill; a range inside the form's columns A–K is recorded at its
    first cell (a merged box shows its first cell's colour); any other is returned to be painted."""
    col0, row0, col1, row1 = bounds(layout.record_block)
    rows: list[list[object]] = [[None] * (col1 - col0 + 1) for _ in range(row1 - row0 + 1)]
    _, _, last_col, last_row = bounds(layout.marked_block)
    left: dict[str, str] = {}
    for ref, fill in fills.items():
        (row, col), *_ = cells_of(ref)
        if col > last_col or row > last_row:
            left[ref] = fill
            continue
        cell = f"{column_letter(col)}{row}"
        for target, value in ((layout.checked_cell(cell), checked_value(current(cell))),
                              (layout.mark_cell(cell), MARKS["error" if fill == ERROR_FILL else "warning"])):
            (r, c), = cells_of(target)
            rows[r - row0][c - col0] = value
    return layout.record_block, rows, left
