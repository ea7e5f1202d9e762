"""Worker processes of ``xltools serve``, in lanes: checks never wait behind district summaries.

Each :class:`Workers` is its own pool of processes with its own bounded queue. The server keeps
two: one for checks and annotated copies (short jobs), one for combines (long jobs), so a check
starts as soon as a check worker is free however many combines are queued. A lane whose queue is
full refuses at once with a Chinese 503 instead of letting requests pile up without end.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from xltools.web.uploads import Refused

__all__ = ["Workers"]

log = logging.getLogger("xltools.web")


class Workers:
    """A pool of ``count`` worker processes (made again if a worker dies) with at most ``queue`` jobs waiting."""

    def __init__(self, count: int, *, queue: int = 64, what: str = "检查") -> None:
        self.count = max(1, count)
        self.queue = queue
        self.what = what
        self.pending = 0  # jobs running or waiting
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        extra = {"max_tasks_per_child": 200} if sys.version_info >= (3, 11) else {}
        return ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("spawn"), **extra)

    async def run(self, timeout: float, fn: Callable[..., dict[str, object]], *args: object) -> dict[str, object]:
        if self.pending >= self.count + self.queue:
            raise Refused(503, f"服务器正忙：正在排队等待{self.what}的请求已有 {self.pending} 个，请稍后再试",
                          headers={"Retry-After": "10"})
        self.pending += 1
        try:
            return await self._run(timeout, fn, *args)
        finally:
            self.pending -= 1

    async def _run(self, timeout: float, fn: Callable[..., dict[str, object]], *args: object) -> dict[str, object]:
        pool = self.pool
        future = asyncio.get_running_loop().run_in_executor(pool, partial(fn, *args))
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError as exc:
            raise Refused(504, f"处理超时（超过 {timeout:g} 秒）；文件可能过大或过于复杂，请稍后重试或分批上传") from exc
        except BrokenProcessPool as exc:
            if self.pool is pool:
                log.error("a worker process died; starting a new pool")
                pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._new()
            raise Refused(422, "处理该文件时处理进程意外退出（文件可能已损坏或过于复杂）；"
                               "请用 Excel 打开检查后重新保存再上传") from exc

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
