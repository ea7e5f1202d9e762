"""The package's shape: layers whose imports flow downward (import-linter), small modules, lazy commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's contracts, on the package found under ``root``."""
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_imports_flow_downward_only():
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 kept, 0 broken" in proc.stdout


def _copy_with(tmp_path: Path, module: str, line: str) -> Path:
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "xltools", copy / "xltools", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "xltools" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return copy


def test_an_upward_import_breaks_the_contract(tmp_path):
    proc = _lint(_copy_with(tmp_path, "core/model.py", "from xltools.district import results  # upward"))
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout and "xltools.core.model -> xltools.district.results" in proc.stdout


def test_a_spreadsheet_library_in_the_pure_layers_breaks_the_contract(tmp_path):
    proc = _lint(_copy_with(tmp_path, "form/identify.py", "import openpyxl  # not pure"))
    assert proc.returncode != 0 and "xltools.form.identify -> openpyxl" in proc.stdout


#: Modules still over the limit, each with the work that splits it (empty when none is left).
PENDING_SPLIT: dict[str, str] = {}


def test_no_module_is_huge():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "xltools").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 500 and name not in PENDING_SPLIT} == {}


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, timeout=60, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_commands_import_only_what_they_use(tmp_path):
    form = ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx"
    for argv in (["rules"], ["schema"], ["check", str(form)]):
        loaded = _modules_after("import contextlib, io\nfrom xltools.cli import main\n"
                                f"with contextlib.redirect_stdout(io.StringIO()): main({argv!r})")
        heavy = {m for m in loaded if m.split(".")[0] in ("xlwings", "xlsxwriter", "openpyxl")
                 or m.startswith(("xltools.demo", "xltools.excel", "xltools.district"))}
        assert heavy == set(), (argv, sorted(heavy))


#: Builds the import graph (grimp, which import-linter uses: every import statement, those inside
#: functions and under ``if TYPE_CHECKING`` too) and prints each pair of modules of one folder (a package
#: and the modules directly in it) that reach each other, directly or through other modules.
_CIRCLES = """
import grimp
graph = grimp.build_graph("xltools")
folders = {}
for module in graph.modules:
    folders.setdefault(module.rpartition(".")[0], set()).add(module)
    folders.setdefault(module, set()).add(module)  # a package's __init__ belongs to its folder
for members in folders.values():
    for a in sorted(members):
        for b in sorted(members):
            if a < b and graph.chain_exists(a, b) and graph.chain_exists(b, a):
                print(a, b)
"""


def _circles(root: Path) -> list[str]:
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    proc = subprocess.run([sys.executable, "-c", _CIRCLES], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return proc.stdout.splitlines()


def test_no_two_modules_of_one_folder_import_each_other():
    assert _circles(ROOT) == []


def test_a_function_level_import_back_is_a_circle(tmp_path):
    root = _copy_with(tmp_path, "core/timepoint.py", "def _late():\n    from xltools.core import quantity  # back")
    assert _circles(root) == ["xltools.core.quantity xltools.core.timepoint"]


def test_a_circle_through_a_third_module_is_found(tmp_path):
    # parse <- quantity (quantity imports parse); parse -> reading -> quantity closes a circle of three
    root = _copy_with(tmp_path, "core/parse.py", "from xltools.core import reading  # back, through reading")
    circles = _circles(root)
    assert "xltools.core.parse xltools.core.quantity" in circles and "xltools.core.parse xltools.core.reading" in circles


#: What checking one .xlsx (and the add-in's click path) has no use for: the other formats' readers (Word,
#: calamine, other layouts and lists), drift from approved targets (a form without targets), pydantic (the
#: model is plain dataclasses; pydantic validates user data and writes JSON, xltools.core.validation: its
#: import was ~330 M instructions of the click's 855 M) with its plugin loader (importlib.metadata),
#: traceback (printed only with --debug) and calendar (timepoint counts days).
_NOT_FOR_AN_XLSX = ("xltools.io.wordform", "xltools.io.legacy", "xltools.io.labelbook", "xltools.io.listbook",
                    "xltools.io.engine", "xltools.form.labelform", "xltools.form.labels", "xltools.form.listforms",
                    "xltools.core.drift", "xltools.core.targets", "xltools.core.listbook", "python_calamine", "docx",
                    "lxml", "difflib", "subprocess", "importlib.metadata", "traceback", "calendar", "pydantic",
                    "pydantic_core", "xltools.core.validation")


def test_a_check_of_one_xlsx_imports_only_what_it_uses():
    form = ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx"
    loaded = _modules_after("import contextlib, io\nfrom xltools.cli import main\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            f"    try: main(['check', {str(form)!r}])\n"
                            "    except SystemExit as exit: assert exit.code == 0, exit.code\n"
                            "from xltools.core import errors, parse, reading, timepoint\n"
                            "from xltools.form import cells, checks\n"
                            "from xltools.io import files, xlsxcells, xlsxsheet, xlsxstrings\n"
                            "lazy = (timepoint._search, parse._number_re, parse._unknown_sign_number, parse._date_res,\n"
                            "        reading._timely, errors._union_member, cells._ref, checks._string_and_ref,\n"
                            "        files._temp_middle, xlsxcells._declaration, xlsxcells._column, xlsxsheet._attr,\n"
                            "        xlsxsheet._text_of, xlsxstrings._text_of)\n"
                            "assert [f.__name__ for f in lazy if f.cache_info().currsize] == [], 'compiled'")
    assert "xltools.form.verdict" in loaded and "xltools.io.xlsxread" in loaded  # it did check the form
    assert sorted(set(_NOT_FOR_AN_XLSX) & loaded) == []


def test_the_add_in_click_path_imports_only_what_it_uses():
    loaded = _modules_after("import xltools.excel.addin")
    assert "xltools.form.verdict" in loaded
    # xlwings itself imports matplotlib (and with it difflib, subprocess …) whenever it is installed, as the
    # district's report extra installs it: only what xltools adds to xlwings' own imports counts here
    by_xlwings = _modules_after("import xlwings")
    ours = loaded - by_xlwings
    assert sorted((set(_NOT_FOR_AN_XLSX) - {"subprocess", "importlib.metadata", "traceback", "calendar"}) & ours) == []
    assert not {m for m in ours if m.startswith(("xltools.district", "xltools.demo", "matplotlib"))}
    assert "pydantic" not in loaded and "pydantic_core" not in loaded  # not even through xlwings


def test_combine_without_a_policy_imports_no_pydantic(tmp_path):
    """The run's fingerprint dumps a policy as JSON only when the run has one of its own (--policy)."""
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx", folder / "a.xlsx")
    code = ("import contextlib, io\nfrom xltools.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try: main(['combine', {str(folder)!r}, '-o', {str(tmp_path / 'out.xlsx')!r}, '--jobs', '1'])\n"
            "    except SystemExit as exit: assert exit.code == 0, exit.code\n")
    loaded = _modules_after(code)
    assert "xltools.district.combine" in loaded and (tmp_path / "out.xlsx").exists()  # it did combine
    assert "pydantic" not in loaded
    toml = tmp_path / "p.toml"
    toml.write_text("[policy]\ndecimals = 1\n", encoding="utf-8")
    with_policy = _modules_after(code.replace("'--jobs', '1'", f"'--jobs', '1', '--force', '--policy', {str(toml)!r}"))
    assert "pydantic" in with_policy  # the check can fail: a policy file is validated by pydantic


def test_combine_starts_its_workers_before_importing_what_only_the_summary_needs(tmp_path):
    """The workers fork from a process that has not imported XlsxWriter or the summary's modules (the main process
    imports them while the workers read): the run's serial head is only what the workers need."""
    folder = tmp_path / "forms"
    folder.mkdir()
    for n in range(4):  # fewer than 4 files are read in the main process
        shutil.copy(ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx", folder / f"{n}.xlsx")
    seen = tmp_path / "seen.txt"
    code = ("import contextlib, io, sys\nimport xltools.district.combine as c\nreal = c._worker_init\n"
            "def init(*args):\n"
            f"    with open({str(seen)!r}, 'a') as out:\n"
            "        out.write(' '.join(sorted(m for m in sys.modules if m == 'xlsxwriter' or m.startswith(\n"
            "            ('xltools.district.summary', 'xltools.district.sheet', 'xltools.district.returns')))) + '|')\n"
            "    real(*args)\n"
            "c._worker_init = init\n"
            "from xltools.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try: main(['combine', {str(folder)!r}, '-o', {str(tmp_path / 'out.xlsx')!r}, '--jobs', '2'])\n"
            "    except SystemExit as exit: assert exit.code == 0, exit.code\n")
    loaded = _modules_after(code)
    assert (tmp_path / "out.xlsx").exists() and "xlsxwriter" in loaded  # the summary was written after all
    assert seen.read_text(encoding="utf-8") == "|" * 2  # two workers, neither with XlsxWriter or the summary


def test_a_check_of_a_word_form_still_finds_its_reader(tmp_path):
    from tests.forms import clean_form
    from tests.wordkit import form_docx

    path = form_docx(clean_form(), tmp_path / "form.docx")
    loaded = _modules_after("import contextlib, io\nfrom xltools.cli import main\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            f"    try: main(['check', {str(path)!r}])\n"
                            "    except SystemExit as exit: assert exit.code in (0, 1), exit.code")
    assert "xltools.io.wordform" in loaded and "xltools.form.labelform" in loaded
