"""A real ``xltools serve`` (uvicorn) for tests: its own process on a free loopback port, stopped by the test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["Server", "running_server", "rss_kb"]


@dataclass
class Server:
    url: str
    token: str
    process: subprocess.Popen
    temp: Path
    log: Path
    district_token: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        """The clerks' credential."""
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def district_auth(self) -> dict[str, str]:
        """The district's credential."""
        return {"Authorization": f"Bearer {self.district_token}"}

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(root: Path, *, token: str | None = "s3cret-token", district_token: str | None = "d1strict-token",
                   max_upload_mb: int = 20, workers: int = 2, extra: tuple[str, ...] = ()) -> Iterator[Server]:
    """Start ``xltools serve`` with its temporary folders under ``root/tmp``; wait until /healthz answers.

    ``token`` / ``district_token`` None: started without that option; ``extra``: more options."""
    temp = root / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    log = root / "server.log"
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "xltools", "serve", "--port", str(port), "--workers", str(workers),
           "--max-upload-mb", str(max_upload_mb), *extra]
    cmd += ["--token", token] if token else []
    cmd += ["--district-token", district_token] if district_token else []
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", token or "", process, temp, log, district_token)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(encoding='utf-8')}")
            try:
                probe = server.auth if token else server.district_auth if district_token else {}
                if httpx.get(server.url + "/healthz", headers=probe, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text(encoding='utf-8')}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (kB), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # a process that ended meanwhile
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue  # ended meanwhile
    return total
