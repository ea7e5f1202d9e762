"""The in-sheet checks of template 1.1 as formula texts, derived from the layout and the policy.

Pure: no workbook is touched here (the template builder writes what :func:`check_formulas` and
:func:`conditional_formats` return). Every in-sheet check is one hidden 0/1 flag cell whose
formula mirrors a rule of :mod:`xltools.core.rules`; :data:`SHEET_RULES` is the ONE table from an
in-sheet rule to the Python rule codes it stands for (update it when the rule catalogue changes).
Functions used: only those Excel 2010, WPS and LibreOffice all have (a test checks an allow-list).

What a formula cannot decide honestly (phone formats, dates typed as text, future dates, copied
texts, qualitative bands, targets such as “不低于95%” or “两次”) is left to the full check
(``xltools check`` / the 检查评分 button); the 填报说明 sheet says so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from xltools.core.findings import Severity
from xltools.core.model import FUND_ROWS, FundRow, Indicator, titles
from xltools.core.policy import Policy
from xltools.core.rules import field_label
from xltools.form.layout import SHEET, Spot
from xltools.form.sheetquantity import (
    any_direction,
    any_rest,
    direction,
    number,
    rest,
    squeezed,
    unit,
    unit_meaning,
    wide_squeezed,
)

__all__ = ["CheckedLayout", "SheetRule", "SHEET_RULES", "RULE_BY_KEY", "Check", "checks", "status_formulas",
           "check_formulas", "split_formulas", "qualified", "conditional_formats", "text_in", "blank", "filled",
           "FULL_CHECK_ONLY", "STATUS_BLANK", "STATUS_OK"]


class CheckedLayout(Protocol):
    """What the checks read of a layout that checks itself (template 1.1,
    :class:`xltools.form.layout_v1_1.LayoutV1_1`, which calls this module: named here by what it offers,
    not imported, so the two modules do not import each other)."""

    rows: int
    @property
    def first_indicator_row(self) -> int: ...
    @property
    def last_indicator_row(self) -> int: ...
    @property
    def result_column(self) -> str: ...
    @property
    def fund_columns(self) -> dict[str, str]: ...
    @property
    def check_sheet(self) -> str: ...
    @property
    def check_sheet_columns(self) -> frozenset[str]: ...
    @property
    def check_rows(self) -> tuple[int, ...]: ...
    @property
    def count_cells(self) -> dict[str, str]: ...
    @property
    def helper_columns(self) -> dict[str, str]: ...
    def all_spots(self) -> Iterator[Spot]: ...
    def spot(self, path: str) -> Spot: ...
    def fund_row(self, key: str) -> int: ...
    def indicator_cell(self, index: int, part: str) -> str: ...
    def indicator_range(self, part: str) -> str: ...
    def check_cell(self, row: int) -> str: ...
    def helper_cell(self, name: str, row: int) -> str: ...
    def flag_cell(self, severity: str, row: int, index: int) -> str: ...
    def flag_range(self, severity: str) -> str: ...
    def extra_check_formulas(self, policy: Policy, checks: list[Check], words: dict[int, str]) -> dict[str, str]: ...
    def score_round(self, policy: Policy) -> str: ...
    all_operators: bool


@dataclass(frozen=True)
class SheetRule:
    """One in-sheet rule: the Python rule codes it stands for, its level in the sheet and what it covers."""

    key: str
    codes: tuple[str, ...]
    severity: Severity
    covers: str


#: In-sheet rule → Python rule codes (``xltools rules``). The one table to update when codes change.
SHEET_RULES: tuple[SheetRule, ...] = (
    SheetRule("required", ("required-missing",), "error", "必填项为空（表头、年度资金总额、目标、每条已用指标行、签署栏）"),
    SheetRule("not-number", ("number-invalid", "number-as-text"), "error",
              "金额、分值、得分填成了文字（如“6.6296万”“７．２”）：表内无法计算，表内和完整检查都按错误提示"),
    SheetRule("amount-negative", ("amount-negative",), "error", "金额为负数"),
    SheetRule("executed-over-budget", ("executed-over-budget",), "error", "全年执行数大于全年预算数"),
    SheetRule("breakdown-mismatch", ("breakdown-mismatch",), "error", "“其中”三行之和不等于年度资金总额"),
    SheetRule("budget-not-positive", ("budget-not-positive",), "error", "全年预算数为 0"),
    SheetRule("budget-weight-invalid", ("budget-weight-invalid",), "error", "预算执行分值不在 0 到合计分之间"),
    SheetRule("low-execution-unexplained", ("low-execution-unexplained",), "error",
              "执行率低于规定值，而所有指标都没有填写偏差原因"),
    SheetRule("date-before-year-end", ("date-before-year-end",), "warning", "填写日期早于年度结束"),
    SheetRule("indicators-missing", ("indicators-missing",), "error", "一条绩效指标也没有"),
    SheetRule("level1-invalid", ("level1-invalid",), "error", "一级指标不是产出、效益、满意度指标之一"),
    SheetRule("level1-absent", ("level1-absent",), "error", "缺少某一类一级指标"),
    SheetRule("name-is-sentence", ("name-is-sentence",), "warning", "三级指标名称过长或带标点，像一句话"),
    SheetRule("weight-not-positive", ("weight-not-positive",), "error", "指标分值不大于 0"),
    SheetRule("weights-sum", ("weights-sum",), "error", "预算执行分值与各指标分值合计不等于合计分"),
    SheetRule("weight-split", ("weight-split",), "warning", "分值结构与标准结构不同"),
    SheetRule("score-out-of-range", ("score-out-of-range",), "error", "得分超过分值或小于 0"),
    SheetRule("score-mismatch", ("score-mismatch",), "error",
              "定量指标（指标值和完成值是带 ≥、≤、= 和相同单位的数字）的自评得分与按规则计算的得分不符"),
    SheetRule("deviation-missing", ("deviation-missing",), "error", "得分低于分值而未填写偏差原因"),
    SheetRule("satisfaction-not-quantified", ("satisfaction-not-quantified",), "warning", "满意度指标值不是百分比"),
)
RULE_BY_KEY: dict[str, SheetRule] = {rule.key: rule for rule in SHEET_RULES}

#: Rules only the full check (``xltools check`` / 检查评分) decides, with the reason, for the 填报说明 sheet.
FULL_CHECK_ONLY: tuple[tuple[str, str], ...] = (
    ("phone-invalid", "电话号码格式"),
    ("date-invalid、date-in-future", "以文字填写的日期、晚于今天的日期"),
    ("amount-precision", "金额超过 4 位小数（已由数据验证拦截输入）"),
    ("level2-invalid", "二级指标与一级指标是否对应"),
    ("qualitative-band", "定性指标得分与“达成/部分达成/未达成”是否相符"),
    ("actual-copied、goal-copied", "实际完成值或完成情况照抄指标值、预期目标"),
    ("unit-mismatch", "指标值与完成值单位不一致"),
    ("deviation-missing、low-execution-unexplained（部分）", "偏差原因只填了“无”“—”“暂无”等占位符（表内只认空白为未填写）"),
    ("score-mismatch（部分）", "“不低于95%”“两次”“1,000人”等写法的定量指标，以及本表单位表以外的单位"),
    ("tamper-*", "模板是否被改动（公式、固定文字、保护）"),
)

#: What ``Chk_Status`` says on a form nobody has started, and on a form without problems.
STATUS_BLANK = "尚未填写"
STATUS_OK = "未发现问题"



@dataclass(frozen=True)
class Check:
    """One in-sheet check: its rule, the field and cell it is about, its flag cell and its condition."""

    rule: SheetRule
    field: str
    target: str
    flag: str
    condition: str
    words: str

    @property
    def code(self) -> str:
        return self.rule.codes[0]


# --- formula pieces -----------------------------------------------------------------------------

def _trimmed(ref: str) -> str:
    return f'TRIM(CLEAN(SUBSTITUTE({ref},"　"," ")))'


def blank(ref: str) -> str:
    """True when ``ref`` holds nothing but blanks (as the core's ``normalize_text`` sees it)."""
    return f"LEN({_trimmed(ref)})=0"


def filled(ref: str) -> str:
    return f"LEN({_trimmed(ref)})>0"


def text_in(*refs: str) -> str:
    """True when any of the cells or ranges holds something that is not blank and not a number."""
    parts = [f"SUMPRODUCT((LEN({_trimmed(ref)})>0)*(1-ISNUMBER({ref})))>0" for ref in refs]
    return parts[0] if len(parts) == 1 else f"OR({','.join(parts)})"


def _n(value: float) -> str:
    """A number as a formula literal without exponent (LibreOffice rewrites ``1E-9`` as ``0.000000001``)."""
    text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# --- the checks ----------------------------------------------------------------------------------

class _Builder:
    def __init__(self, layout: CheckedLayout) -> None:
        self.layout = layout
        self.used: dict[tuple[int, str], int] = defaultdict(int)
        self.out: list[Check] = []

    def add(self, key: str, field: str, target: str, condition: str, words: str) -> Check:
        rule = RULE_BY_KEY[key]
        row = int("".join(ch for ch in target if ch.isdigit()))
        index = self.used[(row, rule.severity)]
        self.used[(row, rule.severity)] += 1
        check = Check(rule, field, target, self.layout.flag_cell(rule.severity, row, index), condition, words)
        self.out.append(check)
        return check


def _short(path: str) -> str:
    """``年度总体目标·预期目标`` → ``预期目标``, ``联系电话（填表人）`` → ``联系电话``."""
    return field_label(path).split("·")[-1].split("（")[0]


def checks(layout: CheckedLayout, policy: Policy) -> list[Check]:
    """Every in-sheet check of ``layout`` in row order."""
    b = _Builder(layout)
    s = layout.spot
    for path in ("project_name", "department", "implementing_unit", "project_lead", "lead_phone"):
        b.add("required", path, s(path).cell, blank(s(path).cell), _q(f"请填写{_short(path)}"))
    _funds(b, layout, policy)
    for path in ("goal_expected", "goal_actual"):
        b.add("required", path, s(path).cell, blank(s(path).cell), _q(f"请填写{_short(path)}"))
    for i in range(layout.rows):
        _indicator_row(b, layout, policy, i)
    _structure(b, layout, policy)
    for path in ("filled_by", "filler_phone", "filled_on"):
        b.add("required", path, s(path).cell, blank(s(path).cell), _q(f"请填写{_short(path)}"))
    date, year = s("filled_on").cell, s("year").cell
    b.add("date-before-year-end", "filled_on", date,
          f"AND(ISNUMBER({date}),ISNUMBER({year}),N({date})<DATE(N({year}),12,31))", _q("填写日期早于年度结束"))
    return b.out


def _funds(b: _Builder, layout: CheckedLayout, policy: Policy) -> None:
    s = layout.spot
    for key in FUND_ROWS:
        cells = {part: s(f"funds.{key}.{part}").cell for part in titles(FundRow)}
        for part, cell in cells.items():
            path, title = f"funds.{key}.{part}", titles(FundRow)[part]
            if key == "total":
                b.add("required", path, cell, blank(cell), _q(f"请填写{title}"))
            b.add("not-number", path, cell, text_in(cell), _q(f"{title}应为数字"))
            b.add("amount-negative", path, cell, f"AND(ISNUMBER({cell}),N({cell})<0)", _q(f"{title}不能为负"))
        budget, executed = cells["annual_budget"], cells["executed"]
        b.add("executed-over-budget", f"funds.{key}.executed", executed,
              f"AND(ISNUMBER({budget}),ISNUMBER({executed}),N({budget})>=0,N({executed})>N({budget})+0.000000001)",
              _q("执行数超过预算数"))
    first, last = layout.fund_row("fiscal"), layout.fund_row("other")
    for part, column in layout.fund_columns.items():
        total = s(f"funds.total.{part}").cell
        parts = f"{column}{first}:{column}{last}"
        b.add("breakdown-mismatch", f"funds.total.{part}", total,
              f"AND(ISNUMBER({total}),COUNT({parts})>0,ABS(SUM({parts})-N({total}))>0.00005)",
              _q(f"{titles(FundRow)[part]}与其中各项之和不符"))
    budget = s("funds.total.annual_budget").cell
    b.add("budget-not-positive", "funds.total.annual_budget", budget, f"AND(ISNUMBER({budget}),N({budget})=0)",
          _q("全年预算数为 0"))
    weight, rate = s("budget_weight").cell, s("execution_rate").cell
    b.add("not-number", "budget_weight", weight, text_in(weight), _q("分值应为数字"))
    b.add("budget-weight-invalid", "budget_weight", weight,
          f"AND(ISNUMBER({weight}),OR(N({weight})<=0,N({weight})>{_n(policy.total_weight)}))",
          _q(f"分值应在 0 到 {_n(policy.total_weight)} 之间"))
    deviations = layout.indicator_range("deviation")
    b.add("low-execution-unexplained", "funds.total.executed", s("funds.total.executed").cell,
          f"AND(ISNUMBER({rate}),N({rate})<{_n(policy.low_execution_rate)},"
          f"SUMPRODUCT(--(LEN({_trimmed(deviations)})>0))=0)",
          _q(f"执行率低于 {policy.low_execution_rate:.0%}，请在偏差原因中说明"))


def _indicator_row(b: _Builder, layout: CheckedLayout, policy: Policy, i: int) -> None:
    row = layout.first_indicator_row + i
    c = {part: layout.indicator_cell(i, part) for part in titles(Indicator)}
    h = {name: layout.helper_cell(name, row) for name in layout.helper_columns}
    p = f"indicators[{i}]"
    used = f"{h['used']}=1"
    for part in ("level1", "level2", "name", "target", "actual", "weight", "score"):
        b.add("required", f"{p}.{part}", c[part], f"AND({used},{blank(c[part])})",
              _q(f"请填写{titles(Indicator)[part]}"))
    levels = "{" + ",".join(_q(name) for name in policy.levels) + "}"
    level1 = c["level1"]
    b.add("level1-invalid", f"{p}.level1", level1,
          f'AND({filled(level1)},ISNA(MATCH(SUBSTITUTE(TRIM({level1})," ",""),{levels},0)))',
          _q("一级指标应从下拉列表选择"))
    name = c["name"]
    marks = ",".join(f'ISNUMBER(FIND({_q(ch)},{name}))' for ch in "，。；！？,;!?")
    b.add("name-is-sentence", f"{p}.name", name,
          f"AND({filled(name)},OR(LEN(TRIM({name}))>{policy.name_max_length},{marks}))", _q("三级指标宜简短"))
    weight, score = c["weight"], c["score"]
    b.add("not-number", f"{p}.weight", weight, text_in(weight), _q("分值应为数字"))
    b.add("weight-not-positive", f"{p}.weight", weight, f"AND(ISNUMBER({weight}),N({weight})<=0)",
          _q("分值应大于 0"))
    b.add("not-number", f"{p}.score", score, text_in(score), _q("得分应为数字"))
    wt, calc, tol = h["wt"], h["calc"], _n(policy.tolerance)
    b.add("score-out-of-range", f"{p}.score", score,
          f"AND(ISNUMBER({score}),ISNUMBER({weight}),OR(N({score})<-0.000000001,N({score})>N({wt})+0.000000001))",
          f'IF(N({score})<0,"得分不能为负","得分超过分值")')
    b.add("score-mismatch", f"{p}.score", score,
          f"AND({h['quant']}=1,ISNUMBER({score}),ABS(N({score})-N({calc}))>{tol},N({score})>=0,"
          f"N({score})<=N({wt})+0.000000001)", f'"按指标值计算得分应为 "&N({calc})')
    own = f"MIN(ROUND(MIN(MAX(N({score}),0),N({wt})),{policy.decimals}),N({wt}))"
    reviewed = f"IF({h['quant']}=1,N({calc}),{own})"
    b.add("deviation-missing", f"{p}.deviation", c["deviation"],
          f"AND({used},N({wt})>0,OR(AND(ISNUMBER({score}),N({score})<N({wt})-{tol}),{reviewed}<N({wt})-{tol}),"
          f"{blank(c['deviation'])})", _q("请填写偏差原因"))
    b.add("satisfaction-not-quantified", f"{p}.target", c["target"],
          f'AND(SUBSTITUTE(TRIM({level1})," ","")="满意度指标",{filled(c["target"])},'
          f'NOT(AND(ISNUMBER({h["t_num"]}),{unit_meaning(h["t_unit"])}="%")))', _q("满意度应为百分比"))


def _structure(b: _Builder, layout: CheckedLayout, policy: Policy) -> None:
    s = layout.spot
    first, last = layout.first_indicator_row, layout.last_indicator_row
    column = layout.helper_columns["used"]
    used = f"COUNTIF({column}{first}:{column}{last},1)"
    where = s("weight_sum").cell
    b.add("indicators-missing", "indicators", where, f"{used}=0", _q("请填写绩效指标"))
    level1s = layout.indicator_range("level1")
    for name in policy.required_level1:
        b.add("level1-absent", "indicators", where,
              f'AND({used}>0,SUMPRODUCT(--(SUBSTITUTE(TRIM({level1s})," ","")={_q(name)}))=0)', _q(f"缺少{name}"))
    weight, weights = s("budget_weight").cell, layout.indicator_range("weight")
    bw = f"IF(AND(ISNUMBER({weight}),N({weight})>=0),N({weight}),{_n(policy.default_budget_weight)})"
    total = f'{bw}+SUMIF({weights},">=0")'
    sums = b.add("weights-sum", "indicators", where,
                 f"AND({used}>0,ABS({total}-{_n(policy.total_weight)})>0.000001)",
                 f'"分值合计 "&ROUND({total},4)&"，应为 {_n(policy.total_weight)}"')
    gaps = []
    for name, value in policy.standard_split.items():
        part = bw if name == "预算执行" else f'SUMIFS({weights},{level1s},{_q(name)},{weights},">=0")'
        gaps.append(f"ABS({part}-{_n(value)})>0.000001")
    standard = "/".join(f"{k.replace('指标', '')}{_n(v)}" for k, v in policy.standard_split.items())
    b.add("weight-split", "indicators", where, f"AND({used}>0,{sums.flag}<>1,OR({','.join(gaps)}))",
          _q(f"分值结构与标准（{standard}）不同"))


# --- formulas of the workbook --------------------------------------------------------------------

def _helpers(layout: CheckedLayout, policy: Policy, i: int) -> dict[str, str]:
    row = layout.first_indicator_row + i
    c = {part: layout.indicator_cell(i, part) for part in titles(Indicator)}
    h = {name: layout.helper_cell(name, row) for name in layout.helper_columns}
    first, last = c["level1"], c["deviation"]
    t, a, wt = h["t_num"], f"MAX({h['a_num']},0)", h["wt"]
    if policy.reverse_rule == "linear":
        over = f"IF({t}>0,(2*{t}-{a})/{t},0)"
    else:
        over = f"IF({a}>0,{t}/{a},0)"
    share = (f'IF({h["t_dir"]}="R",IF({a}<={t},1,{over}),IF({h["t_dir"]}="E",'
             f"IF({t}=0,IF({a}=0,1,0),1-ABS({a}-{t})/ABS({t})),IF({a}>={t},1,IF({t}>0,{a}/{t},0))))")
    tu, au = unit_meaning(h["t_unit"]), unit_meaning(h["a_unit"])
    squeeze, direction_of, rest_of = ((wide_squeezed, any_direction, any_rest) if layout.all_operators
                                      else (squeezed, direction, rest))  # 1.3: every spelling the core reads
    return {
        h["used"]: f"=IF(SUMPRODUCT(--(LEN({_trimmed(f'{first}:{last}')})>0))>0,1,0)",
        h["wt"]: f"=IF(AND(ISNUMBER({c['weight']}),N({c['weight']})>=0),N({c['weight']}),0)",
        h["t_txt"]: f"={squeeze(c['target'])}",
        h["t_dir"]: f"={direction_of(h['t_txt'], c['target'])}",
        h["t_rest"]: f"={rest_of(h['t_txt'], c['target'])}",
        h["t_unit"]: f"={unit(h['t_rest'], c['target'])}",
        h["t_num"]: f"={number(c['target'], h['t_rest'], h['t_unit'])}",
        h["a_txt"]: f"={squeeze(c['actual'])}",
        h["a_rest"]: f"={rest_of(h['a_txt'], c['actual'])}",
        h["a_unit"]: f"={unit(h['a_rest'], c['actual'])}",
        h["a_num"]: f"={number(c['actual'], h['a_rest'], h['a_unit'])}",
        h["quant"]: f'=IF(AND(ISNUMBER({t}),ISNUMBER({h["a_num"]}),OR({h["t_unit"]}="",{h["a_unit"]}="",'
                    f"{tu}={au})),1,0)",
        h["calc"]: f'=IF({h["quant"]}=1,MIN({layout.score_round(policy)}(MAX(0,MIN({share},1))*{wt},'
                   f'{policy.decimals}),{wt}),"")',
    }


@cache
def _string_and_ref() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A formula's string literals and its cell references (compiled when first used: only a template's
    formulas are qualified with them, never on a check's path)."""
    return (re.compile(r'("(?:[^"]|"")*")'),
            re.compile(r"(?<![A-Za-z0-9_!'.])([A-Z]{1,3})(\d+)(?::[A-Z]{1,3}\d+)?(?![A-Za-z0-9_(!])"))


def qualified(formula: str, sheet: str, columns: frozenset[str] | set[str]) -> str:
    """``formula`` with every reference into ``columns`` (outside string literals) taken on ``sheet``.

    The sheet names are CJK words, written without quotes as Excel and LibreOffice save them (the
    tamper check compares formula texts)."""
    string, reference = _string_and_ref()
    parts = string.split(formula)
    for i in range(0, len(parts), 2):
        parts[i] = reference.sub(lambda m: f"{sheet}!{m.group(0)}" if m.group(1) in columns else m.group(0), parts[i])
    return "".join(parts)


def split_formulas(layout: CheckedLayout, policy: Policy) -> tuple[dict[str, str], dict[str, str]]:
    """:func:`check_formulas` placed: (form sheet cell → formula, check sheet cell → formula), with every
    reference to the other sheet qualified by its name."""
    hidden = layout.check_sheet_columns
    form_columns = {chr(c) for c in range(ord("A"), ord(layout.result_column) + 1)}
    on_form, on_checks = {}, {}
    for cell, formula in check_formulas(layout, policy).items():
        if cell.rstrip("0123456789") in hidden:
            on_checks[cell] = qualified(formula, SHEET, form_columns)
        else:
            on_form[cell] = qualified(formula, layout.check_sheet, hidden)
    return on_form, on_checks


def check_formulas(layout: CheckedLayout, policy: Policy) -> dict[str, str]:
    """Every formula of the in-sheet checks: helpers, flags, the 检查 column, counts and status (unplaced:
    cell references without sheet names; :func:`split_formulas` places them)."""
    out: dict[str, str] = {}
    for i in range(layout.rows):
        out.update(_helpers(layout, policy, i))
    by_row: dict[int, list[Check]] = defaultdict(list)
    every = checks(layout, policy)
    for check in every:
        out[check.flag] = f"=IF({check.condition},1,0)"
        by_row[int("".join(ch for ch in check.flag if ch.isdigit()))].append(check)
    words = {row: "=" + "&".join(f'IF({c.flag}=1,{c.words}&"；","")' for c in by_row[row]) for row in layout.check_rows}
    for row in layout.check_rows:
        out[layout.helper_cell("words", row)] = words[row]
        text = layout.helper_cell("words", row)
        out[layout.check_cell(row)] = f'=IF(LEN({text})=0,"",LEFT({text},LEN({text})-1))'
    out.update(layout.extra_check_formulas(policy, every, words))  # what a later version adds (1.3: the 总分 mark)
    out.update(status_formulas(layout))
    return out


def status_formulas(layout: CheckedLayout) -> dict[str, str]:
    """The checks' error and warning counts and their status text (unplaced, as :func:`check_formulas` gives
    them, last): they depend on the layout alone, so the tamper check takes them without every check's formula."""
    out: dict[str, str] = {}
    errors, warnings = layout.count_cells["errors"], layout.count_cells["warnings"]
    out[errors] = f"=COUNTIF({layout.flag_range('error')},1)"
    out[warnings] = f"=COUNTIF({layout.flag_range('warning')},1)"
    s = layout.spot
    column = layout.helper_columns["used"]
    unused = f"COUNTIF({column}{layout.first_indicator_row}:{column}{layout.last_indicator_row},1)=0"
    untouched = f"AND({blank(s('project_name').cell)},{blank(s('funds.total.annual_budget').cell)},{unused})"
    out[s("chk_status").cell] = (f'=IF({untouched},"{STATUS_BLANK}",IF({errors}+{warnings}=0,"{STATUS_OK}",'
                                 f'"发现 "&{errors}&" 个错误、"&{warnings}&" 个警告"))')
    return out


def conditional_formats(layout: CheckedLayout, policy: Policy) -> dict[str, tuple[str, str]]:
    """Range → (error condition, warning condition) of the cells the checks are about.

    Indicator columns get one rule for the whole column, written for its first row (relative rows).
    """
    merges = {spot.cell: spot.merge for spot in layout.all_spots() if spot.merge}
    first = layout.first_indicator_row
    errors: dict[str, list[str]] = defaultdict(list)
    warnings: dict[str, list[str]] = defaultdict(list)
    for check in checks(layout, policy):
        row = int("".join(ch for ch in check.target if ch.isdigit()))
        if layout.first_indicator_row <= row <= layout.last_indicator_row:
            if row != first:
                continue
            column = check.target.rstrip("0123456789")
            ref = f"{column}{first}:{column}{layout.last_indicator_row}"
        else:
            ref = merges.get(check.target) or check.target
        (errors if check.rule.severity == "error" else warnings)[ref].append(f"{check.flag}=1")
    out = {}
    for ref in sorted({*errors, *warnings}):
        e, w = errors.get(ref, []), warnings.get(ref, [])
        out[ref] = tuple(qualified(f"OR({','.join(conds)})", layout.check_sheet, layout.check_sheet_columns)
                         if conds else "" for conds in (e, w))  # type: ignore[assignment]
    return out
