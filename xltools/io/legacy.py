"""The seam's reader of legacy and other spreadsheet formats through python-calamine.

Excel 97–2003 (.xls, and WPS 表格 .et/.ett in compatibility mode: an OLE2 compound file with a
``Workbook`` stream), OpenDocument (.ods) and Excel binary (.xlsb) become a
:class:`~xltools.form.book.BookView` whose ``formulas``, ``locked`` and ``protected`` are ``None``:
calamine sees values (a formula's last result) but no formulas, no cell styles and no sheet
protection, so the tamper check compares the fixed labels only and the seam adds the
``format-legacy`` finding that says what could not be verified. Values come back as the .xlsx
reader gives them (whole numbers as ``int``, dates as ``date``), so a form scores the same.
"""

from __future__ import annotations

import datetime as dt
import io
import lzma
import struct
import zipfile
import zlib
from typing import ClassVar

import python_calamine

from xltools.form.book import format_text
from xltools.form.cells import column_letter
from xltools.io.reader import Content, Reader, ReadError, ReadOptions, Source
from xltools.io.sniff import ContainerError, ole_stream, ole_stream_head
from xltools.io.usedarea import AreaError, biff_areas, ods_areas
from xltools.io.xlsxread import Limits

__all__ = ["CalamineReader", "LegacyBook", "LegacySheet", "WPS_NEXT_STEP"]

#: What a clerk with a WPS file that is not the Excel 97–2003 binary should do.
WPS_NEXT_STEP = "请在 WPS 中另存为 .xlsx 后重试"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
#: Rows and cells of one sheet read at most: a form has a few dozen rows (at most 200 indicators) and
#: columns up to the checker's; a sheet claiming more is refused, not expanded into memory.
MAX_ROWS = 2_000
MAX_CELLS = 400_000


class LegacySheet:
    """One sheet's values; formulas, locking and protection unseen (``None``)."""

    formulas = None

    def __init__(self, name: str, values: dict[str, object]) -> None:
        self.name = name
        self.values = values

    def value(self, cell: str) -> object:
        return self.values.get(cell)

    def locked(self, cell: str) -> None:
        return None

    def lock_states(self, cells: object) -> None:
        return None

    @property
    def protected(self) -> None:
        return None


class LegacyBook:
    """A workbook read by calamine: sheets by name, each read on first use."""

    def __init__(self, workbook: python_calamine.CalamineWorkbook, fmt: str, wanted: tuple[str, ...] | None) -> None:
        self._workbook = workbook
        self._format = fmt
        self._wanted = wanted
        self._sheets: dict[str, LegacySheet] = {}
        self.sheet_names: list[str] = list(workbook.sheet_names)

    def sheet(self, name: str) -> LegacySheet | None:
        if name not in self.sheet_names or (self._wanted is not None and name not in self._wanted):
            return None
        known = self._sheets.get(name)
        if known is None:
            known = self._sheets[name] = LegacySheet(name, _values(self._workbook, name, self._format))
        return known


def _too_big(name: str, height: int, width: int, fmt: str) -> None:
    """Refuse a sheet whose used area is larger than any form (``unreadable``: the file is odd or made so)."""
    if height > MAX_ROWS or height * width > MAX_CELLS:
        raise ReadError("unreadable", f"工作表「{name[:40]}」有 {height:,} 行 × {width:,} 列，远超自评表的大小，"
                                      f"已拒绝读取；{_next_step(fmt)}")


def _check_areas(content: Content, fmt: str) -> None:
    """Every sheet's used area, counted from the file's records (:mod:`xltools.io.usedarea`) before calamine
    reads it, within the bounds; records that cannot be walked are a damaged file."""
    try:
        if fmt in ("xls", "et"):
            areas = biff_areas(ole_stream(content.data, "Workbook" if "Workbook" in content.members else "Book"))
        elif fmt == "ods":
            with zipfile.ZipFile(io.BytesIO(content.data)) as archive:
                areas = ods_areas(archive.read("content.xml"))
        else:
            return  # .xlsb: its sheets are bounded after reading (see _values)
    except (AreaError, ContainerError, zipfile.BadZipFile, KeyError, zlib.error, EOFError, OSError) as exc:
        raise ReadError("unreadable", f"{format_text(fmt)}已损坏或不完整，无法读取；{_next_step(fmt)}") from exc
    for name, (height, width) in areas.items():
        _too_big(name, height, width, fmt)


def _values(workbook: python_calamine.CalamineWorkbook, name: str, fmt: str) -> dict[str, object]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        _too_big(name, sheet.height, sheet.width, fmt)
        rows = sheet.to_python(skip_empty_area=False)
        top, left = sheet.start or (0, 0)
    except ReadError:
        raise
    except python_calamine.PasswordError as exc:
        raise ReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交") from exc
    except _CALAMINE_ERRORS as exc:
        raise ReadError("unreadable", f"工作表「{name[:40]}」已损坏，无法读取；{_next_step(fmt)}") from exc
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise ReadError("unreadable", f"工作表「{name[:40]}」已损坏，无法读取；{_next_step(fmt)}") from None
    values: dict[str, object] = {}
    letters = [column_letter(left + i + 1) for i in range(max((len(r) for r in rows), default=0))]
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            values[f"{letters[c]}{r}"] = _value(value)
    return values


def _value(value: object) -> object:
    """A value as :mod:`xltools.io.xlsxread` gives it: whole floats as int, midnight datetimes as dates."""
    if type(value) is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


_CALAMINE_ERRORS = (python_calamine.CalamineError, ValueError, TypeError, OverflowError, UnicodeError, KeyError,
                    IndexError, OSError)


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside the compiled reader (pyo3's PanicException derives from BaseException)."""
    return type(exc).__name__ == "PanicException"


def _check_zip(data: bytes, limits: Limits, fmt: str) -> None:
    """An .ods/.xlsb within the limits of an .xlsx before calamine inflates it: every member's stated size and
    ratio (else ``too-large``), and each compressed member inflated once up to its stated size with its CRC
    checked (a member whose stated size hides more data fails the CRC: ``unreadable``)."""
    bomb = f"{format_text(fmt)}内部文件解压后过大，疑似压缩炸弹，已拒绝读取；{_next_step(fmt)}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > limits.max_total_bytes:
                raise ReadError("too-large", bomb)
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > limits.max_part_bytes or (ratio > limits.max_ratio and info.file_size > 1 << 20):
                    raise ReadError("too-large", bomb)
                if info.compress_type != zipfile.ZIP_STORED:
                    with archive.open(info) as handle:  # zipfile stops at the stated size and checks the CRC
                        while handle.read(1 << 20):
                            pass
    except ReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError,
            ValueError, OSError, RuntimeError) as exc:
        raise ReadError("unreadable", f"{format_text(fmt)}已损坏，无法解压；{_next_step(fmt)}") from exc


def _biff_encrypted(data: bytes) -> bool:
    """An Excel 97–2003 workbook with an open password: its ``Workbook`` stream's BOF record is followed by
    FILEPASS (record 0x002F). (calamine says so only when told the format by a file name; from bytes it
    reports an undetectable format.)"""
    head = ole_stream_head(data, "Workbook")
    if len(head) < 8 or struct.unpack_from("<H", head, 0)[0] != 0x0809:
        return False
    after = 4 + struct.unpack_from("<H", head, 2)[0]
    return len(head) >= after + 2 and struct.unpack_from("<H", head, after)[0] == 0x002F


def _next_step(fmt: str) -> str:
    return WPS_NEXT_STEP if fmt == "et" else "请用 Excel 或 WPS 打开后另存为 .xlsx 再提交"


def legacy_format(content: Content) -> str | None:
    """Which calamine format ``content`` holds, from its container (``None``: none of them)."""
    members = content.members
    if content.kind == "ole2" and ("Workbook" in members or "Book" in members) and "EncryptionInfo" not in members:
        return "et" if content.suffix in (".et", ".ett") else "xls"
    if content.kind == "zip":
        if "xl/workbook.bin" in members:
            return "xlsb"
        if "mimetype" in members and "content.xml" in members and _ODS_MIME in content.data[:256]:
            return "ods"
    return None


class CalamineReader(Reader):
    """.xls/.et (OLE2 ``Workbook`` stream), .ods (ODF spreadsheet zip) and .xlsb (zip with ``xl/workbook.bin``)."""

    name: ClassVar[str] = "calamine"
    formats: ClassVar[tuple[str, ...]] = ("xls", "et", "ods", "xlsb")

    def accepts(self, content: Content) -> bool:
        return legacy_format(content) is not None

    def read(self, content: Content, options: ReadOptions) -> Source:
        fmt = legacy_format(content)
        assert fmt is not None, "accepts() said yes"
        if content.kind == "zip":
            _check_zip(content.data, options.limits, fmt)
        if fmt in ("xls", "et") and _biff_encrypted(content.data):
            raise ReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交")
        _check_areas(content, fmt)  # calamine materialises every sheet as it opens the file
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content.data))
        except python_calamine.PasswordError as exc:
            raise ReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交") from exc
        except _CALAMINE_ERRORS as exc:
            if fmt in ("xls", "et") and _biff_encrypted(content.data):
                raise ReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交") from exc
            raise ReadError("unreadable", f"{format_text(fmt)}已损坏或不完整，无法读取；{_next_step(fmt)}") from exc
        except BaseException as exc:
            if not _is_panic(exc):
                raise
            raise ReadError("unreadable", f"{format_text(fmt)}已损坏，无法读取；{_next_step(fmt)}") from None
        return Source(fmt, LegacyBook(workbook, fmt, options.sheets))
