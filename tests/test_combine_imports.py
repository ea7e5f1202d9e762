"""Issue 31: ``xltools combine`` starts without what it does not use (openpyxl and lxml come with --returns or
--expect only; the start-up is paid by every district run, and the workers are forked from it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORM = ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx"

_RUN = """
import contextlib, io, sys
from xltools.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main({argv!r})
print(code, ' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'lxml', 'docx', 'xlwings'))))
"""


def _run(argv: list[str]) -> tuple[int, set[str]]:
    out = subprocess.run([sys.executable, "-c", _RUN.format(argv=argv)], capture_output=True, text=True, timeout=120,
                         check=True, cwd=ROOT)
    code, _, modules = out.stdout.strip().splitlines()[-1].partition(" ")
    return int(code), set(modules.split())


def test_a_combine_loads_neither_openpyxl_nor_lxml(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    shutil.copy(FORM, forms / "a.xlsx")
    code, heavy = _run(["combine", str(forms), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1"])
    assert code in (0, 1) and (tmp_path / "汇总.xlsx").exists()
    assert heavy == set()


def test_the_returns_folder_still_annotates_with_openpyxl(tmp_path: Path) -> None:
    """The check above can fail: --returns loads openpyxl (through the annotating) in the same kind of run."""
    forms = tmp_path / "forms"
    forms.mkdir()
    shutil.copy(FORM, forms / "a.xlsx")
    code, heavy = _run(["combine", str(forms), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1",
                        "--returns", str(tmp_path / "退回")])
    assert code in (0, 1)
    assert "openpyxl" in heavy
