"""Word forms for tests: a form written as a .docx table in the notice's layout (附件1, the seed's text).

Built with python-docx the way the notice's table is drawn: 项目资金 and 年度总体目标 and the vertical
``绩\\n效\\n指\\n标`` merged down, a spacer cell before the fund columns, ``年度\\n指标值`` with line
breaks, 一级/二级指标 merged down over equal neighbours, the year in the title and the 填表人 line
as paragraphs outside the table.
"""

from __future__ import annotations

from pathlib import Path

import docx

from xltools.core import Form
from xltools.core.model import FUND_ROWS

COLUMNS = 9


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _merged(table, row: int, first: int, last: int, value: object, last_row: int | None = None):
    cell = table.cell(row, first)
    if last != first or (last_row is not None and last_row != row):
        cell = cell.merge(table.cell(last_row if last_row is not None else row, last))
    cell.text = text(value)
    return cell


def form_docx(form: Form, path: Path, *, extra_rows: bool = False, spacer_rows: bool = False,
              rate: str = "", drop: tuple[str, ...] = ()) -> Path:
    """``form`` as a Word table in the seed's layout. ``extra_rows``: an empty row inside the indicator
    table and a 备注 row after 总分; ``spacer_rows``: an empty row between the blocks; ``drop``: labels
    left out (their cell blank), to test a field the reader cannot locate."""
    def label(name: str) -> str:
        return "" if name.replace("\n", "") in drop else name

    indicators = [ind for ind in form.indicators if not ind.is_empty()]
    n = len(indicators) + (1 if extra_rows else 0)
    rows = 3 + 5 + 2 + 1 + n + 1 + (1 if extra_rows else 0) + (2 if spacer_rows else 0)
    document = docx.Document()
    document.add_paragraph("附件1")
    document.add_paragraph("朝阳区项目支出绩效自评表")
    document.add_paragraph(f"（   {text(form.year)} 年度）")
    table = document.add_table(rows=rows, cols=COLUMNS)
    table.style = "Table Grid"
    r = 0
    _merged(table, r, 0, 0, label("项目名称"))
    _merged(table, r, 1, 8, form.project_name)
    r += 1
    _merged(table, r, 0, 1, label("主管部门"))
    _merged(table, r, 2, 4, form.department)
    _merged(table, r, 5, 5, label("实施单位"))
    _merged(table, r, 6, 8, form.implementing_unit)
    r += 1
    _merged(table, r, 0, 1, label("项目负责人"))
    _merged(table, r, 2, 4, form.project_lead)
    _merged(table, r, 5, 5, label("联系电话"))
    _merged(table, r, 6, 8, form.lead_phone)
    r += 1
    if spacer_rows:
        r += 1
    _merged(table, r, 0, 0, label("项目资金\n（万元）"), last_row=r + 4)
    _merged(table, r, 1, 2, "")  # the spacer cell of the seed
    for col, name in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 3):
        _merged(table, r, col, col, label(name))
    for offset, key in enumerate(FUND_ROWS, 1):
        fund = form.fund(key)
        row_label = FUND_ROWS[key] if key in ("total", "fiscal") else "     " + FUND_ROWS[key]
        _merged(table, r + offset, 1, 2, label(row_label.strip()) and row_label)
        for col, part in enumerate(("initial_budget", "annual_budget", "executed"), 3):
            _merged(table, r + offset, col, col, getattr(fund, part))
        if key == "total":
            _merged(table, r + offset, 6, 6, form.budget_weight)
            _merged(table, r + offset, 7, 7, rate)
            _merged(table, r + offset, 8, 8, form.budget_score)
        else:
            _merged(table, r + offset, 6, 6, "—")
            _merged(table, r + offset, 8, 8, "—")
    r += 5
    if spacer_rows:
        r += 1
    _merged(table, r, 0, 0, label("年度总体目标"), last_row=r + 1)
    _merged(table, r, 1, 4, label("预期目标"))
    _merged(table, r, 5, 8, label("实际完成情况"))
    _merged(table, r + 1, 1, 4, form.goal_expected)
    _merged(table, r + 1, 5, 8, form.goal_actual)
    r += 2
    head = r
    _merged(table, r, 0, 0, label("绩\n效\n指\n标"), last_row=r + n)
    for col, name in enumerate(("一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分",
                                "偏差原因分析及改进措施"), 1):
        _merged(table, r, col, col, label(name))
    r += 1
    for i, ind in enumerate(indicators):
        if extra_rows and i == len(indicators) // 2:
            r += 1  # an empty row inside the indicator table
        for col, part in enumerate(("name", "target", "actual", "weight", "score", "deviation"), 3):
            _merged(table, r, col, col, getattr(ind, part))
        table.cell(r, 1).text = text(ind.level1)
        table.cell(r, 2).text = text(ind.level2)
        r += 1
    _merge_runs(table, head + 1, r, 1, extra_rows)
    _merge_runs(table, head + 1, r, 2, extra_rows)
    _merged(table, r, 0, 6, label("总分"))
    _merged(table, r, 7, 8, form.total_score)
    if extra_rows:
        _merged(table, r + 1, 0, 0, "备注")
        _merged(table, r + 1, 1, 8, "本表一式两份")
    document.add_paragraph(f" 填表人：     {text(form.filled_by)}   联系电话：   {text(form.filler_phone)}    "
                           f"填写日期：{text(form.filled_on)}")
    document.save(path)
    return path


def _merge_runs(table, first: int, end: int, col: int, keep_empty: bool) -> None:
    """Merge equal neighbours of column ``col`` down (一级/二级指标 as the notice's table draws them); the
    second column only within one 一级指标."""
    start = first
    while start < end:
        value = table.cell(start, col).text
        stop = start + 1
        while stop < end and value and table.cell(stop, col).text == value and \
                (col == 1 or table.cell(stop, 1).text == table.cell(start, 1).text):
            stop += 1
        if stop - start > 1:
            table.cell(start, col).merge(table.cell(stop - 1, col)).text = value
        start = stop
