"""The functional core: the form model, parsing, scoring and validation. No I/O.

The names below are imported from their modules when first used (``from xltools.core import Policy``
loads the policy, not the scoring; pydantic is imported only by :mod:`xltools.core.validation`), so a
command that needs only the rule catalogue or :mod:`xltools.core.errors` does not pay for the rest. The rule classes register themselves in
:data:`RULES` in catalogue order, then the tamper-check rules: both modules are loaded here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import catalogue  # noqa: F401  (registers the rule classes first, in catalogue order)
from .findings import RULES, Finding, Rule
from .tamper_rules import TAMPER_CODES  # registers the tamper-check rules in the catalogue

if TYPE_CHECKING:
    from .evaluation import Evaluation, evaluate
    from .model import Form, FundRow, Funds, Indicator
    from .policy import Policy, PolicyError, policy_from_data, policy_json
    from .profiles import DEFAULT_PROFILE, PROFILES, policy_from_toml, policy_toml, profile
    from .rules import field_label, validate
    from .scoring import ScoreSheet, score_form, sheet_total, with_formula_values

__all__ = [
    "Form", "Funds", "FundRow", "Indicator", "Policy", "PolicyError", "policy_from_toml", "policy_from_data",
    "policy_json", "policy_toml", "profile", "PROFILES", "DEFAULT_PROFILE",
    "Finding", "Rule", "RULES", "ScoreSheet", "score_form", "sheet_total", "validate",
    "field_label", "with_formula_values", "Evaluation", "evaluate", "TAMPER_CODES",
]

#: Where each name not imported above lives.
_HOME = {
    "Evaluation": "evaluation", "evaluate": "evaluation",
    "Form": "model", "FundRow": "model", "Funds": "model", "Indicator": "model",
    "Policy": "policy", "PolicyError": "policy", "policy_from_data": "policy", "policy_from_toml": "profiles",
    "policy_json": "policy",
    "DEFAULT_PROFILE": "profiles", "PROFILES": "profiles", "policy_toml": "profiles", "profile": "profiles",
    "field_label": "rules", "validate": "rules",
    "ScoreSheet": "scoring", "score_form": "scoring", "sheet_total": "scoring", "with_formula_values": "scoring",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
