"""Inflating one part of a workbook straight from the file's bytes (used by :mod:`xltools.io.xlsxread`).

:mod:`zipfile`'s read path (``ZipFile.open`` → ``ZipExtFile``) costs about as much as the inflating
itself on a form's small parts. Here a part is taken from the bytes already in memory by its central
directory entry: the local header checked (signature, name), the compressed bytes inflated up to the
reader's part limit, then the size and CRC-32 the directory states checked. Whatever is unusual (an
encrypted entry, another compression, any mismatch or damage) is left to zipfile, which returns or
refuses it as it always did — so this path gives zipfile's bytes or nothing. python-isal (ISA-L, a
wheel for win_amd64 and manylinux) inflates ~40 % faster than zlib; without it, zlib.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

try:  # python-isal: the same deflate, faster (docs/performance.md)
    from isal.isal_zlib import decompressobj as _decompressobj
    from isal.isal_zlib import error as _InflateError
except ImportError:  # pragma: no cover - a platform without its wheel
    from zlib import decompressobj as _decompressobj
    from zlib import error as _InflateError

__all__ = ["inflate", "stored", "INFLATER"]

#: Which inflater this process uses ("isal" or "zlib"), for the benchmarks' report.
INFLATER = "isal" if _decompressobj.__module__.startswith("isal") else "zlib"

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then (skipped) up to the name's and extra field's lengths
_LOCAL_SIGNATURE = b"PK\x03\x04"
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


def stored(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """The bytes the entry ``info`` stores in the zip ``data`` (compressed), after its local header was checked;
    ``None`` for an entry this path leaves to zipfile (encrypted, another compression, a header or name other
    than the directory states, truncated)."""
    if info.flag_bits & 0x61 or info.compress_type not in (_STORED, _DEFLATED):
        return None
    offset = info.header_offset
    header = data[offset:offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = offset + _LOCAL_HEADER.size
    if signature != _LOCAL_SIGNATURE or data[start:start + name_length] != _header_name(info):
        return None
    start += name_length + extra_length
    raw = memoryview(data)[start:start + info.compress_size]
    return raw if len(raw) == info.compress_size else None


def inflate(data: bytes, info: zipfile.ZipInfo, limit: int, raw: memoryview | None = None) -> bytes | None:
    """The part ``info`` of the zip ``data``, or its first ``limit + 1`` bytes when it is longer (the
    caller refuses it then). ``None`` whenever this path is not sure to give exactly what
    :mod:`zipfile` gives — an encrypted entry, another compression, and any anomaly (a header, name,
    size or CRC-32 other than the directory states, a damaged or truncated stream): the caller then
    reads the entry with zipfile, which returns or refuses it as it always did. ``raw``: what
    :func:`stored` gave for it, when the caller has it.

    What it returns depends on the stored bytes, the compression, the stated size and CRC-32 and ``limit``
    alone, so a caller may keep what it made of a part by those (:func:`stored`)."""
    if raw is None:
        raw = stored(data, info)
        if raw is None:
            return None
    if info.compress_type == _STORED:
        out = bytes(raw[:limit + 1])
    else:
        inflater = _decompressobj(-zlib.MAX_WBITS)
        try:
            out = inflater.decompress(raw, limit + 1)
        except _InflateError:
            return None
        if len(out) <= limit and not inflater.eof:
            return None
    if len(out) > limit:
        return out if info.file_size > limit else None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


def _header_name(info: zipfile.ZipInfo) -> bytes:
    """The name as the local header stores it (zipfile compares the same)."""
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
