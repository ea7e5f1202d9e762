"""What the judging prepares once and reuses per form (issue 31, "half the judging") still sees every difference:
the tamper check's per-layout plan compared as whole lists, the policy comparison made once per pair of policies,
an indicator row's field paths made once per row number."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from xltools.core.policy import DEFAULT_POLICY, Policy
from xltools.core.rules import validate
from xltools.excel.fill import fill_workbook
from xltools.form import tamper
from xltools.form.identify import identify
from xltools.form.layout import SHEET, Layout
from xltools.io.xlsxread import read_workbook

from .forms import clean_form

LAYOUT = Layout()


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    return fill_workbook(clean_form(), tmp_path_factory.mktemp("plans") / "good.xlsx")


def test_an_intact_form_then_an_edited_one_of_the_same_layout(filled):
    """The first form fills the plan's caches and passes as whole lists; a second of the same layout and policy
    with one label, one formula and one empty label's cell changed is still checked cell by cell."""
    book = read_workbook(filled)
    identity = identify(book)
    assert tamper.check_tamper(book, identity) == []
    label = next(lb for lb in LAYOUT.labels if lb.text and lb.text != "总分")
    empty = next((lb for lb in LAYOUT.labels if not lb.text), None)
    formula_cell = next(iter(LAYOUT.formulas(DEFAULT_POLICY)))
    edited = read_workbook(filled)
    sheet = edited.sheet(SHEET)
    sheet.values[label.cell] = "改过的标签"
    sheet.formulas[formula_cell] = "1+1"
    if empty is not None:
        sheet.values[empty.cell] = "  "  # blank text where the template has an empty label: no finding
    found = {(f.code, f.cell) for f in tamper.check_tamper(edited, identify(edited))}
    assert found == {("tamper-label-changed", f"{SHEET}!{label.cell}"),
                     ("tamper-formula-changed", f"{SHEET}!{formula_cell}")}
    assert tamper.check_tamper(book, identity) == []  # the plan was not changed by the edited form


def test_policies_are_compared_once_per_pair(monkeypatch):
    calls = []
    equal = Policy.__eq__

    def counted(self, other):
        calls.append((self, other))
        return equal(self, other)

    monkeypatch.setattr(Policy, "__eq__", counted)
    monkeypatch.setattr(tamper, "_KNOWN", {})
    other = Policy(decimals=1)
    same_as_default = Policy()
    answers = [tamper.same_policy(other, DEFAULT_POLICY) for _ in range(3)]
    answers += [tamper.same_policy(same_as_default, DEFAULT_POLICY) for _ in range(3)]
    assert answers == [False] * 3 + [True] * 3
    assert len(calls) == 2  # one comparison per pair of objects
    assert tamper.same_policy(DEFAULT_POLICY, DEFAULT_POLICY) and len(calls) == 2  # the same object: no comparison


def test_a_policys_json_is_dumped_once_and_kept_apart_from_comparisons(monkeypatch):
    """One cache holds both answers per policy object: the JSON (dumped once) and the comparisons, under keys that
    never mix (a policy's JSON is no answer to whether two policies are equal)."""
    from xltools.core import validation

    dumped = []
    as_json = validation.as_json

    def counted(model):
        dumped.append(model)
        return as_json(model)

    monkeypatch.setattr(validation, "as_json", counted)
    monkeypatch.setattr(tamper, "_KNOWN", {})
    other = Policy(decimals=1)
    texts = [tamper._policy_json(other) for _ in range(3)]
    assert len(dumped) == 1 and texts == [as_json(other)] * 3 and '"decimals":1' in texts[0].replace(" ", "")
    assert tamper._policy_json(DEFAULT_POLICY) == "" and tamper._policy_json(Policy()) == ""
    assert tamper.same_policy(other, DEFAULT_POLICY) is False
    assert tamper.same_policy(other, Policy(decimals=1)) is True
    assert len(dumped) == 1


def test_a_changed_stored_policy_is_found_on_every_form(filled):
    book = read_workbook(filled)
    identity = identify(book)
    district = Policy(decimals=1)  # the district scores with another policy than the template carries
    for _ in range(2):
        codes = [f.code for f in tamper.check_tamper(book, identity, district)]
        assert codes == ["tamper-policy-changed"]


def test_row_paths_of_findings():
    """Findings of rows 0 and 12 name their own rows (paths made once per row number, then reused)."""
    form = clean_form()
    row = dataclasses.replace(form.indicators[0], name=None, weight="五分")
    indicators = [row] + [form.indicators[1]] * 11 + [row]
    broken = dataclasses.replace(form, indicators=indicators)
    for _ in range(2):
        fields = {f.field for f in validate(broken, DEFAULT_POLICY) if f.field.startswith("indicators[")}
        assert {"indicators[0].name", "indicators[0].weight", "indicators[12].name", "indicators[12].weight"} <= fields
        assert not any(f.startswith(("indicators[1].", "indicators[11].")) for f in fields)


def test_indicator_rows_go_to_the_model_in_its_field_order():
    """form_from_cells hands each indicator row over as its values in _INDICATOR_PARTS order, positionally."""
    from xltools.core.model import Indicator, titles
    from xltools.form.layout import _INDICATOR_PARTS

    assert tuple(_INDICATOR_PARTS) == tuple(titles(Indicator))
    cells = {LAYOUT.indicator_cell(0, part): f"{part} 值" for part in _INDICATOR_PARTS}
    form = LAYOUT.form_from_cells(cells.get)
    assert [getattr(form.indicators[0], part) for part in _INDICATOR_PARTS] == [f"{p} 值" for p in _INDICATOR_PARTS]


def test_the_total_formula_is_computed_once_when_the_district_scores_with_the_templates_policy(filled, monkeypatch):
    """A workbook never recalculated shows no 总分: the verdict judges what the formula computes and reports it as the
    self total, computing it once; a district scoring with another policy gets the total computed with its own."""
    from xltools.core import scoring
    from xltools.form import verdict as verdict_module

    calls = []
    total, computed = scoring.sheet_total, scoring._sheet_total

    def counted(form, policy, budget):
        calls.append(policy)
        return computed(form, policy, budget)

    monkeypatch.setattr(scoring, "_sheet_total", counted)  # what sheet_total and the formula values compute with
    book = read_workbook(filled)
    form = verdict_module.read_form(book, identify(book))
    assert form.total_score is None  # written by xltools, never recalculated
    expected = total(form, DEFAULT_POLICY)
    assert isinstance(expected, float) and expected > 0
    calls.clear()
    judged = verdict_module.judge(book)
    assert judged.self_total == expected and len(calls) == 1
    calls.clear()
    other = Policy(decimals=0)
    judged = verdict_module.judge(book, other)
    assert len(calls) == 2 and calls[1] is other  # the template's formula, then the district's
    assert judged.self_total == total(form, other) and judged.self_total == round(expected)


def test_trailing_rows_are_dropped_whatever_they_hold_and_gaps_are_kept():
    """form_from_cells leaves out the trailing rows of None before cleaning: a row of blank texts at the end is
    still dropped (after cleaning), an empty row between two filled ones is kept, the last row of the layout read."""
    from xltools.form.layout import _INDICATOR_PARTS

    def row(i, value):
        return {LAYOUT.indicator_cell(i, part): value for part in _INDICATOR_PARTS}

    cells = {**row(0, "甲"), **row(2, "乙"),
             LAYOUT.indicator_cell(4, "name"): "  ", LAYOUT.indicator_cell(5, "target"): "\n"}
    form = LAYOUT.form_from_cells(cells.get)
    assert [ind.name for ind in form.indicators] == ["甲", None, "乙"]
    assert form.indicators[1].is_empty() and not form.indicators[2].is_empty()
    last = LAYOUT.rows - 1
    form = LAYOUT.form_from_cells({**cells, LAYOUT.indicator_cell(last, "score"): 3}.get)
    assert len(form.indicators) == LAYOUT.rows and form.indicators[last].score == 3
    assert form.indicators[4].is_empty() and form.indicators[4].name is None  # the blank text cleaned to None
    assert LAYOUT.form_from_cells({}.get).indicators == []


def test_a_rating_scale_is_found_once_per_target_and_rating_word(monkeypatch):
    """rating_scale answers from what its answer depends on (the target's text, the rating word the actual states,
    the policy's scales): the same answer for another actual stating the same word, another for other scales."""
    from xltools.core import wording

    calls = []
    find = wording._rating_scale

    def counted(target, actual, scales):
        calls.append((target, actual))
        return find(target, actual, scales)

    monkeypatch.setattr(wording, "_rating_scale", counted)
    monkeypatch.setattr(wording, "_RATED", {})
    scale, expected = wording.rating_scale("良", "评价结果：优", DEFAULT_POLICY)
    assert expected == "良" and "优" in scale and len(calls) == 1
    assert wording.rating_scale("良", "优。", DEFAULT_POLICY) == (scale, "良") and len(calls) == 1  # the same word
    assert wording.rating_scale("良", "很好", DEFAULT_POLICY) is None and len(calls) == 2  # no word of the scale
    assert wording.rating_scale("优良中差", "良", DEFAULT_POLICY) == (scale, None) and len(calls) == 3
    own = Policy(rating_scales=({"甲": "达成", "乙": "未达成"},))
    assert wording.rating_scale("良", "优", own) is None and len(calls) == 4  # other scales: asked again
    assert wording.rating_scale("甲乙", "乙", own) == ({"甲": "达成", "乙": "未达成"}, None)
    assert wording.rating_scale(3, "优", DEFAULT_POLICY) is None  # a number: no scale, nothing kept


@pytest.mark.parametrize("version", ["1.1", "1.2", "1.3"])
@pytest.mark.parametrize("policy", [DEFAULT_POLICY, Policy(decimals=1, drop_inapplicable=True)])
def test_the_status_formulas_the_tamper_check_compares_are_those_split_formulas_places(version, policy):
    """Layout.formulas takes the three Chk_* formulas from status_formulas, not from every check's formula: the
    same texts split_formulas places on the form sheet, for every checked version, its rows and policies."""
    from xltools.form.checks import split_formulas
    from xltools.form.registry import layout_for

    for rows in (15, 3):
        layout = layout_for(version, rows)
        on_form, _ = split_formulas(layout, policy)
        cells = [layout.spot(path).cell for path in ("chk_status", "chk_errors", "chk_warnings")]
        formulas = layout.formulas(policy)
        assert [formulas[cell] for cell in cells] == [on_form[cell] for cell in cells]
        assert all(formulas[cell].startswith("=") for cell in cells)
        assert "COUNTIF(" in formulas[cells[1]] and "发现" in formulas[cells[0]]


def _split_by_loops(value):
    """split_operator as it was written before its two patterns: every spelling tried, longest first."""
    from xltools.core.parse import _PREFIX_COMPARATORS, _SUFFIX_COMPARATORS, normalize_text

    text = normalize_text(value).replace(" ", "")
    for word, comp in _PREFIX_COMPARATORS:
        if text.startswith(word) and len(text) > len(word):
            return comp, text[len(word):]
    for word, comp in _SUFFIX_COMPARATORS:
        if text.endswith(word) and len(text) > len(word):
            return comp, text[: -len(word)]
    return None, text


def test_split_operator_reads_every_spelling_as_the_loops_did():
    """Every spelling alone, before and after a number, doubled, combined with the others and inside a sentence:
    the same operator and rest as trying each spelling in turn."""
    from xltools.core.parse import OPERATOR_PREFIXES, OPERATOR_SUFFIXES, split_operator

    before = [w for words in OPERATOR_PREFIXES.values() for w in words]
    after = [w for words in OPERATOR_SUFFIXES.values() for w in words]
    texts = ["", "95%", "达到", "等于", "以上", "及以上", "不低于", "≥≥90%", "≈95%", "大于等于", "小于或等于"]
    for word in before + after:
        texts += [word, f"{word}95%", f"95%{word}", f"{word}{word}", f"{word} 10 天", f"完成{word}目标", f"{word}\n"]
        texts += [f"{word}{other}" for other in before + after]
    split_operator.cache_clear()
    assert [split_operator(t) for t in texts] == [_split_by_loops(t) for t in texts]
    assert split_operator("≥95%") == (">=", "95%") and split_operator("95%以上") == (">=", "95%")
    assert split_operator("以上") == (None, "以上") and split_operator("及以上") == (">=", "及")
