"""Word forms in the notice's layout (issue 25 §2): read by their labels, judged like the same form in the template.

The .docx files are generated from the project's own test forms (tests/forms.py and the frozen
v1.0 fixtures) by tests/wordkit.py in the seed's table layout; every expected value below comes from
that form or is counted by hand from the layout, never from the reader.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from dataclasses import asdict
from pathlib import Path

import docx
import pytest

from tests.forms import FIXTURES, clean_form, seed_form, twenty_findings_form
from tests.lo import require_soffice
from tests.wordkit import form_docx
from xltools.core import with_formula_values
from xltools.core.validation import from_data
from xltools.form.verdict import judge, judge_form
from xltools.io.engine import convert
from xltools.io.forms import FormReadError, judge_loaded, load_form

TODAY = dt.date(2026, 12, 1)


def _key(verdict):
    return [(f.code, f.severity, f.field, f.message) for f in verdict.findings]


def _word_verdict(path: Path):
    """Through the one door: the seam picks the Word reader by content, then the one verdict."""
    loaded = load_form(path)
    return loaded, judge_loaded(loaded, today=TODAY)


def _reading(verdict):
    return tuple(f for f in verdict.findings if f.code == "field-not-located")


def _content(verdict):
    return [k for k in _key(verdict) if k[0] != "field-not-located"]


def test_python_docx_gives_one_tc_per_merged_cell():
    """The reader keys merged cells by python-docx's ``_Cell._tc`` (a private attribute): this fails if it changes."""
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "绩\n效"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "AB"
    rows = [row.cells for row in table.rows]
    assert rows[0][0]._tc is rows[1][0]._tc is rows[2][0]._tc  # merged down: one element
    assert rows[0][1]._tc is rows[0][2]._tc  # merged across
    assert rows[1][1]._tc is not rows[1][2]._tc
    assert rows[2][0].text == "绩\n效"


@pytest.mark.parametrize("make", [seed_form, clean_form, twenty_findings_form])
@pytest.mark.parametrize("shape", [{}, {"extra_rows": True, "spacer_rows": True}])
def test_docx_of_a_test_form_reads_back_the_form_and_its_verdict(tmp_path, make, shape):
    form = make()
    path = form_docx(form, tmp_path / "form.docx", **shape)
    word, verdict = _word_verdict(path)
    assert word.format == "docx" and word.book is None
    assert word.findings == ()
    assert asdict(word.form) == asdict(form)
    expected = judge_form(form, today=TODAY)
    assert _key(verdict) == _key(expected)
    assert verdict.evaluation.sheet == expected.evaluation.sheet


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "v1_0").glob("*.xlsx")))
def test_docx_of_each_fixture_equals_the_template_verdict(tmp_path, name):
    """The form typed into the template (a v1.0 fixture) and the same form as a Word table: equal scores and
    content findings (the template's formula cells are typed into the Word table as the sheet shows them)."""
    loaded = load_form(FIXTURES / "v1_0" / name)
    template = judge(loaded.book, identity=loaded.identity, today=TODAY)
    shown = with_formula_values(loaded.form, template.policy)
    _, verdict = _word_verdict(form_docx(shown, tmp_path / "form.docx"))
    content = [k for k in _key(template) if not k[0].startswith("tamper-")]
    assert _key(verdict) == content
    assert verdict.evaluation.sheet.total == template.evaluation.sheet.total
    assert verdict.evaluation.sheet.indicator_scores == template.evaluation.sheet.indicator_scores
    assert verdict.evaluation.sheet.budget_score == template.evaluation.sheet.budget_score


def test_origins_are_table_row_and_column_as_word_shows_them(tmp_path):
    form = clean_form()
    data = asdict(form)
    data["indicators"][2]["score"] = 18  # weight 15: score-out-of-range at the third indicator's 得分
    form = from_data(type(form), data)
    word, verdict = _word_verdict(form_docx(form, tmp_path / "form.docx"))
    origins = word.origins
    # counted from wordkit's layout: row 1 项目名称 | value; rows 4-8 the fund block (项目资金 merged down,
    # 年度资金总额 in cells B:C, then 年初预算数 全年预算数 全年执行数 分值 执行率 得分); rows 9-10 the goal;
    # row 11 the indicator header (绩效指标 merged down, then 一级 … 偏差原因), indicators from row 12
    assert origins["project_name"] == "表1 第1行 第2列"
    assert origins["implementing_unit"] == "表1 第2行 第4列"
    assert origins["lead_phone"] == "表1 第3行 第4列"
    assert origins["funds.total.executed"] == "表1 第5行 第5列"
    assert origins["budget_weight"] == "表1 第5行 第6列"
    assert origins["funds.carryover.annual_budget"] == "表1 第7行 第4列"
    assert origins["goal_actual"] == "表1 第10行 第3列"
    assert origins["indicators[0].name"] == "表1 第12行 第4列"
    assert origins["indicators[2].score"] == "表1 第14行 第8列"
    assert origins["total_score"] == "表1 第18行 第2列"  # six indicators: rows 12-17; 总分 merged A:G, value H:I
    assert origins["year"] == "正文第3段"
    assert origins["filler_phone"] == "正文第4段"
    [finding] = [f for f in verdict.findings if f.code == "score-out-of-range"]
    assert (finding.field, finding.cell) == ("indicators[2].score", "表1 第14行 第8列")


def test_a_merged_level1_cell_is_read_on_every_row_it_spans(tmp_path):
    form = seed_form()  # 产出指标 spans four rows, 质量指标 two: wordkit merges them down as the notice does
    path = form_docx(form, tmp_path / "form.docx")
    table = docx.Document(str(path)).tables[0]
    assert table.rows[12].cells[1]._tc is table.rows[11].cells[1]._tc  # really merged in the file
    word, _ = _word_verdict(path)
    assert [i.level1 for i in word.form.indicators] == [i.level1 for i in form.indicators]
    assert word.origins["indicators[1].level1"] == "表1 第12行 第2列"  # the merged cell's own place


@pytest.mark.parametrize(("label", "field"), [("实施单位", "implementing_unit"), ("全年执行数", "funds.total.executed"),
                                              ("实际\n完成值", "indicators"), ("总分", "total_score")])
def test_a_label_that_is_not_there_is_a_finding_not_a_guess(tmp_path, label, field):
    path = form_docx(clean_form(), tmp_path / "form.docx", drop=(label.replace("\n", ""),))
    word, verdict = _word_verdict(path)
    [missing] = [f for f in verdict.findings if f.code == "field-not-located"]
    assert missing.field == field
    assert missing.severity == "warning"
    assert f"Word 表格中找不到「{label.replace(chr(10), '')}」" in missing.message
    if field == "indicators":
        assert all(ind.actual is None for ind in word.form.indicators)
    elif field == "funds.total.executed":
        assert word.form.fund("total").executed is None
    else:
        assert getattr(word.form, field) is None
        assert any(f.code == "required-missing" and f.field == field for f in verdict.findings)


def _refused(path: Path) -> str:
    with pytest.raises(FormReadError) as caught:
        load_form(path)
    assert str(path) in str(caught.value)
    return caught.value.reason


def test_a_docx_that_is_no_form_is_refused_with_the_next_step(tmp_path):
    document = docx.Document()
    document.add_paragraph("关于报送 2020 年度项目支出绩效自评表的通知")
    document.add_table(rows=2, cols=2).cell(0, 0).text = "项目名称"
    document.save(tmp_path / "notice.docx")
    reason = _refused(tmp_path / "notice.docx")
    assert "不是项目支出绩效自评表" in reason and "附件1" in reason and ".xlsx 模板" in reason


def test_a_truncated_docx_is_refused(tmp_path):
    data = form_docx(clean_form(), tmp_path / "form.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])
    assert "Word 文档已损坏" in _refused(tmp_path / "cut.docx")


def test_not_a_word_file_at_all(tmp_path):
    (tmp_path / "a.docx").write_text("这不是文档", encoding="utf-8")
    assert "纯文本" in _refused(tmp_path / "a.docx")  # the content decides: text named .docx is text
    shutil.copy(FIXTURES / "v1_0" / "clean.xlsx", tmp_path / "b.docx")
    loaded = load_form(tmp_path / "b.docx")  # a workbook named .docx: read as what it is, and said so
    assert loaded.format == "xlsx" and loaded.identity is not None
    assert any(".docx" in note for note in loaded.notes)


def test_a_compression_bomb_docx_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b" " * (40 << 20))
    (tmp_path / "bomb.docx").write_bytes(buffer.getvalue())
    with pytest.raises(FormReadError) as caught:
        load_form(tmp_path / "bomb.docx")
    assert caught.value.fate == "too-large" and "压缩炸弹" in caught.value.reason


def _old_word(tmp_path: Path) -> Path:
    require_soffice()
    source = form_docx(clean_form(), tmp_path / "form.docx")
    [doc] = convert([source], tmp_path / "doc", "doc")
    return doc


def test_an_old_doc_is_converted_by_libreoffice_and_judged_like_the_form(tmp_path):
    doc = _old_word(tmp_path)
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    wps = doc.with_suffix(".wps")
    shutil.copy(doc, wps)
    for path in (doc, wps):
        word, verdict = _word_verdict(path)
        assert word.format == "doc"
        assert "LibreOffice" in " ".join(word.notes)
        assert asdict(word.form) == asdict(clean_form())
        assert _key(verdict) == _key(judge_form(clean_form(), today=TODAY))
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # the clerk's file untouched


def test_an_old_doc_without_libreoffice_says_save_as_docx(tmp_path, monkeypatch):
    doc = _old_word(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert "另存为 .docx 后重试" in _refused(doc)


def test_line_breaks_inside_values_as_in_the_seed_give_the_same_verdict(tmp_path):
    """The seed's table wraps 一级/二级指标 inside their cells (“经济效益\\n指标”, “满意度\\n指标”): read as
    written, judged as the retyped form."""
    form = seed_form()
    data = asdict(form)
    for ind in data["indicators"]:
        ind["level2"] = ind["level2"].replace("效益指标", "效益\n指标")
        ind["level1"] = ind["level1"].replace("满意度指标", "满意度\n指标")
    wrapped = from_data(type(form), data)
    word, verdict = _word_verdict(form_docx(wrapped, tmp_path / "form.docx"))
    assert word.form.indicators[4].level2 == "经济效益\n指标"
    expected = judge_form(form, today=TODAY)
    assert _key(verdict) == _key(expected)
    assert verdict.evaluation.sheet == expected.evaluation.sheet
