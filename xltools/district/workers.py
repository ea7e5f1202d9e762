"""The helper processes of a district run (combine's readers, the summary's renderer): their signals, and how
the main process ends them early."""

from __future__ import annotations

import signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess

from xltools.district.process import watch_parent

__all__ = ["pool_processes", "quiet_worker", "stop_workers"]


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
    for process in processes:
        process.join(5)
