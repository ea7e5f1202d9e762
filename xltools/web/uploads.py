"""Uploads for the check page: streamed to disk with limits, unpacked from zips without trusting names.

* :func:`receive_files` parses a ``multipart/form-data`` body as it arrives (python-multipart's
  streaming parser) and writes every file part straight into the request's own temporary folder
  under a generated name (``part-0001.bin``); the body size, the number of files and of other
  fields and the time between chunks are checked while streaming, so a hostile upload is stopped
  before it is held anywhere.
* :func:`expand_zip` unpacks a ``.zip`` member by member into the same folder, stopping a member at
  the per-file size and the whole archive at a total, so a zip bomb is cut off after a bounded
  amount of work. Names inside the zip (and upload file names) are only ever *shown*: on disk a
  file lives under :func:`safe_relative` components checked to stay inside the folder.

The workbooks themselves are then read only by the bounded reader (:mod:`xltools.io.xlsxread`),
which stops zip bombs and XML attacks inside an .xlsx.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

__all__ = ["Limits", "Refused", "Upload", "Rejected", "receive_files", "expand_zip", "safe_relative",
           "place", "shown_name", "remove_tree", "KNOWN_SUFFIXES"]

MB = 1024 * 1024
#: Suffixes an upload keeps on disk (its generated name otherwise ends in .bin): the spreadsheets the reader
#: seam reads (a .et is told from an .xls by its name) and archives.
#: (xltools.io.seam.SPREADSHEET_SUFFIXES, spelled out: this module stays free of the readers' imports;
#: tests/test_formats.py checks they agree.)
KNOWN_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods", ".xlsb", ".zip")


@dataclass(frozen=True)
class Limits:
    """What one request may bring."""

    max_upload_bytes: int = 20 * MB      # the whole body
    max_files: int = 500                 # file parts in one body, and members taken from one zip
    max_fields: int = 10                 # non-file form fields
    max_member_bytes: int = 20 * MB      # one workbook unpacked from a zip
    max_unzipped_bytes: int = 200 * MB   # everything unpacked from one zip
    chunk_timeout: float = 60.0          # seconds without a byte of the body
    min_rate: int = 4 * 1024             # bytes per second the body must average once the grace is over
    rate_grace: float = 10.0             # seconds an upload may start slowly


class Refused(Exception):
    """A request refused with an HTTP status and a Chinese message for the client."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Upload:
    """One uploaded file: the name the user gave it (to show) and where its bytes are."""

    name: str
    path: Path
    size: int = 0


@dataclass(frozen=True)
class Rejected:
    """A file of an upload that was not taken, and why (Chinese)."""

    name: str
    reason: str


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN = re.compile(r'[<>:"|?*\\/]')


def shown_name(raw: str, fallback: str) -> str:
    """A file name fit to show (and to name a download): the last path component, no control characters."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", raw)).replace("\\", "/")
    name = text.rsplit("/", 1)[-1].strip()
    return name[:120] or fallback


def safe_relative(raw: str, fallback: str) -> PurePosixPath:
    """``raw`` (a zip member or upload name) as a relative path of harmless components.

    Both separators split; empty, ``.`` and ``..`` components, drive letters and leading slashes
    vanish; characters Windows forbids become ``_``; each component is cut to 80 characters and at
    most 6 folders are kept. Whatever ``raw`` is, the result never leaves the folder it is joined to.
    """
    text = unicodedata.normalize("NFC", _CONTROL.sub("", raw)).replace("\\", "/")
    parts = []
    for component in text.split("/"):
        component = _FORBIDDEN.sub("_", component).strip().rstrip(".")
        if component in ("", ".", "..") or set(component) <= {"."}:
            continue
        parts.append(component[:80])
    if not parts:
        parts = [fallback]
    parts = parts[:-1][:6] + parts[-1:]
    return PurePosixPath(*parts)


def place(root: Path, wanted: PurePosixPath) -> Path:
    """A new, unused path for ``wanted`` under ``root`` (``name (2).xlsx`` on a clash), folders made."""
    target = root.joinpath(*wanted.parts)
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{stem} ({n}){suffix}")
    if not target.resolve().is_relative_to(root.resolve()):  # cannot happen with safe_relative; never trust it
        raise Refused(400, f"文件名“{wanted}”不能使用")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


class _Parts:
    """python-multipart callbacks: file parts go straight to disk, other fields are counted and bounded."""

    def __init__(self, dest: Path, limits: Limits, file_field: str) -> None:
        self.dest, self.limits, self.file_field = dest, limits, file_field
        self.uploads: list[Upload] = []
        self.fields = 0
        self.values: dict[str, str] = {}  # the other fields' text (each at most 1 KB)
        self.field_name = ""
        self.field_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.header, self.value = b"", b""
        self.upload: Upload | None = None
        self.handle: BinaryIO | None = None
        self.field_bytes = 0

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {"on_part_begin": self.part_begin, "on_part_data": self.part_data, "on_part_end": self.close,
                "on_header_field": self.header_field, "on_header_value": self.header_value,
                "on_header_end": self.header_end, "on_headers_finished": self.headers_finished}

    def part_begin(self) -> None:
        self.headers, self.upload, self.field_bytes = {}, None, 0

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header.lower()] = self.value
        self.header, self.value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self.fields += 1
            if self.fields > self.limits.max_fields:
                raise Refused(413, f"表单字段太多（最多 {self.limits.max_fields} 个）")
            self.field_name, self.field_value = name, b""
            return
        if name != self.file_field:
            raise Refused(400, f"文件请用字段名 {self.file_field} 上传，不是“{shown_name(name, '?')}”")
        if len(self.uploads) >= self.limits.max_files:
            raise Refused(413, f"一次最多上传 {self.limits.max_files} 个文件；请分批上传或打包成 .zip")
        index = len(self.uploads) + 1
        shown = shown_name(options[b"filename"].decode("utf-8", "replace"), f"文件{index}")
        suffix = Path(shown).suffix.lower()
        self.upload = Upload(shown, self.dest / f"part-{index:04d}{suffix if suffix in KNOWN_SUFFIXES else '.bin'}")
        self.handle = self.upload.path.open("xb")
        self.uploads.append(self.upload)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.upload is None or self.handle is None:
            self.field_bytes += end - start
            if self.field_bytes > 1024:
                raise Refused(413, "表单字段过长")
            self.field_value += data[start:end]
            return
        self.handle.write(data[start:end])
        self.upload.size += end - start

    def close(self) -> None:
        if self.upload is None and self.field_name:
            self.values[self.field_name] = self.field_value.decode("utf-8", "replace")
            self.field_name = ""
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def receive_files(receive: Callable[[], Awaitable[dict]], content_type: str, dest: Path,
                        limits: Limits, *, file_field: str = "file", headers_length: int | None = None,
                        fields: dict[str, str] | None = None) -> list[Upload]:
    """Stream a multipart body into ``dest``; every part named ``file_field`` becomes an :class:`Upload`
    (the other fields' text goes into ``fields`` when given).

    ``headers_length`` is the declared Content-Length (a body declared too big is refused at once;
    the size actually received is counted either way)."""
    if headers_length is not None and headers_length > limits.max_upload_bytes:  # refused before a byte is read
        raise _closing(413, f"上传内容超过 {limits.max_upload_bytes // MB} MB 的上限；请分批上传")
    mime, params = parse_options_header(content_type)
    if mime != b"multipart/form-data" or b"boundary" not in params:
        raise Refused(415, "请以 multipart/form-data 表单上传文件（字段名 file）")
    parts = _Parts(dest, limits, file_field)
    parser = MultipartParser(params[b"boundary"], parts.callbacks())  # type: ignore[arg-type]
    received = 0
    clock = asyncio.get_running_loop().time
    started = clock()
    try:
        while True:
            # the moment the average rate since the grace would fall below min_rate, and the chunk timer
            slow_at = started + limits.rate_grace + received / limits.min_rate
            wait = min(limits.chunk_timeout, slow_at - clock())
            try:
                if wait <= 0:
                    raise asyncio.TimeoutError
                message = await asyncio.wait_for(receive(), wait)
            except asyncio.TimeoutError as exc:
                if wait >= limits.chunk_timeout:
                    raise Refused(408, f"上传中断：{limits.chunk_timeout:g} 秒内没有收到数据，请重新上传") from exc
                raise Refused(408, f"上传太慢：开始 {limits.rate_grace:g} 秒后平均每秒不到 "
                                    f"{limits.min_rate / 1024:g} KB，已中止；请检查网络后重新上传") from exc
            if message["type"] == "http.disconnect":
                raise Refused(400, "上传被客户端中断")
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limits.max_upload_bytes:
                raise _closing(413, f"上传内容超过 {limits.max_upload_bytes // MB} MB 的上限；请分批上传")
            if chunk:
                parser.write(chunk)
            if not message.get("more_body", False):
                break
        parser.finalize()
    except FormParserError as exc:
        raise Refused(400, "上传的表单数据不完整或格式有误，请重新上传") from exc
    finally:
        parts.close()
    if fields is not None:
        fields.update(parts.values)
    return parts.uploads


def _closing(status: int, message: str) -> Refused:
    """A refusal of a body too big: the connection is closed after the answer, so the rest is never taken in.

    (A body refused for being slow is not closed on: the client reads the answer while the server
    drops what still trickles in, until the header timeout of :mod:`xltools.web.protocol` closes it.)"""
    return Refused(status, message, headers={"Connection": "close"})


def expand_zip(upload: Upload, dest: Path, limits: Limits) -> tuple[list[Upload], list[Rejected]]:
    """The files inside the zip ``upload``, unpacked under the folder ``dest`` (shown as ``zip名/内部路径``)."""
    taken: list[Upload] = []
    rejected: list[Rejected] = []
    total = 0
    try:
        archive = zipfile.ZipFile(upload.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refused(422, f"{upload.name} 不是有效的 .zip 压缩包，无法解压") from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for number, member in enumerate(members, start=1):
            relative = safe_relative(_member_name(member), f"文件{number}")
            shown = f"{upload.name}/{relative}"
            if len(taken) >= limits.max_files:
                rejected.append(Rejected(shown, f"压缩包中的文件超过 {limits.max_files} 个，其余未处理"))
                break
            if member.flag_bits & 0x1:
                rejected.append(Rejected(shown, "文件已加密，无法读取；请去掉密码后重新打包"))
                continue
            target = place(dest, relative)
            budget = min(limits.max_member_bytes, limits.max_unzipped_bytes - total)
            try:
                size = _copy_bounded(archive, member, target, budget)
            except _TooBig:
                target.unlink(missing_ok=True)
                if budget < limits.max_member_bytes:
                    rejected.append(Rejected(shown, f"压缩包解压后超过 {limits.max_unzipped_bytes // MB} MB，"
                                                    "其余文件未处理；请分成几个压缩包上传"))
                    break
                rejected.append(Rejected(shown, f"解压后超过 {limits.max_member_bytes // MB} MB，"
                                                "不是正常的自评表（可能是恶意压缩包），未处理"))
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
                target.unlink(missing_ok=True)  # the reason is the member's, said below; nothing to log
                rejected.append(Rejected(shown, "压缩包中的该文件已损坏或使用了不支持的压缩方式，无法解压"))
                continue
            total += size
            taken.append(Upload(str(PurePosixPath(upload.name) / relative), target, size))
    return taken, rejected


class _TooBig(Exception):
    pass


def _member_name(member: zipfile.ZipInfo) -> str:
    """The member's name as its creator meant it (zips from Windows often carry GBK names without the UTF-8 flag)."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def _copy_bounded(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    if member.file_size > budget:  # what the header declares; the real size is checked while copying
        raise _TooBig
    copied = 0
    with archive.open(member) as src, target.open("xb") as out:
        while chunk := src.read(256 * 1024):
            copied += len(chunk)
            if copied > budget:
                raise _TooBig
            out.write(chunk)
    return copied


def remove_tree(path: Path) -> None:
    """Remove a request's folder and everything in it (an error is logged, never shown to the client)."""
    try:
        shutil.rmtree(path)
    except OSError as exc:
        logging.getLogger(__name__).warning("could not remove %s: %s", path, exc)
