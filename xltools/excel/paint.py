"""Colouring a sheet's cells with as few writes as the engine allows.

A click of 检查评分 restores the template's shading of every cell a finding can colour and
colours the cells with findings. Cell by cell that is dozens of round trips to Excel; here the
final fill of every cell is worked out first and then written:

* on the desktop (COM), one write per fill colour: its cells as rectangles joined into a
  multi-area address (``"B4:I4,C8:D9"``), split where the address would pass Excel's limit of
  255 characters for ``Range(address)``;
* on xlwings' remote engines, one ``set_colors`` matrix over the cells' bounding box (``...``, keep,
  for the cells in between) when the request comes from an Office.js client; xlwings' VBA and Office
  Scripts clients know no such action and get one ``setRangeColor`` per rectangle — all of them
  return in the one response to the request anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import xlwings as xw

from xltools.form.cells import Cell, rectangles

__all__ = ["MAX_ADDRESS", "areas", "paint"]

#: Excel's limit for the address given to ``Worksheet.Range``.
MAX_ADDRESS = 255



def areas(refs: Iterable[str], limit: int = MAX_ADDRESS) -> list[str]:
    """Join references into multi-area addresses of at most ``limit`` characters each."""
    out: list[str] = []
    for ref in refs:
        if out and len(out[-1]) + 1 + len(ref) <= limit:
            out[-1] += "," + ref
        else:
            out.append(ref)
    return out


def paint(sheet: object, fills: Mapping[Cell, str]) -> int:
    """Give every cell in ``fills`` its fill; return the number of writes made."""
    if not fills:
        return 0
    desktop = sheet.book.app.engine.type == "desktop"  # type: ignore[attr-defined]
    rows = [r for r, _ in fills]
    cols = [c for _, c in fills]
    if not desktop and _takes_colour_matrix(sheet):
        box = sheet.range((min(rows), min(cols)), (max(rows), max(cols)))  # type: ignore[attr-defined]
        box.set_colors([[fills.get((row, col), ...) for col in range(min(cols), max(cols) + 1)]
                        for row in range(min(rows), max(rows) + 1)])
        return 1
    writes = 0
    for fill in sorted(set(fills.values())):
        cells = rectangles(c for c, f in fills.items() if f == fill)
        for address in areas(cells) if desktop else cells:  # remote engines take one rectangle at a time
            sheet.range(address).color = fill  # type: ignore[attr-defined]
            writes += 1
    return writes


def _takes_colour_matrix(sheet: object) -> bool:
    """xlwings' Office.js clients apply a colour matrix (``setRangeColors``, xlwings >= 0.37.5); its VBA
    (``RunRemotePython``) and Office Scripts clients know only ``setRangeColor``."""
    api = sheet.book.api  # type: ignore[attr-defined]  # the request on the remote engines
    return isinstance(api, dict) and api.get("client") == "Office.js" and hasattr(xw.Range, "set_colors")
