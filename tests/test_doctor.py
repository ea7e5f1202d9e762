"""``xltools doctor``: on this Linux machine for real, and the Windows checks with the values a
Windows PC gives (an XLSTART folder, xlwings.conf, the Excel.Application registration)."""

from __future__ import annotations

import importlib.metadata
import sys
import types
from pathlib import Path

import pytest

import xltools
from xltools.cli import main
from xltools.excel import doctor
from xltools.excel.doctor import Environment, diagnose, excel_registration, render

EXCEL = r'"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" /automation'
WPS = r'"C:\Users\a\AppData\Local\Kingsoft\WPS Office\12.1.0.17827\office6\et.exe" /Automation'


def test_on_this_machine_it_reports_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert not sys.platform.startswith("win")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}" in out
    assert f"xltools              {xltools.__version__}（安装名 xltools-chaoyang" in out
    assert importlib.metadata.version("xlwings") in out
    assert out.count("不适用") == 3  # add-in, its interpreter, the registration: Windows only
    assert "结论：没有发现问题。" in out


def windows_pc(tmp_path: Path, *, addin: bytes | None = b"xlam 0.37.8", conf: str = "",
               server: str | None = EXCEL, python_on_path: str | None = None,
               versions: dict[str, str] | None = None) -> Environment:
    appdata, home = tmp_path / "AppData" / "Roaming", tmp_path / "home"
    (home / ".xlwings").mkdir(parents=True)
    if conf:
        (home / ".xlwings" / "xlwings.conf").write_text(conf, encoding="utf-8")
    package_addin = tmp_path / "site-packages" / "xlwings" / "addin" / "xlwings.xlam"
    package_addin.parent.mkdir(parents=True)
    package_addin.write_bytes(b"xlam 0.37.8")
    if addin is not None:
        xlstart = appdata / "Microsoft" / "Excel" / "XLSTART"
        xlstart.mkdir(parents=True)
        (xlstart / "xlwings.xlam").write_bytes(addin)
    exe = tmp_path / "Python311" / "python.exe"
    exe.parent.mkdir()
    exe.write_bytes(b"")
    known = {"xltools-chaoyang": "0.1.0", "xlwings": "0.37.8", "pywin32": "311"} if versions is None else versions
    return Environment(platform="win32", python=(3, 11, 9), bits=64, executable=str(exe), home=home,
                       appdata=appdata, version_of=known.get, package_addin=lambda: package_addin,
                       which=lambda name: python_on_path or str(exe), registration=lambda: server)


def by_label(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.label: c for c in checks}


def test_a_complete_windows_pc(tmp_path: Path) -> None:
    checks = by_label(diagnose(windows_pc(tmp_path, conf='"USE UDF SERVER","True"\n')))
    assert {k: c.status for k, c in checks.items()} == {
        "Python": "ok", "xltools": "ok", "xlwings": "ok", "pywin32": "ok", "Excel 加载项": "ok",
        "加载项使用的 Python": "ok", "Use UDF Server": "ok", "Excel.Application": "ok"}
    assert "与 Python 端的 xlwings 0.37.8 一致" in checks["Excel 加载项"].found
    assert "结论：没有发现问题。" in render(list(checks.values()))


def test_excel_application_registered_to_wps(tmp_path: Path) -> None:
    check = by_label(diagnose(windows_pc(tmp_path, server=WPS)))["Excel.Application"]
    assert check.status == "warning" and "登记为 WPS" in check.found and "excel.exe /regserver" in check.advice


def test_no_excel_at_all(tmp_path: Path) -> None:
    check = by_label(diagnose(windows_pc(tmp_path, server=None)))["Excel.Application"]
    assert check.status == "missing" and "xltools serve" in check.advice


def test_addin_missing_or_of_another_version(tmp_path: Path) -> None:
    missing = by_label(diagnose(windows_pc(tmp_path / "a", addin=None)))["Excel 加载项"]
    assert missing.status == "missing" and "安装.bat" in missing.advice
    other = by_label(diagnose(windows_pc(tmp_path / "b", addin=b"xlam 0.36.0")))["Excel 加载项"]
    assert other.status == "warning" and "不一致" in other.found


def test_the_interpreter_the_addin_will_use(tmp_path: Path) -> None:
    conf = '"INTERPRETER_WIN","C:\\Anaconda3\\python.exe"\n'
    check = by_label(diagnose(windows_pc(tmp_path / "a", conf=conf)))["加载项使用的 Python"]
    assert check.status == "warning" and "C:\\Anaconda3\\python.exe" in check.found
    assert "xlwings.conf" in check.found and "Interpreter" in check.advice
    elsewhere = by_label(diagnose(windows_pc(tmp_path / "b", python_on_path=r"C:\Windows\py.exe")))
    assert elsewhere["加载项使用的 Python"].status == "warning" and "PATH" in elsewhere["加载项使用的 Python"].found
    assert elsewhere["Use UDF Server"].status == "info" and "Restart UDF Server" in elsewhere["Use UDF Server"].advice


def test_missing_packages_and_the_foreign_xltools(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = windows_pc(tmp_path, versions={"xltools": "0.1"})
    checks = by_label(diagnose(env))
    assert checks["xlwings"].status == "missing" and checks["pywin32"].status == "missing"
    assert checks["名为 xltools 的安装"].status == "warning"
    assert "pip uninstall xltools" in checks["名为 xltools 的安装"].advice
    assert checks["xltools"].status == "warning"
    text = render(list(checks.values()))
    assert "[缺少] xlwings" in text and "需要处理" in text


def test_unsupported_python(tmp_path: Path) -> None:
    env = windows_pc(tmp_path)
    env.python, env.bits = (3, 9, 13), 32
    check = by_label(diagnose(env))["Python"]
    assert check.status == "warning" and "32 位" in check.found and "3.10–3.13" in check.advice


def test_registration_read_from_the_registry() -> None:
    """excel_registration follows Excel.Application's CLSID to its LocalServer32, as winreg gives them."""
    values = {r"Excel.Application\CLSID": "{00024500-0000-0000-C000-000000000046}",
              r"CLSID\{00024500-0000-0000-C000-000000000046}\LocalServer32": WPS}

    def query(root: object, key: str) -> str:
        assert root == "HKCR"
        if key not in values:
            raise FileNotFoundError(key)
        return values[key]

    fake = types.SimpleNamespace(HKEY_CLASSES_ROOT="HKCR", QueryValue=query)
    assert excel_registration(fake) == WPS
    assert excel_registration(types.SimpleNamespace(HKEY_CLASSES_ROOT="HKCR", QueryValue=lambda r, k: query(r, "x"))) is None
