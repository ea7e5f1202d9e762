"""Shell: a fast, bounded reader of .xlsx/.xlsm files (zipfile + the C XML parser, no openpyxl).

It reads what the form reader and the tamper check need — cell values,
formulas, the locked flag of each cell's style, sheet and workbook
protection, merged ranges, data validations and defined names — and
nothing else (with ``cells_only``, as the combiner reads thousands of forms,
not even the merged ranges and validations). Hostile input is bounded: the file size, the
uncompressed size of every part and the compression ratio are limited, and
any XML part with a DTD (the door to entity attacks) is refused. Every
failure is a :class:`WorkbookReadError` with a ``fate`` and a Chinese ``reason``.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import Element, ParseError, fromstring

from xltools.core.errors import UserError, os_reason

__all__ = ["WorkbookReadError", "SheetData", "WorkbookData", "read_workbook", "Limits"]

Fate = Literal["unreadable", "encrypted", "too-large", "not-excel"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_C, _F, _V, _IS, _T = (f"{_NS}{tag}" for tag in ("c", "f", "v", "is", "t"))
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
#: Parsed parts that every form of a template shares, by (name, CRC, size), per process.
_PART_CACHE: dict[tuple[str, int, int], Element | None] = {}
#: Parsed styles by (CRC, size) of xl/styles.xml, per process.
_STYLE_CACHE: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]] = {}


class WorkbookReadError(UserError):
    """The file is not a readable workbook; ``fate`` says why in one word."""

    def __init__(self, fate: Fate, reason: str) -> None:
        super().__init__(reason)
        self.fate: Fate = fate
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """Bounds on what one workbook may cost to read."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_part_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200


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

    def value(self, cell: str) -> object:
        return self.values.get(cell)

    def locked(self, cell: str) -> bool:
        """Whether the cell is locked (cells never written use style 0, locked by default)."""
        return self.styles.get(cell, 0) in self._locked_styles


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


def read_workbook(source: Path | str | bytes, *, sheets: Iterable[str] | None = None,
                  shared: Iterable[str] = (), cells_only: bool = False, limits: Limits = Limits()) -> WorkbookData:
    """Read a workbook from a path or its bytes; only ``sheets`` (by name) when given.

    ``shared`` names sheets that are usually byte-identical in many files (a template's
    metadata sheet): their XML is parsed once per process and reused while the part's CRC
    and size match. ``cells_only`` parses of each (other) sheet only what cell values,
    formulas, styles and the sheet protection need — ``<sheetData>`` and ``<sheetProtection>``;
    the rest of the sheet's XML (validations, conditional formats, page setup: often more
    than half of a form's sheet) is neither parsed nor checked, and ``merged`` and
    ``validations`` stay empty. Where the part is not in the plain form that cut can be sure
    of (comments, CDATA, prefixed elements …), the whole part is parsed as usual.
    """
    data = _read_bytes(source, limits)
    if data.startswith(_OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise WorkbookReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交")
        raise WorkbookReadError("not-excel", "这是旧版 .xls 或其他 Office 文件，不是 .xlsx 工作簿；请用本模板重新填写")
    if not data.startswith(_ZIP_MAGIC):
        raise WorkbookReadError("unreadable", "文件已损坏或不是 Excel 工作簿（不是 .xlsx 格式）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return _Reader(archive, limits).read(set(sheets) if sheets is not None else None, set(shared), cells_only)
    except WorkbookReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError,
            KeyError, OSError, RuntimeError) as exc:
        raise WorkbookReadError("unreadable", "文件已损坏，无法解压；请用 Excel 打开检查后重新保存") from exc
    except ParseError as exc:
        raise WorkbookReadError("unreadable", "工作簿内部 XML 无效或不安全；请用 Excel 打开检查后重新保存") from exc


def _read_bytes(source: Path | str | bytes, limits: Limits) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > limits.max_file_bytes:
                raise WorkbookReadError("too-large", f"文件 {size / 1048576:.1f} MB，超过 "
                                                     f"{limits.max_file_bytes / 1048576:.0f} MB 上限")
            data = path.read_bytes()
        except OSError as exc:
            raise WorkbookReadError("unreadable", f"无法打开文件：{os_reason(exc)}") from exc
    if len(data) > limits.max_file_bytes:
        raise WorkbookReadError("too-large", f"文件超过 {limits.max_file_bytes / 1048576:.0f} MB 上限")
    return data


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive = archive
        self.limits = limits
        self.names = {info.filename: info for info in archive.infolist()}
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.max_part_bytes or ratio > limits.max_ratio and info.file_size > 1 << 20:
                raise WorkbookReadError("too-large", f"工作簿内部文件 {info.filename} 解压后过大，疑似压缩炸弹")
        if total > limits.max_total_bytes:
            raise WorkbookReadError("too-large", "工作簿解压后总大小超过上限，疑似压缩炸弹")

    def part(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        with self.archive.open(name) as handle:
            data = handle.read(self.limits.max_part_bytes + 1)
        if len(data) > self.limits.max_part_bytes:
            raise WorkbookReadError("too-large", f"工作簿内部文件 {name} 解压后过大")
        return data

    def shared_xml(self, name: str) -> Element | None:
        """Like :meth:`xml` for parts every form of a template shares, cached by CRC (never mutated)."""
        info = self.names.get(name)
        if info is None:
            return None
        key = (name, info.CRC, info.file_size)
        if key not in _PART_CACHE:
            if len(_PART_CACHE) >= 256:
                _PART_CACHE.clear()
            _PART_CACHE[key] = self.xml(name)
        return _PART_CACHE[key]

    def xml(self, name: str) -> Element | None:
        data = self.part(name)
        if data is None:
            return None
        _refuse_dtd(name, data)
        return fromstring(data)

    def cells_xml(self, name: str) -> Element | None:
        """Like :meth:`xml`, parsing only ``<sheetData>`` and ``<sheetProtection>`` where it can."""
        data = self.part(name)
        if data is None:
            return None
        _refuse_dtd(name, data)
        cut = _cells_document(data)
        if cut is not None:
            try:
                return fromstring(cut)
            except ParseError:  # the cut went wrong somewhere (odd but legal markup): parse it all
                pass
        return fromstring(data)

    def read(self, wanted: set[str] | None, shared: set[str], cells_only: bool = False) -> WorkbookData:
        workbook = self.shared_xml("xl/workbook.xml")
        if workbook is None:
            raise WorkbookReadError("not-excel", "压缩包中没有 xl/workbook.xml，不是 Excel 工作簿")
        targets = self._relationships("xl/_rels/workbook.xml.rels")
        strings = self._shared_strings()
        locked_styles, date_styles = self._styles()
        sheets: dict[str, SheetData] = {}
        order: list[str] = []
        for node in workbook.iter(f"{_NS}sheet"):
            name = node.get("name", "")
            order.append(name)
            if wanted is not None and name not in wanted:
                continue
            target = targets.get(node.get(f"{_REL_NS}id", ""), "")
            sheet = SheetData(name, node.get("state", "visible"), _locked_styles=locked_styles)
            if not target:
                root = None
            elif name in shared:
                root = self.shared_xml(target)
            else:
                root = self.cells_xml(target) if cells_only else self.xml(target)
            if root is not None:
                _fill_sheet(sheet, root, strings, date_styles, ranges=not cells_only)
            sheets[name] = sheet
        names = {n.get("name", ""): (n.text or "") for n in workbook.iter(f"{_NS}definedName")
                 if n.get("localSheetId") is None}
        protection = workbook.find(f"{_NS}workbookProtection")
        return WorkbookData(
            sheets=sheets,
            sheet_names=order,
            defined_names=names,
            structure_locked=protection is not None and _truthy(protection.get("lockStructure")),
            has_vba="xl/vbaProject.bin" in self.names,
        )

    def _relationships(self, name: str) -> dict[str, str]:
        root = self.shared_xml(name)
        if root is None:
            return {}
        base = posixpath.dirname(posixpath.dirname(name))
        out = {}
        for rel in root.iter(f"{_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            out[rel.get("Id", "")] = path
        return out

    def _shared_strings(self) -> list[str]:
        root = self.xml("xl/sharedStrings.xml")
        if root is None:
            return []
        out = []
        for si in root.iter(f"{_NS}si"):
            out.append("".join(t.text or "" for t in si.iter(f"{_NS}t")
                               if not _inside_phonetic(si, t)))
        return out

    def _styles(self) -> tuple[frozenset[int], frozenset[int]]:
        """Locked and date styles; cached by the part's CRC, since every form shares the template's styles."""
        info = self.names.get("xl/styles.xml")
        if info is None:
            return frozenset({0}), frozenset()
        key = (info.CRC, info.file_size)
        if key not in _STYLE_CACHE:
            if len(_STYLE_CACHE) >= 64:
                _STYLE_CACHE.clear()
            _STYLE_CACHE[key] = self._parse_styles()
        return _STYLE_CACHE[key]

    def _parse_styles(self) -> tuple[frozenset[int], frozenset[int]]:
        root = self.xml("xl/styles.xml")
        if root is None:
            return frozenset({0}), frozenset()
        custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in root.iter(f"{_NS}numFmt")}
        xfs = root.find(f"{_NS}cellXfs")
        locked, dates = set(), set()
        for index, xf in enumerate(xfs if xfs is not None else []):
            prot = xf.find(f"{_NS}protection")
            if prot is None or _truthy(prot.get("locked"), default=True):
                locked.add(index)
            fmt = int(xf.get("numFmtId", "0"))
            if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt])):
                dates.add(index)
        return frozenset(locked), frozenset(dates)


def _refuse_dtd(name: str, data: bytes) -> None:
    """Refuse any part with a document type declaration, and any part not in a byte-transparent encoding.

    Parts of a workbook never carry a DTD; without one there are no entity
    declarations, so no entity expansion ("billion laughs") and no external
    entities. NUL bytes mean UTF-16/32, where the byte scan below would not see a
    DTD, so those parts are refused too. This is what defusedxml's
    ``forbid_dtd=True`` guards, at the speed of the C parser (defusedxml's
    parser runs its tree builder in Python, 3× slower on these small parts).
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data or b"\x00" in data:
        raise WorkbookReadError("unreadable", f"工作簿内部文件 {name} 含有 DTD 或实体声明，可能是恶意文件，已拒绝读取")


_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*\?>")


def _cells_document(data: bytes) -> bytes | None:
    """A worksheet part cut down to its XML declaration, root start tag, ``<sheetData>`` and
    ``<sheetProtection>``; ``None`` when the part has markup a byte search could be fooled by.

    In a part without comments, CDATA sections and processing instructions, ``<`` only ever
    starts a tag (it cannot appear in text or attribute values), so the first ``<sheetData``
    and the first ``</sheetData>`` after it bound exactly that element. A cut that still
    goes wrong (a ``>`` inside an attribute value of the root or the protection) fails to
    parse, and the caller parses the whole part.
    """
    declaration = _DECLARATION.match(data)
    body = declaration.end() if declaration else 0
    if b"<!--" in data or b"<![CDATA[" in data or b"<?" in data[body:]:
        return None
    root = data.find(b"<worksheet", body)
    root_end = data.find(b">", root)
    if root < 0 or root_end < 0 or data[root_end - 1:root_end] == b"/":
        return None
    start = data.find(b"<sheetData", root_end)
    if start < 0:
        return None
    if data.startswith(b"<sheetData/>", start):
        end = start + len(b"<sheetData/>")
    else:
        close = data.find(b"</sheetData>", start)
        if close < 0:
            return None
        end = close + len(b"</sheetData>")
    pieces = [data[:root_end + 1], data[start:end]]
    protection = data.find(b"<sheetProtection", end)
    if protection >= 0:
        tag_end = data.find(b">", protection)
        if tag_end < 0:
            return None
        if data[tag_end - 1:tag_end] != b"/":
            closing = data.find(b"</sheetProtection>", tag_end)
            if closing < 0:
                return None
            tag_end = closing + len(b"</sheetProtection>") - 1
        pieces.append(data[protection:tag_end + 1])
    pieces.append(b"</worksheet>")
    return b"".join(pieces)


def _inside_phonetic(si: Element, t: Element) -> bool:
    return any(t in list(rph.iter()) for rph in si.iter(f"{_NS}rPh"))


def _truthy(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.lower() in ("1", "true")


def _is_date_format(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(ch in bare for ch in "ymd") and "h" not in bare.replace("[h]", "")


def _fill_sheet(sheet: SheetData, root: Element, strings: list[str], date_styles: frozenset[int],
                ranges: bool = True) -> None:
    """Cells, formulas, styles and protection of ``root`` into ``sheet``; merged ranges and validations
    too when ``ranges``."""
    values, formulas, styles = sheet.values, sheet.formulas, sheet.styles
    for c in root.iter(_C):
        get = c.get
        ref = get("r")
        if ref is None:
            continue
        text_style = get("s")
        style = 0 if text_style is None else int(text_style)
        if style:
            styles[ref] = style
        if not len(c):  # a formatting-only cell: no formula, value or inline string
            continue
        f = c.find(_F)
        if f is not None:
            formulas[ref] = f.text or ""
        kind = get("t", "n")
        if kind == "inlineStr":
            node = c.find(_IS)
            if node is not None:
                if len(node) == 1 and node[0].tag == _T and not len(node[0]):  # the usual <is><t>…</t></is>
                    values[ref] = node[0].text or ""
                else:
                    values[ref] = "".join(t.text or "" for t in node.iter(_T))
            continue
        v = c.find(_V)
        if v is None or v.text is None:
            continue
        text = v.text
        if kind == "s":
            index = int(text)
            values[ref] = strings[index] if 0 <= index < len(strings) else ""
        elif kind in ("str", "e"):
            values[ref] = text
        elif kind == "b":
            values[ref] = text == "1"
        else:
            number = float(text)
            if style in date_styles and 0 <= number < 2958466:
                moment = _EXCEL_EPOCH + dt.timedelta(days=number)
                values[ref] = moment.date() if moment.time() == dt.time() else moment
            elif number.is_integer() and abs(number) < 2**53:
                values[ref] = int(number)
            else:
                values[ref] = number
    protection = root.find(f"{_NS}sheetProtection")
    sheet.protected = protection is not None and _truthy(protection.get("sheet"))
    if not ranges:
        return
    merged, validations = root.find(f"{_NS}mergeCells"), root.find(f"{_NS}dataValidations")
    sheet.merged = [m.get("ref", "") for m in merged if m.tag == f"{_NS}mergeCell"] if merged is not None else []
    sheet.validations = ([d.get("sqref", "") for d in validations if d.tag == f"{_NS}dataValidation"]
                         if validations is not None else [])
