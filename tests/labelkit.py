"""Excel self-evaluation forms of other layouts, written with openpyxl for tests/test_labelforms.py.

Four layouts none of which is a template version of ours: columns in another order, no 年初预算数,
no 分值, split 指标性质 | 指标值 | 度量单位 columns under a two-row header, 负责人及电话 in one cell,
labels written inline (``项目名称：…``), merged cells. Each function returns the workbook's path.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook


def _book(rows: dict[str, object], merges: tuple[str, ...], path: Path, title: str = "Sheet1") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for ref, value in rows.items():
        ws[ref] = value
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def _rows(first: int, columns: str, data: list[tuple[object, ...]]) -> dict[str, object]:
    cells: dict[str, object] = {}
    for r, values in enumerate(data, first):
        for col, value in zip(columns, values):
            if value is not None:
                cells[f"{col}{r}"] = value
    return cells


def layout_a(path: Path) -> Path:
    """Another region's form: 分值 before 年度指标值, 执行率 before 分值, the year in the title, the
    signature written inline in two cells."""
    cells = {
        "A1": "2024年度项目支出绩效自评表",
        "A2": "项目名称", "B2": "社区养老驿站运营补贴", "E2": "实施单位", "F2": "和平街街道办事处",
        "A3": "主管部门", "B3": "民政科", "E3": "项目负责人", "F3": "赵敏", "G3": "联系电话", "H3": "010-84270000",
        "A5": "项目资金（万元）", "B5": "年初预算数", "C5": "全年预算数", "D5": "全年执行数", "E5": "执行率",
        "F5": "分值", "G5": "得分",
        "A6": "年度资金总额", "B6": 50, "C6": 50, "D6": 48, "E6": "96%", "F6": 10, "G6": 9.6,
        "A7": "其中：当年财政拨款", "B7": 50, "C7": 50, "D7": 48,
        "A8": "预期目标", "B8": "为辖区 300 名老人提供助餐服务", "E8": "实际完成情况", "F8": "为 320 名老人提供助餐服务",
        "A9": "一级指标", "B9": "二级指标", "C9": "三级指标", "D9": "分值", "E9": "年度指标值", "F9": "实际完成值",
        "G9": "得分", "H9": "偏差原因分析及改进措施",
        "A16": "总分", "G16": 99.6,
        "A17": "填表人：孙丽  联系电话：13800001234", "E17": "填写日期：2025-01-10",
    }
    cells.update(_rows(10, "ABCDEFG", [
        ("产出指标", "数量指标", "助餐服务人数", 20, "≥300人", "320人", 20),
        ("产出指标", "质量指标", "餐品抽检合格率", 15, "100%", "100%", 15),
        ("产出指标", "时效指标", "服务开通时间", 15, "≤30天", "25天", 15),
        ("效益指标", "社会效益指标", "老人就餐便利度", 15, "≥90%", "95%", 15),
        ("效益指标", "可持续影响指标", "驿站持续运营月数", 15, "12个月", "12个月", 15),
        ("满意度指标", "服务对象满意度指标", "老人满意度", 10, "≥90%", "96%", 10),
    ]))
    return _book(cells, ("A1:H1", "B2:D2", "F2:H2", "B3:D3", "B8:D8", "F8:H8", "A16:F16", "A17:D17", "E17:H17"),
                 path, "绩效自评")


def layout_b(path: Path) -> Path:
    """A budget system's form: no 年初预算数 (预算数(A) / 执行数(B)), no fund row label, 年初目标值 /
    全年完成值 / 未完成原因, 项目负责人及电话 in one cell, the year under its own label."""
    cells = {
        "A1": "项目名称", "B1": "老旧小区楼道照明改造",
        "A2": "主管部门", "B2": "城市管理科", "C2": "实施单位", "D2": "双井街道办事处",
        "A3": "项目负责人及电话", "B3": "钱伟 13911112222",
        "A4": "年度", "B4": 2024,
        "A5": "预算数(A)", "B5": "执行数(B)", "C5": "执行率", "D5": "分值", "E5": "得分",
        "A6": 80, "B6": 80, "C6": 1, "D6": 10, "E6": 10,
        "A7": "年度总体目标", "B7": "预期目标", "C7": "实际完成情况",
        "B8": "改造 20 栋楼道照明", "C8": "完成 20 栋楼道照明改造，夜间照度达标",
        "A9": "一级指标", "B9": "二级指标", "C9": "三级指标", "D9": "年初目标值", "E9": "全年完成值", "F9": "分值",
        "G9": "得分", "H9": "未完成原因",
        "A16": "总分", "B16": 100,
        "A17": "填表人", "B17": "周宁", "C17": "联系电话", "D17": "010-87770000", "E17": "填写日期",
        "F17": dt.date(2025, 1, 15),
    }
    cells.update(_rows(10, "ABCDEFG", [
        ("产出指标", "数量指标", "改造楼栋数", "20栋", "20栋", 20, 20),
        ("产出指标", "质量指标", "照明验收合格率", "100%", "100%", 15, 15),
        ("产出指标", "时效指标", "完工时间", "≤60天", "55天", 15, 15),
        ("效益指标", "社会效益指标", "夜间照度达标率", "≥95%", "98%", 15, 15),
        ("效益指标", "可持续影响指标", "设施维保期", "≥2年", "2年", 15, 15),
        ("满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "92%", 10, 10),
    ]))
    return _book(cells, (), path)


def layout_c(path: Path) -> Path:
    """No 分值 anywhere (neither the fund block nor the indicators), amounts labelled with their unit,
    a spacer column between 项目名称 and its value, the year in a title cell."""
    cells = {
        "A1": "朝阳区项目支出绩效自评表", "A2": "（2024年度）",
        "A3": "项目名称", "C3": "街巷环境整治",
        "A4": "主管部门", "C4": "环境办", "D4": "实施单位", "E4": "八里庄街道办事处",
        "A5": "项目负责人", "C5": "吴刚", "D5": "联系电话", "E5": "85830000",
        "A6": "项目资金", "B6": "年初预算数（万元）", "C6": "全年预算数（万元）", "D6": "全年执行数（万元）", "E6": "得分",
        "A7": "年度资金总额", "B7": 30, "C7": 30, "D7": 30, "E7": 10,
        "A8": "预期目标", "B8": "整治背街小巷 10 条", "C8": "实际完成情况", "D8": "整治背街小巷 10 条，环境明显改善",
        "A9": "一级指标", "B9": "二级指标", "C9": "三级指标", "D9": "年度指标值", "E9": "实际完成值", "F9": "得分",
        "G9": "偏差原因",
        "A13": "总分", "B13": 70,
        "A14": "填表人", "B14": "郑洁", "C14": "联系电话", "D14": "13600001111", "E14": "填写日期", "F14": "2025-01-18",
    }
    cells.update(_rows(10, "ABCDEF", [
        ("产出指标", "数量指标", "整治街巷数", "10条", "10条", 20),
        ("效益指标", "社会效益指标", "环境投诉下降率", "≥20%", "25%", 30),
        ("满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "93%", 10),
    ]))
    return _book(cells, (), path)


def layout_d(path: Path) -> Path:
    """Split 指标性质 | 指标值 | 度量单位 under a two-row header, 一级指标 merged down, 项目名称 and 主管部门
    written inline in merged cells, no 年度总体目标 at all."""
    cells = {
        "A1": "项目支出绩效自评表（2024年度）",
        "A2": "项目名称：社区老年人健康讲座", "F2": "主管部门：卫健科",
        "A3": "实施单位", "B3": "团结湖街道办事处", "D3": "项目负责人", "E3": "冯涛", "F3": "电话", "G3": "65980000",
        "A4": "资金情况（万元）", "B4": "年初预算数", "C4": "全年预算数", "D4": "全年执行数", "E4": "分值", "F4": "得分",
        "A5": "年度资金总额", "B5": 12, "C5": 12, "D5": 12, "E5": 10, "F5": 10,
        "A6": "一级指标", "B6": "二级指标", "C6": "三级指标", "D6": "年度指标值", "G6": "实际完成值", "H6": "分值",
        "I6": "得分", "J6": "偏差原因",
        "D7": "指标性质", "E7": "指标值", "F7": "度量单位",
        "A13": "总分", "I13": 100,
        "A14": "填表人", "B14": "褚英", "C14": "联系电话", "D14": "13700002222", "E14": "填写日期",
        "F14": dt.date(2025, 1, 20),
    }
    cells.update(_rows(8, "ABCDEFGHI", [
        ("产出指标", "数量指标", "讲座场次", "≥", 12, "场", 12, 25, 25),
        (None, "质量指标", "参与老人人次", "≥", 600, "人次", 650, 25, 25),
        ("效益指标", "社会效益指标", "健康知识知晓率", "≥", 85, "%", 90, 15, 15),
        (None, "可持续影响指标", "健康档案更新率", "=", 100, "%", 100, 15, 15),
        ("满意度指标", "服务对象满意度指标", "老人满意度", "≥", 90, "%", 95, 10, 10),
    ]))
    merges = ("A1:J1", "A2:E2", "F2:J2", "B3:C3", "A6:A7", "B6:B7", "C6:C7", "D6:F6", "G6:G7", "H6:H7", "I6:I7",
              "J6:J7", "A8:A9", "A10:A11", "A13:H13")
    return _book(cells, merges, path, "自评")
