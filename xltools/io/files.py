"""Shell helpers for files: outputs written atomically and never over a file by surprise; the policy file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xltools.core.errors import UserError, os_reason
from xltools.core.policy import Policy, PolicyError, policy_from_toml
from xltools.core.profiles import PROFILES, profile

__all__ = ["OutputExistsError", "atomic_output", "write_atomic", "read_policy"]


class OutputExistsError(UserError, FileExistsError):
    """The output exists and ``--force`` was not given."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Path | str, *, force: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it into place.

    Refuses to overwrite an existing ``path`` unless ``force``. The result gets
    the permissions a plainly created file would (0666 less the umask), not the
    0600 of a temporary file. On failure the temporary file is removed.
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} 已存在：如需覆盖请加 --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".~{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
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
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"无法读取评分规则文件：{os_reason(exc)}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError("评分规则文件不是 UTF-8 编码的文本：请另存为 UTF-8", file=path) from exc
    try:
        return policy_from_toml(text)
    except PolicyError as exc:
        raise PolicyError(exc.message, file=path) from exc
