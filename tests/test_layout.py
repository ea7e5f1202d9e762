"""The layout map on its own: no overlaps, every field placed, and a fingerprint tied to the version."""

import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from xltools.core import Form
from xltools.core.model import FUND_ROWS, FundRow, Funds, Indicator, titles
from xltools.form.layout import SHEET, TEMPLATE_ID, Layout
from xltools.form.registry import (
    RELEASED,
    fingerprint,
    layout_for,
    register,
    unregister,
    versions,
)


def test_released_layouts_never_change():
    for (template_id, version), recorded in RELEASED.items():
        layout = layout_for(version, Layout.rows if version == "1.0" else 15, template_id)
        assert fingerprint(layout) == recorded, (
            f"The released layout {version} changed (labels, cells or formulas). A released layout never "
            "changes: make a new version (a Layout subclass registered in xltools/form/registry.py).")


def test_the_fingerprint_sees_a_change_to_a_released_layout(monkeypatch):
    layout = Layout()
    before = fingerprint(layout)
    labels = list(layout.labels)
    labels[3] = replace(labels[3], text=labels[3].text + "（改）")
    monkeypatch.setattr(Layout, "labels", property(lambda self: tuple(labels)))
    assert fingerprint(Layout()) != before


def test_a_new_version_does_not_disturb_the_released_ones():
    @register
    class Next(Layout):
        version = "9.9"
        first_row = 16
    try:
        assert versions()[-1] == "9.9"
        test_released_layouts_never_change()
        assert fingerprint(layout_for("9.9", 15)) != RELEASED[(TEMPLATE_ID, "1.0")]
    finally:
        unregister(Next)
    assert "9.9" not in versions()


def _cells(ref: str) -> set[str]:
    first, _, last = ref.partition(":")
    last = last or first
    (c1, r1), (c2, r2) = (re.match(r"([A-Z]+)(\d+)", x).groups() for x in (first, last))
    return {f"{chr(c)}{r}" for c in range(ord(c1), ord(c2) + 1) for r in range(int(r1), int(r2) + 1)}


def test_no_two_things_share_a_cell():
    for rows in (1, 15, 40):
        layout = Layout(rows)
        taken: dict[str, str] = {}
        places = [(s.path, s.merge or s.cell) for s in layout.all_spots()]
        places += [(f"label {label.text!r}", label.merge or label.cell) for label in layout.labels]
        for what, ref in places:
            for cell in _cells(ref):
                assert cell not in taken, f"{what} and {taken[cell]} both use {cell}"
                taken[cell] = what


def test_every_model_field_has_a_cell():
    layout = Layout()
    for name in titles(Form):
        if name == "funds":
            for key in FUND_ROWS:
                for part in ("initial_budget", "annual_budget", "executed"):
                    assert layout.cell_of(f"funds.{key}.{part}")
        elif name == "indicators":
            for part in titles(Indicator):
                assert layout.cell_of(f"indicators[14].{part}")
        else:
            assert layout.cell_of(name), name
    assert layout.cell_of("indicators[6].score") == f"{SHEET}!H21"
    assert layout.cell_of("indicators[15].score") is None


texts = st.one_of(st.none(), st.text(min_size=1, max_size=6).filter(str.strip), st.integers(0, 999))
indicators = st.builds(Indicator, **{part: texts for part in titles(Indicator)})


@given(st.lists(indicators.filter(lambda i: not i.is_empty()), max_size=15), texts, texts)
def test_cells_round_trip_through_the_layout(rows, name, executed):
    form = Form(project_name=name, funds=Funds(total=FundRow(executed=executed)), indicators=rows)
    layout = Layout()
    cells = layout.cells_from_form(form)
    back = layout.form_from_cells(cells.get)
    assert back.indicators == form.indicators
    assert back.project_name == form.project_name
    assert back.fund("total").executed == form.fund("total").executed


def test_template_1_1_places_every_check_in_its_own_cell():
    from xltools.core import Policy
    from xltools.form.checks import check_formulas, checks
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    from xltools.form.layout_v1_1 import LayoutV1_1

    for rows in (1, 15, 40):
        layout = LayoutV1_1(rows)
        taken: dict[str, str] = {}
        places = [(s.path, s.merge or s.cell) for s in layout.all_spots()]
        places += [(f"label {label.text!r}", label.merge or label.cell) for label in layout.labels]
        for what, ref in places:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            for cell in (f"{get_column_letter(c)}{r}" for c in range(min_col, max_col + 1)
                         for r in range(min_row, max_row + 1)):
                assert cell not in taken, f"{what} and {taken[cell]} both use {cell}"
                taken[cell] = what
        formulas = check_formulas(layout, Policy())
        for cell in formulas:  # a check formula never sits on a field or a label
            assert cell not in taken or taken[cell] in ("chk_status", "chk_errors", "chk_warnings"), (cell, taken.get(cell))
        flags = [c.flag for c in checks(layout, Policy())]
        assert len(flags) == len(set(flags))
        first, last = layout.hidden_columns
        width = lambda c: (len(c), c)  # noqa: E731  column order: by length, then alphabetically
        for cell in flags:
            column = cell.rstrip("0123456789")
            assert width(first) <= width(column) <= width(last), cell
        assert layout.print_area.endswith(f"{layout.check_column}{layout.signoff_row}")
