"""A real ``xltools serve`` (uvicorn) for tests: its own process on a free loopback port, stopped by the test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from loopback import serving  # noqa: E402  (scripts/loopback.py: also what make docs-images serves with)

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


@contextmanager
def running_server(root: Path, *, token: str | None = "s3cret-token", district_token: str | None = "d1strict-token",
                   max_upload_mb: int = 20, workers: int = 2, extra: tuple[str, ...] = ()) -> Iterator[Server]:
    """Start ``xltools serve`` with its temporary folders under ``root/tmp``; wait until /healthz answers.

    ``token`` / ``district_token`` None: started without that option; ``extra``: more options."""
    temp = root / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    log = root / "server.log"
    options = ["--workers", str(workers), "--max-upload-mb", str(max_upload_mb), *extra]
    options += ["--token", token] if token else []
    options += ["--district-token", district_token] if district_token else []
    probe = ({"Authorization": f"Bearer {token}"} if token else
             {"Authorization": f"Bearer {district_token}"} if district_token else {})
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    with serving(options, log=log, env=env, probe=probe) as (url, process):
        yield Server(url, token or "", process, temp, log, district_token)


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
