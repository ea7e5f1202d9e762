"""The tamper check against real filled workbooks, each edited the way a user could (with openpyxl)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Protection

from xltools.core import RULES
from xltools.excel.fill import fill_workbook
from xltools.form.identify import NotTemplate, UnknownVersion, identify
from xltools.form.layout import META_SHEET, SHEET, Layout
from xltools.form.tamper import TAMPER_CODES, check_tamper, normalize_formula
from xltools.io.xlsxread import read_workbook

from .forms import clean_form

LAYOUT = Layout()


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    return fill_workbook(clean_form(), tmp_path_factory.mktemp("tamper") / "good.xlsx")


def codes(path: Path) -> dict[str, list[str | None]]:
    book = read_workbook(path)
    out: dict[str, list[str | None]] = {}
    for f in check_tamper(book, identify(book)):
        out.setdefault(f.code, []).append(f.cell)
    return out


def edited(source: Path, target: Path, edit) -> Path:
    book = openpyxl.load_workbook(source)
    edit(book)
    book.save(target)
    return target


def test_genuine_workbook_is_clean(filled):
    book = read_workbook(filled)
    identity = identify(book)
    assert identity.layout.rows == LAYOUT.rows and identity.has_meta
    assert check_tamper(book, identity) == []


def test_tamper_codes_are_in_the_catalogue():
    assert TAMPER_CODES <= set(RULES)
    for code in TAMPER_CODES:
        assert RULES[code].severity == "error" and RULES[code].fix


def test_protection_removed(filled, tmp_path):
    def unprotect(book):
        book[SHEET].protection.sheet = False
    assert set(codes(edited(filled, tmp_path / "x.xlsx", unprotect))) == {"tamper-unprotected"}


def test_formula_overwritten(filled, tmp_path):
    cell = LAYOUT.spot("total_score").cell

    def overwrite(book):
        book[SHEET][cell] = 99
    found = codes(edited(filled, tmp_path / "x.xlsx", overwrite))
    assert found == {"tamper-formula-changed": [f"{SHEET}!{cell}"]}


def test_label_changed_and_cells_unlocked(filled, tmp_path):
    label = next(lb for lb in LAYOUT.labels if lb.text == "全年执行数")
    formula_cell = LAYOUT.spot("execution_rate").cell

    def edit(book):
        ws = book[SHEET]
        ws[label.cell] = "实际执行数"
        ws[formula_cell].protection = Protection(locked=False)
    found = codes(edited(filled, tmp_path / "x.xlsx", edit))
    assert found == {"tamper-label-changed": [f"{SHEET}!{label.cell}"],
                     "tamper-cell-unlocked": [f"{SHEET}!{formula_cell}"]}


def test_input_cell_locked(filled, tmp_path):
    cell = LAYOUT.spot("project_name").cell

    def lock(book):
        book[SHEET][cell].protection = Protection(locked=True)
    assert codes(edited(filled, tmp_path / "x.xlsx", lock)) == {"tamper-input-locked": [f"{SHEET}!{cell}"]}


def test_metadata_changed_or_removed(filled, tmp_path):
    def unknown_version(book):
        book[META_SHEET][Layout.meta_cell("version")] = "9.9"
    with pytest.raises(UnknownVersion, match="9.9"):
        identify(read_workbook(edited(filled, tmp_path / "v.xlsx", unknown_version)))

    def damaged_rows(book):
        book[META_SHEET][Layout.meta_cell("rows")] = "十五"
    found = codes(edited(filled, tmp_path / "r.xlsx", damaged_rows))
    assert found == {"tamper-meta-mismatch": [f"{META_SHEET}!{Layout.meta_cell('rows')}"]}

    def drop_meta(book):
        del book[META_SHEET]
    path = edited(filled, tmp_path / "m.xlsx", drop_meta)
    book = read_workbook(path)
    identity = identify(book)  # still recognised by its 总分 row
    assert identity.layout.rows == LAYOUT.rows
    assert {f.code for f in check_tamper(book, identity)} == {"tamper-meta-missing"}


def test_other_workbooks_are_not_this_template(filled, tmp_path):
    plain = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "hello"
    book.save(plain)
    with pytest.raises(NotTemplate, match="自评表"):
        identify(read_workbook(plain))

    def other_id(book):
        book[META_SHEET][Layout.meta_cell("template_id")] = "someone-else"
    with pytest.raises(NotTemplate, match="someone-else"):
        identify(read_workbook(edited(filled, tmp_path / "o.xlsx", other_id)))


def test_formula_comparison_ignores_spelling_only():
    assert normalize_formula("=if(a1>0, _xlfn.MINIFS($B$1:B2,\"x y\"),\"\")") == \
        normalize_formula('IF(A1>0,MINIFS(B1:B2,"x y"),"")')
    assert normalize_formula('IF(A1>0,"x y","")') != normalize_formula('IF(A1>0,"X Y","")')


def test_a_form_without_metadata_is_read_with_the_version_its_labels_match(tmp_path):
    from xltools.excel.template import template_bytes
    from xltools.io.fill import fill_template

    def drop_meta(book):
        del book[META_SHEET]
    for version in ("1.0", "1.1"):
        source = tmp_path / f"v{version}.xlsx"
        fill_template(clean_form(), source, template_bytes(version=version))
        book = read_workbook(edited(source, tmp_path / f"m{version}.xlsx", drop_meta))
        identity = identify(book)
        assert identity.version == version
        assert {f.code for f in check_tamper(book, identity)} == {"tamper-meta-missing"}
