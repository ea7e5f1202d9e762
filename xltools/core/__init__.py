"""The functional core: the form model, parsing, scoring and validation. No I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import catalogue  # noqa: F401  (registers the rule classes first, in catalogue order)
from .findings import RULES, Finding, Rule
from .model import Form, FundRow, Funds, Indicator
from .policy import Policy, PolicyError, policy_from_data, policy_from_toml, policy_json
from .profiles import DEFAULT_PROFILE, PROFILES, policy_toml, profile
from .rules import field_label, validate
from .scoring import ScoreSheet, score_form, sheet_total, with_formula_values
from .tamper_rules import (
    TAMPER_CODES,  # registers the tamper-check rules in the catalogue
)

__all__ = [
    "Form", "Funds", "FundRow", "Indicator", "Policy", "PolicyError", "policy_from_toml", "policy_from_data",
    "policy_json", "policy_toml", "profile", "PROFILES", "DEFAULT_PROFILE",
    "Finding", "Rule", "RULES", "ScoreSheet", "score_form", "sheet_total", "validate",
    "field_label", "with_formula_values", "Evaluation", "evaluate", "TAMPER_CODES",
]


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
