"""Workbooks inside .zip archives (mail attachments): list the members, read one with an .xlsx's limits.

A member is named ``archive.zip/path`` to the user; inside a district run its task path is
``<archive path>`` + :data:`MEMBER_SEP` + ``<member name>`` (a NUL byte: never part of a real path).
Reading a member applies the limits of :class:`xltools.io.xlsxread.Limits` to it — its size as
stored in the archive, its compression ratio (a zip bomb) and the bytes actually inflated — and
every failure is a :class:`~xltools.io.reader.ReadError` with a Chinese reason and the next step.
Member names without the UTF-8 flag are decoded as GBK where they are not ASCII (what Chinese
Windows writes), else as the zip standard's CP437.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass

from xltools.core.errors import os_reason
from xltools.io.reader import ReadError
from xltools.io.xlsxread import Limits

__all__ = ["MEMBER_SEP", "Member", "ArchiveError", "archive_members", "read_member", "member_task", "split_task",
           "MAX_ARCHIVE_BYTES", "MAX_MEMBERS"]

MEMBER_SEP = "\0"
#: An archive of mail attachments may hold many forms; larger archives are refused, not opened.
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 20_000


class ArchiveError(ReadError):
    """The archive itself cannot be opened (the run lists it as one unreadable file)."""


@dataclass(frozen=True)
class Member:
    """One file in an archive: its name as stored (``raw``) and as shown, sizes, and whether it is encrypted."""

    raw: str
    name: str
    size: int
    compressed: int
    encrypted: bool


def _shown(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _open(path: str, limit: int) -> zipfile.ZipFile:
    """The archive opened from disk (members are read by seeking, not by reading the whole archive)."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise ArchiveError("unreadable", f"无法打开压缩包：{os_reason(exc)}") from exc
    if not stat.S_ISREG(status.st_mode):
        raise ArchiveError("unreadable", "不是普通文件（设备、管道或套接字），不能作为压缩包读取")
    if status.st_size > limit:
        raise ArchiveError("too-large", f"压缩包超过 {limit / 1048576:.0f} MB 上限；请解压后分别提交其中的工作簿")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ArchiveError("unreadable", "压缩包已损坏或不完整，无法打开；请重新压缩或直接提交其中的工作簿") from exc
    except OSError as exc:
        raise ArchiveError("unreadable", f"无法打开压缩包：{os_reason(exc)}") from exc


def archive_members(path: str) -> list[Member]:
    """The files in the archive at ``path`` (folders left out), or :class:`ArchiveError`."""
    with _open(path, MAX_ARCHIVE_BYTES) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError("too-large", f"压缩包中有 {len(infos):,} 个文件，超过 {MAX_MEMBERS:,} 个的上限；"
                                            "请解压后分别提交其中的工作簿")
        return [Member(info.filename, _shown(info), info.file_size, info.compress_size, bool(info.flag_bits & 0x1))
                for info in infos if not info.is_dir()]


def member_task(archive: str, member: Member) -> str:
    """The task path of ``member`` of ``archive`` (for a district run's workers)."""
    return f"{archive}{MEMBER_SEP}{member.raw}"


def split_task(path: str) -> tuple[str, str] | None:
    """(archive path, member name as stored) of a task path, or ``None`` for a plain file."""
    if MEMBER_SEP not in path:
        return None
    archive, raw = path.split(MEMBER_SEP, 1)
    return archive, raw


def read_member(path: str, raw: str, limits: Limits = Limits()) -> bytes:
    """The bytes of the member ``raw`` of the archive at ``path``, bounded like an .xlsx file."""
    with _open(path, MAX_ARCHIVE_BYTES) as archive:
        try:
            info = archive.getinfo(raw)
        except KeyError as exc:
            raise ReadError("unreadable", "压缩包中找不到该文件（压缩包在读取期间被改动？）；请重新汇总") from exc
        if info.flag_bits & 0x1:
            raise ReadError("encrypted", "压缩包中的该文件设置了密码（已加密），无法读取；请解压后提交不带密码的工作簿")
        if info.file_size > limits.max_file_bytes:
            raise ReadError("unreadable", f"压缩包中的该文件解压后 {info.file_size / 1048576:.0f} MB，超过 "
                                          f"{limits.max_file_bytes / 1048576:.0f} MB 上限，疑似压缩炸弹，已拒绝读取；"
                                          "请检查后单独提交")
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio and info.file_size > 1 << 20:
            raise ReadError("unreadable", f"压缩包中的该文件压缩比异常（{ratio:,.0f} 倍），疑似压缩炸弹，已拒绝读取；"
                                         "请检查后单独提交其中的工作簿")
        try:
            with archive.open(info) as handle:
                data = handle.read(limits.max_file_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError,
                RuntimeError) as exc:
            raise ReadError("unreadable", "压缩包中的该文件已损坏，无法解压；请重新压缩或直接提交该工作簿") from exc
    if len(data) > limits.max_file_bytes:  # the header understated the size: refused all the same
        raise ReadError("unreadable", f"压缩包中的该文件解压后超过 {limits.max_file_bytes / 1048576:.0f} MB 上限，"
                                     "疑似压缩炸弹，已拒绝读取；请检查后单独提交")
    return data


def is_archive_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() == ".zip"
