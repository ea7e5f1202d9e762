"""The entry point the template's VBA macros call (``RunPython "import xltools.addin; ..."``).

Circulated ``.xlsm`` templates name this module, so it stays where it is; the add-in itself
is :mod:`xltools.excel.addin`.
"""

from xltools.excel.addin import check_scores_caller, combine_folder_caller

__all__ = ["check_scores_caller", "combine_folder_caller"]
