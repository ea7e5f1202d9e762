"""Template version 1.1: the form checks itself with formulas and conditional formats (no macros).

Same form as 1.0 in columns A–I, plus:

* a narrow 检查 column (``check_column``, J, printed) that says in words what is wrong on each row;
* a status line in the header (``status_merge``, row 1) showing ``Chk_Status``
  (“未发现问题” / “发现 3 个错误、1 个警告”);
* hidden columns (``error_columns``, ``warning_columns``, ``helper_columns``) holding one 0/1 flag
  per in-sheet check and the helper values the flags need; ``Chk_Errors`` / ``Chk_Warnings`` count
  the flags that are 1 (the formulas are in :mod:`xltools.form.checks`);
* the add-in's result column moves from J to K (``result_column``);
* 执行率, 预算执行得分, 分值合计 and 总分 show the marker :data:`NOT_A_NUMBER` instead of a plausible
  wrong number when an input they use holds text (“6.6296万”, “７．２”).

Every new cell address lives in this class; :mod:`xltools.form.checks` and the template builder
ask it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from xltools.core.model import Form
from xltools.core.policy import Policy
from xltools.form.cells import column_index, column_letter
from xltools.form.layout import Label, Layout, Spot

if TYPE_CHECKING:
    from xltools.form.checks import Check

__all__ = ["LayoutV1_1", "NOT_A_NUMBER", "GUIDE_SHEET", "CHECK_SHEET"]

#: What 执行率 / 得分 / 分值合计 / 总分 show when an input they use is text instead of a number.
NOT_A_NUMBER = "非数字"
#: The sheet of filling instructions (generated from the layout and the policy).
GUIDE_SHEET = "填报说明"
#: The hidden sheet of the in-sheet checks' flags and helpers.
CHECK_SHEET = "检查明细"


def _columns(first: str, last: str) -> tuple[str, ...]:
    """Every column name from ``first`` to ``last``."""
    return tuple(column_letter(i) for i in range(column_index(first), column_index(last) + 1))


def _any_text(values: tuple[object, ...] | list[object]) -> bool:
    """Whether one of ``values`` is a text that is not blank (what makes a 1.1 formula show 非数字)."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return True
    return False


@dataclass(frozen=True)
class LayoutV1_1(Layout):
    """Template version 1.1 (see the module docstring)."""

    version: ClassVar[str] = "1.1"
    check_column: ClassVar[str] = "J"
    result_column: ClassVar[str] = "K"
    check_button_cell: ClassVar[str] = "K4"
    column_widths: ClassVar[dict[str, float]] = {
        "A": 11.5, "B": 9, "C": 11, "D": 24, "E": 17, "F": 17, "G": 6.5, "H": 8.5, "I": 13, "J": 13, "K": 12}
    fixed_row_heights: ClassVar[dict[int, float]] = {
        1: 20, 2: 34, 3: 22, 4: 26, 5: 26, 6: 26, 7: 24, 12: 22, 13: 48, 14: 30}
    #: The status line: its label and the merged cell showing ``Chk_Status``.
    status_row: ClassVar[int] = 1
    status_label_merge: ClassVar[str] = "B1:C1"
    status_merge: ClassVar[str] = "D1:J1"
    #: The hidden sheet holding one 0/1 flag per check and the helper values (columns below), so that
    #: tools reading the form sheet do not parse them (``xltools combine`` reads 自评表 and 模板信息 only).
    check_sheet: ClassVar[str] = CHECK_SHEET
    #: Columns of the check sheet: one 0/1 flag per error-level check, per warning-level check, and helpers.
    error_columns: ClassVar[tuple[str, ...]] = _columns("M", "AF")
    warning_columns: ClassVar[tuple[str, ...]] = _columns("AG", "AI")
    helper_columns: ClassVar[dict[str, str]] = dict(zip(
        ("used", "wt", "t_txt", "t_dir", "t_rest", "t_unit", "t_num", "a_txt", "a_rest", "a_unit", "a_num", "quant",
         "calc", "words"), _columns("AJ", "AW")))
    #: Cells of ``Chk_Errors`` and ``Chk_Warnings`` (hidden columns of the form sheet).
    count_cells: ClassVar[dict[str, str]] = {"errors": "AY1", "warnings": "AZ1"}
    #: Title of the 校验结果 sheet: who fills it.
    result_title: ClassVar[str] = ("校验结果：填写时显示表内自动检查的结果；带宏模板点“检查评分”、"
                                   "或区里用 xltools check 检查后，由完整检查的结果取代")
    #: The 填报说明 sheet: column widths and the first row of its text.
    guide_columns: ClassVar[dict[str, float]] = {"A": 16, "B": 78}
    guide_first_row: ClassVar[int] = 1

    @property
    def print_area(self) -> str:
        return f"A1:{self.check_column}{self.signoff_row}"

    @property
    def hidden_columns(self) -> tuple[str, str]:
        """First and last hidden column of the form sheet (where the counts are)."""
        return self.error_columns[0], "AZ"

    @property
    def check_sheet_columns(self) -> frozenset[str]:
        """The columns of the check sheet that hold flags and helpers."""
        return frozenset((*self.error_columns, *self.warning_columns, *self.helper_columns.values()))

    def check_cell(self, row: int) -> str:
        """The 检查 column on ``row`` (what is wrong on that row, in words)."""
        return f"{self.check_column}{row}"

    def helper_cell(self, name: str, row: int) -> str:
        return f"{self.helper_columns[name]}{row}"

    def flag_cell(self, severity: str, row: int, index: int) -> str:
        """The ``index``-th flag of ``severity`` on ``row``."""
        columns = self.error_columns if severity == "error" else self.warning_columns
        if index >= len(columns):
            raise ValueError(f"row {row} has more than {len(columns)} {severity} checks")
        return f"{columns[index]}{row}"

    def flag_range(self, severity: str) -> str:
        columns = self.error_columns if severity == "error" else self.warning_columns
        return f"{columns[0]}1:{columns[-1]}{self.signoff_row}"

    @property
    def check_rows(self) -> tuple[int, ...]:
        """Rows with a 检查 text: header, funds, goals, indicators, total and sign-off rows."""
        return (4, 5, 6, *range(self.fund_first_row, self.fund_row("other") + 1), 13,
                *range(self.first_indicator_row, self.last_indicator_row + 1), self.total_row, self.signoff_row)

    #: Whether the quantity helpers read every operator spelling of the core (1.3) or 1.1's few.
    all_operators: ClassVar[bool] = False

    def extra_check_formulas(self, policy: Policy, checks: list[Check], words: dict[int, str]) -> dict[str, str]:
        """In-sheet formulas a later version adds to :func:`xltools.form.checks.check_formulas` (none in 1.1)."""
        return {}

    def score_round(self, policy: Policy) -> str:
        """The function that rounds a computed score in the sheet (1.1: ROUND whatever the policy)."""
        return "ROUND"

    def result_summary_formulas(self) -> dict[str, str]:
        """The 校验结果 summary cells in the .xlsx: the in-sheet results until the full check writes its own."""
        names = {"execution_rate": "ExecRate", "budget_score": "BudgetScore", "grade": "Grade",
                 "errors": "Chk_Errors", "warnings": "Chk_Warnings"}
        return {self.result_summary_cell(key): f"={name}" for key, name in names.items()}

    # --- spots and labels -------------------------------------------------------------
    @cached_property
    def spots(self) -> tuple[Spot, ...]:
        first_status = self.status_merge.split(":")[0]
        return (*super().spots,
                Spot("chk_status", "Chk_Status", first_status, "formula", merge=self.status_merge),
                Spot("chk_errors", "Chk_Errors", self.count_cells["errors"], "formula"),
                Spot("chk_warnings", "Chk_Warnings", self.count_cells["warnings"], "formula"))

    @cached_property
    def labels(self) -> tuple[Label, ...]:
        first = self.status_label_merge.split(":")[0]
        return (*super().labels,
                Label(first, "表内自动检查：", self.status_label_merge, "plain"),
                Label(self.check_cell(7), "检查", style="header"),
                Label(self.check_cell(14), "检查", style="header"))

    # --- formulas -----------------------------------------------------------------------
    def base_formulas(self, policy: Policy) -> dict[str, str]:
        """1.0's formulas, made to show :data:`NOT_A_NUMBER` when an input they read is text."""
        from xltools.form.checks import text_in

        s = self.spot
        budget, executed = s("funds.total.annual_budget").cell, s("funds.total.executed").cell
        weight, rate, score = s("budget_weight").cell, s("execution_rate").cell, s("budget_score").cell
        total, weights, scores = s("total_score").cell, self.indicator_range("weight"), self.indicator_range("score")
        old = super().formulas(policy)
        bad = f'"{NOT_A_NUMBER}"'
        out = dict(old)
        initial = s("funds.total.initial_budget").cell  # the rate's denominator may be the 年初预算数
        rate_inputs = (budget, executed) if policy.rate_denominator == "annual" else (budget, initial, executed)
        out[rate] = f"=IF({text_in(*rate_inputs)},{bad},{old[rate][1:]})"
        out[score] = f'=IF(OR({rate}={bad},{text_in(weight)}),{bad},{old[score][1:]})'
        out[s("weight_sum").cell] = f"=IF({text_in(weight, weights)},{bad},{old[s('weight_sum').cell][1:]})"
        out[total] = f"=IF(OR({score}={bad},{text_in(scores)}),{bad},{old[total][1:]})"
        return out

    def formulas(self, policy: Policy) -> dict[str, str]:
        """The formulas the tamper check compares: the scoring formulas and the three ``Chk_*`` cells.

        The per-row flags, helpers and 检查 texts (:func:`xltools.form.checks.check_formulas`) are left
        out: they decide nothing the district's full check relies on, and Excel may save such runs of
        equal relative formulas as shared formulas, whose copies carry no formula text of their own.
        """
        from xltools.form.checks import qualified, status_formulas

        # placed on the form sheet as split_formulas places them (tests/test_judging_plans.py compares), without
        # computing every check's formula first (~15 ms a process and layout)
        status = {cell: qualified(formula, self.check_sheet, self.check_sheet_columns)
                  for cell, formula in status_formulas(self).items()}
        named = [self.spot(path).cell for path in ("chk_status", "chk_errors", "chk_warnings")]
        return {**self.base_formulas(policy), **{cell: status[cell] for cell in named}}

    def marked_formulas(self, form: Form) -> frozenset[str]:
        """预算执行得分 and 总分 show :data:`NOT_A_NUMBER` when an amount, a 分值 or a 得分 they use is text."""
        funds = form.fund("total")
        budget = _any_text((funds.annual_budget, funds.executed, form.budget_weight))
        total = budget or _any_text([ind.score for ind in form.indicators])
        return frozenset(name for name, marked in (("budget_score", budget), ("total_score", total)) if marked)

    def marked_values(self, form: Form, policy: Policy) -> dict[str, object]:
        """For the fields showing :data:`NOT_A_NUMBER`: what the formulas would show were the text read as
        numbers, so the full check reports the text itself (number-as-text), not a mismatch it caused."""
        from xltools.core.parse import parse_number
        from xltools.core.scoring import round_half_up, score_form

        marked = self.marked_formulas(form)
        if not marked:
            return {}
        sheet = score_form(form, policy)
        budget = sheet.budget_score if sheet.execution_rate is not None else None
        out: dict[str, object] = {"budget_score": budget} if "budget_score" in marked else {}
        if "total_score" in marked:
            own = parse_number(form.budget_score).value if "budget_score" not in marked else budget
            scores = sum(parse_number(ind.score).value or 0.0 for ind in form.indicators if not ind.is_empty())
            out["total_score"] = round_half_up((own if own is not None else sheet.budget_score) + scores,
                                               policy.decimals)
        return out

    # --- reading ------------------------------------------------------------------------
    @cached_property
    def _computed_fields(self) -> tuple[str, ...]:
        """The form's fields read from formula cells (budget score, total): never a fund or indicator cell."""
        computed = {spot.cell for spot in self.spots if spot.kind == "formula"}
        fund_cells, form_cells, indicator_cells = self._read_plan
        assert not computed & ({cell for *_, cell in fund_cells} | {c for row in indicator_cells for _, c in row})
        return tuple(path for path, cell in form_cells if cell in computed)

    def form_from_cells(self, get: Callable[[str], object]) -> Form:
        """As 1.0, but a formula cell showing :data:`NOT_A_NUMBER` reads as empty (it is no typed value)."""
        form = super().form_from_cells(get)
        shown = {path: None for path in self._computed_fields if getattr(form, path) == NOT_A_NUMBER}
        return replace(form, **shown) if shown else form
