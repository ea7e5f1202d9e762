"""What the bounded reader (:mod:`xltools.io.xlsxread`) takes from the element tree of a part: a worksheet's
cells (as :mod:`xltools.io.xlsxsheet` gives them from the plain form), protection, merged ranges and validations;
the sheets and defined names of ``xl/workbook.xml``; the targets of its relationships. Each depends on the tree
alone, so the reader keeps what it made of a part every form of a template shares (:meth:`_Reader.shared_made`)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import NamedTuple
from xml.etree.ElementTree import Element

from xltools.io.xlsxcells import cells, is_date_format, truthy
from xltools.io.xlsxsheet import Record

__all__ = ["Content", "content_of", "tree_records", "Workbook", "workbook_of", "targets_of", "strings_of",
           "styles_of"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_F, _V, _IS, _T, _R = (f"{_NS}{tag}" for tag in ("f", "v", "is", "t", "r"))
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}


def tree_records(root: Element) -> Iterator[Record]:
    """The cells of a parsed sheet as :mod:`xltools.io.xlsxsheet` gives them from the plain form."""
    for ref, c in cells(root):
        text_style = c.get("s")
        style = 0 if text_style is None else int(text_style)
        kind = c.get("t", "n")
        if not len(c):  # a formatting-only cell: no formula, value or inline string
            yield ref, style, kind, None, None, None
            continue
        f = c.find(_F)
        formula = None if f is None else f.text or ""
        if kind == "inlineStr":
            node = c.find(_IS)
            if node is None:
                inline = None
            elif len(node) == 1 and node[0].tag == _T and not len(node[0]):  # the usual <is><t>…</t></is>
                inline = node[0].text or ""
            else:
                inline = "".join(t.text or "" for t in node.iter(_T))
            yield ref, style, kind, formula, inline, None
        else:
            v = c.find(_V)
            yield ref, style, kind, formula, None, None if v is None else v.text


class Content(NamedTuple):
    """What a worksheet's tree holds for :class:`SheetData`: its cells, protection, merged ranges, validations."""

    records: tuple[Record, ...]
    protected: bool
    merged: tuple[str, ...]
    validations: tuple[str, ...]


def content_of(root: Element) -> Content:
    protection = root.find(f"{_NS}sheetProtection")
    merged, validations = root.find(f"{_NS}mergeCells"), root.find(f"{_NS}dataValidations")
    return Content(
        tuple(tree_records(root)), protection is not None and truthy(protection.get("sheet")),
        tuple(m.get("ref", "") for m in merged if m.tag == f"{_NS}mergeCell") if merged is not None else (),
        tuple(d.get("sqref", "") for d in validations if d.tag == f"{_NS}dataValidation")
        if validations is not None else ())


class Workbook(NamedTuple):
    """What ``xl/workbook.xml`` says: its sheets (name, state, relationship id), their names in order, the
    workbook-wide defined names, whether the structure is locked (nothing but ``twice`` when two sheets share a
    name)."""

    sheets: tuple[tuple[str, str, str], ...]
    order: tuple[str, ...]
    names: dict[str, str]
    structure_locked: bool
    #: The first name given to a second sheet (in any case: Excel does not allow it), or ``None``.
    twice: str | None = None


def workbook_of(root: Element) -> Workbook:
    sheets = []
    seen: set[str] = set()
    for node in root.iter(f"{_NS}sheet"):
        name = node.get("name", "")
        if name.casefold() in seen:
            return Workbook((), (), {}, False, name)
        seen.add(name.casefold())
        sheets.append((name, node.get("state", "visible"), node.get(f"{_REL_NS}id", "")))
    names = {n.get("name", ""): (n.text or "") for n in root.iter(f"{_NS}definedName") if n.get("localSheetId") is None}
    protection = root.find(f"{_NS}workbookProtection")
    return Workbook(tuple(sheets), tuple(name for name, _, _ in sheets), names,
                     protection is not None and truthy(protection.get("lockStructure")))


def targets_of(root: Element, name: str = "xl/_rels/workbook.xml.rels") -> dict[str, str]:
    """The targets of the workbook's relationships by id, as paths in the package."""
    base = posixpath.dirname(posixpath.dirname(name))
    out = {}
    for rel in root.iter(f"{_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = path
    return out


def strings_of(root: Element) -> list[str]:
    """The shared strings of a parsed table: each ``<si>``'s own ``<t>`` or its runs' ``<t>``, never the phonetic
    runs (``<rPh>``); one walk over each item's children, linear in the part's size."""
    out = []
    for si in root.iter(f"{_NS}si"):
        if len(si) == 1 and si[0].tag == _T:
            text = si[0].text or ""
        else:
            pieces = []
            for child in si:
                if child.tag == _T:
                    pieces.append(child.text or "")
                elif child.tag == _R:
                    pieces.extend(t.text or "" for t in child if t.tag == _T)
            text = "".join(pieces)
        out.append(text)
    return out


def styles_of(root: Element) -> tuple[frozenset[int], frozenset[int]]:
    """The locked and the date cell styles (indices of ``<cellXfs>``) of a parsed ``xl/styles.xml``."""
    custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in root.iter(f"{_NS}numFmt")}
    xfs = root.find(f"{_NS}cellXfs")
    locked, dates = set(), set()
    for index, xf in enumerate(xfs if xfs is not None else []):
        prot = xf.find(f"{_NS}protection")
        if prot is None or truthy(prot.get("locked"), default=True):
            locked.add(index)
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and is_date_format(custom[fmt])):
            dates.add(index)
    return frozenset(locked), frozenset(dates)
