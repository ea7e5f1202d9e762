"""Finding the files of a district run: every file under the inputs, each with why it is skipped (if it is)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xltools.core.errors import UserError

__all__ = ["CombineError", "InputFile", "discover", "EXCEL_SUFFIXES"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class CombineError(UserError):
    """The run cannot start or finish (bad arguments, output exists); message in Chinese."""


def _skip_reason(path: Path) -> str | None:
    """Why a file is not read, or ``None`` for a workbook to read."""
    name, suffix = path.name, path.suffix.lower()
    if name.startswith("~$"):
        return "Excel 锁定文件（有人打开该工作簿时自动生成），不是填报文件"
    if name.startswith("."):
        return "隐藏文件"
    if name.startswith("~") or name.endswith("~") or suffix in (".tmp", ".temp", ".bak", ".wbk"):
        return "临时或备份文件"
    if suffix in EXCEL_SUFFIXES:
        return None
    if suffix in (".xls", ".et", ".ods", ".csv", ".xlsb"):
        return f"{suffix} 格式不能汇总；请用本模板（.xlsx）填写后重新提交"
    return "不是 Excel 工作簿（只汇总 .xlsx、.xlsm）"


@dataclass(frozen=True)
class InputFile:
    """One file found under the inputs: where it is, how the summary names it, why it is skipped."""

    path: Path
    shown: str
    skip: str | None


def discover(inputs: Iterable[Path | str], output: Path | None = None) -> list[InputFile]:
    """Every file under ``inputs`` (folders recursively; hidden folders not entered), sorted, with the
    reason it is skipped (``None`` = read it). The output file and its temporary files are left out.

    A file in a folder is shown as ``folder/sub/file.xlsx`` (relative to the folder's parent)."""
    found: dict[Path, str] = {}
    out = output.resolve() if output else None

    def add(resolved: Path, shown: str) -> None:
        if out is not None and (resolved == out or (resolved.parent == out.parent
                                                    and resolved.name.startswith(f".~{out.stem}."))):
            return
        found.setdefault(resolved, shown)

    for item in inputs:
        root = Path(item)
        if root.is_dir():
            base = root.resolve()
            # walking the resolved folder, every folder path below it is real (os.walk does not enter
            # linked folders), so only files that are links need resolving
            for folder, dirs, files in os.walk(base):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__MACOSX")))
                shown_folder = (Path(base.name) / Path(folder).relative_to(base)).as_posix()
                for name in files:
                    path = Path(folder, name)
                    add(path.resolve() if os.path.islink(path) else path, f"{shown_folder}/{name}")
        elif root.is_file():
            add(root.resolve(), str(root))
        else:
            raise CombineError(f"找不到输入文件或文件夹：{root}")
    if len(set(found.values())) < len(found):  # two folders of the same name: show full paths
        found = {path: str(path) for path in found}
    return sorted((InputFile(path, shown, _skip_reason(path)) for path, shown in found.items()),
                  key=lambda f: f.shown)
