"""Named policy profiles (data) and the policy as TOML text.

``--policy chaoyang``, ``--policy mof2020`` and ``--policy mof2021`` name a profile; a policy file
may start from one with ``profile = "NAME"`` in its ``[policy]`` table.
:func:`policy_toml` renders the effective policy (``xltools policy show``).
"""

from __future__ import annotations

import sys
from typing import Any

from .policy import Policy, PolicyError, policy_from_data, policy_titles

__all__ = ["PROFILES", "PROFILE_NOTES", "DEFAULT_PROFILE", "profile", "policy_from_document", "policy_from_toml",
           "policy_toml"]

DEFAULT_PROFILE = "chaoyang"

#: Each profile: the settings that differ from the defaults (the defaults are Chaoyang's practice).
PROFILES: dict[str, dict[str, Any]] = {
    "chaoyang": {},
    "mof2020": {
        # the 财政部 2020 自评表: 一级 产出/效益/满意度 only, 成本 a 二级 of 产出, one satisfaction 二级
        "levels": {
            "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
            "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
            "满意度指标": ["服务对象满意度指标"],
        },
        # its scoring notes know positive (实际值/指标值) and reverse (指标值/实际值) targets only
        "equal_rule": "positive",
    },
    "mof2021": {
        # the 2021 framework: 一级 产出/成本/效益/满意度 (the default vocabulary, core/vocabulary.LEVELS, which also
        # reads 2020-style forms that keep cost under 产出); the split counts 成本指标 on its own (advisory)
        "standard_split": {"产出指标": 40.0, "成本指标": 10.0, "效益指标": 30.0, "满意度指标": 10.0, "预算执行": 10.0},
        # its 自评表 has no 年初预算数 in every region's print: not required when blank
        "optional_fields": ["initial_budget"],
    },
}

#: One line per profile for ``xltools policy show`` and the README.
PROFILE_NOTES: dict[str, str] = {
    "chaoyang": "朝阳区现行做法（默认）",
    "mof2020": "财政部 2020 年项目支出绩效自评表口径：一级指标只有产出、效益、满意度，“=”指标按正向计分",
    "mof2021": "2021 年起的指标框架：一级指标为产出、成本、效益、满意度，成本指标单列分值结构，年初预算数可不填",
}


def profile(name: str) -> Policy:
    """The policy of a named profile; :class:`PolicyError` lists the names when ``name`` is unknown."""
    if name not in PROFILES:
        raise PolicyError(f"没有名为“{name}”的评分规则：可用的有 {'、'.join(PROFILES)}，或给出 TOML 文件的路径")
    return policy_from_data(PROFILES[name])


def policy_from_document(document: dict[str, Any]) -> Policy:
    """A policy from a parsed TOML document, which must hold a ``[policy]`` table and nothing else."""
    extra = [key for key in document if key != "policy"]
    if "policy" not in document or not isinstance(document["policy"], dict):
        found = f"（文件里只有：{'、'.join(extra)}）" if extra else ""
        raise PolicyError(f"评分规则文件缺少 [policy] 表{found}：所有设置都写在 [policy] 一行之下，例如\n"
                          "  [policy]\n  decimals = 0")
    if extra:
        raise PolicyError(f"评分规则文件中“{'”“'.join(extra)}”是未知的表或键：只能有 [policy] 表")
    settings = dict(document["policy"])
    name = settings.pop("profile", DEFAULT_PROFILE)
    if not isinstance(name, str):
        raise PolicyError(f"「profile」应为带引号的名称：可用的有 {'、'.join(PROFILES)}")
    return policy_from_data(settings, base=profile(name))


# --- rendering ---------------------------------------------------------------------------------

def _value(value: Any) -> str:
    import tomli_w  # only xltools policy show writes TOML

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


def _key(key: str) -> str:
    import tomli_w

    return tomli_w.dumps({key: 0}).strip()[: -len(" = 0")]


def policy_toml(policy: Policy, name: str | None = None) -> str:
    """The whole policy as TOML (every key, each with its meaning as a comment); reading it back gives it."""
    from .validation import as_data  # pydantic's serializer

    data = as_data(policy, mode="json")
    title = f"评分规则“{name}”（{PROFILE_NOTES.get(name, '')}）" if name else "评分规则"
    lines = [f"# {title}：xltools policy show 的输出，可另存为 TOML 文件后修改", "", "[policy]"]
    for key, title in policy_titles().items():
        lines.append(f"# {title}")
        lines.append(f"{_key(key)} = {_value(data[key])}")
    return "\n".join(lines) + "\n"


def policy_from_toml(text: str) -> Policy:
    """Build a policy from TOML text with a ``[policy]`` table (``profile = "NAME"`` starts from a profile)."""
    if sys.version_info >= (3, 11):  # imported here: checking a workbook seldom reads TOML
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        document = tomllib.loads(text)
        return policy_from_document(document)
    except RecursionError:
        raise PolicyError("评分规则文件嵌套层次太深，不是评分规则") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"评分规则文件不是有效的 TOML（{_toml_where(exc)}）：请检查引号、括号和等号") from None


def _toml_where(exc: Exception) -> str:
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if line is None:  # tomllib before 3.14 puts the position only in the text: "(at line 2, column 5)"
        import re

        match = re.search(r"line (\d+), column (\d+)", str(exc))
        if match:
            line, column = int(match.group(1)), int(match.group(2))
    return f"第 {line} 行第 {column} 列" if line is not None else "位置不明"
