"""The offline installer bundle (``make dist``): built once per session from the package index,
then proven complete for Windows 64-bit CPython 3.10–3.13 from its own wheels alone.

The build needs the package index (it downloads the Windows wheels); the downloaded wheels are
kept under ``build/dist-test`` so a later run fetches only what changed. Nothing here is skipped
when a tool or the network is missing: the bundle is what district IT installs from.
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))

import build_dist  # noqa: E402

PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@pytest.fixture(scope="session")
def bundle() -> Path:
    out = ROOT / "build" / "dist-test"
    return build_dist.build(out, PYTHONS)


def test_distribution_name_is_ours(bundle: Path) -> None:
    """`xltools` on the package index is an unrelated project; ours installs as xltools-chaoyang."""
    assert build_dist.distribution_name() == "xltools-chaoyang"
    wheel = next((bundle / "wheels").glob("xltools_chaoyang-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(meta_name).decode("utf-8"))
        assert "xltools/addin.py" in zf.namelist() and "xltools/excel/udfs.py" in zf.namelist()
    assert meta["Name"] == "xltools-chaoyang"


@pytest.mark.parametrize("python", PYTHONS)
def test_resolves_offline_for_windows(bundle: Path, python: str) -> None:
    """uv resolves for Windows (markers such as platform_system == "Windows" included) from the bundle only."""
    report = build_dist.verify(bundle, (python,))[python]
    for name in ("xltools-chaoyang", "xlwings", "pywin32", "pydantic-core", "openpyxl", "xlsxwriter",
                 "python-calamine", "isal", "matplotlib", "numpy", "pillow"):  # the report extra: matplotlib
        assert f" + {name}==" in report, (name, report)
    assert (" + tomli==" in report) == (python == "3.10")


@pytest.mark.parametrize("python", PYTHONS)
def test_every_pinned_wheel_installs_on_windows(bundle: Path, python: str, tmp_path: Path) -> None:
    """pip, no index, the bundle only: each pinned requirement (pywin32 included) has a wheel for win_amd64."""
    lock = bundle / "requirements" / f"py{python}.txt"
    assert "pywin32==" in lock.read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")} | {"PIP_CONFIG_FILE": os.devnull}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--find-links", str(bundle / "wheels"),
         "--platform", "win_amd64", "--python-version", python, "--implementation", "cp", "--only-binary=:all:",
         "--no-deps", "--target", str(tmp_path / "t"), "-r", str(lock), "xltools-chaoyang"],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "pywin32-" in done.stdout and "xltools-chaoyang-" in done.stdout.replace("_", "-")


def test_a_missing_windows_wheel_is_caught(bundle: Path, tmp_path: Path) -> None:
    """The proof can fail: without pywin32's cp312 wheel the bundle does not resolve for 3.12."""
    partial = tmp_path / "partial"
    shutil.copytree(bundle / "wheels", partial / "wheels")
    for wheel in (partial / "wheels").glob("pywin32-*-cp312-*.whl"):
        wheel.unlink()
    with pytest.raises(build_dist.BundleError, match="pywin32"):
        build_dist.verify(partial, ("3.12",))
    build_dist.verify(partial, ("3.11",))  # the others still resolve


def test_templates_and_texts(bundle: Path) -> None:
    for name in build_dist.TEMPLATES:
        assert (bundle / name).read_bytes() == (ROOT / "workbook_templates" / name).read_bytes()
    bat = (bundle / "安装.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")
    text = bat.decode("gbk")  # cmd.exe on a Chinese Windows reads code page 936
    assert "--no-index --find-links" in text and '"%WHAT%"' in text
    # a clerk's PC gets no report extra (xlwings imports matplotlib whenever it is installed: every click slower);
    # 安装含报告.bat passes "report", which alone switches the extra on
    assert 'set "WHAT=xltools-chaoyang"\r\n' in text
    assert 'if /i "%~1"=="report" set "WHAT=xltools-chaoyang[report]"' in text
    report_bat = (bundle / build_dist.REPORT_INSTALLER).read_bytes()
    assert b"\n" not in report_bat.replace(b"\r\n", b"")
    assert 'call "%~dp0安装.bat" report' in report_bat.decode("gbk")
    assert "'addin', 'install'" in text and "-m xltools doctor" in text
    assert text.index("--no-index") < text.index("'addin', 'install'")
    # an old distribution named xltools owns the same import package: removed before installing
    assert text.index("pip uninstall -y xltools") < text.index("--no-index")
    guide = (bundle / "安装说明.txt").read_bytes()
    assert guide.startswith(b"\xef\xbb\xbf")
    guide_text = guide.decode("utf-8-sig")
    for needed in ("安装.bat", "安装含报告.bat", "matplotlib", "不需要连接互联网", "xlwings addin install", "Use UDF Server", "Restart UDF Server",
                   "WPS", "xltools check", "--annotate", "xltools serve", "xltools doctor"):
        assert needed in guide_text, needed
