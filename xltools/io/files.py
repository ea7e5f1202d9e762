"""Shell helpers for files: outputs written atomically (which paths may be written: :mod:`xltools.io.paths`); the policy file."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import BinaryIO

from xltools.core.errors import UserError, os_reason

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be removed there anyway; stale files are kept
    fcntl = None  # type: ignore[assignment]
from xltools.core.policy import Policy, PolicyError
from xltools.core.profiles import policy_from_toml
from xltools.core.profiles import PROFILES, profile

__all__ = ["OutputExistsError", "OutputPathError", "OutputWriteError", "atomic_output", "remove_stale_temporaries", "scratch_folder",
           "remove_stale_scratch", "write_atomic", "read_policy", "read_regular", "open_regular", "SpecialFileError",
           "FileTooLargeError", "POLICY_MAX_BYTES"]

#: A policy file is a few lines of TOML; anything bigger is not one.
POLICY_MAX_BYTES = 1024 * 1024


class OutputExistsError(UserError, FileExistsError):
    """The output exists and ``--force`` was not given."""


class SpecialFileError(UserError):
    """The path is not a regular file (a pipe, a device, a socket): never opened for reading."""


class FileTooLargeError(UserError):
    """The file is larger than the reader's limit; ``size`` is its size in bytes."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def _open_regular(path: Path | str, limit: int) -> tuple[int, os.stat_result]:
    """A descriptor of the regular file ``path`` and its status, opened without blocking (a FIFO named ``x.xlsx``
    does not hang the run) and checked on the open handle: a pipe, device or socket (also through a link, e.g. to
    ``/dev/zero``) is :class:`SpecialFileError`, a file over ``limit`` bytes :class:`FileTooLargeError`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise SpecialFileError("这是一个文件夹，不是文件")
        if not stat.S_ISREG(status.st_mode):
            raise SpecialFileError("不是普通文件（可能是管道、设备或其他特殊文件），已拒绝读取")
        if status.st_size > limit:
            raise FileTooLargeError(f"文件 {status.st_size / 1048576:.1f} MB，超过 {limit / 1048576:.0f} MB 上限",
                                    status.st_size)
    except BaseException:
        os.close(fd)
        raise
    return fd, status


def open_regular(path: Path | str, limit: int) -> BinaryIO:
    """The regular file ``path`` opened for reading where a caller seeks (a zip's directory, one part), with
    :func:`read_regular`'s checks; the caller closes it. ``OSError`` is left to the caller."""
    fd, _ = _open_regular(path, limit)
    return os.fdopen(fd, "rb")


def read_regular(path: Path | str, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (at most ``limit``) and its status.

    The file is opened and checked as :func:`_open_regular` says, and never more than ``limit + 1`` bytes are read
    even if it grows. ``OSError`` is left to the caller (who turns it into a Chinese reason with ``os_reason``).
    """
    fd, status = _open_regular(path, limit)
    try:
        # the file's stated size in one read, then small reads to see whether it grew: a big file's bytes are
        # held once, not as chunks plus their joined copy (os.read allocates what it is asked for; recognising
        # an existing 14 MB summary peaked at twice its size)
        chunks, left, step = [], limit + 1, max(status.st_size, 1 << 16)
        while left > 0:
            chunk = os.read(fd, min(left, step))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            step = 1 << 20
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileTooLargeError(f"文件超过 {limit / 1048576:.0f} MB 上限", len(data))
    return data, status


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OutputPathError(UserError):
    """An output path that would destroy an input or cannot hold what is written (message in Chinese)."""


class OutputWriteError(UserError):
    """Writing an output failed (read-only folder, full disk, full temporary folder …); nothing is left behind."""


def _os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind ``exc`` (libraries wrap it, e.g. XlsxWriter's FileCreateError)."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError):
            return item
        stack.extend([item.__cause__, item.__context__, *item.args])
    return None


@contextmanager
def atomic_output(path: Path | str, *, force: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it into place.

    Refuses to overwrite an existing ``path`` unless ``force``. The result gets
    the permissions a plainly created file would (0666 less the umask), not the
    0600 of a temporary file. On any failure or interruption the temporary file is
    removed; a failure to write (read-only folder, full disk) is :class:`OutputWriteError`. The
    temporary file is locked while the run lives, and what a killed run left for the same output is
    removed first (:func:`remove_stale_temporaries`).
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} 已存在：如需覆盖请加 --force")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, name = tempfile.mkstemp(prefix=f".~{path.stem}.", suffix=path.suffix, dir=path.parent)
        fd = _lock(fd)  # held while the run lives: a later run sees the file is not stale
    except OSError as exc:
        raise OutputWriteError(f"无法写入输出文件 {path}：{os_reason(exc)}") from exc
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except UserError:
        raise
    except Exception as exc:
        error = _os_error(exc)
        if error is None:
            raise
        raise OutputWriteError(f"无法写入输出文件 {path}：{os_reason(error)}；没有留下不完整的文件") from exc
    finally:
        tmp.unlink(missing_ok=True)
        if fd >= 0:
            os.close(fd)


#: A temporary file younger than this is never taken for stale (it may be another run's, just made).
STALE_SECONDS = 10.0


@cache
def _temp_middle() -> re.Pattern[str]:
    """What tempfile.mkstemp puts between prefix and suffix (compiled when first used: a check writes nothing)."""
    return re.compile(r"[a-z0-9_]{8}")


def _lock(fd: int) -> int:
    """An exclusive advisory lock on ``fd`` (released when it is closed, or when the process dies); ``fd``.
    Without ``fcntl`` (Windows, where an open file cannot be renamed) ``fd`` is closed and -1 returned."""
    if fcntl is None:
        os.close(fd)
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: the file is young, so no other run removes it now
        pass
    return fd


def _in_use(path: str) -> bool:
    """Whether a live run holds the lock of the temporary file ``path`` (where locks are unknown: yes)."""
    if fcntl is None:
        return True
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def remove_stale_temporaries(path: Path) -> list[str]:
    """Remove what a killed run left beside the output ``path``: files named exactly as :func:`atomic_output`
    names its temporary files (``.~STEM.XXXXXXXX.SUFFIX``), regular files, older than
    :data:`STALE_SECONDS` and locked by no live run. Any other file (a user's) is never touched.
    Returns the names removed."""
    prefix, suffix = f".~{path.stem}.", path.suffix
    removed: list[str] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix) and len(name) == len(prefix) + 8 + len(suffix)):
            continue
        if not _temp_middle().fullmatch(name[len(prefix):len(prefix) + 8]):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                continue
        except OSError:
            continue
        if _in_use(entry.path):
            continue
        try:
            os.unlink(entry.path)
            removed.append(name)
        except OSError:
            continue  # cannot be removed (permissions): it stays, as before
    return removed


#: The lock file inside a :func:`scratch_folder` (held while the run that made the folder lives).
SCRATCH_LOCK = ".xltools-lock"


@contextmanager
def scratch_folder(prefix: str) -> Iterator[str]:
    """A private temporary folder (in the system's temporary folder), removed afterwards.

    It holds a locked :data:`SCRATCH_LOCK` file while the run lives, so when a run is killed outright
    (SIGKILL), a later run with the same ``prefix`` removes the folder it left
    (:func:`remove_stale_scratch`)."""
    remove_stale_scratch(prefix)
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        fd = _lock(os.open(os.path.join(folder, SCRATCH_LOCK), os.O_CREAT | os.O_RDWR, 0o600))
        try:
            yield folder
        finally:
            if fd >= 0:
                os.close(fd)


def remove_stale_scratch(prefix: str) -> list[str]:
    """Remove the scratch folders (``prefix``…) that killed runs of this user left in the temporary folder:
    only a folder that is ours (this user's, with our lock file), older than :data:`STALE_SECONDS`, whose
    lock no live run holds. Returns the names removed."""
    import shutil

    top = tempfile.gettempdir()
    removed: list[str] = []
    try:
        entries = [entry for entry in os.scandir(top) if entry.name.startswith(prefix)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        lock = os.path.join(entry.path, SCRATCH_LOCK)
        try:
            status = os.stat(lock, follow_symlinks=False)
            if (not entry.is_dir(follow_symlinks=False) or not stat.S_ISREG(status.st_mode)
                    or status.st_uid != getattr(os, "getuid", lambda: status.st_uid)()
                    or now - status.st_mtime < STALE_SECONDS or _in_use(lock)):
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.name)
    return removed


def write_atomic(path: Path | str, data: bytes, *, force: bool) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_output`."""
    with atomic_output(path, force=force) as tmp:
        tmp.write_bytes(data)


def read_policy(path: Path | str) -> Policy:
    """The scoring policy named ``path`` (a profile such as ``chaoyang``, ``mof2020`` or ``mof2021``) or in the TOML
    file ``path``; :class:`PolicyError` names the file on any failure."""
    if str(path) in PROFILES:
        return profile(str(path))
    if not Path(path).exists() and not Path(path).suffix and "/" not in str(path) and "\\" not in str(path):
        raise PolicyError(f"没有名为“{path}”的评分规则，也没有这个文件：可用的评分规则有 {'、'.join(PROFILES)}，"
                          "或给出 TOML 文件的路径")
    try:
        text = read_regular(path, POLICY_MAX_BYTES)[0].decode("utf-8-sig")
    except OSError as exc:
        raise PolicyError(f"无法读取评分规则文件：{os_reason(exc)}", file=path) from exc
    except (SpecialFileError, FileTooLargeError) as exc:
        raise PolicyError(f"无法读取评分规则文件：{exc.message}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError("评分规则文件不是 UTF-8 编码的文本：请另存为 UTF-8", file=path) from exc
    try:
        return policy_from_toml(text)
    except PolicyError as exc:
        raise PolicyError(exc.message, file=path) from exc
