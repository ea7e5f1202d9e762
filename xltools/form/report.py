"""The ``check --json`` object of one verdict: what ``xltools check`` prints and ``POST /api/check`` returns."""

from __future__ import annotations

from xltools.form.verdict import Verdict

__all__ = ["check_result"]


def check_result(path: str, verdict: Verdict) -> dict[str, object]:
    """The ``check --json`` object of one file (keys documented in the README; keep them stable)."""
    sheet = verdict.evaluation.sheet
    return {
        "file": path,
        "execution_rate": sheet.execution_rate,
        "budget_score": sheet.budget_score,
        "indicator_scores": sheet.indicator_scores,
        "total": sheet.total,
        "grade": sheet.grade,
        "findings": [f.as_dict() for f in verdict.findings],
    }
