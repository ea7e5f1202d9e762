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


#: Pieces a mutation inserts: markup the grammar must refuse or read exactly as the parser does.
SNIPPETS = [
    "", " ", "\n", "\r", "\r\n", "\t", "<!-- c -->", "<![CDATA[x]]>", "]]>", "<?pi x?>", "&amp;", "&lt;", "&gt;",
    "&quot;", "&apos;", "&nbsp;", "&#0;", "&#9;", "&#10;", "&#13;", "&#31;", "&#32;", "&#xFFFE;", "&#xD800;",
    "&#x10FFFF;", "&#1114112;", "&#20013;", "&#x4e2d;", "&", "<", ">", '"', "'", "\x00", "\x01", "\ufeff", "\ufffe",
    "中", "𠀀", ' r="A1"', ' s="1"', ' t="s"', ' t="inlineStr"', ' xmlns="urn:x"', ' xmlns:x="urn:x"', ' x:a="1"',
    ' xml:space="preserve"', "<v>1</v>", "<v/>", "<f>A1</f>", "<f/>", "<is><t>a</t></is>", "<is/>", "<t>a</t>",
    "<r><t>b</t></r>", "<rPh><t>x</t></rPh>", "<row/>", "<row>", "</row>", '<c r="Z9"/>', "<c>", "</c>",
    '<x:c xmlns:x="' + _SST + '" r="B4"/>', "<sheetData/>", "</sheetData>", "<sheetProtection/>",
    "<si/>", "<si>", "</si>", "<si><t>x</t></si>", "<rPr><b/></rPr>", '<sz val="1" val="2"/>', "<sst>", "</sst>",
]


def xml_mutant(seeds: list[bytes], first: bytes, last: bytes):
    """A hypothesis strategy: one of ``seeds`` (XML parts of real workbooks) with a few changes at tag
    boundaries, inside text or attribute values between ``first`` and a little after ``last``."""
    from hypothesis import strategies as st

    return st.composite(lambda draw: _mutate(draw, seeds, first, last))()


def _mutate(draw, seeds: list[bytes], first: bytes, last: bytes) -> bytes:
    from hypothesis import strategies as st

    xml = draw(st.sampled_from(seeds))
    start = max(xml.find(first), 0)
    stop = xml.find(last, start) + len(last) + 200
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["insert at a tag", "insert anywhere", "replace text", "delete", "duplicate attribute",
                                    "quote", "to references"]))
        at = draw(st.integers(start, min(stop, len(xml) - 1)))
        if how == "insert at a tag":
            boundary = [m.start() for m in re.finditer(rb"[<>]", xml[at:at + 400])]
            at += boundary[draw(st.integers(0, len(boundary) - 1))] + draw(st.integers(0, 1)) if boundary else 0
            xml = xml[:at] + draw(st.sampled_from(SNIPPETS)).encode() + xml[at:]
        elif how == "insert anywhere":
            xml = xml[:at] + draw(st.sampled_from(SNIPPETS)).encode() + xml[at:]
        elif how == "replace text":
            found = re.compile(rb">([^<]+)<").search(xml, at)
            if found:
                text = draw(st.text(st.characters(max_codepoint=0x2FFFF, blacklist_categories=("Cs",)), max_size=12))
                xml = xml[:found.start(1)] + text.encode() + xml[found.end(1):]
        elif how == "delete":
            xml = xml[:at] + xml[at + draw(st.integers(1, 12)):]
        elif how == "duplicate attribute":
            found = re.compile(rb' ([a-zA-Z:]+)="[^"]*"').search(xml, at)
            if found:
                xml = xml[:found.end()] + found.group(0) + xml[found.end():]
        elif how == "quote":
            found = re.compile(rb'="([^"]*)"').search(xml, at)
            if found:
                xml = xml[:found.start()] + b"='" + found.group(1) + b"'" + xml[found.end():]
        else:  # non-ASCII text as character references, as openpyxl writes it with lxml
            found = re.compile(rb">([^<]+)<").search(xml, at)
            if found:
                text = found.group(1).decode("utf-8", "replace")
                refs = "".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" for ch in text).encode()
                xml = xml[:found.start(1)] + refs + xml[found.end(1):]
    return xml
