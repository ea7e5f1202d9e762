"""``xltools report 汇总.xlsx | --store S -o 自评汇总分析.docx``: the district report.

Every number the report states is recomputed here from the summary workbook, read with openpyxl, with this
file's own arithmetic (not the report's code), and looked for in the .docx text; every number in the .docx
must be one of them (or one of the summary's own texts it quotes). The summary comes from a small demo
district (targets, an expected list, a sample and two rounds in one results store).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.lo import engine_missing, require_soffice

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig></fontconfig>
"""


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def district(demo_seed11) -> Path:  # type: ignore[no-untyped-def]
    return demo_seed11.directory


@pytest.fixture(scope="module")
def report(district: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # (the demo itself wrote 自评汇总分析.docx of the last round)
    out = tmp_path_factory.mktemp("district-report") / "第一轮汇总分析.docx"
    proc = run_cli("report", str(district / "汇总.xlsx"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "已写出" in proc.stdout and "Traceback" not in proc.stderr
    return out


def docx_text(path: Path) -> tuple[str, list[list[list[str]]]]:
    from docx import Document

    document = Document(str(path))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return "\n".join(p.text for p in document.paragraphs), tables


def sheet_rows(book, name: str) -> list[dict[str, object]]:
    rows = list(book[name].iter_rows(values_only=True))
    head = [str(h).replace("\n", "") if h is not None else "" for h in rows[0]]
    return [dict(zip(head, row)) for row in rows[1:]]


def pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"  # the report's way of writing a share: one decimal


def two(value: float) -> str:
    return f"{value:.2f}"


def wan(value: float) -> str:
    return f"{value:,.2f}"


@pytest.fixture(scope="module")
def expected(district: Path) -> dict:
    """The report's numbers, computed here from the summary workbook."""
    from openpyxl import load_workbook

    book = load_workbook(district / "汇总.xlsx", read_only=True, data_only=True)
    projects = [r for r in sheet_rows(book, "汇总") if isinstance(r["序号"], int)]
    findings = [r for r in sheet_rows(book, "问题清单") if r["代码"]]
    drift = [r for r in sheet_rows(book, "目标偏离") if r["代码"]]
    sample = [r for r in sheet_rows(book, "抽查名单") if r["项目名称"]]
    missing = [r for r in sheet_rows(book, "未报送") if r["项目名称"]]
    by_unit_sheet = {r["实施单位"]: r for r in sheet_rows(book, "按单位") if r["实施单位"] not in (None, "全区合计")}
    book.close()
    return {"projects": projects, "findings": findings, "drift": drift, "sample": sample, "missing": missing,
            "units_sheet": by_unit_sheet}


def test_overview_numbers_recomputed_from_the_summary(report: Path, expected: dict) -> None:
    text, tables = docx_text(report)
    projects = expected["projects"]
    units = {p["实施单位"] for p in projects}
    budget = sum(p["全年预算数（万元）"] or 0 for p in projects)
    executed = sum(p["全年执行数（万元）"] or 0 for p in projects)
    assert f"本轮汇总 {len(projects)} 个项目，涉及 {len(units)} 个实施单位" in text
    assert f"全年预算数合计 {wan(budget)} 万元，全年执行数合计 {wan(executed)} 万元，总体预算执行率 {pct(executed / budget)}" in text
    rates = [p["执行率"] for p in projects if isinstance(p["执行率"], (int, float))]
    assert (f"填有预算执行率的 {len(rates)} 个项目，执行率平均为 {pct(sum(rates) / len(rates))}，最高 {pct(max(rates))}，"
            f"最低 {pct(min(rates))}") in text
    bands = Counter()
    for r in rates:  # the bands the reader expects: below 60, 60-80, 80-90, 90-100, exactly 100, above
        bands["低于 60%" if r < 0.6 else "60%～80%" if r < 0.8 else "80%～90%" if r < 0.9 else "90%～100%" if r < 1
              else "100%" if r == 1 else "超过 100%"] += 1
    band_table = next(t for t in tables if t[0][0] == "预算执行率")
    assert {row[0]: int(row[1]) for row in band_table[1:]} == {k: bands.get(k, 0) for k in (
        "低于 60%", "60%～80%", "80%～90%", "90%～100%", "100%", "超过 100%")}
    assert all(row[2] == pct(int(row[1]) / len(rates)) for row in band_table[1:])
    scores = [p["复核总分"] for p in projects if isinstance(p["复核总分"], (int, float))]
    assert (f"有复核总分的 {len(scores)} 个项目，复核总分平均 {two(sum(scores) / len(scores))} 分，最高 {two(max(scores))} 分，"
            f"最低 {two(min(scores))} 分") in text
    grades = Counter(p["等级"] for p in projects)
    for grade in ("优", "良", "中", "差"):
        assert f"{grade} {grades.get(grade, 0)} 个（{pct(grades.get(grade, 0) / len(projects))}）" in text


def test_problems_by_rule_with_two_examples_and_the_drift(report: Path, expected: dict) -> None:
    from xltools.core.findings import RULES

    text, _ = docx_text(report)
    findings = expected["findings"]
    errors = sum(1 for f in findings if f["级别"] == "错误")
    touched = {(f["实施单位"], f["项目名称"]) for f in findings}
    assert f"汇总共发现问题 {len(findings)} 处（错误 {errors} 处，警告 {len(findings) - errors} 处），涉及 {len(touched)} 个项目" in text
    codes = Counter(f["代码"] for f in findings)
    assert len(codes) >= 5
    for code, count in codes.items():
        projects = len({(f["实施单位"], f["项目名称"]) for f in findings if f["代码"] == code})
        line = f"{RULES[code].title}（{code}，"
        assert line in text, code
        assert re.search(re.escape(line) + r"(错误|警告)）：" + f"{count} 处，涉及 {projects} 个项目", text), code
        quoted = [f["说明"] for f in findings if f["代码"] == code and f"：{f['说明']}" in text]
        assert len(quoted) >= min(2, count), code  # two examples, quoted from 问题清单
    drift = expected["drift"]
    assert drift, "the demo plants drift"
    serious = sum(1 for d in drift if d["级别"] == "错误")
    assert (f"共 {len(drift)} 处不一致（错误 {serious} 处），涉及 {len({(d['实施单位'], d['项目']) for d in drift})} 个项目、"
            f"{len({d['实施单位'] for d in drift})} 个实施单位") in text
    # the rules' order: errors first
    positions = [text.index(f"（{code}，") for code in codes]
    order = sorted(codes, key=lambda c: text.index(f"（{c}，"))
    assert positions and all(next(f["级别"] for f in findings if f["代码"] == c) == "错误"
                             for c in order[:sum(1 for c in codes if any(f["代码"] == c and f["级别"] == "错误" for f in findings))])


def test_unit_table_matches_both_the_projects_and_the_combiners_own_sheet(report: Path, expected: dict) -> None:
    _, tables = docx_text(report)
    table = next(t for t in tables if t[0][0] == "实施单位" and t[0][1] == "项目数")
    assert table[0] == ["实施单位", "项目数", "全年预算数（万元）", "全年执行数（万元）", "执行率", "平均复核总分", "优", "良", "中", "差"]
    rows = {row[0]: row for row in table[1:]}
    by_unit: dict[str, list[dict]] = {}
    for p in expected["projects"]:
        by_unit.setdefault(p["实施单位"], []).append(p)
    assert set(rows) == set(by_unit) == set(expected["units_sheet"])
    for unit, projects in by_unit.items():
        budget = sum(p["全年预算数（万元）"] or 0 for p in projects)
        executed = sum(p["全年执行数（万元）"] or 0 for p in projects)
        scores = [p["复核总分"] for p in projects if isinstance(p["复核总分"], (int, float))]
        grades = Counter(p["等级"] for p in projects)
        want = [unit, str(len(projects)), wan(budget), wan(executed), pct(executed / budget) if budget else "—",
                two(sum(scores) / len(scores)) if scores else "—", *(str(grades.get(g, 0)) for g in "优良中差")]
        assert rows[unit] == want, unit
        sheet = expected["units_sheet"][unit]  # the combiner's 按单位, computed by other code
        assert int(rows[unit][1]) == sheet["项目数"]
        assert rows[unit][2] == wan(sheet["全年预算数合计（万元）"]) and rows[unit][3] == wan(sheet["全年执行数合计（万元）"])
        assert [int(x) for x in rows[unit][6:]] == [sheet[f"{g}（个）"] for g in "优良中差"]


def test_missing_and_sample_lists(report: Path, expected: dict) -> None:
    _, tables = docx_text(report)
    missing = next(t for t in tables if t[0][0] == "类别")
    assert [row[:3] for row in missing[1:]] == [[r["类别"], r["实施单位"], r["项目名称"]] for r in expected["missing"]]
    sample = next(t for t in tables if t[0][-1] == "抽取原因")
    assert [row[:3] for row in sample[1:]] == [[r["实施单位"], r["项目名称"], two(r["复核总分"])] for r in expected["sample"]]
    assert len(sample) - 1 == len(expected["sample"]) > 0


def figures(expected: dict) -> set[str]:
    """Every figure the report may compute, as written: sums, rates, averages, shares (overall and per unit)."""
    out: set[str] = set()
    groups = [expected["projects"]]
    by_unit: dict[str, list[dict]] = {}
    for p in expected["projects"]:
        by_unit.setdefault(p["实施单位"], []).append(p)
    groups += list(by_unit.values())
    for projects in groups:
        budget = sum(p["全年预算数（万元）"] or 0 for p in projects)
        executed = sum(p["全年执行数（万元）"] or 0 for p in projects)
        out.update({wan(budget), wan(executed)})
        if budget:
            out.add(pct(executed / budget)[:-1])
        rates = [p["执行率"] for p in projects if isinstance(p["执行率"], (int, float))]
        scores = [p["复核总分"] for p in projects if isinstance(p["复核总分"], (int, float))]
        if rates:
            out.update(pct(sum(rates) / len(rates))[:-1] for _ in (0,))
            out.update(pct(k / len(rates))[:-1] for k in range(len(rates) + 1))
        if scores:
            out.add(two(sum(scores) / len(scores)))
        out.update(pct(k / len(projects))[:-1] for k in range(len(projects) + 1))
    return out


def test_every_number_in_the_report_comes_from_the_summary(report: Path, expected: dict, district: Path) -> None:
    """The reverse: no number in the report that is neither in the summary's cells nor computed from them."""
    from openpyxl import load_workbook

    text, tables = docx_text(report)
    allowed = figures(expected)
    book = load_workbook(district / "汇总.xlsx", read_only=True, data_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    allowed.update({str(value), two(value), wan(value), pct(value)[:-1]})
                elif isinstance(value, str):
                    allowed.update(NUMBER.findall(value))
    book.close()
    allowed |= {"60", "80", "90", "100", "1", "2"}  # the rate bands' bounds, 图1 and 图2
    counts = len(expected["projects"]) + len(expected["findings"])
    allowed |= {str(n) for n in range(counts + 1)}  # counts (projects, findings, units) and the rules' numbering
    strays = [token for token in NUMBER.findall(text + "\n" + "\n".join(c for t in tables for row in t for c in row))
              if token.rstrip(",") not in allowed]
    assert strays == []


def test_two_charts_are_embedded(report: Path) -> None:
    import io

    from docx import Document
    from PIL import Image

    document = Document(str(report))
    assert len(document.inline_shapes) == 2
    images = [part for part in document.part.package.parts if part.content_type == "image/png"]
    assert len(images) == 2
    sizes = sorted(Image.open(io.BytesIO(part.blob)).size for part in images)
    assert all(w > 600 and h > 300 for w, h in sizes), sizes
    text, _ = docx_text(report)
    assert "图1 各实施单位项目等级分布" in text and "图2 项目预算执行率分布" in text


def test_rendered_to_pdf_and_png(report: Path, tmp_path: Path) -> None:
    require_soffice()
    from xltools.io.engine import pdf_to_pngs, to_pdf

    pdf = to_pdf([report], tmp_path)[0]
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 3
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("\n", "")  # a long title wraps
    for heading in ("朝阳区项目支出绩效自评汇总分析", "一、总体情况", "二、存在的主要问题", "三、各实施单位情况", "四、未报送项目",
                    "五、抽查项目"):
        assert heading in text
    pngs = pdf_to_pngs(pdf, tmp_path / "png")
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_from_the_store_by_round(district: Path, report: Path, tmp_path: Path) -> None:
    store = district / "xltools结果库.sqlite"
    first = tmp_path / "第一轮.docx"
    proc = run_cli("report", "--store", str(store), "--round", "第一轮", "-o", str(first))
    assert proc.returncode == 0, proc.stderr
    assert docx_text(first) == docx_text(report)  # the same summary, the same report
    last = tmp_path / "最后.docx"
    assert run_cli("report", "--store", str(store), "-o", str(last)).returncode == 0
    assert "汇总_第二轮.xlsx" in docx_text(last)[0]
    proc = run_cli("report", "--store", str(store), "--round", "第九轮", "-o", str(tmp_path / "x.docx"))
    assert proc.returncode == 2 and "第九轮" in proc.stderr and "第一轮" in proc.stderr


def test_a_round_whose_summary_was_moved(district: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    shutil.copy(district / "xltools结果库.sqlite", store)
    with sqlite3.connect(store) as db:
        db.execute("UPDATE rounds SET summary = ?", (str(tmp_path / "不在了.xlsx"),))
    proc = run_cli("report", "--store", str(store), "-o", str(tmp_path / "x.docx"))
    assert proc.returncode == 2 and "不在了.xlsx" in proc.stderr and "不存在" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.docx").exists()
    damaged = tmp_path / "坏了.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not a workbook")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE rounds SET summary = ?", (str(damaged),))
    proc = run_cli("report", "--store", str(store), "-o", str(tmp_path / "x.docx"))
    assert proc.returncode == 2 and "坏了.xlsx" in proc.stderr and "已损坏" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.docx").exists()
    not_a_store = tmp_path / "别的.sqlite"
    with sqlite3.connect(not_a_store) as db:
        db.execute("CREATE TABLE t (a)")
    proc = run_cli("report", "--store", str(not_a_store), "-o", str(tmp_path / "x.docx"))
    assert proc.returncode == 2 and "无法读取" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_arguments_and_outputs(district: Path, report: Path, tmp_path: Path) -> None:
    summary = str(district / "汇总.xlsx")
    proc = run_cli("report", summary, "--round", "第一轮", "-o", str(tmp_path / "x.docx"))
    assert proc.returncode == 2 and "--store" in proc.stderr
    proc = run_cli("report", summary, "-o", str(report))  # exists, no --force
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert run_cli("report", summary, "-o", str(report), "--force").returncode == 0
    from docx import Document

    other = tmp_path / "别人的.docx"  # a Word file xltools did not write is never replaced
    Document().save(str(other))
    before = other.read_bytes()
    proc = run_cli("report", summary, "-o", str(other), "--force")
    assert proc.returncode == 2 and other.read_bytes() == before
    proc = run_cli("report", summary, "-o", summary, "--force")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run_cli("report", "--store", str(tmp_path / "无.sqlite"), "-o", str(tmp_path / "y.docx"))
    assert proc.returncode == 2 and "不存在" in proc.stderr
    proc = run_cli("report", summary, "--store", str(district / "xltools结果库.sqlite"), "-o", str(tmp_path / "z.docx"))
    assert proc.returncode == 2 and "不要同时给出" in proc.stderr
    proc = run_cli("report", summary, "-o", str(tmp_path / "z.pdf"))
    assert proc.returncode == 2 and ".docx" in proc.stderr and not (tmp_path / "z.pdf").exists()


def test_without_matplotlib_it_says_how_to_install_it(district: Path, tmp_path: Path) -> None:
    """A clerk's light install has no matplotlib: the district report says which extra to install."""
    fake = tmp_path / "site" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    out = tmp_path / "x.docx"
    proc = run_cli("report", str(district / "汇总.xlsx"), "-o", str(out), env=env)
    assert proc.returncode == 2, proc.stderr
    assert "matplotlib" in proc.stderr and "xltools-chaoyang[report]" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_without_a_chinese_font_it_says_so(district: Path, tmp_path: Path) -> None:
    if shutil.which("fc-list") is None:
        engine_missing("fc-list (fontconfig) missing")
    config = tmp_path / "fonts.conf"
    config.write_text(EMPTY_FONTCONFIG, encoding="utf-8")
    out = tmp_path / "x.docx"
    proc = run_cli("report", str(district / "汇总.xlsx"), "-o", str(out), env={**os.environ, "FONTCONFIG_FILE": str(config)})
    assert proc.returncode == 2, proc.stderr
    assert "没有中文字体" in proc.stderr and "fonts-wqy-zenhei" in proc.stderr
    assert not out.exists()
    # this machine does have one: the message came from the empty configuration
    from xltools.io.fonts import cjk_font_file

    assert cjk_font_file() is not None


def test_a_form_still_gets_a_draft(tmp_path: Path) -> None:
    from tests.forms import clean_form

    form = tmp_path / "f.json"
    form.write_text(clean_form().to_json(), encoding="utf-8")
    out = tmp_path / "f.docx"
    proc = run_cli("report", str(form), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    from xltools.io.draft import is_draft, is_report

    assert is_draft(out) and not is_report(out)


def test_the_check_path_does_not_import_matplotlib() -> None:
    form = ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx"
    code = ("import contextlib, io, sys\nfrom xltools.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): main(['check', {str(form)!r}])\n"
            "import xltools.cli.report, xltools.district.district_report, xltools.district.analysis\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_rate_bands_at_their_bounds() -> None:
    from xltools.district.analysis import rate_band

    cases = {0.0: "低于 60%", 0.5999: "低于 60%", 0.6: "60%～80%", 0.7999: "60%～80%", 0.8: "80%～90%", 0.8999: "80%～90%",
             0.9: "90%～100%", 0.9999: "90%～100%", 1.0: "100%", 1.0001: "超过 100%", 1.5: "超过 100%"}
    assert {rate: rate_band(rate) for rate in cases} == cases


def test_the_demo_writes_the_report_and_three_drafts(district: Path) -> None:
    """build_demo (render off) writes the last round's 自评汇总分析 and drafts of three projects (of different
    units where the small demo has enough clean forms)."""
    from docx import Document

    from xltools.io.draft import is_draft, is_report

    assert is_report(district / "自评汇总分析.docx")
    text = "\n".join(p.text for p in Document(str(district / "自评汇总分析.docx")).paragraphs)
    assert "汇总_第二轮.xlsx" in text
    drafts = sorted((district / "报告草稿").glob("*.docx"))
    assert len(drafts) == 3 and all(is_draft(d) for d in drafts)
    units = {Document(str(d)).paragraphs[3].text.split("实施单位：")[1].split("。")[0] for d in drafts}
    assert len(units) >= 2 and all(d.name.startswith(tuple(units)) for d in drafts), units
    assert not (district / "公开").exists()  # PDFs only when rendering (LibreOffice)


def test_reviewer_outcomes_chapter(district: Path, tmp_path: Path) -> None:
    """A summary with reviewer columns on 汇总 (as review import's next round and a reviewer's filled copy have
    them), typed here by openpyxl: 六、复核结果 counts the statuses, averages the final scores and lists the
    projects sent back and the reviewer's 处理 with the opinion."""
    from openpyxl import load_workbook

    source = tmp_path / "复核后.xlsx"
    book = load_workbook(district / "汇总.xlsx")
    ws = book["汇总"]
    heads = [str(c.value).replace("\n", "") for c in ws[1]]
    names = ("复核状态", "最终得分", "复核得分", "复核意见", "处理", "复核人", "复核日期")
    assert heads[-len(names):] == list(names)  # combine writes them last, in this order (a store goes with it)
    first = len(heads) - len(names) + 1
    rows = [r for r in range(2, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)]
    statuses = ["已通过", "已退回", "已修改", "待复核"]
    typed = {}
    for n, r in enumerate(rows):
        status = statuses[n % 4]
        final = round(80 + n * 0.5, 2)
        ws.cell(r, first, status)
        ws.cell(r, first + 1, final)
        typed[r] = (status, final)
    ws.cell(rows[0], first + 2, 88.5)
    ws.cell(rows[0], first + 3, "绩效指标设置不够细化，请补充")
    ws.cell(rows[0], first + 4, "退回修改")
    ws.cell(rows[0], first + 5, "张三")
    ws.cell(rows[1], first + 4, "通过")
    book.save(source)
    out = tmp_path / "r.docx"
    proc = run_cli("report", str(source), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text, tables = docx_text(out)
    assert "六、复核结果" in text
    counts = Counter(status for status, _ in typed.values())
    total = len(rows)
    for status, n in counts.items():
        assert f"{status} {n} 个（{pct(n / total)}）" in text
    finals = [final for _, final in typed.values()]
    assert f"有最终得分的 {len(finals)} 个项目" in text and f"最终得分平均 {two(sum(finals) / len(finals))} 分" in text
    sent_back = next(t for t in tables if t[0] == ["实施单位", "项目名称", "复核状态", "最终得分"])
    want = [[ws.cell(r, 2).value, ws.cell(r, 4).value, status, two(final)] for r, (status, final) in typed.items()
            if status in ("已退回", "已修改")]
    assert sent_back[1:] == want
    decided = next(t for t in tables if t[0][-1] == "复核人")
    assert decided[1] == [ws.cell(rows[0], 2).value, ws.cell(rows[0], 4).value, "88.50", "退回修改",
                          "绩效指标设置不够细化，请补充", "张三"]
    assert decided[2][3] == "通过" and len(decided) == 3
    assert "给出了处理意见：退回修改 1 个，通过 1 个" in text
    # the first round, before any import: one line saying so
    plain = tmp_path / "plain.docx"
    assert run_cli("report", str(district / "汇总.xlsx"), "-o", str(plain)).returncode == 0
    plain_text = docx_text(plain)[0]
    assert "六、复核结果" in plain_text and f"本轮 {total} 个项目均为待复核" in plain_text


def test_the_demo_reviewers_pass_in_the_last_rounds_report(district: Path, tmp_path: Path) -> None:
    """The demo's reviewer pass (review import between the rounds): the report of 汇总_第二轮 counts the statuses
    its 汇总 shows, and a report of the reviewer's filled summary lists each 处理."""
    from openpyxl import load_workbook

    book = load_workbook(district / "汇总_第二轮.xlsx", read_only=True, data_only=True)
    rows = [r for r in sheet_rows(book, "汇总") if isinstance(r["序号"], int)]
    book.close()
    statuses = Counter(r["复核状态"] for r in rows)
    assert set(statuses) - {"待复核"}, statuses  # the pass decided something
    text, tables = docx_text(district / "自评汇总分析.docx")
    for status, n in statuses.items():
        assert f"{status} {n} 个（{pct(n / len(rows))}）" in text
    finals = [r["最终得分"] for r in rows if isinstance(r["最终得分"], (int, float))]
    assert f"最终得分平均 {two(sum(finals) / len(finals))} 分，最低 {two(min(finals))} 分" in text
    reviewed = district / "汇总_复核后.xlsx"
    book = load_workbook(reviewed, read_only=True, data_only=True)
    decided = [r for r in sheet_rows(book, "汇总") if isinstance(r["序号"], int) and r["处理"]]
    book.close()
    out = tmp_path / "复核后.docx"
    assert run_cli("report", str(reviewed), "-o", str(out)).returncode == 0
    text, tables = docx_text(out)
    table = next(t for t in tables if t[0][-1] == "复核人")
    assert [row[:4] for row in table[1:]] == [[r["实施单位"], r["项目名称"], two(r["复核得分"]) if r["复核得分"] is not None
                                               else "", r["处理"]] for r in decided]
    assert f"对 {len(decided)} 个项目给出了处理意见" in text
