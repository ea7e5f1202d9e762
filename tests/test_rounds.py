"""The results store on the demo corpus: incremental runs, rounds and 变化, sample, 未报送, year, returns."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from xltools.district.combine import CombineError, ReviewOptions, combine
from xltools.district.duplicates import resolve_duplicates
from xltools.district.process import process_file
from xltools.district.returns import RETURN_LIST, unit_folder
from xltools.district.reviewer_cells import CHECK_SHEET
from xltools.form.annotation import ERROR_FILL
from xltools.form.layout import Layout

from .test_annotate import _marks
from xltools.district.store import STORE_NAME, StoreError
from xltools.demo.run import EXPECT_NAME, FORMS_DIR, SECOND_NAME
from xltools.excel.fill import fill_workbook


@pytest.fixture(scope="module")
def demo(demo_seed5):
    """The demo at its smallest scale: two rounds (the second with some forms fixed) and a returns folder."""
    return demo_seed5


@pytest.fixture()
def forms(demo, tmp_path) -> Path:
    """A fresh copy of the demo's forms (file times kept)."""
    target = tmp_path / FORMS_DIR
    shutil.copytree(demo.directory / FORMS_DIR, target)
    return target


def values(path: Path, skip: tuple[str, ...] = ("文件清单", "变化", CHECK_SHEET)) -> dict[str, list[tuple]]:
    """Every sheet's values but the round's own (文件清单's times, 变化, the round named in 复核校验)."""
    book = openpyxl.load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames if name not in skip}


def hashes(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_unchanged_rerun_reads_no_workbook_and_gives_the_same_summary(forms, tmp_path):
    first = combine([forms], tmp_path / "a.xlsx", jobs=2)
    workbooks = sum(1 for r in first.files if r.sha256)
    assert first.read == workbooks > 0 and first.reused == 0
    second = combine([forms], tmp_path / "b.xlsx", jobs=2)
    assert (second.read, second.reused) == (0, workbooks)
    assert all(r.reused for r in second.files if r.sha256)
    assert values(tmp_path / "a.xlsx") == values(tmp_path / "b.xlsx")
    listed = list(openpyxl.load_workbook(tmp_path / "b.xlsx", read_only=True)["文件清单"].iter_rows(values_only=True))
    assert {row[-1] for row in listed[1:] if row[-2]} == {"沿用上次结果（文件未改动）"}
    # --full reads everything again
    assert combine([forms], tmp_path / "c.xlsx", jobs=2, full=True).read == workbooks


def test_review_from_the_stored_risk_facts_equals_the_review_made_afresh(forms, tmp_path, monkeypatch):
    """复核重点 from the risk facts the workers stored equals the sheet when every flag is worked out again."""
    import json

    from xltools.district import process

    stored = combine([forms], tmp_path / "a.xlsx", jobs=1, store=tmp_path / "s.sqlite")
    with sqlite3.connect(tmp_path / "s.sqlite") as db:  # the facts in columns of their own, not in the project
        facts = list(db.execute("SELECT risk, project FROM results WHERE project IS NOT NULL"))
    assert facts and all(json.loads(risk)["hits"] is not None and "risk" not in json.loads(head) for risk, head in facts)
    monkeypatch.setattr(process, "risk_facts", lambda project, rows=None: None)  # results without facts: flags worked out again
    afresh = combine([forms], tmp_path / "b.xlsx", jobs=1, store=tmp_path / "s.sqlite", full=True)
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        assert all(risk == "" for (risk,) in db.execute("SELECT risk FROM results WHERE project IS NOT NULL"))
    first, second = values(tmp_path / "a.xlsx")["复核重点"], values(tmp_path / "b.xlsx")["复核重点"]
    assert first == second and stored.extras["flagged"] == afresh.extras["flagged"] > 0


def test_files_are_hashed_before_reading_only_when_the_store_can_reuse_them(forms, tmp_path, monkeypatch):
    """A store without a result of this program and policy reuses nothing: the workers' hash is enough."""
    from xltools.district import combine as module

    hashed: list[Path] = []
    fingerprint = module._fingerprint
    monkeypatch.setattr(module, "_fingerprint", lambda path, limit: hashed.append(path) or fingerprint(path, limit))
    first = combine([forms], tmp_path / "a.xlsx", jobs=1)
    assert hashed == [] and first.read > 0 and all(r.sha256 for r in first.files if r.project)
    second = combine([forms], tmp_path / "b.xlsx", jobs=1)
    assert len(hashed) == first.read and second.reused == first.read and second.read == 0
    from xltools.core import Policy  # another policy: another cache key, nothing to reuse, nothing hashed

    third = combine([forms], tmp_path / "c.xlsx", jobs=1, policy=Policy())
    assert len(hashed) == first.read and third.read == first.read and third.reused == 0


def test_changing_one_file_rereads_only_it(demo, forms, tmp_path):
    combine([forms], tmp_path / "a.xlsx", jobs=2)
    item = next(f for f in demo.demo.files if f.action == "fill" and f.fate == "ok" and f.fixed is None)
    changed = replace(item.form, goal_actual="全部完成（第二次提交）")  # type: ignore[union-attr]
    fill_workbook(changed, forms.parent / item.path, force=True)
    report = combine([forms], tmp_path / "b.xlsx", jobs=2)
    assert report.read == 1
    assert [r.path for r in report.files if r.sha256 and not r.reused] == [item.path]


def test_second_round_shows_the_fixes_in_changes(demo):
    second = demo.second
    assert second is not None and second.round_label == "第二轮"
    assert second.read == len(demo.fixed) > 0
    rows = list(openpyxl.load_workbook(demo.directory / SECOND_NAME, read_only=True)["变化"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    by_project = {(r[col["实施单位"]], r[col["项目名称"]]): r for r in body}
    for path in demo.fixed:
        item = next(f for f in demo.demo.files if f.path == path)
        row = by_project[(item.form.implementing_unit, item.form.project_name)]  # type: ignore[union-attr]
        injected = {e.field for e in item.expected or () if e.mistake and e.severity == "error"}
        if injected:  # the fixed form no longer has the error that was put in, said in Chinese at its cell
            assert "有问题已改正" in row[col["变化"]]
            fixed = row[col["已改正的问题"]] or ""
            cells = {Layout().cell_of(path) or "" for path in injected}
            assert all(f"{cell}：" in fixed for cell in cells if cell), (fixed, cells)
            assert not re.search(r"[a-z]+-[a-z]+", fixed), fixed  # no rule code, a sentence
            assert all(re.search(r"[\u4e00-\u9fff]", line) for line in fixed.splitlines())
            assert row[col["本轮错误数"]] < row[col["上轮错误数"]]
    # nothing else changed, but for the project the demo's reviewer sent back to 整改, listed as not resent
    rectified = [p for p, (action, _) in demo.reviewed.decided.items() if action == "整改"]
    waiting = [r for r in body if r[col["复核退回后"]] == "尚未重报"]
    assert len(rectified) == len(waiting) == 1 and waiting[0][col["变化"]] == "复核退回后未重新报送"
    assert len(body) == len(demo.fixed) + 1
    assert second.errors < demo.report.errors


def test_sample_is_reproducible_and_covers_every_unit(forms, tmp_path):
    units = {r.project.unit for r in combine([forms], tmp_path / "x.xlsx", jobs=2).files if r.used}
    drawn = []
    for name in ("a.xlsx", "b.xlsx"):
        combine([forms], tmp_path / name, jobs=2, review=ReviewOptions(sample=len(units) + 1, seed=9))
        rows = list(openpyxl.load_workbook(tmp_path / name, read_only=True)["抽查名单"].iter_rows(values_only=True))
        drawn.append(rows[1:])
    assert drawn[0] == drawn[1] and len(drawn[0]) == len(units) + 1
    assert {row[1] for row in drawn[0]} == units
    assert all(row[5] for row in drawn[0])  # a reason for each
    other = combine([forms], tmp_path / "c.xlsx", jobs=2, review=ReviewOptions(sample=len(units) + 1, seed=10))
    assert other.extras["sample"] != [row[-1] for row in drawn[0]]


def test_expected_list_gives_missing_and_unlisted_projects(demo, forms, tmp_path):
    report = combine([forms], tmp_path / "a.xlsx", jobs=2, review=ReviewOptions(expect=demo.directory / EXPECT_NAME))
    rows = list(openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True)["未报送"].iter_rows(values_only=True))[1:]
    missing = {(r[2], r[3]) for r in rows if r[1] == "未报送"}
    unlisted = {(r[2], r[3]) for r in rows if r[1] == "不在名单上"}
    assert {name for _, name in missing} == {"社区微更新示范项目", "智慧社区平台运维"}  # the list's two extra projects
    assert len(unlisted) == 1  # the list leaves out the last project
    assert (report.extras["missing"], report.extras["unexpected"]) == (2, 1)
    bad = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["单位", "名称"])
    book.save(bad)
    with pytest.raises(CombineError, match="实施单位"):
        combine([forms], tmp_path / "b.xlsx", review=ReviewOptions(expect=bad))


def test_forms_of_another_year_have_their_own_fate(forms, tmp_path):
    report = combine([forms], tmp_path / "a.xlsx", jobs=2)
    assert report.year == "2024"
    wrong = [r for r in report.files if r.fate == "wrong-year"]
    assert [r.project.year for r in wrong] == ["2020"] and "2020" in wrong[0].reason  # the real 2020 sample
    assert not any(r.used for r in wrong)
    turned = combine([forms], tmp_path / "b.xlsx", jobs=2, year="2020")
    # the other way round: every 2024 form is of the wrong year, the older version of a project too
    assert turned.projects == 1
    assert turned.counts["wrong-year"] == report.projects + report.counts["superseded"]


def test_duplicates_in_sql_agree_with_the_in_memory_rule(demo, forms, tmp_path):
    report = combine([forms], tmp_path / "a.xlsx", jobs=2, year="2024")
    fresh = [process_file((str(forms.parent / r.path), r.path)) if r.sha256 else r for r in report.files]
    for r in fresh:
        if r.used and r.project.year != "2024":
            r.fate = "wrong-year"
    resolve_duplicates(fresh)
    assert [(r.path, r.fate) for r in fresh] == [(r.path, r.fate) for r in report.files]
    assert {"duplicate", "superseded"} <= {r.fate for r in report.files}


def _duplicate_steps(tmp_path: Path, n: int) -> int:
    """SQLite VM steps (in hundreds) that resolve_duplicates takes on a round of ``n`` files: every
    third a byte copy of the one before it, every fifth project also sent in an older version."""
    import datetime as dt

    from xltools.district.results import FileResult, ProjectRow
    from xltools.district.store import Store

    def project(name: str, filled: int) -> ProjectRow:
        return ProjectRow(year="2024", unit="朝外街道办事处", department="", name=name, lead="", initial_budget=1.0,
                          annual_budget=1.0, executed=1.0, execution_rate=1.0, budget_score=10.0, subtotals={},
                          self_total=95.0, review_total=95.0, grade="优", filled_on=dt.date(2025, 1, filled))

    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    with Store(tmp_path / f"s{n}.sqlite") as store:
        round_id, _ = store.begin_round(None, "s.xlsx", "cfg")
        for seq in range(n):
            key = seq - 1 if seq % 3 == 2 else seq
            name = f"项目{key // 5 * 5 if key % 5 == 1 else key}"
            store.add(round_id, seq, FileResult(f"{seq}.xlsx", "ok", sha256=f"{key:064d}",
                                                project=project(name, 1 + key % 20)), "cfg", dt.date(2026, 1, 5))
        store.db.set_progress_handler(count, 100)
        store.resolve_duplicates(round_id)
        store.db.set_progress_handler(None, 100)
        fates = {fate for (fate,) in store.db.execute("SELECT fate FROM files")}
    assert fates == {"ok", "duplicate", "superseded"}
    return steps[0]


def test_duplicates_take_time_in_proportion_to_the_files(tmp_path):
    """Resolving duplicates looks each file's copies up by index: four times the files, about four times
    the work (a lookup that scans the round per file would be sixteen times)."""
    small, large = _duplicate_steps(tmp_path, 500), _duplicate_steps(tmp_path, 2000)
    assert large < 6 * small


def test_returns_hold_exactly_the_forms_with_errors_annotated(forms, tmp_path):
    before = hashes(forms)
    out = tmp_path / "退回"
    report = combine([forms], tmp_path / "a.xlsx", jobs=2, review=ReviewOptions(returns=out))
    assert hashes(forms) == before  # inputs untouched
    with_errors = [r for r in report.files if r.errors and r.fate in ("ok", "tampered", "wrong-year")]
    assert with_errors and report.extras["returned"] == len(with_errors)
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.xlsx") if p.name != RETURN_LIST}
    assert written == {f"{unit_folder(r.project.unit)}/{Path(r.path).name}" for r in with_errors}
    for r in with_errors:
        book = openpyxl.load_workbook(out / unit_folder(r.project.unit) / Path(r.path).name)
        listed = [row for row in book["校验结果"].iter_rows(min_row=11, values_only=True) if row[0]]
        assert len(listed) == len(r.findings)
        for sheet, cell, code, severity, _ in r.findings:
            if sheet and cell:
                assert code in book[sheet][cell].comment.text
                if severity == "error":  # coloured while the cell keeps its checked value
                    assert _marks(book[sheet]).get(cell) == ERROR_FILL
        rows = list(openpyxl.load_workbook(out / unit_folder(r.project.unit) / RETURN_LIST)["退回清单"]
                    .iter_rows(values_only=True))
        rows = rows[[row[0] for row in rows].index("序号") + 1:]  # the table under the title block
        assert {row[5] for row in rows if row[1] == Path(r.path).name} == {f[2] for f in r.findings}
    with pytest.raises(CombineError, match="不是空的"):
        combine([forms], tmp_path / "b.xlsx", review=ReviewOptions(returns=out))


def test_a_file_that_is_not_a_store_is_refused(forms, tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database " * 100)
    with pytest.raises(StoreError, match="不是 SQLite"):
        combine([forms], tmp_path / "a.xlsx", store=text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="不是 xltools 的结果库"):
        combine([forms], tmp_path / "a.xlsx", store=other)
    newer = tmp_path / "x" / STORE_NAME
    newer.parent.mkdir()
    combine([forms], tmp_path / "x" / "a.xlsx")
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(StoreError, match="版本为 99"):
        combine([forms], tmp_path / "x" / "b.xlsx")


def test_cli_rounds_and_json_keys(forms, tmp_path):
    import json

    from xltools.cli import main

    report = tmp_path / "r.json"
    args = ["combine", str(forms), "-o", str(tmp_path / "a.xlsx"), "--json", str(report), "--jobs", "2"]
    assert main([*args, "--round", "第一轮"]) == 1  # the demo's forms hold errors
    first = json.loads(report.read_text(encoding="utf-8"))
    assert first["round"] == "第一轮" and first["reused"] == 0 and first["read"] > 0
    assert main([*args, "--force", "--round", "第二轮", "--sample", "3", "--seed", "1"]) == 1
    second = json.loads(report.read_text(encoding="utf-8"))
    assert (second["round"], second["read"], second["reused"]) == ("第二轮", 0, first["read"])
    assert {f["path"]: f["reused"] for f in second["files"]} == {f["path"]: bool(f["sha256"]) for f in first["files"]}
    assert len(second["sample"]) == 3 and second["changes"] == 0
    assert Path(second["store"]).name == "xltools结果库.sqlite" and Path(second["store"]).parent == tmp_path


def test_a_result_that_depends_on_the_day_is_reused_only_that_day(tmp_path):
    import datetime as dt

    from xltools.district.results import FileResult
    from xltools.district.store import Store

    day, next_day = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
    with Store(tmp_path / "s.sqlite") as store:
        round_id, label = store.begin_round(None, "s.xlsx", "cfg")
        assert label == "第1轮"
        future = FileResult("a.xlsx", "ok", sha256="a" * 64,
                            findings=[("自评表", "H40", "date-in-future", "error", "填写日期晚于今天")])
        plain = FileResult("b.xlsx", "ok", sha256="b" * 64, findings=[("自评表", "E8", "deviation-missing", "error", "…")])
        store.add(round_id, 0, future, "cfg", day)
        store.add(round_id, 1, plain, "cfg", day)
        assert store.reuse(round_id, 2, "a" * 64, "cfg", "a.xlsx", 1, 0.0, "a.xlsx", day)  # the same day: valid
        assert not store.reuse(round_id, 3, "a" * 64, "cfg", "a.xlsx", 1, 0.0, "a.xlsx", next_day)  # read again
        assert store.reuse(round_id, 4, "b" * 64, "cfg", "b.xlsx", 1, 0.0, "b.xlsx", next_day)
        assert not store.reuse(round_id, 5, "b" * 64, "other", "b.xlsx", 1, 0.0, "b.xlsx", next_day)  # other policy


def test_a_result_read_again_replaces_its_row_and_findings(tmp_path):
    """--full reads a file the store already holds: its result and its findings are replaced, not added to."""
    import datetime as dt

    from xltools.district.results import FileResult
    from xltools.district.store import Store

    day = dt.date(2026, 1, 5)
    first = [("自评表", "E8", "deviation-missing", "error", "…"), ("自评表", "H40", "date-invalid", "error", "…")]
    with Store(tmp_path / "s.sqlite") as store:
        round_id, _ = store.begin_round(None, "s.xlsx", "cfg")
        store.add(round_id, 0, FileResult("a.xlsx", "ok", sha256="a" * 64, findings=first), "cfg", day)
        store.add(round_id, 1, FileResult("b.xlsx", "ok", sha256="b" * 64), "cfg", day)
        again, _ = store.begin_round(None, "s.xlsx", "cfg")
        store.add(again, 0, FileResult("a.xlsx", "tampered", sha256="a" * 64,
                                       findings=[("自评表", "D9", "required-missing", "error", "…")]), "cfg", day)
        rows = store.db.execute("SELECT sha256, n, code FROM findings ORDER BY sha256, n").fetchall()
        assert rows == [("a" * 64, 0, "required-missing")]
        assert store.db.execute("SELECT fate FROM results WHERE sha256=?", ("a" * 64,)).fetchall() == [("tampered",)]
        assert store.db.execute("SELECT COUNT(*) FROM results").fetchone() == (2,)


def test_expected_names_compare_normalised(tmp_path):
    """A name typed with full-width brackets on the list matches the form's half-width one (and back)."""
    import datetime as dt

    from xltools.district.results import FileResult, ProjectRow
    from xltools.district.sheets_review import _expected_rows
    from xltools.district.store import Store

    def row(name: str) -> ProjectRow:
        return ProjectRow(year="2024", unit="朝外街道办事处", department="", name=name, lead="", initial_budget=1.0,
                          annual_budget=1.0, executed=1.0, execution_rate=1.0, budget_score=10.0, subtotals={},
                          self_total=95.0, review_total=95.0, grade="优", filled_on=None)

    with Store(tmp_path / "s.sqlite") as store:
        round_id, _ = store.begin_round(None, "s.xlsx", "cfg")
        store.add(round_id, 0, FileResult("a.xlsx", "ok", sha256="a" * 64, project=row("桶站改造（一期）")), "cfg",
                  dt.date(2026, 1, 5))
        rows = _expected_rows(store, round_id, [("朝外街道办事处", "桶站改造(一期)"), ("朝外街道办事处", "绿化")])
    assert rows == [("未报送", "朝外街道办事处", "绿化", "名单上的项目没有收到自评表")]
