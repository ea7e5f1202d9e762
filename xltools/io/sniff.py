"""What a file is, from its bytes (never from its name): magic numbers and its container's directory.

:func:`kind_of` names the container or format from the first bytes; :func:`zip_members` lists
the member names of a zip archive from its central directory (a few slices, no decompression:
cheap enough for every workbook of a district run); :func:`ole_entries` lists the stream and
storage names of an OLE2 compound file ([MS-CFB]: a legacy .xls holds ``Workbook``/``Book``, a
Word .doc ``WordDocument``, an encrypted OOXML file ``EncryptionInfo`` + ``EncryptedPackage``).
Both are bounded by the file's own size and refuse a broken directory with :class:`ContainerError`.
"""

from __future__ import annotations

import struct

__all__ = ["ContainerError", "OLE_MAGIC", "ZIP_MAGIC", "kind_of", "zip_has", "zip_members", "ole_entries",
           "ole_stream_head", "ole_stream", "KIND_TEXT"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (ZIP_MAGIC, "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (OLE_MAGIC, "ole2"),
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
    (b"{\\rtf", "rtf"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)

#: The Chinese name of each kind a clerk may send, as refusals say it.
KIND_TEXT = {
    "pdf": "PDF 文件", "png": "图片（PNG）", "jpeg": "图片（JPEG）", "gif": "图片（GIF）", "tiff": "图片（TIFF）",
    "bmp": "图片（BMP）", "webp": "图片（WebP）", "heic": "图片（HEIC，手机照片）", "rtf": "RTF 文档",
    "rar": "RAR 压缩包", "7z": "7z 压缩包", "html": "网页（HTML）文件", "xml": "XML 文件", "text": "纯文本文件",
    "empty": "空文件（0 字节）", "unknown": "无法识别格式的文件",
}


def kind_of(data: bytes) -> str:
    """The kind of ``data``: ``zip``, ``ole2``, ``pdf``, an image kind, ``html``, ``xml``, ``text``, ``empty``
    or ``unknown``."""
    if not data:
        return "empty"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "heic"
    if b"\0" in data[:4096]:
        return "unknown"  # binary: no text format of ours holds NUL bytes
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<table" in head or b"<html" in head:
        return "html"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "xml"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        try:
            data[:4096].decode("gb18030")
        except UnicodeDecodeError:
            return "unknown"
    return "text"


class ContainerError(ValueError):
    """A zip or compound file whose directory cannot be read (truncated or damaged)."""


def _central_directory(data: bytes) -> tuple[int, int, int]:
    """(entries, offset, end) of the zip's central directory, from its end record."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise ContainerError("zip end of central directory missing")
    count, size, offset = struct.unpack_from("<HII", data, end + 10)
    if offset + size > end:
        raise ContainerError("zip central directory out of bounds")
    return count, offset, end


def zip_has(data: bytes, name: str) -> bool:
    """Whether the zip archive ``data`` has a member called exactly ``name`` (a search of its central
    directory: cheaper than listing every member, for the one name a reader asks about)."""
    try:
        _, offset, end = _central_directory(data)
    except ContainerError:
        return False
    wanted = name.encode("utf-8")
    at = data.find(wanted, offset, end)
    while at >= 0:
        head = at - 46
        if head >= offset and data[head:head + 4] == b"PK\x01\x02" and \
                struct.unpack_from("<H", data, head + 28)[0] == len(wanted):
            return True
        at = data.find(wanted, at + 1, end)
    return False


def zip_members(data: bytes) -> frozenset[str]:
    """The member names of the zip archive ``data`` (from its central directory, nothing inflated)."""
    count, offset, end = _central_directory(data)
    names: set[str] = set()
    at = offset
    for _ in range(count):
        if data[at:at + 4] != b"PK\x01\x02" or at + 46 > end:
            raise ContainerError("zip central directory damaged")
        flags = struct.unpack_from("<H", data, at + 8)[0]
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        raw = data[at + 46:at + 46 + name_len]
        names.add(raw.decode("utf-8" if flags & 0x800 else "cp437", "replace"))
        at += 46 + name_len + extra_len + comment_len
    return frozenset(names)


_FREESECT, _ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE


def ole_entries(data: bytes) -> frozenset[str]:
    """The names of every stream and storage in the compound file ``data`` ([MS-CFB] directory)."""
    return frozenset(_directory(data))


def ole_stream_head(data: bytes, name: str) -> bytes:
    """The first sector of the stream ``name`` (a stream of at least 4096 bytes, as an .xls ``Workbook``
    always is); ``b""`` when there is no such stream or it lives in the mini stream."""
    try:
        entry = _directory(data).get(name)
    except ContainerError:
        return b""
    if entry is None or entry[1] < 4096:
        return b""
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    try:
        return _sector(data, entry[0], size)
    except ContainerError:
        return b""


def ole_stream(data: bytes, name: str) -> bytes:
    """The whole stream ``name`` of the compound file ``data`` (from the FAT, or the mini stream for a stream
    under the cutoff); :class:`ContainerError` when there is no such stream or its chain is broken. Bounded
    by the file: a chain never visits more sectors than the file has."""
    size, sectors, fat = _layout(data)
    entries = _directory(data)
    if name not in entries:
        raise ContainerError("no such stream")
    start, length = entries[name]
    if length >= struct.unpack_from("<I", data, 0x38)[0]:
        return _chain(data, fat, start, length, size, sectors)
    root = entries.get("Root Entry")
    if root is None:
        raise ContainerError("compound file has no root entry")
    mini = _chain(data, fat, root[0], root[1], size, sectors)
    if length > len(mini):
        raise ContainerError("compound file stream longer than its mini stream")
    mini_fat_start, mini_fat_count = struct.unpack_from("<II", data, 0x3C)
    table = _chain(data, fat, mini_fat_start, mini_fat_count * size, size, sectors)
    mini_fat = struct.unpack(f"<{len(table) // 4}I", table[:len(table) // 4 * 4])
    out, sector = bytearray(), start
    while len(out) < length:
        if sector >= len(mini_fat) or (sector + 1) * 64 > len(mini):
            raise ContainerError("compound file mini stream chain broken")
        out += mini[sector * 64:(sector + 1) * 64]
        sector = mini_fat[sector]
    return bytes(out[:length])


def _chain(data: bytes, fat: list[int], start: int, length: int, size: int, sectors: int) -> bytes:
    """``length`` bytes of the sector chain from ``start``."""
    out, sector, steps = bytearray(), start, 0
    while len(out) < length:
        if sector >= len(fat) or steps > sectors:
            raise ContainerError("compound file stream chain broken")
        out += _sector(data, sector, size)
        sector, steps = fat[sector], steps + 1
    return bytes(out[:length])


def _layout(data: bytes) -> tuple[int, int, list[int]]:
    """A compound file's sector size, number of sectors and FAT."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        raise ContainerError("compound file header truncated")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise ContainerError("compound file sector size invalid")
    size = 1 << shift
    sectors = max(0, (len(data) - size) // size)  # the header fills the first slot (512 or 4096 bytes)
    fat_count = struct.unpack_from("<I", data, 0x2C)[0]
    difat_start, difat_count = struct.unpack_from("<II", data, 0x44)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < sectors]
    seen = 0
    while difat_start < sectors and seen <= sectors:  # DIFAT sectors beyond the header's 109 entries
        block = _sector(data, difat_start, size)
        values = struct.unpack(f"<{size // 4}I", block)
        fat_sectors += [s for s in values[:-1] if s < sectors]
        difat_start, seen = values[-1], seen + 1
    fat: list[int] = []
    for sector in fat_sectors[:max(fat_count, 1)]:
        fat.extend(struct.unpack(f"<{size // 4}I", _sector(data, sector, size)))
    return size, sectors, fat


def _directory(data: bytes) -> dict[str, tuple[int, int]]:
    """Every directory entry of a compound file: name → (start sector, stream size)."""
    size, sectors, fat = _layout(data)
    dir_start = struct.unpack_from("<I", data, 0x30)[0]
    names: dict[str, tuple[int, int]] = {}
    sector, steps = dir_start, 0
    while sector not in (_ENDOFCHAIN, _FREESECT):
        if sector >= len(fat) or steps > sectors:
            raise ContainerError("compound file directory chain broken")
        block = _sector(data, sector, size)
        for at in range(0, size, 128):
            name_len, kind = struct.unpack_from("<HB", block, at + 64)
            if kind in (1, 2, 5) and 2 <= name_len <= 64:
                start, length = struct.unpack_from("<II", block, at + 116)
                names[block[at:at + name_len - 2].decode("utf-16-le", "replace")] = (start, length)
        sector, steps = fat[sector], steps + 1
    if not names:
        raise ContainerError("compound file directory empty")
    return names


def _sector(data: bytes, sector: int, size: int) -> bytes:
    start = (sector + 1) * size
    block = data[start:start + size]
    if len(block) < size:
        raise ContainerError("compound file truncated")
    return block
