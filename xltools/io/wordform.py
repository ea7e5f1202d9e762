"""Shell: read a Word form (.docx, or old .doc/.wps through LibreOffice) into the form model.

The notice ships the form as a Word table (附件1). :func:`read_word_form` turns every table of the
document into one grid (python-docx gives one cell per grid column; the positions of one merged cell
share its ``<w:tc>`` element, which is the grid cell's ``key``) and the body's paragraphs into text
lines (the title's year, the 填表人 line), then reads them by their labels
(:func:`xltools.form.labelform.read_labelled`). Each field's place is ``表1 第12行 第5列``: the table,
its row and the cell's position in that row as Word shows it (merged cells count once).

Every failure is a :class:`~xltools.io.forms.FormReadError` with a Chinese reason and the next step.
"""

from __future__ import annotations

import io
import lzma
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from xltools.core.errors import os_reason
from xltools.form.labelform import GridCell, LabelledForm, NotAForm, read_labelled
from xltools.io.engine import EngineError, convert, soffice_available
from xltools.io.files import FileTooLargeError, SpecialFileError, read_regular
from xltools.io.forms import FormReadError
from xltools.io.xlsxread import Limits

__all__ = ["WordForm", "read_word_form", "word_grid", "OLE_MAGIC", "ZIP_MAGIC", "SAVE_AS_DOCX"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: What a clerk is told when an old Word file cannot be converted here.
SAVE_AS_DOCX = "请在 Word 或 WPS 中打开，另存为 .docx 后重试"
_LIMITS = Limits()
_MAIN_PART = "word/document.xml"


@dataclass(frozen=True)
class WordForm:
    """A form read from a Word document: the labelled reading, and the format it came in."""

    path: str
    reading: LabelledForm
    #: ``docx``, or ``doc`` for an old binary Word file converted by LibreOffice.
    format: str


def _check_archive(path: Path, data: bytes) -> None:
    """The .docx's zip within the limits of a workbook (no compression bomb), with a Word document inside."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise FormReadError(path, f"Word 文档已损坏或不完整，无法解压；{SAVE_AS_DOCX}") from exc
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _LIMITS.max_part_bytes or ratio > _LIMITS.max_ratio and info.file_size > 1 << 20:
            raise FormReadError(path, f"文档内部文件 {info.filename} 解压后过大，疑似压缩炸弹，已拒绝读取", "too-large")
    if total > _LIMITS.max_total_bytes:
        raise FormReadError(path, "文档解压后总大小超过上限，疑似压缩炸弹，已拒绝读取", "too-large")
    names = {info.filename for info in infos}
    if "xl/workbook.xml" in names:
        raise FormReadError(path, "这是 Excel 工作簿而不是 Word 文档；请把扩展名改为 .xlsx 后重试")
    if _MAIN_PART not in names:
        raise FormReadError(path, "压缩包中没有 Word 文档正文，不是 .docx 自评表；请发送按通知附件1填写的 .docx，"
                                  "或用 .xlsx 模板填报")


def word_grid(document: object) -> tuple[list[list[GridCell]], list[tuple[str, str]]]:
    """Every table of a python-docx ``Document`` as one grid (rows of all tables in order), and the body's
    paragraphs as (text, place) lines."""
    grid: list[list[GridCell]] = []
    for t, table in enumerate(document.tables, 1):  # type: ignore[attr-defined]
        places: dict[object, GridCell] = {}
        for r, row in enumerate(table.rows, 1):
            out: list[GridCell] = []
            distinct: list[object] = []
            for cell in row.cells:
                tc = cell._tc  # the <w:tc> element: one per merged cell (tests/test_wordforms.py checks it)
                if tc not in distinct:
                    distinct.append(tc)
                if tc not in places:
                    places[tc] = GridCell(cell.text, f"表{t} 第{r}行 第{len(distinct)}列", tc)
                out.append(places[tc])
            grid.append(out)
    lines = [(p.text, f"正文第{n}段") for n, p in enumerate(document.paragraphs, 1)  # type: ignore[attr-defined]
             if p.text.strip()]
    return grid, lines


def _read_docx(path: Path, data: bytes, fmt: str, shown: Path) -> WordForm:
    import docx  # python-docx: imported only when a Word file is read
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    _check_archive(shown, data)
    try:
        document = docx.Document(io.BytesIO(data))
        grid, lines = word_grid(document)
    except (PackageNotFoundError, LxmlError, KeyError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
            OSError, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError, OverflowError, IndexError,
            AttributeError) as exc:  # python-docx over a damaged package: any of these, never a traceback
        raise FormReadError(shown, f"Word 文档已损坏或内容无法识别；{SAVE_AS_DOCX}") from exc
    try:
        reading = read_labelled(grid, lines, source="Word 表格")
    except NotAForm as exc:
        raise FormReadError(shown, "这份 Word 文档不是项目支出绩效自评表：其中没有“项目资金”或“绩效指标”表格；请发送按通知"
                                   "附件1格式填写的自评表（.docx），或用 .xlsx 模板填报", "not-template") from exc
    return WordForm(str(shown), reading, fmt)


def _convert_old_word(path: Path) -> WordForm:
    if not soffice_available():
        raise FormReadError(path, f"这是旧版 Word 文件（.doc/.wps），本机没有安装 LibreOffice，无法转换；{SAVE_AS_DOCX}")
    with tempfile.TemporaryDirectory(prefix="xltools-doc-") as tmp:
        source = Path(tmp) / "form.doc"
        source.write_bytes(path.read_bytes())  # a copy: the clerk's file is never handed to another program
        try:
            [converted] = convert([source], Path(tmp) / "out", "docx")
            data = converted.read_bytes()
        except (EngineError, OSError) as exc:
            raise FormReadError(path, f"旧版 Word 文件无法转换（文件可能已损坏、加密或不是 Word 文档）；{SAVE_AS_DOCX}") from exc
    return _read_docx(path, data, "doc", path)


def read_word_form(path: Path | str) -> WordForm:
    """The form in a Word document, by content: a .docx (zip) is read directly, an old binary Word file
    (.doc/.wps, OLE) is converted to .docx by LibreOffice first. Raises ``FormReadError``."""
    path = Path(path)
    try:
        data = read_regular(path, _LIMITS.max_file_bytes)[0]
    except OSError as exc:
        raise FormReadError(path, f"无法读取文件：{os_reason(exc)}") from exc
    except (SpecialFileError, FileTooLargeError) as exc:
        raise FormReadError(path, exc.message, "too-large" if isinstance(exc, FileTooLargeError) else "unreadable") \
            from exc
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise FormReadError(path, "文档设置了打开密码（已加密），无法读取；请去掉密码后另存为 .docx 重试", "encrypted")
        return _convert_old_word(path)
    if not data.startswith(ZIP_MAGIC):
        raise FormReadError(path, f"文件已损坏或不是 Word 文档；{SAVE_AS_DOCX}")
    return _read_docx(path, data, "docx", path)
