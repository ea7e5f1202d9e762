"""Build the offline installer bundle for Windows (``make dist``).

    .venv/bin/python installer/build_dist.py [--out dist] [--python 3.10 --python 3.11 ...]

``dist/`` gets the project's wheel, every dependency as a Windows 64-bit wheel for each supported
CPython, both templates, ``安装.bat`` and ``安装说明.txt``. The dependency set is resolved *for
Windows* by uv (``uv pip compile --python-platform x86_64-pc-windows-msvc``): ``pip download
--platform`` evaluates markers such as ``platform_system == "Windows"`` for the machine it runs on
and would leave out pywin32, which xlwings needs on Windows. The wheels of each version's lock are
then fetched with ``pip download --no-deps --platform win_amd64``, and :func:`verify` proves the
bundle complete: uv resolves and installs (dry run) the project for Windows from ``wheels/`` alone,
with no index, for every version.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
WINDOWS = "x86_64-pc-windows-msvc"
TEMPLATES = ("朝阳区项目支出绩效自评表.xlsx", "朝阳区项目支出绩效自评表.xlsm")
INSTALLER, GUIDE = "安装.bat", "安装说明.txt"
#: The report PC's installer: calls 安装.bat with ``report`` (the bundle carries the report extra's wheels; only
#: the PC that makes the 自评汇总分析 installs them, since xlwings imports matplotlib whenever it is there).
REPORT_INSTALLER = "安装含报告.bat"
#: The extras whose wheels the bundles carry and prove (report: matplotlib for the 自评汇总分析's charts). The
#: Windows 安装.bat installs without them (a clerk's PC), 安装含报告.bat with them; the Linux server bundle with them.
EXTRAS = ("report",)


#: ``uv pip compile --python-version 3.12`` on a machine without CPython 3.12 otherwise tries to download one
#: (about 30 s of retries when that host is unreachable) only to fall back to the target version it was given:
#: the lock is the same without it.
NO_INTERPRETER = ("--no-python-downloads",)


class BundleError(RuntimeError):
    """A step of the build failed (its output says why)."""


def distribution_name() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]


def requirement() -> str:
    """What the bundles install: the project with :data:`EXTRAS` (``xltools-chaoyang[report]``)."""
    return f"{distribution_name()}[{','.join(EXTRAS)}]"


def extra_args() -> list[str]:
    """``uv pip compile`` arguments that resolve :data:`EXTRAS` too."""
    return [arg for extra in EXTRAS for arg in ("--extra", extra)]


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        raise BundleError("uv is not installed: pip install uv (it is in the test extra)")
    return found


def _run(args: list[str], **kwargs: object) -> str:
    """Run a build tool; its whole output (uv reports on stderr), or :class:`BundleError` with it."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise BundleError(f"{' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def _pip_env() -> dict[str, str]:
    """pip without this machine's configuration (its extra indexes and find-links)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def lock(python: str, out: Path) -> Path:
    """The project's dependencies resolved for Windows 64-bit and ``python``, pinned."""
    target = out / "requirements" / f"py{python}.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    _run([_uv(), "pip", "compile", str(ROOT / "pyproject.toml"), "--python-platform", WINDOWS,
          "--python-version", python, *extra_args(), *NO_INTERPRETER, "--no-header", "--no-annotate", "--quiet",
          "-o", str(target)])
    return target


def pins(requirements: Path) -> list[tuple[str, str]]:
    """``name==version`` lines of a lock, as (normalised name, version)."""
    out = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            out.append((canonicalize_name(name), version.split(";", 1)[0].strip()))
    return out


def has_wheel(wheels: Path, name: str, version: str, python: str) -> bool:
    """Whether ``wheels`` holds a wheel of ``name`` ``version`` that installs on Windows 64-bit CPython ``python``."""
    major, minor = (int(part) for part in python.split("."))
    accepted = set(cpython_tags((major, minor), platforms=["win_amd64"])) | set(
        compatible_tags((major, minor), f"cp{major}{minor}", ["win_amd64"]))
    for path in wheels.glob("*.whl"):
        wheel_name, wheel_version, _, tags = parse_wheel_filename(path.name)
        if wheel_name == name and str(wheel_version) == version and tags & accepted:
            return True
    return False


def download(requirements: Path, python: str, wheels: Path) -> list[str]:
    """The pinned wheels for Windows 64-bit CPython ``python`` that ``wheels`` does not hold yet."""
    missing = [f"{name}=={version}" for name, version in pins(requirements)
               if not has_wheel(wheels, name, version, python)]
    if missing:
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
              "--platform", "win_amd64", "--python-version", python, "--implementation", "cp",
              "-d", str(wheels), *missing], env=_pip_env())
    return missing


def project_wheel(wheels: Path) -> Path:
    before = set(wheels.glob("*.whl"))
    _run([_uv(), "build", "--wheel", "--quiet", "--out-dir", str(wheels), str(ROOT)])
    made = [p for p in wheels.glob("*.whl") if p.name.startswith(distribution_name().replace("-", "_") + "-")]
    if not made:
        raise BundleError(f"no wheel of {distribution_name()} in {wheels} (had {sorted(before)})")
    return made[0]


def write_texts(out: Path) -> None:
    """安装.bat and 安装含报告.bat in GBK (what cmd.exe reads on a Chinese Windows), 安装说明.txt in UTF-8 with BOM; CRLF."""
    for source, name in (("install.bat", INSTALLER), ("install_report.bat", REPORT_INSTALLER)):
        bat = (HERE / source).read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
        (out / name).write_bytes(bat.encode("gbk"))
    guide = (HERE / "install_guide.txt").read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    (out / GUIDE).write_bytes(guide.encode("utf-8-sig"))


def verify(out: Path, pythons: tuple[str, ...] = PYTHONS) -> dict[str, str]:
    """Resolve and dry-run install the project for Windows from ``out/wheels`` alone, per version.

    Returns uv's report per version; raises :class:`BundleError` when anything is missing.
    """
    reports = {}
    for python in pythons:
        target = out / ".verify" / python
        reports[python] = _run([_uv(), "pip", "install", "--dry-run", "--no-index", "--no-cache",
                                "--find-links", str(out / "wheels"), "--python-platform", WINDOWS,
                                "--python-version", python, "--target", str(target), requirement()],
                               env={**os.environ, "UV_NO_CONFIG": "1"})
        shutil.rmtree(out / ".verify", ignore_errors=True)
    return reports


def collect_wheels(out: Path, pythons: tuple[str, ...], lock_for: Callable[[str, Path], Path] = lock,
                   download_for: Callable[[Path, str, Path], list[str]] = download) -> Path:
    """``out/wheels``: the project's wheel (an older one removed) and every dependency's wheel, locked per Python
    version by ``lock_for`` and fetched by ``download_for`` (this module's Windows ones, or the Linux bundle's)."""
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for old in wheels.glob(distribution_name().replace("-", "_") + "-*.whl"):
        old.unlink()
    project_wheel(wheels)
    with ThreadPoolExecutor(max_workers=len(pythons)) as pool:  # the resolver mostly waits on the index
        locks = list(pool.map(lambda python: lock_for(python, out), pythons))
        # pip download too: one staging folder per version (no two pips write one file), then into wheels/
        staged = list(pool.map(lambda job: _stage(download_for, job[1], job[0], wheels, out / ".download" / job[0]),
                               zip(pythons, locks)))
    for folder in staged:
        for path in sorted(folder.glob("*.whl")):
            if not (wheels / path.name).exists():
                path.replace(wheels / path.name)
    shutil.rmtree(out / ".download", ignore_errors=True)
    return wheels


def _stage(download_for: Callable[[Path, str, Path], list[str]], requirements: Path, python: str, wheels: Path,
           folder: Path) -> Path:
    """``folder`` with the wheels ``python``'s lock needs that ``wheels`` does not hold yet (found through
    ``download_for``, which looks into the folder it fills: ``wheels``' files are hard-linked in first)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    have = {path.name for path in wheels.glob("*.whl")}
    for name in have:
        os.link(wheels / name, folder / name)
    download_for(requirements, python, folder)
    for name in have:
        (folder / name).unlink()
    return folder


def build(out: Path, pythons: tuple[str, ...] = PYTHONS) -> Path:
    collect_wheels(out, pythons)
    for name in TEMPLATES:
        shutil.copy2(ROOT / "workbook_templates" / name, out / name)
    write_texts(out)
    verify(out, pythons)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the offline Windows installer bundle")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--python", action="append", help="CPython versions (default: 3.10–3.13)")
    args = parser.parse_args()
    pythons = tuple(args.python or PYTHONS)
    out = build(args.out, pythons)
    wheels = sorted(p.name for p in (out / "wheels").glob("*.whl"))
    print(f"{out}: {len(wheels)} wheels for CPython {', '.join(pythons)} on Windows 64-bit; "
          f"resolves offline for every version")
    for name in wheels:
        print(f"  {name}")


if __name__ == "__main__":
    main()
