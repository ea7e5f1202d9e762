"""The offline Linux server bundle (``make dist`` → ``dist/linux``): proven complete for manylinux x86-64
CPython 3.10–3.13 from its own wheels, then installed by its own install.sh with ``pip --no-index`` into a
fresh venv, and that venv's ``xltools serve`` started on loopback and asked /healthz.

Built once per session from the package index into ``build/dist-linux-test`` (a later run fetches only
what changed). Nothing is skipped when a tool or the network is missing: this bundle is what district IT
installs the server from.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))

import build_linux  # noqa: E402

PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@pytest.fixture(scope="session")
def bundle() -> Path:
    return build_linux.build(ROOT / "build" / "dist-linux-test", PYTHONS)


def _offline_env(**more: str) -> dict[str, str]:
    """No pip configuration of this machine (its indexes and find-links): the bundle alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "XLTOOLS_"))}
    return env | {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"} | more


@pytest.mark.parametrize("python", PYTHONS)
def test_resolves_offline_for_linux(bundle: Path, python: str) -> None:
    report = build_linux.verify(bundle, (python,))[python]
    for name in ("xltools-chaoyang", "pydantic-core", "openpyxl", "xlsxwriter", "python-calamine", "isal",
                 "starlette", "uvicorn", "matplotlib", "numpy"):  # matplotlib: the district report's charts
        assert f" + {name}==" in report, (name, report)
    assert " + pywin32==" not in report  # a Windows-only dependency stays out of the Linux bundle


def test_a_missing_linux_wheel_is_caught(bundle: Path, tmp_path: Path) -> None:
    """The proof can fail: without pydantic-core's cp312 manylinux wheel the bundle does not resolve for 3.12."""
    partial = tmp_path / "partial"
    shutil.copytree(bundle / "wheels", partial / "wheels")
    removed = list((partial / "wheels").glob("pydantic_core-*-cp312-*.whl"))
    assert removed
    for wheel in removed:
        wheel.unlink()
    with pytest.raises(build_linux.BundleError, match="pydantic"):
        build_linux.verify(partial, ("3.12",))
    build_linux.verify(partial, ("3.11",))


def test_unit_and_token_file(bundle: Path) -> None:
    unit = (bundle / "xltools.service").read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/xltools/xltools.env" in unit
    assert "ExecStart=/opt/xltools/bin/xltools serve --host 0.0.0.0" in unit and "User=xltools" in unit
    env = (bundle / "xltools.env").read_text(encoding="utf-8")
    assert "XLTOOLS_TOKEN=" in env and "XLTOOLS_DISTRICT_TOKEN=" in env
    script = (bundle / "install.sh").read_text(encoding="utf-8")
    assert "--no-index --find-links" in script and "token_urlsafe" in script
    assert os.access(bundle / "install.sh", os.X_OK)
    assert "systemctl enable --now xltools" in (bundle / "安装说明.txt").read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_installs_offline_and_serves_on_loopback(bundle: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "opt-xltools"
    done = subprocess.run(["sh", str(bundle / "install.sh"), str(prefix)], capture_output=True, text=True,
                          timeout=600, env=_offline_env(XLTOOLS_NO_SYSTEMD="1", PYTHON=sys.executable))
    assert done.returncode == 0, done.stdout + done.stderr
    freeze = subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "show", "xltools-chaoyang"],
                            capture_output=True, text=True, env=_offline_env(), timeout=120)
    assert "Location: " + str(prefix) in freeze.stdout  # the venv's own copy, not this checkout
    charts = subprocess.run([str(prefix / "bin" / "python"), "-c", "import matplotlib.backends.backend_agg"],
                            capture_output=True, text=True, env=_offline_env(), timeout=120)
    assert charts.returncode == 0, charts.stderr  # the report extra came with the bundle
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(prefix / "bin" / "xltools"), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "1"], stdout=log, stderr=subprocess.STDOUT,
                              env=_offline_env(XLTOOLS_TOKEN="street-token-1", XLTOOLS_DISTRICT_TOKEN="district-2"),
                              cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = _get(url, "street-token-1")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert status == 200, (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
        assert _get(url, None) == 401
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
