"""What is installed on this PC for the Excel button, and what is missing (``xltools doctor``).

Everything the diagnosis reads comes through :class:`Environment`, so the Windows checks (the add-in
in XLSTART, xlwings.conf, the ``Excel.Application`` registration) run in tests on any system with
the values a Windows PC would give. Nothing here imports xlwings: its version and its own copy of
the add-in are found through the package metadata.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import struct
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import xltools

__all__ = ["Check", "Environment", "diagnose", "excel_registration", "installed_version", "render",
           "DISTRIBUTION", "FOREIGN_DISTRIBUTION", "SUPPORTED_PYTHONS"]

DISTRIBUTION = "xltools-chaoyang"
#: The unrelated project that owns the name ``xltools`` on the public package index (and this
#: project's own name before it was renamed): both install the import package ``xltools``.
FOREIGN_DISTRIBUTION = "xltools"
SUPPORTED_PYTHONS = ((3, 10), (3, 11), (3, 12), (3, 13))
ADDIN = "xlwings.xlam"

Status = Literal["ok", "missing", "warning", "info"]
MARK = {"ok": "正常", "missing": "缺少", "warning": "注意", "info": "说明"}


@dataclass(frozen=True)
class Check:
    """One line of the report: what was looked at, what was found, and what to do about it."""

    label: str
    found: str
    status: Status
    advice: str = ""


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _package_addin() -> Path | None:
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "addin" / ADDIN
    return path if path.is_file() else None


def excel_registration(winreg: object | None = None) -> str | None:
    """The program registered for ``Excel.Application`` (its LocalServer32 command), or ``None``."""
    if winreg is None:
        import winreg  # type: ignore[import-not-found,no-redef]  # Windows only
    root = winreg.HKEY_CLASSES_ROOT  # type: ignore[attr-defined]
    try:
        clsid = winreg.QueryValue(root, r"Excel.Application\CLSID")  # type: ignore[attr-defined]
        return winreg.QueryValue(root, rf"CLSID\{clsid}\LocalServer32")  # type: ignore[attr-defined]
    except OSError:
        return None


@dataclass
class Environment:
    """What the diagnosis reads (defaults: this PC)."""

    platform: str = sys.platform
    python: tuple[int, int, int] = tuple(sys.version_info[:3])  # type: ignore[assignment]
    bits: int = struct.calcsize("P") * 8
    executable: str = sys.executable
    home: Path = field(default_factory=lambda: Path(os.environ.get("USERPROFILE") or Path.home()))
    appdata: Path | None = field(default_factory=lambda: Path(os.environ["APPDATA"]) if os.environ.get("APPDATA")
                                 else None)
    version_of: Callable[[str], str | None] = installed_version
    package_addin: Callable[[], Path | None] = _package_addin
    which: Callable[[str], str | None] = shutil.which
    registration: Callable[[], str | None] = excel_registration

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")


def _python(env: Environment) -> Check:
    version = ".".join(map(str, env.python))
    found = f"{version}（{env.bits} 位）{env.executable}"
    if env.python[:2] in SUPPORTED_PYTHONS and env.bits == 64:
        return Check("Python", found, "ok")
    return Check("Python", found, "warning", "离线安装包只含 64 位 Python 3.10–3.13 的组件：请安装其中一个版本")


def _xltools(env: Environment) -> list[Check]:
    mine = env.version_of(DISTRIBUTION)
    checks = [Check("xltools", f"{xltools.__version__}（安装名 {DISTRIBUTION} {mine or '未登记'}）",
                    "ok" if mine else "warning", "" if mine else "请用离线安装包中的“安装.bat”安装")]
    foreign = env.version_of(FOREIGN_DISTRIBUTION)
    if foreign:
        checks.append(Check("名为 xltools 的安装", f"xltools {foreign}（本工具改名前的安装，或公共软件源上的同名项目）",
                            "warning", "它与本工具占用同一个导入名：请运行 pip uninstall xltools，再运行“安装.bat”"))
    return checks


def _xlwings(env: Environment) -> list[Check]:
    version = env.version_of("xlwings")
    checks = [Check("xlwings", version or "未安装", "ok" if version else "missing",
                    "" if version else "请运行离线安装包中的“安装.bat”")]
    if env.windows:
        pywin32 = env.version_of("pywin32")
        checks.append(Check("pywin32", pywin32 or "未安装", "ok" if pywin32 else "missing",
                            "" if pywin32 else "xlwings 在 Windows 上需要它：请运行“安装.bat”"))
    return checks


def _addin(env: Environment, xlwings_version: str | None) -> Check:
    if not env.windows:
        return Check("Excel 加载项", "不适用：xlwings 加载项只在 Windows（及 macOS）的 Microsoft Excel 中使用", "info")
    if env.appdata is None:
        return Check("Excel 加载项", "找不到 %APPDATA%", "warning", "请在登录后的用户桌面中运行本命令")
    installed = env.appdata / "Microsoft" / "Excel" / "XLSTART" / ADDIN
    if not installed.is_file():
        return Check("Excel 加载项", f"未安装（{installed} 不存在）", "missing", "请关闭 Excel 后运行“安装.bat”")
    source = env.package_addin()
    if source is not None and source.read_bytes() == installed.read_bytes():
        return Check("Excel 加载项", f"{installed}，与 Python 端的 xlwings {xlwings_version} 一致", "ok")
    return Check("Excel 加载项", f"{installed}，与 Python 端的 xlwings {xlwings_version or '（未安装）'} 不一致",
                 "warning", "加载项和 Python 端的 xlwings 版本必须一致：请关闭 Excel 后重新运行“安装.bat”")


def read_xlwings_conf(path: Path) -> dict[str, str]:
    """xlwings.conf as the add-in reads it: lines of two quoted fields, keys in upper case."""
    config: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            values = re.findall(r'"([^"]*)"', line)
            if len(values) >= 2:
                config[values[0].upper()] = os.path.expandvars(values[1])
    return config


def _interpreter(env: Environment) -> list[Check]:
    if not env.windows:
        return [Check("加载项使用的 Python", "不适用：只在 Windows 上检查 xlwings 加载项将启动哪个 Python", "info")]
    conf_path = env.home / ".xlwings" / "xlwings.conf"
    conf = read_xlwings_conf(conf_path)
    configured = conf.get("INTERPRETER_WIN") or conf.get("INTERPRETER")
    label = "加载项使用的 Python"
    if configured and configured not in ("python", "pythonw"):
        source = f"（{conf_path} 中的 Interpreter 设置）"
        target = configured
    else:
        source = "（未设置 Interpreter：用 PATH 中的 python）"
        target = env.which("python") or ""
    checks: list[Check] = []
    if conf.get("CONDA PATH") and conf.get("CONDA ENV"):
        checks.append(Check(label, f"Conda 环境 {conf['CONDA ENV']}（{conf['CONDA PATH']}）", "info",
                            "确认 xltools 装在这个环境里"))
    elif not target:
        checks.append(Check(label, f"找不到{source}", "missing",
                            "请在 xlwings 选项卡的 Interpreter 中填写装有 xltools 的 python.exe 的完整路径"))
    elif _same_file(target, env.executable):
        checks.append(Check(label, f"{target}{source}，就是装有 xltools 的这个 Python", "ok"))
    else:
        checks.append(Check(label, f"{target}{source}", "warning",
                            f"xltools 装在 {env.executable} 的 Python 中：请在 xlwings 选项卡的 Interpreter 中填写它，"
                            "或在那个 Python 中运行“安装.bat”"))
    udf_server = conf.get("USE UDF SERVER", "").strip().lower() == "true"
    checks.append(Check("Use UDF Server", "已开启" if udf_server else "未开启", "ok" if udf_server else "info",
                        "" if udf_server else "推荐在 xlwings 选项卡勾选 Use UDF Server：第二次起点“检查评分”几乎立即完成；"
                        "升级后点 Restart UDF Server"))
    return checks


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _registration(env: Environment) -> Check:
    label = "Excel.Application"
    if not env.windows:
        return Check(label, "不适用：只在 Windows 上检查 Excel.Application 登记的是 Excel 还是 WPS", "info")
    server = env.registration()
    if not server:
        return Check(label, "未登记：本机没有安装 Microsoft Excel", "missing",
                     "“检查评分”按钮需要 Microsoft Excel；没有 Excel 时请使用模板的公式检查、"
                     "xltools check --annotate 生成的标注副本或 xltools serve 检查页面")
    lowered = server.lower()
    if "excel.exe" in lowered:
        return Check(label, f"登记为 Microsoft Excel：{server}", "ok")
    if any(mark in lowered for mark in ("wps", "kingsoft", "et.exe", "ksolaunch")):
        return Check(label, f"登记为 WPS：{server}", "warning",
                     "xlwings 通过 Excel.Application 连接 Excel，现在会连到 WPS 而失灵。请在 WPS 的“配置工具 → 高级 → "
                     "兼容设置”中取消 WPS 对 Microsoft Office 文件和接口的关联，或由管理员运行 excel.exe /regserver "
                     "把登记改回 Excel")
    return Check(label, f"登记为未知程序：{server}", "warning", "请由管理员运行 excel.exe /regserver")


def diagnose(env: Environment | None = None) -> list[Check]:
    env = env or Environment()
    xlwings_checks = _xlwings(env)
    return [_python(env), *_xltools(env), *xlwings_checks, _addin(env, env.version_of("xlwings")),
            *_interpreter(env), _registration(env)]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def render(checks: list[Check]) -> str:
    width = max(_display_width(c.label) for c in checks)
    lines = ["xltools 安装检查"]
    for check in checks:
        pad = " " * (width - _display_width(check.label))
        lines.append(f"  [{MARK[check.status]}] {check.label}{pad}  {check.found}")
        if check.advice:
            lines.append(f"{'':9}{'':{width}}  → {check.advice}")
    problems = [c for c in checks if c.status in ("missing", "warning")]
    lines.append(f"结论：{len(problems)} 项需要处理。" if problems else "结论：没有发现问题。")
    return "\n".join(lines)
