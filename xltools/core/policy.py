"""The scoring policy: every number and word list the rules use, with the district's defaults.

A policy is data, validated like user input: :func:`policy_from_data` (and
:func:`xltools.core.profiles.policy_from_toml` for TOML text) turn every problem into a Chinese
message naming the key and the values it allows (:class:`PolicyError`).
Named profiles and the TOML rendering live in :mod:`xltools.core.profiles`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, Union

from .errors import PYDANTIC_REASONS, UserError
from .vocabulary import LEVELS, RATING_SCALES

__all__ = ["Policy", "TotalCap", "policy_from_data", "policy_json", "PolicyError", "policy_problems",
           "policy_titles", "BANDS", "V1_KEYS", "OPTIONAL_FIELDS", "DEFAULT_POLICY", "stored_policy"]

#: The qualitative bands the scoring needs, best first (a policy may rename nothing, only move limits).
BANDS: tuple[str, str, str] = ("达成", "部分达成", "未达成")


class PolicyError(UserError):
    """The policy text is not valid TOML or does not fit the policy (a Chinese message)."""


if TYPE_CHECKING:
    from pydantic import ValidationError


_NO_DEFAULT: Any = object()


def _option(default: Any = _NO_DEFAULT, *, title: str, default_factory: Any = None, **limits: float) -> Any:
    """A policy field: its default, its Chinese title and the limits pydantic checks (``ge``, ``gt``, ``le``)
    in its metadata, for :mod:`xltools.core.validation`, which validates policies with pydantic."""
    metadata = {"title": title, **limits}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    if default is _NO_DEFAULT:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class TotalCap:
    """One band of the total cap: with an execution rate below ``below`` the total is at most ``max_total``."""

    below: float = _option(title="执行率低于此值（0 到 1 之间的小数）")
    max_total: float = _option(title="总分最高为")

    #: pydantic config of its validation (:mod:`xltools.core.validation`)
    json_config = {"frozen": True, "allow_inf_nan": False}


Rounding = Union[Literal["off"], int]

#: The header and fund fields a policy may make optional (their exchange-format names).
OPTIONAL_FIELDS: tuple[str, ...] = ("project_lead", "lead_phone", "filled_by", "filler_phone", "filled_on",
                                    "initial_budget")
OptionalField = Literal["project_lead", "lead_phone", "filled_by", "filler_phone", "filled_on", "initial_budget"]


@dataclass(frozen=True)
class Policy:
    """Scoring and validation settings (defaults follow the district's practice).

    A plain frozen dataclass: ``Policy()`` is the defaults, made without validation; data from a user goes
    through :func:`policy_from_data` (pydantic, with :func:`policy_problems`, in :mod:`xltools.core.validation`).
    A changed copy is ``dataclasses.replace(policy, key=value)`` (not validated)."""

    #: pydantic config of its validation (:mod:`xltools.core.validation`)
    json_config = {"frozen": True, "allow_inf_nan": False}

    # --- the options of template version 1.0 (their JSON is what a 1.0 template carries) ---
    decimals: int = _option(2, ge=0, le=6, title="得分保留小数位（0 为取整）")
    reverse_rule: Literal["ratio", "linear"] = _option(
        "ratio", title="反向指标计分：ratio=指标值/实际值×分值；linear=超出部分线性扣减至两倍指标值为0")
    grade_thresholds: dict[str, float] = _option(
        default_factory=lambda: {"优": 90.0, "良": 80.0, "中": 60.0}, title="等级下限（其余为最低等级）")
    lowest_grade: str = _option("差", title="最低等级")
    standard_split: dict[str, float] = _option(
        default_factory=lambda: {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0, "预算执行": 10.0},
        title="标准分值结构（仅提示）")
    total_weight: float = _option(100.0, gt=0, title="分值合计")
    low_execution_rate: float = _option(0.9, title="执行率低于此值需说明原因（0 到 1 之间的小数）")
    qualitative_bands: dict[str, tuple[float, float]] = _option(
        default_factory=lambda: {"达成": (0.8, 1.0), "部分达成": (0.6, 0.8), "未达成": (0.0, 0.6)},
        title="定性指标得分区间（占分值比例）")
    name_max_length: int = _option(30, ge=1, title="三级指标名称最长字数")
    default_budget_weight: float = _option(10.0, ge=0, title="预算执行默认分值")
    # --- options added after 1.0 (left out of a template's metadata while at their defaults) ---
    rate_denominator: Literal["annual", "initial", "adjusted"] = _option(
        "annual", title="执行率的分母：annual=全年预算数；initial=年初预算数；adjusted=调整后预算数（全年预算数，"
                        "未填时用年初预算数）")
    rate_decimals: Rounding = _option(
        "off", title="计分前执行率按百分数保留的小数位（0 为取整到 1%）；off=不取整")
    total_caps: tuple[TotalCap, ...] = _option(
        (), title="执行率偏低时总分封顶，如 [{ below = 0.5, max_total = 59 }]；空表为不封顶")
    over_achievement: Union[Literal["off"], float] = _option(
        "off", title="超额完成比例达到此值（如 0.2=超出指标值 20%）须说明原因；off=不检查")
    over_achievement_deduction: float = _option(0.0, ge=0, title="超额完成达到上述比例时扣减的分数")
    drop_inapplicable: bool = _option(
        False, title="“不适用”（或占位符）的指标不计分，其余得分按比例折算到分值合计")
    equal_rule: Literal["gap", "positive"] = _option(
        "gap", title="“=”指标计分：gap=按偏离比例扣分；positive=同正向指标（达到即满分）")
    rating_scales: tuple[dict[str, str], ...] = _option(
        default_factory=lambda: RATING_SCALES, title="评价等级（如优良中差）及每个等级对应的档次")
    late_band: str = _option("部分达成", title="完成时间晚于期限时所属的档次")
    levels: dict[str, tuple[str, ...]] = _option(
        default_factory=lambda: dict(LEVELS), title="一级指标及其允许的二级指标")
    required_level1: tuple[str, ...] = _option(
        ("产出指标", "效益指标", "满意度指标"), title="每张表必须有的一级指标")
    cost_upper_limit: bool = _option(True, title="成本指标的指标值不带符号时按上限（≤）计分")
    # --- options of issue 27: other regions' rules -------------------------------------------------------
    rounding: Literal["half_up", "down"] = _option(
        "half_up", title="预算执行得分和指标得分的舍入：half_up=四舍五入；down=舍去（如 9.91 分计 9 分，decimals = 0 时）")
    optional_fields: tuple[OptionalField, ...] = _option(
        (), title="可不填的项（不填时不报“必填项为空”）")
    self_scores: Literal["required", "optional"] = _option(
        "required", title="自评得分：required=每行必填；optional=可不填（不填时按复核得分评分，不逐行报错）")
    money_unit: Literal["万元", "元"] = _option(
        "万元", title="表中金额的单位：万元（默认）或 元（汇总时换算为万元显示）")
    max_plausible_amount: float = _option(
        10000.0, gt=0, title="年度资金总额超过此数（万元）时提示“金额疑似按元填写”")
    rescale_weights: bool = _option(
        False, title="分值合计不等于 分值合计（total_weight）时，复核总分按比例折算到 total_weight 并评级；"
                     "false=不折算、不评级")

    @staticmethod
    def prepare(data: Any) -> Any:
        """Data as it is validated: the grade thresholds sorted best first when they are all numbers."""
        if isinstance(data, dict) and isinstance(data.get("grade_thresholds"), dict):
            items = data["grade_thresholds"].items()
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for _, v in items):
                data = {**data, "grade_thresholds": dict(sorted(items, key=lambda item: -item[1]))}
        return data

    def problems(self) -> list[str]:
        """Every inconsistency, as Chinese sentences (:func:`policy_problems`); checked after validation."""
        return policy_problems(self)

    def optional(self, field: str) -> bool:
        """Whether a header or fund field may be left blank (``optional_fields``)."""
        return field in self.optional_fields

    @property
    def money_factor(self) -> float:
        """What an amount as typed is multiplied by to be in 万元 (1, or 1/10000 for ``money_unit = "元"``)."""
        return 1e-4 if self.money_unit == "元" else 1.0

    @property
    def tolerance(self) -> float:
        """Largest difference between two scores that still counts as equal."""
        return 0.5 * 10 ** -self.decimals + 1e-9

    def band_range(self, band: str) -> tuple[float, float]:
        """(low, high) share of the weight for a band."""
        return self.qualitative_bands[band]

    def bands_text(self) -> str:
        """The bands as a sentence: ``达成 80%–100%，部分达成 60%–80%，未达成 0–60%``."""
        def pct(x: float) -> str:
            return f"{x * 100:g}%" if x else "0"
        return "，".join(f"{name} {pct(low)}–{pct(high)}" for name, (low, high) in self.qualitative_bands.items())


#: The keys a template of version 1.0 carries in its metadata.
V1_KEYS: tuple[str, ...] = ("decimals", "reverse_rule", "grade_thresholds", "lowest_grade", "standard_split",
                            "total_weight", "low_execution_rate", "qualitative_bands", "name_max_length",
                            "default_budget_weight")

#: The district's defaults, ``Policy()``, made without validation (every default is valid and already of its
#: field's type; tests/test_policy.py compares it with a validated policy): a check of a workbook built with
#: the defaults never imports pydantic.
DEFAULT_POLICY = Policy()


def _canonical(data: Any) -> str:
    """``data`` as JSON with sorted keys (``1``, ``1.0`` and ``true`` stay different)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


#: What a template built with the default policy stores as its policy (its V1 keys), canonical.
_DEFAULT_STORED = _canonical({key: getattr(DEFAULT_POLICY, key) for key in V1_KEYS})


def stored_policy(data: Any) -> Policy:
    """The policy a template stores in its metadata (parsed JSON), validated — :data:`DEFAULT_POLICY` itself
    when the data is exactly the defaults as every template built with them stores them. Raises
    :class:`pydantic.ValidationError` (a ``ValueError``) when the data does not fit."""
    if isinstance(data, dict) and len(data) == len(V1_KEYS) and _canonical(data) == _DEFAULT_STORED:
        return DEFAULT_POLICY
    from .validation import from_data  # pydantic: only for a policy other than the defaults

    return from_data(Policy, data)


def _share(key: str, value: float) -> str | None:
    """A problem when ``value`` is not a share in [0, 1] (90 meant as 90 %)."""
    if not math.isfinite(value) or not 0 <= value <= 1:
        hint = f"（{value:g}% 请写 {value / 100:g}）" if 1 < value <= 100 else ""
        return f"「{key}」为 {value:g}：比例应写成 0 到 1 之间的小数{hint}"
    return None


def policy_problems(p: Policy) -> list[str]:
    """Every inconsistency of a policy, as Chinese sentences naming the key and what it allows (run by
    pydantic after a policy's types are validated, :mod:`xltools.core.validation`)."""
    out: list[str] = []
    out += [m for m in (_share("low_execution_rate", p.low_execution_rate),) if m]
    if isinstance(p.rate_decimals, int) and not 0 <= p.rate_decimals <= 4:
        out.append(f"「rate_decimals」为 {p.rate_decimals}：应为 0 到 4 的整数或 \"off\"")
    if not isinstance(p.over_achievement, str) and (
            not math.isfinite(p.over_achievement) or p.over_achievement <= 0 or p.over_achievement > 10):
        out.append(f"「over_achievement」为 {p.over_achievement:g}：应为大于 0 的比例（超出 20% 写 0.2）或 \"off\"")
    missing = [b for b in BANDS if b not in p.qualitative_bands]
    extra = [b for b in p.qualitative_bands if b not in BANDS]
    if missing or extra:
        out.append(f"「qualitative_bands」{'缺少评分需要的档次“' + '”“'.join(missing) + '”' if missing else ''}"
                   f"{'；多出未知档次“' + '”“'.join(extra) + '”' if extra else ''}：必须恰好包含 {'、'.join(BANDS)}")
    else:
        for name, (low, high) in p.qualitative_bands.items():
            for value in (low, high):
                if (m := _share(f"qualitative_bands.{name}", value)):
                    out.append(m)
            if low >= high:
                out.append(f"「qualitative_bands.{name}」下限 {low:g} 不小于上限 {high:g}：应写成 [下限, 上限]")
        ranges = [p.qualitative_bands[b] for b in BANDS]
        if any(ranges[i][0] < ranges[i + 1][1] - 1e-12 for i in range(2)) or ranges[0][1] != 1 or ranges[2][0] != 0:
            out.append("「qualitative_bands」档次顺序不对：应为 达成 在上、未达成 在下，首尾相接，"
                       "达成的上限为 1，未达成的下限为 0，例如 达成 = [0.8, 1.0]、部分达成 = [0.6, 0.8]、未达成 = [0.0, 0.6]")
    if p.late_band not in BANDS:
        out.append(f"「late_band」“{p.late_band}”不是档次：应为 {'、'.join(BANDS)} 之一")
    for i, scale in enumerate(p.rating_scales):
        bad = {word: band for word, band in scale.items() if band not in BANDS}
        if len(scale) < 2:
            out.append(f"「rating_scales」第 {i + 1} 个等级表只有 {len(scale)} 个等级：至少要 2 个")
        for word, band in bad.items():
            out.append(f"「rating_scales」第 {i + 1} 个等级表中“{word}”对应的“{band}”不是档次："
                       f"应为 {'、'.join(BANDS)} 之一")
    for name, floor in p.grade_thresholds.items():
        if not math.isfinite(floor) or floor < 0:
            out.append(f"「grade_thresholds.{name}」为 {floor:g}：等级下限应为不小于 0 的分数")
    if p.lowest_grade in p.grade_thresholds:
        out.append(f"「lowest_grade」“{p.lowest_grade}”与 grade_thresholds 中的等级重名：最低等级应另取名称")
    previous: TotalCap | None = None
    for i, cap in enumerate(p.total_caps):
        if (m := _share(f"total_caps[{i}].below", cap.below)):
            out.append(m)
        if not 0 <= cap.max_total <= p.total_weight:
            out.append(f"「total_caps[{i}].max_total」为 {cap.max_total:g}：应在 0 到 {p.total_weight:g} 之间")
        if previous is not None and (cap.below <= previous.below or cap.max_total < previous.max_total):
            out.append(f"「total_caps」第 {i + 1} 档顺序不对：各档应按 below 从小到大排列，"
                       "max_total 随之不减，例如 [{ below = 0.5, max_total = 59 }, { below = 0.6, max_total = 69 }]")
        previous = cap
    if not p.levels or any(not names for names in p.levels.values()):
        out.append("「levels」应列出每个一级指标及其二级指标，例如 产出指标 = [\"数量指标\", \"质量指标\"]")
    for name in p.required_level1:
        if name not in p.levels:
            out.append(f"「required_level1」中的“{name}”不在 levels 里：可选 {'、'.join(p.levels)}")
    return out


# --- reading a policy from data ---------------------------------------------------------------

#: What a key allows, where its title does not say it.
_ALLOWED = {
    "decimals": "0 到 6 的整数",
    "grade_thresholds": "等级名 = 下限分数，例如 { \"优\" = 90, \"良\" = 80, \"中\" = 60 }",
    "lowest_grade": "带引号的等级名，例如 \"差\"",
    "standard_split": "一级指标名 = 分值，例如 { \"产出指标\" = 50, \"效益指标\" = 30, \"满意度指标\" = 10, \"预算执行\" = 10 }",
    "total_weight": "大于 0 的分数，一般为 100",
    "qualitative_bands": "{ \"达成\" = [0.8, 1.0], \"部分达成\" = [0.6, 0.8], \"未达成\" = [0.0, 0.6] } 这样的比例区间",
    "name_max_length": "不小于 1 的整数",
    "default_budget_weight": "不小于 0 的分数",
    "rate_decimals": "0 到 4 的整数，或 \"off\"",
    "total_caps": "[{ below = 0.5, max_total = 59 }, { below = 0.6, max_total = 69 }] 这样的数组，或 []",
    "over_achievement": "大于 0 的比例（如 0.2），或 \"off\"",
    "over_achievement_deduction": "不小于 0 的分数",
    "drop_inapplicable": "true 或 false",
    "rating_scales": "[{ \"优\" = \"达成\", \"良\" = \"达成\", \"中\" = \"部分达成\", \"差\" = \"未达成\" }] 这样的数组",
    "late_band": "\"达成\"、\"部分达成\" 或 \"未达成\"",
    "levels": "{ \"产出指标\" = [\"数量指标\", \"质量指标\"], … } 这样的表",
    "required_level1": "一级指标名的数组，例如 [\"产出指标\", \"效益指标\", \"满意度指标\"]",
    "cost_upper_limit": "true 或 false",
    "rounding": "\"half_up\" 或 \"down\"",
    "optional_fields": "字段名的数组，例如 [\"initial_budget\", \"filler_phone\"]；可选 " + "、".join(OPTIONAL_FIELDS),
    "self_scores": "\"required\" 或 \"optional\"",
    "money_unit": "\"万元\" 或 \"元\"",
    "max_plausible_amount": "大于 0 的金额（万元），默认 10000",
    "rescale_weights": "true 或 false",
}


def _allowed(key: str) -> str:
    title = policy_titles().get(key)
    if title is None:
        return ""
    allowed = _ALLOWED.get(key)
    return f"可用的值：{allowed}（{title}）" if allowed else f"可用的值：{title}"


def policy_titles() -> dict[str, str]:
    """Policy key → its Chinese title, every key in order."""
    return {f.name: f.metadata["title"] for f in fields(Policy)}


#: pydantic's error types in a policy file's words: the shared table (numbers, booleans) with TOML's terms
#: for the rest; comparisons say only 太小/太大, the allowed values follow in the message.
_PROBLEM = {key: PYDANTIC_REASONS[key] for key in (
    "int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "finite_number", "bool_parsing",
    "bool_type")} | {
    "missing": "缺少必填的值",
    "extra_forbidden": "是未知的键",
    "literal_error": "的值不在可选范围内",
    "string_type": "应为带引号的文字",
    "dict_type": "应为表（{ 键 = 值 }）", "model_type": "应为表（{ 键 = 值 }）",
    "tuple_type": "应为数组（[ … ]）", "list_type": "应为数组（[ … ]）",
    "too_short": "元素太少", "too_long": "元素太多",
    "greater_than_equal": "太小", "greater_than": "太小", "less_than_equal": "太大", "less_than": "太大",
}


def _translate(exc: ValidationError) -> list[str]:
    """Pydantic's errors as Chinese sentences (no English library text reaches the user)."""
    out: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == "value_error":
            for line in str(error["ctx"]["error"]).split("\n"):
                out.setdefault(line, line)
            continue
        loc = [str(part) for part in error["loc"]
               if not str(part).startswith(("function-", "literal[")) and str(part) not in _UNION_TAGS]
        key = "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in loc).lstrip(".")
        if key in out:  # one sentence per key (a union reports each of its branches)
            continue
        top = loc[0] if loc else ""
        problem = _PROBLEM.get(error["type"], "的值不符合要求")
        shown = error.get("input")
        value = "" if error["type"] in ("missing", "extra_forbidden") or isinstance(shown, dict) else \
            f"（现为 {json.dumps(shown, ensure_ascii=False, default=str)}）"
        if error["type"] == "extra_forbidden" and len(loc) == 1:
            out[key] = f"「{key}」不认识这一项（请检查拼写，或删去）：可用的键有 {'、'.join(policy_titles())}"
        else:
            out[key] = f"「{key}」{problem}{value}。{_allowed(top)}"
    return list(out.values())


_UNION_TAGS = frozenset({"int", "float", "str", "bool"})


def policy_from_data(settings: dict[str, Any], base: Policy | None = None) -> Policy:
    """A policy from the ``[policy]`` table's settings; keys not given keep ``base``'s values (the defaults)."""
    from .validation import ValidationError, as_data, from_data  # pydantic, on demand

    data = as_data(base or DEFAULT_POLICY)
    data.update(settings)
    try:
        return from_data(Policy, data)
    except ValidationError as exc:
        raise PolicyError("评分规则 [policy] 有误：\n" + "\n".join(f"  - {line}" for line in _translate(exc))) from None


def policy_json(policy: Policy) -> str:
    """The policy as JSON for a template's metadata: options added after 1.0 only when not at their defaults,
    so a template built with the default policy carries exactly what a 1.0 template carries."""
    from .validation import as_json  # pydantic's serializer, on demand

    later = {key for key in policy_titles() if key not in V1_KEYS
             and getattr(policy, key) == getattr(DEFAULT_POLICY, key)}
    return as_json(policy, exclude=later)
