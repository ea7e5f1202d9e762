"""``xltools combine`` — every street office's workbooks into one district summary.

:func:`combine` finds the workbooks under the inputs (:mod:`~xltools.district.discover`), reads
each one in a worker process (:mod:`~xltools.district.process`), resolves duplicates
(:mod:`~xltools.district.duplicates`) and writes the summary workbook atomically
(:mod:`~xltools.district.summary`). The CLI and the Excel add-in both call it. Input files are
only ever opened for reading.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import itertools
import multiprocessing
import os
import sqlite3
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xltools.core import Policy
from xltools.core.policy import DEFAULT_POLICY
from xltools.core.errors import UserError, os_reason
from xltools.core.parse import normalize_text
from xltools.core.targets import Targets, targets_digest
from xltools.core.text import finite
from xltools.district.discover import CombineError, discover, shown_name, with_members
from xltools.district.process import LIMITS, process_file, use_targets
from xltools.district.results import FATE_TEXT, PROBLEM_FATES, FileResult
from xltools.district.results import SHEETS as SUMMARY_SHEETS
from xltools.district.review_options import ReviewOptions
from xltools.district.store import Store, config_fingerprint, store_path_for
from xltools.district.store_errors import StoreError, store_failure
from xltools.district.workers import Tasks, chunks, killed, pool_processes, quiet_worker, stop_workers
from xltools.io.files import OutputExistsError, OutputPathError, atomic_output, read_regular, scratch_folder
from xltools.io.paths import Kind, Paths, is_workbook_with
from xltools.io.sink import QuietSink

if TYPE_CHECKING:
    from xltools.district.sheetparts import SheetParts

__all__ = ["CombineError", "CombineReport", "ReviewOptions", "combine", "worker_gc", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_FAILED", "Progress"]

#: Exit codes of ``xltools combine``.
EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2

Progress = Callable[[int, int, FileResult], None]

_SIDE_FILES = ("-journal", "-wal", "-shm")  # SQLite's files beside the store


@dataclass
class CombineReport:
    """What a run did: the counts, the output and the time it took; the files come from the store."""

    output: str
    store: str = ""
    round_id: int = 0
    round_label: str = ""
    year: str | None = None
    seconds: float = 0.0
    jobs: int = 1
    counts_by_fate: dict[str, int] = field(default_factory=dict)
    projects: int = 0
    errors: int = 0
    warnings: int = 0
    read: int = 0
    reused: int = 0
    ok_with_errors: int = 0
    extras: dict[str, object] = field(default_factory=dict)
    #: Tracebacks of files whose fate is internal-error (a bug of ours), for the --json report.
    tracebacks: dict[str, str] = field(default_factory=dict)
    _files: list[FileResult] | None = field(default=None, repr=False)

    @property
    def files(self) -> list[FileResult]:
        """Every file's result in input order (read from the store when first asked for)."""
        if self._files is None:
            with Store(Path(self.store)) as store:
                self._files = list(store.files(self.round_id))
        return self._files

    @property
    def counts(self) -> dict[str, int]:
        return {fate: self.counts_by_fate.get(fate, 0) for fate in FATE_TEXT}

    @property
    def exit_code(self) -> int:
        if self.projects == 0:
            return EXIT_FAILED
        if self.errors or any(self.counts_by_fate.get(fate) for fate in PROBLEM_FATES):
            return EXIT_PROBLEMS
        return EXIT_OK

    def as_json(self) -> dict[str, object]:
        """The ``--json`` report (keys documented in the README; keep them stable)."""
        return finite({  # type: ignore[return-value]
            "output": self.output,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "projects": self.projects,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": self.counts,
            "ok_with_errors": self.ok_with_errors,
            "read": self.read,
            "reused": self.reused,
            "store": self.store,
            "round": self.round_label,
            "year": self.year,
            **self.extras,
            "files": [{
                "path": r.path, "fate": r.fate, "reason": r.reason,
                "unit": r.project.unit if r.project else None,
                "project": r.project.name if r.project else None,
                "year": r.project.year if r.project else None,
                "review_total": r.project.review_total if r.project else None,
                "errors": r.errors, "warnings": r.warnings, "sha256": r.sha256.partition("#")[0] or None,
                "reused": r.reused,
                **({"traceback": self.tracebacks[r.path]} if r.path in self.tracebacks else {}),
            } for r in self.files],
        })


def worker_gc() -> None:
    """Garbage collection tuned for a worker that makes many short-lived objects (benchmarks/stages.py times
    the workers' stages under it too).

    ``gc.freeze``: what a worker inherits (modules, validators, layouts) is never garbage, so it is kept
    out of the collector's scans. A higher first-generation threshold: nearly everything a file creates is
    freed by reference counting, so full scans every 700 allocations are wasted work; cycles are still
    collected, only less often.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _worker_init(targets: Targets | None = None) -> None:
    """A worker's set-up: :func:`worker_gc`, the run's targets, signals, the watch on the parent."""
    use_targets(targets)
    worker_gc()
    quiet_worker()


#: Chunks of files queued or in work at once, per worker: enough to keep every worker busy while the main
#: process stores results, few enough that neither the tasks nor the results of a district's run pile up
#: in the main process (``Executor.map`` would queue every chunk at the start).
_CHUNKS_AHEAD = 4


def _work_chunk(tasks: Sequence[tuple[str, str]], policy: Policy | None, today: dt.date) -> list[FileResult]:
    """What a worker does with one chunk of files (a module-level function: it is sent to the workers)."""
    return [process_file(task, policy=policy, today=today) for task in tasks]


def _summary_modules() -> None:
    """Import what only the summary needs (XlsxWriter, the summary's sheets, the renderer, the returns): after the
    workers have started (forked without it), while this process waits for their first results."""
    import xltools.district.returns  # noqa: F401
    import xltools.district.sheetparts  # noqa: F401
    import xltools.district.sheets_review  # noqa: F401
    import xltools.district.summary  # noqa: F401


def _run(tasks: Sequence[tuple[str, str]], jobs: int, policy: Policy | None, today: dt.date,
         targets: Targets | None = None) -> Iterator[FileResult | None]:
    """``None`` once the workers have their first chunks (the caller's first ``next`` starts them), then the results in
    input order, from ``jobs`` worker processes (in this process for one job or few files). While the workers read
    their first chunks, this process imports what the summary needs (:func:`_summary_modules`)."""
    if jobs <= 1 or len(tasks) < 4:
        yield None
        use_targets(targets)  # this process judges: the run's targets, for this run only
        try:
            yield from (process_file(task, policy=policy, today=today) for task in tasks)
        finally:
            use_targets(None)
        return
    pieces = chunks(len(tasks), jobs)
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(targets,)) as pool:
            try:
                queued = deque(pool.submit(_work_chunk, tasks[start:end], policy, today)
                               for start, end in itertools.islice(pieces, jobs * _CHUNKS_AHEAD))
                _summary_modules()
                yield None
                while queued:
                    results = queued.popleft().result()
                    start, end = next(pieces, (0, 0))
                    if end:
                        queued.append(pool.submit(_work_chunk, tasks[start:end], policy, today))
                    for result in results:
                        done += 1
                        yield result
            except BaseException:  # interrupted (Ctrl-C, SIGTERM, the caller stopped): no worker outlives the run
                stop_workers(pool)
                raise
    except BrokenProcessPool:  # a worker died (crash, out of memory): redo the rest one file per process
        for task in tasks[done:]:
            yield _isolated(task, policy, today, targets)


#: Why a file was not read when its worker was killed from outside (SIGKILL: the out-of-memory killer, an
#: administrator): not the file's fault, so not ``unreadable``; ``internal-error`` is never kept in the store,
#: so the next run reads the file again.
KILLED_REASON = ("处理该文件的进程被系统结束（多半是内存不足，或被管理员结束），不是文件的问题；"
                 "请在内存充足时重新运行汇总（该文件会被重新读取）")


def _isolated(task: tuple[str, str], policy: Policy | None, today: dt.date, targets: Targets | None) -> FileResult:
    processes: list = []
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_worker_init, initargs=(targets,)) as pool:
            try:
                future = pool.submit(_work_chunk, [task], policy, today)
                processes = pool_processes(pool)
                return future.result()[0]
            except BaseException:
                stop_workers(pool)
                raise
    except BrokenProcessPool:
        if killed(processes):
            return FileResult(task[1], "internal-error", KILLED_REASON)
        return FileResult(task[1], "unreadable", "读取该文件时处理进程意外退出（文件可能已损坏或过于复杂）；"
                                                 "请用 Excel 打开检查后重新保存")


def _is_returns_folder(path: Path) -> bool:
    """:func:`~xltools.district.returns.is_returns_folder`, imported when a run has --returns (it brings XlsxWriter)."""
    from xltools.district.returns import is_returns_folder

    return is_returns_folder(path)


#: What ``combine`` writes: the summary (``-o``; a workbook with every summary sheet is safe to replace with
#: --force) and the returns folder (``--returns``).
SUMMARY = Kind("汇总工作簿", (".xlsx",), is_workbook_with(*SUMMARY_SHEETS))
RETURNS = Kind("退回文件夹", (), _is_returns_folder, folder=True, looks="（每个实施单位一个文件夹，内有退回清单.xlsx）")


def declare(paths: Paths, inputs: Sequence[Path | str], output: Path | str, store: Path | str | None,
            review: ReviewOptions) -> Paths:
    """Every path a combine run is given, declared on ``paths`` (which may hold the caller's: --json, --policy)."""
    return (paths.read("", *inputs)
            .read("--expect", review.expect)
            .write("-o", output, SUMMARY)
            .store("--store" if store else "结果库", Path(store) if store else store_path_for(Path(output)))
            .write("--returns", review.returns, RETURNS))


def _write_summary(path: Path, files: Iterable[FileResult], policy: Policy, parts: SheetParts | None = None,
                   **options: object) -> None:
    """The summary into ``path`` (the output's temporary file), made so that a failure leaves nothing
    behind and prints nothing: XlsxWriter's temporary files in a private folder removed whatever
    happens (by the next run, when this one is killed outright), the zip written through a :class:`QuietSink`, which keeps a write's failure for us to
    raise (XlsxWriter leaves a half-closed zip on a full disk, closed later with a second failure).
    Nothing of the summary is held in memory: it grows with the number of forms. ``parts``: 项目信息, 指标明细, 问题清单
    and 文件清单 rendered from the store (:mod:`~xltools.district.sheetparts`)."""
    from xltools.district.summary import write_summary

    with scratch_folder("xltools-summary-") as scratch, QuietSink(path) as sink, _deflated_at(SUMMARY_DEFLATE_LEVEL):
        write_summary(sink, files, policy, tmpdir=scratch, parts=parts, **options)  # type: ignore[arg-type]
    sink.check()


#: zlib's level for the summary's zip (XlsxWriter leaves zlib's default, 6). The zip is the run's last step, one core
#: busy and the other idle; at level 2 it takes a third of the time for a file about a quarter larger (2,000 forms:
#: 19.6 MB of XML deflated in 0.055 s instead of 0.15 s, the summary 2.06 MB instead of 1.61; the parts are the same).
SUMMARY_DEFLATE_LEVEL = 2


@contextlib.contextmanager
def _deflated_at(level: int) -> Iterator[None]:
    """XlsxWriter's zip deflated at ``level`` meanwhile: XlsxWriter opens the zip with the ``zipfile.ZipFile`` its
    workbook module imported, given here with zipfile's own ``compresslevel`` (tests/test_combine.py fails when the
    summary's parts stop being deflated at this level). A workbook another thread closes meanwhile (the web service)
    is deflated at this level too: only its size differs."""
    import xlsxwriter.workbook as workbook

    opened = workbook.ZipFile
    workbook.ZipFile = functools.partial(opened, compresslevel=level)
    try:
        yield
    finally:
        workbook.ZipFile = opened


def _render_apart(jobs: int, files: int) -> bool:
    """Whether the summary's long sheets are rendered in a process of their own: when the run has workers, and where
    a process starts by importing xltools again (Windows), only for a round whose rows outweigh that start."""
    return jobs > 1 and (files >= 500 or multiprocessing.get_start_method() == "fork")


def _db_path(path: Path | str) -> str:
    """A path as the store keeps it (SQLite text is UTF-8): a name that is not UTF-8 is kept with escapes."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return shown_name(text)
    return text


class _Rows:
    """A re-iterable view of a round in the store (each pass is a fresh query); ``header``: the projects without their
    indicators and details (:meth:`Store.files`), for 汇总 when the long sheets are rendered apart."""

    def __init__(self, store: Store, round_id: int, used: bool, header: bool = False) -> None:
        self.store, self.round_id, self.used, self.header = store, round_id, used, header

    def __iter__(self) -> Iterator[FileResult]:
        return self.store.files(self.round_id, used=self.used, header=self.header)


def _fingerprint(path: str, limit: int) -> tuple[str, int, float]:
    """(sha256, size, mtime) of a regular file; an empty hash when it cannot be read or is too large to
    (the worker then reads it and says why)."""
    try:
        stat = os.stat(path)
        if stat.st_size > limit:
            return "", stat.st_size, stat.st_mtime
        data, stat = read_regular(path, limit)
        return hashlib.sha256(data).hexdigest(), stat.st_size, stat.st_mtime
    except (OSError, UserError):
        return "", 0, 0.0


def combine(inputs: Sequence[Path | str], output: Path | str, *, jobs: int | None = None,
            policy: Policy | None = None, force: bool = False, progress: Progress | None = None,
            store: Path | str | None = None, full: bool = False, round_label: str | None = None,
            year: str | None = None, review: ReviewOptions | None = None, paths: Paths | None = None,
            targets: Targets | None = None) -> CombineReport:
    """Combine every workbook under ``inputs`` into the summary ``output``.

    ``policy`` overrides the policy each template was built with; ``progress`` is called after each
    file with (done, total, result). Results go through the store (``store``, default next to the
    summary): files whose bytes were judged before are not read again unless ``full``. ``year`` is
    the round's 年度 (default: the most common). ``review`` adds the review sheets' options
    (sample, expected list, returns folder). ``paths``: the caller's other paths (e.g. the CLI's
    ``--json``, ``--policy`` and ``--targets``), checked with the run's own (:func:`declare`) before anything
    is read. ``targets`` (a 绩效目标表) adds the drift findings and, without an expected list, is the list of
    projects that must report. Raises :class:`CombineError` when nothing can be done (no input, an output
    exists or could destroy another argument).
    """
    started = time.perf_counter()
    output = Path(output)
    review = review or ReviewOptions()
    try:
        declare(paths or Paths(force=force), inputs, output, store, review).check()
    except (OutputExistsError, OutputPathError) as exc:  # one error class for the add-in and the service
        raise CombineError(exc.message) from exc
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise CombineError(f"--jobs 应为不小于 1 的整数（现为 {jobs}）")
    review.check(force)
    review.targets = review.targets or targets is not None
    if targets is not None and review.expect is None and review.expected is None:  # the projects that must report
        review.expected = [(normalize_text(p.unit), normalize_text(p.name)) for p in targets.projects]
    store_path = Path(store) if store else store_path_for(output)
    skip = {str(store_path.resolve()), *(str(store_path.resolve().with_name(store_path.name + s)) for s in _SIDE_FILES)}
    if targets is not None and targets.source:  # the 绩效目标表 may lie among the forms: it is no form
        skip.add(str(Path(targets.source).resolve()))
    found = [item for item in discover(inputs, output) if item.path not in skip]
    if not found:
        raise CombineError("输入中没有任何文件")
    entries = list(with_members(found))
    del found
    readable = sum(1 for item, _, _ in entries if item.skip is None and item.problem is None)
    jobs = max(1, min(jobs or os.cpu_count() or 1, max(readable, 1)))
    today = dt.date.today()
    config = config_fingerprint(policy, targets_digest(targets) if targets is not None else "")
    tracebacks: dict[str, str] = {}
    total = len(entries)
    created = not store_path.exists()  # a store this run makes goes again if the run does not finish
    try:
        store_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. a read-only mount below a writable folder
        raise StoreError(f"无法建立文件夹 {store_path.parent}（结果库 {store_path.name} 写在这里）：{os_reason(exc)}") from exc
    todo = Tasks()
    seqs = array("q")  # the input order of each file in todo
    reading: Iterator[FileResult | None] | None = None
    try:
        if created:  # a new store holds nothing to reuse: the workers start on every readable file while it is made
            for seq, (item, _, _) in enumerate(entries):
                if item.problem is None and item.skip is None:
                    todo.append(item.path, item.shown)
                    seqs.append(seq)
            reading = _run(todo, jobs, policy, today, targets)
            next(reading)
        with Store(store_path) as db:
            round_id, label = db.begin_round(round_label, str(output), config)
            done = 0
            # nothing to reuse (a new store, or a new program or policy): no hashing here, the workers hash
            reusable = not created and not full and db.holds(config, round_id)
            for seq, (item, member, failed) in enumerate(entries):
                if item.problem is not None or item.skip is not None:
                    fate, reason = (failed, item.problem) if item.problem is not None else ("skipped", item.skip)
                    db.add(round_id, seq, FileResult(item.shown, fate, reason or ""), config, today,
                           _db_path(item.path))
                    done += 1
                    continue
                if created:
                    continue  # in the task list already
                # a member of an archive is read by the worker (out of its archive), never taken from the store
                sha256, size, mtime = _fingerprint(item.path, LIMITS.max_file_bytes) if reusable and not member \
                    else ("", 0, 0.0)
                if sha256 and db.reuse(round_id, seq, sha256, config, item.shown, size, mtime, _db_path(item.path),
                                       today):
                    done += 1
                    if progress:  # the bar needs only the count; the fate is final after duplicates anyway
                        progress(done, total, FileResult(item.shown, "ok", size=size, mtime=mtime, sha256=sha256,
                                                         reused=True))
                    continue
                todo.append(item.path, item.shown)
                seqs.append(seq)
            del entries
            if reading is None:
                reading = _run(todo, jobs, policy, today, targets)
                next(reading)
            stored: list[tuple[int, FileResult, str]] = []  # results stored a few dozen at a time
            for seq, (source, _), result in zip(seqs, todo, reading):  # type: ignore[misc]
                for row in result.parts or (result,):  # a list workbook: one row per project
                    if row.traceback:
                        tracebacks[row.path] = row.traceback
                    stored.append((seq, row, _db_path(source)))
                done += 1
                if len(stored) >= 64 or done % 500 == 0:
                    db.add_many(round_id, stored, config, today)
                    stored.clear()
                if done % 500 == 0:
                    db.commit()
                if progress:
                    progress(done, total, result)
            reading.close()  # every result is in: the workers end
            db.add_many(round_id, stored, config, today)
            del todo, seqs, stored
            year = year or db.common_year(round_id)
            if year:
                db.mark_wrong_year(round_id, year)
            db.resolve_duplicates(round_id)
            db.commit()
            # 汇总 reads a project's header only: 项目信息 and 指标明细 are rendered from the store (SheetParts)
            files, used = _Rows(db, round_id, used=False), _Rows(db, round_id, used=True, header=True)
            from xltools.district.returns import ReturnNotice, write_returns
            from xltools.district.sheetparts import SheetParts
            from xltools.district.sheets_review import review_sheets

            # the long sheets rendered from the committed store beside this process while it writes the rest
            with scratch_folder("xltools-parts-") as scratch, \
                    SheetParts(store_path, round_id, scratch, _render_apart(jobs, total)) as parts:
                sheets = review_sheets(db, round_id, review, policy or DEFAULT_POLICY)
                try:
                    with atomic_output(output, force=force) as tmp:
                        _write_summary(tmp, files, policy or DEFAULT_POLICY, parts, used=used, extra=sheets.write,
                                       link_base=output.resolve().parent, review=sheets.review)
                except OutputExistsError as exc:
                    raise CombineError(f"输出文件 {output} 已存在；要覆盖请加 --force") from exc
            if sheets.review is not None:
                sheets.review.settle()
            extras = (write_returns(db, round_id, Path(review.returns), policy, today, jobs,
                                    ReturnNotice(review.deadline, review.contact)) if review.returns else {})
            db.finish_round(round_id, year)
            projects, errors, warnings, read, reused = db.totals(round_id)
            report = CombineReport(str(output), str(store_path), round_id, label, year,
                                   time.perf_counter() - started, jobs, db.counts(round_id), projects, errors,
                                   warnings, read, reused, db.ok_with_errors(round_id), {**sheets.extras, **extras},
                                   tracebacks=tracebacks)
    except sqlite3.DatabaseError as exc:  # locked by another run, disk full, damaged while in use
        _drop_new_store(store_path, created)
        raise StoreError(store_failure(store_path, exc)) from exc
    except BaseException:  # no summary (disk full, interrupted …): leave nothing new behind
        _drop_new_store(store_path, created)
        raise
    finally:
        if reading is not None:  # the workers end (if the store could not be made, they had started before it)
            reading.close()
    return report


def _drop_new_store(path: Path, created: bool) -> None:
    """Remove a store this run created (and SQLite's files beside it); what cannot be removed stays."""
    if created:
        for name in (path.name, *(path.name + side for side in _SIDE_FILES)):
            with contextlib.suppress(OSError):  # e.g. a read-only folder, where nothing was made either
                path.with_name(name).unlink(missing_ok=True)
