"""The add-in's public face: what the template's VBA macros and xlwings' settings name.

Circulated ``.xlsm`` templates call ``RunPython "import xltools.addin; xltools.addin.…"`` and district
IT enters ``xltools.addin`` as xlwings' "UDF Modules", so this module path is a contract; the add-in
itself lives in :mod:`xltools.excel.addin`, the worksheet functions in :mod:`xltools.excel.udfs`.

Every click of the button starts a Python that imports this module first (unless xlwings' "Use UDF
Server" keeps one running), so it imports xlwings and the worksheet functions only; the check itself
(:mod:`xltools.excel.addin`, the core, the layouts; not pydantic, which only user data in JSON or TOML
needs) is imported when a caller runs, and
``check_scores_script`` when it is asked for.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from xltools.excel.udfs import (
    xltools_budget_score,
    xltools_execution_rate,
    xltools_grade,
    xltools_indicator_score,
    xltools_value,
)

__all__ = ["check_scores_caller", "check_scores_script", "combine_folder_caller", "xltools_budget_score",
           "xltools_execution_rate", "xltools_grade", "xltools_indicator_score", "xltools_value"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a click, as it was before after it.

    A click in a fresh Python imports the check (the core, the reader, the layouts) and compiles its regular
    expressions: some hundred thousand objects that live as long as the process, which the collector would
    walk again and again while they are made (~20 M instructions of the click) and find nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_scores_caller(password: str | None = None) -> None:
    """The 检查评分 button: :func:`xltools.excel.addin.check_scores_caller` (the garbage collector paused)."""
    with paused_gc():
        from xltools.excel.addin import check_scores_caller as run

        run(password)


def combine_folder_caller(folder: str) -> None:
    """The 汇总 macro: :func:`xltools.excel.addin.combine_folder_caller`."""
    from xltools.excel.addin import combine_folder_caller as run

    run(folder)


def __getattr__(name: str) -> object:
    """``check_scores_script`` (xlwings Server / Lite), imported with the check only when asked for."""
    if name == "check_scores_script":
        from xltools.excel.addin import check_scores_script

        return check_scores_script
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
