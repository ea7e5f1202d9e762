"""The seam's reader of Office Open XML workbooks (.xlsx/.xlsm): the bounded reader :mod:`xltools.io.xlsxread`."""

from __future__ import annotations

from typing import ClassVar

from xltools.io.reader import Content, Reader, ReadError, ReadOptions, Source
from xltools.io.xlsxread import WorkbookReadError, read_workbook

__all__ = ["XlsxReader"]


class XlsxReader(Reader):
    """A zip whose directory names ``xl/workbook.xml``; a zip whose directory cannot be read at all is
    given to it too, so a damaged .xlsx gets the bounded reader's own reason."""

    name: ClassVar[str] = "xlsx"
    formats: ClassVar[tuple[str, ...]] = ("xlsx", "xlsm")

    def accepts(self, content: Content) -> bool:
        return content.kind == "zip" and ("xl/workbook.xml" in content.members or content.damaged)

    def read(self, content: Content, options: ReadOptions) -> Source:
        try:
            book = read_workbook(content.data, sheets=options.sheets, shared=options.shared,
                                 cells_only=options.cells_only, limits=options.limits)
        except WorkbookReadError as exc:
            raise ReadError("unreadable" if exc.fate == "not-excel" else exc.fate, exc.reason) from exc
        macro = book.has_vba or content.suffix == ".xlsm"
        return Source("xlsm" if macro else "xlsx", book)
