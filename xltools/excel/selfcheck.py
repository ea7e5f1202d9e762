"""Shell: write template 1.1's in-sheet checks (formulas, hidden flag columns, conditional formats).

The formula texts come from :mod:`xltools.form.checks`; this module only places them with
XlsxWriter: the 检查 column, the status line (``Chk_Status``), the hidden flags and helpers, and
the conditional formats that turn problem cells light red (error) or amber (warning).
"""

from __future__ import annotations

from typing import Any

from xltools.core import Policy
from xltools.form.annotation import (  # the colours the full check paints too
    ERROR_FILL,
    WARNING_FILL,
)
from xltools.form.checks import (
    STATUS_BLANK,
    STATUS_OK,
    conditional_formats,
    split_formulas,
)
from xltools.form.layout_v1_1 import NOT_A_NUMBER, LayoutV1_1
from xltools.form.layout_v1_3 import MARKS, LayoutV1_3

__all__ = ["ERROR_FILL", "WARNING_FILL", "OK_FILL", "write_checks", "write_check_sheet"]

ERROR_FONT = "#9C0006"
WARNING_FONT = "#8A4B00"
OK_FILL = "#C6EFCE"        # light green: no problem found
OK_FONT = "#006100"


def write_checks(book: Any, ws: Any, layout: LayoutV1_1, policy: Policy, font: str) -> None:
    """Write every in-sheet check of ``layout`` onto the form sheet ``ws``."""
    base = {"font_name": font, "font_charset": 134, "valign": "vcenter"}
    check = book.add_format({**base, "font_size": 8, "text_wrap": True, "border": 1, "font_color": ERROR_FONT,
                             "align": "left"})
    status = book.add_format({**base, "font_size": 11, "bold": True, "align": "left", "bottom": 1})
    hidden = book.add_format({**base, "font_size": 8})
    error = book.add_format({"bg_color": ERROR_FILL, "font_color": ERROR_FONT})
    warning = book.add_format({"bg_color": WARNING_FILL, "font_color": WARNING_FONT})
    ok = book.add_format({"bg_color": OK_FILL, "font_color": OK_FONT})

    first_hidden, last_hidden = layout.hidden_columns
    ws.set_column(f"{first_hidden}:{last_hidden}", 6, None, {"hidden": True})
    status_cell = layout.spot("chk_status").cell
    check_cells = {layout.check_cell(row) for row in layout.check_rows}
    on_form, _ = split_formulas(layout, policy)
    for cell, formula in on_form.items():
        if cell == status_cell:
            ws.merge_range(layout.status_merge, "", status)
            ws.write_formula(cell, formula, status, "")
        elif cell in check_cells:
            ws.write_formula(cell, formula, check, "")
        else:
            ws.write_formula(cell, formula, hidden, 0)
    for row in range(1, layout.signoff_row + 1):  # 检查 cells without a check keep the column's box
        cell = layout.check_cell(row)
        if cell not in check_cells and row >= layout.fund_first_row and row not in (7, 14):
            ws.write_blank(cell, None, check)

    for ref, (error_if, warning_if) in conditional_formats(layout, policy).items():
        if error_if:
            ws.conditional_format(ref, {"type": "formula", "criteria": f"={error_if}", "format": error,
                                        "stop_if_true": True})
        if warning_if:
            ws.conditional_format(ref, {"type": "formula", "criteria": f"={warning_if}", "format": warning})
    for path in ("execution_rate", "budget_score", "weight_sum", "total_score"):
        cell = layout.spot(path).cell
        ws.conditional_format(cell, {"type": "formula", "criteria": f'={cell}="{NOT_A_NUMBER}"', "format": error})
    if isinstance(layout, LayoutV1_3):  # a score behind 总分 is wrong: the total and the grade are marked
        total, grade = layout.spot("total_score").cell, layout.spot("grade").cell
        ws.conditional_format(f"{total}:{grade}", {"type": "formula", "format": error,
                                                   "criteria": f"={layout.check_sheet}!{layout.total_marked}=1"})
        for severity, fill in (("error", error), ("warning", warning)):  # the button's marks (xltools.form.marks)
            ws.conditional_format(layout.marked_block, {"type": "formula", "format": fill,
                                                        "criteria": f"={layout.mark_condition(MARKS[severity])}"})
    errors, warnings = layout.count_cells["errors"], layout.count_cells["warnings"]
    ws.conditional_format(layout.status_merge, {"type": "formula", "criteria": f'={status_cell}="{STATUS_BLANK}"',
                                                "format": status, "stop_if_true": True})  # a blank form: no alarm
    ws.conditional_format(layout.status_merge, {"type": "formula", "criteria": f"={errors}>0", "format": error,
                                                "stop_if_true": True})
    ws.conditional_format(layout.status_merge, {"type": "formula", "criteria": f"={warnings}>0",
                                                "format": warning, "stop_if_true": True})
    ws.conditional_format(layout.status_merge, {"type": "formula", "criteria": f'={status_cell}="{STATUS_OK}"',
                                                "format": ok})


def write_check_sheet(book: Any, layout: LayoutV1_1, policy: Policy, password: str, font: str) -> None:
    """The hidden, protected sheet of flags and helpers (added after the other sheets)."""
    ws = book.add_worksheet(layout.check_sheet)
    plain = book.add_format({"font_name": font, "font_charset": 134, "font_size": 9})
    _, on_checks = split_formulas(layout, policy)
    for cell, formula in on_checks.items():
        ws.write_formula(cell, formula, plain, 0)
    ws.hide()
    ws.protect(password)
