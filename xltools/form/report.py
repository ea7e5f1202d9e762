"""The ``check --json`` object of one verdict: what ``xltools check`` prints and ``POST /api/check`` returns."""

from __future__ import annotations

from xltools.core.fields import field_label
from xltools.core.text import finite
from xltools.form.verdict import Verdict

__all__ = ["check_result", "place_of"]


def check_result(path: str, verdict: Verdict) -> dict[str, object]:
    """The ``check --json`` object of one file (keys documented in the README; keep them stable)."""
    sheet = verdict.evaluation.sheet
    return finite({  # type: ignore[return-value]  # strict JSON: an overflowing sum is null
        "file": path,
        "execution_rate": sheet.execution_rate,
        "budget_score": sheet.budget_score,
        "indicator_scores": sheet.indicator_scores,
        "total": sheet.total,  # the reviewed total (复核总分); null when the form states no 分值 (weights-absent)
        "grade": sheet.grade,  # null when not graded (未评级: weights-sum; 未评分: weights-absent)
        "self_total": verdict.self_total,  # the 总分 the form shows (自评总分), beside the reviewed one
        "findings": [f.as_dict() for f in verdict.findings],
    })


def place_of(finding: dict[str, object]) -> str:
    """Where a finding of :func:`check_result` is, as a user reads it: its cell, else the field's Chinese label
    (``year`` → 年度, ``indicators[2].score`` → 第3条绩效指标·得分), 整个文件 for the whole file."""
    if finding.get("cell"):
        return str(finding["cell"])
    field = str(finding.get("field") or "")
    return "整个文件" if field == "file" else field_label(field)
