"""The demo generator against the core directly (no files): ground truth = what the checker finds."""

from __future__ import annotations

import collections
import datetime as dt
import json

import pytest

from xltools.core import RULES, Policy, evaluate
from xltools.core.quantity import parse_quantity
from xltools.core.scoring import qualitative_band
from xltools.demo.data import AREAS, STREETS, UNITS, YEAR, DemoSet, generate
from xltools.demo.mistakes import MISTAKES
from xltools.demo.themes import THEMES, Qual
from xltools.form.layout import Layout

from .forms import SEED_JSON, seed_form

TODAY = dt.date.today()


def _found(form) -> collections.Counter:
    evaluation = evaluate(form, Policy(), today=TODAY)
    return collections.Counter((f.code, Layout().cell_of(f.field)) for f in evaluation.findings)


def _expected(demo_file) -> collections.Counter:
    return collections.Counter((e.code, e.cell) for e in demo_file.expected)


@pytest.fixture(scope="module")
def demo() -> DemoSet:
    return generate(seed=7, scale=200, seed_form=seed_form())


def test_units_are_the_43_of_chaoyang() -> None:
    assert len(STREETS) == 24 and len(AREAS) == 19 and len(set(UNITS)) == 43
    assert "建外街道办事处" in STREETS and "南磨房地区办事处" in AREAS and "首都机场街道办事处" in STREETS


def test_every_unit_has_projects_and_the_total_is_the_scale(demo: DemoSet) -> None:
    generated = [f for f in demo.forms if f.form.year == YEAR and f.action == "fill" and f.fate == "ok"]
    units = collections.Counter(str(f.form.implementing_unit) for f in generated)
    assert set(units) == set(UNITS)
    assert sum(units.values()) >= 200
    assert max(units.values()) <= 12


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = generate(seed=3, scale=60), generate(seed=3, scale=60), generate(seed=4, scale=60)
    dump = lambda d: json.dumps(d.manifest(), ensure_ascii=False, sort_keys=True)  # noqa: E731
    assert dump(a) == dump(b)
    assert [f.form.to_json() for f in a.forms] == [f.form.to_json() for f in b.forms]
    assert dump(a) != dump(c)


def test_manifest_cells_come_from_the_layout(demo: DemoSet) -> None:
    manifest = demo.manifest()
    cells = {e["cell"] for f in manifest["files"] for e in f["expected_findings"] or []}
    assert cells and all(cell and cell.startswith("自评表!") for cell in cells)
    codes = {e["code"] for f in manifest["files"] for e in f["expected_findings"] or []}
    assert codes <= set(RULES)
    # every mistake's own code, and the reviewed total that a wrong self-score drags along
    assert set(manifest["injected_findings"]) == set(MISTAKES) | {"total-review-differs"}


@pytest.mark.parametrize("seed,scale", [(1, 20), (2, 43), (3, 200), (11, 97)])
def test_findings_equal_the_manifest_exactly(seed: int, scale: int) -> None:
    """Recall and precision 100 % per code: the checker finds exactly what the manifest says, at its cell."""
    demo = generate(seed=seed, scale=scale)
    checked = [f for f in demo.forms if f.expected is not None]
    assert len(checked) >= scale
    for demo_file in checked:
        assert _found(demo_file.form) == _expected(demo_file), demo_file.path


def test_every_mistake_is_injected_even_on_a_small_tree() -> None:
    demo = generate(seed=5, scale=20)
    injected = collections.Counter(e.mistake for f in demo.files for e in f.expected or () if e.mistake)
    assert set(injected) == set(MISTAKES)
    for f in demo.files:
        for e in f.expected or ():
            if e.mistake:
                assert e.code == e.mistake or e.code in RULES


def test_clean_forms_have_no_error(demo: DemoSet) -> None:
    clean = [f for f in demo.forms if f.expected is not None and not f.mistakes]
    assert len(clean) > 100
    for f in clean:
        assert all(RULES[code].severity == "warning" for code, _ in _found(f.form)), f.path


def test_forms_look_real(demo: DemoSet) -> None:
    forms = [f.form for f in demo.forms if f.form.year == YEAR]
    rates, grades = [], collections.Counter()
    for form in forms:
        evaluation = evaluate(form)
        grades[evaluation.sheet.grade] += 1
        if evaluation.sheet.execution_rate is not None:
            rates.append(evaluation.sheet.execution_rate)
        if form.filled_on is not None:  # None only where the sign-off was left out on purpose
            assert dt.date(YEAR, 12, 31) < form.filled_on <= TODAY
        for amount in (form.funds.total.annual_budget, form.funds.total.executed):
            assert round(amount, 4) == amount
        for ind in form.indicators:
            if ind.level1 == "满意度指标":
                quantity = parse_quantity(ind.target)
                assert quantity is not None and quantity.unit == "%" and quantity.value >= 90
    in_band = sum(1 for r in rates if 0.9 <= r <= 1.0) / len(rates)
    assert 0.75 <= in_band < 1.0 and min(rates) < 0.9
    assert grades["优"] > len(forms) / 2 and len(grades) >= 2
    units = {parse_quantity(i.target).unit for f in forms for i in f.indicators if parse_quantity(i.target)}
    assert {"人", "次", "个", "%", "天", "万元"} <= units
    comparators = {str(i.target)[0] for f in forms for i in f.indicators}
    assert {"≥", "≤", "="} <= comparators


def test_qualitative_targets_state_no_degree_of_achievement() -> None:
    """A copied target must raise actual-copied and nothing else: no band word in any target."""
    for theme in THEMES:
        for spec in (*theme.quality, *theme.benefits):
            if isinstance(spec, Qual):
                assert qualitative_band(spec.target) is None, spec.target
                assert parse_quantity(spec.target) is None, spec.target
                assert qualitative_band(spec.actual) == "达成", spec.actual


def test_broken_files_and_the_seed(demo: DemoSet) -> None:
    fates = collections.Counter(f.fate for f in demo.files)
    for fate in ("duplicate", "superseded", "not-template", "tampered", "unreadable", "skipped"):
        assert fates[fate] >= 1, fate
    lock = next(f for f in demo.files if f.action == "lock")
    assert lock.path.rsplit("/", 1)[1].startswith("~$") and len(lock.payload) == 165
    old = next(f for f in demo.files if f.fate == "superseded")
    new = next(f for f in demo.files if f.fate == "ok" and f.form and f.form.project_name == old.form.project_name
               and f.form.implementing_unit == old.form.implementing_unit)
    assert old.form.filled_on < new.form.filled_on
    copy = next(f for f in demo.files if f.action == "copy")
    assert any(f.path == copy.source for f in demo.files)
    seed = next(f for f in demo.files if f.form is not None and f.form.year == 2020)
    assert seed.form == seed_form() and json.loads(SEED_JSON.read_text(encoding="utf-8"))["year"] == 2020
    paths = [f.path for f in demo.files]
    assert len(paths) == len(set(paths))


def test_scale_below_20_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(scale=10)
