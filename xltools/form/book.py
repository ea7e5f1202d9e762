"""What the form layer needs of a workbook: a read-only view, whatever read it.

The bounded file reader (:mod:`xltools.io.xlsxread`) and the xlwings add-in both provide it, so
identification, the tamper check and the verdict are pure functions over it. A view that cannot
see some part of a workbook (the add-in sees values only) says so with ``None``, and the checks
that need that part are not run on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = ["SheetView", "BookView"]


class SheetView(Protocol):
    """One worksheet's cells."""

    #: Cell → formula text (without ``=``); ``None`` when the reader does not see formulas.
    formulas: Mapping[str, str] | None

    def value(self, cell: str) -> object:
        """The value (or a formula's cached value) of ``cell``; ``None`` when empty."""

    def locked(self, cell: str) -> bool | None:
        """Whether ``cell`` is locked; ``None`` when the reader does not see cell protection."""

    @property
    def protected(self) -> bool | None:
        """Whether the sheet is protected; ``None`` when the reader does not see it."""


class BookView(Protocol):
    """A workbook's sheets by name."""

    @property
    def sheet_names(self) -> Sequence[str]: ...

    def sheet(self, name: str) -> SheetView | None:
        """The sheet called ``name``; ``None`` when there is none."""
