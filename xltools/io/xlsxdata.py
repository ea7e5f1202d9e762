"""Shell: a workbook as a reader yields it — each sheet's values, formulas, styles and protection, the sheet
order, defined names and the workbook's own protection (:mod:`xltools.io.xlsxread` fills it from an .xlsx/.xlsm;
the label-driven and list readers build it from other formats)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["SheetData", "WorkbookData"]


@dataclass
class SheetData:
    """One worksheet as read: values, formulas, styles and protection."""

    name: str
    state: str = "visible"
    values: dict[str, object] = field(default_factory=dict)
    formulas: dict[str, str] = field(default_factory=dict)
    styles: dict[str, int] = field(default_factory=dict)
    protected: bool = False
    merged: list[str] = field(default_factory=list)
    validations: list[str] = field(default_factory=list)
    _locked_styles: frozenset[int] = frozenset({0})

    def __post_init__(self) -> None:
        # the value of a cell is asked for ~200 times per form (layout, tamper check): the dictionary's own
        # get, not a method calling it (``values`` is filled in place, never replaced)
        self.value = self.values.get  # type: ignore[method-assign]

    def value(self, cell: str) -> object:
        return self.values.get(cell)

    def locked(self, cell: str) -> bool:
        """Whether the cell is locked (cells never written use style 0, locked by default)."""
        return self.styles.get(cell, 0) in self._locked_styles

    def lock_states(self, cells: Sequence[str]) -> frozenset[bool]:
        """:meth:`locked`'s answers among ``cells``, asked once per style (a form's ~200 fixed and input cells
        use a handful of styles)."""
        locked = self._locked_styles
        return frozenset((style or 0) in locked for style in set(map(self.styles.get, cells)))


@dataclass
class WorkbookData:
    """A workbook as read by :func:`read_workbook`."""

    sheets: dict[str, SheetData]
    sheet_names: list[str]
    defined_names: dict[str, str]
    structure_locked: bool
    has_vba: bool

    def sheet(self, name: str) -> SheetData | None:
        return self.sheets.get(name)
