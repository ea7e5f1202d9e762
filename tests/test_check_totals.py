"""``check FOLDER`` ends with totals; 汇总's 来源文件 opens the file (issue 29, point 4)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pytest

from xltools.cli import main
from xltools.excel.fill import fill_workbook
from xltools.io import engine
from xltools.io.forms import judge_loaded, load_workbook

from . import forms
from .lo import require_soffice
from .test_addin import TEMPLATES, many_errors_form

TEMPLATE = TEMPLATES / "朝阳区项目支出绩效自评表.xlsx"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "报送" / "甲街道办事处"
    root.mkdir(parents=True)
    fill_workbook(forms.clean_form(), root / "01_正常.xlsx", template=TEMPLATE)
    fill_workbook(many_errors_form(), root / "02_有错.xlsx", template=TEMPLATE)
    (root / "03_坏.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (root / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    return root.parent


def test_check_folder_ends_with_totals(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(folder)]) == 2  # one file cannot be read
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == ("合计：检查文件 3 个，正常 1 个（其中有警告 0 个），有问题 1 个（错误共 "
                       f"{_errors(folder / '甲街道办事处' / '02_有错.xlsx')} 个），无法读取 1 个；另跳过 1 个非工作簿文件")


def _errors(path: Path) -> int:
    """The error count of one form, from its verdict (not from the totals line under test)."""
    return judge_loaded(load_workbook(path)).errors


def test_json_stdout_stays_one_object_per_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(folder), "--json"]) == 2
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 3 and all(isinstance(json.loads(line), dict) for line in lines)
    assert captured.err.strip().splitlines()[-1].startswith("合计：检查文件 3 个，正常 1 个")


def test_one_file_has_no_totals(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(folder / "甲街道办事处" / "01_正常.xlsx")])
    assert "合计" not in capsys.readouterr().out


def test_source_file_is_a_link_that_opens_the_file(folder: Path, tmp_path: Path) -> None:
    """The summary is written elsewhere than the forms' folder: the link is relative to the summary and leads
    to the file; LibreOffice computes it to the path as shown."""
    require_soffice()
    out = tmp_path / "区里" / "汇总.xlsx"
    out.parent.mkdir()
    main(["combine", str(folder), "-o", str(out), "--jobs", "1"])
    sheet = openpyxl.load_workbook(out)["汇总"]
    header = [c.value for c in sheet[1]]
    col = header.index("来源文件") + 1
    formula = sheet.cell(2, col).value
    assert formula.startswith('=HYPERLINK("')
    target, shown = formula[len('=HYPERLINK("'):-2].split('","')
    assert not os.path.isabs(target) and (out.parent / target).resolve().is_file()
    assert (out.parent / target).resolve().parent.name == "甲街道办事处"
    saved, = engine.recalculate([out], tmp_path / "lo")
    assert openpyxl.load_workbook(saved, data_only=True)["汇总"].cell(2, col).value == shown
