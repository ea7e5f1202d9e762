"""io.xlsxinflate: a part inflated from the file's bytes is exactly what zipfile reads, or is left to zipfile."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.io import xlsxinflate
from xltools.io.xlsxinflate import inflate

from .fuzzkit import rezip as _zip

ROOT = Path(__file__).resolve().parent
LIMIT = 16 * 1024 * 1024


def _zipfile_reads(data: bytes, name: str, limit: int = LIMIT) -> bytes | type[Exception]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(name) as handle:
            return handle.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        return type(exc)


def test_the_fast_inflater_is_isal_here():
    assert xlsxinflate.INFLATER == "isal"  # the wheel is a dependency; zlib only where it cannot load


def test_every_part_of_every_test_workbook_reads_as_zipfile_reads_it():
    files = sorted({*ROOT.glob("fixtures/**/*.xlsx"), *ROOT.glob("fixtures/**/*.xlsm"),
                    *(ROOT.parent / "workbook_templates").glob("*.xls*")})
    assert len(files) >= 5
    parts = 0
    for path in files:
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                assert inflate(data, info, LIMIT) == _zipfile_reads(data, info.filename), (path, info.filename)
                parts += 1
    assert parts > 50


def test_stored_parts_and_the_limit():
    data = _zip({"a.xml": b"x" * 1000}, zipfile.ZIP_STORED)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("a.xml")
    assert inflate(data, info, LIMIT) == b"x" * 1000
    deflated = _zip({"a.xml": b"y" * 5000})
    info = zipfile.ZipFile(io.BytesIO(deflated)).getinfo("a.xml")
    assert inflate(deflated, info, 100) == _zipfile_reads(deflated, "a.xml", 100) == b"y" * 101  # the caller refuses
    info.file_size = 50  # a directory that says less than the stream holds: zipfile decides
    assert inflate(deflated, info, 100) is None


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=3000), position=st.integers(min_value=0), value=st.integers(0, 255),
       method=st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
def test_a_damaged_byte_anywhere_gives_zipfiles_result_or_is_left_to_zipfile(content, position, value, method):
    data = bytearray(_zip({"xl/sharedStrings.xml": content, "xl/styles.xml": content[::-1]}, method))
    position %= len(data)
    data[position] = value
    data = bytes(data)
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        return  # the directory itself is broken: the reader stops before any part
    for info in infos:
        fast = inflate(data, info, LIMIT)
        if fast is not None:
            assert fast == _zipfile_reads(data, info.filename)


def test_a_forged_crc_is_left_to_zipfile_which_refuses_it():
    data = bytearray(_zip({"a.xml": b"<a>hello</a>" * 50}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("a.xml")
    info.CRC ^= 1
    assert inflate(bytes(data), info, LIMIT) is None
    with pytest.raises(zipfile.BadZipFile):
        with archive.open(info) as handle:
            handle.read()
