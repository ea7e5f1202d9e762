"""Shell: the district summary workbook (XlsxWriter, streamed).

:func:`write_summary` turns the plain per-file results of :mod:`xltools.combine`
into one workbook with the sheets 汇总, 按单位, 指标明细, 问题清单, 文件清单 and
图表. Long sheets are streamed (``constant_memory``), every text is written
with ``write_string`` and the workbook never turns text into formulas or links,
so a project named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from xltools.core import Policy
from xltools.core.text import finite
from xltools.district.printing import header_label
from xltools.district.results import (
    FATE_TEXT,
    GROUPS,
    SHEET,
    FileResult,
    UnitRow,
    UnitSums,
    drift_counts,
    grade_names,
    grade_shown,
)
from xltools.district.reviewer_cells import (
    REVIEWER_HEADERS,
    STATUS_HEADERS,
    protect,
    status_cells,
    write_check_sheet,
)
from xltools.district.rowstream import _RowStream, file_link
from xltools.district.summary_sheets import (
    Details,
    Files,
    Findings,
    Formats,
    Indicators,
    Stream,
    finish,
    heading,
    row_height,
    setup,
)
from xltools.district.units import unit_sort_key
from xltools.district.verdicts import ReviewBook

__all__ = ["write_summary"]

# --- writing -------------------------------------------------------------------

_COLUMNS = [xl_col_to_name(col) for col in range(64)]


SUMMARY_HEADERS: tuple[tuple[str, float], ...] = (
    ("序号", 5), ("实施单位", 17), ("主管部门", 14), ("项目名称", 26), ("项目负责人", 8), ("年度", 6),
    ("年初预算数（万元）", 11), ("全年预算数（万元）", 11), ("全年执行数（万元）", 11), ("执行率", 8),
    ("预算执行得分", 9), ("产出指标得分", 9), ("效益指标得分", 9), ("满意度指标得分", 11),
    ("自评总分", 8), ("复核总分", 8), ("等级", 5), ("错误数", 7), ("警告数", 7), ("文件状态", 10),
    ("来源文件", 30),
)


def _cell(col: int, row: int) -> str:
    """A1 reference of a 0-based column and a 1-based row (formulas name columns by their index)."""
    return f"{_COLUMNS[col]}{row}"


def _span(col: int, first: int, last: int) -> str:
    return f"{_cell(col, first)}:{_cell(col, last)}"


class _Projects(Stream):
    """Sheet 汇总, adding each project to ``units`` on the way (按单位 needs no pass of its own)."""

    role, title, freeze, headers = "projects", "朝阳区项目支出绩效自评汇总", 4, SUMMARY_HEADERS

    def __init__(self, book, fmt: Formats, units: UnitSums, link_base: Path | None = None,
                 review: ReviewBook | None = None) -> None:
        if review is not None:  # 复核状态, 最终得分 and the reviewer columns after 来源文件
            self.headers = (*SUMMARY_HEADERS, *STATUS_HEADERS, *REVIEWER_HEADERS)
        super().__init__(book, fmt)
        self.review = review
        if review is not None:
            review.sheet(self.ws.name, len(SUMMARY_HEADERS) + len(STATUS_HEADERS), len(self.headers))
            review.record(self.ws.name, 0, "", [header_label(text, width) for text, width in self.headers])
        self.units = units
        self.money_note = ""  # said in the 全区合计 row when amounts were converted from 元
        self.link_base = link_base
        self.sums = dict.fromkeys((6, 7, 8, 15, 17, 18), 0.0)  # running totals: the projects are not kept
        # a row's formats (文件状态 red unless ok), each list made once: rows passing one list again reuse its styles
        reviewer = [fmt.center, fmt.score, *fmt.reviewer] if review is not None else []
        self.formats = [[fmt.int, fmt.text, fmt.text, fmt.text, fmt.text, fmt.int, fmt.amount, fmt.amount,
                         fmt.amount, fmt.rate, *[fmt.score] * 6, fmt.center, fmt.int, fmt.int, fate, fmt.link,
                         *reviewer] for fate in (fmt.text, fmt.bad)]

    def add(self, result: FileResult) -> None:
        p = result.project
        assert p is not None
        self.row += 1
        self.units.add(p, drift_counts(result))
        values = [self.row, p.unit, p.department, p.name, p.lead, p.year_value, p.initial_budget, p.annual_budget,
                  p.executed, p.execution_rate, p.budget_score, *(p.subtotals.get(g) for g in GROUPS),
                  p.self_total, p.review_total, grade_shown(p), result.errors, result.warnings,
                  FATE_TEXT[result.fate], file_link(result.path, result.source, self.link_base)]
        formats = self.formats[result.fate != "ok"]
        for col in self.sums:
            self.sums[col] += values[col] or 0.0
        if self.review is not None:
            values += status_cells(self.review.outcome(result.path), p.review_total)
            self.review.record(self.ws.name, self.row, result.path, values)
            values += [None] * len(REVIEWER_HEADERS)
        self.ws.append_values(self.row, values, formats, row_height([(result.path, SUMMARY_HEADERS[20][1])]))

    def close(self) -> None:
        ws, fmt, row, sums = self.ws, self.fmt, self.row, self.sums
        first, last = 2, row + 1  # Excel rows of the data
        total = row + 1
        if not row:
            ws.write_string(1, 1, "全区合计", fmt.total_text)
            ws.write_string(1, 3, "没有可汇总的项目（见「文件清单」）", fmt.total_text)
            finish(ws, self.headers, 1)
            self._protect(1)
            return
        ws.write_string(total, 0, "", fmt.total_text)
        ws.write_string(total, 1, "全区合计", fmt.total_text)
        ws.write_formula(total, 3, f'="共 "&COUNTA({_span(3, first, last)})&" 个项目"', fmt.total_text,
                         f"共 {row} 个项目")
        for col in (2, 4, 5):
            ws.write_blank(total, col, None, fmt.total_text)
        for col in (6, 7, 8):
            ws.write_formula(total, col, f"=SUM({_span(col, first, last)})", fmt.total_amount, finite(sums[col], ""))
        rate = sums[8] / sums[7] if sums[7] > 0 else ""
        budget, executed = _cell(7, last + 1), _cell(8, last + 1)
        ws.write_formula(total, 9, f'=IF({budget}>0,{executed}/{budget},"")', fmt.total_rate, finite(rate, ""))
        for col in range(10, 16):
            ws.write_blank(total, col, None, fmt.total_score)
        ws.write_formula(total, 15, f'=IF(COUNT({_span(15, first, last)})=0,"",AVERAGE({_span(15, first, last)}))',
                         fmt.total_score, finite(sums[15] / row, ""))
        ws.write_string(total, 16, "平均", fmt.total_text)
        ws.write_formula(total, 17, f"=SUM({_span(17, first, last)})", fmt.total_int, int(sums[17]))
        ws.write_formula(total, 18, f"=SUM({_span(18, first, last)})", fmt.total_int, int(sums[18]))
        ws.write_blank(total, 19, None, fmt.total_text)
        if self.money_note:
            ws.write_string(total, 20, self.money_note, fmt.total_text)
        else:
            ws.write_blank(total, 20, None, fmt.total_text)
        for col in range(len(SUMMARY_HEADERS), len(self.headers)):
            ws.write_blank(total, col, None, fmt.total_text)
        finish(ws, self.headers, row)
        ws.print_area(0, 0, total, len(self.headers) - 1)
        self._protect(total)

    def _protect(self, total: int) -> None:
        """The reviewer columns' validation and the sheet's protection; the 全区合计 row (formulas) is known but
        not compared."""
        if self.review is not None:
            self.review.record(self.ws.name, total, "", None)
            self.review.flush()
            protect(self.ws, len(SUMMARY_HEADERS) + len(STATUS_HEADERS), self.row, self.review.total_weight)


def _write_units(ws, fmt: Formats, units: Sequence[UnitRow], policy: Policy) -> None:
    grades = grade_names(policy)
    headers = [("实施单位", 20), ("项目数", 8), ("全年预算数合计（万元）", 15), ("全年执行数合计（万元）", 15),
               ("执行率（合计）", 11), ("平均复核总分", 11), ("最低复核总分", 11),
               *((f"{g}（个）", 7) for g in grades)]
    drift = any(u.drift for u in units)  # a round compared with approved targets: its drift per unit
    if drift:
        headers += [("目标偏离（处）", 9), ("其中降低或删去（处）", 11)]
    setup(ws, headers, fmt, "朝阳区项目支出绩效自评汇总·按实施单位", freeze_cols=1)
    row = 0
    for row, u in enumerate(units, start=1):
        values = [u.unit, u.projects, u.annual_budget, u.executed, u.execution_rate, u.mean_total, u.min_total,
                  *(u.grades[g] for g in grades), *((u.drift, u.serious_drift) if drift else ())]
        formats = [fmt.text, fmt.int, fmt.amount, fmt.amount, fmt.rate, fmt.score, fmt.score,
                   *[fmt.int] * (len(grades) + (2 if drift else 0))]
        ws.append_values(row, values, formats)  # unit names as typed: escaped, never markup
    first, last, total = 2, row + 1, row + 1
    if not units:
        finish(ws, headers, 1)
        return
    ws.write_string(total, 0, "全区合计", fmt.total_text)
    count = sum(u.projects for u in units)
    budget, executed = sum(u.annual_budget for u in units), sum(u.executed for u in units)
    ws.write_formula(total, 1, f"=SUM({_span(1, first, last)})", fmt.total_int, count)
    ws.write_formula(total, 2, f"=SUM({_span(2, first, last)})", fmt.total_amount, finite(budget, ""))
    ws.write_formula(total, 3, f"=SUM({_span(3, first, last)})", fmt.total_amount, finite(executed, ""))
    count_cell, budget_cell, executed_cell = (_cell(col, total + 1) for col in (1, 2, 3))
    ws.write_formula(total, 4, f'=IF({budget_cell}>0,{executed_cell}/{budget_cell},"")', fmt.total_rate,
                     finite(executed / budget if budget > 0 else "", ""))
    # as the formula computes it (a unit with no scored project counts as a blank, i.e. 0, in SUMPRODUCT)
    mean = sum((u.mean_total or 0.0) * u.projects for u in units) / count if count else ""
    ws.write_formula(total, 5, f'=IF({count_cell}>0,SUMPRODUCT({_span(1, first, last)},{_span(5, first, last)})'
                               f'/{count_cell},"")', fmt.total_score, finite(mean, ""))
    ws.write_formula(total, 6, f'=IF({count_cell}>0,MIN({_span(6, first, last)}),"")', fmt.total_score,
                     finite(min((u.min_total for u in units if u.min_total is not None), default=""), ""))
    for i, g in enumerate(grades):
        col = 7 + i
        ws.write_formula(total, col, f"=SUM({_span(col, first, last)})", fmt.total_int,
                         sum(u.grades[g] for u in units))
    for col, count in ((7 + len(grades), sum(u.drift for u in units)),
                       (8 + len(grades), sum(u.serious_drift for u in units)))[:2 if drift else 0]:
        ws.write_formula(total, col, f"=SUM({_span(col, first, last)})", fmt.total_int, count)
    finish(ws, headers, row)
    ws.print_area(0, 0, total, len(headers) - 1)


def _write_charts(book, ws, fmt: Formats, units: Sequence[UnitRow], policy: Policy) -> None:
    grades = grade_names(policy)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 10)
    ws.write_string(0, 0, "等级", fmt.header)
    ws.write_string(0, 1, "项目数", fmt.header)
    for i, g in enumerate(grades, start=1):
        ws.write_string(i, 0, g, fmt.text)
        ws.write_number(i, 1, sum(u.grades[g] for u in units), fmt.int)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    if units:
        n = len(units)
        bar = book.add_chart({"type": "column"})
        bar.add_series({
            "name": "执行率",
            "categories": ["按单位", 1, 0, n, 0],
            "values": ["按单位", 1, 4, n, 4],
            "data_labels": {"value": True, "num_format": "0%"},
            "fill": {"color": "#4472C4"},
        })
        bar.set_title({"name": "各实施单位预算执行率（合计）", "name_font": {"name": "宋体", "size": 12}})
        bar.set_x_axis({"num_font": {"name": "宋体", "size": 9, "rotation": -45}})
        bar.set_y_axis({"num_format": "0%", "min": 0, "num_font": {"name": "宋体", "size": 9}})
        bar.set_legend({"none": True})
        bar.set_size({"width": max(620, 28 * n + 120), "height": 360})
        ws.insert_chart("D2", bar)
        grade_chart = book.add_chart({"type": "column"})
        grade_chart.add_series({
            "name": "项目数",
            "categories": ["图表", 1, 0, len(grades), 0],
            "values": ["图表", 1, 1, len(grades), 1],
            "data_labels": {"value": True},
            "points": [{"fill": {"color": c}} for c in ("#70AD47", "#4472C4", "#FFC000", "#C00000")],
        })
        grade_chart.set_title({"name": "复核等级分布", "name_font": {"name": "宋体", "size": 12}})
        grade_chart.set_legend({"none": True})
        grade_chart.set_x_axis({"num_font": {"name": "宋体", "size": 10}})
        grade_chart.set_size({"width": 420, "height": 300})
        ws.insert_chart("D21", grade_chart)


#: What the summary says once when the forms' amounts are in 元 (``money_unit = "元"``).
MONEY_NOTE = "各表金额按元填写（money_unit = \"元\"），本表已除以 10000 换算为万元"


def write_summary(target: Path | BinaryIO, files: Iterable[FileResult], policy: Policy, *,
                  used: Iterable[FileResult] | None = None, extra: Callable[[xlsxwriter.Workbook], None] | None = None,
                  tmpdir: str | None = None, link_base: Path | None = None, review: ReviewBook | None = None,
                  parts=None) -> None:  # type: ignore[no-untyped-def]
    """Write the summary workbook to ``target`` (a path or a binary buffer; the caller makes it atomic).
    ``files`` and ``used`` (the summarised projects in the summary's order) may stream; ``extra`` adds the
    review sheets after 图表; ``tmpdir`` is where XlsxWriter keeps its temporary files; with ``link_base``
    (the summary's folder) 汇总's 来源文件 links to each file, relative to the summary where it can be; with
    ``review`` (combine's) 汇总 gets the reviewer columns and the workbook the very hidden sheet 复核校验; ``parts``
    (combine's :class:`~xltools.district.sheetparts.SheetParts`) has 项目信息, 指标明细, 问题清单 and 文件清单 rendered apart."""
    if used is None:
        used = sorted((r for r in files if r.used),  # units in the district's order (units.py)
                      key=lambda r: (unit_sort_key(r.project.unit), r.project.name, r.path))  # type: ignore[union-attr]
    sums = UnitSums(policy)
    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, {
        "constant_memory": True,
        "tmpdir": tmpdir,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    book.set_properties({"title": "朝阳区项目支出绩效自评汇总", "comments": "由 xltools combine 生成"})
    fmt = Formats(book)
    # the sheets in the workbook's order; then one pass over the projects fills 汇总, 项目信息 and 指标明细
    # (and sums 按单位), one pass over the files 问题清单 and 文件清单
    projects = _Projects(book, fmt, sums, link_base, review)
    if policy.money_unit == "元":  # said once, in the 全区合计 row of 汇总
        projects.money_note = MONEY_NOTE
    units_sheet = book.add_worksheet(SHEET["units"], worksheet_class=_RowStream)
    charts_sheet = book.add_worksheet(SHEET["charts"])
    if extra is not None:
        extra(book)
    details, indicators = Details(book, fmt), Indicators(book, fmt)
    for number, result in enumerate(used, start=1):
        projects.add(result)
        if parts is None:
            details.add(number, result)
            indicators.add(number, result)
        elif number == 1:  # 项目信息 rendered apart: its formats numbered where its first row would be written
            details.first_use()
    if parts is not None:  # 指标明细 has no format 汇总 and 项目信息 have not used
        parts.splice("details", details)
        parts.splice("indicators", indicators)
    for sheet in (projects, details, indicators):
        sheet.close()
    units = sums.rows()
    _write_units(units_sheet, fmt, units, policy)
    _write_charts(book, charts_sheet, fmt, units, policy)
    findings, listed = Findings(book, fmt), Files(book, fmt)
    if parts is not None:
        parts.splice("findings", findings)
        parts.splice("files", listed)
    else:
        for result in files:
            unit, name = heading(result)
            findings.add(result, unit, name)
            listed.add(result, unit, name)
    findings.close()
    listed.close()
    if review is not None:
        write_check_sheet(book, review.round_id, review.token)
    book.close()
