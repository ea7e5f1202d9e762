"""The built wheel, installed into a fresh virtual environment, runs ``template --macro``, ``check`` and ``combine``.

``macros/*.bas`` are the reviewed VBA source at the top level; the wheel must carry them (as
``xltools.macros``) or ``xltools template --macro`` cannot work after ``pip install``.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_installed_wheel_runs_the_commands(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                  str(dist), str(ROOT)], tmp_path)
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "xltools/macros/xltools_form.bas" in names and "xltools/data/seed_2020.json" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = _run([str(python), "-m", "pip", "install", "-q", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr
    xltools = env_dir / "bin" / "xltools"
    work = tmp_path / "work"  # not the checkout: only the installed package can answer
    work.mkdir()

    made = _run([str(xltools), "template", "--macro", "-o", "t.xlsm"], work)
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(work / "t.xlsm") as book:
        assert "xl/vbaProject.bin" in book.namelist()

    form = ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx"
    checked = _run([str(xltools), "check", "--json", str(form)], work)
    assert checked.returncode == 0, checked.stderr
    assert '"grade": "优"' in checked.stdout

    combined = _run([str(xltools), "combine", str(ROOT / "tests" / "fixtures" / "v1_0"), "-o", "s.xlsx"], work)
    assert combined.returncode == 1, combined.stderr  # the fixtures hold errors and a tampered form
    # 14 forms: 11 of 2024, the round's year, and the 3 seed forms of 2020, 年度不符 (left out)
    assert (work / "s.xlsx").exists() and "汇总项目 11 个" in combined.stdout and "年度不符               3" in combined.stdout
