"""The summary's longest sheets rendered beside the main process: 项目信息, 指标明细, 问题清单 and 文件清单.

Once a round's results are stored and its fates final, these four sheets need nothing but the store: a second
process (:func:`render_parts`, reading the store on a read-only connection) renders their rows into files while
the main process writes 汇总 and the review sheets; the main process then splices the rendered rows into
the workbook (:meth:`~xltools.district.rowstream._RowStream.splice`). The rows are the very rows the summary's
sheet classes write (the same code renders them), their formats' style indices given in the order the summary
first uses them, so the workbook is the one a single process writes. With one job (or when the second process
cannot be started or dies) the same rendering runs in the main process.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import xlsxwriter

from xltools.district.results import FileResult, Packed
from xltools.district.rowstream import RenderedRows, RowRenderer
from xltools.district.store import Store
from xltools.district.summary_sheets import Details, Files, Findings, Formats, Indicators
from xltools.district.workers import quiet_worker, stop_workers

__all__ = ["SheetParts", "render_parts"]

Rendered = dict[str, RenderedRows]

#: Rows read from the store a query: the main process may commit meanwhile (it waits for one query at most).
_BATCH = 200


def _format_names(fmt: Formats) -> dict[object, str]:
    """Every format of a :class:`Formats` by its attribute name (the placeholders' names)."""
    return {value: name for name, value in vars(fmt).items() if isinstance(value, xlsxwriter.format.Format)}


#: The two parts rendered apart, in the order the summary splices them: each a task of its own, so the main process
#: splices 项目信息 and 指标明细 while 问题清单 and 文件清单 are still rendered.
PARTS = {"projects": ("details", "indicators"), "files": ("findings", "files")}
_PART_OF = {role: part for part, roles in PARTS.items() for role in roles}


#: 问题清单 and 文件清单 need a file's unit and name, not its project: ``files`` holds them (its project's, stored with it),
#: so the stored project is not decoded; a file without a stored project shows neither (as
#: :func:`~xltools.district.summary_sheets.heading`).
_LISTED = ("SELECT f.seq, f.path, f.fate, f.reason, f.size, f.mtime, f.sha256, f.reused, f.format, f.source, "
           "CASE WHEN r.project IS NULL THEN '' ELSE f.unit END, CASE WHEN r.project IS NULL THEN '' ELSE f.name END, "
           "r.packed_findings FROM files f LEFT JOIN results r ON r.sha256=f.sha256 AND r.config=f.config "
           "WHERE f.round=? AND f.seq > ? ORDER BY f.seq")


def _listed(store: Store, round_id: int) -> Iterator[tuple[FileResult, str, str]]:
    """Every file of the round in input order with its 实施单位 and 项目名称, :data:`_BATCH` rows a query (no read holds
    the store's lock for long: the main process writes meanwhile)."""
    for _, path, fate, reason, size, mtime, sha256, reused, fmt, source, unit, name, findings in \
            store.batched(_LISTED, round_id, _BATCH):
        result = FileResult(path, fate, reason, size, mtime, sha256, reused=bool(reused), format=fmt, source=source)
        if findings and findings != "[]":
            result.findings = Packed(findings)  # type: ignore[assignment]
        yield result, unit, name


def render_parts(store_path: str, round_id: int, folder: str, part: str = "") -> Rendered:
    """Render 项目信息 and 指标明细 (``part`` "projects": the summarised projects in the summary's order) and 问题清单 with
    文件清单 ("files": every file in input order, the two side by side as the summary writes them) of round ``round_id``
    into files in ``folder``; both parts when ``part`` is empty."""
    fmt = Formats(xlsxwriter.Workbook(io.BytesIO()))  # formats only (named): the real ones are the summary's
    names = _format_names(fmt)
    sheets = {}
    with Store(Path(store_path), read_only=True) as store:
        if part in ("", "projects"):
            details = Details(None, fmt, RowRenderer(os.path.join(folder, "details.xml"), names, {}))
            indicators = Indicators(None, fmt, RowRenderer(os.path.join(folder, "indicators.xml"), names, {}))
            for number, result in enumerate(store.files(round_id, used=True, batch=_BATCH), start=1):
                details.add(number, result)
                indicators.add(number, result)
            sheets.update(details=details, indicators=indicators)
        if part in ("", "files"):
            order: dict[str, None] = {}
            findings = Findings(None, fmt, RowRenderer(os.path.join(folder, "findings.xml"), names, order))
            listed = Files(None, fmt, RowRenderer(os.path.join(folder, "files.xml"), names, order))
            for result, unit, name in _listed(store, round_id):
                findings.add(result, unit, name)
                listed.add(result, unit, name)
            sheets.update(findings=findings, files=listed)
    return {role: sheet.ws.done() for role, sheet in sheets.items()}


class SheetParts:
    """The rendering of one round's 项目信息, 指标明细, 问题清单 and 文件清单: started in a process of its own (``parallel``) when
    made, its two :data:`PARTS` one task each, else done here when first asked for; :meth:`splice` puts a sheet's
    rows into the summary."""

    def __init__(self, store_path: Path, round_id: int, folder: str, parallel: bool) -> None:
        self.args = (str(store_path), round_id, folder)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[str, Future[Rendered]] = {}
        self.rendered: Rendered = {}
        if parallel:
            self.pool = ProcessPoolExecutor(max_workers=1, initializer=quiet_worker)
            self.futures = {part: self.pool.submit(render_parts, *self.args, part) for part in PARTS}

    def _result(self, role: str) -> RenderedRows:
        if role not in self.rendered:
            part = _PART_OF[role]
            future = self.futures.pop(part, None)
            if future is not None and self.pool is not None:
                try:
                    self.rendered.update(future.result())
                except BrokenProcessPool:  # the process died (killed, out of memory): render here instead
                    self.close()
            if role not in self.rendered:
                self.rendered.update(render_parts(*self.args, part))
            if not self.futures and self.pool is not None:  # every part taken: the process is done
                pool, self.pool = self.pool, None
                pool.shutdown(wait=True)
        return self.rendered[role]

    def splice(self, role: str, sheet) -> None:  # type: ignore[no-untyped-def]
        """The rendered rows of ``role`` (details, indicators, findings, files) into ``sheet`` (the summary's)."""
        rows = self._result(role)
        sheet.ws.splice(rows, _by_name(sheet.fmt))
        sheet.row = rows.last if rows.first is not None else 0

    def __enter__(self) -> SheetParts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the second process now, if it still runs (the summary failed or was interrupted)."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            stop_workers(pool)


def _by_name(fmt: Formats) -> dict[str, object]:
    return {name: value for value, name in _format_names(fmt).items()}
