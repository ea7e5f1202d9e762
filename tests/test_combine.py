"""``xltools combine`` end to end on a generated district tree of real filled workbooks.

The tree holds good, duplicate, superseded, tampered, broken, encrypted, zip-bomb, lock, hidden,
non-Excel and not-this-template files; the summary is read back with openpyxl, its XML is inspected
and LibreOffice recalculates and renders it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile  # installed with oletools

from xltools.cli import main
from xltools.district.summary import SUMMARY_HEADERS
from xltools.core import Form, Policy, evaluate
from xltools.district.combine import CombineError, combine
from xltools.district.process import process_file
from xltools.excel.fill import fill_workbook
from xltools.form.layout import SHEET, Layout

from .forms import clean_form
from .lo import soffice  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
INJECTION = '=HYPERLINK("http://x","y")'


def form(unit: str, name: str, budget: float, executed: float, filled_on: str = "2025-01-20",
         actuals: dict[int, str] | None = None) -> Form:
    """A clean form of ``unit``; ``actuals`` replaces some 实际完成值 (lower scores, other grades)."""
    funds = {"total": {"initial_budget": budget, "annual_budget": budget, "executed": executed},
             "fiscal": {"initial_budget": budget, "annual_budget": budget, "executed": executed},
             "carryover": None, "other": None}
    made = clean_form(implementing_unit=unit, project_name=name, funds=funds, filled_on=filled_on)
    indicators = [replace(ind, actual=(actuals or {}).get(i, ind.actual))
                  for i, ind in enumerate(made.indicators)]
    return replace(made, indicators=indicators)


def edit(source: Path, target: Path, change) -> None:
    book = openpyxl.load_workbook(source)
    change(book[SHEET])
    book.save(target)


def encrypted_copy(source: Path, target: Path) -> None:
    out = io.BytesIO()
    with source.open("rb") as handle:
        OOXMLFile(handle).encrypt("secret", out)
    target.write_bytes(out.getvalue())


def zip_bomb(target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, object]:
    """The district folder, the fate each file must get and the forms that must be summarised."""
    base = tmp_path_factory.mktemp("district")
    root = base / "district"
    for unit in ("朝外", "呼家楼", "首都机场"):
        (root / unit).mkdir(parents=True)
    expected: dict[str, str] = {}
    used: dict[str, Form] = {}

    def fill(rel: str, f: Form, fate: str = "正常、无错误") -> Path:
        path = root / rel
        fill_workbook(f, path)
        expected[f"district/{rel}"] = fate
        if fate in ("正常、无错误", "正常、有错误", "模板被改动"):
            used[f"district/{rel}"] = f
        return path

    good = fill("朝外/a.xlsx", form("朝外街道办事处", "垃圾分类桶站改造", 100.0, 95.5))
    fill("朝外/b.xlsx", form("朝外街道办事处", INJECTION, 40.0, 20.0))
    fill("呼家楼/c.xlsx", form("呼家楼街道办事处", "老旧小区综合整治", 300.0, 280.25, filled_on="2025-02-01"))
    fill("呼家楼/c_old.xlsx", form("呼家楼街道办事处", "老旧小区综合整治", 300.0, 100.0, filled_on="2025-01-05"),
         "已被新版本取代")
    # d and e report actuals below their targets without a 偏差原因: read fine, with errors
    fill("首都机场/d.xlsx", form("首都机场街道办事处", "社区养老驿站运营", 12.5, 12.5, actuals={0: "20个", 3: "60%"}),
         "正常、有错误")
    fill("首都机场/e.xlsx", form("首都机场街道办事处", "老年餐桌", 30.0, 21.0,
                              actuals={0: "10个", 1: "50%", 3: "45%", 5: "60%"}), "正常、有错误")
    shutil.copy(good, root / "首都机场" / "a的副本.xlsx")
    expected["district/首都机场/a的副本.xlsx"] = "重复文件"

    unprotected = form("首都机场街道办事处", "安全生产检查", 8.0, 7.0)
    path = fill("首都机场/unprotected.xlsx", unprotected, "模板被改动")
    edit(path, path, lambda ws: setattr(ws.protection, "sheet", False))
    overwritten = form("呼家楼街道办事处", "背街小巷整治", 50.0, 25.0)
    path = fill("呼家楼/formula.xlsx", overwritten, "模板被改动")
    edit(path, path, lambda ws: ws.__setitem__(Layout().spot("total_score").cell, 100))

    (root / "朝外" / "~$a.xlsx").write_bytes(b"\x0bowner" + b"\0" * 100)
    expected["district/朝外/~$a.xlsx"] = "已跳过"
    (root / "朝外" / "说明.txt").write_text("请于 1 月底前提交", encoding="utf-8")
    expected["district/朝外/说明.txt"] = "已跳过"
    (root / "朝外" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    expected["district/朝外/.DS_Store"] = "已跳过"
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")  # hidden folders are not entered
    (root / "呼家楼" / "broken.xlsx").write_bytes(good.read_bytes()[:4000])
    expected["district/呼家楼/broken.xlsx"] = "无法读取"
    encrypted_copy(good, root / "呼家楼" / "encrypted.xlsx")
    expected["district/呼家楼/encrypted.xlsx"] = "已加密"
    zip_bomb(root / "呼家楼" / "bomb.xlsx")
    expected["district/呼家楼/bomb.xlsx"] = "文件过大"
    with (root / "呼家楼" / "huge.xlsx").open("wb") as handle:  # sparse: over the size limit, never read
        handle.write(good.read_bytes()[:1000])
        handle.truncate(25 * 1024 * 1024)
    expected["district/呼家楼/huge.xlsx"] = "文件过大"
    shutil.copy(ROOT / "workbook_templates" / "朝阳区项目支出绩效自评表.xlsx", root / "朝外" / "空白模板.xlsx")
    expected["district/朝外/空白模板.xlsx"] = "已跳过"
    other = openpyxl.Workbook()
    other.active.title = "通讯录"
    other.active.append(["姓名", "电话"])
    other.save(root / "首都机场" / "通讯录.xlsx")
    expected["district/首都机场/通讯录.xlsx"] = "非本模板"
    return {"base": base, "root": root, "expected": expected, "used": used}


def hashes(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(tree):
    """One CLI run over the tree (both cores), with every input hashed before and after."""
    root, base = tree["root"], tree["base"]
    before = hashes(root)
    output, report = base / "汇总.xlsx", base / "report.json"
    code = main(["combine", str(root), "-o", str(output), "--json", str(report), "--jobs", "2"])
    return {"code": code, "output": output, "report": json.loads(report.read_text(encoding="utf-8")),
            "before": before, "after": hashes(root)}


def test_no_input_byte_changes(tree, run):
    assert run["before"] == run["after"] and len(run["before"]) == len(tree["expected"]) + 1  # + .git/config


def test_every_file_listed_with_its_fate(tree, run):
    book = openpyxl.load_workbook(run["output"], read_only=True)
    listed = {row[1]: row[2] for row in book["文件清单"].iter_rows(min_row=2, values_only=True)}
    assert listed == tree["expected"]
    reasons = {row[1]: row[3] for row in book["文件清单"].iter_rows(min_row=2, values_only=True)}
    assert "a.xlsx" in reasons["district/首都机场/a的副本.xlsx"]
    assert "c.xlsx" in reasons["district/呼家楼/c_old.xlsx"]
    assert "密码" in reasons["district/呼家楼/encrypted.xlsx"]
    assert run["code"] == 1


def test_json_report(tree, run):
    report = run["report"]
    assert set(report) == {"output", "exit_code", "seconds", "jobs", "projects", "errors", "warnings", "counts",
                           "files", "ok_with_errors", "read", "reused", "store", "round", "year", "flagged"}
    assert report["exit_code"] == 1 and report["jobs"] == 2 and report["projects"] == len(tree["used"])
    assert report["counts"]["tampered"] == 2 and report["counts"]["skipped"] == 4
    assert report["counts"]["too-large"] == 2
    assert {f["path"]: f["fate"] for f in report["files"]}["district/呼家楼/bomb.xlsx"] == "too-large"
    assert set(report["files"][0]) == {"path", "fate", "reason", "unit", "project", "year", "review_total",
                                       "errors", "warnings", "sha256", "reused"}


def test_totals_equal_independent_sums(tree, run):
    used: dict[str, Form] = tree["used"]
    book = openpyxl.load_workbook(run["output"], data_only=True)
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    header = [c.value.replace("\n", "") for c in book["汇总"][1]]  # labels break before （万元）
    col = {name: i for i, name in enumerate(header)}
    projects, total = rows[:-1], rows[-1]
    assert total[1] == "全区合计"
    assert sorted(r[col["来源文件"]] for r in projects) == sorted(used)
    budget = sum(f.funds.total.annual_budget for f in used.values())
    executed = sum(f.funds.total.executed for f in used.values())
    assert total[col["全年预算数（万元）"]] == pytest.approx(budget)
    assert total[col["全年执行数（万元）"]] == pytest.approx(executed)
    assert total[col["执行率"]] == pytest.approx(executed / budget)
    by_file = {r[col["来源文件"]]: r for r in projects}
    for path, f in used.items():
        sheet = evaluate(f, Policy()).sheet
        assert by_file[path][col["复核总分"]] == pytest.approx(sheet.total)
        assert by_file[path][col["等级"]] == sheet.grade
    tampered = [r for r in projects if r[col["文件状态"]] == "模板被改动"]
    assert len(tampered) == 2 and all(r[col["错误数"]] >= 1 for r in tampered)

    units = {r[0]: r for r in book["按单位"].iter_rows(min_row=2, values_only=True)}
    for unit in {f.implementing_unit for f in used.values()}:
        mine = [f for f in used.values() if f.implementing_unit == unit]
        b = sum(f.funds.total.annual_budget for f in mine)
        e = sum(f.funds.total.executed for f in mine)
        sheets = [evaluate(f, Policy()).sheet for f in mine]
        totals = [sheet.total for sheet in sheets]
        row = units[unit]
        assert row[1:7] == (len(mine), pytest.approx(b), pytest.approx(e), pytest.approx(e / b),
                            pytest.approx(sum(totals) / len(totals)), pytest.approx(min(totals)))
        assert row[7:11] == tuple(sum(1 for sheet in sheets if sheet.grade == g) for g in ("优", "良", "中", "差"))
    assert units["全区合计"][1] == len(used)
    assert units["全区合计"][4] == pytest.approx(executed / budget)
    assert len({r[col["等级"]] for r in projects}) == 3  # the tree has projects of three grades


def test_findings_list_tamper_and_rule_findings(run):
    book = openpyxl.load_workbook(run["output"], read_only=True)
    rows = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    flat = {(r[1], r[4], r[5], r[6]) for r in rows}
    cell = Layout().spot("total_score").cell
    assert ("district/呼家楼/formula.xlsx", SHEET, cell, "tamper-formula-changed") in flat
    assert any(r[1] == "district/首都机场/unprotected.xlsx" and r[6] == "tamper-unprotected" for r in rows)
    assert all(r[7] in ("错误", "警告") and r[8] for r in rows)


def test_formula_injection_arrives_as_text(run):
    book = openpyxl.load_workbook(run["output"])
    ws = book["汇总"]
    cell = next(c for c in ws["D"] if c.value == INJECTION)
    assert cell.data_type == "s"
    with zipfile.ZipFile(run["output"]) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # the only formulas with HYPERLINK are 来源文件's own links to the files, none carries the injected text
    source_column = SUMMARY_HEADERS.index(("来源文件", 30))
    letter = openpyxl.utils.get_column_letter(source_column + 1)
    links = re.findall(r'<c r="([A-Z]+)\d+"[^>]*><f>([^<]*HYPERLINK[^<]*)</f>', xml)
    assert links and {column for column, _ in links} == {letter}
    assert all(re.fullmatch(r'HYPERLINK\("[^"]*","district/[^"]*"\)', f) for _, f in links), links[:3]
    assert not [f for _, f in links if "http://x" in f]  # the injected project name is no formula anywhere
    node = re.search(rf'<c r="{cell.coordinate}"[^>]*>.*?</c>', xml).group(0)
    assert 't="inlineStr"' in node and "<f>" not in node and f"<t>{INJECTION}</t>" in node


def test_existing_output_needs_force(tree, run, tmp_path):
    stamp = run["output"].stat().st_mtime_ns
    assert main(["combine", str(tree["root"]), "-o", str(run["output"])]) == 2
    assert run["output"].stat().st_mtime_ns == stamp
    with pytest.raises(CombineError, match="--force"):
        combine([tree["root"]], run["output"])
    again = combine([tree["root"] / "朝外"], tmp_path / "one.xlsx", jobs=1)
    assert again.counts["ok"] == 2 and again.counts["skipped"] == 4
    assert again.exit_code == (1 if again.errors else 0)  # skipped files are not problems
    report = combine([tree["root"] / "朝外"], tmp_path / "one.xlsx", jobs=1, force=True)
    assert report.projects == 2
    plain = tmp_path / "plain"
    plain.write_bytes(b"")  # the summary gets a new file's permissions, not a temporary file's 0600
    assert (tmp_path / "one.xlsx").stat().st_mode == plain.stat().st_mode
    plain.unlink()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_nothing_readable_is_exit_2(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("x", encoding="utf-8")
    assert main(["combine", str(tmp_path / "in"), "-o", str(tmp_path / "s.xlsx")]) == 2
    assert (tmp_path / "s.xlsx").exists()  # the file list still says why
    assert main(["combine", str(tmp_path / "missing"), "-o", str(tmp_path / "t.xlsx")]) == 2
    assert not (tmp_path / "t.xlsx").exists()


def test_rendered_by_libreoffice(tree, run, soffice):
    from xltools.io.engine import pdf_to_pngs, recalculate, to_pdf

    out = run["output"].parent / "render"
    source = out.parent / "summary.xlsx"
    shutil.copy(run["output"], source)
    recalculated, resaved = recalculate([source, tree["root"] / "朝外" / "a.xlsx"], out / "recalc")
    # a form saved again by a spreadsheet (new styles part, cached values) is not "tampered"
    again = process_file(str(resaved))
    assert again.fate == "ok" and not [f for f in again.findings if f[2].startswith("tamper-")]
    ours = openpyxl.load_workbook(run["output"], data_only=True)["汇总"]
    theirs = openpyxl.load_workbook(recalculated, data_only=True)["汇总"]
    last = ours.max_row
    for column in "GHIJP":  # the 全区合计 row's formulas give the same numbers in LibreOffice
        assert theirs[f"{column}{last}"].value == pytest.approx(ours[f"{column}{last}"].value)
    pdf = to_pdf([source], out)[0]
    pages = pdf_to_pngs(pdf, out, dpi=60)
    assert len(pages) >= 5 and all(p.stat().st_size > 5000 for p in pages)


def test_a_summary_in_the_folder_is_skipped_not_read(tree, run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(tree["root"] / "朝外" / "a.xlsx", folder / "a.xlsx")
    shutil.copy(run["output"], folder / "汇总_旧.xlsx")
    report = combine([folder], folder / "汇总_新.xlsx", jobs=1)
    assert {r.path: r.fate for r in report.files} == {"in/a.xlsx": "ok", "in/汇总_旧.xlsx": "skipped"}
    assert report.projects == 1


def test_every_field_of_the_form_has_a_home_in_the_summary(tmp_path):
    """项目信息 carries what 汇总 and 指标明细 do not: phones, 其中 rows, weight, goals, sign-off."""
    import datetime as dt

    import openpyxl

    from xltools.district.combine import combine
    from xltools.excel.fill import fill_workbook

    from .forms import clean_form, seed_form

    fill_workbook(seed_form(), tmp_path / "in" / "seed.xlsx")
    fill_workbook(clean_form(), tmp_path / "in" / "clean.xlsx")
    rows = {}
    for year in ("2020", "2024"):  # the seed form is of 2020, the clean one of 2024: one round each
        combine([tmp_path / "in"], tmp_path / f"summary{year}.xlsx", jobs=1, year=year)
        ws = openpyxl.load_workbook(tmp_path / f"summary{year}.xlsx")["项目信息"]
        header = [c.value.replace("\n", "") for c in ws[1]]  # labels break after “·”
        rows.update({r[2]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[2]})
    seed = rows["其他零余额账户资金(谐促进员工作经费)"]
    assert (seed["联系电话"], seed["填表人"], seed["填表人电话"]) == ("64566064", "李冬梅", "64578491")
    assert seed["填写日期"] == dt.datetime(2021, 2, 24)
    assert seed["预算执行分值"] == 10 and seed["预期目标"].startswith("慰问辖区防疫志愿者")
    assert seed["实际完成情况"].startswith("两次慰问辖区762名防疫志愿者")
    clean = rows["垃圾分类桶站改造"]
    assert [clean[f"当年财政拨款·{c}"] for c in ("年初预算数", "全年预算数", "全年执行数")] == [100, 80, 80]
    assert [clean[f"上年结转资金·{c}"] for c in ("年初预算数", "全年预算数", "全年执行数")] == [20, 20, 15.5]
    assert clean["其他资金·全年预算数"] is None


def test_discover_lists_each_file_once_under_the_name_it_was_found_by(tmp_path):
    from xltools.district.discover import discover

    tree = tmp_path / "各街道"
    (tree / "甲街道").mkdir(parents=True)
    (tree / ".git").mkdir()
    (tree / "甲街道" / "a.xlsx").write_bytes(b"x")
    (tree / "b.xlsx").write_bytes(b"x")
    (tree / ".git" / "c.xlsx").write_bytes(b"x")
    (tree / "甲街道" / "~$a.xlsx").write_bytes(b"x")
    os.symlink(tree / "b.xlsx", tree / "甲街道" / "link.xlsx")  # the same file again, through a link
    outside = tmp_path / "外部.xlsx"
    outside.write_bytes(b"x")
    os.symlink(outside, tree / "外链.xlsx")
    found = discover([tree, tree / "b.xlsx", tree / "甲街道"], output=tree / "汇总.xlsx")
    assert [(f.shown, f.skip is None) for f in found] == sorted([
        ("各街道/b.xlsx", True), ("各街道/甲街道/a.xlsx", True), ("各街道/甲街道/~$a.xlsx", False),
        ("各街道/外链.xlsx", True)])
    assert {f.path for f in found} == {str((tree / "b.xlsx").resolve()), str((tree / "甲街道" / "a.xlsx").resolve()),
                                       str((tree / "甲街道" / "~$a.xlsx").resolve()), str(outside.resolve())}


def test_workers_get_the_files_a_few_chunks_at_a_time_and_results_come_in_input_order(tmp_path, monkeypatch):
    """More chunks than the run keeps queued (2 workers × 4 chunks of 2 files = 16 of 41 files): every
    file is read once, by a worker, and listed in input order."""
    import xltools.district.combine as combine_module

    for i in range(41):
        (tmp_path / "in" / f"{i:02d}.xlsx").parent.mkdir(exist_ok=True)
        (tmp_path / "in" / f"{i:02d}.xlsx").write_bytes(b"not a zip %d" % i)
    submitted: list[int] = []
    real_submit = combine_module.ProcessPoolExecutor.submit

    def submit(pool, fn, *args, **kwargs):  # noqa: ANN001 - records what the run queues, then queues it
        if fn is combine_module._work_chunk:  # not the summary's renderer (sheetparts.py)
            submitted.append(len(args[0]))
        return real_submit(pool, fn, *args, **kwargs)

    monkeypatch.setattr(combine_module.ProcessPoolExecutor, "submit", submit)
    queued_at_first_result: list[int] = []

    def progress(done: int, total: int, result: object) -> None:
        if not queued_at_first_result:
            queued_at_first_result.append(len(submitted))

    report = combine([tmp_path / "in"], tmp_path / "s.xlsx", jobs=2, progress=progress)
    assert queued_at_first_result == [2 * 4 + 1]  # the window, and the chunk queued when the first came back
    assert [f.path for f in report.files] == [f"in/{i:02d}.xlsx" for i in range(41)]
    assert {f.fate for f in report.files} == {"unreadable"}
    assert sum(submitted) == 41 and max(submitted) == 2  # 41 // (2 workers × 8) = 2 files a chunk


def test_a_worker_that_dies_costs_only_its_file(tmp_path, monkeypatch):
    """A worker process that dies (a crash in a library, the OOM killer) breaks the pool: the files not
    yet listed are redone one per process, and only the file that kills its process is listed as such."""
    import xltools.district.combine as combine_module

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.xlsx").write_bytes(b"not a zip %d" % i)
    real = combine_module.process_file

    def dies_on_07(task, **kwargs):  # noqa: ANN001 - runs in the forked workers
        if task[0].endswith("07.xlsx"):
            os._exit(9)
        return real(task, **kwargs)

    monkeypatch.setattr(combine_module, "process_file", dies_on_07)
    report = combine([folder], tmp_path / "s.xlsx", jobs=2)
    fates = {Path(f.path).name: (f.fate, f.reason) for f in report.files}
    assert fates.pop("07.xlsx") == ("unreadable", "读取该文件时处理进程意外退出（文件可能已损坏或过于复杂）；"
                                                  "请用 Excel 打开检查后重新保存")
    assert {fate for fate, _ in fates.values()} == {"unreadable"} and len(fates) == 11
    assert not any("意外退出" in reason for _, reason in fates.values())


def test_chunks_cover_the_files_in_order_and_shrink_towards_the_end():
    """Guided scheduling: 32 files a chunk while many are left, then the files left over 4 per worker, down to
    one file, so the workers end together."""
    from xltools.district.workers import chunks

    pieces = list(chunks(2000, 2))
    assert pieces[0] == (0, 32) and pieces[-1] == (1999, 2000)
    assert all(end == start for (_, end), (start, _) in zip(pieces, pieces[1:]))  # contiguous, input order
    sizes = [end - start for start, end in pieces]
    assert sizes == sorted(sizes, reverse=True) and max(sizes[-8:]) == 1
    # 32 files a chunk while 256 or more are left (55 chunks: 2000 - 55 × 32 = 240 left), then 240 // 8 = 30
    assert sizes[:56] == [32] * 55 + [30] and sizes[56] == (240 - 30) // 8
    assert [end - start for start, end in chunks(5, 2)] == [1] * 5


def test_files_found_through_a_linked_folder_are_listed_by_their_real_path(tmp_path):
    """A file's real path is its folder's real path and its name (no link) or the link resolved (a link)."""
    from xltools.district.discover import discover

    real = tmp_path / "真实" / "甲街道"
    real.mkdir(parents=True)
    (real / "a.xlsx").write_bytes(b"x")
    (tmp_path / "其他.xlsx").write_bytes(b"y")
    os.symlink(tmp_path / "其他.xlsx", real / "链接.xlsx")
    inputs = tmp_path / "输入"
    inputs.mkdir()
    os.symlink(real, inputs / "甲街道")  # the folder itself reached through a link
    found = discover([inputs], output=tmp_path / "汇总.xlsx")
    assert {(f.shown, f.path) for f in found} == {
        ("输入/甲街道/a.xlsx", os.path.join(os.path.realpath(real), "a.xlsx")),
        ("输入/甲街道/链接.xlsx", os.path.realpath(tmp_path / "其他.xlsx"))}


def test_the_summary_is_deflated_at_the_fast_level(tmp_path):
    """The summary's zip at SUMMARY_DEFLATE_LEVEL (2), not zlib's default 6: each part's stored size is what zlib
    makes of its bytes at level 2 (raw deflate, as zip stores it); XlsxWriter's own workbooks keep level 6."""
    import zlib
    import zipfile

    import xlsxwriter
    import xlsxwriter.workbook

    from xltools.district.combine import SUMMARY_DEFLATE_LEVEL

    def deflated(data: bytes, level: int) -> int:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return len(packer.compress(data) + packer.flush())

    forms = tmp_path / "in"
    forms.mkdir()
    for n in range(4):
        shutil.copy(Path(__file__).parent / "fixtures" / "v1_0" / "clean.xlsx", forms / f"{n}.xlsx")
    combine([forms], tmp_path / "s.xlsx", jobs=2)
    with zipfile.ZipFile(tmp_path / "s.xlsx") as book:
        infos = sorted(book.infolist(), key=lambda i: i.file_size)[-3:]  # the largest parts
        assert SUMMARY_DEFLATE_LEVEL == 2
        assert [i.compress_size for i in infos] == [deflated(book.read(i), 2) for i in infos]
        assert [i.compress_size for i in infos] != [deflated(book.read(i), 6) for i in infos]
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile  # given back after the summary
    other = xlsxwriter.Workbook(str(tmp_path / "other.xlsx"))
    other.add_worksheet().write_string(0, 0, "项目" * 2000 + "".join(str(n) for n in range(3000)))
    other.close()
    with zipfile.ZipFile(tmp_path / "other.xlsx") as book:
        info = max(book.infolist(), key=lambda i: i.file_size)
        assert info.compress_size == deflated(book.read(info), 6)


def test_with_a_new_store_the_workers_start_before_it_is_made(tmp_path, monkeypatch):
    """A store this run makes holds nothing to reuse: the files are given out first, the store made while they are
    read; a store that exists is asked first (what it holds is not read again), so nothing is given out before it."""
    import xltools.district.combine as combine_module
    from xltools.district.store import Store

    forms = tmp_path / "in"
    forms.mkdir()
    for n in range(8):
        shutil.copy(Path(__file__).parent / "fixtures" / "v1_0" / "clean.xlsx", forms / f"{n}.xlsx")
    submitted: list[int] = []
    real_submit = combine_module.ProcessPoolExecutor.submit

    def submit(pool, fn, *args, **kwargs):  # noqa: ANN001 - counts the chunks given out
        if fn is combine_module._work_chunk:
            submitted.append(len(args[0]))
        return real_submit(pool, fn, *args, **kwargs)

    given_out_when_opened: list[int] = []

    class Opened(Store):
        def __init__(self, path, **kwargs):  # noqa: ANN001, ANN003
            if not kwargs.get("read_only"):
                given_out_when_opened.append(sum(submitted))
            super().__init__(path, **kwargs)

    monkeypatch.setattr(combine_module.ProcessPoolExecutor, "submit", submit)
    monkeypatch.setattr(combine_module, "Store", Opened)
    first = combine([forms], tmp_path / "s.xlsx", jobs=2)
    second = combine([forms], tmp_path / "s.xlsx", jobs=2, force=True)
    assert (first.read, second.reused) == (8, 8)
    assert given_out_when_opened[0] == 8 and given_out_when_opened[1] == 8  # the first run's 8, none by the second


def test_a_new_store_that_cannot_be_made_ends_the_workers_started_before_it(tmp_path, monkeypatch):
    import multiprocessing

    import xltools.district.combine as combine_module
    from xltools.district.store import StoreError

    forms = tmp_path / "in"
    forms.mkdir()
    for n in range(8):
        shutil.copy(Path(__file__).parent / "fixtures" / "v1_0" / "clean.xlsx", forms / f"{n}.xlsx")

    def refused(path, **kwargs):  # noqa: ANN001, ANN003
        assert multiprocessing.active_children()  # the workers are reading already
        raise StoreError(f"结果库 {path} 无法打开：磁盘已满")

    monkeypatch.setattr(combine_module, "Store", refused)
    with pytest.raises(StoreError, match="磁盘已满"):
        combine([forms], tmp_path / "s.xlsx", jobs=2)
    left = multiprocessing.active_children()  # ended, and known to have ended (not left to the pool's thread)
    assert left == [], [(child.name, child.pid, Path(f"/proc/{child.pid}").exists()) for child in left]
    assert not (tmp_path / "s.xlsx").exists()
