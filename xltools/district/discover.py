"""Finding the files of a district run: every file under the inputs, each with why it is skipped (if it is)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from xltools.core.errors import UserError, os_reason
from xltools.io.archives import archive_members, is_archive_name, member_task
from xltools.io.reader import ReadError
from xltools.io.seam import SPREADSHEET_SUFFIXES
from xltools.io.wordform import WORD_SUFFIXES

__all__ = ["CombineError", "InputFile", "discover", "shown_name", "EXCEL_SUFFIXES", "READ_SUFFIXES", "ARCHIVE_SUFFIXES",
           "member_skip_reason", "with_members"]

EXCEL_SUFFIXES = SPREADSHEET_SUFFIXES
#: Names a run reads (the reader seam decides from the content how, or refuses with the next step): every
#: spreadsheet, Word forms (io/wordform.WordReader; a 说明.docx that is no form is listed 非本模板 with the
#: next step), and what offices send instead of one (a PDF or a photo of the form).
READ_SUFFIXES = (*SPREADSHEET_SUFFIXES, *WORD_SUFFIXES, ".pdf", ".png", ".jpg", ".jpeg")
#: Archives whose members a run reads (mail attachments), each member shown as ``archive.zip/path``.
ARCHIVE_SUFFIXES = (".zip",)


class CombineError(UserError):
    """The run cannot start or finish (bad arguments, output exists); message in Chinese."""


def member_skip_reason(name: str) -> str | None:
    """Why a member of an archive is not read (as for a file; a nested archive is not opened)."""
    if name.startswith("__MACOSX/") or "/." in f"/{name}":
        return "隐藏文件或 macOS 附带的资源文件"
    if os.path.splitext(name)[1].lower() in ARCHIVE_SUFFIXES:
        return "压缩包中的压缩包不展开；请解压后直接提交其中的工作簿"
    return _skip_reason(name)


def _skip_reason(path: str) -> str | None:
    """Why a file is not read, or ``None`` for a workbook to read."""
    name = os.path.basename(path)
    suffix = os.path.splitext(name)[1].lower()
    if name.startswith("~$"):
        return "Excel 锁定文件（有人打开该工作簿时自动生成），不是填报文件"
    if name.startswith("."):
        return "隐藏文件"
    if name.startswith("~") or name.endswith("~") or suffix in (".tmp", ".temp", ".bak", ".wbk"):
        return "临时或备份文件"
    if suffix in READ_SUFFIXES or suffix in ARCHIVE_SUFFIXES:
        return None
    if suffix == ".csv":
        return ".csv 格式不能汇总；请用本模板（.xlsx）填写后重新提交"
    return "不是 Excel 工作簿或 Word 自评表（只汇总 .xlsx、.xlsm、.xls、.et、.ods、.xlsb、.docx、.doc、.wps）"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One entry found under the inputs: where it is (``path``: a file's real path, a folder's path as
    found; as text), how the summary names it, why it is skipped (``skip``) or why it cannot be read at
    all (``problem``: a folder that cannot be opened).

    Slotted, and the path kept as the text the walk made (not a ``Path``): a district run lists tens of
    thousands of these, and the main process holds them until the workers start (issue 17: its peak
    memory is to stay flat in the number of files)."""

    path: str
    shown: str
    skip: str | None
    problem: str | None = None


def shown_name(name: str) -> str:
    """A file name as the summary shows it: bytes that are not UTF-8 as escapes (``\\xff``)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def discover(inputs: Iterable[Path | str], output: Path | None = None) -> list[InputFile]:
    """Every file under ``inputs`` (folders recursively, linked folders too; hidden folders not
    entered), sorted, with the reason it is skipped (``None`` = read it). The output file and its
    temporary files are left out. A folder that cannot be opened is an entry with a ``problem``;
    a linked folder already searched (a link loop) an entry with a ``skip`` reason — nothing under
    the inputs goes unlisted.

    A file in a folder is shown as ``folder/sub/file.xlsx`` (relative to the folder's parent)."""
    # real path -> (shown name, why it is skipped): a file is judged by the name it was found by (a link
    # named x.xlsx is read, and refused if special)
    found: dict[str, tuple[str, str | None]] = {}
    entries: list[InputFile] = []
    out = os.path.realpath(output) if output else None

    def add(path: str, shown: str, real: str | None = None) -> None:
        real = real or os.path.realpath(path)
        if out is not None and (real == out or (os.path.dirname(real) == os.path.dirname(out)
                                                and os.path.basename(real).startswith(f".~{Path(out).stem}."))):
            return
        if real not in found:
            found[real] = (shown, _skip_reason(path))

    for item in inputs:
        root = Path(item)
        if root.is_dir():
            _walk(str(root), shown_name(root.resolve().name), add, entries)
        elif root.is_file() or os.path.lexists(root):
            add(str(root), shown_name(str(root)))
        else:
            raise CombineError(f"找不到输入文件或文件夹：{shown_name(str(root))}")
    if len({shown for shown, _ in found.values()}) < len(found):  # two folders of the same name: full paths
        found = {real: (shown_name(real), skip) for real, (_, skip) in found.items()}
    files = [InputFile(real, shown, skip) for real, (shown, skip) in found.items()]
    return sorted(files + entries, key=lambda f: f.shown)


def _walk(top: str, shown_top: str, add: Callable[[str, str, str | None], None], entries: list[InputFile]) -> None:
    """Files under the folder ``top`` into ``add`` (with its real path when it is no link: the folder's real path
    and its name, instead of resolving every component of every file's path again); folders that cannot be opened
    or that were searched already (link loops) into ``entries``."""
    seen: dict[str, str] = {}
    stack = [(top, shown_top)]
    while stack:
        folder, shown = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:
            entries.append(InputFile(folder, f"{shown}/", f"链接指向已查找过的文件夹「{seen[real]}」"
                                                               "（循环链接），其中的文件已经列出，不重复查找"))
            continue
        seen[real] = shown
        try:
            with os.scandir(folder) as scan:
                children = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            entries.append(InputFile(folder, f"{shown}/", None,
                                     f"无法打开文件夹：{os_reason(exc)}；其中的文件没有汇总"))
            continue
        folders = []
        for entry in children:
            child_shown = f"{shown}/{shown_name(entry.name)}"
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                if not entry.name.startswith((".", "__MACOSX")):
                    folders.append((entry.path, child_shown))
            else:
                try:
                    link = entry.is_symlink()
                except OSError:
                    link = True  # os.path.realpath says what it can
                add(entry.path, child_shown, None if link else os.path.join(real, entry.name))
        stack.extend(reversed(folders))


def with_members(found: Iterable[InputFile]) -> Iterator[tuple[InputFile, bool, str]]:
    """(entry, inside an archive, fate when it cannot be read) of the files found, each archive replaced by
    its members (``archive.zip/path``, the task path of :func:`xltools.io.archives.member_task`) in name order."""
    for item in found:
        if item.skip is not None or item.problem is not None or not is_archive_name(item.path):
            yield item, False, "unreadable"
            continue
        try:
            members = archive_members(item.path)
        except ReadError as exc:
            yield InputFile(item.path, item.shown, None, exc.reason), False, exc.fate
            continue
        if not members:
            yield InputFile(item.path, item.shown, "压缩包是空的，没有可汇总的文件"), False, "unreadable"
            continue
        for member in sorted(members, key=lambda m: m.name):
            yield (InputFile(member_task(item.path, member), f"{item.shown}/{shown_name(member.name)}",
                             member_skip_reason(member.name)), True, "unreadable")
