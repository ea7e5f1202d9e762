"""Template 1.1 checks itself: the in-sheet formulas, recalculated by LibreOffice, give the Python verdict.

Generated forms (clean ones and ones with each problem class the formulas cover) are filled into
templates built with two policies, recalculated in ONE soffice call and read back. For every form
and every in-sheet rule, the (rule, cell) pairs whose flag is 1 equal the Python findings of the
rule's codes at those cells (``xltools.form.checks.SHEET_RULES`` is the mapping). Forms with text in
a number cell are compared on the rules that read the text itself (required, not-number); the
relations between amounts are left to the full check there, and 执行率/得分/总分 must show the
marker instead of a number.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import re
from pathlib import Path

import pytest

from xltools.core import Form, Policy
from xltools.core.model import LEVEL2
from xltools.core.scoring import score_form
from xltools.core.validation import from_data
from xltools.excel.fill import fill_workbook
from xltools.excel.template import build_template
from xltools.form.checks import SHEET_RULES, STATUS_OK, checks
from xltools.form.layout import SHEET
from xltools.form.layout_v1_1 import NOT_A_NUMBER, LayoutV1_1
from xltools.form.registry import current_layout
from xltools.form.verdict import judge
from xltools.io.engine import recalculate
from xltools.io.xlsxread import read_workbook

from .lo import require_soffice

ROWS = 8
FORMS = 40
POLICIES = {
    "default": Policy(),
    "strict": from_data(Policy, {"decimals": 0, "reverse_rule": "linear", "low_execution_rate": 0.95, "total_weight": 100, "name_max_length": 12}),
}
CODE_TO_RULE = {code: rule.key for rule in SHEET_RULES for code in rule.codes}
TEXT_RULES = {"required", "not-number"}

# Quantitative rows the formulas read: (target, actual, weight) — directions ≥ ≤ = and none, units, numbers.
QUANT = [("≥95%", "96%"), ("≥95%", "90%"), ("≤10天", "12天"), ("≤10天", "8天"), ("=100%", "98%"), ("40个", "36个"),
         ("≥800人次", "812人次"), (30, 24), ("≥2万元", "1.5万"), ("≤3小时", "2.5h"), (">=50", "40"), ("<=5次", "6次")]
QUAL = [("建立长效管护机制", "已达成：制度印发"), ("居民反映良好", "部分达成，仍有投诉"), ("按期完成", "未完成")]


def _indicators(rng: random.Random, policy: Policy) -> list[dict[str, object]]:
    split = [("产出指标", 50), ("效益指标", 30), ("满意度指标", 10)]
    rows: list[dict[str, object]] = []
    for level1, total in split:
        count = 1 if level1 == "满意度指标" else rng.randint(1, 3)
        weights = [total // count] * count
        weights[0] += total - sum(weights)
        for weight in weights:
            if level1 == "满意度指标":
                target, actual = "≥90%", rng.choice(["95%", "88%", "90%"])
            else:
                target, actual = rng.choice(QUANT + QUAL)
            rows.append({"level1": level1, "level2": LEVEL2[level1][0], "name": f"指标{len(rows) + 1}",
                         "target": target, "actual": actual, "weight": weight})
    for row in rows:  # the self-score the rules expect, or a little less with a reason
        form = from_data(Form, {"indicators": [row]})
        result = score_form(form, policy).indicators[0]
        row["score"] = result.score if result.kind != "qualitative" else round(row["weight"] * 0.9, 1)  # type: ignore[operator]
        if row["score"] < row["weight"] or rng.random() < 0.3:  # type: ignore[operator]
            row["deviation"] = "部分社区进度滞后，下一步加强调度"
    return rows


def _base(rng: random.Random, policy: Policy, year: int) -> dict[str, object]:
    budget = round(rng.uniform(20, 900), 4)
    executed = round(budget * rng.uniform(0.96, 1.0), 4)
    fiscal = round(budget * rng.uniform(0.5, 1.0), 4)
    fiscal_executed = min(fiscal, executed)
    return {
        "year": year, "project_name": f"项目{rng.randint(1, 999)}", "department": "城市管理办公室",
        "implementing_unit": "朝外街道办事处", "project_lead": "王建国", "lead_phone": "85612345",
        "funds": {"total": {"initial_budget": budget, "annual_budget": budget, "executed": executed},
                  "fiscal": {"initial_budget": fiscal, "annual_budget": fiscal, "executed": fiscal_executed},
                  "carryover": {"initial_budget": round(budget - fiscal, 4), "annual_budget": round(budget - fiscal, 4),
                                "executed": round(executed - fiscal_executed, 4)}},
        "budget_weight": 10, "goal_expected": "完成年度任务", "goal_actual": "完成 40 个桶站改造",
        "indicators": _indicators(rng, policy), "filled_by": "李冬梅", "filler_phone": "13812345678",
        "filled_on": dt.date(year + 1, 1, rng.randint(5, 28)),
    }


def _ind(data: dict, rng: random.Random) -> dict:
    return rng.choice(data["indicators"]) if data["indicators"] else {}


# Each mutation breaks one thing; text=True marks text where a number belongs.
MUTATIONS = {
    "blank-header": lambda d, r: d.update({r.choice(["project_name", "department", "lead_phone", "goal_actual",
                                                     "filled_by", "filled_on"]): r.choice([None, " ", "　"])}),
    "blank-amount": lambda d, r: d["funds"]["total"].update({r.choice(["initial_budget", "executed"]): None}),
    "negative": lambda d, r: d["funds"]["carryover"].update({"initial_budget": -5.0}),
    "over-budget": lambda d, r: d["funds"]["fiscal"].update({"executed": d["funds"]["fiscal"]["annual_budget"] + 1}),
    "breakdown": lambda d, r: d["funds"]["total"].update({"initial_budget": d["funds"]["total"]["initial_budget"] + 3}),
    "budget-zero": lambda d, r: d["funds"]["total"].update({"annual_budget": 0.0}),
    "budget-weight": lambda d, r: d.update({"budget_weight": r.choice([0, 120, -2])}),
    "low-rate": lambda d, r: (d["funds"]["total"].update({"executed": round(d["funds"]["total"]["annual_budget"] * 0.5, 4)}),
                              [i.pop("deviation", None) for i in d["indicators"]]),
    "early-date": lambda d, r: d.update({"filled_on": dt.date(d["year"], 11, 30)}),
    "no-indicators": lambda d, r: d.update({"indicators": []}),
    "level1-invalid": lambda d, r: _ind(d, r).update({"level1": r.choice(["产出", "效益类"])}),
    "level1-absent": lambda d, r: d.update({"indicators": [i for i in d["indicators"] if i["level1"] != "效益指标"]}),
    "sentence": lambda d, r: _ind(d, r).update({"name": r.choice(["完成改造，群众满意", "辖区内所有老旧小区楼道照明设施全面更新改造完成率"])}),
    "weight-zero": lambda d, r: _ind(d, r).update({"weight": r.choice([0, -3])}),
    "weights-sum": lambda d, r: _ind(d, r).update({"weight": _ind(d, r).get("weight", 0) - 5}),
    "split": lambda d, r: (d["indicators"][0].update({"weight": d["indicators"][0]["weight"] + 5}),
                           d["indicators"][-1].update({"weight": d["indicators"][-1]["weight"] - 5})),
    "score-high": lambda d, r: _ind(d, r).update({"score": 99}),
    "score-negative": lambda d, r: _ind(d, r).update({"score": -1}),
    "score-off": lambda d, r: _ind(d, r).update({"score": max(0, _ind(d, r).get("weight", 10) - 3.5)}),
    "no-deviation": lambda d, r: [i.pop("deviation", None) for i in d["indicators"]],
    "satisfaction": lambda d, r: [i.update({"target": "群众满意"}) for i in d["indicators"] if i["level1"] == "满意度指标"],
    "blank-part": lambda d, r: _ind(d, r).update({r.choice(["level2", "name", "target", "actual", "weight", "score"]): None}),
    "text-amount": lambda d, r: d["funds"]["total"].update({r.choice(["annual_budget", "executed"]): r.choice(["6.6296万", "７．２", "约五万"])}),
    "text-score": lambda d, r: _ind(d, r).update({r.choice(["score", "weight"]): r.choice(["8分", "九"])}),
    "text-budget-weight": lambda d, r: d.update({"budget_weight": "10分"}),
}


def _generated(i: int, rng: random.Random, policy: Policy) -> tuple[Form, list[str]]:
    data = _base(rng, policy, 2025)
    names = sorted(MUTATIONS)
    chosen = [] if i < 6 else [names[i % len(names)]] + rng.sample(names, rng.choice([0, 0, 1, 2]))
    for name in chosen:
        MUTATIONS[name](data, rng)
    return from_data(Form, data), chosen


def _has_text(form: Form) -> bool:
    """Text in a cell where a number belongs (an amount, a 分值 or a 得分)."""
    values = [form.budget_weight, *(ind.weight for ind in form.indicators), *(ind.score for ind in form.indicators)]
    values += [getattr(form.fund(key), part) for key in ("total", "fiscal", "carryover", "other")
               for part in ("initial_budget", "annual_budget", "executed")]
    return any(isinstance(value, str) and value.strip() for value in values)


def _sheet_verdict(layout: LayoutV1_1, policy: Policy, sheet) -> collections.Counter:  # type: ignore[no-untyped-def]
    return collections.Counter((c.rule.key, f"{SHEET}!{c.target}") for c in checks(layout, policy)
                               if sheet.value(c.flag) == 1)


def _python_verdict(findings) -> collections.Counter:  # type: ignore[no-untyped-def]
    return collections.Counter((CODE_TO_RULE[f.code], f.cell) for f in findings if f.code in CODE_TO_RULE)


def test_sheet_checks_equal_the_python_check_on_generated_forms(tmp_path: Path) -> None:
    require_soffice()
    layout = current_layout(ROWS)
    assert isinstance(layout, LayoutV1_1)
    templates = {name: build_template(tmp_path / f"t-{name}.xlsx", rows=ROWS, policy=policy)
                 for name, policy in POLICIES.items()}
    rng = random.Random(20261201)
    cases = []
    for i in range(FORMS):
        name = "strict" if i % 4 == 3 else "default"
        form, chosen = _generated(i, rng, POLICIES[name])
        path = fill_workbook(form, tmp_path / "filled" / f"f{i:02d}.xlsx", template=templates[name])
        cases.append((path, form, POLICIES[name], chosen))
    recalculated = recalculate([path for path, *_ in cases], tmp_path / "recalc")
    problems, seen_rules, clean = [], collections.Counter(), 0
    for (path, form, policy, chosen), result in zip(cases, recalculated):
        book = read_workbook(result)
        sheet = book.sheets[SHEET]
        verdict = judge(book, policy, today=dt.date(2027, 6, 1))  # the district runs with its policy
        assert not verdict.tamper, (path.name, verdict.tamper)
        flags = book.sheets[layout.check_sheet]  # the hidden sheet of flags
        # the Python findings of the in-sheet rules' codes at the cells those rules check (the full check also
        # reports e.g. required-missing at the 预算执行得分 and 总分 formula cells, which the sheet computes)
        covered = {(c.rule.key, f"{SHEET}!{c.target}") for c in checks(layout, policy)}
        got = _sheet_verdict(layout, policy, flags)
        want = collections.Counter({k: n for k, n in _python_verdict(verdict.findings).items() if k in covered})
        text = _has_text(form)
        if text:
            got = collections.Counter({k: n for k, n in got.items() if k[0] in TEXT_RULES})
            want = collections.Counter({k: n for k, n in want.items() if k[0] in TEXT_RULES})
            assert any(key == "not-number" for key, _ in got), (path.name, chosen)
        if got != want:
            problems.append(f"{path.name} {chosen}: sheet only {dict(got - want)}, Python only {dict(want - got)}")
        seen_rules.update(key for key, _ in got)
        errors, warnings = sheet.value(layout.count_cells["errors"]), sheet.value(layout.count_cells["warnings"])
        python_errors = sum(n for (key, _), n in want.items() if _severity(key) == "error")
        if not text:
            assert errors == python_errors, (path.name, chosen, errors, python_errors, dict(got - want), dict(want - got))
            assert warnings == sum(n for (key, _), n in want.items() if _severity(key) == "warning"), path.name
        else:
            assert errors >= 1, (path.name, chosen)
        status = sheet.value(layout.spot("chk_status").cell)
        if errors == warnings == 0:
            clean += 1
            assert status == STATUS_OK, (path.name, status)
        else:
            assert status == f"发现 {errors} 个错误、{warnings} 个警告", (path.name, status)
    assert not problems, "\n".join(problems)
    assert clean >= 6  # the unchanged forms pass the sheet's checks
    assert set(seen_rules) == {rule.key for rule in SHEET_RULES}, set(RULE_KEYS) - set(seen_rules)


RULE_KEYS = {rule.key: rule for rule in SHEET_RULES}


def _severity(key: str) -> str:
    return RULE_KEYS[key].severity


def test_text_amounts_never_give_a_plausible_wrong_total(tmp_path: Path) -> None:
    require_soffice()
    layout = current_layout()
    from .forms import clean_form

    variants = {"wan": {"executed": "95.5万"}, "fullwidth": {"annual_budget": "１００"}, "words": {"executed": "九十五"}}
    forms = {}
    for name, change in variants.items():
        total = {"initial_budget": 120.0, "annual_budget": 100.0, "executed": 95.5, **change}
        forms[name] = clean_form(funds={"total": total})
    forms["score"] = clean_form()
    forms["score"].indicators[0].score = "20分"
    paths = [fill_workbook(form, tmp_path / f"{name}.xlsx") for name, form in forms.items()]
    for name, result in zip(forms, recalculate(paths, tmp_path / "recalc")):
        sheet = read_workbook(result).sheets[SHEET]
        shown = {path: sheet.value(layout.spot(path).cell) for path in ("execution_rate", "budget_score", "total_score")}
        assert shown["total_score"] == NOT_A_NUMBER, (name, shown)
        if name != "score":
            assert shown["execution_rate"] == shown["budget_score"] == NOT_A_NUMBER, (name, shown)
        assert sheet.value(layout.count_cells["errors"]) >= 1
        assert not sheet.value(layout.spot("grade").cell)
        assert "应为数字" in "".join(str(sheet.value(layout.check_cell(row)) or "") for row in layout.check_rows)
        # reading the form back: the marker is no typed value, so no finding is made of it
        codes = {(f.code, f.cell) for f in judge(read_workbook(result)).findings}
        assert not any(cell in (f"{SHEET}!{layout.spot('budget_score').cell}", f"{SHEET}!{layout.spot('total_score').cell}")
                       for _, cell in codes), codes


# Functions that Excel 2010, WPS and LibreOffice all have (no dynamic arrays, LET, LAMBDA, TEXTJOIN, XLOOKUP, IFS).
# Template 1.3 adds EXACT (the 检查评分 button's marks) and ROUNDDOWN (rounding = "down"), both in Excel since 2000.
ALLOWED = {"ABS", "AND", "CLEAN", "COUNT", "COUNTIF", "DATE", "EXACT", "FIND", "IF", "IFERROR", "ISERROR", "ISNA",
           "ISNUMBER", "LEFT", "LEN", "LOOKUP", "MATCH", "MAX", "MID", "MIN", "N", "NOT", "OR", "RIGHT", "ROUND",
           "ROUNDDOWN", "SUBSTITUTE", "SUM", "SUMIF", "SUMIFS", "SUMPRODUCT", "TRIM", "VALUE"}


@pytest.mark.parametrize("policy", list(POLICIES.values()), ids=list(POLICIES))
def test_every_formula_uses_allowed_functions_only(policy: Policy, tmp_path: Path) -> None:
    import zipfile

    path = build_template(tmp_path / "t.xlsx", policy=policy)
    used: set[str] = set()
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith(".xml"):
                continue
            xml = archive.read(name).decode("utf-8")
            for formula in re.findall(r"<(?:f|formula|formula1|formula2)>([^<]*)</", xml):
                bare = re.sub(r"&quot;.*?&quot;", "", formula.replace("&amp;", "&"))
                used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", bare))
    assert used, "no formula found"
    assert used <= ALLOWED, used - ALLOWED
    assert not any(name.startswith("_xlfn") for name in used)


def test_tools_reading_a_form_do_not_make_up_the_total_the_sheet_marks(tmp_path: Path) -> None:
    """A filled form not yet recalculated: the summary's 自评总分 and export follow what the sheet will show."""
    from xltools.district.process import process_file
    from xltools.excel.template import template_bytes
    from xltools.io.fill import fill_template
    from xltools.io.forms import load_form, with_formula_values

    from .forms import clean_form

    form = clean_form()
    form.indicators[0].score = "20分"
    totals = {}
    for version in ("1.0", "1.1"):
        path = tmp_path / f"v{version}.xlsx"
        fill_template(form, path, template_bytes(version=version))
        project = process_file(str(path)).project
        assert project is not None
        exported, computed = with_formula_values(load_form(path))
        totals[version] = (project.self_total, exported.total_score, "total_score" in computed)
    # 1.0's SUM leaves the text score out (78.55 instead of 98.55); 1.1 shows 非数字, so no number is made up
    assert totals["1.0"] == (78.55, 78.55, True)
    assert totals["1.1"] == (None, None, False)
