"""The projects' risk facts in columns of the results store: the review reads them without decoding a project, a
round stored before the columns (its facts in the project's JSON) summarises to the very same workbook, and a change
of what is stored changes the config fingerprint (old results are judged again, not reused)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

import xltools
from xltools.core import Policy
from xltools.district import store as store_module
from xltools.district import store_rounds
from xltools.district.combine import _Rows, _write_summary
from xltools.district.results import FileResult, IndicatorRow, ProjectRow, dumps_value, loads_value
from xltools.district.review import risk_facts
from xltools.district.review_options import ReviewOptions
from xltools.district.sheets_review import review_sheets
from xltools.district.store import Store

TODAY = dt.date(2025, 3, 1)
_OLD_COLUMNS = ("risk", "risk_texts", "risk_signature", "drift", "execution_rate")


def _result(n: int) -> FileResult:
    """Forms whose flags need the whole round: a 偏差原因 shared by 6 projects, indicator sets copied across units, drift
    (every 4th), a tampered form, two versions of one project, a placeholder reason, a high score with low execution."""
    unit = f"第{n % 3}街道办事处"
    reason = "受疫情影响部分活动延期" if n % 2 else f"第{n}号自己的原因说明"
    indicators = [IndicatorRow("产出指标", "数量指标", f"指标{k + (n % 2) * 10}", f"≥{40 + k}个", f"{30 + k}个", 20, 20,
                               20.0, reason if k == 0 else ("无" if n == 5 and k == 1 else "")) for k in range(3)]
    name = "重复提交的项目" if n in (3, 6) else f"项目{n}"
    project = ProjectRow(year="2024", unit=unit, department="城管办", name=name, lead="王", initial_budget=100.0,
                         annual_budget=100.0 + n, executed=50.0 if n == 7 else 90.0, execution_rate=0.5 if n == 7 else 0.9,
                         budget_score=9.0, subtotals={"产出指标": 50.0}, self_total=95.0 if n == 8 else 92.0,
                         review_total=92.0, grade="优", filled_on=dt.date(2025, 1, n % 28 + 1),
                         packed_indicators=ProjectRow.pack(indicators),
                         details=(f"8599{n:04d}", *[1.5 * n] * 9, 10.0, "预期", "实际", "张三", "", dt.date(2025, 2, 1)))
    risk = risk_facts(project)
    if n % 4 == 0:
        risk["drift"] = [["target-lowered", "error", "D12", "指标0", "≥50个", "≥40个"],
                         ["indicator-added", "warning", "C14", "指标9", "", "≥1个"]]
        risk["hits"] = [*risk["hits"], ["target-drift", "指标值低于批复 1 处（见「目标偏离」）"]]
    return FileResult(f"{unit}/{n:03d}.xlsx", "tampered" if n == 9 else "ok", size=1000 + n, mtime=1.7e9 + n,
                      sha256=f"{n:064x}", project=project, risk=risk, format="xlsx",
                      findings=[("自评表", "H21", "score-mismatch", "warning", f"第{n}号的提示")] * (n % 2))


def _store(path: Path) -> int:
    with Store(path) as db:
        round_id, _ = db.begin_round(None, "汇总.xlsx", "cfg")
        db.add_many(round_id, [(seq, _result(seq), "") for seq in range(1, 25)], "cfg", TODAY)
        db.resolve_duplicates(round_id)
        db.commit()
    return round_id


def _as_before_the_columns(path: Path) -> None:
    """The store as a program before the risk facts' columns made it: the facts in each project's JSON (key
    ``risk``), the columns gone."""
    db = sqlite3.connect(path)
    rows = db.execute("SELECT sha256, project, risk, risk_texts, risk_signature, drift FROM results "
                      "WHERE project IS NOT NULL").fetchall()
    for sha256, head, risk, texts, signature, drift in rows:
        fields = loads_value(head)
        facts = {**loads_value(risk), "texts": loads_value(texts), "signature": signature}
        if drift:
            facts["drift"] = loads_value(drift)
        db.execute("UPDATE results SET project=? WHERE sha256=?", (dumps_value({**fields, "risk": facts}), sha256))
    for column in _OLD_COLUMNS:
        db.execute(f"ALTER TABLE results DROP COLUMN {column}")
    db.commit()
    db.close()


def _summary(path: Path, round_id: int, output: Path) -> tuple[dict[str, bytes], dict[str, object]]:
    with Store(path) as db:
        sheets = review_sheets(db, round_id, ReviewOptions(sample=6, seed=2), Policy())
        _write_summary(output, _Rows(db, round_id, used=False), Policy(), used=_Rows(db, round_id, used=True),
                       extra=sheets.write, link_base=output.parent, review=sheets.review)
    with zipfile.ZipFile(output) as book:  # the summary's random token (复核校验) aside
        parts = {name: book.read(name).replace(sheets.review.token.encode(), b"TOKEN") for name in book.namelist()
                 if not name.startswith("docProps/")}
    return parts, sheets.extras


def test_a_round_stored_before_the_risk_columns_summarises_alike(tmp_path: Path) -> None:
    new, old = tmp_path / "new.sqlite", tmp_path / "old.sqlite"
    round_id = _store(new)
    shutil.copy(new, old)
    _as_before_the_columns(old)
    assert "risk" in loads_value(sqlite3.connect(old).execute("SELECT project FROM results").fetchone()[0])
    expected, extras = _summary(new, round_id, tmp_path / "new.xlsx")
    parts, old_extras = _summary(old, round_id, tmp_path / "old.xlsx")
    assert parts == expected
    assert old_extras == extras
    # the flags the comparison covers are raised (of the projects alone and of the round)
    risks = expected["xl/worksheets/sheet5.xml"].decode()
    assert "风险标记" in risks  # 复核重点
    for title in ("偏差原因雷同", "指标设置雷同", "偏离批复目标", "模板被改动", "多次提交", "高分低执行", "自评与复核不符", "偏差原因敷衍"):
        assert title in risks, title
    assert extras["drift"] == 2 * len(range(4, 25, 4)) and extras["flagged"] and len(extras["sample"]) == 6
    columns = {row[1] for row in sqlite3.connect(old).execute("PRAGMA table_info(results)")}
    assert set(_OLD_COLUMNS) <= columns  # opening the old store added them


def test_the_review_decodes_no_stored_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite"
    round_id = _store(path)
    decoded: list[object] = []
    real = store_rounds._project_from
    monkeypatch.setattr(store_rounds, "_project_from", lambda *args: decoded.append(args) or real(*args))
    with Store(path) as db:
        sheets = review_sheets(db, round_id, ReviewOptions(sample=3), Policy())
        assert decoded == []
        assert sheets.extras["flagged"] > 0
        assert sum(1 for _ in db.files(round_id, used=True)) == len(decoded) == 23  # 汇总's pass still decodes them


def test_a_stored_project_keeps_its_risk_facts_in_columns_and_its_drift_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    round_id = _store(path)
    with Store(path) as db:
        head, risk, texts, signature, rate = db.db.execute(
            "SELECT project, risk, risk_texts, risk_signature, execution_rate FROM results WHERE sha256=?",
            (f"{7:064x}",)).fetchone()
        expected = _result(7).risk
        assert "risk" not in loads_value(head)
        assert loads_value(risk) == {key: expected[key] for key in ("hits", "deviations", "named")}
        assert (loads_value(texts), signature, rate) == (expected["texts"], expected["signature"], 0.5)
        by_path = {r.path: r for r in db.files(round_id)}
    assert by_path["第2街道办事处/008.xlsx"].risk == {"drift": _result(8).risk["drift"]}
    assert by_path["第1街道办事处/007.xlsx"].risk is None


def test_the_same_content_stored_before_and_after_the_columns_is_the_same(tmp_path: Path) -> None:
    new, old = tmp_path / "new.sqlite", tmp_path / "old.sqlite"
    _store(new)
    shutil.copy(new, old)
    _as_before_the_columns(old)
    with Store(new) as db:
        db.db.execute("ATTACH ? AS old", (str(old),))
        db.db.execute("INSERT INTO results (sha256, config, today, fate, reason, project, indicators, details, errors, "
                      "warnings, future, packed_findings) SELECT sha256, 'old', today, fate, reason, project, "
                      "indicators, details, errors, warnings, future, packed_findings FROM old.results")
        for n in (2, 7):
            key = f"{n:064x}"
            assert db.same_content((key, "old"), (key, "cfg"))
            assert db.same_content((key, "old"), (key, "cfg"), findings=True)
        assert not db.same_content((f"{2:064x}", "old"), (f"{4:064x}", "cfg"))  # another project
        assert not db.same_content((f"{2:064x}", "old"), (f"{2:064x}", "none"))  # nothing stored


def test_what_is_stored_is_part_of_the_config_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change of how a result is stored (store.py) changes the fingerprint: a result stored the old way is judged
    again, not reused."""
    copy = tmp_path / "xltools"
    shutil.copytree(Path(xltools.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(xltools, "__file__", str(copy / "__init__.py"))
    before = store_module.config_fingerprint(None)
    store_py = copy / "district" / "store.py"
    store_py.write_text(store_py.read_text(encoding="utf-8") + "\n# stored otherwise\n", encoding="utf-8")
    assert store_module.config_fingerprint(None) != before


def test_a_header_pass_reads_each_project_but_its_indicators_and_details(tmp_path: Path) -> None:
    """汇总's pass (``header``) gets every field of a project but its indicators and details (left in the store), and
    the summary written from it, the long sheets rendered from the store, is the one written from whole projects."""
    from xltools.district.sheetparts import SheetParts

    path = tmp_path / "store.sqlite"
    round_id = _store(path)
    with Store(path) as db:
        whole, header = list(db.files(round_id, used=True)), list(db.files(round_id, used=True, header=True))
    assert len(whole) == len(header) == 23
    for full, light in zip(whole, header):
        assert full.project is not None and light.project is not None
        assert full.project.packed_indicators and full.project.details
        assert (light.project.packed_indicators, list(light.project.details)) == (b"", [])
        assert [getattr(light.project, f) for f in store_module._PROJECT_FIELDS] == \
               [getattr(full.project, f) for f in store_module._PROJECT_FIELDS]
        assert (light.path, light.fate, light.risk, light.errors, light.sha256) == \
               (full.path, full.fate, full.risk, full.errors, full.sha256)
    books = []
    for name, header_only in (("whole", False), ("header", True)):
        output = tmp_path / f"{name}.xlsx"
        with Store(path) as db, SheetParts(path, round_id, str(tmp_path), False) as parts:
            _write_summary(output, _Rows(db, round_id, used=False), Policy(), parts,
                           used=_Rows(db, round_id, used=True, header=header_only), link_base=tmp_path)
        with zipfile.ZipFile(output) as book:
            books.append({name: book.read(name) for name in book.namelist() if not name.startswith("docProps/")})
    assert books[0] == books[1] and len(books[0]) > 10
