"""Helpers the checks share: field labels, number formatting, reading a required cell."""

from __future__ import annotations

import re
from functools import lru_cache

from .catalogue import NumberAsText, NumberInvalid, RequiredMissing
from .findings import Finding
from .model import FUND_ROWS, Form, FundRow, Indicator, titles
from .parse import Number, as_typed, memoise_text, normalize_text, parse_number

__all__ = ["field_label", "fmt", "number", "required_text", "same_statement"]

_INDEX_RE = re.compile(r"^indicators\[(\d+)\](?:\.(\w+))?$")


@lru_cache(maxsize=1024)  # a few hundred paths in all (header fields, fund cells, indicator rows' parts)
def field_label(path: str) -> str:
    """A Chinese label for a field path, e.g. ``indicators[2].score`` → ``第3条绩效指标·得分``."""
    match = _INDEX_RE.match(path)
    if match:
        number = int(match.group(1)) + 1
        part = match.group(2)
        suffix = f"·{titles(Indicator)[part]}" if part else ""
        return f"第{number}条绩效指标{suffix}"
    parts = path.split(".")
    if parts[0] == "funds" and len(parts) == 3:
        return f"{FUND_ROWS[parts[1]].replace('其中：', '')}·{titles(FundRow)[parts[2]]}"
    return titles(Form).get(parts[0]) or path


def fmt(value: float | None) -> str:
    """A number for a message: up to 4 decimals, no trailing zeros (``—`` for none)."""
    if value is None:
        return "—"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def number(path: str, value: object, findings: list[Finding], *, required: bool) -> Number:
    """Parse a numeric cell; a blank required one, text that is no number, and a number typed as text
    each add their finding (quoting the cell as typed)."""
    parsed = parse_number(value)
    if parsed.kind == "empty" and required:
        findings.append(RequiredMissing.at(path, label=field_label(path)))
    elif parsed.kind == "invalid":
        findings.append(NumberInvalid.at(path, label=field_label(path), raw=as_typed(value)))
    elif parsed.kind == "text":
        findings.append(NumberAsText.at(path, label=field_label(path), raw=as_typed(value), value=fmt(parsed.value)))
    return parsed


def required_text(path: str, value: object, findings: list[Finding]) -> str:
    """The cell's normalised text; a blank cell adds ``required-missing``."""
    text = normalize_text(value)
    if not text:
        findings.append(RequiredMissing.at(path, label=field_label(path)))
    return text


_TRAILING_PUNCT = re.compile(r"[\s。．.，,；;！!、]+$")


def same_statement(a: str, b: str) -> bool:
    """Equal once whitespace and trailing punctuation are ignored."""
    key = _statement_key(a)
    return bool(key) and key == _statement_key(b)


_BLANKS = re.compile(r"\s+")


@memoise_text
def _statement_key(text: str) -> str:
    return _TRAILING_PUNCT.sub("", _BLANKS.sub("", normalize_text(text)))
