"""Filled workbooks both ways: fill → export round trips, check on workbooks, refusals and bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from xltools.cli import main
from xltools.core import Form
from xltools.core.model import LEVEL1, LEVEL2
from xltools.core.validation import from_data
from xltools.excel.fill import fill_workbook
from xltools.excel.template import build_template
from xltools.form.identify import read_meta
from xltools.form.layout import META_SHEET, SHEET, Layout
from xltools.form.registry import current_layout
from xltools.io.files import OutputExistsError
from xltools.io.fill import FillError
from xltools.io.forms import FormReadError, load_form
from xltools.io.xlsxread import read_workbook

from .forms import SEED_JSON, clean_form, seed_form

ROWS = 6


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "template.xlsx", rows=ROWS)


# --- generated forms --------------------------------------------------------------------------

_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"))
texts = st.text(alphabet=st.one_of(_chars, st.just("\n")), min_size=1, max_size=30).filter(lambda s: s.strip())
# A spreadsheet keeps 15 significant digits, so generated floats are rounded to 15.
numbers = st.one_of(st.integers(-10**6, 10**9),
                   st.floats(-1e15, 1e15).map(lambda x: float(f"{x:.15g}")))
cells = st.one_of(st.none(), texts, numbers, st.sampled_from(["6.6296万", "≥95%", "≤10天", "=1+1", "'0123", "010-1"]))
levels1 = st.one_of(st.none(), st.sampled_from(LEVEL1), texts)
levels2 = st.one_of(st.none(), st.sampled_from([n for names in LEVEL2.values() for n in names]), texts)


@st.composite
def fund_rows(draw: st.DrawFn) -> dict[str, object] | None:
    row = {part: draw(st.one_of(st.none(), numbers, texts)) for part in ("initial_budget", "annual_budget", "executed")}
    return None if all(v is None for v in row.values()) else row


@st.composite
def indicators(draw: st.DrawFn) -> dict[str, object]:
    ind = {"level1": draw(levels1), "level2": draw(levels2), "name": draw(cells), "target": draw(cells),
           "actual": draw(cells), "weight": draw(cells), "score": draw(cells), "deviation": draw(cells)}
    if all(v is None for v in ind.values()):
        ind["name"] = draw(texts)
    return ind


@st.composite
def forms(draw: st.DrawFn) -> Form:
    data = {
        "year": draw(st.one_of(st.none(), st.integers(2000, 2100), texts)),
        "funds": {key: draw(fund_rows()) for key in ("total", "fiscal", "carryover", "other")},
        "budget_weight": draw(st.one_of(st.none(), numbers, texts)),
        "indicators": draw(st.lists(indicators(), max_size=ROWS)),
        "filled_on": draw(st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
                                    st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat),
                                    texts)),
    }
    for key in ("project_name", "department", "implementing_unit", "project_lead", "lead_phone",
                "goal_expected", "goal_actual", "filled_by", "filler_phone"):
        data[key] = draw(cells)
    return from_data(Form, data)


def _norm(value: object) -> object:
    """Compare like JSON does, but with numbers as floats: 10 == 10.0, dates as ISO strings."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def expected_after_roundtrip(form: Form) -> dict[str, object]:
    """What export gives back: computed cells (budget score, total) are the template's formulas."""
    data = asdict(form)
    data["indicators"] = [asdict(ind) for ind in form.indicators if not ind.is_empty()]
    data["budget_score"] = data["total_score"] = None  # formula cells: no cached value until a recalculation
    return _norm(data)  # type: ignore[return-value]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(form=forms())
def test_fill_then_export_round_trips_every_field(form: Form, template: Path, tmp_path: Path) -> None:
    out = fill_workbook(form, tmp_path / "filled.xlsx", template=template, force=True)
    loaded = load_form(out)
    assert _norm(asdict(loaded.form)) == expected_after_roundtrip(form)
    assert loaded.identity.layout == current_layout(ROWS)


def test_seed_round_trips_and_keeps_the_template_intact(template: Path, tmp_path: Path) -> None:
    stamp = hashlib.sha256(template.read_bytes()).hexdigest()
    form = seed_form()
    with pytest.raises(FillError, match="9 条绩效指标，模板只有 6 行"):
        fill_workbook(form, tmp_path / "x.xlsx", template=template)
    big = build_template(tmp_path / "big.xlsx", rows=10)
    out = fill_workbook(form, tmp_path / "seed.xlsx", template=big)
    assert hashlib.sha256(template.read_bytes()).hexdigest() == stamp
    assert not (tmp_path / "x.xlsx").exists()
    assert _norm(asdict(load_form(out).form)) == expected_after_roundtrip(form)
    book, layout = read_workbook(out), current_layout(10)
    sheet = book.sheets[SHEET]
    assert sheet.protected and book.structure_locked
    assert not sheet.locked(layout.spot("project_name").cell) and sheet.locked(layout.spot("total_score").cell)
    assert len(sheet.validations) == len(read_workbook(big).sheets[SHEET].validations)
    assert sheet.formulas == read_workbook(big).sheets[SHEET].formulas
    assert book.defined_names == read_workbook(big).defined_names
    assert isinstance(sheet.value(layout.spot("filled_on").cell), dt.date)
    # long texts get taller rows; unused indicator rows keep their height in 1.3 (its 检查 texts are sized to
    # it: tests/test_layout13.py), never taller than a blank row
    filled, blank = load_workbook(out)[SHEET], load_workbook(big)[SHEET]
    first, last = layout.first_indicator_row, layout.last_indicator_row
    assert filled.row_dimensions[first].height > blank.row_dimensions[first].height
    assert filled.row_dimensions[last].height == blank.row_dimensions[last].height


def test_default_template_grows_to_the_form(tmp_path: Path) -> None:
    form = clean_form(indicators=[{"name": f"指标{i}", "weight": 5, "score": 5} for i in range(18)])
    out = fill_workbook(form, tmp_path / "many.xlsx")
    loaded = load_form(out)
    assert loaded.identity.layout == current_layout(18) and len(loaded.form.indicators) == 18
    meta = read_meta(read_workbook(out).sheets[META_SHEET])
    assert meta["year"] == 2024


def test_fill_refuses_overwrite_and_bad_targets(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="--force"):
        fill_workbook(clean_form(), out, template=template)
    assert out.read_bytes() == b"keep me"
    fill_workbook(clean_form(), out, template=template, force=True)
    assert zipfile.is_zipfile(out)
    with pytest.raises(FillError, match="模板文件本身"):
        fill_workbook(clean_form(), template, template=template, force=True)
    with pytest.raises(FillError, match=r"\.xlsm"):
        fill_workbook(clean_form(), tmp_path / "m.xlsm")
    with pytest.raises(FillError, match="扩展名"):
        fill_workbook(clean_form(), tmp_path / "m.xlsm", template=template)


def test_fill_keeps_macros_and_button_of_a_macro_template(tmp_path: Path) -> None:
    vba = b"\xd0\xcf\x11\xe0 stand-in VBA project"
    macro_template = build_template(tmp_path / "t.xlsm", vba_project=vba)
    out = fill_workbook(seed_form(), tmp_path / "seed.xlsm", template=macro_template)
    archive = zipfile.ZipFile(out)
    assert archive.read("xl/vbaProject.bin") == vba
    assert any(name.endswith(".vml") and b"CheckScores" in archive.read(name) for name in archive.namelist())
    assert load_form(out).form.project_name == seed_form().project_name


# --- check and export on workbooks ---------------------------------------------------------------

def _check_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["check", "--json", str(path)])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_check_on_filled_seed_equals_check_on_seed_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed.xlsx"
    assert main(["fill", str(SEED_JSON), "-o", str(out)]) == 0
    capsys.readouterr()
    code_json, from_json = _check_json(SEED_JSON, capsys)
    code_book, from_book = _check_json(out, capsys)
    assert code_json == code_book
    for key in ("execution_rate", "budget_score", "indicator_scores", "total", "grade"):
        assert from_book[key] == from_json[key], key
    pairs = lambda result: sorted((f["cell"], f["code"]) for f in result["findings"])  # noqa: E731
    assert pairs(from_book) == pairs(from_json)
    assert all(f["cell"] for f in from_book["findings"])


def test_findings_follow_the_workbooks_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = build_template(tmp_path / "t20.xlsx", rows=20)
    out = fill_workbook(seed_form(), tmp_path / "seed20.xlsx", template=template)
    _, result = _check_json(out, capsys)
    cells = {f["code"]: f["cell"] for f in result["findings"]}
    assert cells["weight-split"] == f"{SHEET}!{current_layout(20).spot('weight_sum').cell}" != f"{SHEET}!{current_layout().spot('weight_sum').cell}"


def test_export_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = fill_workbook(seed_form(), tmp_path / "seed.xlsx")
    assert main(["export", str(book)]) == 0
    printed = json.loads(capsys.readouterr().out)
    target = tmp_path / "seed.json"
    assert main(["export", str(book), "-o", str(target)]) == 0
    capsys.readouterr()
    assert json.loads(target.read_text(encoding="utf-8")) == printed
    assert load_form(target).form.project_name == seed_form().project_name
    assert main(["export", str(book), "-o", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["fill", str(target), "-o", str(book)]) == 2
    assert "已存在" in capsys.readouterr().err


def _not_template(tmp_path: Path) -> list[Path]:
    plain = tmp_path / "plain.xlsx"
    wb = Workbook()
    wb.active["A1"] = "别的表格"
    wb.save(plain)
    text = tmp_path / "text.xlsx"
    text.write_text("不是工作簿", encoding="utf-8")
    tampered = tmp_path / "tampered.xlsx"
    wb = load_workbook(fill_workbook(seed_form(), tmp_path / "seed.xlsx"))
    wb[META_SHEET][Layout.meta_cell("template_id")] = "something-else"
    wb.save(tampered)
    return [plain, text, tampered]


def test_non_template_workbooks_give_exit_2_with_a_chinese_reason(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for path in _not_template(tmp_path):
        with pytest.raises(FormReadError) as info:
            load_form(path)
        assert info.value.path == str(path)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.reason)
        assert main(["check", str(path)]) == 2
        err = capsys.readouterr().err
        assert str(path) in err and "Traceback" not in err
        assert main(["export", str(path)]) == 2
        assert "无法读取" in capsys.readouterr().err
    assert "自评表" in str(pytest.raises(FormReadError, load_form, tmp_path / "plain.xlsx").value)


def test_fill_with_a_broken_or_foreign_template_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_text("不是工作簿", encoding="utf-8")
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    for template, reason in ((broken, "已损坏"), (plain, "不是朝阳区项目支出绩效自评表模板"),
                             (tmp_path / "missing.xlsx", "无法打开模板")):
        assert main(["fill", str(SEED_JSON), "-o", str(tmp_path / "out.xlsx"), "--template", str(template)]) == 2
        err = capsys.readouterr().err
        assert reason in err and "Traceback" not in err
    assert not (tmp_path / "out.xlsx").exists()
