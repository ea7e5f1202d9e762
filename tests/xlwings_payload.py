"""The request an xlwings client sends, built from a real workbook file.

xlwings' own clients (``RunRemotePython`` in Remote.bas, ``xlwings.ts`` for Office.js) send
``{client, version, book, names, sheets}``: every worksheet's values from ``A1`` to the end of
its used range (empty cells as ``null``, dates as ``yyyy-mm-ddTHH:MM:SS.000Z`` from VBA), the
workbook's defined names with their sheet index and address. This helper reads the workbook
with :mod:`xltools.xlsxread` (cached formula values included) and builds the same shape, so that
``xw.Book(json=payload)`` sees what Excel would send.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import xlwings as xw
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from xltools.io.xlsxread import read_workbook


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(value, str) and value == "":
        return ""
    return value


def _grid(values: dict[str, object], extent: tuple[int, int] = (0, 0)) -> list[list[object]]:
    rows, cols = extent
    placed: dict[tuple[int, int], object] = {}
    for cell, value in values.items():
        column, row = coordinate_from_string(cell)
        col = column_index_from_string(column)
        placed[(row, col)] = value
        rows, cols = max(rows, row), max(cols, col)
    if not placed:
        return [[]]
    return [[_json_value(placed.get((r, c))) for c in range(1, cols + 1)] for r in range(1, rows + 1)]


def book_payload(source: Path | bytes, *, name: str = "自评表.xlsx", client: str = "VBA",
                 active_sheet: int = 0, selection: str | None = "A1",
                 used: dict[str, tuple[int, int]] | None = None) -> dict[str, object]:
    """The request body of an xlwings client for the workbook ``source``.

    ``used`` gives a sheet's used range extent (rows, columns) where formatted empty cells
    extend it beyond the last value, as Excel's ``UsedRange`` does.
    """
    if isinstance(source, Path) and source.suffix.lower() in (".xls", ".et", ".ods"):
        return _legacy_payload(source, name, client, active_sheet, selection)
    data = read_workbook(source)
    sheets = [{"name": sheet, "values": _grid(data.sheets[sheet].values, (used or {}).get(sheet, (0, 0))),
               "pictures": [], "tables": []} for sheet in data.sheet_names]
    names = []
    for defined, ref in data.defined_names.items():
        match = re.fullmatch(r"'?(.+?)'?!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", ref.lstrip("="))
        if not match or match.group(1) not in data.sheet_names:
            continue
        names.append({"name": defined, "sheet_index": data.sheet_names.index(match.group(1)),
                      "address": match.group(2).replace("$", ""), "book_scope": True,
                      "scope_sheet_name": None, "scope_sheet_index": None})
    return {
        "client": client,
        "version": xw.__version__,
        "book": {"name": name, "active_sheet_index": active_sheet, "selection": selection},
        "names": names,
        "sheets": sheets,
    }


def _legacy_payload(source: Path, name: str, client: str, active_sheet: int,
                   selection: str | None) -> dict[str, object]:
    """What a client sends for a workbook open as .xls/.et/.ods: its sheets' values as the seam's legacy reader
    (python-calamine) reads them from the file (no defined names: the add-in reads ranges by address)."""
    from xltools.io.seam import read_source

    book = read_source(source).book
    assert book is not None
    sheets = [{"name": sheet, "values": _grid(book.sheet(sheet).values, (0, 0)), "pictures": [], "tables": []}
              for sheet in book.sheet_names]
    return {"client": client, "version": xw.__version__,
            "book": {"name": name, "active_sheet_index": active_sheet, "selection": selection},
            "names": [], "sheets": sheets}


# --- reading the recorded actions ---------------------------------------------------------------

def cells(action: dict) -> set[str]:
    rows = range(action["start_row"] + 1, action["start_row"] + action["row_count"] + 1)
    cols = range(action["start_column"] + 1, action["start_column"] + action["column_count"] + 1)
    return {f"{get_column_letter(c)}{r}" for r in rows for c in cols}


def painted(actions: list[dict]) -> dict[str, str]:
    """Cell → fill after the colour actions on the form sheet (a matrix: "keep" leaves a cell alone)."""
    fills: dict[str, str] = {}
    for action in actions:
        if action["sheet_position"] != 0:
            continue
        if action["func"] == "setRangeColor":
            fills.update(dict.fromkeys(cells(action), action["args"][0]))
        elif action["func"] == "setRangeColors":
            for i, row in enumerate(action["args"][0]):
                for j, fill in enumerate(row):
                    if fill != "keep":
                        fills[f"{get_column_letter(action['start_column'] + 1 + j)}{action['start_row'] + 1 + i}"] = fill.upper()
    return fills


def written(actions: list[dict], sheet: int, anchor: str) -> dict[str, object]:
    """Cell → value of the ``setValues`` action on sheet ``sheet`` that starts at ``anchor`` (the last one)."""
    out: dict[str, object] = {}
    for action in actions:
        if action["func"] != "setValues" or action["sheet_position"] != sheet:
            continue
        first = f"{get_column_letter(action['start_column'] + 1)}{action['start_row'] + 1}"
        if first != anchor:
            continue
        out = {f"{get_column_letter(action['start_column'] + 1 + c)}{action['start_row'] + 1 + r}": value
               for r, row in enumerate(action["values"]) for c, value in enumerate(row)}
    return out
