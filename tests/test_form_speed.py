"""What the per-file shortcuts of the form layer must keep: template 1.1's 非数字 read as empty only in
formula cells, labels compared as before, one JSON per policy, one released default policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from xltools.core import Policy, policy_json
from xltools.core.policy import DEFAULT_POLICY
from xltools.core.validation import as_json, from_data
from xltools.form.identify import identify
from xltools.form.layout import META_SHEET, SHEET, Layout
from xltools.form.layout_v1_1 import NOT_A_NUMBER, LayoutV1_1
from xltools.form.registry import layout_for, released_policy
from xltools.form.tamper import _expected_formulas, _policy_json, check_tamper


@dataclass
class Sheet:
    """A minimal sheet view: values only, every cell locked as the template leaves it but the inputs."""

    values: dict[str, object]
    unlocked: frozenset[str] = frozenset()
    formulas: None = None
    protected: bool = True

    def value(self, cell: str) -> object:
        return self.values.get(cell)

    def locked(self, cell: str) -> bool:
        return cell not in self.unlocked

    def lock_states(self, cells: list[str]) -> frozenset[bool]:
        return frozenset(map(self.locked, cells))


@dataclass
class Book:
    sheets: dict[str, Sheet] = field(default_factory=dict)

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)


def _cells(layout: Layout) -> dict[str, object]:
    cells: dict[str, object] = {label.cell: label.text for label in layout.labels}
    cells[layout.spot("project_name").cell] = NOT_A_NUMBER  # typed by a person: a value like any other
    cells[layout.spot("budget_score").cell] = NOT_A_NUMBER  # shown by 1.1's formula: no value
    cells[layout.spot("total_score").cell] = NOT_A_NUMBER
    cells[layout.indicator_cell(0, "target")] = NOT_A_NUMBER
    cells[layout.indicator_cell(0, "level1")] = "产出指标"
    return cells


def test_template_1_1_reads_its_formula_cells_showing_not_a_number_as_empty_and_nothing_else():
    layout = layout_for("1.1", LayoutV1_1().rows)
    cells = _cells(layout)
    form = layout.form_from_cells(cells.get)
    assert form.budget_score is None and form.total_score is None
    assert form.project_name == NOT_A_NUMBER
    assert len(form.indicators) == 1 and form.indicators[0].target == NOT_A_NUMBER
    assert form.indicators[0].level1 == "产出指标"


def test_template_1_0_keeps_the_text_of_its_formula_cells():
    layout = layout_for("1.0", Layout().rows)
    form = layout.form_from_cells(_cells(layout).get)
    assert form.budget_score == NOT_A_NUMBER and form.total_score == NOT_A_NUMBER


def _book(layout: Layout, **changed: object) -> Book:
    values = {label.cell: label.text for label in layout.labels}
    values.update(changed)
    inputs = frozenset(spot.cell for spot in layout.input_spots())
    meta = Sheet({Layout.meta_cell(key): value for key, value in (
        ("template_id", layout.template_id), ("version", layout.version), ("year", 2025), ("rows", layout.rows),
        ("policy", policy_json(Policy())))})
    return Book({SHEET: Sheet(values, inputs), META_SHEET: meta})


def test_labels_compare_as_before_line_breaks_and_blanks_around_aside():
    layout = layout_for("1.1", LayoutV1_1().rows)
    book = _book(layout)
    identity = identify(book)
    assert check_tamper(book, identity, released_policy("1.1")) == []
    multi = next(label for label in layout.labels if "\n" in label.text)
    crlf = _book(layout, **{multi.cell: "  " + multi.text.replace("\n", "\r\n") + " "})
    assert check_tamper(crlf, identify(crlf), released_policy("1.1")) == []
    other = _book(layout, **{multi.cell: multi.text + "X"})
    found = check_tamper(other, identify(other), released_policy("1.1"))
    assert [(f.code, f.cell) for f in found] == [("tamper-label-changed", f"{SHEET}!{multi.cell}")]


def test_policy_json_is_the_policy_own_and_never_another_one():
    one, two = Policy(), from_data(Policy, {"decimals": 1})
    # the defaults are keyed "" (dumping them would build pydantic's serializer, which a check never needs
    # otherwise); their formulas are the ones the defaults' JSON gives
    assert _policy_json(one) == _policy_json(DEFAULT_POLICY) == "" and _policy_json(two) == as_json(two)
    assert _policy_json(one) != _policy_json(two)
    assert _expected_formulas("1.2", 15, "") == _expected_formulas("1.2", 15, as_json(one))
    assert _expected_formulas("1.2", 15, "") != _expected_formulas("1.2", 15, as_json(two))
    for _ in range(40):  # more policies than the identity cache holds: each still gets its own JSON
        policy = from_data(Policy, {"decimals": 3})
        assert _policy_json(policy) == as_json(policy)


def test_released_policy_of_a_version_without_its_own_is_the_default_one():
    assert released_policy("1.1") == Policy() and released_policy("1.1") is released_policy("1.1")
    assert released_policy("1.0") == Policy()
