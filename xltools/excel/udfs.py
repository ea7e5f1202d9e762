"""Worksheet functions (``=xltools_grade(...)`` …): thin wrappers over the core, for xlwings.

On Windows xlwings turns each parameter's annotation and the return annotation into the
converter of that argument (``xlwings/udfs.py``: ``options["convert"] = type_hint``). A converter
must be a type xlwings has registered: :data:`Cell` (``typing.Any``) takes the cell's value as
Excel passes it — a number, text, ``None`` for an empty cell or an error value, a date — and
hands a result back unchanged (``None`` shows as an empty cell). ``object`` or ``float | None``
are not converters: every call would fail in xlwings before reaching Python code.
``tests/test_udfs_windows.py`` runs these functions through xlwings' own Windows registration
and conversion code.

Only xlwings is imported here; the core is imported on the first call,
so that ``import xltools.addin`` — what every click of the button starts with — stays cheap.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlwings as xw

__all__ = ["Cell", "WORKSHEET_FUNCTIONS", "xltools_execution_rate", "xltools_budget_score",
           "xltools_indicator_score", "xltools_grade", "xltools_value"]

#: A cell's value in and a function's result out, unconverted (xlwings' ``Any`` converter).
Cell = Any


def _number(value: Cell) -> float | None:
    from xltools.core.parse import parse_number

    return parse_number(value).value


def _cell(value: Cell) -> Cell:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


@xw.func
def xltools_execution_rate(annual_budget: Cell, executed: Cell) -> Cell:
    """执行率 = 全年执行数 / 全年预算数 (empty when the budget is missing or not positive)."""
    from xltools.core.scoring import execution_rate

    return execution_rate(_number(annual_budget), _number(executed))


@xw.func
def xltools_budget_score(annual_budget: Cell, executed: Cell, weight: Cell = 10) -> Cell:
    """预算执行得分 = min(执行率, 1) × 分值, rounded like the template."""
    from xltools.core import Policy
    from xltools.core.scoring import budget_score, execution_rate

    rate = execution_rate(_number(annual_budget), _number(executed))
    w = _number(weight)
    return None if rate is None or w is None else budget_score(rate, w, Policy())


@xw.func
def xltools_indicator_score(target: Cell, actual: Cell, weight: Cell) -> Cell:
    """One quantitative indicator's score from 年度指标值, 实际完成值 and 分值 (empty if qualitative)."""
    from xltools.core import Indicator, Policy
    from xltools.core.scoring import score_indicator

    result = score_indicator(0, Indicator(target=_cell(target), actual=_cell(actual), weight=_cell(weight)),
                             Policy())
    return result.score if result.kind in ("positive", "reverse", "equal") else None


@xw.func
def xltools_grade(total: Cell) -> str:
    """等级 of a total: 优 / 良 / 中 / 差 (empty without a total)."""
    from xltools.core import Policy
    from xltools.core.scoring import grade

    return grade(_number(total), Policy())


@xw.func
def xltools_value(text: Cell) -> Cell:
    """The number in a typed amount or target (``"6.6296万"`` → 6.6296, ``"≥95%"`` → 95)."""
    from xltools.core.quantity import parse_quantity

    number = _number(text)
    if number is not None:
        return number
    quantity = parse_quantity(_cell(text))
    return quantity.value if quantity is not None else None


#: Every worksheet function, in the order the README lists them.
WORKSHEET_FUNCTIONS = (xltools_execution_rate, xltools_budget_score, xltools_indicator_score,
                       xltools_grade, xltools_value)
