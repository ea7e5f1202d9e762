"""A VBA project (``vbaProject.bin``) built from module source, with no Office at hand.

Everything here follows the public specifications:

* [MS-OVBA] 2.4.1 — the compression of module source and of the ``dir`` stream;
* [MS-OVBA] 2.3.4 — the ``dir`` stream, the ``PROJECT`` / ``PROJECTwm`` streams and the
  version-independent ``_VBA_PROJECT`` stream (no performance cache, so Office compiles the
  project from its source on first open);
* [MS-OVBA] 2.4.3 — the data encryption of the CMG/DPB/GC lines of ``PROJECT``;
* [MS-CFB] — the Compound File Binary container (version 3, 512-byte sectors, mini stream).

:func:`build_vba_project` takes module name → VBA source (ASCII); :func:`template_vba_project`
builds the project of the macro-enabled template from ``macros/*.bas``.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path

__all__ = [
    "compress", "decompress", "build_vba_project", "template_vba_project", "read_bas",
    "encrypt_project_data", "decrypt_project_data", "MACROS_DIR", "VbaError",
]

MACROS_DIR = Path(str(files("xltools.macros")))

#: Sheet code names the current template's workbook carries (XlsxWriter's ``Sheet1``… for its five sheets:
#: 自评表, 校验结果, 填报说明, 模板信息, 检查明细).
DEFAULT_DOCUMENTS = ("ThisWorkbook", "Sheet1", "Sheet2", "Sheet3", "Sheet4", "Sheet5")

_CODEPAGE = 1252
_CHUNK = 4096


from xltools.core.errors import UserError
from xltools.excel.cfb import cfb_write


class VbaError(UserError):
    """Module source or a name the VBA project cannot hold."""


# --- [MS-OVBA] 2.4.1 compression --------------------------------------------------------------

def _copy_token_split(difference: int) -> tuple[int, int]:
    """Bit count of the offset part and the maximum length for a copy token (2.4.1.3.19.1)."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes) -> bytes:
    """Token sequences of one decompressed chunk (≤ 4096 bytes); greedy longest match."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos, end = 0, len(data)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            best_len, best_off = 0, 0
            if pos > 0 and pos + 3 <= end:
                bit_count, max_len = _copy_token_split(pos)
                limit = min(max_len, end - pos)
                for start in reversed(heads.get(data[pos:pos + 3], ())[-256:]):
                    length = 3
                    while length < limit and data[start + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - start
                        if length == limit:
                            break
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                bit_count, _ = _copy_token_split(pos)
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
            else:
                out.append(data[pos])
            for p in range(pos, min(pos + step, end - 2)):
                heads.setdefault(data[p:p + 3], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer (2.4.1.1.1) holding ``data``.

    A full 4096-byte chunk whose token form would exceed 4096 bytes is stored raw (flag 0),
    as the specification says. The specification has no exact form for a final chunk of
    3641–4095 incompressible bytes (a raw chunk is always 4096 bytes); such a tail is written
    as two literal chunks, which olevba and :func:`decompress` read back exactly. VBA source
    text never comes near that case.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) <= _CHUNK:
            out += _chunk_header(len(body), compressed=True) + body
        elif len(chunk) == _CHUNK:
            out += _chunk_header(_CHUNK, compressed=False) + chunk
        else:
            half = len(chunk) // 2
            for part in (chunk[:half], chunk[half:]):
                body = _compress_chunk(part)
                out += _chunk_header(len(body), compressed=True) + body
    return bytes(out)


def _chunk_header(size: int, *, compressed: bool) -> bytes:
    """CompressedChunkHeader (2.4.1.1.5): size − 3 of header plus data, signature 0b011, flag."""
    return struct.pack("<H", (size + 2 - 3) | 0x3000 | (0x8000 if compressed else 0))


def decompress(container: bytes) -> bytes:
    """The data of a CompressedContainer (2.4.1.3.1); raises :class:`VbaError` on a bad one."""
    if not container or container[0] != 0x01:
        raise VbaError("compressed container does not start with signature byte 0x01")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise VbaError(f"truncated chunk header at byte {pos}")
        header = struct.unpack_from("<H", container, pos)[0]
        if (header >> 12) & 0x7 != 0b011:
            raise VbaError(f"bad chunk signature at byte {pos}")
        size = (header & 0x0FFF) + 3
        chunk_end = min(pos + size, len(container))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos:chunk_end]
            pos = chunk_end
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise VbaError(f"truncated copy token at byte {pos}")
                token = struct.unpack_from("<H", container, pos)[0]
                pos += 2
                bit_count, _ = _copy_token_split(len(out) - chunk_start)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                if offset > len(out) - chunk_start:
                    raise VbaError(f"copy token reaches before its chunk at byte {pos - 2}")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


# --- [MS-OVBA] 2.4.3 data encryption (CMG / DPB / GC) ---------------------------------------

def encrypt_project_data(data: bytes, project_id: str, seed: int) -> str:
    """Hex text of ``data`` encrypted as a PROJECT stream's CMG/DPB/GC value (2.4.3.2)."""
    key = sum(project_id.encode("ascii")) & 0xFF
    seed &= 0xFF
    version_enc, key_enc = seed ^ 2, seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    plain1, enc1, enc2 = key, key_enc, version_enc
    ignored = bytes((seed + i) & 0xFF for i in range((seed & 6) // 2))
    for byte in ignored + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((enc2 + plain1) & 0xFF)
        out.append(enc)
        enc2, enc1, plain1 = enc1, enc, byte
    return out.hex().upper()


def decrypt_project_data(text: str) -> bytes:
    """Inverse of :func:`encrypt_project_data` (2.4.3.3), used to test it."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise VbaError("encrypted data has version other than 2")
    key = seed ^ key_enc
    plain1, enc1, enc2 = key, key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((enc2 + plain1) & 0xFF)
        plain.append(byte)
        enc2, enc1, plain1 = enc1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored)[0]
    data = bytes(plain[ignored + 4:])
    if len(data) != length:
        raise VbaError(f"encrypted data says {length} bytes, holds {len(data)}")
    return data


# --- [MS-OVBA] 2.3.4 the project streams ---------------------------------------------------------

_STDOLE = ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
                     "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
_DOC_BASES = {"ThisWorkbook": "0{00020819-0000-0000-C000-000000000046}"}
_SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


def _rec(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _mbcs(text: str) -> bytes:
    return text.encode("cp1252")


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _dir_stream(modules: Sequence[tuple[str, bool]]) -> bytes:
    """The decompressed ``dir`` stream (2.3.4.2) for (module name, is document module)."""
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))          # PROJECTSYSKIND: 32-bit Windows
    out += _rec(0x0002, struct.pack("<I", 0x0409))     # PROJECTLCID
    out += _rec(0x0014, struct.pack("<I", 0x0409))     # PROJECTLCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", _CODEPAGE))  # PROJECTCODEPAGE
    out += _rec(0x0004, b"VBAProject")                 # PROJECTNAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")       # PROJECTDOCSTRING
    out += _rec(0x0006, b"") + _rec(0x003D, b"")       # PROJECTHELPFILEPATH
    out += _rec(0x0007, struct.pack("<I", 0))          # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))          # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)       # PROJECTVERSION: Reserved=4, major, minor
    out += _rec(0x000C, b"") + _rec(0x003C, b"")       # PROJECTCONSTANTS
    name, libid = _STDOLE                              # PROJECTREFERENCES: stdole (registered)
    out += _rec(0x0016, _mbcs(name)) + _rec(0x003E, _utf16(name))
    lib = _mbcs(libid)
    out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    out += _rec(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))        # PROJECTCOOKIE
    for module, is_document in modules:
        out += _rec(0x0019, _mbcs(module)) + _rec(0x0047, _utf16(module))
        out += _rec(0x001A, _mbcs(module)) + _rec(0x0032, _utf16(module))
        out += _rec(0x001C, b"") + _rec(0x0048, b"")
        out += _rec(0x0031, struct.pack("<I", 0))   # MODULEOFFSET: source at the stream's start
        out += _rec(0x001E, struct.pack("<I", 0))   # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))
        out += struct.pack("<HI", 0x0022 if is_document else 0x0021, 0)
        out += struct.pack("<HI", 0x002B, 0)
    out += struct.pack("<HI", 0x0010, 0)
    return bytes(out)


_UNPROTECTED = struct.pack("<I", 0)   # ProjectProtectionState: nothing locked
_NO_PASSWORD = b"\0"                   # ProjectPassword: none
_VISIBLE = b"\xff"                     # ProjectVisibilityState: visible


def _project_stream(project_id: str, modules: Sequence[tuple[str, bool]], seed: int) -> bytes:
    lines = [f'ID="{project_id}"']
    for module, is_document in modules:
        lines.append(f"Document={module}/&H00000000" if is_document else f"Module={module}")
    lines += [
        'Name="VBAProject"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt_project_data(_UNPROTECTED, project_id, seed)}"',
        f'DPB="{encrypt_project_data(_NO_PASSWORD, project_id, seed + 1)}"',
        f'GC="{encrypt_project_data(_VISIBLE, project_id, seed + 2)}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module}=0, 0, 0, 0, C" for module, _ in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def _projectwm_stream(modules: Sequence[tuple[str, bool]]) -> bytes:
    out = bytearray()
    for module, _ in modules:
        out += _mbcs(module) + b"\0" + _utf16(module) + b"\0\0"
    return bytes(out + b"\0\0")


def _document_source(name: str) -> str:
    base = _DOC_BASES.get(name, _SHEET_BASE)
    return "\r\n".join([
        f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True", "",
    ])


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")


def stored_source(name: str, source: str) -> str:
    """The text a module stream holds: ``Attribute VB_Name`` line, then the code, CRLF lines."""
    body = source.replace("\r\n", "\n").replace("\r", "\n")
    if body and not body.endswith("\n"):
        body += "\n"
    return (f'Attribute VB_Name = "{name}"\n' + body).replace("\n", "\r\n")


def build_vba_project(modules: dict[str, str], *, documents: Iterable[str] = DEFAULT_DOCUMENTS) -> bytes:
    """``vbaProject.bin`` holding the standard modules ``modules`` (name → VBA source, ASCII).

    ``documents`` are the document modules (workbook and sheet code names) the workbook refers
    to; they are empty. The project carries no compiled cache, so Office compiles the source.
    """
    docs = list(documents)
    entries = [(d, True) for d in docs] + [(m, False) for m in modules]
    seen: set[str] = set()
    for name, _ in entries:
        if not _NAME.fullmatch(name):
            raise VbaError(f"VBA 模块名 {name!r} 不合法：须以字母开头，只含字母、数字和下划线，最多 31 个字符")
        if name.lower() in seen:
            raise VbaError(f"VBA 模块名 {name!r} 重复")
        seen.add(name.lower())
    streams: dict[str, object] = {}
    for name in docs:
        streams[name] = compress(_mbcs(_document_source(name)))
    for name, source in modules.items():
        stored = stored_source(name, source)
        try:
            text = stored.encode("ascii")
        except UnicodeEncodeError as exc:
            line = stored[:exc.start].count("\r\n")  # the first stored line is the Attribute line
            raise VbaError(f"VBA 模块 {name} 第 {line} 行含非 ASCII 字符；宏源码只能用 ASCII"
                           "（中文提示请用 ChrW 拼出）") from exc
        streams[name] = compress(text)
    digest = hashlib.sha256(repr(sorted(modules.items())).encode()).digest()
    project_id = "{" + "-".join(digest[a:b].hex().upper() for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 16))) + "}"
    vba = {"_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000),
           "dir": compress(_dir_stream(entries)), **streams}
    return cfb_write({
        "PROJECT": _project_stream(project_id, entries, digest[16]),
        "PROJECTwm": _projectwm_stream(entries),
        "VBA": vba,
    })


def read_bas(path: Path) -> tuple[str, str]:
    """(module name, source) of a ``.bas`` export: the ``Attribute VB_Name`` header is stripped."""
    text = path.read_bytes().decode("ascii")
    lines = text.replace("\r\n", "\n").split("\n")
    name = path.stem
    if lines and (match := re.fullmatch(r'Attribute VB_Name = "([^"]+)"', lines[0].strip())):
        name = match.group(1)
        lines = lines[1:]
    return name, "\n".join(lines)


def template_vba_project(macros_dir: Path = MACROS_DIR, *, documents: Iterable[str] = DEFAULT_DOCUMENTS) -> bytes:
    """The VBA project of the macro-enabled template, from ``macros/*.bas``."""
    files = sorted(macros_dir.glob("*.bas"))
    if not files:
        raise VbaError(f"{macros_dir} 中没有 .bas 宏源码")
    return build_vba_project(dict(read_bas(path) for path in files), documents=documents)
