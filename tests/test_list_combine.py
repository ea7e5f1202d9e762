"""A list workbook through combine (issue 25 §4): each project checked and summarised as its own project.

The list (a budget system's export, written with openpyxl as in tests/test_listforms.py) holds two
projects: rows 3–8 and rows 9–14 of sheet 导出. The second project's 活动开放天数 (row 12) is scored 16
of 15, an error at 导出!O12 worked out by hand. combine must give each project the verdict ``check`` gives
it, name its rows in 文件清单 and 退回清单, keep one stored result per project (reused in the next round,
compared in 变化) and treat a byte-identical copy of the list as a copy of each project.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from openpyxl import Workbook, load_workbook

from tests.test_listforms import HEADER, P1, P1_ROWS, P2, P2_ROWS
from xltools.cli import main
from xltools.district.combine import ReviewOptions, combine
from xltools.district.results import FileResult, part_key
from xltools.district.store import Store

FIRST, SECOND = "清单.xlsx（第3–8行）", "清单.xlsx（第9–14行）"


def write_list(path, *, over: bool = True):
    """The export; ``over``: the second project's 4th indicator scored 16 of its 15 (导出!O12)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "导出"
    ws.append(["2024年度项目支出绩效自评（预算系统导出）"])
    ws.append(HEADER)
    for row in P1_ROWS:
        ws.append(P1 + row)
    rows = [list(row) for row in P2_ROWS]
    if over:
        rows[3][6] = 16
    for i, row in enumerate(rows):
        ws.append((P2 if i == 0 else [None] * len(P2)) + row)
    wb.save(path)
    return path


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "朝外"
    folder.mkdir()
    write_list(folder / "清单.xlsx")
    return folder


def _by_name(report):
    return {r.path.rsplit("/", 1)[-1]: r for r in report.files}


def test_each_project_of_a_list_is_summarised_with_the_verdict_check_gives(inbox, tmp_path, capsys):
    report = combine([inbox], tmp_path / "s.xlsx", jobs=1)
    files = _by_name(report)
    assert list(files) == [FIRST, SECOND] and report.projects == 2 and report.read == 1
    assert {r.fate for r in files.values()} == {"other-layout"}
    assert "项目清单「导出」第9–14行" in files[SECOND].reason
    # 95.5/100 → 9.55 + 20+15+15+15+14+10 = 98.55; 28.5/30 → 9.5 + 20+20+10+15(16 capped at 15)+15+10 = 99.5
    assert [files[n].project.review_total for n in (FIRST, SECOND)] == [98.55, 99.5]
    assert ("导出", "O12", "score-out-of-range") in {f[:3] for f in files[SECOND].findings}
    assert "O12" not in {f[1] for f in files[FIRST].findings}
    assert main(["check", "--json", str(inbox / "清单.xlsx")]) == 1
    checked = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [c["file"].rsplit("/", 1)[-1] for c in checked] == [FIRST, SECOND]
    for line in checked:  # one verdict: the same totals, codes and cells whichever door
        result = files[line["file"].rsplit("/", 1)[-1]]
        assert line["total"] == result.project.review_total
        assert sorted((f["code"], f["cell"] or "") for f in line["findings"]) == sorted(
            (code, f"{sheet}!{cell}" if sheet else cell) for sheet, cell, code, *_ in result.findings)
    book = load_workbook(tmp_path / "s.xlsx", read_only=True)
    listed = [row for row in book["文件清单"].iter_rows(values_only=True) if row and isinstance(row[0], int)]
    assert [(row[1].rsplit("/", 1)[-1], row[2]) for row in listed] == [(FIRST, "其他格式"), (SECOND, "其他格式")]
    names = {str(v) for row in book["汇总"].iter_rows(values_only=True) for v in row if v is not None}
    assert {"垃圾分类桶站改造", "社区活动中心维修"} <= names


def test_the_next_round_reuses_each_project_and_says_what_changed(inbox, tmp_path):
    combine([inbox], tmp_path / "a.xlsx", jobs=1)
    again = combine([inbox], tmp_path / "b.xlsx", jobs=1)
    assert (again.read, again.reused, again.projects) == (0, 1, 2)
    assert [(r.path.rsplit("/", 1)[-1], r.reused) for r in again.files] == [(FIRST, True), (SECOND, True)]
    assert [r.project.review_total for r in again.files] == [98.55, 99.5]
    assert ("导出", "O12", "score-out-of-range") in {f[:3] for f in again.files[1].findings}
    write_list(inbox / "清单.xlsx", over=False)  # the office fixes 导出!O12
    fixed = combine([inbox], tmp_path / "c.xlsx", jobs=1)
    assert (fixed.read, fixed.reused) == (1, 0)
    rows = list(load_workbook(tmp_path / "c.xlsx", read_only=True)["变化"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    assert [row[col["项目名称"]] for row in body] == ["社区活动中心维修"]  # the other project did not change
    assert "有问题已改正" in body[0][col["变化"]] and "导出!O12：" in body[0][col["已改正的问题"]]


def test_a_copy_of_the_list_is_a_copy_of_each_project(inbox, tmp_path):
    shutil.copy(inbox / "清单.xlsx", inbox / "清单（副本）.xlsx")
    files = _by_name(combine([inbox], tmp_path / "s.xlsx", jobs=1))
    assert files[FIRST].fate == files[SECOND].fate == "other-layout"
    copies = ("清单（副本）.xlsx（第3–8行）", "清单（副本）.xlsx（第9–14行）")
    assert [files[n].fate for n in copies] == ["duplicate", "duplicate"]
    assert FIRST in files[copies[0]].reason and SECOND in files[copies[1]].reason


def test_returns_name_the_rows_of_each_project_and_its_cells(inbox, tmp_path):
    report = combine([inbox], tmp_path / "s.xlsx", jobs=1, review=ReviewOptions(returns=tmp_path / "退回"))
    assert report.extras["returned"] == 2 and report.extras["returned_without_copy"] == 2
    sheet = load_workbook(tmp_path / "退回" / "朝外街道办事处" / "退回清单.xlsx").active
    rows = [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert {row[1].split("（未附", 1)[0] for row in rows} == {FIRST, SECOND}
    over = [row for row in rows if row[5] == "score-out-of-range"]
    assert [(row[1].split("（未附", 1)[0], row[2], row[3]) for row in over] == [(SECOND, "社区活动中心维修", "导出!O12")]
    assert list((tmp_path / "退回" / "朝外街道办事处").iterdir()) == [tmp_path / "退回" / "朝外街道办事处" / "退回清单.xlsx"]


def test_a_list_is_reused_whole_or_read_again(tmp_path):
    """One project with a day-dependent finding: the list is read again the next day, not half reused."""
    day, next_day = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
    sha = "c" * 64
    with Store(tmp_path / "s.sqlite") as store:
        round_id, _ = store.begin_round(None, "s.xlsx", "cfg")
        store.add(round_id, 0, FileResult("l.xlsx（第2–3行）", "other-layout", sha256=part_key(sha, 1),
                                          part="（第2–3行）"), "cfg", day)
        store.add(round_id, 0, FileResult("l.xlsx（第4–5行）", "other-layout", sha256=part_key(sha, 2),
                                          part="（第4–5行）",
                                          findings=[("导出", "R4", "date-in-future", "error", "…")]), "cfg", day)
        assert store.reuse(round_id, 1, sha, "cfg", "m.xlsx", 1, 0.0, "m.xlsx", day)
        assert not store.reuse(round_id, 2, sha, "cfg", "m.xlsx", 1, 0.0, "m.xlsx", next_day)
        assert not store.reuse(round_id, 3, "d" * 64, "cfg", "n.xlsx", 1, 0.0, "n.xlsx", day)  # nothing stored
        paths = [row[0] for row in store.db.execute("SELECT path FROM files WHERE round=? ORDER BY seq", (round_id,))]
    assert paths == ["l.xlsx（第2–3行）", "l.xlsx（第4–5行）", "m.xlsx（第2–3行）", "m.xlsx（第4–5行）"]


def test_the_check_page_names_the_list_and_where_its_projects_are_checked(inbox):
    """The page checks one form an upload: a list gets a reason, not a traceback and not one project's result."""
    from xltools.web.jobs import check_job

    result = check_job(str(inbox / "清单.xlsx"), "清单.xlsx")
    assert set(result) == {"file", "error"}
    assert "这是 2 个项目的清单" in result["error"] and "区里汇总时也按项目分别检查" in result["error"]


def test_a_list_of_one_project_is_named_by_its_rows_as_check_names_it(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    wb = Workbook()
    ws = wb.active
    ws.title = "导出"
    ws.append(HEADER)
    for row in P1_ROWS:  # rows 2-7
        ws.append(P1 + row)
    wb.save(folder / "一个.xlsx")
    main(["check", "--json", str(folder / "一个.xlsx")])
    [checked] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert checked["file"].endswith("一个.xlsx（第2–7行）")
    for label in ("a", "b"):  # read, then reused from the store under the same name
        report = combine([folder], tmp_path / f"{label}.xlsx", jobs=1)
        assert [(r.path, r.fate, r.reused) for r in report.files] == [("in/一个.xlsx（第2–7行）", "other-layout",
                                                                         label == "b")]
        assert report.files[0].project.review_total == checked["total"] == 98.55
