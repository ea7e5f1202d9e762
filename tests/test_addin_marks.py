"""The 检查评分 button's marks end when the cell is mended (issue 29 §2), on a real 1.3 form.

The button runs through xlwings' own remote engine (``xw.Book(json=...)``, as in tests/test_addin.py);
its recorded writes are applied to the workbook file as Excel would apply them; then a clerk's edit is
made with openpyxl and LibreOffice recalculates. The conditional format that colours a marked cell is
read from the workbook (the template's own rule, not the code's text), and LibreOffice evaluates it for
each marked cell (the rule's formula moved to that cell, as Excel and LibreOffice move it): true before
the fix, false for the mended cell after it, still true for the others.

On Windows Excel the same writes go through COM (``Range.value`` of a block); the remote engines could not
add conditional formats (xlwings' remote actions have none), which is why the rule is the template's.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formula.translate import Translator

from xltools.core.validation import from_data

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402

from xltools.core import Form  # noqa: E402
from xltools.excel import addin  # noqa: E402
from xltools.form.layout import SHEET  # noqa: E402
from xltools.form.layout_v1_3 import LayoutV1_3  # noqa: E402
from xltools.form.registry import current_layout  # noqa: E402
from xltools.io import engine  # noqa: E402
from xltools.io.fill import fill_template  # noqa: E402
from xltools.io.xlsxread import read_workbook  # noqa: E402
from xltools.excel.template import template_bytes  # noqa: E402

from . import forms  # noqa: E402
from .lo import require_soffice  # noqa: E402
from .xlwings_payload import book_payload  # noqa: E402

TODAY = dt.date(2025, 3, 1)
#: Where the test puts the moved rule formulas (a free hidden column of the form sheet).
PROBE = "BY"


def _form() -> Form:
    """The issue's case: one score above its weight (H15: 25 of 20), a text amount, a blank project lead."""
    data = asdict(forms.clean_form())
    data["indicators"][0]["score"] = 25
    data["funds"]["carryover"]["executed"] = "15.5万"
    data["project_lead"] = None
    return from_data(Form, data)


def _apply(path: Path, actions: list[dict], out: Path) -> None:
    """Apply the button's value writes to the form sheet as Excel would (openpyxl, into a copy)."""
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    for action in actions:
        if action["func"] != "setValues":
            continue
        sheet = book[names[action["sheet_position"]]]
        for r, row in enumerate(action["values"]):
            for c, value in enumerate(row):
                sheet.cell(action["start_row"] + 1 + r, action["start_column"] + 1 + c, value)
    book.save(out)


def _rule(path: Path, layout: LayoutV1_3) -> dict[str, str]:
    """Mark → the formula of the template's conditional format over the marked block."""
    ws = openpyxl.load_workbook(path)[SHEET]
    out = {}
    for block in ws.conditional_formatting:
        if str(block.sqref) == layout.marked_block:
            for rule in block.rules:
                out["E" if '="E"' in rule.formula[0] else "W"] = rule.formula[0]
    return out


def _probe(path: Path, rule: str, cells: list[str], out: Path) -> None:
    """Write the rule's formula, moved from A1 to each cell, into the probe column (row i+1 for cell i)."""
    book = openpyxl.load_workbook(path)
    ws = book[SHEET]
    for i, cell in enumerate(cells, start=1):
        ws[f"{PROBE}{i}"] = Translator("=" + rule, origin="A1").translate_formula(cell)
    book.save(out)


def test_a_mended_cell_is_no_longer_marked(tmp_path: Path) -> None:
    require_soffice()
    layout = current_layout()
    assert isinstance(layout, LayoutV1_3)
    form = fill_template(_form(), tmp_path / "form.xlsx", template_bytes(year=2024))
    (recalc,) = engine.recalculate([form], tmp_path / "recalc")
    rules = _rule(recalc, layout)
    assert set(rules) == {"E", "W"} or set(rules) == {"E"}, rules

    book = xw.Book(json=book_payload(recalc, name="form.xlsx"))
    report = addin.check_scores(book, today=TODAY, alert=False)
    actions = book.json()["actions"]
    score, lead, carry = "H15", "C6", layout.spot("funds.carryover.executed").cell
    boxes = {ref.split(":")[0]: fill for ref, fill in report.coloured.items()}
    assert {score, lead, carry} <= set(boxes), boxes
    checked = tmp_path / "checked.xlsx"
    _apply(recalc, actions, checked)

    # The clerk mends H15 (25 → 20) and nothing else; a second copy is left as checked.
    mended = tmp_path / "mended.xlsx"
    wb = openpyxl.load_workbook(checked)
    wb[SHEET][score] = 20
    wb.save(mended)
    targets = [score, lead, carry]
    probes = []
    for name, source in (("before", checked), ("after", mended)):
        probe = tmp_path / f"{name}_probe.xlsx"
        _probe(source, rules["E"], targets, probe)
        probes.append(probe)
    before, after = engine.recalculate(probes, tmp_path / "probed")
    seen = {}
    for name, path in (("before", before), ("after", after)):
        sheet = read_workbook(path).sheet(SHEET)
        seen[name] = [sheet.value(f"{PROBE}{i}") for i in range(1, len(targets) + 1)]
    assert seen["before"] == [True, True, True], seen
    assert seen["after"] == [False, True, True], seen  # only the mended score lost its mark
    # and a warning mark is not an error mark: the warning rule does not fire for these error cells
    warning = tmp_path / "warning_probe.xlsx"
    _probe(checked, rules.get("W", rules["E"].replace('="E"', '="W"')), targets, warning)
    (warned,) = engine.recalculate([warning], tmp_path / "warned")
    sheet = read_workbook(warned).sheet(SHEET)
    assert [sheet.value(f"{PROBE}{i}") for i in range(1, 4)] == [False, False, False]


def test_old_versions_are_still_painted(tmp_path: Path) -> None:
    """A 1.2 form has no record: its marks are painted, and restored on the next click (as before)."""
    require_soffice()
    form = fill_template(_form(), tmp_path / "old.xlsx", template_bytes(year=2024, version="1.2"))
    (recalc,) = engine.recalculate([form], tmp_path / "recalc")
    book = xw.Book(json=book_payload(recalc, name="old.xlsx"))
    report = addin.check_scores(book, today=TODAY, alert=False)
    actions = book.json()["actions"]
    assert report.value_writes == 2
    colours = [a for a in actions if a["func"] == "setRangeColor"]
    assert any(a["args"] == ["#FFC7CE"] for a in colours)
