"""The add-in's public face: what the template's VBA macros and xlwings' settings name.

Circulated ``.xlsm`` templates call ``RunPython "import xltools.addin; xltools.addin.…"`` and district
IT enters ``xltools.addin`` as xlwings' "UDF Modules", so this module path is a contract; the add-in
itself lives in :mod:`xltools.excel.addin`.
"""

from xltools.excel.addin import (
    check_scores_caller,
    check_scores_script,
    combine_folder_caller,
    xltools_budget_score,
    xltools_execution_rate,
    xltools_grade,
    xltools_indicator_score,
    xltools_value,
)

__all__ = ["check_scores_caller", "check_scores_script", "combine_folder_caller", "xltools_budget_score",
           "xltools_execution_rate", "xltools_grade", "xltools_indicator_score", "xltools_value"]
