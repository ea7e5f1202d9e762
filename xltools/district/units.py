"""The implementing units of Chaoyang District in the district's official order, and the summary's unit order.

:data:`UNITS` is the one table of the district's 24 街道办事处 and 19 地区办事处 with their
administrative division codes (统计用区划代码, county 110105 + a three-digit township code; 首都机场
has 400). The summary lists 实施单位 in this order (by code), the order a reader in the district
expects; a unit outside the table (a district bureau, a typo) follows, in pinyin order (with tones,
as a Chinese dictionary sorts), not in the order of the characters' code points.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["UNITS", "STREETS", "AREAS", "unit_code", "unit_sort_key"]

#: (division code, unit name as forms name it) of every implementing unit, in code order.
UNITS: tuple[tuple[str, str], ...] = (
    ("110105001", "建外街道办事处"), ("110105002", "朝外街道办事处"), ("110105003", "呼家楼街道办事处"),
    ("110105004", "三里屯街道办事处"), ("110105005", "左家庄街道办事处"), ("110105006", "香河园街道办事处"),
    ("110105007", "和平街街道办事处"), ("110105008", "安贞街道办事处"), ("110105009", "亚运村街道办事处"),
    ("110105010", "小关街道办事处"), ("110105011", "酒仙桥街道办事处"), ("110105012", "麦子店街道办事处"),
    ("110105013", "团结湖街道办事处"), ("110105014", "六里屯街道办事处"), ("110105015", "八里庄街道办事处"),
    ("110105016", "双井街道办事处"), ("110105017", "劲松街道办事处"), ("110105018", "潘家园街道办事处"),
    ("110105019", "垡头街道办事处"), ("110105021", "南磨房地区办事处"), ("110105022", "高碑店地区办事处"),
    ("110105023", "将台地区办事处"), ("110105024", "太阳宫地区办事处"), ("110105025", "大屯街道办事处"),
    ("110105026", "望京街道办事处"), ("110105027", "小红门地区办事处"), ("110105028", "十八里店地区办事处"),
    ("110105029", "平房地区办事处"), ("110105030", "东风地区办事处"), ("110105031", "奥运村街道办事处"),
    ("110105032", "来广营地区办事处"), ("110105033", "常营地区办事处"), ("110105034", "三间房地区办事处"),
    ("110105035", "管庄地区办事处"), ("110105036", "金盏地区办事处"), ("110105037", "孙河地区办事处"),
    ("110105038", "崔各庄地区办事处"), ("110105039", "东坝地区办事处"), ("110105040", "黑庄户地区办事处"),
    ("110105041", "豆各庄地区办事处"), ("110105042", "王四营地区办事处"), ("110105043", "东湖街道办事处"),
    ("110105400", "首都机场街道办事处"),
)

#: The 24 街道办事处 and the 19 地区办事处, each in code order.
STREETS: tuple[str, ...] = tuple(name for _, name in UNITS if name.endswith("街道办事处"))
AREAS: tuple[str, ...] = tuple(name for _, name in UNITS if name.endswith("地区办事处"))

_PREFIXES = ("北京市", "北京", "朝阳区")
_SUFFIXES = re.compile(r"(?:人民政府|政府|办事处|街道|地区|乡)$")


def _short(name: str) -> str:
    """建外 for 建外街道办事处, 建外街道, 朝阳区建外街道 …; 南磨房 for 南磨房地区(办事处), 南磨房乡 …"""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    while (stripped := _SUFFIXES.sub("", text)) != text and stripped:
        text = stripped
    return text


_BY_SHORT: dict[str, tuple[int, str]] = {_short(name): (index, code) for index, (code, name) in enumerate(UNITS)}


def unit_code(name: str) -> str | None:
    """The division code of a unit of the table, however its name is written; ``None`` for another unit."""
    found = _BY_SHORT.get(_short(name))
    return found[1] if found else None


@lru_cache(maxsize=1024)
def unit_sort_key(name: str) -> tuple[int, tuple[object, ...], str]:
    """Sort key: the table's units by code, then other units in pinyin order, an empty name last."""
    found = _BY_SHORT.get(_short(name)) if name else None
    if found is not None:
        return (0, (found[0],), name)
    if not name.strip():
        return (2, (), name)
    from pypinyin import (  # only when a unit outside the table turns up
        Style,
        lazy_pinyin,
    )

    syllables = lazy_pinyin(unicodedata.normalize("NFKC", name), style=Style.TONE3, neutral_tone_with_five=True)
    return (1, tuple(s.strip().lower() for s in syllables), name)
