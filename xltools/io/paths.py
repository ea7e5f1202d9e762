"""One rule for every path a command is given: declared once, checked against each other before anything is written.

A command declares what it reads (:meth:`Paths.read`: the positional inputs, ``--expect``,
``--policy``, ``--template`` …), what it writes (:meth:`Paths.write`: ``-o``, ``--json``,
``--annotate``, and with a folder :class:`Kind` ``--returns``) and the results store it reads and
writes (:meth:`Paths.store`), then calls :meth:`Paths.check` before reading anything. Refused
(:class:`~xltools.io.files.OutputPathError`, a Chinese message naming both arguments):

- an output that is any other argument, through a symbolic or a hard link as well;
- an output folder that holds, or is inside, any other argument;
- an output that a folder input would read as a submission (an annotated copy) inside an input folder,
  and an existing file in an input folder that is not of the output's own kind;
- an existing output without ``--force`` (:class:`~xltools.io.files.OutputExistsError`); with
  ``--force``, an existing file that is not of the output's own kind (:class:`Kind.recognise`) — a
  results store (SQLite, recognised by its first bytes) is never replaced by anything but itself.

Declaring one more input is one line: ``paths.read("--targets", args.targets)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xltools.core.profiles import PROFILES
from xltools.core.targets import TARGETS_SHEET
from xltools.form.layout import SHEET
from xltools.io.files import FileTooLargeError, OutputExistsError, OutputPathError, SpecialFileError, read_regular

__all__ = ["Kind", "Paths", "is_store", "policy_file", "is_workbook_with", "JSON_FORM", "JSON_REPORT", "FORM_WORKBOOK",
           "FORM_XLSX", "TEMPLATE", "MACRO_TEMPLATE", "STORE", "TARGETS_BOOK", "DRAFT", "DRAFTS", "DISTRICT_REPORT", "PDF", "PDFS"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
#: Reading an existing file to recognise its kind reads at most this much (a JSON report of a district).
_RECOGNISE_LIMIT = 512 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    """What an output is: its name in messages, its suffixes, and how an existing one is recognised.

    ``recognise(path)`` says whether an existing file (or folder) is of this kind, i.e. whether
    ``--force`` may replace it. ``submission``: a folder input would read such a file as a
    submission, so it is never written inside an input folder. ``folder``: the output is a folder."""

    what: str
    suffixes: tuple[str, ...]
    recognise: Callable[[Path], bool]
    submission: bool = False
    folder: bool = False
    #: What a file or folder of this kind looks like, said when --force refuses one that is not.
    looks: str = ""


@dataclass(frozen=True)
class _Arg:
    option: str
    path: Path
    kind: Kind | None  # None: read only

    @property
    def label(self) -> str:
        """How a message names it: ``--expect 名单.xlsx``, ``结果库 x.sqlite``, a positional argument by its path."""
        return f"{self.option} {self.path}" if self.option else str(self.path)


def is_store(path: Path) -> bool:
    """Whether ``path`` is an SQLite database (a results store), by its first bytes."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


#: Recognising an existing workbook reads its workbook part, relations and styles, never a sheet, so the file
#: and its parts' stated sizes are bounded as a district's summary needs, not as a form is: a summary of a few
#: thousand files has a sheet part over a form's 16 MB and was taken for "not a summary" (--force refused to
#: replace it, ``xltools report`` to read it). The compression-ratio bound stays as it is.
RECOGNISE_BYTES = 512 * 1024 * 1024


def is_workbook_with(*sheets: str) -> Callable[[Path], bool]:
    """A recogniser: an .xlsx/.xlsm workbook that has every one of ``sheets``."""
    def recognise(path: Path) -> bool:
        from xltools.io.xlsxread import Limits, WorkbookReadError, read_sheet_names

        big = Limits(max_file_bytes=RECOGNISE_BYTES, max_part_bytes=RECOGNISE_BYTES, max_total_bytes=4 * RECOGNISE_BYTES)
        try:  # the zip's directory and xl/workbook.xml alone: an existing summary is not read whole
            return set(sheets) <= set(read_sheet_names(path, big))
        except (WorkbookReadError, OSError):
            return False
    return recognise


def _json_with(*keys: str) -> Callable[[Path], bool]:
    """A recogniser: a JSON object with every one of ``keys``."""
    def recognise(path: Path) -> bool:
        try:
            value = json.loads(read_regular(path, _RECOGNISE_LIMIT)[0].decode("utf-8-sig"))
        except (OSError, ValueError, RecursionError, SpecialFileError, FileTooLargeError):
            return False  # not readable as JSON (ValueError covers bad UTF-8 and bad JSON): not of the kind
        return isinstance(value, dict) and set(keys) <= set(value)
    return recognise


JSON_FORM = Kind("JSON 表单", (".json",), _json_with("project_name"))
JSON_REPORT = Kind("JSON 报告", (".json",), _json_with("output", "files"))
FORM_WORKBOOK = Kind("自评表工作簿", (".xlsx", ".xlsm"), is_workbook_with(SHEET), submission=True)
FORM_XLSX = Kind("自评表工作簿", (".xlsx",), is_workbook_with(SHEET), submission=True)
TEMPLATE = Kind("模板", (".xlsx",), is_workbook_with(SHEET))
MACRO_TEMPLATE = Kind("带宏的模板", (".xlsm",), is_workbook_with(SHEET))
STORE = Kind("结果库", (), is_store)


def _is_draft(path: Path) -> bool:
    from xltools.io.draft import is_draft

    return is_draft(path)


def _is_report(path: Path) -> bool:
    from xltools.io.draft import is_report

    return is_report(path)


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False


def _folder_of(recognise: Callable[[Path], bool]) -> Callable[[Path], bool]:
    """A recogniser of a folder whose files (in it and below) are all recognised by ``recognise``."""
    def folder(path: Path) -> bool:
        return all(recognise(item) for item in path.rglob("*") if item.is_file())
    return folder


DRAFT = Kind("自评报告草稿", (".docx",), _is_draft)
DRAFTS = Kind("自评报告草稿文件夹", (), _folder_of(_is_draft), folder=True, looks="（其中只有 xltools 写出的 .docx 草稿）")
DISTRICT_REPORT = Kind("自评汇总分析", (".docx",), _is_report)
PDF = Kind("PDF 文件", (".pdf",), _is_pdf)
PDFS = Kind("PDF 文件夹", (), _folder_of(_is_pdf), folder=True, looks="（其中只有 PDF 文件）")
TARGETS_BOOK = Kind("绩效目标表", (".xlsx",), is_workbook_with(TARGETS_SHEET))


def policy_file(name: str | None) -> str | None:
    """The file a ``--policy`` names (``None`` for a profile name such as ``chaoyang``, or no option)."""
    return None if not name or name in PROFILES else name


def _same(a: Path, b: Path) -> bool:
    """The same file or folder: the same real path, or the same file through a hard link."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies inside ``folder`` (links resolved), not being it."""
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real != top and os.path.commonpath([real, top]) == top


def _empty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False


class Paths:
    """The paths of one run of a command (see the module's docstring)."""

    def __init__(self, *, force: bool) -> None:
        self.force = force
        self.args: list[_Arg] = []

    def read(self, option: str, *paths: Path | str | None) -> Paths:
        """Inputs (files or folders) of ``option`` ("" for positional arguments); ``None`` (an option not given)
        is ignored."""
        for path in paths:
            if path is not None and str(path) != "":
                self.args.append(_Arg(option, Path(path), None))
        return self

    def write(self, option: str, path: Path | str | None, kind: Kind) -> Paths:
        """An output file (or, for a folder kind, an output folder)."""
        if path is not None and str(path) != "":
            self.args.append(_Arg(option, Path(path), kind))
        return self

    def store(self, option: str, path: Path | str) -> Paths:
        """The results store: read and written in place, never replaced."""
        return self.write(option, path, STORE)

    def check(self) -> None:
        """Refuse, before anything is read or written, any output that could destroy another argument."""
        for arg in self.args:
            if arg.kind is not None:
                self._check_shape(arg)
        for arg in self.args:
            if arg.kind is not None:
                for other in self.args:
                    if other is not arg:
                        self._check_pair(arg, other)
        for arg in self.args:
            if arg.kind is not None:
                self._check_existing(arg)

    # --- the rules ---

    @staticmethod
    def _check_shape(arg: _Arg) -> None:
        path, kind = arg.path, arg.kind
        assert kind is not None
        if kind.folder:
            if path.exists() and not path.is_dir():
                raise OutputPathError(f"{arg.label} 已存在且不是文件夹；请换一个文件夹")
            return
        if kind.suffixes and path.suffix.lower() not in kind.suffixes:
            raise OutputPathError(f"{arg.label} 的扩展名应为 {'、'.join(kind.suffixes)}（写出的是{kind.what}）；"
                                  "请改正文件名")
        if path.is_dir():
            raise OutputPathError(f"{arg.label} 是一个文件夹；请写出文件名，例如 "
                                  f"{path / ('输出' + (kind.suffixes or ('.sqlite',))[0])}")
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise OutputPathError(f"{arg.label} 的上级 {parent} 是一个文件，不是文件夹；请换一个位置")

    @staticmethod
    def _check_pair(arg: _Arg, other: _Arg) -> None:
        kind = arg.kind
        assert kind is not None
        reading = other.kind is None
        if _same(arg.path, other.path):
            if reading:
                raise OutputPathError(f"{arg.label} 就是输入 {other.label}，写出会毁掉它；请换一个文件名")
            raise OutputPathError(f"{arg.label} 与 {other.label} 是同一个文件；一次运行的每个输出须各用一个文件名")
        if kind.folder and _inside(other.path, arg.path):
            raise OutputPathError(f"{other.label} 在 {arg.label} 这个输出文件夹中，写出可能覆盖它；"
                                  "请换一个输出文件夹")
        if other.kind is not None and other.kind.folder and _inside(arg.path, other.path):
            raise OutputPathError(f"{arg.label} 在 {other.label} 这个输出文件夹中；请换一个位置")
        if reading and other.path.is_dir() and _inside(arg.path, other.path):
            if kind.folder or kind.submission:
                written = "写在其中的批注副本" if kind.folder else f"写出的{kind.what}"
                raise OutputPathError(f"{arg.label} 在输入文件夹 {other.label} 中：{written}下次汇总时会被当作"
                                      "报送的表读入；请换一个输入文件夹以外的位置")
            if arg.path.exists() and not _empty(arg.path) and not kind.recognise(arg.path):
                raise OutputPathError(f"{arg.label} 是输入文件夹 {other.label} 中的一个文件（不是{kind.what}），"
                                      "写出会毁掉它；请换一个输出文件名")

    def _check_existing(self, arg: _Arg) -> None:
        path, kind = arg.path, arg.kind
        assert kind is not None
        if kind.folder:
            if path.is_dir() and any(path.iterdir()):
                if not self.force:
                    raise OutputExistsError(f"{arg.label} 不是空的；要覆盖请加 --force")
                if not kind.recognise(path):
                    raise OutputPathError(f"{arg.label} 不是空的，也不是以前生成的{kind.what}{kind.looks}；--force "
                                          f"只写入空的或以前生成的{kind.what}，请换一个文件夹")
            return
        if not path.exists() or _empty(path):
            return
        if kind is STORE:  # opened in place, never replaced: the store itself says whether it is one
            return
        if is_store(path):
            raise OutputPathError(f"{arg.label} 是一个结果库（SQLite 文件），不会被{kind.what}覆盖，"
                                  "加了 --force 也不会；请换一个输出文件名")
        if not self.force:
            raise OutputExistsError(f"{arg.label} 已存在；要覆盖请加 --force")
        if not kind.recognise(path):
            raise OutputPathError(f"{arg.label} 已存在，但不是{kind.what}；--force 只覆盖{kind.what}，"
                                  "请换一个输出文件名")
