"""The one layout map: where every field of the form lives in the workbook.

One class per released template version (this module: version 1.0), registered in
:mod:`xltools.form.registry`. The template builder, the workbook reader and writer, the
xlwings add-in and the tamper check all ask a layout; no other module types a cell address.
A released layout never changes: a new form design is a subclass with a new ``version``.

The sheet 自评表 mirrors the paper form in columns A–I::

    1   附件1
    2   朝阳区项目支出绩效自评表                       (A2:I2)
    3   （ 2020 年度）                                 (A3:I3, the year)
    4   项目名称 | input B4:I4
    5   主管部门 | C5:E5 | 实施单位 | G5:I5
    6   项目负责人 | C6:E6 | 联系电话 | G6:I6
    7   项目资金（万元） | 年初预算数 全年预算数 全年执行数 分值 执行率 得分   (D–I)
    8     年度资金总额         D8 E8 F8 | G8 weight | H8 rate = | I8 score =
    9–11  其中 rows            D E F    | —         |           | —
    12  年度总体目标 | 预期目标 (B12:E12) | 实际完成情况 (F12:I12)
    13               | input B13:E13      | input F13:I13
    14  绩效指标 | 一级 二级 三级 年度指标值 实际完成值 分值 得分 偏差原因…      (B–I)
    15… indicator rows (``rows`` of them, default 15)
    T   总分 | G weight sum = | H total = | I grade =
    T+1 填表人 B:C | 联系电话 E:F | 填写日期 H:I

Column J (outside the print area) holds the add-in's results: 复核得分 per
indicator row and 复核总分. The sheet 校验结果 lists findings; the hidden
sheet 模板信息 carries the template's metadata.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Literal

from xltools.core.model import FUND_ROWS, Form, form_from_cells, titles
from xltools.core.policy import Policy
from xltools.form.defaults import DEFAULT_NAME, DEFAULT_PASSWORD, DEFAULT_ROWS, DEFAULT_YEAR

__all__ = [
    "SHEET", "RESULT_SHEET", "META_SHEET", "TEMPLATE_ID", "DEFAULT_ROWS", "META_KEYS", "DEFAULT_YEAR",
    "DEFAULT_PASSWORD", "DEFAULT_NAME",
    "CHECK_BUTTON_CAPTION", "CHECK_MACRO", "COMBINE_MACRO",
    "Kind", "InputType", "Spot", "Label", "Layout",
]

SHEET = "自评表"
RESULT_SHEET = "校验结果"
META_SHEET = "模板信息"
TEMPLATE_ID = "chaoyang-xmzc-jxzpb"
#: Keys of the hidden metadata sheet (column A; values in column B). Every version keeps this sheet's
#: shape, so a workbook's version can be read before its layout is known.
META_KEYS: tuple[str, ...] = ("template_id", "version", "year", "rows", "policy", "built_with")

#: The caption of the 检查评分 button of the macro-enabled template, and the VBA macros behind the buttons.
CHECK_BUTTON_CAPTION = "检查评分"
CHECK_MACRO = "CheckScores"
COMBINE_MACRO = "CombineFolder"

Kind = Literal["input", "formula", "meta", "result"]
InputType = Literal["text", "longtext", "amount", "weight", "score", "date", "phone",
                    "level1", "level2", "year", "none"]

_INDICATOR_PARTS = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation")
_INDICATOR_TYPES: dict[str, InputType] = {
    "level1": "level1", "level2": "level2", "name": "longtext", "target": "longtext", "actual": "longtext",
    "weight": "weight", "score": "score", "deviation": "longtext",
}
_INDICATOR_NAMES = {
    "level1": "Ind_Level1", "level2": "Ind_Level2", "name": "Ind_Name", "target": "Ind_Target",
    "actual": "Ind_Actual", "weight": "Ind_Weight", "score": "Ind_Score", "deviation": "Ind_Deviation",
}


@dataclass(frozen=True)
class Spot:
    """One field's home: model path, defined name, anchor cell and merged range."""

    path: str
    name: str
    cell: str
    kind: Kind
    input_type: InputType = "none"
    merge: str | None = None
    required: bool = False

    @property
    def row(self) -> int:
        return int(re.sub(r"[A-Z]+", "", self.cell))


@dataclass(frozen=True)
class Label:
    """A fixed text of the printed form (checked by the tamper check)."""

    cell: str
    text: str
    merge: str | None = None
    style: Literal["title", "subtitle", "header", "label", "plain", "dash", "note"] = "label"


@dataclass(frozen=True)
class Layout:
    """Template version 1.0: the workbook layout for a template with ``rows`` indicator rows.

    A later version subclasses this class and sets ``version`` (and whatever moved); the class
    attributes below are what a version may change.
    """

    rows: int = DEFAULT_ROWS

    template_id: ClassVar[str] = TEMPLATE_ID
    version: ClassVar[str] = "1.0"
    #: Columns of the form: the printed form ends at ``last_column``; ``result_column`` (outside the
    #: print area) holds the add-in's results.
    last_column: ClassVar[str] = "I"
    result_column: ClassVar[str] = "J"
    indicator_columns: ClassVar[dict[str, str]] = {
        "level1": "B", "level2": "C", "name": "D", "target": "E", "actual": "F", "weight": "G", "score": "H",
        "deviation": "I",
    }
    fund_columns: ClassVar[dict[str, str]] = {"initial_budget": "D", "annual_budget": "E", "executed": "F"}
    fund_first_row: ClassVar[int] = 8
    first_row: ClassVar[int] = 15
    #: Where the 检查评分 button of the macro-enabled template sits.
    check_button_cell: ClassVar[str] = "J4"
    #: Column widths (character units) and the heights (points) of the fixed rows of the form sheet.
    column_widths: ClassVar[dict[str, float]] = {
        "A": 11.5, "B": 9, "C": 11, "D": 24, "E": 17, "F": 17, "G": 6.5, "H": 8.5, "I": 13, "J": 12}
    fixed_row_heights: ClassVar[dict[int, float]] = {
        1: 18, 2: 36, 3: 22, 4: 26, 5: 26, 6: 26, 7: 24, 12: 22, 13: 66, 14: 30}

    def __post_init__(self) -> None:
        if not 1 <= self.rows <= 200:
            raise ValueError(f"rows must be between 1 and 200, not {self.rows}")

    # --- rows ---------------------------------------------------------------
    @property
    def first_indicator_row(self) -> int:
        return self.first_row

    @property
    def last_indicator_row(self) -> int:
        return self.first_indicator_row + self.rows - 1

    @property
    def total_row(self) -> int:
        return self.last_indicator_row + 1

    @property
    def signoff_row(self) -> int:
        return self.total_row + 1

    @property
    def print_area(self) -> str:
        return f"A1:{self.last_column}{self.signoff_row}"

    @property
    def header_rows(self) -> tuple[int, int]:
        """Rows repeated at the top of every printed page (the indicator table's header)."""
        return (14, 14)

    def fund_row(self, key: str) -> int:
        return self.fund_first_row + list(FUND_ROWS).index(key)

    def indicator_cell(self, index: int, part: str) -> str:
        return f"{self.indicator_columns[part]}{self.first_indicator_row + index}"

    def result_cell(self, row: int) -> str:
        """The add-in's result column on ``row`` (复核得分 of an indicator row, 复核总分 of the total row)."""
        return f"{self.result_column}{row}"

    @property
    def block(self) -> str:
        """The form's whole block, results column included (what the add-in reads in one go)."""
        return f"A1:{self.result_column}{self.signoff_row}"

    def indicator_range(self, part: str) -> str:
        column = self.indicator_columns[part]
        return f"{column}{self.first_indicator_row}:{column}{self.last_indicator_row}"

    # --- spots ----------------------------------------------------------------
    @cached_property
    def spots(self) -> tuple[Spot, ...]:
        """Every single-cell field (indicator rows are in :attr:`indicator_spots`)."""
        s: list[Spot] = [
            Spot("year", "Year", "A3", "meta", "year", "A3:I3", True),
            Spot("project_name", "ProjectName", "B4", "input", "text", "B4:I4", True),
            Spot("department", "Department", "C5", "input", "text", "C5:E5", True),
            Spot("implementing_unit", "ImplementingUnit", "G5", "input", "text", "G5:I5", True),
            Spot("project_lead", "ProjectLead", "C6", "input", "text", "C6:E6", True),
            Spot("lead_phone", "LeadPhone", "G6", "input", "phone", "G6:I6", True),
        ]
        for key in FUND_ROWS:
            row = self.fund_row(key)
            for part, column in self.fund_columns.items():
                name = f"Funds_{key.capitalize()}_{''.join(w.capitalize() for w in part.split('_'))}"
                s.append(Spot(f"funds.{key}.{part}", name, f"{column}{row}", "input", "amount",
                              required=key == "total"))
        s += [
            Spot("budget_weight", "BudgetWeight", "G8", "input", "weight", required=True),
            Spot("execution_rate", "ExecRate", "H8", "formula"),
            Spot("budget_score", "BudgetScore", "I8", "formula"),
            Spot("goal_expected", "GoalExpected", "B13", "input", "longtext", "B13:E13", True),
            Spot("goal_actual", "GoalActual", "F13", "input", "longtext", "F13:I13", True),
            Spot("weight_sum", "WeightSum", f"G{self.total_row}", "formula"),
            Spot("total_score", "TotalScore", f"H{self.total_row}", "formula"),
            Spot("grade", "Grade", f"I{self.total_row}", "formula"),
            Spot("filled_by", "FilledBy", f"B{self.signoff_row}", "input", "text",
                 f"B{self.signoff_row}:C{self.signoff_row}", True),
            Spot("filler_phone", "FillerPhone", f"E{self.signoff_row}", "input", "phone",
                 f"E{self.signoff_row}:F{self.signoff_row}", True),
            Spot("filled_on", "FilledOn", f"H{self.signoff_row}", "input", "date",
                 f"H{self.signoff_row}:I{self.signoff_row}", True),
            Spot("review_total", "ReviewTotal", self.result_cell(self.total_row), "result"),
            Spot("check_status", "CheckStatus", self.result_cell(2), "result"),
        ]
        return tuple(s)

    @cached_property
    def indicator_spots(self) -> tuple[Spot, ...]:
        """Every indicator cell, row by row (``indicators[i].part``)."""
        out = []
        for i in range(self.rows):
            for part in _INDICATOR_PARTS:
                out.append(Spot(f"indicators[{i}].{part}", "", self.indicator_cell(i, part), "input",
                                _INDICATOR_TYPES[part]))
            out.append(Spot(f"indicators[{i}].review_score", "", self.result_cell(self.first_indicator_row + i),
                            "result"))
        return tuple(out)

    @cached_property
    def by_path(self) -> dict[str, Spot]:
        return {spot.path: spot for spot in (*self.spots, *self.indicator_spots)}

    def spot(self, path: str) -> Spot:
        return self.by_path[path]

    def all_spots(self) -> Iterator[Spot]:
        yield from self.spots
        yield from self.indicator_spots

    def input_spots(self) -> Iterator[Spot]:
        return (s for s in self.all_spots() if s.kind == "input")

    @property
    def range_names(self) -> dict[str, str]:
        """Defined names of whole indicator columns (``Ind_Score`` → ``H15:H29``)."""
        names = {name: self.indicator_range(part) for part, name in _INDICATOR_NAMES.items()}
        names["Ind_ReviewScore"] = (f"{self.result_cell(self.first_indicator_row)}:"
                                    f"{self.result_cell(self.last_indicator_row)}")
        return names

    @property
    def defined_names(self) -> dict[str, str]:
        """Every defined name → absolute reference on the form sheet."""
        refs = {spot.name: spot.cell for spot in self.spots}
        refs.update(self.range_names)
        return {name: f"'{SHEET}'!{_absolute(ref)}" for name, ref in refs.items()}

    # --- fixed texts ------------------------------------------------------------
    @cached_property
    def labels(self) -> tuple[Label, ...]:
        t, so, first, last = self.total_row, self.signoff_row, self.first_indicator_row, self.last_indicator_row
        out = [
            Label("A1", "附件1", style="plain"),
            Label("A2", "朝阳区项目支出绩效自评表", "A2:I2", "title"),
            Label("A4", "项目名称"),
            Label("A5", "主管部门", "A5:B5"),
            Label("F5", "实施单位"),
            Label("A6", "项目负责人", "A6:B6"),
            Label("F6", "联系电话"),
            Label("A7", "项目资金\n（万元）", "A7:A11"),
            Label("B7", "", "B7:C7", "header"),
            Label("D7", "年初预算数", style="header"),
            Label("E7", "全年预算数", style="header"),
            Label("F7", "全年执行数", style="header"),
            Label("G7", "分值", style="header"),
            Label("H7", "执行率", style="header"),
            Label("I7", "得分", style="header"),
        ]
        for key, text in FUND_ROWS.items():
            row = self.fund_row(key)
            shown = text if key in ("total", "fiscal") else f"      {text}"
            out.append(Label(f"B{row}", shown, f"B{row}:C{row}", "label"))
            if key != "total":
                out += [Label(f"G{row}", "—", style="dash"), Label(f"H{row}", "", style="dash"),
                        Label(f"I{row}", "—", style="dash")]
        out += [
            Label("A12", "年度总体目标", "A12:A13"),
            Label("B12", "预期目标", "B12:E12", "header"),
            Label("F12", "实际完成情况", "F12:I12", "header"),
            Label("A14", "绩\n效\n指\n标", f"A14:A{last}"),
            Label("B14", "一级指标", style="header"),
            Label("C14", "二级指标", style="header"),
            Label("D14", "三级指标", style="header"),
            Label("E14", "年度\n指标值", style="header"),
            Label("F14", "实际\n完成值", style="header"),
            Label("G14", "分值", style="header"),
            Label("H14", "得分", style="header"),
            Label("I14", "偏差原因分析及改进措施", style="header"),
            Label(f"A{t}", "总分", f"A{t}:F{t}", "header"),
            Label(f"A{so}", "填表人：", style="plain"),
            Label(f"D{so}", "联系电话：", style="plain"),
            Label(f"G{so}", "填写日期：", style="plain"),
            Label(self.result_cell(first - 1), "复核得分", style="note"),
            Label(self.result_cell(1), "检查结果", style="note"),
        ]
        return tuple(out)

    # --- formulas -----------------------------------------------------------------
    def formulas(self, policy: Policy) -> dict[str, str]:
        """Native formulas by cell (Excel 2010+, WPS and LibreOffice all have these functions).

        They mirror :func:`xltools.core.scoring.sheet_rate`, ``budget_score``,
        ``sheet_total`` and ``grade``; an empty result shows as ``""``. The policy's
        options the formulas can express add their parts only when switched on
        (with the default policy the formulas are those of template 1.0): the
        rate's denominator (``rate_denominator``), the rate rounded before scoring
        (``rate_decimals``) and the total capped by the rate (``total_caps``).
        """
        s = self.spot
        annual, initial = s("funds.total.annual_budget").cell, s("funds.total.initial_budget").cell
        budget = {"annual": annual, "initial": initial,
                  "adjusted": f"IF(ISNUMBER({annual}),{annual},{initial})"}[policy.rate_denominator]
        executed = s("funds.total.executed").cell
        weight, rate, score = s("budget_weight").cell, s("execution_rate").cell, s("budget_score").cell
        total, weights, scores = s("total_score").cell, self.indicator_range("weight"), self.indicator_range("score")
        d = policy.decimals
        grade = f'"{policy.lowest_grade}"'
        for name, floor in sorted(policy.grade_thresholds.items(), key=lambda item: item[1]):
            grade = f'IF({total}>={_num(floor)},"{name}",{grade})'
        # A blank or text 分值 counts as the policy's default weight, as in the core.
        w = f"IF(ISNUMBER({weight}),{weight},{_num(policy.default_budget_weight)})"
        scored = rate if policy.rate_decimals == "off" else f"ROUND({rate},{int(policy.rate_decimals) + 2})"
        summed = f"ROUND(N({score})+SUM({scores}),{d})"
        if policy.total_caps:
            cap = _num(policy.total_caps[-1].max_total)
            for band in reversed(policy.total_caps[:-1]):
                cap = f"IF({scored}<{_num(band.below)},{_num(band.max_total)},{cap})"
            last = _num(policy.total_caps[-1].below)
            summed = f"IF(ISNUMBER({rate}),IF({scored}<{last},MIN({summed},{cap}),{summed}),{summed})"
        return {
            rate: f'=IF(AND(ISNUMBER({budget}),ISNUMBER({executed})),IF({budget}>0,{executed}/{budget},""),"")',
            score: f'=IF(ISNUMBER({rate}),MIN(ROUND(MAX(0,MIN({scored},1))*{w},{d}),{w}),"")',
            s("weight_sum").cell: f'=IF(COUNT({weight},{weights})=0,"",SUM({weight},{weights}))',
            total: f'=IF(COUNT({score},{scores})=0,"",{summed})',
            s("grade").cell: f'=IF(ISNUMBER({total}),{grade},"")',
        }

    def marked_formulas(self, form: Form) -> frozenset[str]:
        """Formula fields (``budget_score``, ``total_score``) that show a text marker, not a number, for
        ``form``; none in 1.0 (a text input makes them blank or leaves it out of the SUM)."""
        return frozenset()

    def marked_values(self, form: Form, policy: Policy) -> dict[str, object]:
        """The values the verdict judges :meth:`marked_formulas` fields by (none in 1.0)."""
        return {}

    def extra_fingerprint(self) -> dict[str, object]:  # what a later version reads beyond labels, spots, formulas
        return {}
    # --- metadata sheet ---------------------------------------------------------------
    META_KEYS: ClassVar[tuple[str, ...]] = META_KEYS

    @staticmethod
    def meta_key_cell(key: str) -> str:
        """Cell of a metadata key's name on the hidden sheet (keys in column A)."""
        return f"A{META_KEYS.index(key) + 1}"

    @staticmethod
    def meta_cell(key: str) -> str:
        """Value cell of a metadata key on the hidden sheet (keys in column A, values in B)."""
        return f"B{META_KEYS.index(key) + 1}"

    @staticmethod
    def meta_range() -> str:
        """Every value cell of the metadata sheet (what the add-in reads in one go)."""
        return f"{Layout.meta_cell(META_KEYS[0])}:{Layout.meta_cell(META_KEYS[-1])}"

    # --- result sheet -------------------------------------------------------------
    RESULT_SUMMARY: tuple[tuple[str, str], ...] = (
        ("execution_rate", "执行率"), ("budget_score", "预算执行得分"), ("review_total", "复核总分"),
        ("grade", "等级"), ("errors", "错误"), ("warnings", "警告"),
    )
    RESULT_COLUMNS: tuple[str, ...] = ("序号", "单元格", "级别", "代码", "说明")
    RESULT_TITLE_CELL: ClassVar[str] = "A1"
    RESULT_SUMMARY_FIRST_ROW: ClassVar[int] = 3
    RESULT_TABLE_HEADER_ROW: ClassVar[int] = 10
    #: Columns of the 校验结果 sheet: summary labels, summary values, first and last column of the table.
    RESULT_LABEL_COLUMN: ClassVar[str] = "A"
    RESULT_VALUE_COLUMN: ClassVar[str] = "B"
    RESULT_TABLE_COLUMNS: ClassVar[tuple[str, str]] = ("A", "E")

    @staticmethod
    def result_summary_cell(key: str) -> str:
        keys = [k for k, _ in Layout.RESULT_SUMMARY]
        return f"{Layout.RESULT_VALUE_COLUMN}{Layout.RESULT_SUMMARY_FIRST_ROW + keys.index(key)}"

    # --- mapping between the model and cells ------------------------------------------
    def cell_of(self, path: str) -> str | None:
        """``自评表!H21`` for a finding's field path, or ``None`` when it has no cell."""
        if path == "indicators":
            return f"{SHEET}!{self.spot('weight_sum').cell}"
        spot = self.by_path.get(path)
        return f"{SHEET}!{spot.cell}" if spot else None

    def cells_from_form(self, form: Form) -> dict[str, object]:
        """The input (and year) cells a form fills: cell → value. Raises if it has too many indicators."""
        rows = [ind for ind in form.indicators if not ind.is_empty()]
        if len(rows) > self.rows:
            raise ValueError(f"表单有 {len(rows)} 条绩效指标，模板只有 {self.rows} 行")
        values: dict[str, object] = {}
        for spot in self.spots:
            if spot.kind in ("input", "meta"):
                values[spot.cell] = _get_path(form, spot.path)
        for i, ind in enumerate(rows):
            for part in _INDICATOR_PARTS:
                values[self.indicator_cell(i, part)] = getattr(ind, part)
        return values

    @cached_property
    def _read_plan(self) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...],
                                  tuple[tuple[tuple[str, str], ...], ...]]:
        """What :meth:`form_from_cells` reads: fund (key, part, cell), form (field, cell), indicator rows."""
        fund_cells, form_cells = [], []
        for spot in self.spots:
            if spot.path.startswith("funds."):
                _, key, part = spot.path.split(".")
                fund_cells.append((key, part, spot.cell))
            elif spot.path in titles(Form):
                form_cells.append((spot.path, spot.cell))
        return tuple(fund_cells), tuple(form_cells), tuple(
            tuple((part, self.indicator_cell(i, part)) for part in _INDICATOR_PARTS) for i in range(self.rows))

    @cached_property
    def _read_cells(self) -> tuple[str, ...]:
        """Every cell :meth:`form_from_cells` reads, in :attr:`_read_plan`'s order (form, funds, indicator rows)."""
        funds, form, rows = self._read_plan
        return (*(c for _, c in form), *(c for *_, c in funds), *(c for row in rows for _, c in row))

    def form_from_cells(self, get: Callable[[str], object]) -> Form:
        """Build a form from a cell getter (``get("D8")`` → that cell's value on 自评表): formula cells (budget score,
        total) as their cached values; never raises on what people typed; trailing empty indicator rows dropped."""
        fund_cells, form_cells, _ = self._read_plan
        # every cell in one C-level pass; trailing rows of None left out before cleaning (a form fills ~half the rows)
        raw, width, at = list(map(get, self._read_cells)), len(_INDICATOR_PARTS), len(form_cells)
        end = len(raw)
        while end > at + len(fund_cells) and raw[end - width:end].count(None) == width:
            end -= width
        values = [v if v is None or (t := type(v)) is float or t is int or t is str and v.strip() else _clean(v)
                  for v in (raw if end == len(raw) else raw[:end])]  # _clean only for what it would change
        data = dict(zip((path for path, _ in form_cells), values))
        funds: dict[str, dict[str, object]] = {key: {} for key in FUND_ROWS}
        for (key, part, _), value in zip(fund_cells, values[at:]):
            funds[key][part] = value
        at += len(fund_cells)
        rows = [values[i:i + width] for i in range(at, len(values), width)]
        while rows and rows[-1].count(None) == len(rows[-1]):
            rows.pop()
        # a row of blanks (None after _clean) is is_empty(); a row goes as its values in Indicator's field order
        return form_from_cells(data, {key: (None if list(row.values()).count(None) == len(row) else row)
                                      for key, row in funds.items()}, rows)

def _num(value: float) -> str:
    return f"{value:g}"


def _absolute(ref: str) -> str:
    def one(cell: str) -> str:
        col, row = re.match(r"([A-Z]+)(\d+)", cell).groups()  # type: ignore[union-attr]
        return f"${col}${row}"
    return ":".join(one(part) for part in ref.split(":"))


def _get_path(form: Form, path: str) -> object:
    node: object = form
    for part in path.split("."):
        if node is None:
            return None
        node = getattr(node, part)
    return node


def _clean(value: object) -> object:
    """Normalise a cell value for the model: blanks become ``None``, datetimes dates, bools text."""
    if type(value) is float or type(value) is int:
        return value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, (int, float, dt.date)) or value is None:
        return value
    return str(value)
