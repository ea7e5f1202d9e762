"""Shell: read a Word form (.docx, or old .doc/.wps through LibreOffice) into the form model.

The notice ships the form as a Word table (附件1). :func:`read_docx` turns every table of the
document into one grid (python-docx gives one cell per grid column; the positions of one merged cell
share its ``<w:tc>`` element, which is the grid cell's ``key``) and the body's paragraphs into text
lines (the title's year, the 填表人 line), then reads them by their labels
(:func:`xltools.form.labelform.read_labelled`). Each field's place is ``表1 第12行 第5列``: the table,
its row and the cell's position in that row as Word shows it (merged cells count once).

:class:`WordReader` is the reader seam's (:mod:`xltools.io.seam`) door for Word files: the seam picks it by
content (a zip with ``word/document.xml``, an OLE2 file with a ``WordDocument`` stream), never by name.
Every failure is a :class:`~xltools.io.reader.ReadError` with a Chinese reason and the next step.
"""

from __future__ import annotations

import io
import lzma
import tempfile
import zipfile
import zlib
from pathlib import Path

from xltools.form.labelform import GridCell, LabelledForm, NotAForm, read_labelled
from xltools.io.engine import EngineError, convert, soffice_available
from xltools.io.reader import Content, Reader, ReadError, ReadOptions, Source
from xltools.io.xlsxread import Limits

__all__ = ["WordReader", "read_docx", "convert_old_word", "word_grid", "SAVE_AS_DOCX", "WORD_SUFFIXES"]

#: Names under which offices send Word forms (the content still decides how a file is read).
WORD_SUFFIXES = (".docx", ".doc", ".wps")

#: What a clerk is told when an old Word file cannot be converted here.
SAVE_AS_DOCX = "请在 Word 或 WPS 中打开，另存为 .docx 后重试"
_MAIN_PART = "word/document.xml"


def _check_archive(data: bytes, limits: Limits) -> None:
    """The .docx's zip within the limits of a workbook (no compression bomb), with a Word document inside."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ReadError("unreadable", f"Word 文档已损坏或不完整，无法解压；{SAVE_AS_DOCX}") from exc
    over = limits.oversized(infos)  # the workbook's limits: no compression bomb
    if over:
        raise ReadError("too-large", f"文档内部文件 {over} 解压后过大，疑似压缩炸弹，已拒绝读取")
    if over == "":
        raise ReadError("too-large", "文档解压后总大小超过上限，疑似压缩炸弹，已拒绝读取")
    if _MAIN_PART not in {info.filename for info in infos}:
        raise ReadError("unreadable", f"Word 文档已损坏（缺少正文部分）；{SAVE_AS_DOCX}")


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


def read_docx(data: bytes, limits: Limits = Limits()) -> LabelledForm:
    """The form in a .docx's bytes, read by its labels; :class:`ReadError` when it is damaged or no form."""
    import docx  # python-docx: imported only when a Word file is read
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    _check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        grid, lines = word_grid(document)
    except (PackageNotFoundError, LxmlError, KeyError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
            OSError, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError, OverflowError, IndexError,
            AttributeError) as exc:  # python-docx over a damaged package: any of these, never a traceback
        raise ReadError("unreadable", f"Word 文档已损坏或内容无法识别；{SAVE_AS_DOCX}") from exc
    try:
        return read_labelled(grid, lines, source="Word 表格")
    except NotAForm as exc:
        raise ReadError("not-template", "这份 Word 文档不是项目支出绩效自评表：其中没有“项目资金”或“绩效指标”表格；请发送按"
                                        "通知附件1格式填写的自评表（.docx），或用 .xlsx 模板填报") from exc


def convert_old_word(data: bytes) -> bytes:
    """An old binary Word file (.doc/.wps) as .docx bytes, converted by LibreOffice headless from a copy."""
    if not soffice_available():
        raise ReadError("unreadable", f"这是旧版 Word 文件（.doc/.wps），本机没有安装 LibreOffice，无法转换；{SAVE_AS_DOCX}")
    with tempfile.TemporaryDirectory(prefix="xltools-doc-") as tmp:
        source = Path(tmp) / "form.doc"
        source.write_bytes(data)  # a copy: the clerk's file is never handed to another program
        try:
            [converted] = convert([source], Path(tmp) / "out", "docx")
            return converted.read_bytes()
        except (EngineError, OSError) as exc:
            raise ReadError("unreadable", f"旧版 Word 文件无法转换（文件可能已损坏、加密或不是 Word 文档）；{SAVE_AS_DOCX}") \
                from exc


class WordReader(Reader):
    """Word forms in the notice's layout: a .docx (zip with ``word/document.xml``), or an old binary Word
    file (OLE2 with a ``WordDocument`` stream: .doc, WPS 文字's .wps) converted by LibreOffice first."""

    name = "docx"
    formats = ("docx", "doc")

    def accepts(self, content: Content) -> bool:
        if content.kind == "zip":
            return _MAIN_PART in content.members or (content.damaged and content.suffix == ".docx")
        if content.kind == "ole2":
            return "WordDocument" in content.members or (content.damaged and content.suffix in (".doc", ".wps"))
        return False

    def read(self, content: Content, options: ReadOptions) -> Source:
        if content.kind == "ole2":
            if content.damaged:
                raise ReadError("unreadable", f"Word 文件已损坏或不完整（目录无法读取）；{SAVE_AS_DOCX}")
            reading, fmt = read_docx(convert_old_word(content.data), options.limits), "doc"
            notes: tuple[str, ...] = ("旧版 Word 文件已由 LibreOffice 转换为 .docx 后读取",)
        else:
            reading, fmt, notes = read_docx(content.data, options.limits), "docx", ()
        return Source(fmt, form=reading.form, origins=reading.origins, findings=reading.findings,
                      notes=("按 Word 表格的栏目名称读取（不是 .xlsx 模板，无法核对模板是否被改动）", *notes))
