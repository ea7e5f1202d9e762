"""The template's formulas against the Python scoring, recalculated by a real engine (LibreOffice headless).

72 generated forms are filled into four templates (the default policy, a whole-point
policy with other grades, and two regional policies whose options the formulas express:
the rate's denominator, the rate rounded before scoring and the total capped by the rate),
recalculated in ONE soffice call, read back with
xlsxread and compared with :mod:`xltools.core.scoring` to 1e-9. A formula that
shows "" (blank-safe) is compared with ``None`` on the Python side, as the
docstring of ``Layout.formulas`` says.
"""

from __future__ import annotations

import random
import re
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from xltools.core import Form, Policy
from xltools.core.model import LEVEL2
from xltools.core.scoring import budget_score, grade, rate_for_scoring, score_form, sheet_rate, sheet_total
from xltools.core.validation import from_data
from xltools.excel.fill import fill_workbook
from xltools.excel.template import build_template
from xltools.form.layout import SHEET, Layout
from xltools.form.layout_v1_1 import NOT_A_NUMBER, LayoutV1_1
from xltools.form.layout_v1_3 import LayoutV1_3
from xltools.form.registry import current_layout
from xltools.io.engine import recalculate, to_pdf, to_png
from xltools.io.forms import load_form
from xltools.io.xlsxread import read_workbook

from .forms import seed_form
from .lo import require_soffice

FORMS = 72
ROWS = 10
POLICIES = {
    "default": Policy(),
    "whole": from_data(Policy, {"decimals": 0, "grade_thresholds": {"A": 95, "B": 85, "C": 70}, "lowest_grade": "D"}),
    "regional": from_data(Policy, {"rate_denominator": "adjusted", "rate_decimals": 0, "total_caps": ({"below": 0.5, "max_total": 59}, {"below": 0.6, "max_total": 69},
                                   {"below": 0.7, "max_total": 79}, {"below": 0.8, "max_total": 89})}),
    "initial": from_data(Policy, {"rate_denominator": "initial", "rate_decimals": 1, "decimals": 1, "total_caps": ({"below": 1.0, "max_total": 30.5},)}),
}


def _amount(rng: random.Random) -> float:
    return round(rng.uniform(0, 2000), 4)


def generated_form(i: int, rng: random.Random) -> Form:
    """Form ``i``: the first ones are the edge cases, the rest random (budget, execution, scores)."""
    budget: float | None = _amount(rng)
    executed: float | None = round(budget * rng.uniform(0, 1.3), 4) if budget else _amount(rng)
    edge = {0: (0.0, 5.0), 1: (None, 5.0), 2: (100.0, 130.0), 3: (100.0, None), 4: (-10.0, 5.0),
            5: (100.0, -5.0), 6: (8.0, 7.3), 7: (3.0, 1.0), 8: (None, None), 9: (0.0, 0.0)}
    if i in edge:
        budget, executed = edge[i]
    weight = rng.choice([10, 10, 10, 0, 5, 15, 12.5, 7, None])  # None: the default weight applies
    indicators = []
    count = 0 if i in (8, 10) else rng.randint(1, ROWS)
    for n in range(count):
        level1 = rng.choice(list(LEVEL2))
        ind_weight: object = round(90 / count, rng.choice([0, 1, 3]))
        if rng.random() < 0.1:
            ind_weight = rng.choice([None, "10"])
        share = rng.uniform(0.4, 1.0)
        base = ind_weight if isinstance(ind_weight, float) else 10.0
        score: object = round(base * share, rng.choice([0, 1, 2, 3]))  # 3 decimals: float sums near .5
        if rng.random() < 0.2:  # what people type besides numbers
            score = rng.choice([None, "8分", "九", f"{rng.randint(0, 10)}", -1, 25])
        indicators.append({"level1": level1, "level2": LEVEL2[level1][0], "name": f"指标{n + 1}",
                           "target": "≥90%", "actual": f"{rng.randint(50, 100)}%", "weight": ind_weight,
                           "score": score})
    initial, annual = budget, budget
    if i not in edge:  # the denominators the policies may choose differ (年初预算数, or no 全年预算数)
        initial = rng.choice([budget, round(budget * rng.uniform(0.5, 1.5), 4), None])
        annual = None if rng.random() < 0.15 and initial is not None else budget
    return from_data(Form, {
        "year": 2025, "project_name": f"生成的项目 {i}",
        "funds": {"total": {"initial_budget": initial, "annual_budget": annual, "executed": executed}},
        "budget_weight": weight, "indicators": indicators,
    })


def _shown(value: object) -> object:
    """A formula cell as the engine saved it: blank results are ''."""
    return "" if value is None else value


def _text(*values: object) -> bool:
    """Text where a number belongs (not blank)."""
    return any(isinstance(v, str) and v.strip() for v in values)


def _expected(form: Form, policy: Policy, layout: Layout) -> dict[str, object]:
    rate = sheet_rate(form, policy)
    b_score = budget_score(rate_for_scoring(rate, policy), score_form(form, policy).budget_weight, policy)
    total = sheet_total(form, policy)
    weights = [form.budget_weight, *(ind.weight for ind in form.indicators)]
    numeric = [float(w) for w in weights if isinstance(w, (int, float)) and not isinstance(w, bool)]
    cell = lambda path: layout.spot(path).cell  # noqa: E731
    expected = {
        cell("execution_rate"): "" if rate is None else rate,
        cell("budget_score"): "" if rate is None else b_score,
        cell("total_score"): "" if total is None else total,
        cell("grade"): grade(total, policy),
        cell("weight_sum"): sum(numeric) if numeric else "",
    }
    if isinstance(layout, LayoutV1_1):  # from 1.1 on, text where a number belongs shows a marker, never a number
        funds = form.fund("total")
        rate_text = _text(funds.annual_budget, funds.executed)
        score_text = rate_text or _text(form.budget_weight)
        total_text = score_text or _text(*(ind.score for ind in form.indicators))
        for path, text in (("execution_rate", rate_text), ("budget_score", score_text),
                           ("weight_sum", _text(*weights)), ("total_score", total_text)):
            if text:
                expected[cell(path)] = NOT_A_NUMBER
        if total_text:
            expected[cell("grade")] = ""
    if isinstance(layout, LayoutV1_3) and isinstance(expected[cell("total_score")], float):
        # 1.3 grades only on the form's scale: no 分值 → 未评分; 分值 not adding up, or a total above it → 未评级
        weight_sum, total = expected[cell("weight_sum")], expected[cell("total_score")]
        if weight_sum == "":
            expected[cell("grade")] = "未评分"
        elif not isinstance(weight_sum, float | int) or abs(weight_sum - policy.total_weight) > 1e-6 \
                or total > policy.total_weight + 1e-9:
            expected[cell("grade")] = "未评级"
    return expected


def test_formulas_equal_python_scoring_on_generated_forms(tmp_path: Path) -> None:
    require_soffice()
    layout = current_layout(ROWS)
    templates = {name: build_template(tmp_path / f"template-{name}.xlsx", rows=ROWS, policy=policy)
                 for name, policy in POLICIES.items()}
    rng = random.Random(20260101)
    cases = []
    for i in range(FORMS):
        name = ("whole", "default", "regional", "initial")[i % 4]
        form = generated_form(i, rng)
        path = fill_workbook(form, tmp_path / "filled" / f"form{i:02d}.xlsx", template=templates[name])
        cases.append((path, form, POLICIES[name]))
    recalculated = recalculate([path for path, _, _ in cases], tmp_path / "recalc")  # one soffice call
    mismatches, grades, rates, capped = [], set(), 0, 0
    for (path, form, policy), result in zip(cases, recalculated):
        sheet = read_workbook(result).sheets[SHEET]
        expected = _expected(form, policy, layout)
        grades.add(expected[layout.spot("grade").cell])
        rates += isinstance(expected[layout.spot("execution_rate").cell], float)
        total = expected[layout.spot("total_score").cell]
        uncapped = sheet_total(form, replace(policy, total_caps=()))
        capped += isinstance(total, float) and uncapped is not None and total < uncapped
        for cell, want in expected.items():
            got = _shown(sheet.value(cell))
            same = got == want if isinstance(want, str) or isinstance(got, str) else abs(got - want) <= 1e-9
            if not same:
                mismatches.append(f"{path.name} {cell}: LibreOffice {got!r} ≠ Python {want!r}")
        # the recalculated workbook exports the computed budget score and total
        exported = load_form(result).form
        assert _shown(exported.budget_score) == _expected(form, policy, layout)[layout.spot("budget_score").cell]
    assert not mismatches, "\n".join(mismatches)
    assert rates >= FORMS // 2 and len(grades) >= 5, (rates, grades)  # the forms exercise the formulas
    assert capped >= 3, capped  # and the caps bind on some (1.1 shows 非数字, not a total, on forms with text scores)
    fallback = sum(1 for _, f, p in cases if p.rate_denominator == "adjusted" and f.funds.total
                   and f.funds.total.annual_budget is None and f.funds.total.initial_budget is not None)
    assert fallback >= 2, fallback  # and the adjusted denominator falls back to 年初预算数 on some
    kinds = {(f.funds.total.annual_budget if f.funds.total else None) for _, f, _ in cases}
    assert {0.0, None} <= kinds  # budget 0 and empty budget were among the forms


def test_template_and_filled_seed_print_on_one_a4_page_width(tmp_path: Path) -> None:
    require_soffice()
    template = build_template(tmp_path / "template.xlsx")
    seed = fill_workbook(seed_form(), tmp_path / "seed.xlsx")
    pdfs = to_pdf([template, seed], tmp_path / "pdf")  # one soffice call
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())  # type: ignore[union-attr]
        assert abs(width - 595) < 2 and abs(height - 842) < 2, "A4 portrait"
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout
        # the first and the last column of the form are on page 1: it is one page wide
        for text in ("附件1", "朝阳区项目支出绩效自评表", "项目名称", "一级指标", "偏差原因分析"):
            assert text in first.replace(" ", ""), f"{pdf.name}: {text} not on page 1"
    template_page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdfs[0]), "-"], capture_output=True,
                                   text=True, check=True).stdout.replace(" ", "")
    assert "（2026年度）" in template_page and "总分" in template_page and "填表人" in template_page
    seed_text = subprocess.run(["pdftotext", str(pdfs[1]), "-"], capture_output=True, text=True,
                               check=True).stdout.replace(" ", "").replace("\n", "")
    assert "（2020年度）" in seed_text and "首都机场街道办事处" in seed_text and "100.00%" in seed_text
    png = to_png(pdfs[1], tmp_path / "seed.png", pages=1)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_total_rounds_like_the_spreadsheet_on_float_sums(tmp_path: Path) -> None:
    require_soffice()
    form = from_data(Form, {"indicators": [{"name": "甲", "weight": 30, "score": 23.59},
                                               {"name": "乙", "weight": 30, "score": 19.805},
                                               {"name": "丙", "weight": 30, "score": 24.77}]})
    book = fill_workbook(form, tmp_path / "sum.xlsx")
    (result,) = recalculate([book], tmp_path / "recalc")
    shown = read_workbook(result).sheets[SHEET].value(current_layout().spot("total_score").cell)
    assert shown == 68.17  # what the spreadsheet shows
    assert sheet_total(form, Policy()) == shown


def test_engine_never_overwrites_its_input_and_stacks_pages(tmp_path: Path) -> None:
    require_soffice()
    from xltools.io.engine import EngineError

    book = build_template(tmp_path / "t.xlsx", rows=40)
    stamp = book.read_bytes()
    with pytest.raises(EngineError, match="输入文件"):
        recalculate([book], tmp_path)
    (tmp_path / "other").mkdir()
    twin = build_template(tmp_path / "other" / "t.xlsx", rows=2)
    with pytest.raises(EngineError, match="同名"):
        to_pdf([book, twin], tmp_path / "out")
    assert book.read_bytes() == stamp
    (pdf,) = to_pdf([book], tmp_path / "pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True).stdout).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    one, all_pages = to_png(pdf, tmp_path / "one.png", dpi=30, pages=1), to_png(pdf, tmp_path / "all.png", dpi=30)
    size = lambda png: struct.unpack(">II", png.read_bytes()[16:24])  # noqa: E731  (IHDR width, height)
    (w1, h1), (w2, h2) = size(one), size(all_pages)
    # the form pages are portrait, the 校验结果 page landscape: all are stacked, padded to the widest
    assert w2 >= w1 and h2 >= h1 * (pages - 1) + 2 * (pages - 1)
