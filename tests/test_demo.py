"""``xltools demo`` end to end on a small tree: real workbooks, the real combiner, the manifest as ground truth."""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import re
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xltools.cli import main
from xltools.demo.data import generate
from xltools.demo.mistakes import MISTAKES
from xltools.demo.run import (
    FORMS_DIR,
    MANIFEST_NAME,
    SUMMARY_NAME,
    TARGETS_NAME,
    DemoRun,
    build_demo,
    with_drift,
    write_demo_files,
)
from xltools.district.results import FATE_TEXT
from xltools.form.verdict import judge
from xltools.core.drift import DRIFT_CODES
from xltools.io.forms import load_form
from xltools.io.targetsbook import read_targets

from .lo import soffice  # noqa: F401 - fixture

SCALE = 20


@pytest.fixture(scope="module")
def run(demo_seed11: DemoRun) -> DemoRun:
    assert SCALE == 20  # the shared demo's scale
    return demo_seed11


def _manifest(run: DemoRun) -> dict:
    return json.loads((run.directory / MANIFEST_NAME).read_text(encoding="utf-8"))


def test_recall_and_precision_are_100_percent_per_code(run: DemoRun) -> None:
    assert set(MISTAKES) <= set(run.scores)
    assert set(DRIFT_CODES) <= {code for code, score in run.scores.items() if score.expected}  # every drift code
    for code, score in run.scores.items():
        assert score.expected == score.hit, f"{code}: recall {score.hit}/{score.expected}"
        assert score.reported == score.correct, f"{code}: precision {score.correct}/{score.reported}"
    assert run.ground_truth_ok


def test_every_file_has_its_fate_in_the_file_list(run: DemoRun) -> None:
    manifest = _manifest(run)
    book = openpyxl.load_workbook(run.directory / SUMMARY_NAME, read_only=True)
    rows = list(book["文件清单"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and "状态" in [str(c) for c in row])
    names = [str(c) for c in rows[header]]
    path_col = next(i for i, name in enumerate(names) if "文件" in name and "状态" not in name)
    fate_col = names.index("状态")
    shown = {str(row[path_col]): str(row[fate_col]) for row in rows[header + 1:] if row and row[path_col]}
    assert len(manifest["files"]) == len(shown)
    for entry in manifest["files"]:
        expected = FATE_TEXT[entry["fate"]]
        if entry["fate"] == "ok":  # 正常 is split by whether the ground truth holds an error
            errors = any(f["severity"] == "error" for f in entry["expected_findings"])
            expected = "正常、有错误" if errors else "正常、无错误"
        assert shown[entry["path"]] == expected, entry["path"]
    fates = collections.Counter(entry["fate"] for entry in manifest["files"])
    assert all(fates[fate] for fate in ("ok", "wrong-year", "duplicate", "superseded", "not-template", "tampered",
                                        "unreadable", "skipped"))


def test_checking_the_workbooks_one_by_one_finds_the_manifest(run: DemoRun) -> None:
    """Through the workbook reader of ``xltools check`` (openpyxl), not only the combiner's, with the demo's
    绩效目标表 as ``check --targets`` reads it."""
    targets = read_targets(run.directory / TARGETS_NAME).targets
    checked = 0
    for entry in _manifest(run)["files"]:
        if entry["expected_findings"] is None or entry["fate"] == "skipped":
            continue
        loaded = load_form(run.directory / entry["path"])
        verdict = judge(loaded.book, identity=loaded.identity, today=dt.date.today(), targets=targets)
        found = collections.Counter((f.code, f.cell) for f in verdict.findings)
        assert found == collections.Counter((e["code"], e["cell"]) for e in entry["expected_findings"]), entry["path"]
        checked += 1
    assert checked >= SCALE


def test_same_seed_writes_byte_identical_files(run: DemoRun, tmp_path: Path) -> None:
    demo = with_drift(generate(seed=11, scale=SCALE, seed_form=run.demo.files[-1].form))
    time.sleep(1.1)  # a zip entry's time has a 2-second resolution: make "now" differ
    write_demo_files(demo, tmp_path, run.directory / "朝阳区项目支出绩效自评表.xlsx", jobs=1)
    for item in demo.files:
        assert (tmp_path / item.path).read_bytes() == (run.directory / item.path).read_bytes(), item.path
    sample = next(f for f in demo.files if f.action == "fill")
    with zipfile.ZipFile(io.BytesIO((tmp_path / sample.path).read_bytes())) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert f"{sample.form.filled_on.isoformat()}T09:00:00Z" in core


def test_manifest_paths_are_the_files_written(run: DemoRun) -> None:
    written = {p.relative_to(run.directory).as_posix() for p in (run.directory / FORMS_DIR).rglob("*") if p.is_file()}
    assert written == {entry["path"] for entry in _manifest(run)["files"]}


def test_refuses_a_non_empty_folder_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    target.mkdir()
    keep = target / "我的笔记.txt"
    keep.write_text("不要删除", encoding="utf-8")
    (target / MANIFEST_NAME).write_text(json.dumps({"seed": 99}), encoding="utf-8")  # an earlier demo's
    assert main(["demo", "--dir", str(target), "--scale", "20", "--no-render"]) == 2
    assert "--force" in capsys.readouterr().err  # errors go to stderr, like every command
    assert not (target / FORMS_DIR).exists()
    assert main(["demo", "--dir", str(target), "--scale", "20", "--seed", "3", "--no-render", "--force"]) == 0
    out = capsys.readouterr().out
    assert "召回率" in out and "标准答案 全部一致" in out and "全区预算" in out
    assert keep.read_text(encoding="utf-8") == "不要删除"  # --force replaces the demo's own files only
    assert (target / SUMMARY_NAME).is_file()
    assert json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))["seed"] == 3


@pytest.mark.parametrize("name", [FORMS_DIR, SUMMARY_NAME])
def test_force_never_follows_a_link_in_the_demo_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      name: str) -> None:
    """Issue 26: `demo --force` with forms/ a link was exit 3 「程序内部错误」. A link is not demo data: exit 2,
    the link and what it points at left as they were."""
    target = tmp_path / "out"
    target.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.xlsx").write_bytes(b"a clerk's form")
    (target / MANIFEST_NAME).write_text("{}", encoding="utf-8")
    link = target / name
    link.symlink_to(elsewhere if name == FORMS_DIR else elsewhere / "precious.xlsx")
    assert main(["demo", "--dir", str(target), "--scale", "20", "--no-render", "--force"]) == 2
    err = capsys.readouterr().err
    assert "链接" in err and "--dir" in err and "内部错误" not in err, err
    assert link.is_symlink() and (elsewhere / "precious.xlsx").read_bytes() == b"a clerk's form"
    assert [p.name for p in elsewhere.iterdir()] == ["precious.xlsx"]


def test_renders_the_summary_and_a_form(soffice: None, tmp_path: Path) -> None:  # noqa: F811
    run = build_demo(tmp_path / "demo", scale=SCALE, seed=5, jobs=2, render=True)
    assert [p.name for p in run.images] == ["汇总.png", "样表.png", "复核重点.png"]
    for image in run.images:
        data = image.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    # the reports: the district's 自评汇总分析, three drafts and their public PDFs (one page each, phones masked)
    reports = run.reports
    assert reports.report is not None and len(reports.drafts) == len(reports.pdfs) == 3, reports.notes
    for draft, pdf in zip(reports.drafts, reports.pdfs):
        assert pdf.read_bytes()[:5] == b"%PDF-" and draft.stem == pdf.stem
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Pages:\s+1\n", info), info
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "朝阳区项目支出绩效自评表" in text and "****" in text  # the public version masks phone numbers
    assert [p.name for p in reports.images] == ["公开版.png", "自评汇总分析.png", "自评报告草稿.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in reports.images)


EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig></fontconfig>
"""


def test_without_a_chinese_font_warns_instead_of_rendering_boxes(soffice: None, tmp_path: Path,  # noqa: F811
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from xltools.io.engine import cjk_font_missing

    assert not cjk_font_missing()  # this machine has CJK fonts: the warning below comes from the empty config
    config = tmp_path / "fonts.conf"
    config.write_text(EMPTY_FONTCONFIG, encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    assert cjk_font_missing()
    run = build_demo(tmp_path / "demo", scale=SCALE, seed=5, jobs=2, render=True)
    assert run.images == []
    assert "中文字体" in run.render_note and "fonts-wqy-zenhei" in run.render_note
    assert run.reports.report is None and run.reports.pdfs == [] and len(run.reports.drafts) == 3
    assert any("中文字体" in note for note in run.reports.notes)
    assert not list((tmp_path / "demo").glob("images/*.png"))
    assert run.ground_truth_ok


def test_a_reviewer_pass_between_the_rounds_shows_in_the_second(run: DemoRun) -> None:
    """Issue 30: three 通过 with a score, a 退回修改 of a form the units resubmit fixed, a 整改 of one they do not."""
    from collections import Counter

    import openpyxl

    from xltools.demo.reviewing import OPINIONS, REVIEWED_NAME
    from xltools.demo.run import SECOND_FORMS_DIR, SECOND_NAME
    from xltools.district.verdicts import cell_text

    reviewed = run.reviewed
    assert reviewed is not None and reviewed.path == run.directory / REVIEWED_NAME and reviewed.path.is_file()
    assert Counter(action for action, _ in reviewed.decided.values()) == {"通过": 3, "退回修改": 1, "整改": 1}
    fixed = set(run.fixed)
    back = next(p for p, (a, _) in reviewed.decided.items() if a == "退回修改")
    rectify = next(p for p, (a, _) in reviewed.decided.items() if a == "整改")
    assert back in fixed and rectify not in fixed
    book = openpyxl.load_workbook(run.directory / SECOND_NAME, read_only=True, data_only=True)
    rows = list(book["汇总"].iter_rows(values_only=True))
    header = [str(v).replace("\n", "") for v in rows[0]]
    source, status, final = (header.index(c) for c in ("来源文件", "复核状态", "最终得分"))
    shown = {r[source]: (r[status], r[final]) for r in rows[1:] if r[source]}
    second = {p: shown[p.replace(FORMS_DIR, SECOND_FORMS_DIR, 1)] for p in reviewed.decided}
    assert second[back][0] == "已修改" and second[rectify][0] == "已退回"
    assert all(second[p] == ("已通过", score) for p, (a, score) in reviewed.decided.items() if a == "通过")
    assert run.statuses["已通过"] == 3 and run.statuses["已修改"] == 1 and run.statuses["已退回"] == 1
    assert sum(run.statuses.values()) == run.second.projects
    changes = {r[2]: r[-1] for r in book["变化"].iter_rows(min_row=2, values_only=True)}
    assert "已修改后重报" in changes.values() and "尚未重报" in changes.values()
    reviewer = list(openpyxl.load_workbook(reviewed.path, read_only=True).worksheets[0].iter_rows(values_only=True))
    opinions = {cell_text(r[header.index("来源文件")]): r[header.index("复核意见")] for r in reviewer[1:]}
    assert opinions[rectify] == OPINIONS["整改"] and opinions[back] == OPINIONS["退回修改"]
