"""The entry point the template's VBA macros call (``RunPython "import xltools.addin; ..."``).

Circulated ``.xlsm`` templates name this module and its two ``*_caller`` functions, so they
stay where they are. Every click of the button starts a Python that imports this module first
(unless xlwings' "Use UDF Server" keeps one running): it imports xlwings and the worksheet
functions only; the check itself (:mod:`xltools.excel.addin`, the core, pydantic) is imported
when a caller runs. The worksheet functions are here too, so that the xlwings ribbon's
"UDF Modules" setting can name this module.
"""

from __future__ import annotations

from xltools.excel.udfs import (
    xltools_budget_score,
    xltools_execution_rate,
    xltools_grade,
    xltools_indicator_score,
    xltools_value,
)

__all__ = ["check_scores_caller", "combine_folder_caller", "xltools_execution_rate", "xltools_budget_score",
           "xltools_indicator_score", "xltools_grade", "xltools_value"]


def check_scores_caller(password: str | None = None) -> None:
    """The 检查评分 button: :func:`xltools.excel.addin.check_scores_caller`."""
    from xltools.excel.addin import check_scores_caller as run

    run(password)


def combine_folder_caller(folder: str) -> None:
    """The 汇总 macro: :func:`xltools.excel.addin.combine_folder_caller`."""
    from xltools.excel.addin import combine_folder_caller as run

    run(folder)
