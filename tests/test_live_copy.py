"""The annotated copy stays true after the clerk edits it, and prints whole (issue 29, points 1 and 2).

A copy is made of a form whose 居民满意度 score (12) is above its weight (10). The clerk's one real fix
(12 → 10) is made with openpyxl and, separately, in LibreOffice itself (UNO); LibreOffice recalculates
and prints. After the fix nothing may still say "2 errors" or show red: the result line and 校验结果
say the copy was changed since the check, the finding's row says its cell changed, and the printed
page has no error-red pixel left. A value retyped unchanged keeps every mark.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest

from xltools.excel.fill import fill_workbook
from xltools.form.annotation import ERROR_FILL
from xltools.form.layout import RESULT_SHEET, SHEET, Layout
from xltools.form.live import CHANGED_TEXT
from xltools.form.registry import current_layout
from xltools.io import engine
from xltools.io.annotate import annotate_workbook
from xltools.io.forms import judge_loaded, load_workbook

from . import forms
from .lo import engine_missing, require_soffice
from .test_addin import TEMPLATES, TODAY
from .test_annotate import _rgb_pixels

UNO_EDIT = Path(__file__).with_name("uno_edit.py")
OVER = 5  # the 居民满意度 indicator (weight 10) of forms.clean_form


def _score_over_weight() -> object:
    form = forms.clean_form()
    rows = [asdict(ind) for ind in form.indicators]
    rows[OVER]["score"] = 12
    return forms.clean_form(indicators=rows, total_score=100.55)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("live")
    source = fill_workbook(_score_over_weight(), folder / "form.xlsx", template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx")
    out = folder / "copy.xlsx"
    verdict = annotate_workbook(source, out, today=TODAY)
    return out, verdict


def _cell() -> str:
    return current_layout().indicator_cell(OVER, "score")


def _red_pixels(xlsx: Path, outdir: Path) -> int:
    pdf, = engine.to_pdf([xlsx], outdir)
    first = engine.pdf_to_pngs(pdf, outdir / "png", dpi=40)[0]
    rgb = tuple(int(ERROR_FILL[i:i + 2], 16) for i in (1, 3, 5))
    return _rgb_pixels(first).count(rgb)


def _assert_fixed(saved: Path, verdict: object, tmp_path: Path) -> None:
    layout = current_layout()
    wb = openpyxl.load_workbook(saved, data_only=True)
    form, result = wb[SHEET], wb[RESULT_SHEET]
    assert form[layout.spot("check_status").cell].value == "已修改，请重新检查"
    line = form[f"A{layout.signoff_row + 2}"].value
    assert f"发现 {verdict.errors} 个错误" in line and "已修改 1 处，请重新检查" in line  # one cell changed
    assert "表内自动检查现为：未发现问题" in line  # the in-sheet check, live, agrees with the fix
    assert "已修改 1 处" in result[f"A{Layout.RESULT_SUMMARY_FIRST_ROW - 1}"].value
    assert result[Layout.result_summary_cell("errors")].value == f"检查时 {verdict.errors}，待重新检查"
    rows = {result[f"B{Layout.RESULT_TABLE_HEADER_ROW + i}"].value: result[f"F{Layout.RESULT_TABLE_HEADER_ROW + i}"].value
            for i in range(1, len(verdict.findings) + 1)}
    assert rows[f"{SHEET}!{_cell()}"] == CHANGED_TEXT
    for i in range(layout.first_indicator_row, layout.last_indicator_row + 1):
        value = form[layout.result_cell(i)].value
        assert value in (None, "待重查"), (i, value)  # no 复核得分 of the old values left
    assert _red_pixels(saved, tmp_path / "pdf") == 0  # no stale red
    assert judge_loaded(load_workbook(saved), today=TODAY).errors == 0  # the fix was the real one


def test_the_copy_marks_what_was_checked(copy: tuple[Path, object], tmp_path: Path) -> None:
    require_soffice()
    out, verdict = copy
    assert f"{SHEET}!{_cell()}" in [f.cell for f in verdict.findings]
    saved, = engine.recalculate([out], tmp_path / "recalc")
    wb = openpyxl.load_workbook(saved, data_only=True)
    layout = current_layout()
    assert wb[SHEET][layout.spot("check_status").cell].value == f"错误 {verdict.errors}、警告 {verdict.warnings}"
    assert wb[RESULT_SHEET][Layout.result_summary_cell("errors")].value == verdict.errors
    assert _red_pixels(saved, tmp_path / "pdf") > 50


def _typed_with_openpyxl(out: Path, value: object, tmp_path: Path) -> Path:
    """The copy with the over-weight score set to ``value`` by openpyxl, recalculated by LibreOffice."""
    wb = openpyxl.load_workbook(out)
    wb[SHEET][_cell()] = value
    wb.save(tmp_path / "typed.xlsx")
    saved, = engine.recalculate([tmp_path / "typed.xlsx"], tmp_path / "recalc")
    return saved


def test_a_value_retyped_unchanged_keeps_the_marks(copy: tuple[Path, object], tmp_path: Path) -> None:
    require_soffice()
    out, verdict = copy
    saved = _typed_with_openpyxl(out, 12, tmp_path)
    got = openpyxl.load_workbook(saved, data_only=True)
    assert got[SHEET][current_layout().spot("check_status").cell].value == f"错误 {verdict.errors}、警告 {verdict.warnings}"
    assert _red_pixels(saved, tmp_path / "pdf") > 50


def test_fixed_with_openpyxl_then_recalculated(copy: tuple[Path, object], tmp_path: Path) -> None:
    require_soffice()
    out, verdict = copy
    _assert_fixed(_typed_with_openpyxl(out, 10, tmp_path), verdict, tmp_path)


def test_fixed_in_libreoffice(copy: tuple[Path, object], tmp_path: Path) -> None:
    require_soffice()
    python = shutil.which("python3", path="/usr/bin")
    if python is None or subprocess.run([python, "-c", "import uno"], capture_output=True).returncode != 0:
        engine_missing("python3-uno (LibreOffice's Python bridge) is missing")
    out, verdict = copy
    saved = tmp_path / "lo_fixed.xlsx"
    subprocess.run([python, str(UNO_EDIT), str(out), str(saved), SHEET, _cell(), "10"], check=True,
                   capture_output=True, timeout=120)
    _assert_fixed(saved, verdict, tmp_path)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_copy_prints_every_message_whole(copy: tuple[Path, object], tmp_path: Path) -> None:
    """Form: one A4 page with the result column (复核得分) and the whole result line; 校验结果: one page,
    every message in full, the execution rate as a percentage; page numbers and titles on every page."""
    require_soffice()
    out, verdict = copy
    pdf, = engine.to_pdf([out], tmp_path)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    form_page, result_page = pages[0], pages[1]
    assert "复核得分" in form_page and _flat(f"错误 {verdict.errors}、警告 {verdict.warnings}") in _flat(form_page)
    assert _flat(verdict_status(verdict)) in _flat(form_page)
    assert "校验结果" in result_page and "100.00%" not in result_page  # rate 95.5 / 100 shown as a percentage
    assert "95.50%" in result_page and "0.955" not in result_page
    for finding in verdict.findings:
        assert _flat(finding.message) in _flat(result_page), finding.code
    total = len(pages)
    for n, page in enumerate(pages, start=1):
        assert f"第 {n} 页，共 {total} 页" in page
    assert "批注副本" in form_page and "垃圾分类桶站改造" in form_page and "垃圾分类桶站改造" in result_page
    assert total == 4  # form 1 page, 校验结果 1 page, the template's 填报说明 2 pages


def verdict_status(verdict: object) -> str:
    from xltools.form.annotation import status_text
    return status_text(verdict)


def test_the_total_row_is_marked_when_a_score_behind_it_is_wrong() -> None:
    """An error on an indicator's 得分 marks 总分 too (while nothing changed), even when no rule names the total."""
    from dataclasses import replace

    from xltools.core import Evaluation
    from xltools.form.annotation import annotate
    from xltools.form.live import CHANGED_NAME, live_plan
    from xltools.form.verdict import judge_form

    verdict = judge_form(_score_over_weight())
    kept = [f for f in verdict.evaluation.findings if f.code != "total-review-differs"]
    verdict = replace(verdict, evaluation=Evaluation(verdict.form, verdict.evaluation.sheet, kept))
    layout = verdict.layout
    plan = annotate(verdict, lambda cell: None)
    total = layout.spot("total_score").cell
    assert total not in plan.fills  # no finding at the total itself
    live = live_plan(verdict, plan, lambda cell: None, checked_on="2025-03-01")
    marks = {m.ref: m for m in live.marks}
    assert marks[total].fill == ERROR_FILL and marks[total].condition == f"{CHANGED_NAME}=0"
    assert live.total_note is not None and layout.indicator_cell(OVER, "score") in live.total_note[1]


def test_the_copy_notes_the_total(copy: tuple[Path, object]) -> None:
    out, _ = copy
    total = current_layout().spot("total_score").cell
    comment = openpyxl.load_workbook(out)[SHEET][total].comment.text
    assert f"总分所加的得分有错误（{_cell()}）" in comment
