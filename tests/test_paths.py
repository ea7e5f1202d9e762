"""Issue 26, point 1: no argument can destroy another's file (:mod:`xltools.io.paths`).

The issue's cases first (each fails on the code before the declared-paths mechanism), then a table
that takes every pair (output, other path argument) of every command that writes and points the
output at the other one four ways: the same path, a symbolic link, a hard link, and the folder that
holds it. Every case is run with ``--force`` (it must not help), must exit 2 with a Chinese reason,
and must leave every file as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from xltools.cli import main
from xltools.district.combine import combine
from xltools.district.review_options import ReviewOptions

from .forms import SEED_JSON
from .fuzzkit import FIXTURES, SEEDS

CLEAN = FIXTURES / "clean.xlsx"


def _snapshot(folder: Path) -> dict[str, object]:
    """Every file's bytes and every link's target under ``folder`` (what a refused run must not change)."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_file():
            found[key] = path.read_bytes()
        else:
            found[key] = "dir"
    return found


def _rounds(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0])


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A district's folder after three rounds: forms, a store, a summary, a JSON report, a returns
    folder, the expected list, a policy file, a JSON form and a template."""
    base = tmp_path_factory.mktemp("district")
    tree = base / "forms"
    tree.mkdir()
    for i, seed in enumerate(SEEDS[:4]):
        shutil.copy(seed, tree / f"{i:02d}_{seed.name}")
    shutil.copy(SEEDS[5], base / "single.xlsx")
    expect = base / "名单.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "实施单位", "项目名称"])
    book.active.append([1, "某街道", "某项目"])
    book.save(expect)
    (base / "policy.toml").write_text("[policy]\ndecimals = 2\n", encoding="utf-8")
    shutil.copy(SEED_JSON, base / "form.json")
    shutil.copy(CLEAN, base / "template.xlsx")
    for n in range(3):
        assert main(["combine", str(tree), "-o", str(base / "汇总.xlsx"), "--store", str(base / "R.sqlite"),
                     "--json", str(base / "report.json"), "--returns", str(base / "退回"), "--expect", str(expect),
                     "--jobs", "1", "--force"]) in (0, 1), n
    assert _rounds(base / "R.sqlite") == 3
    return base


@pytest.fixture
def place(district: Path, tmp_path: Path) -> Path:
    """A fresh copy of the district's folder (hard links stay inside it)."""
    target = tmp_path / "d"
    shutil.copytree(district, target, symlinks=True)
    return target


def _refused(capsys: pytest.CaptureFixture[str], place: Path, argv: list[str]) -> str:
    before = _snapshot(place)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, (argv, code, err[-800:])
    assert "错误" in err and "Traceback" not in err, err
    assert _snapshot(place) == before, argv
    return err


# --- the cases (each fails before this change) -----------------------------------------

def test_the_json_report_never_replaces_the_store(place, capsys):
    """`combine IN -o S.xlsx --store R --json R --force`: R (three rounds) became the JSON report."""
    store = place / "R.json"  # a store may have any name; this one passes the report's suffix check
    shutil.copy(place / "R.sqlite", store)
    err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"), "--store", str(store),
                                   "--json", str(store), "--force"])
    assert "同一个文件" in err
    link = place / "link.json"
    link.symlink_to(store)  # the same through a link
    _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"), "--store", str(store),
                             "--json", str(link), "--force"])
    assert _rounds(store) == 3


def test_a_store_is_never_replaced_by_a_report_even_when_not_named_as_the_store(place, capsys):
    """An existing store that this run does not use is recognised by its content."""
    other = place / "old.json"
    shutil.copy(place / "R.sqlite", other)
    err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"),
                                   "--json", str(other), "--force"])
    assert "结果库" in err and "--force" in err


@pytest.mark.parametrize("command", ["fill", "export", "template", "check", "convert"])
def test_no_command_writes_over_a_store(place, capsys, command):
    """Every command's output recognises a store by its content, whatever it is called, --force or not."""
    suffix = ".json" if command == "export" else ".xlsx"
    store = place / f"库{suffix}"
    shutil.copy(place / "R.sqlite", store)
    argv = {"fill": ["fill", str(place / "form.json"), "-o", str(store)],
            "export": ["export", str(place / "single.xlsx"), "-o", str(store)],
            "template": ["template", "-o", str(store)],
            "check": ["check", str(place / "single.xlsx"), "--annotate", str(store)],
            "convert": ["convert", str(place / "single.xlsx"), "-o", str(store)]}[command]
    for force in ([], ["--force"]):
        err = _refused(capsys, place, [*argv, *force])
        assert "结果库" in err, err
    assert _rounds(store) == 3


def test_the_summary_never_replaces_the_store(place, capsys):
    """`combine IN -o X --store X --force`: the store was replaced and the run failed with a false reason."""
    store = place / "X.xlsx"
    shutil.copy(place / "R.sqlite", store)
    err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(store), "--store", str(store), "--force"])
    assert "只读" not in err and "同一个文件" in err
    assert _rounds(store) == 3


def test_the_summary_never_replaces_the_expected_list(place, capsys):
    """`combine IN -o 名单.xlsx --expect 名单.xlsx --force`: the list was overwritten, exit 1."""
    expect = place / "名单.xlsx"
    err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(expect), "--expect", str(expect),
                                   "--force"])
    assert "--expect" in err


def test_returns_are_never_written_inside_an_input_folder(place, capsys):
    """`--returns` inside an input folder wrote annotated copies the next combine read as submissions."""
    err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"),
                                   "--returns", str(place / "forms" / "退回"), "--force"])
    assert "输入文件夹" in err
    assert not (place / "forms" / "退回").exists()


def test_force_replaces_only_a_file_of_the_outputs_own_kind(place, capsys):
    """--force over an unrelated workbook (not a summary, named by no argument) is refused; over a summary it works."""
    other = place / "名单副本.xlsx"
    shutil.copy(place / "名单.xlsx", other)
    err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(other), "--force"])
    assert "不是汇总工作簿" in err
    form = place / "form_copy.json"  # a JSON form is not a JSON report
    shutil.copy(place / "form.json", form)
    _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"), "--json", str(form),
                             "--force"])
    _refused(capsys, place, ["export", str(CLEAN), "-o", str(place / "report.json"), "--force"])
    _refused(capsys, place, ["fill", str(place / "form.json"), "-o", str(place / "汇总.xlsx"), "--force"])
    folder = place / "杂物"  # a folder of other things is no returns folder
    folder.mkdir()
    (folder / "a.txt").write_text("keep")
    _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"), "--returns", str(folder),
                             "--force"])
    # the own kind is replaced: the summary and the report of the last round, the returns folder
    assert main(["combine", str(place / "forms"), "-o", str(place / "汇总.xlsx"), "--store", str(place / "R.sqlite"),
                 "--json", str(place / "report.json"), "--returns", str(place / "退回"), "--jobs", "1",
                 "--force"]) in (0, 1)
    assert _rounds(place / "R.sqlite") == 4


def test_a_store_on_a_form_is_refused_without_advising_to_delete_it(place, capsys):
    """`--store` on a source form was refused with 「或删除它」: deleting a clerk's form."""
    for form in (place / "forms" / sorted(p.name for p in (place / "forms").iterdir())[0], place / "template.xlsx"):
        err = _refused(capsys, place, ["combine", str(place / "forms"), "-o", str(place / "S.xlsx"),
                                       "--store", str(form), "--force"])
        assert "--store" in err and "删除" not in err, err


def test_the_library_call_is_guarded_too(place):
    """combine() (the add-in's and the service's door) checks the same declared paths."""
    from xltools.district.combine import CombineError

    with pytest.raises(CombineError, match="--expect"):
        combine([place / "forms"], place / "名单.xlsx", force=True, review=ReviewOptions(expect=place / "名单.xlsx"))


# --- the table: every pair of path arguments of every command ------------------------------------

@dataclass(frozen=True)
class Arg:
    option: str          # "" for a positional argument
    default: str         # its path in the district's folder (outputs: a fresh name)
    output: bool
    suffix: str = ""     # the name a link to it gets (an output's proper suffix)
    folder: bool = False


COMMANDS: dict[str, tuple[list[str], list[Arg]]] = {
    "check": (["check"], [Arg("", "single.xlsx", False), Arg("--policy", "policy.toml", False),
                          Arg("--annotate", "new/批注.xlsx", True, ".xlsx")]),
    "fill": (["fill"], [Arg("", "form.json", False), Arg("--template", "template.xlsx", False),
                        Arg("-o", "new/填好.xlsx", True, ".xlsx")]),
    "export": (["export"], [Arg("", "single.xlsx", False), Arg("-o", "new/导出.json", True, ".json")]),
    "template": (["template"], [Arg("--policy", "policy.toml", False), Arg("-o", "new/模板.xlsx", True, ".xlsx")]),
    "convert": (["convert"], [Arg("", "single.xlsx", False), Arg("--policy", "policy.toml", False),
                              Arg("-o", "new/转换.xlsx", True, ".xlsx")]),
    "report": (["report"], [Arg("", "single.xlsx", False), Arg("-o", "new/草稿.docx", True, ".docx")]),
    "publish": (["publish"], [Arg("", "single.xlsx", False), Arg("-o", "new/公开.pdf", True, ".pdf")]),
    "combine": (["combine", "--jobs", "1"], [
        Arg("", "forms", False, folder=True), Arg("", "single.xlsx", False),
        Arg("--policy", "policy.toml", False), Arg("--expect", "名单.xlsx", False),
        Arg("-o", "new/汇总.xlsx", True, ".xlsx"), Arg("--json", "new/报告.json", True, ".json"),
        Arg("--store", "new/库.sqlite", True, ".sqlite"), Arg("--returns", "new/退回", True, folder=True)]),
}
#: Existing files the outputs of the pair point at when the other argument is an output too.
EXISTING = {".xlsx": "汇总.xlsx", ".json": "report.json", ".sqlite": "R.sqlite", "": "退回"}


def _pairs() -> list:
    cases = []
    for name, (_, args) in COMMANDS.items():
        for i, out in enumerate(args):
            if not out.output:
                continue
            for j, other in enumerate(args):
                if i == j:
                    continue
                for how in ("same", "symlink", "hardlink", "parent"):
                    if how == "hardlink" and other.folder:
                        continue  # no hard link to a folder
                    cases.append(pytest.param(name, i, j, how,
                                              id=f"{name}:{out.option}={other.option or 'INPUT'}{j}:{how}"))
    return cases


def _argv(place: Path, name: str, paths: dict[int, Path]) -> list[str]:
    head, args = COMMANDS[name]
    argv = list(head)
    for i, arg in enumerate(args):
        path = str(paths[i])
        argv += [path] if not arg.option else [arg.option, path]
    return [*argv, "--force"]


@pytest.mark.parametrize(("name", "i", "j", "how"), _pairs())
def test_no_output_can_be_another_argument(place, capsys, name, i, j, how):
    _, args = COMMANDS[name]
    out, other = args[i], args[j]
    paths = {k: place / a.default for k, a in enumerate(args)}
    if other.output:  # the other output exists (a store, a summary, a report, a returns folder)
        paths[j] = place / EXISTING[other.suffix if not other.folder else ""]
    (place / "new").mkdir(exist_ok=True)
    target = paths[j]
    if how == "same":
        paths[i] = target
    elif how == "symlink":
        paths[i] = place / f"link{out.suffix}"
        paths[i].symlink_to(target, target_is_directory=target.is_dir())
    elif how == "hardlink":
        paths[i] = place / f"hard{out.suffix}"
        os.link(target, paths[i])
    else:  # the folder that holds the other argument
        paths[i] = target.parent
    _refused(capsys, place, _argv(place, name, paths))


def _grown(summary: Path, into: Path, size: int) -> None:
    """``summary`` with its first sheet part grown to ``size`` bytes of incompressible markup (a comment of
    random hex after the root), as a district's summary of a few thousand files has a sheet over a form's bounds."""
    import secrets
    import zipfile

    with zipfile.ZipFile(summary) as source, zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data += b"<!--" + secrets.token_hex(size // 2).encode() + b"-->"
            target.writestr(info, data, zipfile.ZIP_DEFLATED)


def test_a_big_summary_is_still_a_summary(place, capsys):
    """A summary whose sheet part is over a form's part bound (16 MB; a summary of ~3,000 files has one) is
    still recognised, so --force replaces it (before: 「已存在，但不是汇总工作簿」; `xltools report` asks the same
    recogniser, io.paths.is_workbook_with)."""
    from xltools.io.xlsxread import Limits, WorkbookReadError, read_workbook

    big = place / "大汇总.xlsx"
    _grown(place / "汇总.xlsx", big, Limits().max_part_bytes + 1024)
    with pytest.raises(WorkbookReadError):  # what a form's read makes of it: too big
        read_workbook(big, sheets=())
    assert main(["combine", str(place / "forms"), "-o", str(big), "--jobs", "1", "--force"]) in (0, 1)
    assert big.stat().st_size < 1024 * 1024  # replaced by this run's small summary
    capsys.readouterr()


def test_a_big_file_is_held_once_while_it_is_read(tmp_path):
    """An existing summary is read whole to be recognised (combine --force, report): its bytes once, not as
    chunks plus their joined copy (a 14 MB summary made a run of 20,000 files peak 12 MB higher)."""
    import tracemalloc

    from xltools.io.files import read_regular

    size = 8 << 20
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(size))
    tracemalloc.start()
    try:
        data, status = read_regular(big, 1 << 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(data) == status.st_size == size and data == big.read_bytes()
    assert peak < 1.25 * size, f"peak {peak / size:.2f}× the file's size"


def test_a_file_that_grows_while_read_is_still_bounded(tmp_path):
    from xltools.io.files import FileTooLargeError, read_regular

    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 100)
    assert read_regular(small, 100)[0] == b"x" * 100
    with pytest.raises(FileTooLargeError):
        read_regular(small, 99)
