"""The VBA project writer: compression, project streams and the compound file, read back by
oletools (olevba, olefile) — engines we did not write."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from xltools.excel.vba import (
    DEFAULT_DOCUMENTS,
    MACROS_DIR,
    VbaError,
    build_vba_project,
    compress,
    decompress,
    decrypt_project_data,
    encrypt_project_data,
    read_bas,
    template_vba_project,
)


def olevba_modules(source: bytes | str) -> dict[str, str]:
    """Module name → source text as olevba extracts it from a vbaProject.bin, .xlsm or path."""
    data = source if isinstance(source, bytes) else None
    parser = VBA_Parser("project.bin" if data else str(source), data=data)
    try:
        return {re.sub(r"\.(bas|cls|frm)$", "", name): code
                for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def without_attributes(code: str) -> str:
    """Source as written in ``macros/`` (Excel adds ``Attribute`` lines and CRLF on import)."""
    lines = code.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute VB_"))


repetitive = st.builds(lambda unit, n: (unit * (n // max(len(unit), 1) + 1))[:n],
                       st.binary(min_size=1, max_size=40), st.integers(0, 20_000))
mixed = st.lists(st.one_of(st.binary(max_size=300), repetitive.map(lambda b: b[:600])), max_size=60).map(b"".join)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.binary(max_size=20_000), repetitive, mixed))
def test_compression_round_trip(data: bytes) -> None:
    packed = compress(data)
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data  # oletools' own decompressor


@pytest.mark.parametrize("size", [0, 1, 3, 4095, 4096, 4097, 8192, 12_000])
def test_compression_chunk_edges(size: int) -> None:
    rng = random.Random(size)
    for data in (rng.randbytes(size), b"Sub A()\r\nEnd Sub\r\n" * (size // 18) + b"x" * (size % 18)):
        packed = compress(data)
        assert decompress(packed) == data
        assert bytes(decompress_stream(bytearray(packed))) == data
        chunks = 0
        pos = 1
        while pos < len(packed):
            header = int.from_bytes(packed[pos:pos + 2], "little")
            assert header >> 12 & 0b111 == 0b011
            size_field = (header & 0xFFF) + 3
            assert size_field <= 4098
            if not header & 0x8000:
                assert size_field == 4098  # a raw chunk is always 4096 bytes of data
            pos += size_field
            chunks += 1
        assert pos == len(packed)


def test_text_compresses() -> None:
    text = (MACROS_DIR / "xltools_form.bas").read_bytes() * 4
    assert len(compress(text)) < len(text) * 0.6


def test_decompress_rejects_garbage() -> None:
    with pytest.raises(VbaError):
        decompress(b"\x02abc")
    with pytest.raises(VbaError):
        decompress(b"\x01\xff\x00")


@given(st.binary(max_size=64), st.integers(0, 255))
def test_project_data_encryption_round_trip(data: bytes, seed: int) -> None:
    text = encrypt_project_data(data, "{6A1F3D2B-0000-4C3E-9A7F-112233445566}", seed)
    assert re.fullmatch(r"[0-9A-F]+", text)
    assert decrypt_project_data(text) == data


def big_module(lines: int = 1500) -> str:
    rng = random.Random(7)
    return "\n".join(
        f"Sub Step{i}()\n    Debug.Print \"step {i}: \" & {rng.randint(0, 10**9)} & Chr(65 + {i % 26})\nEnd Sub"
        for i in range(lines)
    ) + "\n"


def test_olevba_reads_every_module_byte_exact() -> None:
    modules = {"Small": "Sub Hello()\n    MsgBox \"hi\"\nEnd Sub\n", "Large": big_module()}
    assert len(modules["Large"]) >= 30_000
    bin_ = build_vba_project(modules)
    got = olevba_modules(bin_)
    assert set(got) == {*DEFAULT_DOCUMENTS, "Small", "Large"}
    for name, source in modules.items():
        assert got[name].startswith(f'Attribute VB_Name = "{name}"\r\n')
        assert without_attributes(got[name]) == source
        assert got[name].count("\r\n") == source.count("\n") + 1  # CRLF as Excel stores it


def test_compound_file_structure() -> None:
    modules = {"Small": "Sub A()\nEnd Sub\n", "Large": big_module()}
    ole = olefile.OleFileIO(build_vba_project(modules))
    try:
        streams = {"/".join(path) for path in ole.listdir()}
        assert {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir", "VBA/Small", "VBA/Large"} <= streams
        assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
        assert ole.get_size("VBA/Large") >= 4096  # regular sectors
        assert ole.get_size("VBA/Small") < 4096   # mini stream
        project = ole.openstream("PROJECT").read().decode("cp1252")
        assert "Module=Small\r\n" in project and "Document=ThisWorkbook/&H00000000\r\n" in project
        dpb = re.search(r'DPB="([0-9A-F]+)"', project).group(1)  # type: ignore[union-attr]
        assert decrypt_project_data(dpb) == b"\0"  # no password
        wm = ole.openstream("PROJECTwm").read()
        assert b"Large\0" + "Large".encode("utf-16-le") + b"\0\0" in wm
    finally:
        ole.close()


def test_bad_module_names_and_text() -> None:
    with pytest.raises(VbaError, match="模块名"):
        build_vba_project({"1bad": "Sub A()\nEnd Sub\n"})
    with pytest.raises(VbaError, match="重复"):
        build_vba_project({"Sheet1": "Sub A()\nEnd Sub\n"})
    with pytest.raises(VbaError, match="第 2 行"):
        build_vba_project({"Cn": "Sub A()\n  MsgBox \"检查\"\nEnd Sub\n"})


def test_template_project_holds_the_macros() -> None:
    files = sorted(MACROS_DIR.glob("*.bas"))
    assert files
    got = olevba_modules(template_vba_project())
    for path in files:
        name, source = read_bas(path)
        assert path.read_bytes().isascii()
        assert without_attributes(got[name]) == without_attributes(source)


def test_macros_define_the_button_subs() -> None:
    from xltools.form.layout import CHECK_MACRO, COMBINE_MACRO

    _, source = read_bas(MACROS_DIR / "xltools_form.bas")
    subs = re.findall(r"^Public Sub (\w+)\(\)", source, flags=re.MULTILINE)
    assert CHECK_MACRO in subs and COMBINE_MACRO in subs
    # The Chinese messages are \uXXXX escapes that decode to real text.
    joined = re.sub(r'" & _\n\s*"', "", source)
    consts = re.findall(r'^Private Const MSG_\w+ As String = "([^"\n]*)"$', joined, flags=re.MULTILINE)
    texts = [s.encode("ascii").decode("unicode_escape") for s in consts]
    assert len(texts) == 6
    assert any("汇总" in t for t in texts)


def macro_messages(code: str) -> dict[str, str]:
    """The MSG_* constants of a module's source, decoded from their \\uXXXX escapes."""
    joined = re.sub(r'" & _\r?\n\s*"', "", code)
    consts = re.findall(r'^Private Const (MSG_\w+) As String = "([^"\r\n]*)"\r?$', joined, flags=re.MULTILINE)
    return {name: text.encode("ascii").decode("unicode_escape") for name, text in consts}


ALTERNATIVES = ("公式检查", "xltools check", "--annotate", "xltools serve")


def check_where_the_button_cannot_work(code: str) -> None:
    messages = macro_messages(code)
    wps, no_addin, blocked, failed = (messages[k] for k in ("MSG_WPS", "MSG_NO_ADDIN", "MSG_BLOCKED", "MSG_FAILED"))
    # WPS: say xlwings cannot work there and what does, not "install the add-in".
    assert "WPS" in wps and "Microsoft Excel" in wps
    assert "安装.bat" not in wps and "addin install" not in wps
    assert "安装.bat" in no_addin and "xltools doctor" in no_addin
    assert "子进程" in blocked and "xltools doctor" in blocked
    assert "xltools doctor" in failed
    for text in (wps, no_addin, blocked, failed):
        for alternative in ALTERNATIVES:
            assert alternative in text, (alternative, text)
    # The detection: WPS by its Application (not "Microsoft Excel", a Kingsoft/WPS folder), the add-in
    # by its workbook, a blocked RunPython by the error of Application.Run, a failed one by its -1.
    assert re.search(r'Application\.Name = "Microsoft Excel"', code)
    assert '"kingsoft"' in code and '"wps"' in code
    assert re.search(r"Application\.Workbooks\(ADDIN_NAME\)", code)
    assert re.search(r"result = Application\.Run\(RUN_PYTHON, command\)", code)
    assert re.search(r"On Error GoTo Blocked", code) and re.search(r"CDbl\(result\) = -1", code)
    # Both entries check first, before the folder picker or RunPython.
    for sub in ("CheckScores", "CombineFolder"):
        body = re.search(rf"Public Sub {sub}\(\)(.*?)End Sub", code, flags=re.DOTALL).group(1)
        assert "If Not Ready() Then Exit Sub" in body.split("RunXltools")[0].split("FileDialog")[0]


def test_macro_says_where_the_button_cannot_work() -> None:
    _, source = read_bas(MACROS_DIR / "xltools_form.bas")
    check_where_the_button_cannot_work(source)


# --- the macro-enabled template ------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parent.parent / "workbook_templates"
XLSM = TEMPLATES / "朝阳区项目支出绩效自评表.xlsm"
XLSX = TEMPLATES / "朝阳区项目支出绩效自评表.xlsx"


def test_committed_macro_template_is_current(tmp_path: Path) -> None:
    from xltools.cli import main

    from .test_template import assert_same_workbook

    out = tmp_path / XLSM.name
    assert main(["template", "--macro", "-o", str(out)]) == 0
    try:
        assert_same_workbook(XLSM, out)
    except pytest.fail.Exception as exc:
        pytest.fail(f"regenerate the macro template: xltools template --macro -o workbook_templates/{XLSM.name} "
                    f"--force\n{exc}")
    with zipfile.ZipFile(XLSM) as archive:
        assert archive.read("xl/vbaProject.bin") == template_vba_project()


def test_macro_template_modules_read_back_exactly() -> None:
    got = olevba_modules(XLSM)
    for path in sorted(MACROS_DIR.glob("*.bas")):
        name, source = read_bas(path)
        assert got[name].replace("\r\n", "\n") == f'Attribute VB_Name = "{name}"\n' + source.rstrip("\n") + "\n"


def test_built_template_carries_the_wps_and_addin_messages() -> None:
    """Read back from the committed .xlsm's VBA project (olevba), not from macros/."""
    code = olevba_modules(XLSM)["xltools_form"]
    check_where_the_button_cannot_work(code)


def test_button_calls_a_sub_of_the_project() -> None:
    from xltools.form.layout import CHECK_BUTTON_CAPTION, CHECK_MACRO

    with zipfile.ZipFile(XLSM) as archive:
        vml = next(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".vml"))
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert macros == [CHECK_MACRO]
    assert CHECK_BUTTON_CAPTION in vml
    code = "\n".join(olevba_modules(XLSM).values())
    assert re.search(rf"^Public Sub {CHECK_MACRO}\(\)\r?$", code, flags=re.MULTILINE)


def test_macro_template_matches_the_xlsx() -> None:
    from xltools.form.layout import Layout
    from xltools.io.xlsxread import read_workbook

    macro, plain = read_workbook(XLSM), read_workbook(XLSX)
    assert macro.has_vba and not plain.has_vba
    assert macro.sheet_names == plain.sheet_names
    assert macro.defined_names == plain.defined_names
    assert macro.structure_locked == plain.structure_locked is True
    cells = {s.cell for s in Layout().all_spots()} | {c for s in Layout().all_spots() if s.merge
                                                       for c in _expand(s.merge)}
    for name in plain.sheet_names:
        a, b = macro.sheets[name], plain.sheets[name]
        assert (a.state, a.protected, a.formulas, a.values, a.merged, a.validations) == \
               (b.state, b.protected, b.formulas, b.values, b.merged, b.validations), name
        assert all(a.locked(c) == b.locked(c) for c in cells), name


def _expand(ref: str) -> set[str]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return {f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}


def test_libreoffice_imports_every_module(tmp_path: Path) -> None:
    from defusedxml import ElementTree

    from xltools.io.engine import convert

    from .lo import require_soffice

    require_soffice()
    big = tmp_path / "big.xlsm"
    with zipfile.ZipFile(XLSM) as src, zipfile.ZipFile(big, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/vbaProject.bin":
                data = build_vba_project({**dict(read_bas(p) for p in MACROS_DIR.glob("*.bas")),
                                          "Large": big_module()})
            dst.writestr(item, data)
    ods = convert([XLSM, big], tmp_path / "ods", "ods")
    expected = [dict(read_bas(p) for p in MACROS_DIR.glob("*.bas")),
                {**dict(read_bas(p) for p in MACROS_DIR.glob("*.bas")), "Large": big_module()}]
    for path, modules in zip(ods, expected):
        with zipfile.ZipFile(path) as archive:
            for name, source in modules.items():
                text = ElementTree.fromstring(archive.read(f"Basic/VBAProject/{name}.xml")).text or ""
                assert source.strip() in text, (path.name, name)


def test_every_code_name_has_its_document_module() -> None:
    with zipfile.ZipFile(XLSM) as archive:
        names = {m for n in archive.namelist() if re.fullmatch(r"xl/(workbook|worksheets/sheet\d+)\.xml", n)
                 for m in re.findall(r'codeName="(\w+)"', archive.read(n).decode("utf-8"))}
    modules = olevba_modules(XLSM)
    assert "ThisWorkbook" in names and len(names) == 6  # the workbook and its five sheets
    for name in names:
        assert modules[name].startswith(f'Attribute VB_Name = "{name}"\r\nAttribute VB_Base = "0{{000208')
