"""QuietSink: a zip written through it is the zip written to a file; a failure is kept, never raised late."""

from __future__ import annotations

import errno
import gc
import os
import sys
import zipfile

import pytest

from xltools.io.sink import QuietSink

PARTS = {f"xl/worksheets/sheet{i}.xml": os.urandom(50_000) + b"<row/>" * 20_000 for i in range(1, 4)}


def _zip(target: object) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for name, data in PARTS.items():
            with archive.open(name, "w") as member:  # seeks back to finish each local header
                member.write(data)


def test_a_zip_through_the_sink_is_the_zip_written_to_a_file(tmp_path):
    _zip(tmp_path / "plain.zip")
    with QuietSink(tmp_path / "sink.zip") as sink:
        _zip(sink)
    sink.check()
    assert (tmp_path / "sink.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "sink.zip") as archive:
        assert archive.testzip() is None and {n: archive.read(n) for n in archive.namelist()} == PARTS


def test_a_full_disk_is_kept_and_raised_once_by_check():
    with QuietSink("/dev/full") as sink:
        _zip(sink)  # no exception on the way: the zip finishes into nothing
    with pytest.raises(OSError) as caught:
        sink.check()
    assert caught.value.errno == errno.ENOSPC


def test_a_zip_left_open_and_closed_late_prints_nothing(monkeypatch):
    """What XlsxWriter does when something fails before it closes its zip: the garbage collector closes
    it after the sink, and nothing reaches sys.unraisablehook (which prints "Exception ignored in")."""
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    sink = QuietSink("/dev/full")
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    archive.writestr("a.xml", b"<a/>" * 10_000)
    sink.close()
    del archive
    gc.collect()
    assert unraisable == []
    with pytest.raises(OSError):
        sink.check()


def test_without_the_sink_a_late_close_is_noise(monkeypatch, tmp_path):
    """The failure the sink exists for, shown with a plain file (closed before the zip)."""
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    handle = open(tmp_path / "plain.zip", "wb")  # noqa: SIM115 - closed by hand below, on purpose
    archive = zipfile.ZipFile(handle, "w")
    archive.writestr("a.xml", b"<a/>")
    handle.close()
    del archive
    gc.collect()
    assert len(unraisable) == 1
