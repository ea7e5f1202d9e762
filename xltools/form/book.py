"""What the form layer needs of a workbook: a read-only view, whatever read it.

The bounded file reader (:mod:`xltools.io.xlsxread`) and the xlwings add-in both provide it, so
identification, the tamper check and the verdict are pure functions over it. A view that cannot
see some part of a workbook (the add-in sees values only) says so with ``None``, and the checks
that need that part are not run on it. Such a view of a form in a format other than .xlsx/.xlsm gets
one ``format-legacy`` finding (:func:`format_legacy`), whichever door read it: the reader seam for a
file, the add-in for a workbook open in Excel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Protocol

from xltools.core.catalogue import FormatLegacy
from xltools.core.findings import Finding

__all__ = ["SheetView", "BookView", "FORMAT_TEXT", "format_text", "format_of_name", "unseen", "format_legacy"]

#: The Chinese name of each spreadsheet format a form may come in.
FORMAT_TEXT = {
    "xls": "Excel 97–2003 工作簿（.xls）", "et": "WPS 表格（.et，Excel 97–2003 兼容格式）",
    "ods": "OpenDocument 电子表格（.ods）", "xlsb": "Excel 二进制工作簿（.xlsb）",
    "xlsx": "Excel 工作簿（.xlsx）", "xlsm": "启用宏的 Excel 工作簿（.xlsm）",
}
#: The format a workbook's name says (what Excel or WPS opened it as), by its extension.
_BY_SUFFIX = {".xls": "xls", ".et": "et", ".ett": "et", ".ods": "ods", ".xlsb": "xlsb", ".xlsx": "xlsx",
              ".xlsm": "xlsm", ".xltx": "xlsx", ".xltm": "xlsm"}


class SheetView(Protocol):
    """One worksheet's cells."""

    #: Cell → formula text (without ``=``); ``None`` when the reader does not see formulas.
    formulas: Mapping[str, str] | None

    def value(self, cell: str) -> object:
        """The value (or a formula's cached value) of ``cell``; ``None`` when empty."""

    def locked(self, cell: str) -> bool | None:
        """Whether ``cell`` is locked; ``None`` when the reader does not see cell protection."""

    def lock_states(self, cells: Sequence[str]) -> frozenset[bool] | None:
        """The states :meth:`locked` gives among ``cells`` (``{True}``: all locked); ``None`` when the reader
        does not see cell protection. The tamper check asks it first, and cell by cell only when states differ."""

    @property
    def protected(self) -> bool | None:
        """Whether the sheet is protected; ``None`` when the reader does not see it."""


class BookView(Protocol):
    """A workbook's sheets by name."""

    @property
    def sheet_names(self) -> Sequence[str]: ...

    def sheet(self, name: str) -> SheetView | None:
        """The sheet called ``name``; ``None`` when there is none."""


def format_text(fmt: str) -> str:
    """The Chinese name of a format (``xls`` → “Excel 97–2003 工作簿（.xls）”)."""
    return FORMAT_TEXT.get(fmt, f".{fmt}")


def format_of_name(name: str) -> str:
    """The format a workbook's file name says (``xls``, ``et`` …; ``""`` for an extension of no spreadsheet)."""
    return _BY_SUFFIX.get(PurePath(name).suffix.lower(), "")


def unseen(book: BookView, sheet: str) -> str:
    """What ``book``'s view of the form sheet ``sheet`` cannot see (“工作表保护、公式和单元格锁定”), or ``""``
    (also when it has no such sheet: identification speaks of that)."""
    view = book.sheet(sheet)
    if view is None:
        return ""
    parts = [what for what, blind in (("工作表保护", view.protected is None), ("公式", view.formulas is None),
                                      ("单元格锁定", view.locked("A1") is None)) if blind]
    return "、".join(parts[:-1]) + ("和" if len(parts) > 1 else "") + (parts[-1] if parts else "")


def format_legacy(fmt: str, book: BookView, sheet: str, *, renamed: str = "") -> Finding | None:
    """The one ``format-legacy`` finding of a form in format ``fmt`` whose view cannot see what proves the
    template intact; ``None`` for .xlsx/.xlsm or a view that sees it all. ``renamed``: what the name says
    when it is not the content's format (``（扩展名为 .xlsx）``)."""
    blind = unseen(book, sheet)
    if not blind or fmt in ("xlsx", "xlsm"):
        return None
    return FormatLegacy.at("file", format=format_text(fmt), unseen=blind, renamed=renamed)
