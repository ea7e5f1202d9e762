"""The reader seam: the content (never the name alone) picks the reader; refusals name the next step;
a registered reader is asked; a view that cannot see protection always carries ``format-legacy``."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest

from xltools.core import Form
from xltools.excel.fill import fill_workbook
from xltools.form.layout import SHEET
from xltools.io.forms import FormReadError, judge_loaded, load_form
from xltools.io.reader import Content, Reader, ReadOptions, Source
from xltools.io.seam import read_source, readers, refusal
from xltools.io.sniff import ContainerError, kind_of, ole_entries, zip_members
from xltools.io.xlsxread import read_workbook

from .forms import clean_form


def cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file with ``streams`` in its root (the project's own writer, used by the VBA tests)."""
    from xltools.excel.cfb import cfb_write

    return cfb_write(streams)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill_workbook(clean_form(), tmp_path_factory.mktemp("seam") / "clean.xlsx")


def test_kinds_from_magic_bytes() -> None:
    assert kind_of(b"") == "empty"
    assert kind_of(b"%PDF-1.7\n") == "pdf"
    assert kind_of(b"\x89PNG\r\n\x1a\n....") == "png"
    assert kind_of(b"\xff\xd8\xff\xe0JFIF") == "jpeg"
    assert kind_of(b"PK\x03\x04rest") == "zip"
    assert kind_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8) == "ole2"
    assert kind_of("<html><table><tr><td>项目名称</td></tr></table>".encode()) == "html"
    assert kind_of("项目名称,金额\n".encode("gb18030")) == "text"


def test_zip_members_from_the_central_directory(filled: Path) -> None:
    data = filled.read_bytes()
    assert zip_members(data) == frozenset(zipfile.ZipFile(io.BytesIO(data)).namelist())
    with pytest.raises(ContainerError):
        zip_members(data[: len(data) // 2])


def test_ole_entries_name_the_streams() -> None:
    data = cfb({"Workbook": b"\x09\x08" + b"\0" * 5000, "\x05SummaryInformation": b"\0" * 100})
    assert {"Workbook", "\x05SummaryInformation", "Root Entry"} <= ole_entries(data)
    with pytest.raises(ContainerError):
        ole_entries(data[:600])


def test_an_xlsx_reads_through_the_seam_as_xlsx(filled: Path) -> None:
    source = read_source(filled)
    assert source.format == "xlsx" and source.findings == () and source.notes == ()
    assert source.book.sheet(SHEET).value("B4") == read_workbook(filled).sheet(SHEET).value("B4") == "垃圾分类桶站改造"


def test_the_name_does_not_pick_the_reader(filled: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "clean.xls"
    renamed.write_bytes(filled.read_bytes())
    loaded = load_form(renamed)
    assert loaded.format == "xlsx"
    assert loaded.notes == ("文件扩展名为 .xls，内容实为 Excel 工作簿（.xlsx）",)
    assert loaded.form == load_form(filled).form


@pytest.mark.parametrize(("data", "name", "fate", "words"), [
    (b"%PDF-1.4\n%...", "a.xlsx", "unreadable", ("PDF", "请提交用自评表模板填写的 Excel 工作簿（.xlsx）")),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "a.xlsx", "unreadable", ("图片（PNG）", ".xlsx")),
    (b"\xff\xd8\xff\xe0" + b"\0" * 40, "a.jpg", "unreadable", ("图片（JPEG）", ".xlsx")),
    (b"", "a.xlsx", "unreadable", ("空的", ".xlsx")),
    (b"<html><body><table></table></body></html>", "a.xls", "unreadable", ("网页", "另存为 .xlsx")),
    (b"\0\1\2junk" * 10, "a.et", "unreadable", ("请在 WPS 中另存为 .xlsx 后重试",)),
])
def test_refusals_say_what_the_file_is_and_what_to_send(data: bytes, name: str, fate: str,
                                                        words: tuple[str, ...]) -> None:
    with pytest.raises(Exception) as info:
        read_source(data, name=name)
    assert info.value.fate == fate  # type: ignore[attr-defined]
    for word in words:
        assert word in info.value.reason  # type: ignore[attr-defined]


def test_ole_files_are_told_apart_by_their_streams() -> None:
    encrypted = cfb({"EncryptionInfo": b"\0" * 200, "EncryptedPackage": b"\0" * 5000})
    word = cfb({"WordDocument": b"\0" * 5000, "1Table": b"\0" * 100})
    wps = cfb({"WpsContent": b"\0" * 5000})
    assert refusal(Content("a.xlsx", encrypted)).fate == "encrypted"
    assert "Word 文档（.doc）" in refusal(Content("a.xls", word)).reason
    assert "请在 WPS 中另存为 .xlsx 后重试" in refusal(Content("a.et", wps)).reason
    assert "不是 Excel 工作簿" in refusal(Content("a.xls", wps)).reason


def test_check_refuses_with_exit_2_and_the_next_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xltools.cli import main

    pdf = tmp_path / "自评表.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    assert main(["check", str(pdf)]) == 2
    err = capsys.readouterr().err
    assert str(pdf) in err and "PDF" in err and ".xlsx" in err and "Traceback" not in err


class _GridBook:
    """A view that sees values only (like calamine's): formulas, locking and protection unseen."""

    formulas = None
    protected = None

    def __init__(self, values: dict[str, object], meta: dict[str, object]) -> None:
        self.sheet_names = [SHEET, "模板信息"]
        self._sheets = {SHEET: values, "模板信息": meta}

    def sheet(self, name: str) -> "_GridBook | None":
        if name not in self._sheets:
            return None
        view = _GridBook.__new__(_GridBook)
        view._values = self._sheets[name]  # type: ignore[attr-defined]
        return view

    def value(self, cell: str) -> object:
        return self._values.get(cell)  # type: ignore[attr-defined]

    def locked(self, cell: str) -> None:
        return None

    def lock_states(self, cells: object) -> None:
        return None


class _TextReader(Reader):
    """A reader registered by a test: a text file ``CELL=value`` per line, as a values-only workbook."""

    name: ClassVar[str] = "test-cells"
    formats: ClassVar[tuple[str, ...]] = ("cells",)

    def accepts(self, content: Content) -> bool:
        return content.kind == "text" and content.data.startswith(b"#cells")

    def read(self, content: Content, options: ReadOptions) -> Source:
        book = read_workbook(self.template)
        values = dict(book.sheet(SHEET).values)
        for line in content.data.decode().splitlines()[1:]:
            cell, _, value = line.partition("=")
            values[cell] = value
        return Source("cells", _GridBook(values, dict(book.sheet("模板信息").values)))

    template: bytes = b""


@pytest.fixture
def registry():
    """The seam's registry, restored after the test."""
    from xltools.io import seam

    saved = list(seam._READERS)
    yield seam
    seam._READERS[:] = saved


def test_a_registered_reader_is_asked_and_gets_format_legacy(filled: Path, tmp_path: Path, registry) -> None:
    reader = _TextReader()
    reader.template = filled.read_bytes()
    registry.register_reader(reader)
    assert readers()[-1] is reader
    path = tmp_path / "form.txt"
    path.write_text("#cells\nB4=垃圾分类桶站改造\nC6=李四\n", encoding="utf-8")
    loaded = load_form(path)
    assert loaded.format == "cells" and loaded.form.project_lead == "李四"
    assert loaded.origin("project_lead") == f"{SHEET}!C6"
    verdict = judge_loaded(loaded)
    codes = [f.code for f in verdict.findings]
    assert codes.count("format-legacy") == 1 and not verdict.tampered
    message = next(f.message for f in verdict.findings if f.code == "format-legacy")
    assert "工作表保护、公式和单元格锁定" in message and "请用 .xlsx 模板填报" in message
    # the same form as .xlsx: the same scores and findings, format-legacy added
    xlsx = judge_loaded(load_form(filled))
    assert [c for c in codes if c != "format-legacy"] == [f.code for f in xlsx.findings] == []
    assert verdict.evaluation.sheet == xlsx.evaluation.sheet


def test_a_reader_yielding_a_form_is_judged_with_its_origins(tmp_path: Path, registry) -> None:
    class FormReader(Reader):
        name: ClassVar[str] = "test-form"
        formats: ClassVar[tuple[str, ...]] = ("test",)

        def accepts(self, content: Content) -> bool:
            return content.data.startswith(b"#form")

        def read(self, content: Content, options: ReadOptions) -> Source:
            form = clean_form(lead_phone="12")
            return Source("test", form=form, origins={"lead_phone": "表1 第3行 第4列"})

    registry.register_reader(FormReader(), first=True)
    path = tmp_path / "x.bin"
    path.write_bytes(b"#form\n")
    loaded = load_form(path)
    verdict = judge_loaded(loaded)
    phone = [f for f in verdict.findings if f.code == "phone-invalid"]
    assert [f.cell for f in phone] == ["表1 第3行 第4列"]
    assert loaded.origin("lead_phone") == "表1 第3行 第4列"
    assert loaded.format == "test" and loaded.book is None


def test_a_source_holds_a_book_or_a_form() -> None:
    with pytest.raises(ValueError):
        Source("x")
    with pytest.raises(ValueError):
        Source("x", book=object(), form=Form())  # type: ignore[arg-type]


def test_a_file_the_seam_cannot_read_is_a_form_read_error(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(struct.pack("<I", 0x04034B50) + b"\0" * 20)
    with pytest.raises(FormReadError) as info:
        load_form(path)
    assert str(path) in str(info.value)


README_REFUSALS = ("a.pdf", "a.png", "a.et", "a.xlsx encrypted", "a.xls truncated", "a.xlsx empty")


def test_the_clerks_doc_shows_the_messages_a_clerk_sees() -> None:
    """docs/格式说明.md quotes each refusal verbatim, and README's table the commonest of them: both are checked
    against what the seam says."""
    import zipfile as zf

    root = Path(__file__).parent.parent
    doc = (root / "docs" / "格式说明.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    archive = io.BytesIO()
    with zf.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "x")
    cases = [
        ("a.pdf", b"%PDF-1.4\n"), ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10),
        ("a.et", cfb({"WpsContent": b"\0" * 5000})),
        ("a.xlsx encrypted", cfb({"EncryptionInfo": b"\0" * 200, "EncryptedPackage": b"\0" * 5000})),
        ("a.xls truncated", cfb({"Workbook": b"\0" * 5000})[:3000]), ("a.ppt", cfb({"PowerPoint Document": b"\0" * 5000})),
        ("a.xls", b"<html><table></table></html>"), ("a.xlsx", archive.getvalue()), ("a.xlsx empty", b""),
        ("a.xlsx", "项目名称,金额\n".encode()),
    ]
    for case, data in cases:
        with pytest.raises(Exception) as info:
            read_source(data, name=case.split()[0])
        reason = info.value.reason  # type: ignore[attr-defined]
        assert reason in doc, (case, reason)
        assert case not in README_REFUSALS or f"| {reason} |" in readme, (case, reason)


def test_zip_has_finds_exact_member_names_only(filled: Path) -> None:
    from xltools.io.sniff import zip_has

    data = filled.read_bytes()
    assert zip_has(data, "xl/workbook.xml") and zip_has(data, "[Content_Types].xml")
    assert not zip_has(data, "workbook.xml") and not zip_has(data, "xl/workbook.xm") and not zip_has(data, "xl/x")
    odd = io.BytesIO()
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("axl/workbook.xml", b"")  # the name inside a longer one: not the member
        archive.writestr("xl/workbook.xml.bak", b"")
    assert not zip_has(odd.getvalue(), "xl/workbook.xml")
    assert not zip_has(data[: len(data) // 2], "xl/workbook.xml")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_word_and_calamine_readers_are_made_only_for_files_that_may_be_theirs(filled: Path, tmp_path: Path) -> None:
    """The seam asks the Word and calamine readers through a cheap test on the container (so a check of an
    .xlsx never imports them); that test is true wherever the real reader's ``accepts`` is."""
    from xltools.form.labelform import GridCell  # noqa: F401 - the Word reader's own imports, loaded here anyway
    from xltools.io import seam
    from xltools.io.legacy import CalamineReader
    from xltools.io.wordform import WordReader

    from .wordkit import form_docx

    docx = form_docx(clean_form(), tmp_path / "form.docx").read_bytes()
    xlsx = filled.read_bytes()
    ods_mime = b"application/vnd.oasis.opendocument.spreadsheet"
    samples = {
        "xlsx": (xlsx, "a.xlsx"), "xlsx named .docx": (xlsx, "a.docx"), "docx": (docx, "a.docx"),
        "docx named .xlsx": (docx, "a.xlsx"), "damaged docx": (docx[: len(docx) // 2], "a.docx"),
        "damaged xlsx": (xlsx[: len(xlsx) // 2], "a.xlsx"), "doc": (cfb({"WordDocument": b"\0" * 5000}), "a.doc"),
        "wps": (cfb({"WordDocument": b"\0" * 5000}), "a.wps"), "damaged doc": (cfb({"WordDocument": b"\0" * 5000})[:600], "a.doc"),
        "xls": (cfb({"Workbook": b"\x09\x08" + b"\0" * 5000}), "a.xls"), "et": (cfb({"Book": b"\0" * 5000}), "a.et"),
        "ods": (_zip({"mimetype": ods_mime, "content.xml": b"<x/>"}), "a.ods"),
        "xlsb": (_zip({"xl/workbook.bin": b"\0" * 10, "[Content_Types].xml": b"<x/>"}), "a.xlsb"),
        "zip": (_zip({"a.txt": b"x"}), "a.zip"), "pdf": (b"%PDF-1.4\n...", "a.pdf"), "empty": (b"", "a.xlsx"),
    }
    word, _, calamine = seam._BUILT_IN
    accepted = {"docx": set(), "calamine": set()}
    for what, (data, name) in samples.items():
        content = Content(name, data)
        for lazy, real, key in ((word, WordReader(), "docx"), (calamine, CalamineReader(), "calamine")):
            if real.accepts(Content(name, data)):
                accepted[key].add(what)
                assert lazy.may(content), what
            assert lazy.accepts(Content(name, data)) == real.accepts(Content(name, data)), what
    # the samples do reach both readers (the test above is not vacuous), and an .xlsx never may be theirs
    assert accepted == {"docx": {"docx", "docx named .xlsx", "damaged docx", "doc", "wps", "damaged doc"},
                        "calamine": {"xls", "et", "ods", "xlsb"}}
    assert not word.may(Content("a.xlsx", xlsx)) and not calamine.may(Content("a.docx", xlsx))
    assert [r.name for r in readers()] == ["docx", "xlsx", "calamine"]


def test_registering_a_built_in_readers_class_replaces_it(registry) -> None:
    from xltools.io.wordform import WordReader

    mine = WordReader()
    registry.register_reader(mine, first=True)
    assert readers()[0] is mine and [r.name for r in readers()] == ["docx", "xlsx", "calamine"]
