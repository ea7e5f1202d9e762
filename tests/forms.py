"""Forms for tests: the seed and a form that breaks no rule."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from xltools.core import Form
from xltools.core.validation import from_data

FIXTURES = Path(__file__).parent / "fixtures"
#: The real 2020 form of 首都机场街道办事处, as shipped with the package (xltools/data, used by the demo too).
SEED_JSON = Path(__file__).parent.parent / "xltools" / "data" / "seed_2020.json"


def seed_form() -> Form:
    return from_data(Form, json.loads(SEED_JSON.read_text(encoding="utf-8")))


def clean_form(**overrides: object) -> Form:
    """A form that breaks no rule: standard 50/30/10/10 split, quantitative where it should be."""
    data: dict[str, object] = {
        "year": 2024,
        "project_name": "垃圾分类桶站改造",
        "department": "城市管理办公室",
        "implementing_unit": "朝外街道办事处",
        "project_lead": "王建国",
        "lead_phone": "010-85612345",
        "funds": {"total": {"initial_budget": 120.0, "annual_budget": 100.0, "executed": 95.5},
                  "fiscal": {"initial_budget": 100.0, "annual_budget": 80.0, "executed": 80.0},
                  "carryover": {"initial_budget": 20.0, "annual_budget": 20.0, "executed": 15.5},
                  "other": None},
        "budget_weight": 10,
        "budget_score": 9.55,
        "goal_expected": "完成辖区 40 个桶站改造，垃圾分类准确率达到 90% 以上。",
        "goal_actual": "完成 40 个桶站改造，分类准确率 92%。",
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "改造桶站数量", "target": "≥40个",
             "actual": "40个", "weight": 20, "score": 20},
            {"level1": "产出指标", "level2": "质量指标", "name": "验收合格率", "target": "100%",
             "actual": "100%", "weight": 15, "score": 15},
            {"level1": "产出指标", "level2": "时效指标", "name": "完工时间", "target": "≤30天",
             "actual": "28天", "weight": 15, "score": 15},
            {"level1": "效益指标", "level2": "社会效益指标", "name": "分类准确率", "target": "≥90%",
             "actual": "92%", "weight": 15, "score": 15},
            {"level1": "效益指标", "level2": "可持续影响指标", "name": "长效管理机制",
             "target": "建立桶站长效管护机制", "actual": "已达成：管护制度印发并执行", "weight": 15, "score": 14,
             "deviation": "制度执行初期部分点位巡查记录不全，下一步按月通报"},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "居民满意度", "target": "≥90%",
             "actual": "95%", "weight": 10, "score": 10},
        ],
        "total_score": 98.55,
        "filled_by": "李冬梅",
        "filler_phone": "13812345678",
        "filled_on": "2025-01-20",
    }
    data.update(overrides)
    return from_data(Form, data)


def twenty_findings_form() -> Form:
    """Six indicators twice over, each scored above its weight, plus errors in the header: over 20 findings."""
    data = asdict(clean_form())
    data.update(project_name=None, project_lead=None, lead_phone="12345", filler_phone="123", filled_on="2019-02-30",
                budget_score=30, filled_by=None)
    data["funds"]["total"].update(annual_budget=100, executed=130)
    data["indicators"] = data["indicators"] * 2
    for ind in data["indicators"]:
        ind.update(score=ind["weight"] + 5, deviation=None, actual="很好")
    return from_data(Form, data)
