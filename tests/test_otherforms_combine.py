"""Word forms, other layouts and lists through combine and check (issue 25 §2–4): the doors, not the readers.

A district folder holds a template form, a Word form, a form of another layout, a list of two projects
and a Word document that is no form. Each is listed in 文件清单 with its fate; the Word form, the other
layout and each project of the list are summarised as 其他格式 (never passed off as a template's form);
check gives every project its own result and exit 2 for a file that is no form.
"""

from __future__ import annotations

import json
import shutil

import docx
from openpyxl import load_workbook

from tests.forms import FIXTURES, clean_form
from tests.labelkit import layout_a
from tests.test_listforms import HEADER, P1, P1_ROWS, P2, P2_ROWS
from tests.wordkit import form_docx
from xltools.cli import main
from xltools.district.combine import combine


def _inbox(folder):
    folder.mkdir()
    shutil.copy(FIXTURES / "v1_0" / "clean.xlsx", folder / "a_template.xlsx")
    form_docx(clean_form(), folder / "b_word.docx")
    layout_a(folder / "c_other.xlsx")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in P1_ROWS:
        ws.append(P1 + row)
    for i, row in enumerate(P2_ROWS):
        ws.append((P2 if i == 0 else [None] * len(P2)) + row)
    wb.save(folder / "d_list.xlsx")
    document = docx.Document()
    document.add_paragraph("关于报送绩效自评表的通知")
    document.save(folder / "e_notice.docx")
    return folder


def test_combine_lists_other_formats_and_summarises_them(tmp_path):
    inbox = _inbox(tmp_path / "in")
    report = combine([inbox], tmp_path / "s.xlsx", jobs=1)
    fates = {r.path.rsplit("/", 1)[-1]: r for r in report.files}
    assert fates["a_template.xlsx"].fate == "ok"
    assert fates["b_word.docx"].fate == "other-layout" and "Word 表格" in fates["b_word.docx"].reason
    assert fates["c_other.xlsx"].fate == "other-layout" and "按栏目名称读取" in fates["c_other.xlsx"].reason
    # the list's two projects, each summarised on its own under the rows it spans (as check names them)
    assert fates["d_list.xlsx（第2–7行）"].fate == fates["d_list.xlsx（第8–13行）"].fate == "other-layout"
    assert "d_list.xlsx" not in fates
    assert [fates[f"d_list.xlsx（第{rows}行）"].project.review_total for rows in ("2–7", "8–13")] == [98.55, 99.5]
    assert fates["e_notice.docx"].fate == "not-template" and "附件1" in fates["e_notice.docx"].reason
    assert fates["b_word.docx"].project.review_total == 98.55  # clean_form's total, as judge_form scores it
    assert fates["c_other.xlsx"].project.review_total == 99.6  # worked out in tests/test_labelforms.py
    book = load_workbook(tmp_path / "s.xlsx", read_only=True)
    listed = [row for row in book["文件清单"].iter_rows(values_only=True)]
    text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in listed)
    assert text.count("其他格式") >= 2
    projects = [row for row in book["汇总"].iter_rows(values_only=True) if row and "社区养老驿站运营补贴" in map(str, row)]
    assert projects, "the other layout's project is summarised"


def test_check_gives_each_project_its_result_and_exit_2_for_no_form(tmp_path, capsys):
    inbox = _inbox(tmp_path / "in")
    # 1: the export has no 年度, 负责人, 填表人 … columns, so its projects miss required fields (errors)
    assert main(["check", "--json", str(inbox / "d_list.xlsx"), str(inbox / "b_word.docx")]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"].rsplit("/", 1)[-1] for line in lines] == [
        "d_list.xlsx（第2–7行）", "d_list.xlsx（第8–13行）", "b_word.docx"]
    assert [line["total"] for line in lines] == [98.55, 99.5, 98.55]
    assert main(["check", str(inbox / "e_notice.docx")]) == 2
    captured = capsys.readouterr()
    assert "不是项目支出绩效自评表" in captured.err and "Traceback" not in captured.err


def test_an_old_doc_without_libreoffice_exits_2_in_check(tmp_path, capsys, monkeypatch):
    from tests.lo import require_soffice
    from xltools.io.engine import convert

    require_soffice()
    [doc] = convert([form_docx(clean_form(), tmp_path / "form.docx")], tmp_path / "doc", "doc")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert main(["check", str(doc)]) == 2
    err = capsys.readouterr().err
    assert "另存为 .docx 后重试" in err and "Traceback" not in err
