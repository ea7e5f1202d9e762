"""The form's labels as people write them: aliases, normalising, and labels written inline.

Pure: no I/O. The label-driven reader (:mod:`xltools.form.labelform`) reads Word forms and Excel
forms of other layouts by these labels instead of by cell address. A label matches a whole cell
after :func:`normalise_label` (NFKC, no whitespace or line breaks, no trailing colon, no unit in
brackets), so ``绩\\n效\\n指\\n标``, ``年度\\n指标值`` and ``全年预算数（万元）`` all match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["LABELS", "HEADER_KEYS", "FUND_COLUMNS", "FUND_ROWS_BY_LABEL", "INDICATOR_COLUMNS", "STOP_KEYS",
           "normalise_label", "label_key", "inline_pairs", "split_person_phone", "plain_number", "title_year"]

#: Canonical key → the labels it is written as (already normalised: no spaces, ASCII brackets and colon).
LABELS: dict[str, tuple[str, ...]] = {
    # header: the value is to the right of the label (or after a colon in the same cell)
    "year": ("年度", "评价年度", "预算年度"),
    "project_name": ("项目名称",),
    "department": ("主管部门", "主管单位", "预算部门"),
    "implementing_unit": ("实施单位", "项目实施单位", "单位名称"),
    "project_lead": ("项目负责人", "负责人"),
    "lead_and_phone": ("项目负责人及电话", "负责人及电话", "项目负责人及联系电话", "负责人及联系电话",
                       "项目负责人及联系方式"),
    "phone": ("联系电话", "电话", "联系方式"),
    "filled_by": ("填表人", "填报人"),
    "filled_on": ("填写日期", "填表日期", "填报日期"),
    "total_score": ("总分", "总得分", "自评总分", "自评得分合计"),
    # 年度总体目标: the values are below 预期目标 and 实际完成情况
    "goal_block": ("年度总体目标", "总体目标"),
    "goal_expected": ("预期目标", "年度预期目标"),
    "goal_actual": ("实际完成情况", "目标实际完成情况", "总体目标完成情况", "年度总体目标完成情况"),
    # 项目资金: column headers, the values in the fund rows below
    "funds_block": ("项目资金", "项目资金(万元)", "资金情况", "资金情况(万元)"),
    "initial_budget": ("年初预算数", "年初预算", "年初预算数(A)"),
    "annual_budget": ("全年预算数", "预算数(A)", "全年预算数(A)", "调整后预算数", "预算数"),
    "executed": ("全年执行数", "执行数(B)", "全年执行数(B)", "实际执行数", "执行数"),
    "rate": ("执行率", "预算执行率", "执行率(B/A)", "执行率(%)"),
    "weight": ("分值", "权重", "指标分值"),
    "score": ("得分", "自评得分"),
    # 项目资金: row labels
    "fund_total": ("年度资金总额", "资金总额", "年度资金总额(万元)"),
    "fund_fiscal": ("其中:当年财政拨款", "当年财政拨款", "财政拨款"),
    "fund_carryover": ("上年结转资金", "上年结转"),
    "fund_other": ("其他资金",),
    "breakdown": ("其中",),
    # 绩效指标: column headers, one indicator per row below
    "indicators_block": ("绩效指标", "绩效指标完成情况"),
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "三级指标名称"),
    "target": ("年度指标值", "指标值", "年初目标值", "目标值", "年度目标值", "预期指标值"),
    "actual": ("实际完成值", "全年完成值", "完成值", "全年实际完成值", "实际值"),
    "deviation": ("偏差原因分析及改进措施", "偏差原因", "未完成原因", "偏差原因分析", "未完成原因分析",
                  "偏差原因及改进措施", "未完成原因分析及改进措施", "未完成原因及改进措施"),
    "nature": ("指标性质", "指标方向"),
    "unit": ("度量单位", "计量单位", "单位"),
    # a row with one of these ends the indicator table
    "remarks": ("备注", "说明", "审核意见", "评价结论"),
}

HEADER_KEYS = ("year", "project_name", "department", "implementing_unit", "project_lead", "lead_and_phone",
               "phone", "filled_by", "filled_on", "total_score")
FUND_COLUMNS = ("initial_budget", "annual_budget", "executed", "rate", "weight", "score")
#: Fund row label key → the form's fund key.
FUND_ROWS_BY_LABEL = {"fund_total": "total", "fund_fiscal": "fiscal", "fund_carryover": "carryover",
                      "fund_other": "other"}
INDICATOR_COLUMNS = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation", "nature",
                     "unit")
#: Labels that end the indicator table when a row holds one of them.
STOP_KEYS = frozenset(set(LABELS) - set(INDICATOR_COLUMNS) - {"indicators_block"})

_BY_LABEL = {alias: key for key, aliases in LABELS.items() for alias in aliases}
_UNIT_SUFFIX = re.compile(r"\((?:万元|元|分|%|百分比)\)$")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _normalise(text: str) -> str:
    text = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    return text.lstrip("*").rstrip(":")


def normalise_label(value: object) -> str:
    """A cell's text as labels are compared: NFKC, no whitespace or line breaks, no leading ``*`` or
    trailing colon (``年度\\n指标值`` → ``年度指标值``, ``项目名称：`` → ``项目名称``)."""
    return _normalise(value) if isinstance(value, str) and len(value) <= 40 else ""


def label_key(value: object) -> str | None:
    """The canonical key of a cell that is a whole label, or ``None`` (a value, or empty)."""
    text = normalise_label(value)
    if not text:
        return None
    key = _BY_LABEL.get(text)
    if key is None and _UNIT_SUFFIX.search(text):
        key = _BY_LABEL.get(_UNIT_SUFFIX.sub("", text))
    return key


#: Labels that may be written inline, ``填表人：李冬梅``; longest first so 项目负责人及电话 wins over 负责人.
_INLINE = sorted((alias for key in HEADER_KEYS for alias in LABELS[key]), key=len, reverse=True)
_INLINE_RE = re.compile("(" + "|".join(re.escape(a) for a in _INLINE) + r")[ \t\u3000]*[:：][ \t\u3000]*")


def inline_pairs(text: object) -> list[tuple[str, str]]:
    """``填表人：李冬梅 联系电话：64578491`` → ``[("filled_by", "李冬梅"), ("phone", "64578491")]``.

    Only labels followed by a colon count; an empty list when the text starts with no such label.
    """
    if not isinstance(text, str) or "：" not in text and ":" not in text:
        return []
    matches = list(_INLINE_RE.finditer(text))
    if not matches or text[:matches[0].start()].strip():
        return []
    pairs = []
    for match, following in zip(matches, [*matches[1:], None]):
        end = following.start() if following else len(text)
        pairs.append((_BY_LABEL[match.group(1)], text[match.end():end].strip()))
    return pairs


_PHONE_TAIL = re.compile(r"[(（]?((?:\+?86[- ]?)?(?:\d[\d\- ]{5,}\d)(?:(?:转|ext|x)\d{1,5})?)[)）]?\s*$")


def split_person_phone(text: object) -> tuple[str | None, str | None]:
    """``张三 13812345678`` / ``张三/010-85612345`` / ``张三（64566064）`` → name and phone; a text with
    no phone number at its end is all name."""
    if not isinstance(text, str) or not text.strip():
        return None, None
    match = _PHONE_TAIL.search(text.strip())
    if not match:
        return text.strip(), None
    name = text.strip()[:match.start()].strip(" \t/、,，;；:：-")
    return name or None, match.group(1).strip()


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def plain_number(value: object) -> object:
    """A text that is nothing but a decimal number (``"6.6296"``, ``" 10 "``) as the number a spreadsheet
    cell would hold; any other value unchanged. Word keeps every cell as text."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        text = value.strip()
        number = float(text)
        return int(number) if "." not in text and number.is_integer() else number
    return value


_TITLE_YEAR = re.compile(r"(\d{4})\s*年度")


def title_year(text: object) -> int | None:
    """The year of a title such as ``（ 2020 年度）`` or ``朝阳区项目支出绩效自评表（2024年度）``."""
    if not isinstance(text, str) or len(text) > 60:
        return None
    match = _TITLE_YEAR.search(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None
