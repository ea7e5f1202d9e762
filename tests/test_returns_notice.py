"""Returns that reach everyone (issue 29, point 4): the 退回清单's title block (--deadline, --contact), rows
as tall as their text, and every file combine could not summarise named on screen and in the 退回清单 of
the unit whose folder it came from, with its next step."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from xltools.cli import main
from xltools.excel.fill import fill_workbook
from xltools.io import engine

from . import forms
from .lo import require_soffice
from .test_addin import TEMPLATES, many_errors_form

TEMPLATE = TEMPLATES / "朝阳区项目支出绩效自评表.xlsx"
A, B = "甲街道办事处", "乙街道办事处"


@pytest.fixture()
def district(tmp_path: Path) -> Path:
    root = tmp_path / "报送"
    (root / A).mkdir(parents=True)
    (root / B).mkdir()
    fill_workbook(forms.clean_form(implementing_unit=A), root / A / "01_桶站改造.xlsx", template=TEMPLATE)
    (root / A / "02_说明.txt").write_bytes("这是说明，不是自评表".encode())
    (root / A / "03_坏文件.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    errors = replace(many_errors_form(), implementing_unit=B)
    fill_workbook(errors, root / B / "01_错误很多.xlsx", template=TEMPLATE)
    return root


def _table(path: Path) -> tuple[list[str], list[tuple]]:
    rows = list(openpyxl.load_workbook(path)["退回清单"].iter_rows(values_only=True))
    at = [row[0] for row in rows].index("序号")
    return [row[0] for row in rows[:at] if row[0]], rows[at + 1:]


def test_title_block_and_files_not_summarised(district: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "退回"
    code = main(["combine", str(district), "-o", str(tmp_path / "汇总.xlsx"), "--returns", str(out),
                 "--deadline", "2027年3月15日", "--contact", "区财政局绩效科 张三 85991234", "--round", "第一轮",
                 "--jobs", "1"])
    assert code == 1
    screen = capsys.readouterr().out
    # every file that was not summarised is named on screen with its next step and where it was written
    for name in ("02_说明.txt", "03_坏文件.xlsx"):
        line = next(line for line in screen.splitlines() if name in line)
        assert "重新报送" in line and f"已写入「{A}」的退回清单" in line, line
    assert "未能汇总的文件（2 个" in screen
    # the totals line keeps 有问题 for what `check FOLDER` means by it: the form with errors is inside 正常
    assert "正常 1 个（其中有错误 0 个），需核实去向 2 个，跳过 1 个；" in screen  # B's form is of 2020

    # A had no form with errors, yet gets a 退回清单 naming both files; B gets its form's findings
    title, rows = _table(out / A / "退回清单.xlsx")
    assert title[0] == "朝阳区项目支出绩效自评表退回清单"
    assert f"实施单位：{A}" in title[1] and "轮次：第一轮" in title[1] and "退回日期：" in title[1]
    assert "2027年3月15日" in title[2] and "区财政局绩效科 张三 85991234" in title[2]
    named = {row[1]: row for row in rows}
    assert set(named) == {"02_说明.txt", "03_坏文件.xlsx"}
    assert named["02_说明.txt"][5] == "skipped" and "模板" in named["02_说明.txt"][6]
    assert named["03_坏文件.xlsx"][5] == "unreadable" and "另存为 .xlsx" in named["03_坏文件.xlsx"][6]
    _, rows_b = _table(out / B / "退回清单.xlsx")
    assert len(rows_b) > 10 and {row[1] for row in rows_b} == {"01_错误很多.xlsx"}

    # rows as tall as their text: the longest message's row is taller than a one-line row
    sheet = openpyxl.load_workbook(out / B / "退回清单.xlsx")["退回清单"]
    heights = {r: sheet.row_dimensions[r].height for r in range(1, sheet.max_row + 1)}
    longest = max(range(1, sheet.max_row + 1), key=lambda r: len(str(sheet.cell(r, 7).value or "")))
    assert heights[longest] >= 2 * 15


def test_the_list_prints_whole(district: Path, tmp_path: Path) -> None:
    """Every message of the list appears in full in the PDF; titles and page numbers on every page."""
    require_soffice()
    out = tmp_path / "退回"
    assert main(["combine", str(district), "-o", str(tmp_path / "汇总.xlsx"), "--returns", str(out),
                 "--jobs", "1"]) == 1
    _, rows = _table(out / B / "退回清单.xlsx")
    pdf, = engine.to_pdf([out / B / "退回清单.xlsx"], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    flat = re.sub(r"\s+", "", text)
    for row in rows:
        assert re.sub(r"\s+", "", row[6]) in flat, row[6]
    for n, page in enumerate(pages, start=1):
        assert f"第 {n} 页，共 {len(pages)} 页" in page and B in page and "退回清单" in page
    assert len(pages) == 2  # 19 findings of the many-errors form on A4 landscape, none cut
    # no --deadline: the list says so instead of leaving a gap (it read 「请于 （未规定，请尽快） 前改正」)
    assert "请尽快改正下列问题（未规定期限），重新报送整份表" in pages[0]


def test_deadline_and_contact_need_returns(district: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["combine", str(district), "-o", str(tmp_path / "a.xlsx"), "--deadline", "3月15日"]) == 2
    assert "只能与 --returns 一起使用" in capsys.readouterr().err
    assert main(["combine", str(district), "-o", str(tmp_path / "a.xlsx"), "--returns", str(tmp_path / "r"),
                 "--contact", " "]) == 2
    assert "--contact 不能为空" in capsys.readouterr().err


def test_every_fate_that_keeps_a_file_out_has_a_next_step() -> None:
    """A file is summarised (ok, tampered, other-layout), returned as a form (wrong-year) or stands behind another file of its
    project (duplicate, superseded); every other fate keeps it out, and its unit must be told what to do."""
    from xltools.district.results import FATE_TEXT
    from xltools.district.returns import NEXT_STEP

    kept_or_covered = {"ok", "tampered", "other-layout", "wrong-year", "duplicate", "superseded"}
    assert set(NEXT_STEP) == set(FATE_TEXT) - kept_or_covered
