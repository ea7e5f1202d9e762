"""``xltools combine`` — every street office's workbooks into one district summary.

:func:`combine` finds the workbooks under the inputs (:mod:`~xltools.district.discover`), reads
each one in a worker process (:mod:`~xltools.district.process`), resolves duplicates
(:mod:`~xltools.district.duplicates`) and writes the summary workbook atomically
(:mod:`~xltools.district.summary`). The CLI and the Excel add-in both call it. Input files are
only ever opened for reading.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from xltools.core import Policy
from xltools.district.discover import CombineError, discover
from xltools.district.duplicates import resolve_duplicates
from xltools.district.process import process_file
from xltools.district.results import FATE_TEXT, PROBLEM_FATES, FileResult
from xltools.district.summary import write_summary
from xltools.io.files import OutputExistsError, atomic_output

__all__ = ["CombineError", "CombineReport", "combine", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_FAILED", "Progress"]

#: Exit codes of ``xltools combine``.
EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2

Progress = Callable[[int, int, FileResult], None]


@dataclass
class CombineReport:
    """What a run did: every file's fate, the output and the time it took."""

    output: str
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.fate for r in self.files)
        return {fate: counted.get(fate, 0) for fate in FATE_TEXT}

    @property
    def projects(self) -> int:
        return sum(1 for r in self.files if r.used)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.files if r.used)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.files if r.used)

    @property
    def exit_code(self) -> int:
        if self.projects == 0:
            return EXIT_FAILED
        if self.errors or any(r.fate in PROBLEM_FATES for r in self.files):
            return EXIT_PROBLEMS
        return EXIT_OK

    def as_json(self) -> dict[str, object]:
        """The ``--json`` report (keys documented in the README; keep them stable)."""
        return {
            "output": self.output,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "projects": self.projects,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": self.counts,
            "files": [{
                "path": r.path, "fate": r.fate, "reason": r.reason,
                "unit": r.project.unit if r.project else None,
                "project": r.project.name if r.project else None,
                "year": r.project.year if r.project else None,
                "review_total": r.project.review_total if r.project else None,
                "errors": r.errors, "warnings": r.warnings, "sha256": r.sha256 or None,
            } for r in self.files],
        }


def _worker_init() -> None:
    """Garbage collection tuned for a worker that makes many short-lived objects.

    ``gc.freeze``: what a worker inherits (modules, validators, layouts) is never garbage, so it is kept
    out of the collector's scans. A higher first-generation threshold: nearly everything a file creates is
    freed by reference counting, so full scans every 700 allocations are wasted work; cycles are still
    collected, only less often.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _run(paths: list[tuple[str, str]], jobs: int, policy: Policy | None) -> Iterator[FileResult]:
    """Results in input order, from ``jobs`` worker processes (in this process for one job or few files)."""
    work = partial(process_file, policy=policy, today=dt.date.today())
    if jobs <= 1 or len(paths) < 4:
        yield from map(work, paths)
        return
    chunk = max(1, min(32, len(paths) // (jobs * 8)))
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
            for result in pool.map(work, paths, chunksize=chunk):
                done += 1
                yield result
    except BrokenProcessPool:  # a worker died (crash, out of memory): redo the rest one file per process
        for task in paths[done:]:
            yield _isolated(work, task)


def _isolated(work: Callable[[tuple[str, str]], FileResult], task: tuple[str, str]) -> FileResult:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(work, task).result()
    except BrokenProcessPool:
        return FileResult(task[1], "unreadable", "读取该文件时处理进程意外退出（文件可能已损坏或过于复杂）；"
                                                 "请用 Excel 打开检查后重新保存")


def combine(inputs: Sequence[Path | str], output: Path | str, *, jobs: int | None = None,
            policy: Policy | None = None, force: bool = False, progress: Progress | None = None) -> CombineReport:
    """Combine every workbook under ``inputs`` into the summary ``output``.

    ``policy`` overrides the policy each template was built with; ``progress``
    is called after each file with (done, total, result). Raises
    :class:`CombineError` when nothing can be done (no input, output exists).
    """
    started = time.perf_counter()
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise CombineError(f"输出文件 {output} 应以 .xlsx 结尾")
    if output.exists() and not force:
        raise CombineError(f"输出文件 {output} 已存在；要覆盖请加 --force")
    found = discover(inputs, output)
    if not found:
        raise CombineError("输入中没有任何文件")
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: dict[str, FileResult] = {}
    for item in found:
        if item.skip is not None:
            results[item.shown] = FileResult(item.shown, "skipped", item.skip)
    todo = [(str(item.path), item.shown) for item in found if item.skip is None]
    total = len(found)
    done = len(results)
    for result in _run(todo, jobs, policy):
        results[result.path] = result
        done += 1
        if progress:
            progress(done, total, result)
    files = [results[item.shown] for item in found]
    resolve_duplicates(files)
    try:
        with atomic_output(output, force=force) as tmp:
            write_summary(tmp, files, policy or Policy())
    except OutputExistsError as exc:
        raise CombineError(f"输出文件 {output} 已存在；要覆盖请加 --force") from exc
    return CombineReport(str(output), files, time.perf_counter() - started, jobs)
