"""One severity per problem: the in-sheet checks of the template and the rule catalogue agree (issue 29).

Every in-sheet rule (``xltools.form.checks.SHEET_RULES``) stands for one or more catalogue codes; the
clerk's in-sheet count and ``xltools check`` (the page, the summary — all one verdict) must give each
problem the same level. A disagreement found here is either a catalogue error (fixed on the Python
side: 「6.6296万」 in an amount cell was a warning in ``check`` and an error in the sheet) or a change the
next template version's in-sheet checks must make.
"""

from xltools.core.findings import RULES
from xltools.core.policy import Policy
from xltools.core.validation import from_data
from xltools.form.checks import SHEET_RULES, checks
from xltools.form.layout_v1_1 import LayoutV1_1


def test_every_in_sheet_rule_has_the_catalogue_severity() -> None:
    disagreements = [(rule.key, rule.severity, code, RULES[code].severity)
                     for rule in SHEET_RULES for code in rule.codes if RULES[code].severity != rule.severity]
    assert disagreements == []


def test_every_in_sheet_check_counts_at_the_level_of_its_codes() -> None:
    """Each placed check (flag cell) is counted in Chk_Errors or Chk_Warnings by its rule's level: the
    flag's column family is the level the catalogue gives every code the check stands for."""
    layout = LayoutV1_1()
    seen = set()
    for check in checks(layout, Policy()):
        column = check.flag.rstrip("0123456789")
        level = "error" if column in layout.error_columns else "warning"
        assert column in (*layout.error_columns, *layout.warning_columns)
        assert {RULES[code].severity for code in check.rule.codes} == {level}, (check.rule.key, check.target)
        seen.add(check.rule.key)
    assert seen == {rule.key for rule in SHEET_RULES}


def test_a_number_typed_as_text_is_an_error_everywhere() -> None:
    from xltools.core import Form
    from xltools.form.verdict import judge_form

    form = from_data(Form, {"funds": {"total": {"annual_budget": "6.6296万"}}})
    found = [f for f in judge_form(form).findings if f.code == "number-as-text"]
    assert found and {f.severity for f in found} == {"error"}
