"""The template's formulas for the policy options they can express (issue 11): off by default, added when on."""

from __future__ import annotations

from xltools.core import Policy
from xltools.core.validation import from_data
from xltools.excel.fill import fill_workbook
from xltools.excel.template import build_template
from xltools.form.identify import identify
from xltools.form.layout import Layout
from xltools.form.tamper import check_tamper
from xltools.io.xlsxread import read_workbook

from .forms import clean_form

LAYOUT = Layout()
CELL = {key: LAYOUT.spot(key).cell for key in ("execution_rate", "budget_score", "total_score")}
CAPS = ({"below": 0.5, "max_total": 59}, {"below": 0.6, "max_total": 69})


def test_options_off_leave_the_1_0_formulas():
    # every option at its default: the formulas of template 1.0 (the fingerprint in test_layout guards them)
    assert LAYOUT.formulas(from_data(Policy, {"over_achievement": 0.2, "drop_inapplicable": True})) == LAYOUT.formulas(Policy())


def test_each_option_adds_its_part_only():
    base = LAYOUT.formulas(Policy())
    initial = LAYOUT.formulas(from_data(Policy, {"rate_denominator": "initial"}))
    assert initial[CELL["execution_rate"]] == base[CELL["execution_rate"]].replace("E8", "D8")
    assert {k for k in base if base[k] != initial[k]} == {CELL["execution_rate"]}
    adjusted = LAYOUT.formulas(from_data(Policy, {"rate_denominator": "adjusted"}))[CELL["execution_rate"]]
    assert "IF(ISNUMBER(E8),E8,D8)" in adjusted
    rounded = LAYOUT.formulas(from_data(Policy, {"rate_decimals": 0}))
    assert rounded[CELL["budget_score"]] == base[CELL["budget_score"]].replace("MIN(H8,1)", "MIN(ROUND(H8,2),1)")
    capped = LAYOUT.formulas(from_data(Policy, {"total_caps": CAPS}))[CELL["total_score"]]
    # below 50 % → 59, below 60 % → 69, otherwise the plain rounded sum
    assert "IF(H8<0.6,MIN(ROUND(N(I8)+SUM(H15:H29),2),IF(H8<0.5,59,69))" in capped


def test_a_template_built_with_a_policy_is_not_tampered_when_filled(tmp_path):
    policy = from_data(Policy, {"rate_denominator": "adjusted", "rate_decimals": 0, "total_caps": CAPS})
    template = build_template(tmp_path / "regional.xlsx", policy=policy)
    filled = fill_workbook(clean_form(), tmp_path / "filled.xlsx", template=template)
    book = read_workbook(filled)
    identity = identify(book)
    assert identity.policy == policy  # the metadata carries the options, the tamper check their formulas
    assert check_tamper(book, identity) == []
