"""One verdict per workbook: template 1.0 forms read the same forever, and every door agrees.

* ``tests/fixtures/v1_0``: workbooks of the released template 1.0 read with the scores and
  findings the 1.0 code gave them (``expected_verdicts.json``, frozen with the files).
* Every file of a demo district: ``xltools check --json`` findings equal the 问题清单 rows
  ``xltools combine`` writes for it, and the add-in reports the same codes.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
import xlwings as xw  # noqa: E402

from xltools.cli import main  # noqa: E402
from xltools.core.drift import DRIFT_CODES  # noqa: E402
from xltools.demo.run import FORMS_DIR, SUMMARY_NAME, TARGETS_NAME, DemoRun  # noqa: E402
from xltools.district.process import process_file  # noqa: E402
from xltools.excel import addin  # noqa: E402

from .xlwings_payload import book_payload  # noqa: E402

V1 = Path(__file__).parent / "fixtures" / "v1_0"
FROZEN_ON = dt.date(2026, 12, 1)  # the day the expected verdicts were recorded ("today" of date rules)
#: What the add-in cannot see through xlwings: cell values only, no formulas, locks or protection.
UNSEEN_BY_THE_ADDIN = {"tamper-formula-changed", "tamper-unprotected", "tamper-cell-unlocked", "tamper-input-locked"}


def _expected() -> dict[str, dict]:
    return json.loads((V1 / "expected_verdicts.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(_expected()))
def test_template_1_0_forms_read_as_they_did(name: str) -> None:
    want = _expected()[name]
    got = process_file(str(V1 / name), today=FROZEN_ON)
    assert got.fate == want["fate"]
    project = got.project
    assert project is not None
    assert (project.unit, project.name, project.year) == (want["unit"], want["name"], want["year"])
    assert len(project.indicators) == want["indicators"]
    for key in ("execution_rate", "budget_score", "self_total", "review_total", "grade"):
        assert getattr(project, key) == pytest.approx(want[key]) if isinstance(want[key], float) \
            else getattr(project, key) == want[key], key
    assert [list(f) for f in got.findings] == want["findings"]


def _check_json(path: Path, *options: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["check", "--json", *options, str(path)])
    return json.loads(out.getvalue().splitlines()[0])


def test_check_on_a_1_0_form_runs_the_tamper_check_too() -> None:
    result = _check_json(V1 / "tampered.xlsx")
    want = [(f"{sheet}!{cell}" if sheet else None, code) for sheet, cell, code, *_ in
            _expected()["tampered.xlsx"]["findings"]]
    assert [(f["cell"], f["code"]) for f in result["findings"]] == want
    assert {"tamper-formula-changed", "tamper-unprotected"} <= {code for _, code in want}


@pytest.fixture(scope="module")
def district(demo_seed5: DemoRun) -> DemoRun:
    return demo_seed5


def _issue_rows(summary: Path) -> dict[str, list[tuple[str, str]]]:
    """问题清单 of the summary: file → [(sheet!cell, code)] in order."""
    rows = list(openpyxl.load_workbook(summary, read_only=True)["问题清单"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and "代码" in [str(c) for c in row])
    names = [str(c) for c in rows[header]]
    col = {key: names.index(key) for key in ("文件", "工作表", "单元格", "代码")}
    out: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for row in rows[header + 1:]:
        if row[col["代码"]] is None:
            continue
        sheet, cell = row[col["工作表"]] or "", row[col["单元格"]] or ""
        out[row[col["文件"]]].append((f"{sheet}!{cell}" if sheet else "", row[col["代码"]]))
    return out


def test_check_combine_and_the_addin_agree_on_every_demo_file(district: DemoRun) -> None:
    issues = _issue_rows(district.directory / SUMMARY_NAME)
    compared = 0
    for path in sorted((district.directory / FORMS_DIR).rglob("*.xls[xm]")):
        if path.name.startswith("~$"):
            continue
        shown = f"{FORMS_DIR}/{path.relative_to(district.directory / FORMS_DIR).as_posix()}"
        result = _check_json(path, "--targets", str(district.directory / TARGETS_NAME))  # as the demo combines
        if "error" in result:
            assert shown not in issues
            continue
        from_check = [(f["cell"] or "", f["code"]) for f in result["findings"]]
        assert from_check == issues.get(shown, []), shown
        book = xw.Book(json=book_payload(path, name=path.name))
        check = addin.check_scores(book, today=dt.date.today(), alert=False)
        from_addin = [(f.cell or "", f.code) for f in check.evaluation.findings]
        # the button has no 绩效目标表: drift of a form retyped on an old blank is seen by check/combine --targets
        assert from_addin == [f for f in from_check if f[1] not in UNSEEN_BY_THE_ADDIN and f[1] not in DRIFT_CODES], \
            shown
        compared += 1
    assert compared >= 20


@pytest.mark.parametrize("junk", [b"not a workbook at all", b"PK\x03\x04 a broken zip"], ids=["text", "broken-zip"])
def test_identical_junk_files_get_the_same_verdict_from_check_and_combine(tmp_path, capsys, junk: bytes) -> None:
    """Issue 26: two identical junk files were 重复文件 in combine but 无法读取 in check. A copy is only a
    duplicate of a form that was read; a file that is not one keeps its own fate, as check says it."""
    from xltools.district.combine import combine

    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (tree / name).write_bytes(junk)
    (tree / "form.xlsx").write_bytes((V1 / "clean.xlsx").read_bytes())  # something to summarise
    assert main(["check", "--json", str(tree / "a.xlsx"), str(tree / "b.xlsx")]) == 2
    checked = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    report = combine([tree], tmp_path / "s.xlsx", jobs=1)
    combined = {Path(r.path).name: (r.fate, r.reason) for r in report.files}
    for result in checked:
        name = Path(result["file"]).name
        assert combined[name] == ("unreadable", result["error"]), (name, combined, result)
