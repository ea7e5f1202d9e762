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


def test_the_main_process_stages_write_the_summary_combine_writes(tmp_path: Path):
    """The stage table's ``store`` and ``summary`` time what ``xltools combine`` does (stored 64 at a time, the review
    sheets, the four long sheets rendered from the store and spliced in): the workbook they write is combine's own."""
    import datetime as dt
    import shutil
    import zipfile

    from xltools.district.combine import combine
    from xltools.district.discover import discover
    from xltools.district.process import process_file

    forms = tmp_path / "forms"
    forms.mkdir()
    for k in range(70):  # more than one batch of 64
        shutil.copy(SEEDS[k % len(SEEDS)], forms / f"{k:03d}.xlsx")
    combined = tmp_path / "out" / "combined.xlsx"
    combined.parent.mkdir()
    combine([forms], combined, jobs=1, store=tmp_path / "store.sqlite")
    today = dt.date.today()
    found = list(discover([forms], combined))
    results = [process_file((item.path, item.shown), today=today) for item in found]
    staged = tmp_path / "out" / "staged.xlsx"
    split: dict[str, float] = {}
    store, summary = stages.clock_main(results, today, split, keep=staged, sources=[item.path for item in found])
    assert store > 0 and summary > split["render"] > 0

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as book:
            return {name: book.read(name) for name in book.namelist() if not name.startswith("docProps/")}

    made, expected = parts(staged), parts(combined)
    assert set(made) == set(expected)
    token = "xl/worksheets/sheet9.xml"  # 说明's 校验码: the round's random token
    assert "校验码".encode() in made[token]
    assert [name for name in made if made[name] != expected[name]] == [token]
