"""The one vocabulary table of the indicator framework: 一级 indicators and the 二级 each one allows.

The default policy (:mod:`xltools.core.policy`), the checks (``level1-invalid``, ``level2-invalid``) and the
generated ``docs/rules.md`` (``xltools rules --markdown``, section 指标词表) all read :data:`LEVELS`; a
profile or policy file may replace it (key ``levels``).

The 2021+ framework has 成本指标 as a 一级 with 经济成本指标, 社会成本指标 and 生态环境成本指标 under it;
forms that keep cost under 产出指标 (the 2020 framework) may use the same three 二级 there.
"""

from __future__ import annotations

__all__ = ["LEVELS", "COST_LEVEL2", "levels_markdown"]

#: The 二级 of cost, valid under 成本指标 (一级) and under 产出指标.
COST_LEVEL2: tuple[str, ...] = ("经济成本指标", "社会成本指标", "生态环境成本指标")

#: 一级 → the 二级 it allows (the district's default vocabulary).
LEVELS: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标", *COST_LEVEL2),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标", "满意度指标"),
    "成本指标": COST_LEVEL2,
}


def levels_markdown(levels: dict[str, tuple[str, ...]] | None = None) -> str:
    """The vocabulary as a Markdown table (one row per 一级)."""
    rows = ["| 一级指标 | 允许的二级指标 |", "| --- | --- |"]
    rows += [f"| {name} | {'、'.join(allowed)} |" for name, allowed in (levels or LEVELS).items()]
    return "\n".join(rows) + "\n"
