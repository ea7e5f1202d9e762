"""The locked template: committed output is current, the layout drives it, protection and help are in the file."""

from __future__ import annotations

import difflib
import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from xltools.cli import main
from xltools.core import Form, Policy
from xltools.core.validation import from_data, from_json
from xltools.excel.template import (
    DEFAULT_NAME,
    DEFAULT_PASSWORD,
    DEFAULT_YEAR,
    TemplateError,
    build_template,
)
from xltools.form.checks import checks
from xltools.form.layout_v1_1 import CHECK_SHEET, GUIDE_SHEET
from xltools.form.identify import read_meta
from xltools.form.layout import (
    CHECK_BUTTON_CAPTION,
    CHECK_MACRO,
    META_SHEET,
    RESULT_SHEET,
    SHEET,
    TEMPLATE_ID,
    Layout,
)
from xltools.form.registry import CURRENT_VERSION, current_layout
from xltools.io.files import OutputExistsError
from xltools.io.xlsxread import read_workbook

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "workbook_templates" / DEFAULT_NAME
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# --- the committed file is the builder's output ---------------------------------------------

# Clean-up before comparing (XlsxWriter-test style): the document dates in docProps/core.xml are
# the only text that may legitimately differ between two builds (they are fixed today, but a
# re-save elsewhere stamps them); everything else must match element for element.
_VOLATILE = [
    ("docProps/core.xml", re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")),
]


def _xml_lines(name: str, data: bytes) -> list[str]:
    text = data.decode("utf-8")
    for part, pattern in _VOLATILE:
        if part == name:
            text = pattern.sub("", text)
    return re.sub(r">\s*<", ">\n<", text).splitlines()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_same_workbook(expected: Path, got: Path) -> None:
    """Compare two workbooks part by part; a difference reads as a unified XML diff."""
    want, have = _parts(expected), _parts(got)
    assert sorted(have) == sorted(want), "parts differ"
    for name in sorted(want):
        if name.endswith((".xml", ".rels", ".vml")):
            a, b = _xml_lines(name, want[name]), _xml_lines(name, have[name])
            if a != b:
                diff = "\n".join(difflib.unified_diff(a, b, f"committed/{name}", f"rebuilt/{name}", lineterm="", n=2))
                pytest.fail(f"{expected.name} is out of date; regenerate it with "
                            f"`xltools template -o {expected.relative_to(ROOT)} --force`:\n{diff}")
        else:
            assert hashlib.sha256(have[name]).digest() == hashlib.sha256(want[name]).digest(), name


def test_committed_template_is_current(tmp_path: Path) -> None:
    rebuilt = build_template(tmp_path / DEFAULT_NAME)
    assert_same_workbook(COMMITTED, rebuilt)


def test_builds_are_reproducible_byte_for_byte(tmp_path: Path) -> None:
    a = build_template(tmp_path / "a.xlsx", year=2024, rows=7)
    b = build_template(tmp_path / "b.xlsx", year=2024, rows=7)
    assert a.read_bytes() == b.read_bytes()


def test_comparison_reports_a_changed_template_as_xml_diff(tmp_path: Path) -> None:
    other = build_template(tmp_path / DEFAULT_NAME, year=DEFAULT_YEAR + 1)
    with pytest.raises(pytest.fail.Exception, match=r"(?s)^.*out of date.*\n-.*\n\+"):
        assert_same_workbook(COMMITTED, other)


# --- the layout drives the template ------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "t.xlsx", rows=12, year=2025)


def test_labels_formulas_and_names_follow_the_layout(built: Path) -> None:
    layout, book = current_layout(12), read_workbook(built)
    sheet = book.sheets[SHEET]
    for label in layout.labels:
        assert (sheet.value(label.cell) or "") == label.text, label.cell
    for cell, formula in layout.formulas(Policy()).items():
        assert sheet.formulas[cell] == formula.removeprefix("="), cell
    assert {name: book.defined_names[name].replace("'", "") for name in layout.defined_names} == \
        {name: ref.replace("'", "") for name, ref in layout.defined_names.items()}
    merges = {label.merge for label in layout.labels if label.merge} | \
        {spot.merge for spot in layout.spots if spot.merge}
    assert merges <= set(sheet.merged)
    assert sheet.value(layout.spot("year").cell) == 2025
    assert sheet.value(layout.spot("budget_weight").cell) == Form().budget_weight == 10  # the paper's 分值
    assert book.sheet_names == [SHEET, RESULT_SHEET, GUIDE_SHEET, META_SHEET, CHECK_SHEET]


def test_only_input_cells_are_unlocked_and_everything_is_protected(built: Path) -> None:
    layout, book = current_layout(12), read_workbook(built)
    sheet = book.sheets[SHEET]
    inputs = {spot.cell for spot in layout.input_spots()}
    for spot in layout.all_spots():
        assert sheet.locked(spot.cell) == (spot.cell not in inputs), spot.path
    for label in layout.labels:
        assert sheet.locked(label.cell), label.cell
    assert sheet.locked("A1") and sheet.locked("Z200")
    assert sheet.protected and book.sheets[RESULT_SHEET].protected and book.sheets[META_SHEET].protected
    assert book.structure_locked
    xml = zipfile.ZipFile(built).read("xl/worksheets/sheet1.xml").decode()
    protection = re.search(r"<sheetProtection [^>]*>", xml).group(0)  # type: ignore[union-attr]
    assert 'password="' in protection and 'selectLockedCells="1"' not in protection  # selecting locked cells allowed


def test_every_input_has_validation_with_chinese_prompt(built: Path) -> None:
    layout = current_layout(12)
    root = fromstring(zipfile.ZipFile(built).read("xl/worksheets/sheet1.xml"))
    validations = {dv.get("sqref"): dv for dv in root.iter(f"{NS}dataValidation")}
    single = [spot for spot in layout.input_spots() if not spot.path.startswith("indicators[")]
    expected = {spot.cell for spot in single} | {layout.indicator_range(part) for part in
                                                  ("level1", "level2", "name", "target", "actual", "weight",
                                                   "score", "deviation")}
    assert set(validations) == expected
    for sqref, dv in validations.items():
        assert re.search(r"[\u4e00-\u9fff]", dv.get("prompt", "")), sqref
        assert re.search(r"[\u4e00-\u9fff]", dv.get("error", "")), sqref
        assert dv.get("showInputMessage") == "1" and dv.get("showErrorMessage") == "1"
    level1 = validations[layout.indicator_range("level1")]
    assert level1.get("type") == "list" and "产出指标" in level1.find(f"{NS}formula1").text
    score = validations[layout.indicator_range("score")]
    assert layout.indicator_cell(0, "weight") in score.find(f"{NS}formula1").text
    assert validations[layout.spot("filled_on").cell].get("type") == "date"
    amount = validations[layout.spot("funds.total.executed").cell].find(f"{NS}formula1").text
    assert "ROUND(" in amount and ",4)" in amount


def test_conditional_formats_and_print_setup(built: Path) -> None:
    layout = current_layout(12)
    archive = zipfile.ZipFile(built)
    root = fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rules = {cf.get("sqref"): [r.find(f"{NS}formula").text for r in cf.iter(f"{NS}cfRule")]
             for cf in root.iter(f"{NS}conditionalFormatting")}
    assert any("<0.9" in f for f in rules[layout.spot("execution_rate").cell])
    # every required field turns red through the flag of its in-sheet "required" check
    flags = {check.target: check.flag for check in checks(layout, Policy()) if check.rule.key == "required"}
    for spot in layout.spots:
        if spot.kind == "input" and spot.required and spot.path != "budget_weight":  # 分值 blank = default 10
            assert any(f"{flags[spot.cell]}=1" in f for f in rules[spot.merge or spot.cell]), spot.path
    score_flags = [c.flag for c in checks(layout, Policy()) if c.target == layout.indicator_cell(0, "score")
                   and c.rule.key == "score-out-of-range"]
    assert any(f"{score_flags[0]}=1" in f for f in rules[layout.indicator_range("score")])
    setup = root.find(f"{NS}pageSetup")
    assert setup.get("paperSize") == "9" and setup.get("orientation") == "portrait"
    assert setup.get("fitToHeight") == "0" and setup.get("fitToWidth", "1") == "1"
    assert root.find(f"{NS}sheetPr/{NS}pageSetUpPr").get("fitToPage") == "1"
    workbook = archive.read("xl/workbook.xml").decode()
    names = {(n.get("name"), n.get("localSheetId")): n.text.replace("'", "")
             for n in fromstring(workbook).iter(f"{NS}definedName")}
    first, last = layout.print_area.split(":")
    assert names[("_xlnm.Print_Area", "0")] == f"{SHEET}!${first[0]}${first[1:]}:${last[0]}${last[1:]}"
    top, bottom = layout.header_rows
    assert names[("_xlnm.Print_Titles", "0")] == f"{SHEET}!${top}:${bottom}"


def test_metadata_sheet_is_hidden_and_complete(tmp_path: Path) -> None:
    policy = from_data(Policy, {"decimals": 0, "grade_thresholds": {"A": 95, "B": 85}})
    path = build_template(tmp_path / "p.xlsx", year=2031, rows=4, policy=policy)
    book = read_workbook(path)
    meta = book.sheets[META_SHEET]
    assert meta.state == "hidden"
    values = read_meta(meta)
    assert values["template_id"] == TEMPLATE_ID and values["version"] == CURRENT_VERSION
    assert values["year"] == 2031 and values["rows"] == 4
    assert from_json(Policy, values["policy"]) == policy  # type: ignore[arg-type]
    assert str(values["built_with"]).startswith("xltools ")
    grade = book.sheets[SHEET].formulas[current_layout(4).spot("grade").cell]
    assert '"A"' in grade and '"D"' not in grade and ",0)" in book.sheets[SHEET].formulas[current_layout(4).spot("total_score").cell]


def test_macro_template_embeds_the_vba_project_and_the_button(tmp_path: Path) -> None:
    vba = b"\xd0\xcf\x11\xe0 any bytes stand in for the VBA project"
    path = build_template(tmp_path / "m.xlsm", vba_project=vba)
    archive = zipfile.ZipFile(path)
    assert archive.read("xl/vbaProject.bin") == vba
    assert "macroEnabled" in archive.read("[Content_Types].xml").decode()
    vml = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".vml"))
    assert CHECK_MACRO in vml and CHECK_BUTTON_CAPTION in vml
    assert read_workbook(path).has_vba
    with pytest.raises(TemplateError, match=r"\.xlsm"):
        build_template(tmp_path / "m.xlsx", vba_project=vba)


def test_refuses_to_overwrite_and_bad_arguments(tmp_path: Path) -> None:
    path = build_template(tmp_path / "t.xlsx", rows=3)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError):
        build_template(path)
    assert path.read_bytes() == before
    with pytest.raises(TemplateError, match="行数"):
        build_template(tmp_path / "x.xlsx", rows=0, force=True)


def test_cli_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(out), "--year", "2027", "--rows", "9"]) == 0
    assert "2027" in capsys.readouterr().out
    meta = read_meta(read_workbook(out).sheets[META_SHEET])
    assert (meta["year"], meta["rows"]) == (2027, 9)
    stamp = out.read_bytes()
    assert main(["template", "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == stamp
    assert main(["template", "-o", str(out), "--force", "--password", "另一个密码"]) == 0
    assert out.read_bytes() != stamp
    assert DEFAULT_PASSWORD == "chaoyang"
