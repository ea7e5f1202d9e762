"""Legacy spreadsheets through the reader seam, written by a real engine: LibreOffice saves the project's own
filled test forms as .xls and .ods (and the .xls renamed .et, as WPS names its compatibility-mode files);
each gives the scores and findings of the .xlsx, plus ``format-legacy``. Bad input never gives a traceback."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xltools.cli import main
from xltools.core import Form
from xltools.excel.fill import fill_workbook
from xltools.io.engine import convert
from xltools.io.forms import FormReadError, judge_loaded, load_form

from .forms import clean_form, seed_form, twenty_findings_form
from .lo import soffice  # noqa: F401

TODAY = dt.date(2026, 3, 1)
FORMS: dict[str, Form] = {"seed": seed_form(), "clean": clean_form(), "twenty": twenty_findings_form(),
                          "other": clean_form(project_name="背街小巷环境整治", implementing_unit="呼家楼街道办事处")}
LEGACY = ("xls", "ods", "et")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, soffice: None) -> dict[tuple[str, str], Path]:  # noqa: F811
    """(form, format) → file: the .xlsx written by fill, and LibreOffice's .xls/.ods of it (one call each)."""
    root = tmp_path_factory.mktemp("formats")
    xlsx = {name: fill_workbook(form, root / f"{name}.xlsx") for name, form in FORMS.items()}
    out: dict[tuple[str, str], Path] = {(name, "xlsx"): path for name, path in xlsx.items()}
    for target in ("xls", "ods"):
        for path in convert(xlsx.values(), root / target, target):
            out[(path.stem, target)] = path
    for name in FORMS:
        et = root / "et" / f"{name}.et"
        et.parent.mkdir(exist_ok=True)
        shutil.copy(out[(name, "xls")], et)
        out[(name, "et")] = et
    return out


def _codes(verdict) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return sorted((f.code, f.cell) for f in verdict.findings)


@pytest.mark.parametrize("fmt", LEGACY)
@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_legacy_file_scores_as_its_xlsx_plus_format_legacy(books: dict[tuple[str, str], Path], name: str,
                                                             fmt: str) -> None:
    xlsx = judge_loaded(load_form(books[(name, "xlsx")]), today=TODAY)
    loaded = load_form(books[(name, fmt)])
    assert loaded.format == fmt and loaded.notes == ()
    legacy = judge_loaded(loaded, today=TODAY)
    assert legacy.evaluation.sheet == xlsx.evaluation.sheet
    assert legacy.form.indicators == xlsx.form.indicators
    extra = [f for f in legacy.findings if f.code == "format-legacy"]
    assert len(extra) == 1 and extra[0].severity == "warning"
    assert "工作表保护、公式和单元格锁定" in extra[0].message and extra[0].message.endswith("请用 .xlsx 模板填报")
    assert {"xls": ".xls", "ods": ".ods", "et": ".et"}[fmt] in extra[0].message
    assert [c for c in _codes(legacy) if c[0] != "format-legacy"] == _codes(xlsx)
    assert not legacy.tampered  # values-only: never a false tamper alarm


def test_the_hand_counted_scores_of_the_clean_form_as_xls(books: dict[tuple[str, str], Path]) -> None:
    """Computed by hand from tests/forms.py: 95.5 of 100 executed → 9.55 of 10; indicators 20+15+15+15+14+10."""
    sheet = judge_loaded(load_form(books[("clean", "xls")]), today=TODAY).evaluation.sheet
    assert sheet.budget_score == 9.55
    assert sheet.indicator_scores == [20, 15, 15, 15, 14, 10]
    assert sheet.total == pytest.approx(98.55)


def test_check_prints_the_same_result_and_the_format_finding(books: dict[tuple[str, str], Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code_xlsx = main(["check", "--json", str(books[("twenty", "xlsx")])])
    xlsx = json.loads(capsys.readouterr().out)
    code_xls = main(["check", "--json", str(books[("twenty", "xls")])])
    xls = json.loads(capsys.readouterr().out)
    assert code_xlsx == code_xls == 1
    for key in ("execution_rate", "budget_score", "indicator_scores", "total", "grade"):
        assert xls[key] == xlsx[key], key
    assert [f for f in xls["findings"] if f["code"] != "format-legacy"] == xlsx["findings"]
    assert main(["check", str(books[("twenty", "xls")])]) == 1  # the text output names places in Chinese
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  [")]
    assert "  [警告] 整个文件 format-legacy：本文件是 Excel 97–2003 工作簿（.xls）" in "\n".join(lines)
    assert not [line for line in lines if re.match(r"  \[..\] [a-z]", line)], lines  # no field path in English


def test_an_xlsx_that_is_really_an_xls_reads_and_says_so(books: dict[tuple[str, str], Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "自评表.xlsx"
    fake.write_bytes(books[("clean", "xls")].read_bytes())
    loaded = load_form(fake)
    assert loaded.format == "xls"
    assert loaded.notes == ("文件扩展名为 .xlsx，内容实为 Excel 97–2003 工作簿（.xls）",)
    assert main(["check", str(fake)]) == 0
    out, err = capsys.readouterr()
    assert "内容实为 Excel 97–2003 工作簿（.xls）" in err and "format-legacy" in out and "（扩展名为 .xlsx）" in out


def _biff_with_password(xls: bytes) -> bytes:
    """An .xls whose Workbook stream has FILEPASS (RC4) right after BOF, the bytes after it untouched.

    The stream starts at sector 2 of LibreOffice's file (asserted); the records after BOF (INTERFACEHDR, MMS,
    INTERFACEEND, WRITEACCESS: 132 bytes) are overwritten by one FILEPASS record of the same length."""
    data = bytearray(xls)
    start = 3 * 512
    assert struct.unpack_from("<HH", data, start) == (0x0809, 16)
    records, at = [], start + 20
    while at - start - 20 < 132:
        kind, length = struct.unpack_from("<HH", data, at)
        records.append(kind)
        at += 4 + length
    assert at - start - 20 == 132, records
    data[start + 20:start + 152] = struct.pack("<HHHHH", 0x002F, 128, 1, 1, 1) + b"\0" * 122
    return bytes(data)


def _far_cell_xls(xls: bytes) -> bytes:
    """The .xls with its form sheet's first text cell (LABELSST) moved to IV65536, the last cell of a BIFF8 sheet:
    a file of the same size whose used area calamine would make 65,536 × 256 cells (some 500 MB) on opening."""
    data = bytearray(xls)
    at, sheets = 3 * 512, 0  # LibreOffice writes the Workbook stream contiguously from sector 2 (as above)
    while True:
        kind, length = struct.unpack_from("<HH", data, at)
        sheets += kind == 0x0809
        if kind == 0x00FD and sheets == 2:  # a text cell of the first sheet (自评表)
            struct.pack_into("<HH", data, at + 4, 65535, 255)
            return bytes(data)
        at += 4 + length


def _repeated_ods(ods: bytes) -> bytes:
    """The .ods with one text cell repeated over 3,000 rows × 200 columns by ODF's own repeat attributes:
    a few bytes more, 600,000 cells once expanded (and, where the table ends, a million rows away)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ods)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "content.xml":
                row = (b'<table:table-row table:number-rows-repeated="3000"><table:table-cell office:value-type="string"'
                       b' table:number-columns-repeated="200"><text:p>x</text:p></table:table-cell></table:table-row>')
                body = body.replace(b"</table:table>", row + b"</table:table>", 1)
            target.writestr(zipfile.ZipInfo(info.filename, info.date_time), body, info.compress_type)
    return out.getvalue()


def _bad_inputs(books: dict[tuple[str, str], Path], root: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name → (fate word in 文件清单, words the message must hold) of each bad file, written under ``root``."""
    xls = books[("clean", "xls")].read_bytes()
    (root / "截断.xls").write_bytes(xls[: len(xls) // 2])
    (root / "加密.xls").write_bytes(_biff_with_password(xls))
    (root / "扫描件.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\n")
    (root / "截图.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (root / "自有格式.et").write_bytes(b"\0\1WPS" * 200)
    with zipfile.ZipFile(root / "邮件附件.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("炸弹.xlsx", b"\0" * (60 * 1024 * 1024))
    with zipfile.ZipFile(books[("clean", "ods")]) as ods, zipfile.ZipFile(root / "炸弹.ods", "w") as bomb:
        for info in ods.infolist():  # mimetype first and stored, as ODF requires
            bomb.writestr(info, ods.read(info))
        bomb.writestr(zipfile.ZipInfo("Pictures/x.bin"), b"")
        bomb.writestr("Pictures/bomb.bin", b"\0" * (30 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    (root / "远角.xls").write_bytes(_far_cell_xls(xls))
    (root / "重复.ods").write_bytes(_repeated_ods(books[("clean", "ods")].read_bytes()))
    return {
        "远角.xls": ("无法读取", ("工作表「自评表」有 65,536 行 × 256 列", "远超自评表的大小", "另存为 .xlsx")),
        "重复.ods": ("无法读取", ("远超自评表的大小", "另存为 .xlsx")),
        "截断.xls": ("无法读取", ("已损坏", "另存为 .xlsx")),
        "加密.xls": ("已加密", ("打开密码", "去掉密码后重新提交")),
        "扫描件.pdf": ("无法读取", ("PDF", "请提交用自评表模板填写的 Excel 工作簿（.xlsx）")),
        "截图.png": ("无法读取", ("图片（PNG）", ".xlsx")),
        "自有格式.et": ("无法读取", ("请在 WPS 中另存为 .xlsx 后重试",)),
        "邮件附件.zip/炸弹.xlsx": ("无法读取", ("压缩炸弹", "单独提交")),
        "炸弹.ods": ("文件过大", ("压缩炸弹", "另存为 .xlsx")),
    }


def test_bad_input_check_exits_2_with_the_next_step(books: dict[tuple[str, str], Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    expected = _bad_inputs(books, tmp_path)
    for name, (_, words) in expected.items():
        if "/" in name:
            continue  # check does not open archives: it says to unzip (below)
        path = tmp_path / name
        assert main(["check", str(path)]) == 2, name
        err = capsys.readouterr().err
        assert err.startswith(f"无法读取 {path}：") and "Traceback" not in err, err
        for word in words:
            assert word in err, (name, word, err)
    assert main(["check", str(tmp_path / "邮件附件.zip")]) == 2
    assert "请解压后提交其中的 .xlsx 工作簿" in capsys.readouterr().err


def test_bad_input_combine_lists_each_as_unreadable(books: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    expected = _bad_inputs(books, inbox)
    shutil.copy(books[("clean", "ods")], inbox / "好.ods")
    with zipfile.ZipFile(inbox / "附件.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(books[("other", "xls")], "街道/表.xls")
        archive.write(books[("twenty", "xlsx")], "街道/表2.xlsx")
    summary = tmp_path / "汇总.xlsx"
    assert main(["combine", str(inbox), "-o", str(summary), "--jobs", "1", "--returns", str(tmp_path / "退回"),
                 "--json", str(tmp_path / "r.json")]) == 1
    unread = {item["path"]: item["unit"] for item in json.loads((tmp_path / "r.json").read_text("utf-8"))["not_summarised"]}
    unit = clean_form().implementing_unit  # of 好.ods, the form read from the folder the attachment lies in
    assert unread["inbox/邮件附件.zip/炸弹.xlsx"] == unread["inbox/远角.xls"] == unit, unread
    assert sorted(p.name for p in (tmp_path / "退回").iterdir()) == [unit], "no unit folder named after the archive"
    rows = {row[1]: row for row in openpyxl.load_workbook(summary, read_only=True)["文件清单"].iter_rows(
        min_row=2, values_only=True)}
    for name, (fate, words) in expected.items():
        row = rows[f"inbox/{name}"]
        assert row[2] == fate, (name, row)
        for word in words:
            assert word in row[3], (name, word, row[3])
    assert rows["inbox/好.ods"][2] == "正常、无错误" and rows["inbox/好.ods"][6] == ".ods"
    assert rows["inbox/附件.zip/街道/表.xls"][2] == "正常、无错误" and rows["inbox/附件.zip/街道/表.xls"][6] == ".xls"
    assert rows["inbox/附件.zip/街道/表2.xlsx"][2] == "正常、有错误" and rows["inbox/附件.zip/街道/表2.xlsx"][6] == ".xlsx"
    header = next(openpyxl.load_workbook(summary, read_only=True)["文件清单"].iter_rows(max_row=1, values_only=True))
    assert header[6] == "格式"
    findings = [row for row in openpyxl.load_workbook(summary, read_only=True)["问题清单"].iter_rows(
        min_row=2, values_only=True) if row[6] == "format-legacy"]
    assert sorted(row[1] for row in findings) == ["inbox/好.ods", "inbox/附件.zip/街道/表.xls"]


def test_load_form_raises_a_form_read_error_never_a_library_error(books: dict[tuple[str, str], Path],
                                                                  tmp_path: Path) -> None:
    data = books[("seed", "ods")].read_bytes()
    for cut in (100, len(data) // 3, len(data) - 10):
        path = tmp_path / f"cut{cut}.ods"
        path.write_bytes(data[:cut])
        with pytest.raises(FormReadError) as info:
            load_form(path)
        assert str(path) in str(info.value)


def test_the_web_check_job_takes_a_legacy_file(books: dict[tuple[str, str], Path]) -> None:
    from xltools.web.jobs import check_job

    result = check_job(str(books[("clean", "ods")]), "clean.ods")
    assert "error" not in result
    assert [f["code"] for f in result["findings"]] == ["format-legacy"]  # type: ignore[index]


def test_a_store_made_before_the_format_column_gets_it(tmp_path: Path) -> None:
    import sqlite3

    from xltools.district.store import _SCHEMA, Store

    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    db.executescript(_SCHEMA.replace(", format TEXT NOT NULL DEFAULT ''", ""))
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.commit()
    assert "format" not in {row[1] for row in db.execute("PRAGMA table_info(files)")}
    db.close()
    with Store(old) as store:
        for table in ("files", "results"):
            assert "format" in {row[1] for row in store.db.execute(f"PRAGMA table_info({table})")}


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_convert_moves_the_form_into_the_current_template_and_checks_it(books: dict[tuple[str, str], Path],
                                                                         tmp_path: Path, fmt: str,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "转换后.xlsx"
    source = books[("twenty", fmt)]
    before = source.read_bytes()
    assert main(["convert", str(source), "-o", str(out), "--json"]) == 1  # the form has errors: exit 1, as check
    printed = json.loads(capsys.readouterr().out)
    xlsx = judge_loaded(load_form(books[("twenty", "xlsx")]), today=dt.date.today())
    converted = load_form(out)
    assert converted.format == "xlsx" and converted.identity is not None
    verdict = judge_loaded(converted, today=dt.date.today())
    assert verdict.evaluation.sheet == xlsx.evaluation.sheet
    assert _codes(verdict) == _codes(xlsx)  # a real .xlsx of the template: no format-legacy, no tamper finding
    assert printed["total"] == xlsx.evaluation.sheet.total and printed["file"] == str(out)
    assert source.read_bytes() == before
    assert main(["convert", str(source), "-o", str(out)]) == 2  # exists: --force needed
    assert "--force" in capsys.readouterr().err
    assert main(["convert", str(source), "-o", str(out), "--force"]) == 1


def test_convert_refuses_what_the_seam_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "表.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    assert main(["convert", str(pdf), "-o", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert str(pdf) in err and "PDF" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()


def test_the_annotated_copy_of_a_legacy_file_is_an_xlsx_and_says_so(books: dict[tuple[str, str], Path],
                                                                    tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = books[("twenty", "et")]
    out = tmp_path / "批注.xlsx"
    assert main(["check", str(source), "--annotate", str(tmp_path / "批注.et")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert main(["check", str(source), "--annotate", str(out)]) == 1
    printed, err = capsys.readouterr()
    assert "format-legacy" in printed and f"注意：{source} 是 WPS 表格" in err and "填入当前 .xlsx 模板" in err
    book = openpyxl.load_workbook(out)
    ws = book["自评表"]
    assert ws.protection.sheet  # a real template: protected again
    xlsx = judge_loaded(load_form(books[("twenty", "xlsx")]), today=dt.date.today())
    commented = {cell.coordinate for row in ws.iter_rows() for cell in row if cell.comment}
    placed = {f.cell.split("!")[1] for f in xlsx.findings if f.cell and f.cell.startswith("自评表!")}
    assert placed <= commented
    assert main(["check", "--json", str(out)]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again["total"] == xlsx.evaluation.sheet.total


def test_the_web_annotate_job_writes_an_xlsx_for_a_legacy_upload(books: dict[tuple[str, str], Path],
                                                                tmp_path: Path) -> None:
    from xltools.io.seam import SPREADSHEET_SUFFIXES
    from xltools.web.jobs import annotate_job
    from xltools.web.uploads import KNOWN_SUFFIXES

    assert set(KNOWN_SUFFIXES) == {*SPREADSHEET_SUFFIXES, ".zip"}
    upload = tmp_path / "part-0001.xls"
    upload.write_bytes(books[("twenty", "xls")].read_bytes())
    out = tmp_path / "annotated.xlsx"
    result = annotate_job(str(upload), "街道/表.xls", str(out))
    assert "error" not in result, result
    assert "format-legacy" in [f["code"] for f in result["findings"]]  # type: ignore[index]
    assert openpyxl.load_workbook(out)["自评表"].protection.sheet


def test_a_huge_used_area_is_refused_before_it_is_read_into_memory(books: dict[tuple[str, str], Path],
                                                                  tmp_path: Path) -> None:
    """The hostile .xls/.ods above, checked in a child process: refused (exit 2) with memory near an idle
    process's; before the bound, opening the .xls alone took calamine some 500 MB."""
    from .test_reliability_input import _peak_of_check

    _bad_inputs(books, tmp_path)
    with pytest.raises(FormReadError) as info:
        load_form(tmp_path / "远角.xls")
    doc = (Path(__file__).parent.parent / "docs" / "格式说明.md").read_text(encoding="utf-8")
    assert info.value.reason in doc  # the clerk's doc quotes the message verbatim
    idle = _peak_of_check(books[("clean", "xls")])
    assert idle[0] == 0
    for name in ("远角.xls", "重复.ods"):
        code, peak = _peak_of_check(tmp_path / name)
        assert code == 2 and peak < idle[1] + 60, (name, code, peak, idle)


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_the_counted_area_is_calamines_own(books: dict[tuple[str, str], Path], fmt: str) -> None:
    """On the real forms LibreOffice wrote, the used area counted from the records equals the range calamine
    makes of each sheet (its height and width): the bound refuses exactly what calamine would expand."""
    import python_calamine

    from xltools.io.sniff import ole_stream
    from xltools.io.usedarea import biff_areas, ods_areas

    for name in FORMS:
        data = books[(name, fmt)].read_bytes()
        if fmt == "xls":
            counted = biff_areas(ole_stream(data, "Workbook"))
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                counted = ods_areas(archive.read("content.xml"))
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        ranges = {sheet: workbook.get_sheet_by_name(sheet) for sheet in workbook.sheet_names}
        expected = {sheet: (r.height, r.width) for sheet, r in ranges.items() if r.height}
        assert counted == expected and "自评表" in counted, (name, counted, expected)
