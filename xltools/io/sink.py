"""A file a zip writer can write into that never raises while it writes, so a failure is raised once, by us.

XlsxWriter zips a workbook with :class:`zipfile.ZipFile` over the file it is given and does not close
the zip when something fails on the way (a full disk, a full temporary folder): the zip is closed
later, by the garbage collector, which writes its end records then — and a second failure there is
printed to standard error as "Exception ignored in …" with a traceback, past every handler. The
district summary therefore used to be zipped into memory and written in one go; but the summary grows
with the number of forms (12 MB at 20,000), and so did the main process.

:class:`QuietSink` lets the zip go straight to the output's temporary file: the first failed write is
kept (:attr:`QuietSink.error`), every write after it and every call after :meth:`close` is accepted
and dropped, so a late close of the zip finds nothing to complain about. :meth:`QuietSink.check`
raises the kept failure; the caller removes the file (see :func:`xltools.io.files.atomic_output`).
"""

from __future__ import annotations

import io
from pathlib import Path

__all__ = ["QuietSink"]


class QuietSink(io.RawIOBase):
    """A seekable, writable binary file at ``path`` (created or truncated) that keeps its first
    :class:`OSError` instead of raising it."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.error: OSError | None = None
        self._file: io.BufferedWriter | None = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._position = 0  # where a dropped write or seek left the file, once the file is gone

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def _fail(self, exc: OSError) -> None:
        self.error = self.error or exc
        self._drop_file()

    def _drop_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError as exc:  # flushing what the buffer still held failed too
                self.error = self.error or exc

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        size = memoryview(data).nbytes
        if self._file is not None:
            try:
                self._file.write(data)  # a buffered writer writes everything or raises
            except OSError as exc:
                self._fail(exc)
            else:
                self._position = self._file.tell()
                return size
        self._position += size
        return size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self._file is not None:
            try:
                self._position = self._file.seek(offset, whence)
                return self._position
            except OSError as exc:
                self._fail(exc)
        if whence == io.SEEK_SET:
            self._position = offset
        elif whence == io.SEEK_CUR:
            self._position += offset
        return self._position

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        if self._file is not None:
            try:
                self._file.flush()
            except OSError as exc:
                self._fail(exc)

    def close(self) -> None:
        self._drop_file()
        super().close()

    @property
    def closed(self) -> bool:  # never "closed" to a writer: a late close of the zip must not fail
        return False

    def check(self) -> None:
        """Raise the first failure, if any (after :meth:`close`, so that everything was flushed)."""
        if self.error is not None:
            raise self.error
