"""Findings and the rule catalogue's building block.

Every rule is a class with a fixed ``code``, a ``severity``, a Chinese
``template`` saying what is wrong and a ``fix`` saying how to mend it
(frictionless-style). A rule class makes findings; it does not decide when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

__all__ = ["Severity", "Finding", "Rule", "RULES", "shorten"]

Severity = Literal["error", "warning"]

#: Every rule class by its code, in definition order.
RULES: dict[str, type["Rule"]] = {}


@dataclass(frozen=True, init=False)
class Finding:
    """One problem found in one form, at one field (and, once placed, one cell)."""

    code: str
    severity: Severity
    field: str
    message: str
    cell: str | None = None

    def __init__(self, code: str, severity: Severity, field: str, message: str, cell: str | None = None) -> None:
        # what the generated __init__ of a frozen dataclass does through object.__setattr__, once per field (~3×
        # the cost: a finding is made, then placed at its cell as a second one, for every finding of every form)
        values = self.__dict__
        values["code"], values["severity"], values["field"], values["message"], values["cell"] = \
            code, severity, field, message, cell

    def at_cell(self, cell: str | None) -> "Finding":
        return Finding(self.code, self.severity, self.field, self.message, cell)  # dataclasses.replace is slow

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "severity": self.severity, "field": self.field,
                "cell": self.cell, "message": self.message}


def shorten(value: object, limit: int = 40) -> str:
    """``value`` as one line of at most ``limit`` characters (an ellipsis marks the cut), for messages."""
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


class Rule:
    """Base of the catalogue: subclasses set the class attributes below."""

    code: ClassVar[str]
    severity: ClassVar[Severity]
    title: ClassVar[str]
    template: ClassVar[str]
    fix: ClassVar[str]
    area: ClassVar[str]
    #: Values of template parameters a finding may leave out.
    defaults: ClassVar[dict[str, object]] = {}
    _message: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code in RULES:
            raise ValueError(f"duplicate rule code {cls.code}")
        RULES[cls.code] = cls
        cls._message = f"{cls.template}。{cls.fix}"  # what a finding says, filled in one pass

    @classmethod
    def at(cls, field: str, **params: object) -> Finding:
        """A finding of this rule at ``field``; ``params`` fill the message template."""
        if cls.defaults:
            params = {**cls.defaults, **params}
        params.setdefault("label", field)
        message = cls._message.format_map(params)  # the template, 。, the fix: as formatting each and joining them
        return Finding(cls.code, cls.severity, field, message)
