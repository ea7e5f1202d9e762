"""``xltools serve`` in its own process on a free loopback port while a block runs.

Shared by ``scripts/docs_pages.py`` (the documentation's screenshots) and ``tests/webserver.py`` (the web
tests); a script does not import the tests, so the one copy lives here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["ServeError", "free_port", "serving"]


class ServeError(RuntimeError):
    """The server exited, or did not answer /healthz in time; the message holds its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(options: Sequence[str], *, log: Path, env: Mapping[str, str] | None = None,
            probe: Mapping[str, str] | None = None, timeout: float = 60) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python -m xltools serve --host 127.0.0.1 --port P *options`` (output to ``log``, environment ``env``),
    yielded as (its URL, its process) once ``GET /healthz`` with the headers ``probe`` answers 200; stopped
    with SIGTERM when the block ends (its whole process group killed after 20 s)."""
    port = free_port()
    cmd = [sys.executable, "-m", "xltools", "serve", "--host", "127.0.0.1", "--port", str(port), *options]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=dict(env or os.environ),
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise ServeError(f"xltools serve exited:\n{log.read_text(encoding='utf-8', errors='replace')}")
            try:
                if httpx.get(url + "/healthz", headers=dict(probe or {}), timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise ServeError(f"xltools serve did not start:\n{log.read_text(encoding='utf-8', errors='replace')}")
            time.sleep(0.2)
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
