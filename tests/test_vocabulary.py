"""Issue 27, class 5: one vocabulary for the 2021+ framework (the code and docs/rules.md read one table)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from xltools.core import Policy, evaluate, profile
from xltools.core.policy import policy_titles

from .forms import clean_form

DOCS = Path(__file__).parent.parent / "docs"


def level_codes(level1: str, level2: str, policy: Policy | None = None) -> set[str]:
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[2] = replace(rows[2], level1=level1, level2=level2)  # ≤30天, 28天, weight 15
    ev = evaluate(replace(form, indicators=rows), policy or Policy(), today=dt.date(2026, 1, 1))
    return {f.code for f in ev.findings if f.field.startswith("indicators[2].level")}


@pytest.mark.parametrize("level2", ["经济成本指标", "社会成本指标", "生态环境成本指标", " 经济成本指标 "])
@pytest.mark.parametrize("level1", ["成本指标", "产出指标", "产出指标（50分）"])
def test_cost_level2_is_valid_under_cost_and_under_output(level1, level2):
    assert "level2-invalid" not in level_codes(level1, level2)


@pytest.mark.parametrize(("level1", "level2"), [
    ("效益指标", "经济成本指标"),  # cost is no benefit
    ("满意度指标", "社会成本指标"),
    ("成本指标", "数量指标"),  # 数量 belongs to 产出 only
])
def test_cost_level2_elsewhere_is_still_invalid(level1, level2):
    assert "level2-invalid" in level_codes(level1, level2)


def test_a_cost_level2_under_output_is_an_upper_limit():
    # 产出/经济成本指标 with target 30万元 (no operator) and actual 33万元, weight 15: a cost is an upper
    # limit (reverse, ratio): 30 / 33 × 15 = 13.636… → 13.64
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[2] = replace(rows[2], level2="经济成本指标", name="改造成本", target="30万元", actual="33万元")
    sheet = evaluate(replace(form, indicators=rows), Policy()).sheet
    assert sheet.indicators[2].kind == "reverse" and sheet.indicators[2].score == 13.64


def test_docs_rules_lists_the_vocabulary_the_code_checks():
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    section = text.split("## 指标词表", 1)[1]
    for level1, allowed in Policy().levels.items():
        line = next(line for line in section.splitlines() if line.startswith(f"| {level1} |"))
        assert all(name in line for name in allowed), level1
    assert "| 产出指标 | 数量指标、质量指标、时效指标、成本指标、经济成本指标、社会成本指标、生态环境成本指标 |" in section


def test_mof2020_keeps_its_own_vocabulary():
    # the 2020 financial-ministry form has no 一级 成本指标
    assert "level1-invalid" in level_codes("成本指标", "经济成本指标", profile("mof2020"))


def test_docs_policy_documents_every_key_and_profile():
    from xltools.core import PROFILES

    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    for key in policy_titles():
        assert f"`{key}`" in text, key
    for name in PROFILES:
        assert f"`{name}`" in text, name
