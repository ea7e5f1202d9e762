"""The annotated copy (``xltools check FILE --annotate OUT``): the same plan as the 检查评分 button.

The button's writes are taken from the real add-in run on the xlwings book of the same file
(recorded actions, as in test_addin.py); the copy is read back with openpyxl and the bounded reader.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xltools.cli import main  # noqa: E402
from xltools.form.annotation import ERROR_FILL, WARNING_FILL  # noqa: E402
from xltools.form.layout import RESULT_SHEET, SHEET, Layout  # noqa: E402
from xltools.form.registry import current_layout  # noqa: E402
from xltools.io import engine  # noqa: E402
from xltools.form.live import CHANGED_NAME, SNAPSHOT_SHEET  # noqa: E402
from xltools.io.annotate import AnnotateError, annotate_workbook  # noqa: E402
from xltools.io.files import OutputExistsError  # noqa: E402
from xltools.io.forms import FormReadError  # noqa: E402
from xltools.io.xlsxread import read_workbook  # noqa: E402

from xltools.excel.fill import fill_workbook  # noqa: E402

from . import forms  # noqa: E402
from .test_addin import CASES, TEMPLATES, TODAY, cells, expand, filled, run_check  # noqa: E402,F401

__all__ = ["filled"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill_of(cell: openpyxl.cell.cell.Cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return "#" + str(cell.fill.fgColor.rgb)[-6:].upper()


@pytest.mark.parametrize("case", list(CASES))
def test_copy_shows_what_the_button_writes(case: str, filled: dict[str, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = filled[case]
    before = _sha(source)
    out = tmp_path / f"annotated{source.suffix}"
    verdict = annotate_workbook(source, out, today=TODAY)
    assert _sha(source) == before  # the input is only read
    report, actions, _ = run_check(source, monkeypatch)
    assert [f.code for f in verdict.findings] == [f.code for f in report.evaluation.findings]

    wb = openpyxl.load_workbook(out)
    sheets = [SHEET, RESULT_SHEET]
    written: dict[tuple[int, str], object] = {}
    for action in actions:  # the button's writes in order; the copy must hold the last of each cell
        if action["func"] == "rangeClearContents":
            for cell in cells(action):
                written[(action["sheet_position"], cell)] = None
        elif action["func"] == "setValues":
            r0, c0 = action["start_row"], action["start_column"]
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    ref = openpyxl.utils.get_column_letter(c0 + j + 1) + str(r0 + i + 1)
                    written[(action["sheet_position"], ref)] = value
    assert len(written) > 2000
    layout = current_layout()
    # 1.3: the button's record of its marks (hidden columns of the form sheet; the copy marks by its own
    # conditional formats against 检查时的值 instead): compared with the copy's colours below
    record = {ref for ref in expand(layout.record_block)}
    marks = {ref: value for (position, ref), value in written.items() if position == 0 and ref in record}
    written = {key: value for key, value in written.items() if not (key[0] == 0 and key[1] in record)}
    live = {(0, ref) for ref in _live_cells(wb[SHEET])} | {(1, ref) for ref in _live_cells(wb[RESULT_SHEET])}
    for (position, ref), value in written.items():
        got = wb[sheets[position]][ref].value
        if (position, ref) in live:  # the copy's live cells: the button's value while nothing changed
            if isinstance(value, (int, float)):
                assert got.startswith(f"=IF({CHANGED_NAME}=0,{value!r},"), (position, ref, got)
            continue
        assert (got if got is not None else "") == (value if value is not None else ""), (position, ref)
    status = written[(0, layout.spot("check_status").cell)]
    line = form_line = wb[SHEET][f"A{layout.signoff_row + 2}"].value
    assert line.startswith(f'=IF({CHANGED_NAME}=0,"{status}",')  # the whole result line under the form
    assert form_line is not None

    colours: dict[str, str] = {}
    for action in actions:  # the template's shading the button restores
        if action["func"] == "setRangeColor":
            assert action["sheet_position"] == 0
            for cell in cells(action):
                colours[cell] = action["args"][0]
    fills = {"E": ERROR_FILL, "W": WARNING_FILL}
    for ref in expand(layout.marked_block):  # and the marks its record holds (coloured while unchanged)
        if marks.get(layout.mark_cell(ref)) in fills:
            colours[ref] = fills[marks[layout.mark_cell(ref)]]
    assert colours
    form = wb[SHEET]
    # A merged box shows its top-left cell's fill (openpyxl keeps no style on the other cells of a merge).
    # The button marks a finding's cell in its record; the copy gives the colour by a conditional format that
    # holds while the cell keeps its checked value, over the template's own shading.
    marked = _marks(form)
    anchors = {ref: colour for ref, colour in colours.items()
               if not isinstance(form[ref], openpyxl.cell.cell.MergedCell)}
    shown = {ref: marked.get(ref, _fill_of(form[ref])) for ref in anchors}
    assert shown == anchors
    assert all(_fill_of(form[ref]) not in (ERROR_FILL, WARNING_FILL) for ref in anchors)  # no fixed red
    assert len(anchors) > 60 and "B4" in anchors

    # A comment at each finding's cell, with every finding's message there; none elsewhere.
    expected: dict[str, list[str]] = {}
    for finding in verdict.findings:
        if finding.cell and finding.cell.startswith(f"{SHEET}!"):
            expected.setdefault(finding.cell.split("!")[1], []).append(finding.message)
    commented = {c.coordinate: c.comment.text for row in form.iter_rows() for c in row if c.comment}
    assert set(commented) == set(expected)
    for ref, messages in expected.items():
        assert all(m in commented[ref] for m in messages)
    if case == "errors":
        assert ERROR_FILL in colours.values() and "B4" in commented
        assert "【错误】" in commented["B4"]


def _live_cells(sheet: openpyxl.worksheet.worksheet.Worksheet) -> set[str]:
    return {c.coordinate for row in sheet.iter_rows() for c in row
            if isinstance(c.value, str) and CHANGED_NAME in c.value}


def _marks(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """Cell → fill of the copy's own conditional formats (the ones that test the checked value)."""
    out: dict[str, str] = {}
    for block in sheet.conditional_formatting:
        for rule in block.rules:
            if any(CHANGED_NAME in f or SNAPSHOT_SHEET in f for f in rule.formula or []):
                colour = "#" + str(rule.dxf.fill.bgColor.rgb)[-6:].upper()
                for ref in str(block.sqref).split():
                    for row in sheet[ref] if ":" in ref else [[sheet[ref]]]:
                        for cell in row:
                            out[cell.coordinate] = colour
    return out


def test_everything_else_is_kept(tmp_path: Path) -> None:
    """Inputs, formulas, protection, validations, merges, names and the macros stay as they were."""
    source = fill_workbook(forms.seed_form(), tmp_path / "seed.xlsm", template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsm")
    out = tmp_path / "seed_annotated.xlsm"
    annotate_workbook(source, out, today=TODAY)
    old, new = read_workbook(source), read_workbook(out)
    layout = current_layout()
    assert new.sheet_names == [*old.sheet_names, SNAPSHOT_SHEET]
    assert {k: v for k, v in new.defined_names.items() if k != CHANGED_NAME} == old.defined_names
    assert new.structure_locked == old.structure_locked and new.has_vba
    # the 校验结果 summary shows the in-sheet results by formula until the full check writes its own values
    replaced = {Layout.result_summary_cell(key) for key, _ in Layout.RESULT_SUMMARY}
    for name in old.sheet_names:
        a, b = old.sheets[name], new.sheets[name]
        formulas = {c: f for c, f in a.formulas.items() if name != RESULT_SHEET or c not in replaced}
        if name == RESULT_SHEET:
            assert b.protected == a.protected and b.validations == a.validations
            continue
        mine = {layout.result_cell(r) for r in range(1, layout.signoff_row + 1)} if name == SHEET else set()
        line = f"A{layout.signoff_row + 2}"  # the live result line under the form (the copy's own)
        ours = {c: f for c, f in b.formulas.items() if c not in mine and c != line}
        merged = [m for m in b.merged if not m.startswith(line + ":")]
        assert (b.protected, ours, merged, sorted(b.validations)) == \
               (a.protected, formulas, a.merged, sorted(a.validations)), name
        keep = set(a.values) - set(a.formulas) - mine
        assert {c: b.values.get(c) for c in keep} == {c: a.values[c] for c in keep}, name
        assert all(b.locked(c) == a.locked(c) for c in a.values), name
    assert old.sheets[SHEET].protected  # the template's protection, kept
    def rules(path: Path, ours: bool) -> list[tuple[str, tuple[str, ...]]]:
        sheet = openpyxl.load_workbook(path)[SHEET]
        return sorted((str(block.sqref), tuple(rule.formula or ())) for block in sheet.conditional_formatting
                      for rule in block.rules if ours == any(CHANGED_NAME in f or SNAPSHOT_SHEET in f
                                                             for f in rule.formula or ()))
    assert rules(out, ours=False) == rules(source, ours=False) != []  # the template's own colours, all kept
    again = tmp_path / "again.xlsm"
    annotate_workbook(out, again, today=TODAY)  # a copy annotated again carries one set of its own rules
    assert rules(again, ours=True) == rules(out, ours=True) != []
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out) as zout:
        assert zout.read("xl/vbaProject.bin") == zin.read("xl/vbaProject.bin")
        vml = b"".join(zout.read(n) for n in zout.namelist() if n.endswith(".vml"))
    assert b"CheckScores" in vml  # the 检查评分 button is still there, beside the comments
    assert b"ObjectType=\"Note\"" in vml and b"ns0:" not in vml
    # Each comment box is anchored beside its own cell (else LibreOffice stacks them all at the top left).
    notes = re.findall(rb'ObjectType="Note">.*?<x:Anchor>(\d+), \d+, (\d+),.*?<x:Row>(\d+)</x:Row>'
                       rb'<x:Column>(\d+)</x:Column>', vml, re.S)
    assert len(notes) == vml.count(b'ObjectType="Note"') > 10
    assert all((int(c) + 1, int(r)) == (int(ac), int(ar)) for ac, ar, r, c in notes)


def test_refusals(filled: dict[str, Path], tmp_path: Path) -> None:
    source = tmp_path / "form.xlsx"
    source.write_bytes(filled["clean"].read_bytes())
    before = _sha(source)
    with pytest.raises(AnnotateError, match="被检查的文件本身"):
        annotate_workbook(source, source, force=True)
    link = tmp_path / "link.xlsx"
    link.symlink_to(source)
    with pytest.raises(AnnotateError, match="被检查的文件本身"):
        annotate_workbook(source, link, force=True)
    hard = tmp_path / "hard.xlsx"
    os.link(source, hard)
    with pytest.raises(AnnotateError, match="被检查的文件本身"):
        annotate_workbook(source, hard, force=True)
    with pytest.raises(AnnotateError, match=r"\.xlsx 结尾"):
        annotate_workbook(source, tmp_path / "out.xlsm")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="--force"):
        annotate_workbook(source, out)
    assert out.read_bytes() == b"keep me"
    annotate_workbook(source, out, force=True)
    assert zipfile.is_zipfile(out)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(FormReadError):
        annotate_workbook(broken, tmp_path / "b.xlsx")
    assert not (tmp_path / "b.xlsx").exists()
    assert _sha(source) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.xlsx", "form.xlsx", "hard.xlsx", "link.xlsx",
                                                          "out.xlsx"]  # no temporary file left


def test_cli(filled: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "errors_annotated.xlsx"
    assert main(["check", str(filled["errors"]), "--annotate", str(out)]) == 1  # errors found
    assert "已写入批注副本" in capsys.readouterr().out and out.exists()
    assert main(["check", str(filled["errors"]), "--annotate", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["check", str(filled["clean"]), "--annotate", str(tmp_path / "c.xlsx"), "--json"]) == 0
    assert main(["check", str(filled["clean"]), str(filled["errors"]), "--annotate", str(tmp_path / "d.xlsx")]) == 2
    assert "一次只能用于一个工作簿" in capsys.readouterr().err


def test_libreoffice_shows_comments_and_colours(filled: dict[str, Path], tmp_path: Path) -> None:
    """LibreOffice reads the copy's comments (they survive its own save) and prints its colours."""
    out = tmp_path / "errors_annotated.xlsx"
    verdict = annotate_workbook(filled["errors"], out, today=TODAY)
    saved, = engine.recalculate([out], tmp_path / "lo")
    wb = openpyxl.load_workbook(saved)
    commented = {c.coordinate: c.comment.text for row in wb[SHEET].iter_rows() for c in row if c.comment}
    first = next(f for f in verdict.findings if f.cell and f.cell.startswith(f"{SHEET}!"))
    assert first.message in commented[first.cell.split("!")[1]]
    assert _marks(wb[SHEET]).get("B4") == ERROR_FILL  # the conditional format survives LibreOffice's save
    pdf, = engine.to_pdf([out], tmp_path / "pdf")
    png = engine.pdf_to_pngs(pdf, tmp_path / "png", dpi=40)[0]
    pixels = _rgb_pixels(png)
    for colour in (ERROR_FILL, WARNING_FILL):
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert pixels.count(rgb) > 50, colour  # whole cells painted, not a stray pixel


def _rgb_pixels(png: Path) -> list[tuple[int, int, int]]:
    import struct
    import zlib

    data = png.read_bytes()
    pos, chunks, width = 8, [], 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, _, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert (depth, colour_type) == (8, 2)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw, stride, out, prev = zlib.decompress(b"".join(chunks)), width * 3, [], bytearray(width * 3)
    for start in range(0, len(raw), stride + 1):
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - 3] if i >= 3 else 0
            up, corner = prev[i], prev[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        out.extend(tuple(line[i:i + 3]) for i in range(0, stride, 3))
        prev = line
    return out
