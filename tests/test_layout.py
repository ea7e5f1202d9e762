"""The layout map on its own: no overlaps, every field placed, and a fingerprint tied to the version."""

import hashlib
import json
import re

from hypothesis import given
from hypothesis import strategies as st

from xltools.core import Form, Policy
from xltools.core.model import FUND_ROWS, Indicator
from xltools.layout import SHEET, TEMPLATE_VERSION, Layout

#: Fingerprint of what a filled workbook is checked against (labels, field cells, formulas), per
#: template version. Forms filled from an older template are flagged by the tamper check when this
#: changes, so a change must come with a new TEMPLATE_VERSION.
FINGERPRINTS = {"1.0": "e5532c9882d2af37ee63cf8a8a59204b6951244e195961a3d5a9e6ff624456f1"}


def fingerprint(layout: Layout) -> str:
    data = {
        "labels": [(label.cell, label.text, label.merge) for label in layout.labels],
        "spots": [(s.path, s.name, s.cell, s.kind, s.input_type, s.merge, s.required) for s in layout.all_spots()],
        "formulas": layout.formulas(Policy()),
        "meta": list(Layout.META_KEYS),
        "names": layout.defined_names,
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def test_version_is_bumped_when_the_layout_changes():
    assert FINGERPRINTS.get(TEMPLATE_VERSION) == fingerprint(Layout()), (
        "The layout (labels, cells or formulas) changed: bump TEMPLATE_VERSION in xltools/layout.py and "
        f"record {fingerprint(Layout())} for it here.")


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
    for name in Form.model_fields:
        if name == "funds":
            for key in FUND_ROWS:
                for part in ("initial_budget", "annual_budget", "executed"):
                    assert layout.cell_of(f"funds.{key}.{part}")
        elif name == "indicators":
            for part in Indicator.model_fields:
                assert layout.cell_of(f"indicators[14].{part}")
        else:
            assert layout.cell_of(name), name
    assert layout.cell_of("indicators[6].score") == f"{SHEET}!H21"
    assert layout.cell_of("indicators[15].score") is None


texts = st.one_of(st.none(), st.text(min_size=1, max_size=6).filter(str.strip), st.integers(0, 999))
indicators = st.builds(Indicator, **{part: texts for part in Indicator.model_fields})


@given(st.lists(indicators.filter(lambda i: not i.is_empty()), max_size=15), texts, texts)
def test_cells_round_trip_through_the_layout(rows, name, executed):
    form = Form(project_name=name, funds={"total": {"executed": executed}}, indicators=rows)
    layout = Layout()
    cells = layout.cells_from_form(form)
    back = layout.form_from_cells(cells.get)
    assert back.indicators == form.indicators
    assert back.project_name == form.project_name
    assert back.fund("total").executed == form.fund("total").executed
