"""A minimal [MS-CFB] compound file writer (version 3, 512-byte sectors): what a vbaProject.bin is made of."""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["cfb_write"]


_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Entry"] | None = None
    sid: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _END
    size: int = 0


def _cfb_key(name: str) -> tuple[int, str]:
    return (len(name.encode("utf-16-le")), name.upper())


def _chain(first: int, count: int) -> list[int]:
    return [first + i + 1 if i + 1 < count else _END for i in range(count)]


def cfb_write(tree: dict[str, object]) -> bytes:
    """A compound file holding ``tree`` (name → bytes for a stream, → dict for a storage)."""
    root = _Entry("Root Entry", 5, children=[])
    entries = [root]

    def add(parent: _Entry, items: dict[str, object]) -> None:
        for name, value in items.items():
            if len(name) > 31 or any(c in name for c in "/\\:!"):
                raise ValueError(f"compound file entry name not allowed: {name!r}")
            if isinstance(value, dict):
                entry = _Entry(name, 1, children=[])
                add(entry, value)
            else:
                entry = _Entry(name, 2, data=bytes(value))  # type: ignore[arg-type]
            entry.sid = len(entries)
            entries.append(entry)
            parent.children.append(entry)  # type: ignore[union-attr]

    add(root, tree)

    def balance(items: list[_Entry]) -> int:
        if not items:
            return _NOSTREAM
        mid = len(items) // 2
        node = items[mid]
        node.left, node.right = balance(items[:mid]), balance(items[mid + 1:])
        return node.sid

    for entry in entries:
        if entry.children is not None:
            entry.child = balance(sorted(entry.children, key=lambda e: _cfb_key(e.name)))

    # Streams: small ones into the mini stream, the others into regular sectors.
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2:
            continue
        entry.size = len(entry.data)
        if entry.size == 0:
            entry.start = _END
        elif entry.size < _CUTOFF:
            count = -(-entry.size // _MINI)
            entry.start = len(minifat)
            minifat += _chain(entry.start, count)
            mini += entry.data.ljust(count * _MINI, b"\0")
        else:
            big.append(entry)

    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes) -> int:
        count = -(-len(data) // _SECTOR)
        first = len(sectors)
        for i in range(count):
            sectors.append(data[i * _SECTOR:(i + 1) * _SECTOR].ljust(_SECTOR, b"\0"))
        fat.extend(_chain(first, count))
        return first if count else _END

    for entry in big:
        entry.start = place(entry.data)
    root.start, root.size = (place(bytes(mini)), len(mini)) if mini else (_END, 0)
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    if minifat_bytes:
        minifat_bytes += struct.pack("<I", _FREE) * ((-len(minifat_bytes) // 4) % (_SECTOR // 4))
    minifat_start = place(minifat_bytes) if minifat_bytes else _END
    minifat_count = len(minifat_bytes) // _SECTOR

    directory = bytearray()
    for entry in entries:
        directory += _dir_entry(entry)
    while len(directory) % _SECTOR:
        directory += _dir_entry(None)
    dir_start = place(bytes(directory))

    # FAT sectors describe themselves too.
    fat_count = 1
    while (len(sectors) + fat_count) > fat_count * (_SECTOR // 4):
        fat_count += 1
    if fat_count > 109:
        raise ValueError("VBA project too large for a compound file without DIFAT sectors")
    fat_first = len(sectors)
    fat += [_FATSECT] * fat_count
    fat += [_FREE] * (fat_count * (_SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for i in range(fat_count):
        sectors.append(fat_bytes[i * _SECTOR:(i + 1) * _SECTOR])

    difat = [fat_first + i for i in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6,
        0, fat_count, dir_start, 0, _CUTOFF, minifat_start, minifat_count, _END, 0,
    ) + struct.pack("<109I", *difat)
    return header + b"".join(sectors)


def _dir_entry(entry: _Entry | None) -> bytes:
    if entry is None:
        return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                           b"\0" * 16, 0, 0, 0, 0, 0)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), entry.kind, 1, entry.left, entry.right,
                       entry.child, b"\0" * 16, 0, 0, 0, entry.start, entry.size)


