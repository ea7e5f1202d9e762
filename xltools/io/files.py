"""Shell helpers for files: outputs written atomically and never over a file by surprise; the policy file."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from xltools.core.errors import UserError, os_reason
from xltools.core.policy import Policy, PolicyError
from xltools.core.profiles import policy_from_toml
from xltools.core.profiles import PROFILES, profile

__all__ = ["OutputExistsError", "OutputPathError", "OutputWriteError", "check_output", "atomic_output", "write_atomic", "read_policy", "read_regular", "SpecialFileError",
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


def read_regular(path: Path | str, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (at most ``limit``) and its status.

    The file is opened without blocking (a FIFO named ``x.xlsx`` does not hang the run) and
    checked on the open handle: a pipe, device or socket (also through a link, e.g. to
    ``/dev/zero``) is :class:`SpecialFileError`; a file over ``limit`` bytes is
    :class:`FileTooLargeError`, and never more than ``limit + 1`` bytes are read even if it grows.
    ``OSError`` is left to the caller (who turns it into a Chinese reason with ``os_reason``).
    """
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
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
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


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file: the same real path, or the same file through a hard link."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, top]) == top


def check_output(path: Path | str, *, suffixes: tuple[str, ...], what: str, inputs: Iterable[Path | str] = (),
                 others: Iterable[tuple[str, Path | str]] = ()) -> Path:
    """Refuse an output path that would destroy something or could not hold what is written.

    Every command that writes calls this before it reads anything. Refused (:class:`OutputPathError`):
    an extension not in ``suffixes`` (``what`` says what is written), a folder, a path under a
    file, an output that is one of ``inputs`` (also through a link) or an existing file inside an
    input folder, and an output equal to another output of the same run (``others``: name, path).
    """
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise OutputPathError(f"输出文件 {path} 的扩展名应为 {'、'.join(suffixes)}（写出的是{what}）；请改正文件名")
    if path.is_dir():
        raise OutputPathError(f"输出路径 {path} 是一个文件夹；请写出文件名，例如 {path / ('输出' + suffixes[0])}")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise OutputPathError(f"输出路径 {path} 的上级 {parent} 是一个文件，不是文件夹；请换一个位置")
    for item in inputs:
        source = Path(item)
        if _same_file(path, source) or (path.exists() and source.is_dir() and _inside(path, source)):
            raise OutputPathError(f"输出文件 {path} 就是输入{'文件夹中的文件' if source.is_dir() else '文件'}"
                                  f"（{source}），写出会毁掉输入；请换一个输出文件名")
    for name, other in others:
        if _same_file(path, Path(other)):
            raise OutputPathError(f"{name} 与输出文件 {path} 是同一个文件；请换一个文件名")
    return path


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
    removed; a failure to write (read-only folder, full disk) is :class:`OutputWriteError`.
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} 已存在：如需覆盖请加 --force")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".~{path.stem}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
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


def write_atomic(path: Path | str, data: bytes, *, force: bool) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_output`."""
    with atomic_output(path, force=force) as tmp:
        tmp.write_bytes(data)


def read_policy(path: Path | str) -> Policy:
    """The scoring policy named ``path`` (a profile such as ``chaoyang`` or ``mof2020``) or in the TOML
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
