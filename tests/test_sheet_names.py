"""read_sheet_names: a workbook's sheet names from its zip directory and xl/workbook.xml alone, as read_workbook
gives them — the same names, the same refusals — without holding the file (io.paths.is_workbook_with asks it
whether an existing output is a summary; a summary of 20,000 projects is 14 MB)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from xltools.io.paths import is_workbook_with
from xltools.io.xlsxread import WorkbookReadError, read_sheet_names, read_workbook

from .fuzzkit import SEEDS, parts, rezip, with_part

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>%s</sheets>'
             b'</workbook>')


def _sheets(*names: str) -> bytes:
    return _WORKBOOK % b"".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>'.encode()
                                for i, n in enumerate(names, 1))


def _outcome(read, path: Path) -> object:
    try:
        return read(path)
    except WorkbookReadError as exc:
        return exc.fate, exc.reason


def _both(path: Path) -> tuple[object, object]:
    return _outcome(read_sheet_names, path), _outcome(lambda p: read_workbook(p, sheets=()).sheet_names, path)


def test_the_names_of_every_seed_form_are_read_workbooks(tmp_path):
    assert SEEDS
    for seed in SEEDS:
        names, reference = _both(seed)
        assert isinstance(names, list) and names == reference, seed.name


def _bad_files(folder: Path) -> dict[str, Path]:
    seed = SEEDS[0].read_bytes()
    without = {name: data for name, data in parts(seed).items() if name != "xl/workbook.xml"}
    made = {
        "text": b"not a workbook at all\n",
        "old-xls": _OLE + b"\x00" * 600,
        "encrypted": _OLE + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 600,
        "no-workbook-part": rezip(without),
        "twice": with_part(seed, "xl/workbook.xml", _sheets("汇总", "汇总")),
        "twice-by-case": with_part(seed, "xl/workbook.xml", _sheets("Sheet", "SHEET")),
        "dtd": with_part(seed, "xl/workbook.xml", _sheets("汇总").replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)),
        "bad-xml": with_part(seed, "xl/workbook.xml", b"<workbook><sheets>"),
        "truncated": seed[: len(seed) // 2],
        "empty": b"",
    }
    out = {}
    for name, data in made.items():
        out[name] = folder / f"{name}.xlsx"
        out[name].write_bytes(data)
    out["folder"] = folder / "folder.xlsx"
    out["folder"].mkdir()
    out["missing"] = folder / "missing.xlsx"
    return out


def test_bad_files_are_refused_as_read_workbook_refuses_them(tmp_path):
    for name, path in _bad_files(tmp_path).items():
        names, reference = _both(path)
        assert isinstance(reference, tuple), name  # each is refused ...
        assert names == reference, name  # ... with the same fate and Chinese reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "汇总.xlsx"
    os.mkfifo(pipe)
    names, reference = _both(pipe)
    assert names == reference and names[0] == "unreadable" and "不是普通文件" in names[1]
    assert is_workbook_with("汇总")(pipe) is False


def test_a_big_summary_is_recognised_without_being_held(tmp_path):
    """The recogniser reads the zip's directory and workbook.xml: its memory does not grow with the file (before,
    it read the whole file: a peak of at least the file's size)."""
    import tracemalloc

    seed = SEEDS[0].read_bytes()
    summary = tmp_path / "汇总.xlsx"
    summary.write_bytes(with_part(seed, "xl/workbook.xml", _sheets("汇总", "项目信息")))
    big = tmp_path / "大汇总.xlsx"
    with zipfile.ZipFile(summary) as source, zipfile.ZipFile(big, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/image1.bin", os.urandom(8 << 20), zipfile.ZIP_STORED)
    assert big.stat().st_size > 8 << 20
    recognise = is_workbook_with("汇总", "项目信息")
    recognise(big)  # imports and caches settle first
    tracemalloc.start()
    try:
        assert recognise(big) is True
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"peak {peak / (1 << 20):.1f} MB to recognise an {big.stat().st_size >> 20} MB file"
    assert is_workbook_with("汇总", "复核重点")(big) is False
    assert read_sheet_names(big) == read_workbook(big, sheets=()).sheet_names == ["汇总", "项目信息"]
