"""Template 1.2 and ``xltools fill --targets``: prefilled forms with the approved cells locked, the approved
targets carried inside the workbook (drift and tamper found without the targets file), and a LibreOffice
round trip (locks kept, formulas computed, in-sheet checks working)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from xltools.cli import main
from xltools.core.targets import TargetIndicator
from xltools.excel.prefill import form_paths, safe_name
from xltools.form.identify import identify
from xltools.form.layout_v1_2 import LayoutV1_2
from xltools.io.engine import recalculate
from xltools.io.forms import judge_loaded, load_workbook
from xltools.io.targetsbook import write_targets
from xltools.io.xlsxread import read_workbook

from .lo import require_soffice
from .test_drift import approved

TODAY = dt.date(2027, 2, 1)
#: What the clerk reports on the approved project of tests.test_drift.approved() (six indicators).
REPORTED = {"C6": "王建国", "G6": "010-85612345", "E8": 100.0, "F8": 95.5, "F13": "完成 40 个桶站改造",
            "B31": "李四", "E31": "010-85612345", "H31": dt.date(2027, 1, 20)}
ACTUALS = [("40个", 20), ("100%", 15), ("25天", 15), ("92%", 15), ("已建立管护机制", 15), ("95%", 10)]


def _many() -> object:
    """A project with 20 indicators (more than the template's 15 rows)."""
    base = approved()
    extra = tuple(TargetIndicator("产出指标", "数量指标", f"改造点位{i}", f"≥{i}个", 1, row=10 + i) for i in range(14))
    return dataclasses.replace(base, name="大项目", indicators=base.indicators + extra)


@pytest.fixture
def prefilled(tmp_path: Path) -> dict[str, Path]:
    targets = tmp_path / "绩效目标表.xlsx"
    write_targets(targets, [approved(), _many(), approved(name='CON', code="X-1")])
    out = tmp_path / "预填"
    assert main(["fill", "--targets", str(targets), "-o", str(out), "--year", "2026"]) == 0
    unit = out / "朝外街道办事处"
    return {"targets": targets, "out": out, "form": unit / "垃圾分类桶站改造.xlsx", "many": unit / "大项目.xlsx",
            "con": unit / "CON_.xlsx"}


def _filled(source: Path, target: Path, **changes: object) -> Path:
    """The clerk's work: the reported cells typed in (values only), plus ``changes`` (cell → value)."""
    wb = openpyxl.load_workbook(source)
    ws = wb["自评表"]
    for cell, value in REPORTED.items():
        ws[cell] = value
    for i, (actual, score) in enumerate(ACTUALS):
        ws[f"F{15 + i}"], ws[f"H{15 + i}"] = actual, score
    for cell, value in changes.items():
        ws[cell] = value
    wb.save(target)
    return target


def _verdict(path: Path):
    return judge_loaded(load_workbook(path), today=TODAY)


def test_safe_names_for_windows(tmp_path):
    assert safe_name('a/b:c*?"<>|', "x") == "a_b_c______"
    assert safe_name("NUL", "x") == "NUL_" and safe_name("com1.txt", "x") == "com1.txt_"
    assert safe_name(" . ", "未填") == "未填" and len(safe_name("长" * 300, "x")) == 60
    p = approved()
    twins = [p, dataclasses.replace(p, name="垃圾分类桶站改造?"), dataclasses.replace(p, name="垃圾分类桶站改造*")]
    names = [path.name for path in form_paths(twins, tmp_path)]
    assert names == ["垃圾分类桶站改造.xlsx", "垃圾分类桶站改造_.xlsx", "垃圾分类桶站改造_（2）.xlsx"]


def test_fill_targets_writes_one_locked_form_per_project(prefilled):
    assert prefilled["form"].is_file() and prefilled["many"].is_file() and prefilled["con"].is_file()
    book = read_workbook(prefilled["form"])
    identity = identify(book)
    assert identity.version == "1.3" and identity.layout.rows == 15  # the current template
    sheet = book.sheet("自评表")
    layout = identity.layout
    assert isinstance(layout, LayoutV1_2)
    assert (sheet.value("B4"), sheet.value("G5"), sheet.value("D8"), sheet.value("E15"), sheet.value("G20")) == (
        "垃圾分类桶站改造", "朝外街道办事处", 120, "≥40个", 10)
    assert all(sheet.locked(cell) for cell in layout.approved_cells(6))
    assert not any(sheet.locked(cell) for cell in ("C6", "E8", "F8", "F13", "F15", "H15", "I15", "B21", "H31"))
    hidden = book.sheet("批复目标")
    assert hidden is not None and hidden.state == "veryHidden" and hidden.protected
    assert identify(read_workbook(prefilled["many"])).layout.rows == 20
    verdict = _verdict(prefilled["form"])
    assert not verdict.tamper and not verdict.drift  # nothing reported yet, nothing changed


def test_fill_targets_refuses_existing_forms_and_bad_output(prefilled, capsys):
    capsys.readouterr()
    args = ["fill", "--targets", str(prefilled["targets"]), "-o", str(prefilled["out"])]
    assert main(args) == 2 and "已有 3 个同名的表" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert main(["fill", "--targets", str(prefilled["targets"]), "-o", "x.xlsx"]) == 2
    assert main(["fill", "-o", "x.xlsx"]) == 2


def test_a_form_as_approved_is_clean_and_a_retyped_target_is_drift_and_tamper(prefilled, tmp_path):
    clean = _verdict(_filled(prefilled["form"], tmp_path / "clean.xlsx"))
    assert clean.findings == [] and clean.evaluation.sheet.total == 99.55
    # the clerk removes the protection, unlocks 年度指标值 and retypes it lower: found without the targets file
    wb = openpyxl.load_workbook(_filled(prefilled["form"], tmp_path / "t.xlsx"))
    ws = wb["自评表"]
    ws.protection.sheet = False
    ws["E15"].protection = openpyxl.styles.Protection(locked=False)
    ws["E15"] = "≥30个"
    wb.save(tmp_path / "t.xlsx")
    found = {(f.code, f.cell) for f in _verdict(tmp_path / "t.xlsx").findings}
    assert ("target-lowered", "自评表!E15") in found
    assert ("tamper-unprotected", "自评表!") in found
    assert ("tamper-cell-unlocked", "自评表!E15") in found
    # and with the targets file the same project is matched (by its 项目代码 or its name)
    assert main(["check", str(tmp_path / "t.xlsx"), "--targets", str(prefilled["targets"])]) == 1


def test_the_carried_targets_edited_too_is_tamper(prefilled, tmp_path):
    wb = openpyxl.load_workbook(_filled(prefilled["form"], tmp_path / "t.xlsx", E15="≥30个"))
    wb["批复目标"]["D9"] = "≥30个"  # the first approved indicator's 指标值 on the hidden sheet
    wb.save(tmp_path / "t.xlsx")
    codes = {f.code for f in _verdict(tmp_path / "t.xlsx").findings}
    assert "tamper-targets-changed" in codes and "target-lowered" not in codes


def test_added_indicator_on_a_prefilled_form(prefilled, tmp_path):
    path = _filled(prefilled["form"], tmp_path / "t.xlsx", B21="产出指标", C21="数量指标", D21="宣传次数",
                   E21="≥2次", F21="3次", G21=0)
    found = {(f.code, f.cell) for f in _verdict(path).findings}
    assert ("indicator-added", "自评表!D21") in found


def test_libreoffice_round_trip_keeps_locks_computes_formulas_and_checks(prefilled, tmp_path):
    require_soffice()
    good = _filled(prefilled["form"], tmp_path / "good.xlsx")
    bad = _filled(prefilled["form"], tmp_path / "bad.xlsx", H15=25)  # 得分 25 > 分值 20: an in-sheet error
    out = recalculate([good, bad], tmp_path / "lo")
    layout = LayoutV1_2(15)
    for path, errors in zip(out, (0, 1)):
        book = read_workbook(path)
        sheet = book.sheet("自评表")
        assert sheet.protected and all(sheet.locked(cell) for cell in layout.approved_cells(6))
        assert not sheet.locked("F15") and not sheet.locked("H15")
        assert sheet.value("H8") == pytest.approx(0.955) and sheet.value("I8") == pytest.approx(9.55)
        assert (sheet.value(layout.count_cells["errors"]) or 0) >= errors
        assert bool(sheet.value(layout.count_cells["errors"])) == bool(errors)
    assert read_workbook(out[0]).sheet("自评表").value("H30") == pytest.approx(99.55)
    verdict = _verdict(out[0])  # re-saved by a spreadsheet: still not tampered, carried targets still read
    assert verdict.findings == []
    lowered = _filled(out[0], tmp_path / "lowered.xlsx", E15="≥30个")  # openpyxl writes a locked cell's value
    assert ("target-lowered", "自评表!E15") in {(f.code, f.cell) for f in _verdict(lowered).findings}


def test_combine_without_targets_reads_the_carried_targets(prefilled, tmp_path, capsys):
    forms = tmp_path / "收表"
    forms.mkdir()
    _filled(prefilled["form"], forms / "clean.xlsx")
    wb = openpyxl.load_workbook(_filled(prefilled["con"], forms / "lowered.xlsx"))  # another project
    ws = wb["自评表"]
    ws.protection.sheet = False
    ws["E17"] = "≤45天"  # 完工时间, approved ≤30天
    wb.save(forms / "lowered.xlsx")
    out = tmp_path / "汇总.xlsx"
    assert main(["combine", str(forms), "-o", str(out), "--jobs", "1"]) == 1
    capsys.readouterr()
    files = {Path(str(row[1])).name: row for row in openpyxl.load_workbook(out, read_only=True)["文件清单"]
             .iter_rows(values_only=True)}
    assert "模板被改动" not in files["clean.xlsx"] and "模板被改动" in files["lowered.xlsx"]
    drift = [row for row in openpyxl.load_workbook(out, read_only=True)["目标偏离"].iter_rows(values_only=True)][1:]
    assert [row[3:8] for row in drift] == [("完工时间", "≤30天", "≤45天", "target-lowered", "错误")]


def test_the_check_button_finds_a_retyped_target_from_the_carried_targets(prefilled, tmp_path):
    import os

    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings as xw

    from xltools.core.drift import DRIFT_CODES
    from xltools.excel import addin

    from .xlwings_payload import book_payload

    lowered = _filled(prefilled["form"], tmp_path / "t.xlsx", E15="≥30个")
    report = addin.check_scores(xw.Book(json=book_payload(lowered, name=lowered.name)), today=TODAY, alert=False)
    assert ("target-lowered", "自评表!E15") in {(f.code, f.cell) for f in report.evaluation.findings}
    clean = _filled(prefilled["form"], tmp_path / "c.xlsx")
    report = addin.check_scores(xw.Book(json=book_payload(clean, name=clean.name)), today=TODAY, alert=False)
    assert not [f for f in report.evaluation.findings if f.code in DRIFT_CODES or f.code.startswith("tamper-")]
