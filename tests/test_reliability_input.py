"""Issue 13, classes 1–7, 9 and 10: no input can hide, hang or change another file's result.

Each test is named after its class (``test_cNN_…``) and fails on the code before the fix. The
workbooks are the frozen real fills of template version 1.0 (``tests/fixtures/v1_0``), changed at
the zip, XML or value level as a hostile or careless submitter would.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from xltools.cli import main
from xltools.core import Policy
from xltools.core.validation import from_data
from xltools.district.combine import combine
from xltools.excel.fill import fill_workbook
from xltools.excel.template import template_bytes
from xltools.io.fill import fill_template
from xltools.io.xlsxread import WorkbookReadError, read_workbook

from .forms import SEED_JSON, clean_form
from .fuzzkit import FIXTURES, collide, no_traceback, parts, rezip, run_cli, with_part, with_shared_strings

CLEAN = FIXTURES / "clean.xlsx"
SHEET_PART, META_PART, WORKBOOK_PART = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml", "xl/workbook.xml"
STRICT = {b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
          b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
              b"http://purl.oclc.org/ooxml/officeDocument/relationships"}


def _check_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:
    code = main(["check", "--json", str(path), *extra])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1])


def _fates(report) -> dict[str, str]:
    return {Path(r.path).name: r.fate for r in report.files}


# --- 1: caches keyed on what they decide --------------------------------------------------------

def test_c01_a_forged_crc_cannot_change_another_files_result(tmp_path, capsys):
    """A workbook.xml with the CRC-32 and size of the real one, its sheets pointed elsewhere, read first."""
    data = CLEAN.read_bytes()
    original = parts(data)[WORKBOOK_PART]
    swapped = (original.replace(b'r:id="rId1"', b'r:id="rIdX"').replace(b'r:id="rId2"', b'r:id="rId1"')
               .replace(b'r:id="rIdX"', b'r:id="rId2"'))
    forged = collide(original, swapped, b'windowWidth="', b'windowHeight="')
    (tmp_path / "a_forged.xlsx").write_bytes(with_part(data, WORKBOOK_PART, forged))
    shutil.copy(CLEAN, tmp_path / "b_clean.xlsx")
    alone_code, alone = _check_json(CLEAN, capsys)
    # one process reads the forged file first, then the real one (check a b; combine --jobs 1)
    assert main(["check", "--json", str(tmp_path / "a_forged.xlsx"), str(tmp_path / "b_clean.xlsx")]) in (1, 2)
    after = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert after["file"].endswith("b_clean.xlsx")
    assert (after["total"], after["grade"], after["findings"]) == (alone["total"], alone["grade"], alone["findings"])
    report = combine([tmp_path], tmp_path / "out" / "s.xlsx", jobs=1)
    assert _fates(report)["b_clean.xlsx"] == "ok"


# --- 2: the district's policy scores every form -------------------------------------------------

def test_c02_the_workbooks_own_policy_never_scores_it(tmp_path, capsys):
    """A template whose stored policy and 等级 formula were made to grade everything above 50 as 优."""
    generous = from_data(Policy, {"grade_thresholds": {"优": 50, "良": 40, "中": 30}})
    form = clean_form(funds={"total": {"initial_budget": 100, "annual_budget": 100, "executed": 10},
                             "fiscal": None, "carryover": None, "other": None},
                      indicators=[{"level1": "产出指标", "level2": "数量指标", "name": "改造桶站数量",
                                   "target": "≥40个", "actual": "20个", "weight": 90, "score": 45}],
                      budget_score=1, total_score=46)
    path = fill_template(form, tmp_path / "generous.xlsx", template_bytes(policy=generous))
    code, result = _check_json(path, capsys)
    # by hand: budget 10/100 × 10 = 1; indicator 20/40 × 90 = 45; total 46 → the district's 中 needs 60: 差
    assert result["total"] == 46 and result["grade"] == "差"
    assert code == 1 and "tamper-policy-changed" in {f["code"] for f in result["findings"]}
    report = combine([path], tmp_path / "s.xlsx", jobs=1)
    assert report.files[0].fate == "tampered" and report.files[0].project.grade == "差"


# --- 3: real forms are never dropped silently ---------------------------------------------------

def _strict(data: bytes) -> bytes:
    changed = {}
    for name, body in parts(data).items():
        for old, new in STRICT.items():
            body = body.replace(old, new)
        changed[name] = body
    return rezip(changed)


def _column(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _without_optional_r(sheet: bytes) -> bytes:
    """The sheet as a producer that omits ``r`` where it may writes it: on a cell that is the one after
    the previous cell of its row (or in column A), and on every row."""
    def row(match: re.Match[bytes]) -> bytes:
        previous = 0

        def cell(m: re.Match[bytes]) -> bytes:
            nonlocal previous
            column = _column(m.group(2))
            keep = column != previous + 1
            previous = column
            return m.group(0) if keep else m.group(1)

        return re.sub(rb'(<c) r="([A-Z]+)[0-9]+"', cell, match.group(0))

    return re.sub(rb"<row .*?</row>", row, sheet, flags=re.S)


def test_c03_strict_ooxml_and_cells_without_r_are_read(tmp_path, capsys):
    _, expected = _check_json(CLEAN, capsys)
    data = CLEAN.read_bytes()
    no_r = _without_optional_r(parts(data)[SHEET_PART])
    assert no_r.count(b'<c r="') < parts(data)[SHEET_PART].count(b'<c r="') // 2
    (tmp_path / "strict.xlsx").write_bytes(_strict(data))
    (tmp_path / "no_r.xlsx").write_bytes(with_part(data, SHEET_PART, no_r))
    for name in ("strict.xlsx", "no_r.xlsx"):
        code, result = _check_json(tmp_path / name, capsys)
        assert (code, result["total"], result["grade"]) == (0, expected["total"], expected["grade"]), name
        assert result["findings"] == expected["findings"], name


def test_c03_unresolvable_or_ambiguous_form_sheets_are_listed_with_a_reason(tmp_path):
    data = CLEAN.read_bytes()
    rels = parts(data)["xl/_rels/workbook.xml.rels"]
    no_rel = re.sub(rb'<Relationship [^>]*Id="rId1" />', b"", rels)
    assert no_rel != rels
    (tmp_path / "no_rel.xlsx").write_bytes(with_part(data, "xl/_rels/workbook.xml.rels", no_rel))
    workbook = parts(data)[WORKBOOK_PART]
    twice = workbook.replace(b"</sheets>", '<sheet name="自评表" sheetId="9" r:id="rId2" /></sheets>'.encode())
    (tmp_path / "twice.xlsx").write_bytes(with_part(data, WORKBOOK_PART, twice))
    report = combine([tmp_path], tmp_path / "out" / "s.xlsx", jobs=1)
    by_name = {Path(r.path).name: r for r in report.files}
    for name in ("no_rel.xlsx", "twice.xlsx"):
        assert by_name[name].fate == "unreadable" and "空白" not in by_name[name].reason, by_name[name]
    assert report.exit_code != 0


def test_c03_linked_and_unreadable_folders_are_listed(tmp_path, monkeypatch, capsys):
    tree, elsewhere, locked = tmp_path / "tree", tmp_path / "elsewhere", tmp_path / "tree" / "locked"
    locked.mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(CLEAN, elsewhere / "linked_form.xlsx")
    shutil.copy(CLEAN, locked / "hidden_form.xlsx")
    (tree / "link").symlink_to(elsewhere, target_is_directory=True)
    real_scandir = os.scandir

    def scandir(path):  # root reads every folder: refuse this one as the OS would for another user
        if not isinstance(path, int) and os.path.realpath(path) == str(locked.resolve()):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = combine([tree], tmp_path / "s.xlsx", jobs=1)
    shown = {r.path: r for r in report.files}
    assert shown["tree/link/linked_form.xlsx"].fate == "ok"
    assert shown["tree/locked/"].fate == "unreadable" and "没有访问权限" in shown["tree/locked/"].reason
    assert report.exit_code == 1
    assert main(["check", str(tree)]) == 2  # check FOLDER finds the files as combine does
    captured = capsys.readouterr()
    assert "linked_form.xlsx" in captured.out and "没有访问权限" in captured.err


# --- 4: duplicates are not decided by a date the checker rejects ---------------------------------

def test_c04_a_future_or_invalid_date_does_not_win_a_duplicate(tmp_path):
    fill_workbook(clean_form(filled_on="2025-01-20"), tmp_path / "a_real.xlsx")
    fill_workbook(clean_form(filled_on="2999-01-01", goal_actual="改过的"), tmp_path / "b_future.xlsx")
    fill_workbook(clean_form(filled_on="二〇二五年", goal_actual="又改过的"), tmp_path / "c_invalid.xlsx")
    os.utime(tmp_path / "a_real.xlsx", (2e9, 2e9))  # the real one is also the newest file: it must win
    report = combine([tmp_path], tmp_path / "out" / "s.xlsx", jobs=1)
    assert _fates(report) == {"a_real.xlsx": "ok", "b_future.xlsx": "superseded", "c_invalid.xlsx": "superseded"}


# --- 5: linear parsing and a time budget per file -----------------------------------------------

def test_c05_phonetic_runs_are_parsed_in_linear_time(tmp_path):
    runs = b"".join(b'<rPh sb="0" eb="1"><t>ka</t></rPh>' for _ in range(4000))
    hostile = with_shared_strings(CLEAN.read_bytes(), b"<si><r><t>\xe6\xa5\xbc</t></r><t>x</t>" + runs + b"</si>")
    started = time.perf_counter()
    book = read_workbook(hostile)
    assert time.perf_counter() - started < 2.0
    assert book.sheet("自评表").value("B4") == "楼x"  # the runs' and the item's own text, no phonetic reading


def test_c05_a_file_over_its_time_budget_is_unreadable_and_the_run_goes_on(tmp_path, monkeypatch):
    from xltools.district import process

    real_judge = process.judge

    def slow_judge(book, policy, **kwargs):
        if book.sheet("自评表").value("B4") == "慢":
            time.sleep(30)
        return real_judge(book, policy, **kwargs)

    fill_workbook(clean_form(project_name="慢"), tmp_path / "slow.xlsx")
    shutil.copy(CLEAN, tmp_path / "fast.xlsx")
    monkeypatch.setattr(process, "judge", slow_judge)
    monkeypatch.setattr(process, "FILE_SECONDS", 0.5)
    started = time.perf_counter()
    report = combine([tmp_path], tmp_path / "out" / "s.xlsx", jobs=1)
    assert time.perf_counter() - started < 10
    slow = next(r for r in report.files if r.path.endswith("slow.xlsx"))
    assert slow.fate == "unreadable" and "秒" in slow.reason
    assert _fates(report)["fast.xlsx"] == "ok"


# --- 6: only regular files are opened -----------------------------------------------------------

def _limited_memory() -> None:  # a child that would read /dev/zero into memory fails fast instead
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_c06_fifos_and_devices_never_block_or_fill_memory(tmp_path):
    os.mkfifo(tmp_path / "pipe.xlsx")
    os.mkfifo(tmp_path / "pipe.json")
    os.mkfifo(tmp_path / "policy.toml")
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    shutil.copy(CLEAN, tmp_path / "form.xlsx")
    cases = [("check", str(tmp_path / "pipe.xlsx")), ("check", str(tmp_path / "pipe.json")),
             ("check", str(tmp_path / "zero.xlsx")), ("export", str(tmp_path / "pipe.xlsx")),
             ("check", "--policy", str(tmp_path / "policy.toml"), str(tmp_path / "form.xlsx"))]
    for args in cases:
        proc = subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True,
                              timeout=60, preexec_fn=_limited_memory)
        assert proc.returncode == 2 and "普通文件" in proc.stderr, (args, proc.stderr[-500:])
        no_traceback(proc)
    proc = subprocess.run([sys.executable, "-m", "xltools", "combine", str(tmp_path), "-o",
                           str(tmp_path / "out" / "s.xlsx"), "--json", str(tmp_path / "out" / "r.json")],
                          capture_output=True, text=True, timeout=60, preexec_fn=_limited_memory)
    no_traceback(proc)
    files = {Path(f["path"]).name: f for f in json.loads((tmp_path / "out" / "r.json").read_text())["files"]}
    assert files["pipe.xlsx"]["fate"] == files["zero.xlsx"]["fate"] == "unreadable"
    assert files["form.xlsx"]["fate"] == "ok" and proc.returncode == 1


# --- 7: memory stays bounded on hostile files within the size limits ----------------------------

PEAK_MB = 300


def _peak_of_check(path: Path) -> tuple[int, float]:
    code = ("import sys\nfrom xltools.cli import main\n"
            f"rc = main(['check', {str(path)!r}])\n"
            "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "print(int(hwm.split()[1]) / 1024, file=sys.stderr)\nsys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          preexec_fn=_limited_memory)
    no_traceback(proc)
    return proc.returncode, float(proc.stderr.strip().splitlines()[-1])


def test_c07_hostile_parts_within_the_limits_stay_under_the_memory_bound(tmp_path):
    data = CLEAN.read_bytes()
    sheet = parts(data)[SHEET_PART]
    cells = b"".join(b'<row r="%d"><c r="Z%d" t="n" s="1"><v>%d</v></c></row>' % (60 + i, 60 + i, i)
                     for i in range(300_000))  # ~16 MB of tiny elements, compressed to < 1 MB
    many = sheet.replace(b"</sheetData>", cells + b"</sheetData>")
    many_strings = with_shared_strings(data, b"".join(b"<si><t>%d</t></si>" % i for i in range(600_000)))
    long_text = with_shared_strings(data, b"<si><t>" + b"x" * 15_000_000 + b"</t></si>")
    attributes = b" ".join(b'a%d="%d"' % (i, i) for i in range(395_000))  # just under the bound of 400,000
    wide = sheet.replace(b"</sheetData>", b'<row r="99"><c r="Z99" ' + attributes + b"><v>1</v></c></row></sheetData>")
    for name, made in [("cells", with_part(data, SHEET_PART, many)), ("strings", many_strings),
                       ("long", long_text), ("attributes", with_part(data, SHEET_PART, wide))]:
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(made)
        assert path.stat().st_size < 20 * 1024 * 1024
        code, peak = _peak_of_check(path)
        assert code in (0, 1, 2) and peak < PEAK_MB, (name, code, peak)


# --- 9: errors are reported, never raised -------------------------------------------------------

def _corrupt_member(data: bytes, name: str, compression: int) -> bytes:
    """``data`` with the compressed bytes of part ``name`` overwritten in the middle (headers intact)."""
    rebuilt = bytearray(rezip(parts(data), compression))
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(rebuilt))) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + min(info.compress_size, 400) - 10):
        rebuilt[i] ^= 0x5A
    return bytes(rebuilt)


@pytest.mark.parametrize("case", ["zlib", "lzma", "encoding", "deep-json", "bigint-json", "deep-toml", "huge-toml"])
def test_c09_bad_inputs_are_exit_2_with_a_chinese_reason(tmp_path, case):
    data, seed = CLEAN.read_bytes(), json.loads(SEED_JSON.read_text(encoding="utf-8"))
    args: list[str]
    if case in ("zlib", "lzma"):
        path = tmp_path / f"{case}.xlsx"
        method = zipfile.ZIP_DEFLATED if case == "zlib" else zipfile.ZIP_LZMA
        path.write_bytes(_corrupt_member(data, SHEET_PART, method))
        args = ["check", str(path)]
    elif case == "encoding":
        path = tmp_path / "enc.xlsx"
        path.write_bytes(with_part(data, META_PART, b'<?xml version="1.0" encoding="x-no-such"?>'
                                   + parts(data)[META_PART]))
        args = ["check", str(path)]
    elif case == "deep-json":
        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000 + "]" * 100_000)
        args = ["check", str(path)]
    elif case == "bigint-json":
        path = tmp_path / "big.json"
        path.write_text(json.dumps(seed, ensure_ascii=False).replace('"year": 2020', '"year": ' + "9" * 5000),
                        encoding="utf-8")
        args = ["check", str(path)]
    else:
        path = tmp_path / "policy.toml"
        path.write_text("[policy]\nx = " + "[" * 100_000 + "]" * 100_000 if case == "deep-toml"
                        else "[policy]\nlow_execution_rate = 1e400\n")
        args = ["check", "--policy", str(path), str(SEED_JSON)]
    proc = run_cli(*args)
    no_traceback(proc)
    assert proc.returncode == 2, (case, proc.returncode, proc.stderr[-800:])
    assert re.search("[\u4e00-\u9fff]", proc.stderr), proc.stderr


# --- 10: odd names, link loops and file times are listed, the run goes on ------------------------

def test_c10_odd_names_link_loops_and_times_are_listed(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    odd = os.fsdecode(b"\xff\xfe_form.xlsx")
    shutil.copy(CLEAN, tree / odd)
    (tree / "loop_a.xlsx").symlink_to(tree / "loop_b.xlsx")
    (tree / "loop_b.xlsx").symlink_to(tree / "loop_a.xlsx")
    (tree / "back").symlink_to(tree, target_is_directory=True)
    report_path = tmp_path / "r.json"
    proc = run_cli("combine", str(tree), "-o", str(tmp_path / "s.xlsx"), "--json", str(report_path))
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr[-800:]
    files = {f["path"]: f for f in json.loads(report_path.read_text(encoding="utf-8"))["files"]}
    assert files["tree/\\xff\\xfe_form.xlsx"]["fate"] == "ok"
    assert files["tree/loop_a.xlsx"]["fate"] == files["tree/loop_b.xlsx"]["fate"] == "unreadable"
    assert "循环" in files["tree/loop_a.xlsx"]["reason"]
    assert "tree/back/" in files


def test_c10_file_times_outside_years_1_to_9999_do_not_stop_the_summary(tmp_path):
    from xltools.district.results import FileResult
    from xltools.district.summary import write_summary

    for mtime in (1e20, -1e20, 3e11):
        write_summary(tmp_path / "s.xlsx", [FileResult("odd.xlsx", "unreadable", "x", mtime=mtime)], Policy())
        assert zipfile.is_zipfile(tmp_path / "s.xlsx")


@pytest.mark.parametrize(("part", "end"), [(WORKBOOK_PART, b"</workbook>"), ("xl/styles.xml", b"</styleSheet>"),
                                          (META_PART, b"</worksheet>")], ids=["workbook", "styles", "模板信息"])
def test_c01_a_corrupt_shared_part_read_after_a_good_one_fails_as_it_fails_alone(tmp_path, part, end):
    """The parts the reader caches per process (workbook, styles, 模板信息): a broken copy of one, the same
    length, read right after the good file in the same process (``check a b``; ``combine --jobs 1``), gets
    exactly the verdict it gets in a process of its own. For the workbook part the broken copy also has
    the good one's CRC-32, which is all the zip header can tell."""
    data = CLEAN.read_bytes()
    good = parts(data)[part]
    broken = good.replace(end, end[:-2] + b"X>")  # a closing tag that does not match: not well-formed
    if part == WORKBOOK_PART:
        broken = collide(good, broken, b'windowWidth="', b'windowHeight="')
        assert zlib.crc32(broken) == zlib.crc32(good) and len(broken) == len(good)
    (tmp_path / "a_good.xlsx").write_bytes(data)
    (tmp_path / "b_broken.xlsx").write_bytes(with_part(data, part, broken))
    alone = run_cli("check", "--json", str(tmp_path / "b_broken.xlsx"))
    after = run_cli("check", "--json", str(tmp_path / "a_good.xlsx"), str(tmp_path / "b_broken.xlsx"))
    no_traceback(alone), no_traceback(after)
    assert alone.returncode == after.returncode == 2
    def said(run: subprocess.CompletedProcess[str]) -> str:  # what the run said of the broken file
        return [line for line in run.stderr.splitlines() if "b_broken.xlsx" in line][-1]
    assert said(alone) == said(after)
    assert "工作簿内部 XML 无效或不安全" in alone.stderr
    report = combine([tmp_path], tmp_path / "out" / "s.xlsx", jobs=1)  # the good file is read first
    fates = {Path(r.path).name: (r.fate, r.reason) for r in report.files}
    assert fates["a_good.xlsx"][0] == "ok"
    assert fates["b_broken.xlsx"] == ("unreadable", "工作簿内部 XML 无效或不安全；请用 Excel 打开检查后重新保存")


# --- issue 26: exit 3 only for real program errors ----------------------------------------------

@pytest.mark.parametrize(("where", "field"), [
    (("funds", "total", "annual_budget"), "年度资金总额·全年预算数"),
    (("funds", "total", "executed"), "年度资金总额·全年执行数"),
    (("year",), "「年度」"),
    (("indicators", 0, "score"), "绩效指标·第1条·得分"),
], ids=["annual_budget", "executed", "year", "score"])
def test_c26_a_json_number_of_hundreds_of_digits_is_exit_2_naming_the_field(tmp_path, capsys, where, field):
    """Was exit 3 「程序内部错误」 (OverflowError converting to float) in check and fill."""
    data = json.loads(SEED_JSON.read_text(encoding="utf-8"))
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = int("9" * 400)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for argv in (["check", str(path)], ["check", "--json", str(path)], ["fill", str(path), "-o", str(tmp_path / "o.xlsx")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert field in err and "数字位数过多" in err and "内部错误" not in err, err
    assert not (tmp_path / "o.xlsx").exists()


def test_c26_a_json_form_with_more_indicators_than_the_layout_holds_is_exit_2(tmp_path, capsys):
    """Was exit 3 in check (the layout's row limit raised as ValueError)."""
    data = json.loads(SEED_JSON.read_text(encoding="utf-8"))
    data["indicators"] = data["indicators"][:1] * 201
    path = tmp_path / "many.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "绩效指标" in err and "201" in err and "200" in err and "内部错误" not in err, err
    data["indicators"] = data["indicators"][:1] * 200  # the most the layout holds still reads
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["check", str(path)]) in (0, 1)



def test_c26_another_readers_form_with_more_indicators_than_the_layout_holds_is_exit_2(tmp_path, capsys):
    """A reader of the seam that yields a form (a document's table) with 201 indicators: exit 2, as for JSON."""
    from typing import ClassVar

    from xltools.io import seam
    from xltools.io.reader import Content, Reader, ReadOptions, Source

    class ManyRows(Reader):
        name: ClassVar[str] = "test-many"
        formats: ClassVar[tuple[str, ...]] = ("test",)

        def accepts(self, content: Content) -> bool:
            return content.data.startswith(b"#many")

        def read(self, content: Content, options: ReadOptions) -> Source:
            form = clean_form()
            return Source("test", form=replace(form, indicators=form.indicators[:1] * 201))

    saved = list(seam._READERS)
    seam.register_reader(ManyRows(), first=True)
    try:
        path = tmp_path / "many.bin"
        path.write_bytes(b"#many\n")
        assert main(["check", str(path)]) == 2
        err = capsys.readouterr().err
        assert "绩效指标" in err and "201" in err and "内部错误" not in err, err
        (tmp_path / "in").mkdir()  # combine gives the same answer, not internal-error
        shutil.copy(path, tmp_path / "in" / "many.xlsx")
        shutil.copy(CLEAN, tmp_path / "in" / "clean.xlsx")
        report = combine([tmp_path / "in"], tmp_path / "s.xlsx", jobs=1)
        fates = {Path(r.path).name: (r.fate, r.reason) for r in report.files}
        assert fates["many.xlsx"][0] == "unreadable" and "201" in fates["many.xlsx"][1], fates
    finally:
        seam._READERS[:] = saved
