"""benchmarks/stages.py reads a form through the reader's own steps (to time each): it must read what the
reader reads, or its stage table times something else."""

from __future__ import annotations

import sys
from pathlib import Path

from xltools.form.layout import META_SHEET, SHEET
from xltools.io.xlsxread import read_workbook

from .fuzzkit import SEEDS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import stages  # noqa: E402


def test_the_staged_reader_reads_what_the_reader_reads():
    assert len(SEEDS) >= 3
    for forget in (True, False):
        spent = dict.fromkeys(stages.READER, 0.0)
        for path in SEEDS:
            if forget:
                stages.forget()
            staged = stages.read_staged(path, spent)
            book = read_workbook(path, sheets=(SHEET, META_SHEET), shared=(META_SHEET,), cells_only=True)
            assert {n: (s.values, s.formulas, s.styles, s.protected) for n, s in staged.sheets.items()} == \
                   {n: (s.values, s.formulas, s.styles, s.protected) for n, s in book.sheets.items()}
            assert set(staged.sheets) == {SHEET, META_SHEET}
        assert set(spent) == set(stages.READER) and all(seconds >= 0 for seconds in spent.values())
        assert sum(spent.values()) > 0
