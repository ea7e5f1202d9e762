"""The one vocabulary table of the indicator framework: 一级 indicators and the 二级 each one allows.

The default policy (:mod:`xltools.core.policy`), the checks (``level1-invalid``, ``level2-invalid``) and the
generated ``docs/rules.md`` (``xltools rules --markdown``, section 指标词表) all read :data:`LEVELS`; a
profile or policy file may replace it (key ``levels``).

The 2021+ framework has 成本指标 as a 一级 with 经济成本指标, 社会成本指标 and 生态环境成本指标 under it;
forms that keep cost under 产出指标 (the 2020 framework) may use the same three 二级 there.
"""

from __future__ import annotations

__all__ = ["LEVELS", "COST_LEVEL2", "RATING_SCALES", "levels_markdown", "scales_markdown"]

#: The 二级 of cost, valid under 成本指标 (一级) and under 产出指标.
COST_LEVEL2: tuple[str, ...] = ("经济成本指标", "社会成本指标", "生态环境成本指标")

#: 一级 → the 二级 it allows (the district's default vocabulary).
LEVELS: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标", *COST_LEVEL2),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标", "满意度指标"),
    "成本指标": COST_LEVEL2,
}


#: The rating scales a target may state, each word → the band it is in (best word first). A target that
#: lists a scale (``优良中差``, ``A/B/C/D``) or names one word of it (``良``, ``是``) is scored by the band
#: of the word the actual states; a full score with the lowest word is a ``qualitative-band`` error.
RATING_SCALES: tuple[dict[str, str], ...] = (
    {"优": "达成", "良": "达成", "中": "部分达成", "差": "未达成"},
    {"好": "达成", "较好": "达成", "一般": "部分达成", "较差": "未达成", "差": "未达成"},
    {"高": "达成", "较高": "达成", "中": "部分达成", "较低": "未达成", "低": "未达成"},
    {"优": "达成", "良": "达成", "中": "部分达成", "低": "未达成", "差": "未达成"},
    {"优秀": "达成", "良好": "达成", "合格": "部分达成", "不合格": "未达成"},
    {"A": "达成", "B": "达成", "C": "部分达成", "D": "未达成"},
    {"满意": "达成", "基本满意": "部分达成", "不满意": "未达成"},
    {"是": "达成", "否": "未达成"},  # a yes/no target: only the word it names is met
)


def scales_markdown(scales: tuple[dict[str, str], ...] | None = None) -> str:
    """The rating scales as a Markdown table (one row per scale)."""
    rows = ["| 评价等级 | 对应档次 |", "| --- | --- |"]
    rows += [f"| {'/'.join(scale)} | {'、'.join(f'{w}→{b}' for w, b in scale.items())} |"
             for scale in (scales or RATING_SCALES)]
    return "\n".join(rows) + "\n"


def levels_markdown(levels: dict[str, tuple[str, ...]] | None = None) -> str:
    """The vocabulary as a Markdown table (one row per 一级)."""
    rows = ["| 一级指标 | 允许的二级指标 |", "| --- | --- |"]
    rows += [f"| {name} | {'、'.join(allowed)} |" for name, allowed in (levels or LEVELS).items()]
    return "\n".join(rows) + "\n"
