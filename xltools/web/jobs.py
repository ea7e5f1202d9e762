"""The CPU work of the check page, run in worker processes (never on the event loop).

Each job is a plain function of paths and names, so it can be sent to a process pool; it calls
exactly what the command line calls (:func:`~xltools.form.verdict.judge` through
:func:`~xltools.io.forms.load_workbook` (the reader seam), :func:`~xltools.io.annotate.annotate_workbook`,
:func:`~xltools.district.combine.combine`), so the page and the CLI give the same results.
A file the user can fix comes back as ``{"error": <Chinese reason>}``, never as an exception.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xltools.core.errors import UserError
from xltools.form.report import check_result

__all__ = ["check_job", "annotate_job", "combine_job", "warm_up"]



def warm_up() -> bool:
    """Import what the jobs use, so that the first request does not pay for it."""
    import xltools.district.combine  # noqa: F401
    import xltools.io.annotate  # noqa: F401

    return True


def _suffix_error(name: str) -> str | None:
    """A name that is no spreadsheet at all; the file's content still decides how a spreadsheet is read."""
    from xltools.io.seam import SPREADSHEET_SUFFIXES
    from xltools.io.wordform import WORD_SUFFIXES

    if Path(name).suffix.lower() in (*SPREADSHEET_SUFFIXES, *WORD_SUFFIXES):
        return None
    return (f"{name} 不是 Excel 工作簿或 Word 自评表：只能检查 .xlsx、.xlsm、.xls、.et、.ods、.xlsb 工作簿"
            "或按通知附件1填写的 .docx、.doc、.wps 自评表")


def check_job(path: str, name: str) -> dict[str, object]:
    """The ``check --json`` object of the uploaded workbook ``path`` (shown as ``name``)."""
    from xltools.io.forms import FormReadError, judge_loaded, load_workbook

    problem = _suffix_error(name)
    if problem:
        return {"file": name, "error": problem}
    try:
        loaded = load_workbook(path)
    except FormReadError as exc:
        return {"file": name, "error": exc.reason}
    return check_result(name, judge_loaded(loaded, today=dt.date.today()))


def annotate_job(path: str, name: str, out: str) -> dict[str, object]:
    """Write the annotated copy of ``path`` to ``out``; the ``check --json`` object, or ``error``."""
    from xltools.io.annotate import annotate_workbook
    from xltools.io.forms import FormReadError

    problem = _suffix_error(name)
    if problem:
        return {"file": name, "error": problem}
    try:
        verdict = annotate_workbook(Path(path), Path(out), today=dt.date.today())
    except FormReadError as exc:
        return {"file": name, "error": exc.reason}
    except UserError as exc:
        return {"file": name, "error": str(exc)}
    return check_result(name, verdict)


def combine_job(folders: list[str], out: str) -> dict[str, object]:
    """``xltools combine`` of ``folders`` into ``out``; its ``--json`` report, or ``error``."""
    from xltools.district.combine import CombineError, combine

    try:
        report = combine([Path(f) for f in folders], Path(out), jobs=1)
    except CombineError as exc:
        return {"error": str(exc)}
    return report.as_json()
