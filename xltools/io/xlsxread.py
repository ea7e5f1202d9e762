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
import hashlib
import io
import lzma
import math
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar
from xml.etree.ElementTree import Element, ParseError, fromstring

from xltools.core.errors import UserError, os_reason
from xltools.io.files import FileTooLargeError, SpecialFileError, open_regular, read_regular
from xltools.io.xlsxcells import cells_document, declares, iso_moment, truthy
from xltools.io.xlsxdata import SheetData, WorkbookData
from xltools.io.xlsxinflate import inflate, stored
from xltools.io.xlsxsheet import PlainSheet, Record, plain_cells
from xltools.io.xlsxstrings import plain_shared_strings
from xltools.io.xlsxtree import Content, Workbook, content_of, strings_of, styles_of, targets_of, workbook_of

__all__ = ["WorkbookReadError", "read_workbook", "read_sheet_names", "read_bounded", "Limits"]

Fate = Literal["unreadable", "encrypted", "too-large", "not-excel"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
#: Strict Open XML (Excel's "Strict Open XML Spreadsheet") namespaces, read as their transitional twins.
_STRICT_NAMESPACES = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
)
#: Excel's limit on the text of one cell.
MAX_CELL_CHARS = 32767
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
#: Parsed parts that every form of a template shares, per process, keyed by the SHA-256 of the part's
#: bytes as read from *this* file (never by what the zip header claims: a CRC can be forged).
_PART_CACHE: dict[bytes, Element] = {}
#: Parsed styles (locked and date style indices), keyed by the SHA-256 of xl/styles.xml as read.
_STYLE_CACHE: dict[bytes, tuple[frozenset[int], frozenset[int]]] = {}
#: Parts larger than this are parsed every time, never cached.
_CACHE_PART_BYTES = 1 << 20
#: The SHA-256 of a shared part (workbook.xml and its relations, styles, 模板信息) as inflated, by the SHA-256 of
#: the bytes the zip stores for it with its compression, stated size and CRC-32 and the part limit: what
#: :func:`~xltools.io.xlsxinflate.inflate` makes of an entry depends on these alone, so a part every form of a
#: template shares is neither inflated nor hashed again (only parts it inflated and checked are kept).
_INFLATED: dict[bytes, bytes] = {}
_STATED = struct.Struct("<HIQQ")
#: What was made of a shared part's tree (:meth:`_Reader.shared_made`), by the function and the part's digest.
_MADE: dict[tuple[object, bytes], object] = {}
_Made = TypeVar("_Made")


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
    max_part_bytes: int = 16 * 1024 * 1024
    max_total_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200
    #: Markup (``<``) in one XML part: bounds the elements a parsed part holds, hence memory.
    max_tags: int = 400_000
    #: ``=`` in one XML part: bounds its attributes (each costs a dictionary entry once parsed).
    max_attributes: int = 400_000

    def oversized(self, infos: Iterable[zipfile.ZipInfo]) -> str | None:
        """Why a zip package (a workbook, a .docx) is too big to inflate: the name of a member over the part
        size or compressed suspiciously well (a compression bomb), ``""`` when only the total is over; else
        ``None``."""
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > self.max_part_bytes or ratio > self.max_ratio and info.file_size > 1 << 20:
                return info.filename
        return "" if total > self.max_total_bytes else None


def read_workbook(source: Path | str | bytes, *, sheets: Iterable[str] | None = None,
                  shared: Iterable[str] = (), cells_only: bool = False, limits: Limits = Limits()) -> WorkbookData:
    """Read a workbook from a path or its bytes; only ``sheets`` (by name) when given.

    ``shared`` names sheets that are usually byte-identical in many files (a template's
    metadata sheet): their XML is parsed once per process and reused for parts with the same
    bytes (SHA-256 of what was read). ``cells_only`` parses of each (other) sheet only what cell values,
    formulas, styles and the sheet protection need — ``<sheetData>`` and ``<sheetProtection>``;
    the rest of the sheet's XML (validations, conditional formats, page setup: often more
    than half of a form's sheet) is neither parsed nor checked, and ``merged`` and
    ``validations`` stay empty. Where the part is not in the plain form that cut can be sure
    of (comments, CDATA, prefixed elements …), the whole part is parsed as usual.
    """
    data = read_bounded(source, limits)
    _refuse_kind(data)
    with _unreadable():
        archive = zipfile.ZipFile(io.BytesIO(data))
        return _Reader(archive, limits, data).read(set(sheets) if sheets is not None else None, set(shared), cells_only)


def read_sheet_names(path: Path | str, limits: Limits = Limits()) -> list[str]:
    """The sheet names of the workbook at ``path`` in order, as :func:`read_workbook` gives them, from the zip's
    directory and xl/workbook.xml alone, with its checks and refusals: the file is read where :mod:`zipfile`
    seeks, never held whole (recognising an existing summary of 20,000 projects read all its 14 MB)."""
    with _opening():
        handle = open_regular(path, limits.max_file_bytes)
    with handle, _opening():
        head = handle.read(len(_OLE_MAGIC))
        if head.startswith(_OLE_MAGIC):  # whether it is encrypted is told by its whole bytes (rare: small files)
            _refuse_kind(read_bounded(path, limits))
        _refuse_kind(head)
        handle.seek(0)
        with _unreadable():
            return _Reader(zipfile.ZipFile(handle), limits, None).sheet_names()


def _refuse_kind(data: bytes) -> None:
    """Refuse what is not a zip package by its magic bytes (``data``: the file's bytes or its first ones)."""
    if data.startswith(_OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise WorkbookReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交")
        raise WorkbookReadError("not-excel", "这是旧版 .xls 或其他 Office 文件，不是 .xlsx 工作簿；请用本模板重新填写")
    if not data.startswith(_ZIP_MAGIC):
        raise WorkbookReadError("unreadable", "文件已损坏或不是 Excel 工作簿（不是 .xlsx 格式）")


@contextmanager
def _unreadable() -> Iterator[None]:
    """What reading a zip package and its XML can raise, as :class:`WorkbookReadError`."""
    try:
        yield
    except WorkbookReadError:
        raise
    except ParseError as exc:
        raise WorkbookReadError("unreadable", "工作簿内部 XML 无效或不安全；请用 Excel 打开检查后重新保存") from exc
    except LookupError as exc:  # an XML declaration naming an encoding Python does not know
        raise WorkbookReadError("unreadable", "工作簿内部 XML 使用了无法识别的字符编码；请用 Excel 打开后重新保存") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, OverflowError,
            zlib.error, lzma.LZMAError, OSError, RuntimeError) as exc:
        raise WorkbookReadError("unreadable", "文件已损坏，无法解压；请用 Excel 打开检查后重新保存") from exc


@contextmanager
def _opening() -> Iterator[None]:
    """Opening and reading a file's bytes (:mod:`xltools.io.files`' refusals) as :class:`WorkbookReadError`."""
    try:
        yield
    except OSError as exc:
        raise WorkbookReadError("unreadable", f"无法打开文件：{os_reason(exc)}") from exc
    except SpecialFileError as exc:
        raise WorkbookReadError("unreadable", exc.message) from exc
    except FileTooLargeError as exc:
        raise WorkbookReadError("too-large", exc.message) from exc


def read_bounded(source: Path | str | bytes, limits: Limits) -> bytes:
    """The bytes of a file (or ``source`` itself), refused as :class:`WorkbookReadError` when they cannot be read as a
    regular file or are over ``limits.max_file_bytes``."""
    if isinstance(source, bytes):
        data = source
    else:
        with _opening():
            data = read_regular(source, limits.max_file_bytes)[0]
    if len(data) > limits.max_file_bytes:
        raise WorkbookReadError("too-large", f"文件超过 {limits.max_file_bytes / 1048576:.0f} MB 上限")
    return data


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, limits: Limits, data: bytes | None) -> None:
        self.archive = archive
        self.limits = limits
        self.data = data  # the zip's bytes: parts are inflated from them directly (xlsxinflate); None: zipfile reads
        self.names = {info.filename: info for info in archive.infolist()}
        over = limits.oversized(archive.infolist())
        if over:
            raise WorkbookReadError("too-large", f"工作簿内部文件 {over} 解压后过大，疑似压缩炸弹")
        if over == "":
            raise WorkbookReadError("too-large", "工作簿解压后总大小超过上限，疑似压缩炸弹")

    def part(self, name: str) -> bytes | None:
        info = self.names.get(name)
        if info is None:
            return None
        return self._inflated(name, info, None)[0]

    def _inflated(self, name: str, info: zipfile.ZipInfo, raw: memoryview | None) -> tuple[bytes, bool]:
        """The part and whether :func:`~xltools.io.xlsxinflate.inflate` gave it (``raw``: its stored bytes)."""
        data = None if self.data is None else inflate(self.data, info, self.limits.max_part_bytes, raw)
        fast = data is not None
        if data is None:  # not sure to read it as zipfile does (xlsxinflate): zipfile reads it
            with self.archive.open(name) as handle:
                data = handle.read(self.limits.max_part_bytes + 1)
        if len(data) > self.limits.max_part_bytes:
            raise WorkbookReadError("too-large", f"工作簿内部文件 {name} 解压后过大")
        return data, fast

    def shared_part(self, name: str) -> tuple[bytes, bytes | None] | None:
        """The SHA-256 of a part many files share and the part's bytes — ``None`` for the bytes when the digest is
        known from the part's stored bytes (:data:`_INFLATED`; the caller inflates it with :meth:`part` only if
        it keeps nothing made of it). ``None`` when there is no such part."""
        info = self.names.get(name)
        if info is None:
            return None
        raw = stored(self.data, info)
        key = None
        if raw is not None:
            key = hashlib.sha256(raw).digest() + _STATED.pack(info.compress_type, info.CRC, info.file_size,
                                                                self.limits.max_part_bytes)
            digest = _INFLATED.get(key)
            if digest is not None:
                return digest, None
        data, fast = self._inflated(name, info, raw)
        digest = hashlib.sha256(data).digest()
        if key is not None and fast:
            if len(_INFLATED) >= 256:
                _INFLATED.clear()
            _INFLATED[key] = digest
        return digest, data

    def shared_xml(self, name: str) -> Element | None:
        """Like :meth:`xml` for parts every form of a template shares (the tree is never mutated).

        Cached by the SHA-256 of the bytes read from this file, so a cached tree is only ever
        reused for a part with exactly the same bytes (a forged zip CRC changes nothing)."""
        known = self.shared_part(name)
        return None if known is None else self._shared_tree(name, *known)[0]

    def _shared_tree(self, name: str, key: bytes, data: bytes | None) -> tuple[Element, bool]:
        """The tree of the shared part ``name`` whose digest is ``key``, and whether it is kept (not too large)."""
        root = _PART_CACHE.get(key)
        if root is None:
            if data is None:
                data = self._inflated(name, self.names[name], None)[0]
            if len(data) > _CACHE_PART_BYTES:
                return self._parse(name, data), False
            root = self._parse(name, data)
            if len(_PART_CACHE) >= 256:
                _PART_CACHE.clear()
            _PART_CACHE[key] = root
        return root, True

    def shared_made(self, name: str, make: Callable[[Element], _Made]) -> _Made | None:
        """``make`` of the tree of the shared part ``name`` (``None``: no such part), kept per process by the part's
        digest like the tree: ``make`` must depend on the tree alone and its result must never be changed.
        What it raises is raised again for every file (nothing is kept)."""
        known = self.shared_part(name)
        if known is None:
            return None
        key = (make, known[0])
        made = _MADE.get(key)
        if made is None:
            root, kept = self._shared_tree(name, *known)
            made = make(root)
            if kept:
                if len(_MADE) >= 256:
                    _MADE.clear()
                _MADE[key] = made
        return made

    def xml(self, name: str) -> Element | None:
        data = self.part(name)
        return None if data is None else self._parse(name, data)

    def _parse(self, name: str, data: bytes) -> Element:
        return fromstring(self._checked(name, data))

    def _checked(self, name: str, data: bytes) -> bytes:
        """``data`` refused if unsafe or too big to parse, with Strict namespaces made transitional."""
        _refuse_dtd(name, data)
        # a part shorter than a bound cannot hold more markup than it (a form's parts never do): no count
        if len(data) > min(self.limits.max_tags, self.limits.max_attributes) and (
                data.count(b"<") > self.limits.max_tags or data.count(b"=") > self.limits.max_attributes):
            raise WorkbookReadError("too-large", f"工作簿内部文件 {name} 的元素或属性过多（超过 "
                                                 f"{self.limits.max_tags // 2:,} 个元素或 "
                                                 f"{self.limits.max_attributes:,} 个属性），已拒绝读取")
        if b"purl.oclc.org/ooxml" in data:
            for strict, transitional in _STRICT_NAMESPACES:
                data = data.replace(strict, transitional)
        return data

    def cells_xml(self, name: str) -> Element | PlainSheet | None:
        """Like :meth:`xml`, parsing only ``<sheetData>`` and ``<sheetProtection>`` where it can; the cells and
        the protection's ``sheet`` attribute without a tree when that cut is in the plain form
        (:func:`~xltools.io.xlsxsheet.plain_cells`)."""
        data = self.part(name)
        if data is None:
            return None
        data = self._checked(name, data)
        cut = cells_document(data)
        if cut is not None:
            plain = plain_cells(cut)
            if plain is not None:
                return plain
            try:
                return fromstring(cut)
            except ParseError:  # the cut went wrong somewhere (odd but legal markup): parse it all
                pass
        return fromstring(data)

    def read(self, wanted: set[str] | None, shared: set[str], cells_only: bool = False) -> WorkbookData:
        workbook = _one_of_each(self.shared_made("xl/workbook.xml", workbook_of))
        targets = self._relationships("xl/_rels/workbook.xml.rels")
        strings = self._shared_strings()
        locked_styles, date_styles = self._styles()
        sheets: dict[str, SheetData] = {}
        for name, state, rid in workbook.sheets:
            if wanted is not None and name not in wanted:
                continue
            target = targets.get(rid, "")
            sheet = SheetData(name, state, _locked_styles=locked_styles)
            if not target or target not in self.names:
                raise WorkbookReadError("unreadable", f"工作表「{name[:40]}」的内容在工作簿中找不到（内部关系缺失或损坏）；"
                                                      "请用 Excel 打开检查后重新保存")
            if name in shared:  # the sheet's cells as its tree gives them, kept with the tree
                content = self.shared_made(target, content_of)
                if content is not None:
                    _fill_content(sheet, content, strings, date_styles, ranges=not cells_only)
                sheets[name] = sheet
                continue
            root = self.cells_xml(target) if cells_only else self.xml(target)
            if isinstance(root, PlainSheet):  # the plain form, read without a tree
                sheet.styles.update(root.styles)
                _fill_cells(sheet, root.records, strings, date_styles, styles_too=False)
                sheet.protected = truthy(root.protection)
            elif root is not None:
                _fill_content(sheet, content_of(root), strings, date_styles, ranges=not cells_only)
            sheets[name] = sheet
        return WorkbookData(
            sheets=sheets,
            sheet_names=list(workbook.order),
            defined_names=dict(workbook.names),
            structure_locked=workbook.structure_locked,
            has_vba="xl/vbaProject.bin" in self.names,
        )

    def sheet_names(self) -> list[str]:
        """The sheet names in order, from xl/workbook.xml alone (parsed here, not kept)."""
        data = self.part("xl/workbook.xml")
        return list(_one_of_each(None if data is None else workbook_of(self._parse("xl/workbook.xml", data))).order)

    def _relationships(self, name: str) -> dict[str, str]:
        """The targets of a relationship part by id (kept with its tree: never change it)."""
        return self.shared_made(name, targets_of) or {}

    def _shared_strings(self) -> list[str]:
        """The shared strings: each ``<si>``'s own ``<t>`` or its runs' ``<t>``, never the phonetic
        runs (``<rPh>``). A part in the plain form is read without a tree (:mod:`xltools.io.xlsxstrings`);
        any other is parsed and walked once over each item's children, linear in the part's size."""
        data = self.part("xl/sharedStrings.xml")
        if data is None:
            return []
        data = self._checked("xl/sharedStrings.xml", data)
        plain = plain_shared_strings(data)
        if plain is not None:
            if plain and max(map(len, plain)) > MAX_CELL_CHARS:
                _bounded(max(plain, key=len))  # raises
            return plain
        out = strings_of(fromstring(data))
        if out and max(map(len, out)) > MAX_CELL_CHARS:
            _bounded(max(out, key=len))  # raises
        return out

    def _styles(self) -> tuple[frozenset[int], frozenset[int]]:
        """Locked and date styles; cached by the SHA-256 of the part as read (every form shares the template's)."""
        known = self.shared_part("xl/styles.xml")
        if known is None:
            return frozenset({0}), frozenset()
        key, data = known
        styles = _STYLE_CACHE.get(key)
        if styles is None:
            if data is None:
                data = self._inflated("xl/styles.xml", self.names["xl/styles.xml"], None)[0]
            styles = styles_of(self._parse("xl/styles.xml", data))
            if len(_STYLE_CACHE) >= 64:
                _STYLE_CACHE.clear()
            _STYLE_CACHE[key] = styles
        return styles


def _one_of_each(workbook: Workbook | None) -> Workbook:
    """``workbook`` refused when it is missing or names a sheet twice."""
    if workbook is None:
        raise WorkbookReadError("not-excel", "压缩包中没有 xl/workbook.xml，不是 Excel 工作簿")
    if workbook.twice is not None:
        raise WorkbookReadError("unreadable", f"工作簿中有两个名为「{workbook.twice[:40]}」的工作表（Excel 不允许），"
                                              "无法确定读哪一个；请删去多余的一个后重新提交")
    return workbook


def _refuse_dtd(name: str, data: bytes) -> None:
    """Refuse any part with a document type declaration, and any part not in a byte-transparent encoding.

    Parts of a workbook never carry a DTD; without one there are no entity
    declarations, so no entity expansion ("billion laughs") and no external
    entities. NUL bytes mean UTF-16/32, where the byte scan below would not see a
    DTD, so those parts are refused too. This is what defusedxml's
    ``forbid_dtd=True`` guards, at the speed of the C parser (defusedxml's
    parser runs its tree builder in Python, 3× slower on these small parts).
    """
    if b"\x00" in data or declares(data) and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        raise WorkbookReadError("unreadable", f"工作簿内部文件 {name} 含有 DTD 或实体声明，可能是恶意文件，已拒绝读取")


def _bounded(text: str) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise WorkbookReadError("unreadable", f"有单元格文字超过 Excel 上限 {MAX_CELL_CHARS:,} 字，不是 Excel 保存的工作簿；"
                                              "请用 Excel 打开检查后重新保存")
    return text


def _fill_cells(sheet: SheetData, records: Iterable[Record], strings: list[str], date_styles: frozenset[int],
                styles_too: bool = True) -> None:
    """Values, formulas and (``styles_too``) styles of the cells ``records`` (from the tree, or from the plain
    form, whose styles come apart) into ``sheet``."""
    values, formulas, styles = sheet.values, sheet.formulas, sheet.styles
    for ref, style, kind, formula, inline, text in records:
        if style and styles_too:
            styles[ref] = style
        if formula is not None:
            formulas[ref] = formula
        if kind == "inlineStr":
            if inline is not None:
                values[ref] = inline if len(inline) <= MAX_CELL_CHARS else _bounded(inline)
            continue
        if text is None:
            continue
        if kind == "s":
            index = int(text)
            values[ref] = strings[index] if 0 <= index < len(strings) else ""
        elif kind in ("str", "e"):
            values[ref] = text if len(text) <= MAX_CELL_CHARS else _bounded(text)
        elif kind == "d":  # an ISO 8601 date (Strict Open XML may store dates so)
            values[ref] = iso_moment(text)
        elif kind == "b":
            values[ref] = text == "1"
        else:
            number = float(text)
            if not math.isfinite(number):  # beyond what Excel stores (1e400, a rounded max float): the text as stored
                values[ref] = text[:64]
                continue
            if style in date_styles and 0 <= number < 2958466:
                moment = _EXCEL_EPOCH + dt.timedelta(days=number)
                values[ref] = moment.date() if moment.time() == dt.time() else moment
            elif number.is_integer() and abs(number) < 2**53:
                values[ref] = int(number)
            else:
                values[ref] = number


def _fill_content(sheet: SheetData, content: Content, strings: list[str], date_styles: frozenset[int],
                  ranges: bool = True) -> None:
    """Cells, formulas, styles and protection of a sheet's tree into ``sheet``; merged ranges and validations
    too when ``ranges``."""
    _fill_cells(sheet, content.records, strings, date_styles)
    sheet.protected = content.protected
    if ranges:
        sheet.merged = list(content.merged)
        sheet.validations = list(content.validations)
