"""The one reader seam: a file's content picks its reader; every reader yields a :class:`Source`.

API (for every door — check, export, annotate, convert, combine's workers, the web page)::

    from xltools.io.seam import read_source, ReadOptions
    source = read_source(path_or_bytes, name="a.xls")   # a Source, or ReadError (fate + Chinese reason)
    source.format      # "xlsx", "xlsm", "xls", "et", "ods", "xlsb" (and what registered readers add)
    source.book        # a BookView to identify() and judge(), or None
    source.form        # a Form read without a template layout (then origins say where each field was)
    source.findings    # the reader's findings plus format-legacy when the view cannot see protection
    source.notes       # Chinese lines about the format ("文件扩展名为 .xlsx，内容实为 …")

:func:`xltools.io.forms.load_form` wraps it for one file (identity, form, provenance) and
:func:`xltools.io.forms.judge_loaded` runs the one verdict on what it loaded.

How a file is read: :func:`read_source` sniffs the bytes (:mod:`xltools.io.sniff`: zip, OLE2
compound file, PDF, images …, never the name alone), asks each registered :class:`Reader` in
order whether it ``accepts`` the content, and calls the first that does. No reader: a
:class:`ReadError` whose reason names what the file is and the next step (:func:`refusal`).

Adding a reader (e.g. Word forms): subclass :class:`xltools.io.reader.Reader`, decide ``accepts``
from ``content.kind`` / ``content.members`` (zip member names, OLE stream names) / the bytes, return
``Source(format, book=…)`` when the file holds a template's cells, or ``Source(format, form=…,
origins={field path: "表1 第12行 第5列"}, findings=…)`` when it holds a form in another layout, and
add an instance to :data:`_BUILT_IN` (or call :func:`register_reader` at run time; ``first=True`` to
be asked before the others). Scores, rules and identification stay in the verdict: a reader never
scores or judges. A reader whose book cannot see formulas, cell locking or sheet protection (``None``
in the view) gets the ``format-legacy`` finding from the seam, so such a file never passes silently.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from xltools.core.catalogue import FormatLegacy
from xltools.form.book import format_legacy, format_text
from xltools.form.layout import SHEET
from xltools.io.reader import Content, Reader, ReadError, ReadOptions, Source
from xltools.io.sniff import KIND_TEXT
from xltools.io.xlsxread import WorkbookReadError, read_bounded
from xltools.io.xlsxsource import XlsxReader

__all__ = ["read_source", "read_content", "register_reader", "readers", "refusal", "Content",
           "ReadOptions", "Source", "Reader", "ReadError", "SPREADSHEET_SUFFIXES"]


class _OnDemand(Reader):
    """A built-in reader made (its module imported) the first time a file may be its own: ``may`` is a cheap
    test on the container, true whenever the reader's own ``accepts`` can be (tests/test_seam.py), so checking
    an .xlsx imports neither the Word reader (python-docx, LibreOffice) nor calamine."""

    def __init__(self, make: Callable[[], Reader], may: Callable[[Content], bool]) -> None:
        self.make, self.may = make, may

    @cached_property
    def real(self) -> Reader:
        return self.make()

    @property  # type: ignore[override]
    def name(self) -> str:  # noqa: D102 - the real reader's
        return self.real.name

    @property  # type: ignore[override]
    def formats(self) -> tuple[str, ...]:  # noqa: D102 - the real reader's
        return self.real.formats

    def accepts(self, content: Content) -> bool:
        return self.may(content) and self.real.accepts(content)

    def read(self, content: Content, options: ReadOptions) -> Source:
        return self.real.read(content, options)


def _word_reader() -> Reader:
    from xltools.io.wordform import WordReader

    return WordReader()


def _calamine_reader() -> Reader:
    from xltools.io.legacy import CalamineReader

    return CalamineReader()


def _may_be_word(content: Content) -> bool:
    """True whenever :meth:`xltools.io.wordform.WordReader.accepts` can be (a .docx's main part, a damaged zip)."""
    # a damaged zip is the Word reader's only under a .docx name: asked first, so no other file pays for listing
    # its members to learn whether it is damaged
    return content.kind == "ole2" or (content.kind == "zip" and (content.has("word/document.xml")
                                                                 or content.suffix == ".docx" and content.damaged))


def _may_be_legacy(content: Content) -> bool:
    """True whenever :meth:`xltools.io.legacy.CalamineReader.accepts` can be (an .xlsb's or .ods's parts)."""
    return content.kind == "ole2" or (content.kind == "zip" and (content.has("xl/workbook.bin")
                                                                 or content.has("mimetype")))


def _real_type(reader: Reader) -> type[Reader]:
    return type(reader.real) if isinstance(reader, _OnDemand) else type(reader)


#: The readers asked, in order (the first that accepts a file reads it).
_BUILT_IN: tuple[Reader, ...] = (_OnDemand(_word_reader, _may_be_word),  # Word first: a damaged .docx gets its own message
                                 XlsxReader(), _OnDemand(_calamine_reader, _may_be_legacy))
_READERS: list[Reader] = list(_BUILT_IN)

#: Names a district run and the web page take as spreadsheets to read (the content still decides how).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods", ".xlsb")

#: What a clerk should send instead of a file no reader takes.
_SEND_XLSX = "请提交用自评表模板填写的 Excel 工作簿（.xlsx）"


def register_reader(reader: Reader, *, first: bool = False) -> None:
    """Add ``reader`` to the seam (asked last, or first with ``first``); a reader of the same class is replaced."""
    for i, known in enumerate(_READERS):
        if _real_type(known) is _real_type(reader):
            del _READERS[i]
            break
    _READERS.insert(0 if first else len(_READERS), reader)


def readers() -> tuple[Reader, ...]:
    """The registered readers, in the order they are asked."""
    return tuple(_READERS)


def read_source(source: Path | str | bytes, *, name: str | None = None,
                options: ReadOptions = ReadOptions()) -> Source:
    """The :class:`Source` in a file (a path, or its bytes with the ``name`` to show), or :class:`ReadError`."""
    try:
        data = read_bounded(source, options.limits)
    except WorkbookReadError as exc:  # the file's own refusals (not regular, too large, cannot be opened)
        raise ReadError(exc.fate, exc.reason) from exc  # its fates here: "unreadable" or "too-large"
    return read_content(Content(name if name is not None else str(source), data), options)


def read_content(content: Content, options: ReadOptions = ReadOptions()) -> Source:
    """The first accepting reader's :class:`Source`, with the seam's notes and ``format-legacy`` finding."""
    for reader in _READERS:
        if reader.accepts(content):
            source = reader.read(content, options)
            break
    else:
        raise refusal(content)
    notes = list(source.notes)
    renamed = _renamed(content, source.format)
    if renamed:
        notes.append(f"文件扩展名为 {content.suffix}，内容实为 {format_text(source.format)}")
    findings = list(source.findings)
    legacy = format_legacy(source.format, source.book, SHEET, renamed=f"（扩展名为 {content.suffix}）" if renamed
                           else "") if source.book is not None else None
    if legacy is not None and not any(f.code == FormatLegacy.code for f in findings):
        findings.insert(0, legacy)
    if notes == list(source.notes) and len(findings) == len(source.findings):
        return source
    return Source(source.format, source.book, source.form, source.origins, tuple(findings), tuple(notes))


def _renamed(content: Content, fmt: str) -> bool:
    """The name's extension says another format than the content holds (.xlsx that is a .xls)."""
    stated = content.suffix.lstrip(".")
    family = {"ett": "et", "xlsm": "xlsx"}
    return bool(stated) and family.get(stated, stated) != family.get(fmt, fmt)


def refusal(content: Content) -> ReadError:
    """The error for a file no reader takes: what it is, and what to send instead."""
    kind, members, wps = content.kind, content.members, content.suffix in (".et", ".ett")
    if wps:
        from xltools.io.legacy import WPS_NEXT_STEP

        what = KIND_TEXT.get(kind, "WPS 自有格式或已损坏的文件") if kind not in ("zip", "ole2") else \
            "WPS 自有格式或已损坏的文件（不是 Excel 97–2003 兼容格式）"
        return ReadError("unreadable", f"这是 {what}，无法读取；{WPS_NEXT_STEP}" if what.startswith("WPS")
                         else f"这是{what}，无法读取；{WPS_NEXT_STEP}")
    if kind == "ole2":
        if "EncryptionInfo" in members or "EncryptedPackage" in members:
            return ReadError("encrypted", "工作簿设置了打开密码（已加密），无法读取；请去掉密码后重新提交")
        if "WordDocument" in members:
            return ReadError("unreadable", "这是 Word 文档（.doc），不是 Excel 工作簿；请把内容填入自评表模板（.xlsx）后提交")
        if not members:
            return ReadError("unreadable", "文件已损坏或不完整（Office 文件的目录无法读取）；请用 Excel 或 WPS 打开后"
                                           "另存为 .xlsx 再提交")
        return ReadError("unreadable", f"这是 Office 文件，但不是 Excel 工作簿；{_SEND_XLSX}")
    if kind == "zip":
        if "word/document.xml" in members:
            return ReadError("unreadable", "这是 Word 文档（.docx），不是 Excel 工作簿；请把内容填入自评表模板（.xlsx）后提交")
        if "ppt/presentation.xml" in members:
            return ReadError("unreadable", f"这是 PowerPoint 演示文稿，不是 Excel 工作簿；{_SEND_XLSX}")
        if "mimetype" in members:
            return ReadError("unreadable", f"这是 OpenDocument 文档，但不是电子表格（.ods）；{_SEND_XLSX}")
        return ReadError("unreadable", "这是 ZIP 压缩包，不是工作簿；请解压后提交其中的 .xlsx 工作簿"
                                       "（汇总时可直接放入压缩包）")
    if kind == "pdf":
        return ReadError("unreadable", f"这是 PDF 文件（打印或扫描件），无法读出填写内容；{_SEND_XLSX}，不要转换为 PDF")
    if kind in ("png", "jpeg", "gif", "tiff", "bmp", "webp", "heic"):
        return ReadError("unreadable", f"这是{KIND_TEXT[kind]}，无法读出填写内容（截图、照片都不行）；{_SEND_XLSX}")
    if kind in ("html", "xml"):
        return ReadError("unreadable", f"这是{KIND_TEXT[kind]}，不是 Excel 工作簿（可能是系统导出或“另存为网页”得到的）；"
                                       "请用 Excel 或 WPS 打开后另存为 .xlsx 再提交")
    if kind == "empty":
        return ReadError("unreadable", f"文件是空的（0 字节），可能没有保存完整或传输失败；{_SEND_XLSX}")
    return ReadError("unreadable", f"文件已损坏或不是 Excel 工作簿（内容是{KIND_TEXT.get(kind, '无法识别的格式')}）；"
                                   f"{_SEND_XLSX}")
