"""Build the offline bundle for a Linux intranet server (``make dist`` writes it to ``dist/linux``).

    .venv/bin/python installer/build_linux.py [--out dist/linux] [--python 3.10 --python 3.11 ...]

``dist/linux/`` gets the project's wheel, every dependency as a manylinux x86-64 wheel for each
supported CPython (resolved by uv for ``x86_64-manylinux_2_28``: glibc 2.28 or newer, e.g. RHEL/Rocky 8,
Kylin V10, UOS 20, Debian 10, Ubuntu 20.04), ``xltools.service`` (systemd), ``xltools.env`` (the
tokens), ``install.sh`` and ``安装说明.txt``. ``pip install /path/to/xltools`` from a source tree cannot
work offline (pip fetches the build backend first): the bundle carries the built wheel. :func:`verify`
proves it complete for every version from ``wheels/`` alone, with no index; the tests also install it
into a fresh venv and start ``xltools serve``.

The helpers (locking, wheel lookup, the project wheel) are :mod:`build_dist`'s, with Linux tags.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_dist  # noqa: E402
from build_dist import BundleError, pins  # noqa: E402

HERE = Path(__file__).resolve().parent
PYTHONS = build_dist.PYTHONS
LINUX = "x86_64-manylinux_2_28"
#: Wheel platform tags a glibc-2.28 x86-64 machine accepts, newest first (what pip download asks for).
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_26_x86_64", "manylinux_2_24_x86_64",
             "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_12_x86_64", "manylinux2010_x86_64",
             "manylinux_2_5_x86_64", "manylinux1_x86_64")
FILES = {"install.sh": "install.sh", "xltools.service": "xltools.service", "xltools.env": "xltools.env",
         "linux_guide.txt": "安装说明.txt"}


def lock(python: str, out: Path) -> Path:
    """The project's dependencies resolved for manylinux x86-64 and ``python``, pinned."""
    target = out / "requirements" / f"py{python}.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    build_dist._run([build_dist._uv(), "pip", "compile", str(build_dist.ROOT / "pyproject.toml"),
                     "--python-platform", LINUX, "--python-version", python, *build_dist.extra_args(),
                     *build_dist.NO_INTERPRETER, "--no-header", "--no-annotate", "--quiet", "-o", str(target)])
    return target


def has_wheel(wheels: Path, name: str, version: str, python: str) -> bool:
    """Whether ``wheels`` holds a wheel of ``name`` ``version`` that installs on manylinux x86-64 CPython ``python``."""
    major, minor = (int(part) for part in python.split("."))
    accepted = set(cpython_tags((major, minor), platforms=list(PLATFORMS))) | set(
        compatible_tags((major, minor), f"cp{major}{minor}", list(PLATFORMS)))
    for path in wheels.glob("*.whl"):
        wheel_name, wheel_version, _, tags = parse_wheel_filename(path.name)
        if wheel_name == canonicalize_name(name) and str(wheel_version) == version and tags & accepted:
            return True
    return False


def download(requirements: Path, python: str, wheels: Path) -> list[str]:
    """The pinned wheels for manylinux x86-64 CPython ``python`` that ``wheels`` does not hold yet."""
    missing = [f"{name}=={version}" for name, version in pins(requirements)
               if not has_wheel(wheels, name, version, python)]
    if missing:
        platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
        build_dist._run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                         *platforms, "--python-version", python, "--implementation", "cp",
                         "-d", str(wheels), *missing], env=build_dist._pip_env())
    return missing


def verify(out: Path, pythons: tuple[str, ...] = PYTHONS) -> dict[str, str]:
    """Resolve and dry-run install the project for manylinux x86-64 from ``out/wheels`` alone, per version."""
    reports = {}
    for python in pythons:
        target = out / ".verify" / python
        reports[python] = build_dist._run(
            [build_dist._uv(), "pip", "install", "--dry-run", "--no-index", "--no-cache",
             "--find-links", str(out / "wheels"), "--python-platform", LINUX, "--python-version", python,
             "--target", str(target), build_dist.requirement()], env={**os.environ, "UV_NO_CONFIG": "1"})
        shutil.rmtree(out / ".verify", ignore_errors=True)
    return reports


def write_files(out: Path) -> None:
    """install.sh (executable), the systemd unit, the token file and the guide; LF line ends, UTF-8."""
    for source, name in FILES.items():
        target = out / name
        target.write_bytes((HERE / "linux" / source).read_bytes().replace(b"\r\n", b"\n"))
    (out / "install.sh").chmod(0o755)


def build(out: Path, pythons: tuple[str, ...] = PYTHONS) -> Path:
    build_dist.collect_wheels(out, pythons, lock, download)
    write_files(out)
    verify(out, pythons)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the offline Linux server bundle")
    parser.add_argument("--out", type=Path, default=build_dist.ROOT / "dist" / "linux")
    parser.add_argument("--python", action="append", help="CPython versions (default: 3.10–3.13)")
    args = parser.parse_args()
    pythons = tuple(args.python or PYTHONS)
    try:
        out = build(args.out, pythons)
    except BundleError as exc:
        raise SystemExit(f"build failed:\n{exc}") from None
    wheels = sorted(p.name for p in (out / "wheels").glob("*.whl"))
    print(f"{out}: {len(wheels)} wheels for CPython {', '.join(pythons)} on Linux x86-64 (glibc ≥ 2.28); "
          f"resolves offline for every version")


if __name__ == "__main__":
    main()
