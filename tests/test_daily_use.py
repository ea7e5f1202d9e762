"""Issue 18, wrong data: refilling a filled template, forms longer than the template, export of a fresh fill."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from xltools.cli import main
from xltools.core import Form
from xltools.excel.fill import fill_workbook
from xltools.form.layout import SHEET
from xltools.io.engine import recalculate
from xltools.io.forms import load_form
from xltools.io.xlsxread import read_workbook

from .forms import clean_form, seed_form
from .lo import require_soffice


def _three_indicator_form() -> Form:
    base = clean_form()
    kept = [asdict(base.indicators[i]) for i in (0, 1, 5)]  # weights 20, 15, 10, full scores
    # 总分 by hand: budget 95.5/100 × 10 = 9.55, plus 20 + 15 + 10
    return clean_form(indicators=kept, total_score=54.55, lead_phone=None)


def _json(path: Path, form: Form) -> Path:
    path.write_text(form.to_json(), encoding="utf-8")
    return path


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    main(["check", "--json", str(path)])
    return json.loads(capsys.readouterr().out)


def _cells(result: dict[str, object]) -> set[tuple[str, str]]:
    return {(f["code"], f["cell"]) for f in result["findings"]}  # type: ignore[index, union-attr]


def test_fill_into_a_filled_template_keeps_nothing_of_the_old_form(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    require_soffice()
    old = fill_workbook(seed_form(), tmp_path / "seed.xlsx")  # 9 indicators, 总分 100
    new = _json(tmp_path / "three.json", _three_indicator_form())
    out = tmp_path / "three.xlsx"
    assert main(["fill", str(new), "--template", str(old), "-o", str(out)]) == 0
    capsys.readouterr()
    form = load_form(out).form
    assert [ind.name for ind in form.indicators] == ["改造桶站数量", "验收合格率", "居民满意度"]
    assert form.lead_phone is None  # an input the new form leaves empty is empty, not the old form's
    assert form.project_name == "垃圾分类桶站改造"
    result = _check(out, capsys)
    assert result["total"] == 54.55 and len(result["indicator_scores"]) == 3  # type: ignore[arg-type]
    # the workbook's own 总分 formula, recalculated by LibreOffice, shows the new form's total
    (recalculated,) = recalculate([out], tmp_path / "recalc")
    sheet = read_workbook(recalculated).sheets[SHEET]
    assert sheet.value("H30") == pytest.approx(54.55, abs=1e-9)
    assert sheet.value("G30") == 55  # 分值合计: 10 + 20 + 15 + 10


def _long_form() -> Form:
    """20 indicators (one empty row among them): indicator 18 scores above its weight, the weights
    sum to 100.5 and the typed total is wrong."""
    rows: list[dict[str, object]] = []
    for i in range(20):
        rows.append({"level1": "产出指标", "level2": "数量指标", "name": f"完成点位数量{i + 1}", "target": "≥40个",
                     "actual": "40个", "weight": 4.5, "score": 4.5})
    rows[17]["score"] = 6
    rows[19]["weight"] = 5
    rows.insert(5, {})  # an empty row: fill leaves it out, so later indicators move up one row
    return clean_form(indicators=rows, total_score=1)


def test_findings_on_a_long_json_form_name_the_cells_fill_writes(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = _json(tmp_path / "long.json", _long_form())
    on_json = _check(source, capsys)
    out = tmp_path / "long.xlsx"
    assert main(["fill", str(source), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "表单有 20 条绩效指标，多于模板默认的 15 行：已生成 20 行的表格" in printed
    on_book = _check(out, capsys)
    # by hand: 20 indicator rows from row 15 → indicator 18 on row 32, the total row is 35
    assert ("score-out-of-range", f"{SHEET}!H32") in _cells(on_json)
    assert ("weights-sum", f"{SHEET}!G35") in _cells(on_json)
    assert ("total-mismatch", f"{SHEET}!H35") in _cells(on_json)  # in the workbook 总分 is a formula there
    assert _cells(on_json) - {("total-mismatch", f"{SHEET}!H35")} == _cells(on_book)


def test_fill_says_nothing_about_rows_for_a_short_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _json(tmp_path / "clean.json", clean_form())
    assert main(["fill", str(source), "-o", str(tmp_path / "clean.xlsx")]) == 0
    assert "行的表格" not in capsys.readouterr().out


def test_export_of_a_fresh_fill_has_the_scores_a_resaved_one_has(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    require_soffice()
    book = fill_workbook(seed_form(), tmp_path / "seed.xlsx")
    assert main(["export", str(book)]) == 0
    out = capsys.readouterr()
    fresh = json.loads(out.out)
    # the paper form: 预算执行得分 10 (6.6296 of 6.6296 executed), 总分 100
    assert (fresh["budget_score"], fresh["total_score"]) == (10, 100)
    assert "预算执行得分、总分是公式" in out.err and str(book) in out.err
    (resaved,) = recalculate([book], tmp_path / "recalc")
    assert main(["export", str(resaved)]) == 0
    out = capsys.readouterr()
    again = json.loads(out.out)
    assert (again["budget_score"], again["total_score"]) == (10, 100)
    assert out.err == ""  # the re-saved workbook holds the values itself
    # the exported JSON is a valid form for check and fill
    exported = tmp_path / "seed.json"
    exported.write_text(out.out, encoding="utf-8")
    assert main(["check", str(exported)]) == 0
    assert main(["fill", str(exported), "-o", str(tmp_path / "again.xlsx")]) == 0


def test_combine_names_the_files_with_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "in"
    fill_workbook(clean_form(), root / "ok.xlsx")
    over = {"total": {"initial_budget": 100.0, "annual_budget": 100.0, "executed": 120.0}}  # executed > budget
    fill_workbook(clean_form(implementing_unit="建外街道办事处", funds=over), root / "errors.xlsx")
    (root / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code = main(["combine", str(root), "-o", str(tmp_path / "summary.xlsx"), "--jobs", "1"])
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    named = [line for line in lines if line.startswith("  ") and ".xlsx" in line]
    assert len(named) == 2, lines
    assert "无法读取" in named[0] and "broken.xlsx：" in named[0]  # the fate first, with its reason
    assert "有错误" in named[1] and "errors.xlsx：错误" in named[1] and "问题清单" in named[1]
    assert not any("ok.xlsx" in line for line in lines)
