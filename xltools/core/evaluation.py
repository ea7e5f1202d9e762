"""One form's scores and findings together: :func:`evaluate`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .findings import Finding
from .model import Form
from .policy import Policy
from .rules import validate
from .scoring import ScoreSheet, score_form

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """A form's scores and findings together."""

    form: Form
    sheet: ScoreSheet
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def evaluate(form: Form, policy: Policy | None = None, today: dt.date | None = None) -> Evaluation:
    """Score and validate one form."""
    policy = policy or Policy()
    sheet = score_form(form, policy)
    return Evaluation(form, sheet, validate(form, policy, today=today, sheet=sheet))
