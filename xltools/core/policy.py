"""The scoring policy: every number the rules use, with the district's defaults.

A policy can be overridden from TOML text (``xltools check --policy FILE``);
the shell reads the file, :func:`policy_from_toml` only parses the text.
"""

from __future__ import annotations

import re
import sys
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import UserError, validation_reasons

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["Policy", "policy_from_toml", "PolicyError"]


class PolicyError(UserError):
    """The policy text is not valid TOML or does not fit the policy."""


class Policy(BaseModel):
    """Scoring and validation settings (defaults follow the district's practice)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    decimals: int = Field(2, ge=0, le=6, title="得分保留小数位（0 为取整）")
    reverse_rule: Literal["ratio", "linear"] = Field(
        "ratio", title="反向指标计分：ratio=指标值/实际值×分值；linear=超出部分线性扣减至两倍指标值为0")
    grade_thresholds: dict[str, float] = Field(
        default_factory=lambda: {"优": 90.0, "良": 80.0, "中": 60.0}, title="等级下限（其余为差）")
    lowest_grade: str = Field("差", title="最低等级")
    standard_split: dict[str, float] = Field(
        default_factory=lambda: {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0, "预算执行": 10.0},
        title="标准分值结构（仅提示）")
    total_weight: float = Field(100.0, title="分值合计")
    low_execution_rate: float = Field(0.9, title="执行率低于此值需说明原因")
    qualitative_bands: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {"达成": (0.8, 1.0), "部分达成": (0.6, 0.8), "未达成": (0.0, 0.6)},
        title="定性指标得分区间（占分值比例）")
    name_max_length: int = Field(30, title="三级指标名称最长字数")
    default_budget_weight: float = Field(10.0, title="预算执行默认分值")

    @field_validator("grade_thresholds")
    @classmethod
    def _descending(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(sorted(value.items(), key=lambda item: -item[1]))

    @property
    def tolerance(self) -> float:
        """Largest difference between two scores that still counts as equal."""
        return 0.5 * 10 ** -self.decimals + 1e-9


def policy_from_toml(text: str) -> Policy:
    """Build a policy from TOML text; keys not given keep their defaults."""
    try:
        data = tomllib.loads(text)
    except RecursionError as exc:
        raise PolicyError("评分规则文件嵌套层次太深，不是评分规则") from exc
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        place = f"第 {where.group(1)} 行第 {where.group(2)} 列附近" if where else ""
        raise PolicyError(f"评分规则文件不是有效的 TOML：{place}有语法错误") from exc
    try:
        return Policy.model_validate(data.get("policy", data))
    except RecursionError as exc:
        raise PolicyError("评分规则文件嵌套层次太深，不是评分规则") from exc
    except ValidationError as exc:
        titles = {name: f"{name}（{field.title}）" for name, field in Policy.model_fields.items() if field.title}
        raise PolicyError(f"评分规则文件内容有误：{validation_reasons(exc.errors(), titles)}") from exc
