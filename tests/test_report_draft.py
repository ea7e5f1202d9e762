"""``xltools report FORM|DIR -o OUT``: a draft 自评报告 per project; every number in it is found in its form."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.forms import SEED_JSON, clean_form
from xltools.core import Form
from xltools.core.validation import from_data

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"\d+(?:\.\d+)?")
OUTLINE = ["一、项目基本情况", "二、绩效目标", "三、自评结论", "四、预算执行情况", "五、指标完成情况",
           "六、偏差原因及改进措施", "七、存在问题和建议", "八、其他需要说明的事项"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, cwd=ROOT)


def docx_text(path: Path) -> tuple[list[str], list[list[str]]]:
    """Paragraph texts and table rows of a .docx, read with python-docx."""
    from docx import Document

    document = Document(str(path))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return [p.text for p in document.paragraphs], rows


def numbers_of(value: object) -> set[str]:
    """Every number a form value holds, written as a person would (no trailing zeros), plus the digits in text."""
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, (int, float)):
        text = f"{float(value):.4f}".rstrip("0").rstrip(".")
        return {text}
    return set(NUMBER.findall(str(value)))


def form_numbers(data: dict) -> set[str]:
    found: set[str] = set()
    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            found.update(numbers_of(value))
    walk(data)
    return found


def assert_all_numbers_from(path: Path, data: dict) -> list[str]:
    paragraphs, rows = docx_text(path)
    allowed = form_numbers(data)
    total = data["funds"]["total"]
    rate = round(total["executed"] / total["annual_budget"] * 100, 2)  # 预算执行率, computed here by hand
    allowed.add(f"{rate:.4f}".rstrip("0").rstrip("."))
    texts = paragraphs + [cell for row in rows for cell in row]
    for text in texts:
        for number in NUMBER.findall(text):
            assert number in allowed, f"{number!r} in {text!r} is not in the form"
    return paragraphs


def write_book(form: Form, path: Path) -> None:
    """``form`` filled into a fresh template (formulas without cached values: computed on reading)."""
    from xltools.excel.fill import default_template
    from xltools.io.fill import fill_template

    path.parent.mkdir(parents=True, exist_ok=True)
    fill_template(form, path, default_template(form))


def test_draft_of_a_workbook_has_the_outline_and_only_the_forms_numbers(tmp_path: Path):
    form = clean_form()
    book = tmp_path / "朝外.xlsx"
    write_book(form, book)
    out = tmp_path / "草稿.docx"
    proc = run_cli("report", str(book), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(form.to_json())
    paragraphs = assert_all_numbers_from(out, data)
    headings = [p for p in paragraphs if p in OUTLINE]
    assert headings == OUTLINE
    text = "\n".join(paragraphs)
    assert "2024年度垃圾分类桶站改造项目支出绩效自评报告" in text
    assert "本项目自评总分 98.55 分，自评等级为“优”" in text  # 98.55 ≥ 90: 优
    assert "预算执行率 95.5%" in text  # 95.5 / 100
    assert f"“{data['goal_expected']}”" in text and f"“{data['goal_actual']}”" in text
    assert "“长效管理机制”：“制度执行初期部分点位巡查记录不全，下一步按月通报”" in text
    assert text.count("【待填写】") >= 5  # background, conclusion, funds use, analysis, problems, suggestions, other
    _, rows = docx_text(out)
    assert ["产出指标", "数量指标", "改造桶站数量", "≥40个", "40个", "20", "20"] in rows
    assert ["年度资金总额", "120", "100", "95.5"] in rows
    assert proc.stdout.strip().endswith(f"已写出 {out}")
    # no phone number is put into a report meant for others
    assert "13812345678" not in text and "85612345" not in text


def test_folder_of_forms_one_draft_each_and_unreadable_ones_named(tmp_path: Path):
    src = tmp_path / "报送"
    src.mkdir()
    seed = json.loads(SEED_JSON.read_text(encoding="utf-8"))
    write_book(from_data(Form, seed), src / "首都机场.xlsx")
    other = clean_form(total_score=None, goal_actual=None, indicators=[])
    write_book(other, src / "sub" / "朝外.xlsx")
    (src / "坏.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "草稿"
    proc = run_cli("report", str(src), "-o", str(out))
    assert proc.returncode == 2, proc.stderr  # one unreadable file, the others written
    assert "坏.xlsx" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.docx")) == ["sub/朝外.docx", "首都机场.docx"]
    assert_all_numbers_from(out / "首都机场.docx", seed)
    paragraphs, _ = docx_text(out / "sub" / "朝外.docx")
    text = "\n".join(paragraphs)
    assert "实际完成情况：“【待填写】（表中未填实际完成情况）”" in text
    assert "【待填写】（表中没有绩效指标）" in text
    # again without --force: refused, nothing changed; with --force: replaced
    again = run_cli("report", str(src), "-o", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    forced = run_cli("report", str(src), "-o", str(out), "--force")
    assert forced.returncode == 2 and "共写出 2 份草稿" in forced.stdout


def test_json_form_without_total_leaves_it_to_the_clerk(tmp_path: Path):
    form = tmp_path / "f.json"
    form.write_text(clean_form(total_score=None).to_json(), encoding="utf-8")  # JSON: no formula fills it in
    out = tmp_path / "f.docx"
    proc = run_cli("report", str(form), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    paragraphs, _ = docx_text(out)
    assert "本项目自评总分：【待填写】（表中未填总分）。" in paragraphs


@pytest.mark.parametrize("name", ["x.pdf", "x.xlsx"])
def test_output_must_be_docx_and_not_an_input(tmp_path: Path, name: str):
    form = tmp_path / "f.json"
    form.write_text(clean_form().to_json(), encoding="utf-8")
    proc = run_cli("report", str(form), "-o", str(tmp_path / name))
    assert proc.returncode == 2 and ".docx" in proc.stderr and "Traceback" not in proc.stderr
    other = tmp_path / "other.docx"
    other.write_bytes(b"PK not ours")
    proc = run_cli("report", str(form), "-o", str(other), "--force")
    assert proc.returncode == 2 and "不是自评报告草稿" in proc.stderr
    assert other.read_bytes() == b"PK not ours"

