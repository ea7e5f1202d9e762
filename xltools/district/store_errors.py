"""The results store's failures in Chinese: :class:`StoreError`, and SQLite's errors named as the operating system
names a disk's (full, read-only, failing) or by what SQLite says (not a database, locked, damaged)."""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

from xltools.core.errors import UserError, os_reason

__all__ = ["StoreError", "store_failure", "db_reason"]


class StoreError(UserError):
    """The results store cannot be used (not a store, a newer schema, unwritable); message in Chinese."""


#: SQLite's primary result codes for a disk that is full, read-only, failing, or a file it cannot open.
_SQLITE_FULL, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN = 13, 8, 10, 14


def _probe(folder: Path) -> OSError | None:
    """What the operating system says when a small file is written in ``folder`` (``None``: it can be)."""
    try:
        with tempfile.TemporaryFile(dir=folder) as handle:
            handle.write(b"\0" * 65536)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        return exc
    return None


def store_failure(path: Path, exc: sqlite3.DatabaseError, *, opening: bool = False) -> str:
    """The Chinese message for a store that failed: a disk's fault as for any output, else SQLite's reason."""
    disk = _disk_reason(exc, path)
    if disk is not None:
        return f"无法写入结果库 {path}：{disk}"
    if opening:
        return f"结果库 {path} 无法使用（{db_reason(exc)}）；请用 --store 另指定一个结果库文件名（该文件不会被改动）"
    return f"结果库 {path} 读写失败（{db_reason(exc)}）；请稍后重试，或换一个结果库文件（--store）"


def _disk_reason(exc: sqlite3.DatabaseError, path: Path | None) -> str | None:
    """A full, read-only or failing disk (or a file SQLite cannot open) named as the operating system names
    it for any output (:func:`os_reason`), by probing the store's folder; ``None`` when it is not the disk."""
    code = _code(exc)
    if code == _SQLITE_FULL:
        return os_reason(OSError(errno.ENOSPC, ""))
    if code in (_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN) and path is not None:
        error = _probe(path.parent)
        if error is not None:
            return os_reason(error)
    if code == _SQLITE_READONLY:
        return "文件只读，请检查文件权限或换一个位置"
    return None


#: SQLite's messages for the result codes above (Python 3.10 has no ``sqlite_errorcode``).
_CODE_TEXTS = (("disk is full", _SQLITE_FULL), ("readonly", _SQLITE_READONLY), ("disk i/o error", _SQLITE_IOERR),
               ("unable to open", _SQLITE_CANTOPEN))


def _code(exc: sqlite3.DatabaseError) -> int:
    """SQLite's primary result code of ``exc`` (from its message where Python does not give it)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    text = str(exc).lower()
    return next((value for needle, value in _CODE_TEXTS if needle in text), 0)


def db_reason(exc: sqlite3.DatabaseError, path: Path | None = None) -> str:
    """SQLite's error, in Chinese (the disk's reason first, see :func:`_disk_reason`)."""
    disk = _disk_reason(exc, path)
    if disk is not None:
        return disk
    text = str(exc)
    if "not a database" in text:
        return "不是 SQLite 数据库文件"
    if "locked" in text:
        return "正被另一个程序使用"
    if "readonly" in text or "read-only" in text:
        return "文件只读"
    if "malformed" in text:
        return "文件已损坏"
    return "数据库出错"
