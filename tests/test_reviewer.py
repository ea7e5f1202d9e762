"""Issue 30 §1: the reviewer's verdicts in the summary (复核得分, 复核意见, 处理, 复核人, 复核日期), read back by
``xltools review import``, and what the next round makes of them (复核状态, 最终得分, 变化, 退回清单)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xltools.cli import main
from xltools.district.combine import combine
from xltools.district.returns import RETURN_LIST, unit_folder
from xltools.district.store import STORE_NAME, Store
from xltools.district.verdicts import Verdict, outcomes, status_counts, verdicts_of_round
from xltools.excel.fill import fill_workbook

from . import forms
from .lo import engine_missing, require_soffice
from .test_addin import TEMPLATES

UNO_EDIT = Path(__file__).with_name("uno_edit.py")
#: Five projects, one unit each: P1 passes, P2 is sent back and changed, P3 sent back (整改) and not resent,
#: P4 sent back and resent unchanged (other bytes, same content), P5 never reviewed.
PROJECTS = [("朝外街道办事处", "垃圾分类桶站改造"), ("建外街道办事处", "背街小巷环境整治"),
            ("三里屯街道办事处", "社区公益金项目"), ("呼家楼街道办事处", "老旧小区综合整治"),
            ("团结湖街道办事处", "居家养老服务驿站运营补贴")]
P1, P2, P3, P4, P5 = (name for _, name in PROJECTS)
OPINION2 = "满意度指标的实际完成值没有佐证，请补充调查结果后重报"
OPINION3 = "执行率偏低的原因说明不充分，请整改"
OPINION4 = "偏差原因请写具体"
REVIEWER_COLUMNS = ("复核得分", "复核意见", "处理", "复核人", "复核日期")


def _form(unit: str, name: str, **changes: object):
    return forms.clean_form(project_name=name, implementing_unit=unit, **changes)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Round 1 combined: DIR/round1/<unit>/<project>.xlsx, DIR/汇总.xlsx and the store beside it."""
    root = tmp_path_factory.mktemp("reviewer")
    for unit, name in PROJECTS:
        (root / "round1" / unit).mkdir(parents=True)
        fill_workbook(_form(unit, name), root / "round1" / unit / f"{name}.xlsx",
                      template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx")
    combine([root / "round1"], root / "汇总.xlsx", jobs=1)
    return root


@pytest.fixture()
def place(world: Path, tmp_path: Path) -> Path:
    """A fresh copy of round 1 (the import writes into the store)."""
    target = tmp_path / "d"
    shutil.copytree(world, target)
    return target


def _header(ws) -> list:  # type: ignore[no-untyped-def]
    return [str(c.value).replace("\n", "") for c in ws[1]]


def _row_of(ws, project: str) -> int:  # type: ignore[no-untyped-def]
    col = _header(ws).index("项目名称") + 1
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == project)


def _address(book, sheet: str, project: str, column: str) -> str:  # type: ignore[no-untyped-def]
    ws = book[sheet]
    return ws.cell(_row_of(ws, project), _header(ws).index(column) + 1).coordinate


def _edit(summary: Path, out: Path, edits: list[tuple[str, str, str, object]]) -> dict[tuple[str, str, str], str]:
    """(sheet, project, column, value) typed with openpyxl, saved as ``out``; the cells' addresses."""
    book = openpyxl.load_workbook(summary)
    where = {}
    for sheet, project, column, value in edits:
        address = _address(book, sheet, project, column)
        book[sheet][address] = value
        where[sheet, project, column] = address
    book.save(out)
    return where


def _import(path: Path, capsys: pytest.CaptureFixture[str], *store: str) -> tuple[int, str]:
    code = main(["review", "import", str(path), *store])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _verdicts(place: Path) -> dict[str, Verdict]:
    with Store(place / STORE_NAME) as store:
        return {v.name: v for v in verdicts_of_round(store, 1)}


def _table(path: Path, sheet: str) -> tuple[list, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    return [str(label).replace("\n", "") for label in rows[0]], rows[1:]


def _rezip(path: Path) -> None:
    """The same workbook in other bytes (entries stored instead of deflated): a resubmission without changes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as target:
        for name, data in entries:
            target.writestr(name, data)


# --- the columns ---------------------------------------------------------------------------------

def test_the_reviewer_columns_are_the_only_unlocked_cells(world: Path) -> None:
    book = openpyxl.load_workbook(world / "汇总.xlsx")
    assert book["复核校验"].sheet_state == "veryHidden"
    for name in ("汇总", "复核重点"):
        ws = book[name]
        header = _header(ws)
        assert ws.protection.sheet, name
        assert header[-5:] == list(REVIEWER_COLUMNS) and header[-7:-5] == ["复核状态", "最终得分"]
        unlocked = {c.column for row in ws.iter_rows(min_row=1, max_row=ws.max_row) for c in row
                    if not c.protection.locked}
        assert unlocked == set(range(len(header) - 4, len(header) + 1)), name
        lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
        assert [v.formula1 for v in lists] == ['"通过,退回修改,整改"']
        assert str(lists[0].sqref) == f"{ws.cell(2, len(header) - 2).column_letter}2:" \
                                      f"{ws.cell(2, len(header) - 2).column_letter}6"
        statuses = [r[len(header) - 7] for r in ws.iter_rows(min_row=2, max_row=6, values_only=True)]
        assert statuses == ["待复核"] * 5


# --- the round trip ------------------------------------------------------------------------------

def test_round_trip_with_openpyxl(place: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = place / "复核后.xlsx"
    _edit(place / "汇总.xlsx", edited, [
        ("汇总", P1, "复核得分", 95), ("汇总", P1, "复核意见", "资料齐全"), ("汇总", P1, "处理", "通过"),
        ("汇总", P1, "复核人", "张三"), ("汇总", P1, "复核日期", dt.datetime(2025, 3, 3)),
        ("汇总", P2, "处理", "退回修改"), ("汇总", P2, "复核意见", OPINION2),
        ("复核重点", P3, "处理", "整改"), ("复核重点", P3, "复核意见", OPINION3),
        ("复核重点", P3, "复核日期", "2025年3月4日"),
        ("复核重点", P4, "处理", "退回修改"), ("复核重点", P4, "复核得分", "80"), ("复核重点", P4, "复核人", "李四"),
        ("复核重点", P4, "复核意见", OPINION4), ("汇总", P4, "复核人", "李四")])  # said twice, the same: fine
    code, out = _import(edited, capsys)
    assert code == 0, out
    assert "4 个项目" in out and "通过 1，退回修改 2，整改 1" in out
    got = _verdicts(place)
    assert set(got) == {P1, P2, P3, P4}
    assert (got[P1].score, got[P1].opinion, got[P1].action, got[P1].reviewer, got[P1].reviewed_on) == \
           (95.0, "资料齐全", "通过", "张三", dt.date(2025, 3, 3))
    assert (got[P2].score, got[P2].opinion, got[P2].action, got[P2].reviewer, got[P2].reviewed_on) == \
           (None, OPINION2, "退回修改", "", None)
    assert (got[P3].action, got[P3].reviewed_on, got[P3].unit) == ("整改", dt.date(2025, 3, 4), "三里屯街道办事处")
    assert (got[P4].score, got[P4].reviewer) == (80.0, "李四")
    with Store(place / STORE_NAME) as store:  # the reviewed round itself, right after the import
        assert status_counts(store, 1) == {"待复核": 1, "已通过": 1, "已退回": 3, "已修改": 0, "未修改": 0}

    # the next round: P2 changed, P4 resent in other bytes, the rest as they were
    second = place / "round2"
    shutil.copytree(place / "round1", second)
    unit2, unit4 = PROJECTS[1][0], PROJECTS[3][0]
    fill_workbook(_form(unit2, P2, goal_actual="完成 40 个桶站改造，分类准确率 93%（见居民调查表）。"),
                  second / unit2 / f"{P2}.xlsx", template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx", force=True)
    _rezip(second / unit4 / f"{P4}.xlsx")
    returns = place / "退回"
    capsys.readouterr()
    assert main(["combine", str(second), "-o", str(place / "汇总2.xlsx"), "--jobs", "1", "--returns", str(returns),
                 "--json", str(place / "报告.json")]) == 0
    assert "复核状态：待复核 1 个，已通过 1 个，已退回 1 个，已修改 1 个，未修改 1 个" in capsys.readouterr().out
    assert json.loads((place / "报告.json").read_text(encoding="utf-8"))["review_statuses"] == \
           {"待复核": 1, "已通过": 1, "已退回": 1, "已修改": 1, "未修改": 1}
    header, rows = _table(place / "汇总2.xlsx", "汇总")
    name, status, final, total = (header.index(c) for c in ("项目名称", "复核状态", "最终得分", "复核总分"))
    seen = {r[name]: (r[status], r[final], r[total]) for r in rows if r[name] in dict(map(reversed, PROJECTS))}
    assert seen[P1][:2] == ("已通过", 95)
    assert seen[P2][0] == "已修改" and seen[P2][1] == seen[P2][2] is not None
    assert seen[P3][0] == "已退回" and seen[P3][1] == seen[P3][2] is not None
    assert seen[P4][:2] == ("未修改", 80)
    assert seen[P5][0] == "待复核" and seen[P5][1] == seen[P5][2] is not None
    header, rows = _table(place / "汇总2.xlsx", "复核重点")
    risk = {r[header.index("项目名称")]: (r[header.index("复核状态")], r[header.index("最终得分")]) for r in rows}
    assert {p: risk[p] for p in (P1, P4)} == {P1: ("已通过", 95), P4: ("未修改", 80)}
    # 变化: which projects sent back came back changed
    header, rows = _table(place / "汇总2.xlsx", "变化")
    assert header[-1] == "复核退回后"
    changes = {r[2]: r for r in rows}
    assert set(changes) == {P2, P3, P4}
    assert changes[P2][-1] == "已修改后重报"
    assert changes[P3][-1] == "尚未重报" and changes[P3][3] == "复核退回后未重新报送"
    assert changes[P4][-1] == "重报但未修改" and changes[P4][3] == "重新提交（内容未改动）"
    # 退回: the projects still sent back, each with the reviewer's opinion (the forms themselves have no error)
    assert sorted(p.name for p in returns.iterdir()) == sorted(unit_folder(u) for u in (PROJECTS[2][0], unit4))
    listing = [r for r in openpyxl.load_workbook(returns / PROJECTS[2][0] / RETURN_LIST).active.iter_rows(
        values_only=True) if isinstance(r[0], int)]
    assert [(r[2], r[4], r[5]) for r in listing] == [(P3, "复核", "整改")]
    assert listing[0][6] == f"复核整改（2025-03-04）：{OPINION3}"
    listing = [r for r in openpyxl.load_workbook(returns / unit4 / RETURN_LIST).active.iter_rows(values_only=True)
               if isinstance(r[0], int)]
    assert [r[6] for r in listing] == [f"复核退回修改（复核人 李四）：{OPINION4}"]


def test_round_trip_with_libreoffice(place: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_soffice()
    python = shutil.which("python3", path="/usr/bin")
    if python is None or subprocess.run([python, "-c", "import uno"], capture_output=True).returncode != 0:
        engine_missing("python3-uno (LibreOffice's Python bridge) is missing")
    book = openpyxl.load_workbook(place / "汇总.xlsx")
    edits = [("汇总", P1, "复核得分", "92.5"), ("汇总", P1, "复核意见", "资料齐全，同意"), ("汇总", P1, "处理", "通过"),
             ("汇总", P1, "复核日期", "2025-03-05"), ("复核重点", P2, "处理", "退回修改"),
             ("复核重点", P2, "复核意见", OPINION2), ("复核重点", P2, "复核人", "王五")]
    argv = [python, str(UNO_EDIT), str(place / "汇总.xlsx"), str(tmp_path / "lo.xlsx")]
    for sheet, project, column, value in edits:
        argv += [sheet, _address(book, sheet, project, column), value]
    subprocess.run(argv, check=True, capture_output=True, timeout=180)
    code, out = _import(tmp_path / "lo.xlsx", capsys, "--store", str(place / STORE_NAME))
    assert code == 0, out
    got = _verdicts(place)
    assert set(got) == {P1, P2}
    assert (got[P1].score, got[P1].opinion, got[P1].action, got[P1].reviewed_on) == \
           (92.5, "资料齐全，同意", "通过", dt.date(2025, 3, 5))
    assert (got[P2].action, got[P2].opinion, got[P2].reviewer, got[P2].score) == ("退回修改", OPINION2, "王五", None)
    with Store(place / STORE_NAME) as store:
        final = {o.name: (o.status, o.final) for o in outcomes(store, 1)}
    assert final[P1] == ("已通过", 92.5) and final[P2][0] == "已退回"


def test_importing_again_replaces_a_projects_verdict(place: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(place / "汇总.xlsx", place / "a.xlsx", [("汇总", P1, "处理", "整改")])
    assert _import(place / "a.xlsx", capsys)[0] == 0
    _edit(place / "汇总.xlsx", place / "b.xlsx", [("汇总", P1, "处理", "通过"), ("汇总", P5, "复核得分", 60)])
    assert _import(place / "b.xlsx", capsys)[0] == 0
    got = _verdicts(place)
    assert (got[P1].action, got[P5].action, got[P5].score) == ("通过", "", 60.0)
    with Store(place / STORE_NAME) as store:
        final = {o.name: (o.status, o.final) for o in outcomes(store, 1)}
    assert final[P5] == ("待复核", 60.0)  # scored, not decided


def test_a_summary_without_verdicts_changes_nothing(place: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _import(place / "汇总.xlsx", capsys)
    assert code == 0 and "没有填写复核结果" in out and "结果库未改动" in out
    assert _verdicts(place) == {}


# --- bad values: exit 2, nothing imported -----------------------------------------------------------

@pytest.mark.parametrize(("column", "value", "message"), [
    ("复核得分", 120, "复核得分「120」不在 0～100 分之间"),
    ("复核得分", -0.5, "复核得分「-0.5」不在 0～100 分之间"),
    ("复核得分", "良好", "复核得分「良好」不是数"),
    ("处理", "同意", "处理「同意」不是可选的值；请从列表中选择：通过 / 退回修改 / 整改"),
    ("复核日期", "下周一", "复核日期「下周一」不是日期"),
    ("复核日期", "2025-02-30", "复核日期「2025-02-30」不是日期"),
])
def test_a_bad_value_names_its_sheet_and_cell(place: Path, capsys: pytest.CaptureFixture[str], column: str,
                                              value: object, message: str) -> None:
    where = _edit(place / "汇总.xlsx", place / "bad.xlsx", [("汇总", P1, "处理", "通过"),
                                                           ("复核重点", P3, column, value)])
    code, out = _import(place / "bad.xlsx", capsys)
    assert code == 2
    assert f"工作表「复核重点」单元格 {where['复核重点', P3, column]}：{message}" in out
    assert "未导入" in out and "Traceback" not in out
    assert _verdicts(place) == {}


def test_two_sheets_that_disagree_are_a_bad_value(place: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = _edit(place / "汇总.xlsx", place / "bad.xlsx", [("汇总", P1, "处理", "通过"), ("复核重点", P1, "处理", "整改")])
    code, out = _import(place / "bad.xlsx", capsys)
    assert code == 2
    # 复核重点 is read first; the message stands at 汇总's cell and names the other
    assert f"工作表「汇总」单元格 {where['汇总', P1, '处理']}：" in out
    assert f"「复核重点!{where['复核重点', P1, '处理']}」填的是「整改」，这里是「通过」" in out
    assert _verdicts(place) == {}


# --- tampering: exit 1, nothing imported --------------------------------------------------------------

def _tamper(summary: Path, out: Path, how: str) -> str:
    """One way of changing what is not the reviewer's; the sheet and cell the finding names."""
    book = openpyxl.load_workbook(summary)
    ws = book["汇总"] if how != "risk-deleted" else book["复核重点"]
    header = _header(ws)
    row = _row_of(ws, P2)
    ws.cell(_row_of(ws, P1), header.index("处理") + 1, "通过")  # a proper verdict too: it is not imported
    where = f"汇总」单元格 A{row}"
    if how == "score":
        ws.cell(row, header.index("自评总分") + 1, 100)
    elif how == "name":
        ws.cell(row, header.index("项目名称") + 1, P2 + "（改）")
    elif how == "status":
        ws.cell(row, header.index("复核状态") + 1, "已通过")
    elif how == "total-row":
        ws.cell(7, header.index("复核意见") + 1, "全部通过")
        where = "汇总」单元格 A7"
    elif how == "added":
        ws.cell(9, header.index("项目名称") + 1, "新加的项目")
        ws.cell(9, header.index("处理") + 1, "通过")
        where = "汇总」单元格 A9"
    elif how == "beyond":
        ws.cell(row, len(header) + 1, "备注")
    elif how == "header":
        ws.cell(1, header.index("复核人") + 1, "审核人")
        where = "汇总」单元格 A1"
    elif how == "risk-deleted":
        last = ws.max_row
        ws.delete_rows(row)
        where = f"复核重点」单元格 A{last}"
    book.save(out)
    return where


@pytest.mark.parametrize("how", ["score", "name", "status", "total-row", "added", "beyond", "header", "risk-deleted"])
def test_a_changed_locked_cell_or_an_unknown_project_is_a_finding(place: Path, capsys: pytest.CaptureFixture[str],
                                                                   how: str) -> None:
    where = _tamper(place / "汇总.xlsx", place / "t.xlsx", how)
    code, out = _import(place / "t.xlsx", capsys)
    assert code == 1, out
    assert f"工作表「{where}：" in out and "未导入" in out
    assert _verdicts(place) == {}


def test_a_summary_of_another_store_or_without_reviewer_columns_is_refused(
        place: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    combine([place / "round1"], other / "汇总.xlsx", jobs=1)
    code, out = _import(other / "汇总.xlsx", capsys, "--store", str(place / STORE_NAME))
    assert code == 2 and "不是用结果库" in out and "--store" in out
    book = openpyxl.load_workbook(place / "汇总.xlsx")
    del book["复核校验"]
    book.save(tmp_path / "old.xlsx")
    code, out = _import(tmp_path / "old.xlsx", capsys, "--store", str(place / STORE_NAME))
    assert code == 2 and "没有复核人列" in out
    code, out = _import(tmp_path / "old.xlsx", capsys)  # no store beside it
    assert code == 2 and "找不到结果库" in out
    (tmp_path / "text.xlsx").write_text("not a workbook", encoding="utf-8")
    code, out = _import(tmp_path / "text.xlsx", capsys, "--store", str(place / STORE_NAME))
    assert code == 2 and "无法读取" in out and "Traceback" not in out
    assert _verdicts(place) == {}


def test_a_round_without_a_verdict_works_out_no_outcome_one_by_one(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No verdict on the round or before it: every project is 待复核, counted by SQL (no outcome worked out per project);
    once a verdict is stored, the outcomes are worked out one by one again, and both ways count as status_counts."""
    from xltools.district import verdicts

    worked: list[object] = []
    real = verdicts._iter_outcomes
    with Store(place / STORE_NAME) as store:
        pending = status_counts(store, 1)
        assert pending == {"待复核": 5, "已通过": 0, "已退回": 0, "已修改": 0, "未修改": 0}
        monkeypatch.setattr(verdicts, "_iter_outcomes", lambda *args: worked.append(args) or real(*args))
        book = verdicts.ReviewBook(store, 1, 100.0)
        path = store.db.execute("SELECT path FROM files WHERE round=1 AND name=?", (P1,)).fetchone()[0]
        assert book.counts() == pending and book.outcome(path) is None and worked == []
        verdicts.save_verdicts(store, 1, [Verdict(1, path, PROJECTS[0][0], P1, "2024", 90.0, "好", "通过", "张三", None)])
        book = verdicts.ReviewBook(store, 1, 100.0)
        assert book.counts() == {**pending, "待复核": 4, "已通过": 1} and book.outcome(path) == ("已通过", 90.0)
        assert len(worked) == 1
