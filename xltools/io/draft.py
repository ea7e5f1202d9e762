"""A draft 项目支出绩效自评报告 (Word) for one project, written from its form and its one verdict.

Every number and every quoted sentence in the draft comes from the form as read through the reader seam
(:func:`xltools.io.forms.load_form`; formula fields as :func:`~xltools.io.forms.with_formula_values` shows
them) or from the verdict on it (the execution rate and the grade the scoring rules give). What only the
clerk can write (background, analysis, problems, suggestions) is a marked :data:`TO_FILL` placeholder,
never invented text. The document's core properties carry :data:`DRAFT_MARK`, by which ``--force``
recognises a draft it may replace.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from xltools.core.fields import fmt
from xltools.core.model import FUND_ROWS, Form
from xltools.form.verdict import Verdict

__all__ = ["TO_FILL", "DRAFT_MARK", "OUTLINE", "draft_bytes", "is_draft", "is_report", "REPORT_MARK", "text_of", "set_fonts", "add_table"]

#: What marks a passage only the clerk can write.
TO_FILL = "【待填写】"
#: Written into the document's core properties (``category``): a draft xltools wrote.
DRAFT_MARK = "xltools 自评报告草稿"
#: Written into the core properties of a district report (自评汇总分析, :mod:`xltools.district.district_report`).
REPORT_MARK = "xltools 自评汇总分析"
#: The chapters of the draft, in order (the usual outline of a 项目支出绩效自评报告).
OUTLINE = ("一、项目基本情况", "二、绩效目标", "三、自评结论", "四、预算执行情况", "五、指标完成情况",
           "六、偏差原因及改进措施", "七、存在问题和建议", "八、其他需要说明的事项")
_BODY_FONT = "宋体"
_INDICATOR_HEAD = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
_FUND_HEAD = ("项目资金（万元）", "年初预算数", "全年预算数", "全年执行数")


def text_of(value: object) -> str:
    """A cell as the draft shows it: a number without trailing zeros, a date as 2025-01-20, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return fmt(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _or_fill(value: object, what: str) -> str:
    text = text_of(value)
    return text if text else f"{TO_FILL}（表中未填{what}）"


def set_fonts(document: object) -> None:
    """Body text in 宋体 for Chinese (the East Asian font is an attribute python-docx sets only through oxml)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = document.styles[name]  # type: ignore[attr-defined]
        style.font.name = _BODY_FONT
        rpr = style.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), _BODY_FONT)
        if name == "Normal":
            style.font.size = Pt(12)


def add_table(document: object, head: tuple[str, ...], rows: list[list[str]], *,
              widths: tuple[float, ...] | None = None, size: float | None = None) -> None:
    """A grid table: ``head`` in bold, then ``rows``; ``widths`` of the columns in cm (the grid and each cell get it:
    LibreOffice lays out by the grid, Word by the cells), ``size`` the text's size in points."""
    from docx.shared import Cm, Pt

    table = document.add_table(rows=1, cols=len(head))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    if widths:
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)  # the table grid, which LibreOffice lays out by
    for index, values in enumerate([list(head), *rows]):
        cells = table.rows[0].cells if index == 0 else table.add_row().cells
        for col, (cell, text) in enumerate(zip(cells, values)):
            cell.text = text
            if widths:
                cell.width = Cm(widths[col])
            for run in cell.paragraphs[0].runs:
                run.bold = index == 0
                if size:
                    run.font.size = Pt(size)


def _fund_rows(form: Form) -> list[list[str]]:
    rows = []
    for key, label in FUND_ROWS.items():
        row = getattr(form.funds, key)
        if row is None or all(v is None for v in (row.initial_budget, row.annual_budget, row.executed)):
            continue
        rows.append([label, text_of(row.initial_budget), text_of(row.annual_budget), text_of(row.executed)])
    return rows


def draft_bytes(form: Form, verdict: Verdict) -> bytes:
    """The draft of ``form`` (formula fields as the workbook shows them) as .docx bytes."""
    from docx import Document

    document = Document()
    set_fonts(document)
    document.core_properties.category = DRAFT_MARK
    name = text_of(form.project_name)
    year = text_of(form.year)
    document.core_properties.title = f"{year}年度{name}项目支出绩效自评报告"
    document.add_heading(f"{year + '年度' if year else ''}{name or TO_FILL}项目支出绩效自评报告", level=0)
    document.add_paragraph("（草稿：由 xltools 根据自评表生成。数字和引号中的文字均摘自自评表；"
                           f"标有{TO_FILL}之处须由填表人填写，定稿前请删除本说明。）")

    head = iter(OUTLINE)
    document.add_heading(next(head), level=1)
    document.add_paragraph(f"项目名称：{_or_fill(form.project_name, '项目名称')}。"
                           f"主管部门：{_or_fill(form.department, '主管部门')}。"
                           f"实施单位：{_or_fill(form.implementing_unit, '实施单位')}。"
                           f"项目负责人：{_or_fill(form.project_lead, '项目负责人')}。")
    funds = _fund_rows(form)
    if funds:
        add_table(document, _FUND_HEAD, funds)
    document.add_paragraph(f"项目立项依据、主要内容和实施情况：{TO_FILL}")

    document.add_heading(next(head), level=1)
    document.add_paragraph(f"年度总体目标（预期目标）：“{_or_fill(form.goal_expected, '预期目标')}”")
    document.add_paragraph(f"实际完成情况：“{_or_fill(form.goal_actual, '实际完成情况')}”")

    sheet = verdict.evaluation.sheet
    document.add_heading(next(head), level=1)
    total = text_of(form.total_score)
    if total:
        document.add_paragraph(f"本项目自评总分 {total} 分，自评等级为“{sheet.grade}”。")
        if fmt(sheet.total) != total:
            document.add_paragraph(f"注意：按评分规则核算总分为 {fmt(sheet.total)} 分（等级按此确定），与表中总分不一致；"
                                   "请核对自评表后再定稿。")
    else:
        document.add_paragraph(f"本项目自评总分：{TO_FILL}（表中未填总分）。")
    document.add_paragraph(f"自评结论概述：{TO_FILL}")

    document.add_heading(next(head), level=1)
    total_row = form.funds.total
    annual = text_of(total_row.annual_budget) if total_row else ""
    executed = text_of(total_row.executed) if total_row else ""
    if annual and executed and sheet.execution_rate is not None:
        rate = fmt(round(sheet.execution_rate * 100, 2))
        document.add_paragraph(f"项目全年预算数 {annual} 万元，全年执行数 {executed} 万元，预算执行率 {rate}%；"
                               f"预算执行分值 {text_of(form.budget_weight)} 分，得分 {text_of(form.budget_score)} 分。")
    else:
        document.add_paragraph(f"预算执行情况：{TO_FILL}（表中年度资金总额的全年预算数或全年执行数未填）。")
    document.add_paragraph(f"资金使用和管理情况：{TO_FILL}")

    document.add_heading(next(head), level=1)
    rows = [[text_of(i.level1), text_of(i.level2), text_of(i.name), text_of(i.target), text_of(i.actual),
             text_of(i.weight), text_of(i.score)] for i in form.indicators if not i.is_empty()]
    if rows:
        add_table(document, _INDICATOR_HEAD, rows)
    else:
        document.add_paragraph(f"{TO_FILL}（表中没有绩效指标）")
    document.add_paragraph(f"指标完成情况分析：{TO_FILL}")

    document.add_heading(next(head), level=1)
    deviations = [(text_of(i.name), text_of(i.deviation)) for i in form.indicators if text_of(i.deviation)]
    for indicator, reason in deviations:
        document.add_paragraph(f"“{indicator or '（未填三级指标）'}”：“{reason}”")
    if not deviations:
        document.add_paragraph(f"{TO_FILL}（表中未填偏差原因分析及改进措施；未完成目标的指标须说明原因和改进措施）")

    document.add_heading(next(head), level=1)
    document.add_paragraph(f"存在的问题：{TO_FILL}")
    document.add_paragraph(f"改进建议：{TO_FILL}")
    document.add_heading(next(head), level=1)
    document.add_paragraph(TO_FILL)

    document.add_paragraph(f"填表人：{_or_fill(form.filled_by, '填表人')}    填写日期：{_or_fill(form.filled_on, '填写日期')}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _marked(path: Path, mark: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return mark.encode("utf-8") in core


def is_draft(path: Path) -> bool:
    """Whether ``path`` is a Word document xltools wrote as a draft (by :data:`DRAFT_MARK`)."""
    return _marked(path, DRAFT_MARK)


def is_report(path: Path) -> bool:
    """Whether ``path`` is a Word document xltools wrote as a district report (by :data:`REPORT_MARK`)."""
    return _marked(path, REPORT_MARK)
