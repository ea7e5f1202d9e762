"""Helpers of the fuzz and fault tests: real filled forms as seeds, zip-part surgery, CRC forging,
and running the CLI in a child process (to see exit codes, stderr and tracebacks as a user would)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "v1_0"
#: Real filled workbooks of template version 1.0 (frozen): the seeds every mutation starts from.
SEEDS = sorted(p for p in FIXTURES.glob("*.xlsx"))
#: What an exit code may be: 0 ok, 1 findings/problems, 2 unreadable/bad arguments, 130/143 signals.
EXIT_CODES = {0, 1, 2}


def byte_mutant(draw, data: bytes, kind: str) -> bytes:
    """``data`` truncated (``kind`` ``truncate``) or with a few bytes flipped (``flip``); ``draw`` is hypothesis'."""
    from hypothesis import strategies as st

    if kind == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        out[draw(st.integers(0, len(out) - 1))] ^= draw(st.integers(1, 255))
    return bytes(out)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(parts_: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in parts_.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_part(data: bytes, name: str, new: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """``data`` (a workbook) with part ``name`` replaced (or added)."""
    changed = parts(data)
    changed[name] = new
    return rezip(changed, compression)


_SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_shared_strings(data: bytes, items: bytes, cell: bytes = b"B4") -> bytes:
    """``data`` (a filled form written with inline strings) with a shared-strings part holding ``items``
    (``<si>`` elements) and ``cell`` of the form sheet pointing at the first of them."""
    changed = parts(data)
    changed["xl/sharedStrings.xml"] = f'<sst xmlns="{_SST}">'.encode() + items + b"</sst>"
    changed["xl/_rels/workbook.xml.rels"] = changed["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId99" /></Relationships>')
    changed["[Content_Types].xml"] = changed["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    sheet = changed["xl/worksheets/sheet1.xml"]
    start = sheet.index(b'<c r="' + cell + b'"')
    end = sheet.index(b"</c>", start) + 4
    style = re.search(rb' s="\d+"', sheet[start:end])
    changed["xl/worksheets/sheet1.xml"] = (sheet[:start] + b'<c r="' + cell + b'"' + (style.group(0) if style else b"")
                                           + b' t="s"><v>0</v></c>' + sheet[end:])
    return rezip(changed)


_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _TABLE.append(_c)
_TOP = {entry >> 24: index for index, entry in enumerate(_TABLE)}


def forge_crc(prefix: bytes, suffix: bytes, target: int) -> bytes:
    """Four bytes ``x`` such that ``zlib.crc32(prefix + x + suffix) == target`` (CRC-32 is not a
    cryptographic hash: anyone can make a part with the CRC of another)."""
    register = target ^ 0xFFFFFFFF
    for byte in reversed(suffix):  # undo the suffix: the register just before it
        index = _TOP[register >> 24]
        register = (((register ^ _TABLE[index]) << 8) & 0xFFFFFFFF) | (index ^ byte)
    indices = []
    for _ in range(4):
        index = _TOP[register >> 24]
        indices.append(index)
        register = ((register ^ _TABLE[index]) << 8) & 0xFFFFFFFF
    state = zlib.crc32(prefix) ^ 0xFFFFFFFF
    out = bytearray()
    for index in reversed(indices):
        out.append((state ^ index) & 0xFF)
        state = (state >> 8) ^ _TABLE[index]
    forged = bytes(out)
    assert zlib.crc32(prefix + forged + suffix) == target
    return forged


def collide(original: bytes, changed: bytes, slot: bytes, free: bytes) -> bytes:
    """``changed`` made to have the CRC-32 and length of ``original``: the 4 bytes after ``slot``
    are forged, and the 4 digits after ``free`` are varied until the forged bytes are plain
    attribute text (printable ASCII, no quote, ``<`` or ``&``)."""
    assert len(original) == len(changed)
    target = zlib.crc32(original)
    at = changed.index(slot) + len(slot)
    vary = changed.index(free) + len(free)
    for number in range(1000, 10000):
        trial = changed[:vary] + str(number).encode() + changed[vary + 4:]
        forged = forge_crc(trial[:at], trial[at + 4:], target)
        if all(0x20 <= b < 0x7F and b not in b'"<&' for b in forged):
            return trial[:at] + forged + trial[at + 4:]
    raise AssertionError("no printable collision found")


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``xltools ARGS`` in a child process (the real entry point, stdout and stderr captured)."""
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})})


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout, proc.stdout[-3000:]
