"""Template version 1.3: a form that prints whole (issue 29).

The cells, formulas, in-sheet checks and the very hidden 批复目标 sheet are 1.2's, plus:

* **no clipped 检查 text**: the 检查 column is wider (``column_widths``; G too, so that 「填写日期：」 no longer
  runs into the date), every row with a 检查 text has a
  fixed height (:attr:`LayoutV1_3.row_heights`) and so a known capacity (:meth:`LayoutV1_3.capacity`), and
  the text shows a row's messages whole, in order, while they fit, then 「另有 N 项见标红处」 (their cells are
  red all the same). Rows that grew to their text would be the other way, but neither LibreOffice nor Excel
  fits a row to a formula's result when it changes, and a merged input never makes its row grow;
* **the 总分 row is marked** when a score behind it is wrong: the helper column ``bad`` (on 检查明细)
  is 1 on every row where a check about a score, a 分值 or an amount the 预算执行得分 reads flags an error,
  and :attr:`LayoutV1_3.total_marked` (a helper cell, not an error of its own: the counts stay those of
  ``xltools check``) is 1 when any row's is. The 总分 row is then shaded and its 检查 cell says why;
* **the print area includes the results column** (K: the check result line and every 复核得分), A4
  portrait one page wide, the form's title in the page header and page numbers in the footer of every
  page (:attr:`LayoutV1_3.page_header`); the 校验结果 sheet prints with the same header, its table header
  repeated, and shows 执行率 as a percentage and the scores with the policy's decimals.

Every new cell address lives in this class.
"""

from __future__ import annotations

from typing import ClassVar

from xltools.form.cells import column_index, column_letter
from xltools.core.model import FUND_ROWS
from xltools.core.policy import Policy
from xltools.form.checks import Check
from xltools.form.sheetquantity import amount_digits, amount_text, amount_value
from xltools.form.layout_v1_2 import LayoutV1_2

__all__ = ["LayoutV1_3", "SCORE_RULES", "TOTAL_MARK_TEXT", "MARKS", "TEXT_PREFIX"]

#: The in-sheet rules whose error makes a score behind 总分 wrong (the 总分 row is then marked).
SCORE_RULES: tuple[str, ...] = (
    "not-number", "amount-negative", "executed-over-budget", "budget-not-positive", "budget-weight-invalid",
    "weight-not-positive", "score-out-of-range", "score-mismatch")
#: The 检查 text's line height (points, 8 pt font) and the characters of one line that always fit its width.
CHECK_LINE = 11
CHECK_CHARS_PER_LINE = 14
#: What ends a 检查 text whose further messages do not fit (their cells are marked red all the same).
_REST = "另有{n}项见红色格"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: The longest text a message that is not a fixed text can show (``"分值合计 "&…&"，应为 100"``).
_DYNAMIC = 24


def _longest(words: str) -> int:
    """The longest text a 检查 message formula shows: a fixed text's length, else :data:`_DYNAMIC`."""
    if words.startswith('"') and words.endswith('"') and '"' not in words[1:-1]:
        return len(words) - 2
    return _DYNAMIC


#: What 等级 shows without a grade (as :func:`xltools.core.scoring.grade_label` says it).
UNSCORED = "未评分"
UNGRADED = "未评级"
#: The button's marks in the record (error, warning) and the prefix of a checked text.
MARKS: dict[str, str] = {"error": "E", "warning": "W"}
TEXT_PREFIX = "t"


#: What the 检查 cell of the 总分 row says when a score behind the total is wrong (not counted as an error).
TOTAL_MARK_TEXT = "总分所依据的得分或金额有误，改正标红的单元格后总分才可信"


class LayoutV1_3(LayoutV1_2):
    """Template version 1.3 (see the module docstring)."""

    version: ClassVar[str] = "1.3"
    column_widths: ClassVar[dict[str, float]] = {
        "A": 11.5, "B": 9, "C": 11, "D": 20, "E": 16, "F": 16, "G": 10, "H": 8.5, "I": 13, "J": 24, "K": 13}
    #: Rows with merged inputs keep a fixed height (a merged cell never makes its row grow).
    fixed_row_heights: ClassVar[dict[int, float]] = {
        1: 20, 2: 34, 3: 22, 4: 28, 5: 28, 6: 28, 7: 24, 12: 22, 13: 60, 14: 30}
    #: The helper that is 1 on a row where an error makes a score behind 总分 wrong (on 检查明细).
    helper_columns: ClassVar[dict[str, str]] = {**LayoutV1_2.helper_columns, "bad": "AX"}
    #: On the 资金 rows of 检查明细 (free of indicator helpers): how each amount is read when typed as text
    #: (「48.7078万」), in three stages (:mod:`xltools.form.sheetquantity`), so that the breakdown check adds
    #: up what ``xltools check`` adds up (the text's own error is not-number).
    amount_helpers: ClassVar[dict[str, tuple[str, str, str]]] = {
        "initial_budget": ("AJ", "AK", "AL"), "annual_budget": ("AM", "AN", "AO"), "executed": ("AP", "AQ", "AR")}
    #: The quantity helpers read every operator spelling the core reads (「不低于95%」, 「95%以上」, 「═100%」).
    all_operators: ClassVar[bool] = True
    #: The page header of the printed form and of 校验结果 (``{year}`` is the template's year).
    page_header: ClassVar[str] = "朝阳区项目支出绩效自评表（{year} 年度）"
    page_footer: ClassVar[str] = "第 &P 页，共 &N 页"
    #: The note on the 总分 row's 检查 cell when a score behind the total is wrong.
    total_mark_text: ClassVar[str] = TOTAL_MARK_TEXT
    #: The 检查评分 button's record of its last check (hidden columns of the form sheet, same rows as the
    #: form): the checked value of each cell it marks in ``checked_columns`` (BA for A … BK for K) and its
    #: mark (:data:`MARKS`) in ``mark_columns`` (BL for A … BV for K). A conditional format of the template
    #: colours a cell while its mark is set and it still holds the checked value, so a mended cell is no
    #: longer marked, whether or not anyone clicks again.
    checked_first_column: ClassVar[str] = "BA"
    mark_first_column: ClassVar[str] = "BL"

    @property
    def hidden_columns(self) -> tuple[str, str]:
        return self.error_columns[0], self._shifted(self.result_column, self.mark_first_column)

    @staticmethod
    def _shifted(column: str, first: str) -> str:
        return column_letter(column_index(column) + column_index(first) - 1)

    @property
    def record_block(self) -> str:
        """The button's record: checked values and marks of every cell of columns A to K."""
        last = self._shifted(self.result_column, self.mark_first_column)
        return f"{self.checked_first_column}1:{last}{self.signoff_row}"

    def checked_cell(self, cell: str) -> str:
        """Where the button keeps the checked value of form ``cell``."""
        column, row = cell.rstrip("0123456789"), cell.lstrip(_LETTERS)
        return f"{self._shifted(column, self.checked_first_column)}{row}"

    def mark_cell(self, cell: str) -> str:
        """Where the button keeps the mark of form ``cell``."""
        column, row = cell.rstrip("0123456789"), cell.lstrip(_LETTERS)
        return f"{self._shifted(column, self.mark_first_column)}{row}"

    @property
    def marked_block(self) -> str:
        """The cells the button can mark (the form's columns A to K)."""
        return f"A1:{self.result_column}{self.signoff_row}"

    def mark_condition(self, mark: str) -> str:
        """The condition (no ``=``) of the conditional format over :attr:`marked_block`, written for its first
        cell: the cell has ``mark`` and still holds its checked value (a number the same number, a text the
        same text, recorded as ``t`` + the text so that no text is taken for a formula)."""
        here, checked, flag = "A1", self.checked_cell("A1"), self.mark_cell("A1")
        same = (f"IF(ISNUMBER({checked}),AND(ISNUMBER({here}),{here}={checked}),"
                f'AND(NOT(ISNUMBER({here})),EXACT("{TEXT_PREFIX}"&{here},{checked}&"")))')
        return f'AND({flag}="{mark}",{same})'

    @property
    def print_area(self) -> str:
        return f"A1:{self.result_column}{self.signoff_row}"

    @property
    def total_marked(self) -> str:
        """The helper cell (on 检查明细) that is 1 when any score behind 总分 is wrong."""
        return self.helper_cell("bad", self.total_row)

    @property
    def score_check_rows(self) -> tuple[int, ...]:
        """The rows whose ``bad`` helper the total mark adds up."""
        return (self.fund_row("total"), *range(self.first_indicator_row, self.last_indicator_row + 1))

    def extra_fingerprint(self) -> dict[str, object]:
        return {**super().extra_fingerprint(), "bad": self.helper_columns["bad"],
                "print_area": self.print_area, "heights": sorted(self.row_heights.items()),
                "widths": self.column_widths, "capacity": [CHECK_LINE, CHECK_CHARS_PER_LINE, _REST],
                "record": [self.record_block, self.mark_condition(MARKS["error"]), MARKS],
                "amounts": self.amount_helpers}

    def capacity(self, row: int) -> int:
        """How many characters the 检查 cell of ``row`` shows whole at its fixed height (at least one line)."""
        height = self.row_heights.get(row, self.fixed_row_heights.get(row, 0))
        return max(1, int((height - 3) // CHECK_LINE)) * CHECK_CHARS_PER_LINE

    @property
    def row_heights(self) -> dict[int, float]:
        """The fixed height of every row with a 检查 text below the header (the header's are ``fixed_row_heights``)."""
        out = {row: 26.0 for row in range(self.fund_row("fiscal"), self.fund_row("other") + 1)}
        out[self.fund_row("total")] = 60
        out.update({row: 36.0 for row in range(self.first_indicator_row, self.last_indicator_row + 1)})
        out.update({self.total_row: 48, self.signoff_row: 36})
        return out

    def extra_check_formulas(self, policy: Policy, checks: list[Check], words: dict[int, str]) -> dict[str, str]:
        """The 检查 texts that fit their cells, the ``bad`` helpers and the 总分 mark (see the module docstring)."""
        out: dict[str, str] = {}
        by_row: dict[int, list[Check]] = {}
        for check in checks:
            by_row.setdefault(int(check.flag.lstrip(_LETTERS)), []).append(check)
        bad = {row: [f"{c.flag}=1" for c in row_checks if c.rule.severity == "error" and c.rule.key in SCORE_RULES]
               for row, row_checks in by_row.items()}
        for row in self.score_check_rows:
            conditions = bad.get(row)
            out[self.helper_cell("bad", row)] = f"=IF(OR({','.join(conditions)}),1,0)" if conditions else "=0"
        column = self.helper_columns["bad"]
        first, last = self.score_check_rows[0], self.score_check_rows[-1]
        out[self.total_marked] = f"=IF(SUM({column}{first}:{column}{last})>0,1,0)"
        for row in self.check_rows:
            mark = self.total_marked if row == self.total_row else None
            out[self.helper_cell("words", row)] = self._fitting_words(row, by_row.get(row, []), mark)
        out.update(self._amounts(checks))
        return out

    def score_round(self, policy: Policy) -> str:
        """ROUNDDOWN under ``rounding = "down"`` (as :func:`xltools.core.scoring.round_score`), else ROUND."""
        return "ROUNDDOWN" if policy.rounding == "down" else "ROUND"

    def base_formulas(self, policy: Policy) -> dict[str, str]:
        """1.2's, with the budget score rounded as the policy says and a grade only on the form's scale:
        「未评分」 when no 分值 is given, 「未评级」 when the 分值 do not add up to the full score or the
        total is above it (as :func:`xltools.core.scoring.grade_label`); the total itself is 1.2's."""
        out = super().base_formulas(policy)
        s = self.spot
        score = s("budget_score").cell
        if policy.rounding == "down":
            old = out[score]
            out[score] = old.replace("MIN(ROUND(MAX(0,MIN(", "MIN(ROUNDDOWN(MAX(0,MIN(", 1)
            assert out[score] != old, "the budget score formula changed shape"
        total, weights, grade = s("total_score").cell, s("weight_sum").cell, s("grade").cell
        graded = out[grade][len(f"=IF(ISNUMBER({total}),"):-len(',"")')]
        assert out[grade] == f'=IF(ISNUMBER({total}),{graded},"")', "the grade formula changed shape"
        full = f"{policy.total_weight:g}"
        out[grade] = (f'=IF(ISNUMBER({total}),IF(LEN({weights}&"")=0,"{UNSCORED}",'
                      f'IF(OR(NOT(ISNUMBER({weights})),ABS(N({weights})-{full})>0.000001,{total}>{full}+0.000000001),'
                      f'"{UNGRADED}",{graded})),"")')
        return out

    def amount_cell(self, key: str, part: str) -> str:
        """The amount of fund row ``key``'s ``part`` as ``xltools check`` reads it (on 检查明细)."""
        return f"{self.amount_helpers[part][2]}{self.fund_row(key)}"

    def _amounts(self, checks: list[Check]) -> dict[str, str]:
        """The amounts read in three stages, and the breakdown checks on them (other checks keep theirs)."""
        out: dict[str, str] = {}
        for key in FUND_ROWS:
            row = self.fund_row(key)
            for part, (text, digits, value) in self.amount_helpers.items():
                cell = self.spot(f"funds.{key}.{part}").cell
                out[f"{text}{row}"] = f"={amount_text(cell)}"
                out[f"{digits}{row}"] = f"={amount_digits(f'{text}{row}')}"
                out[f"{value}{row}"] = f"={amount_value(cell, f'{digits}{row}')}"
        first, last = self.fund_row("fiscal"), self.fund_row("other")
        for check in checks:
            if check.rule.key == "breakdown-mismatch":
                part = check.field.rsplit(".", 1)[1]
                column = self.amount_helpers[part][2]
                total, parts = self.amount_cell("total", part), f"{column}{first}:{column}{last}"
                out[check.flag] = (f"=IF(AND(ISNUMBER({total}),COUNT({parts})>0,"
                                   f"ABS(SUM({parts})-N({total}))>0.00005),1,0)")
        return out

    def _fitting_words(self, row: int, row_checks: list[Check], mark: str | None) -> str:
        """The row's messages in order while they fit its 检查 cell, then 「另有 N 项见标红处」 for the rest.

        A message is shown when every flagged message up to it (its longest possible text and a separator)
        fits the cell's capacity less the room kept for the tail; ``mark`` (a 0/1 cell) puts the 总分 note first.
        """
        room = self.capacity(row) - len(_REST.format(n="99"))
        if mark:
            room = f"{room}-{mark}*{len(self.total_mark_text) + 1}"  # type: ignore[assignment]
        shown, hidden = [], []
        counts = {"error": 0, "warning": 0}
        lengths: dict[str, list[int]] = {"error": [], "warning": []}
        for check in row_checks:
            severity = check.rule.severity
            counts[severity] += 1
            lengths[severity].append(_longest(check.words) + 1)
            used = "+".join(
                f"SUMPRODUCT({self.flag_cell(sev, row, 0)}:{self.flag_cell(sev, row, counts[sev] - 1)},"
                f"{{{','.join(map(str, lengths[sev]))}}})" for sev in ("error", "warning") if counts[sev])
            fits = f"({used})<=({room})"
            shown.append(f'IF(AND({check.flag}=1,{fits}),{check.words}&"；","")')
            hidden.append(f"AND({check.flag}=1,NOT({fits}))")
        parts = [f'IF({mark}=1,"{self.total_mark_text}；","")'] if mark else []
        parts += shown
        if hidden:
            count = "+".join(f"N({h})" for h in hidden)
            head, tail = _REST.split("{n}")
            parts.append(f'IF(({count})>0,"{head}"&({count})&"{tail}；","")')
        return "=" + ("&".join(parts) if parts else '""')
