"""The helper processes of a district run (combine's readers, the summary's renderer): their signals, how the main
process ends them early, and the files the readers are given (the run's task list, cut into chunks)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess

from xltools.district.process import watch_parent

__all__ = ["Tasks", "chunks", "killed", "pool_processes", "quiet_worker", "stop_workers"]


def quiet_worker() -> None:
    """A helper process's signals: Ctrl-C reaches the whole process group and is the main process's to handle
    (it ends the helpers); SIGTERM ends a helper with its default action (not the CLI's handler, inherited by
    a fork); and a helper ends when the main process is killed outright (SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    watch_parent()


def pool_processes(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    """The processes of ``pool``. ``ProcessPoolExecutor`` has no public way to reach them before Python 3.14's
    ``terminate_workers``; its ``_processes`` map is the documented-in-source way (tests/test_reliability_output.py
    fails when an interrupted run leaves a worker alive)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes now (Ctrl-C, SIGTERM, a failed summary): cancel what is queued, terminate them."""
    processes = pool_processes(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + 5
    for process in processes:
        _reaped(process, deadline)


def _reaped(process: BaseProcess, deadline: float) -> None:
    """Wait until ``process`` has ended and its exit status is known, or ``deadline`` has passed. The pool's own
    thread may reap the worker at the same moment: this process's waitpid then fails, ``join`` returns, and
    ``exitcode`` (and ``multiprocessing.active_children``) reads it as running until that thread has stored the
    status (seen about once in ten interrupted runs)."""
    process.join(max(deadline - time.monotonic(), 0))
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.01)


def killed(processes: list[BaseProcess]) -> bool:
    """Whether a worker of ``processes`` was ended by SIGKILL (from outside: a file cannot send it)."""
    kill = getattr(signal, "SIGKILL", None)
    for process in processes:
        _reaped(process, time.monotonic() + 5)
        if kill is not None and process.exitcode == -kill:
            return True
    return False


def chunks(count: int, jobs: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each chunk of ``count`` files, in input order: up to 32 files (a chunk's round trip costs little
    beside its files), fewer towards the end (the files left over ``jobs`` × 4, down to one: guided scheduling), so
    the workers finish together instead of one waiting for the other's last full chunk."""
    full = max(1, min(32, count // (jobs * 8)))
    start = 0
    while start < count:
        end = start + max(1, min(full, (count - start) // (jobs * 4)))
        yield start, end
        start = end


class Tasks(Sequence[tuple[str, str]]):
    """The files a run reads, ``(path, shown name)`` each, kept as one UTF-8 ``bytes`` per file.

    A district run holds tens of thousands of them in the main process for the whole run; two ``str``
    (mostly Chinese, so two bytes a character) and a tuple cost about three times as much. A path that
    is not UTF-8 keeps its bytes (``os.fsencode``); a shown name is always valid text (escapes)."""

    def __init__(self) -> None:
        self._items: list[bytes] = []

    def append(self, path: str, shown: str) -> None:
        self._items.append(os.fsencode(path) + b"\0" + shown.encode("utf-8"))

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def _task(item: bytes) -> tuple[str, str]:
        path, shown = item.rsplit(b"\0", 1)  # a member of an archive has a NUL in its path (io.archives)
        return os.fsdecode(path), shown.decode("utf-8")

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self._task(item) for item in self._items[index]]
        return self._task(self._items[index])
