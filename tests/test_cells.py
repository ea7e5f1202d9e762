"""xltools.form.cells against openpyxl's own conversions (an independent implementation)."""

from __future__ import annotations

import pytest
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from xltools.form.cells import bounds, column_index, column_letter


@pytest.mark.parametrize("index", [1, 2, 25, 26, 27, 52, 53, 702, 703, 16384])
def test_columns_round_trip(index: int) -> None:
    assert column_letter(index) == get_column_letter(index)
    assert column_index(get_column_letter(index)) == column_index_from_string(get_column_letter(index)) == index


@pytest.mark.parametrize("ref", ["A1", "J4", "B4:I4", "$C$8:$H$30", "AA10:AB12", "XFD1048576", "I4:B4"])
def test_bounds_like_openpyxl(ref: str) -> None:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    assert bounds(ref) == (min(min_col, max_col), min_row, max(min_col, max_col), max_row)


@pytest.mark.parametrize("bad", ["", "4A", "A", "自评表!A1", "A1:B"])
def test_bounds_rejects_what_is_not_a_reference(bad: str) -> None:
    with pytest.raises(ValueError):
        bounds(bad)


def test_hand_worked_values() -> None:
    assert column_letter(28) == "AB" and column_index("AZ") == 52  # 26 + 26
    assert bounds("B4:I4") == (2, 4, 9, 4)
