"""Shell: the 填报说明 sheet of template 1.1, generated from the layout and the policy (so it never drifts).

How to fill each part, units, the policy's scoring rules in words, the qualitative bands, the
colour legend (sample cells in the real colours), what the in-sheet checks cover (with the code
of the matching rule of ``xltools check``) and what only the full check covers. Printed on its own
A4 page(s).
"""

from __future__ import annotations

from typing import Any

from xltools.core import Policy
from xltools.core.rules import RULES
from xltools.form.checks import FULL_CHECK_ONLY, SHEET_RULES, STATUS_OK
from xltools.form.layout_v1_3 import LayoutV1_3
from xltools.form.sheetquantity import UNITS
from xltools.form.layout import RESULT_SHEET, SHEET
from xltools.form.layout_v1_1 import GUIDE_SHEET, NOT_A_NUMBER, LayoutV1_1

__all__ = ["guide_rows", "write_guide", "colours"]

SEVERITY = {"error": "错误", "warning": "警告"}


def _n(value: float) -> str:
    return f"{value:g}"


def _pct(share: float) -> str:
    return f"{share * 100:g}%"


def colours(input_fill: str, formula_fill: str, error_fill: str, warning_fill: str,
            ok_fill: str) -> tuple[tuple[str, str, str], ...]:
    """(colour word, fill, meaning) of the legend; the words name the fills the template really uses."""
    return (
        ("浅黄色", input_fill, "填写单元格：只在这些单元格中录入"),
        ("浅蓝色", formula_fill, f"自动计算：执行率、预算执行得分、分值合计、总分、等级（输入有文字时显示“{NOT_A_NUMBER}”）"),
        ("浅红色", error_fill, "错误：表内检查发现的问题，须改正后再报送"),
        ("橙色", warning_fill, "警告：请核实，确有理由的可以保留"),
        ("浅绿色", ok_fill, f"表头“表内自动检查”显示“{STATUS_OK}”"),
    )


def guide_rows(layout: LayoutV1_1, policy: Policy, year: int) -> list[tuple[str, str]]:
    """(heading, text) rows of the 填报说明 sheet; a heading alone starts a section."""
    d = policy.decimals
    grades = "，".join(f"{name} ≥ {_n(floor)} 分" for name, floor in policy.grade_thresholds.items())
    bands = "；".join(f"{name}：得分占分值的 {_pct(low)}–{_pct(high)}" for name, (low, high) in
                     policy.qualitative_bands.items())
    split = "、".join(f"{name} {_n(value)} 分" for name, value in policy.standard_split.items())
    reverse = ("实际值超过指标值时，得分 = 指标值 ÷ 实际值 × 分值" if policy.reverse_rule == "ratio"
               else "实际值超过指标值时，得分按超出部分线性扣减，到指标值的两倍时为 0")
    level2 = "；".join(f"{k}：{'、'.join(v)}" for k, v in policy.levels.items())
    units = "、".join(dict.fromkeys(raw for raw, _ in UNITS))
    rows: list[tuple[str, str]] = [
        ("", f"填报说明（{year} 年度项目支出绩效自评表，模板版本 {layout.version}）"),
        ("一、怎样填写", ""),
        ("填写位置", f"只在“{SHEET}”表的浅黄色单元格中录入；浅蓝色单元格由公式计算，其余单元格受保护。"
                     "行高可以调整，以显示较长的文字。"),
        ("表头", "项目名称、主管部门、实施单位、项目负责人、联系电话均为必填。"),
        ("项目资金", "单位为万元，保留 4 位小数（精确到元），如 6.6296；只填数字，不要带“万元”“万”或逗号。"
                     "年度资金总额必填，“其中”三行之和应等于年度资金总额；全年执行数不应超过全年预算数。"),
        ("预算执行分值", f"默认 {_n(policy.default_budget_weight)} 分；得分由公式按执行率计算。"),
        ("年度总体目标", "预期目标和实际完成情况都必填；实际完成情况写实际完成了什么，不要照抄预期目标。"),
        ("绩效指标", f"每行一条指标。一级指标从下拉列表选择（{'、'.join(policy.levels)}），二级指标须属于所选一级指标"
                     f"（{level2}）。三级指标写简短的名称（不超过 {policy.name_max_length} 个字，不带句读）。"),
        ("指标值与完成值", f"定量指标写成“≥95%”“≤10天”“=100%”“40个”这样的比较符号加数字加单位，实际完成值用相同单位"
                          f"（如“96%”“8天”）。表内能识别的单位：{units}。"),
        ("分值与得分", f"预算执行分值与各指标分值合计应为 {_n(policy.total_weight)} 分（标准结构：{split}）。"
                      "得分在 0 到本行分值之间；得分低于分值时必须填写偏差原因分析及改进措施。"),
        ("签署", "填表人、联系电话、填写日期必填；填写日期应在年度结束之后。"),
        ("二、评分规则", ""),
        ("执行率", "执行率 = 全年执行数 ÷ 全年预算数（年度资金总额行）；预算执行得分 = min(执行率, 100%) × 分值。"
                   f"执行率低于 {_pct(policy.low_execution_rate)} 时，须在偏差原因中说明原因。"),
        ("正向指标", "“≥”或只写数字：实际值达到指标值得满分，否则得分 = 实际值 ÷ 指标值 × 分值。"),
        ("反向指标", f"“≤”：实际值不超过指标值得满分；{reverse}。"),
        ("等于指标", "“=”：按实际值偏离指标值的比例扣分。"),
        ("定性指标", f"按实际完成值所述的完成程度：{bands}。"),
        ("总分与等级", f"总分 = 预算执行得分 + 各指标得分，保留 {d} 位小数（四舍五入）；{grades}，其余为"
                       f"{policy.lowest_grade}。"),
        ("三、颜色", ""),
    ]
    return rows


def write_guide(book: Any, layout: LayoutV1_1, policy: Policy, year: int, password: str, font: str,
                legend: tuple[tuple[str, str, str], ...]) -> None:
    """Add the 填报说明 sheet (protected, printed on its own A4 pages)."""
    ws = book.add_worksheet(GUIDE_SHEET)
    base = {"font_name": font, "font_charset": 134, "font_size": 10, "valign": "top", "text_wrap": True}
    title = book.add_format({**base, "bold": True, "font_size": 14, "valign": "vcenter"})
    section = book.add_format({**base, "bold": True, "font_size": 11, "bottom": 1})
    label = book.add_format({**base, "bold": True})
    text = book.add_format(base)
    for column, width in layout.guide_columns.items():
        ws.set_column(f"{column}:{column}", width)
    first, second = list(layout.guide_columns)
    row = layout.guide_first_row - 1
    width = layout.guide_columns[second]

    def put(heading: str, body: str, body_format: Any = text, heading_format: Any = label) -> None:
        nonlocal row
        ws.write_string(row, 0, heading, heading_format)
        ws.write_string(row, 1, body, body_format)
        lines = sum(max(1, -(-len(part) * 2 // int(width))) for part in body.split("\n"))
        ws.set_row(row, max(16, 14 * lines + 2))
        row += 1

    rows = guide_rows(layout, policy, year)
    ws.merge_range(row, 0, row, 1, rows[0][1], title)
    ws.set_row(row, 26)
    row += 1
    for heading, body in rows[1:]:
        if body:
            put(heading, body)
        else:
            ws.merge_range(row, 0, row, 1, heading, section)
            ws.set_row(row, 22)
            row += 1
    for word, fill, meaning in legend:
        put(word, meaning, heading_format=book.add_format({**base, "bold": True, "bg_color": fill, "border": 1,
                                                           "align": "center", "valign": "vcenter"}))
    ws.merge_range(row, 0, row, 1, "四、表内自动检查（不需要宏和 Python，Excel、WPS、LibreOffice 都能用）", section)
    ws.set_row(row, 22)
    row += 1
    put("怎样看", f"“{SHEET}”表最右边的“检查”列逐行写出问题，出问题的单元格变为浅红色（错误）或橙色（警告），"
                 "表头“表内自动检查”一行汇总错误和警告个数。下列各项的代码与 xltools check 的规则代码一致。")
    if isinstance(layout, LayoutV1_3):
        put("还要注意", f"一行的问题在“检查”列写不下时，末尾写“另有N项见红色格”，请看标红的单元格；“总分”一行标红，"
                       "表示它所依据的得分或金额有误（不另算一个错误）；等级显示“未评分”表示一个分值也没有填，"
                       "“未评级”表示分值合计不等于满分或总分超过满分；点“检查评分”标出的颜色，在该单元格改正后自动消失。")
    for rule in SHEET_RULES:
        titles = "、".join(RULES[code].title for code in rule.codes if code in RULES)
        put(SEVERITY[rule.severity], f"{rule.covers}（{titles}；代码 {'、'.join(rule.codes)}）")
    ws.merge_range(row, 0, row, 1, "五、只有完整检查才做的项目", section)
    ws.set_row(row, 22)
    row += 1
    put("怎样做", f"带宏模板（.xlsm）点“检查评分”按钮，结果写入“{RESULT_SHEET}”表；或由区里用 xltools check 检查。")
    for codes, what in FULL_CHECK_ONLY:
        put("完整检查", f"{what}（代码 {codes}）")
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.set_footer("&C填报说明 第 &P 页，共 &N 页")
    ws.print_area(f"{first}1:{second}{row}")
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
