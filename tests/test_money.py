"""Issue 27, class 3: money in 元 where the form says 万元 (amount-in-yuan), and ``money_unit = "元"``."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest

from xltools.core import Form, Policy, evaluate, policy_from_data
from xltools.core.validation import from_data
from xltools.district.process import process_file
from xltools.district.results import FileResult
from xltools.district.summary import MONEY_NOTE, write_summary
from xltools.excel.fill import fill_workbook

from .forms import clean_form

TODAY = dt.date(2026, 11, 24)
TEMPLATE = Path(__file__).parent.parent / "workbook_templates" / "朝阳区项目支出绩效自评表.xlsx"


def in_yuan(factor: float = 10000.0) -> Form:
    """``clean_form()`` with every amount multiplied (×10000: the same project typed in 元)."""
    data = asdict(clean_form())
    for row in data["funds"].values():
        if row:
            for key in ("initial_budget", "annual_budget", "executed"):
                row[key] = row[key] * factor if row[key] is not None else None
    return from_data(Form, data)


def fund_findings(form: Form, policy: Policy) -> list[tuple[str, str, str]]:
    return [(f.field, f.code, f.severity) for f in evaluate(form, policy, today=TODAY).findings
            if f.field.startswith("funds")]


def test_amounts_typed_in_yuan_are_one_warning_at_the_total_row():
    # 100 万元 typed as 1,000,000 (元): above 10,000 万元 → amount-in-yuan at 全年预算数; the execution rate
    # (955,000 / 1,000,000 = 95.5 %) and so the budget score (9.55) are unchanged
    ev = evaluate(in_yuan(), Policy(), today=TODAY)
    assert fund_findings(in_yuan(), Policy()) == [("funds.total.annual_budget", "amount-in-yuan", "warning")]
    message = next(f.message for f in ev.findings if f.code == "amount-in-yuan")
    assert "金额疑似按元填写" in message and "10,000 万元" in message
    assert ev.sheet.budget_score == 9.55


@pytest.mark.parametrize(("limit", "factor", "cell"), [
    (10000, 101.0, "funds.total.annual_budget"),  # 全年预算数 100 × 101 = 10,100 > 10,000
    (10000, 100.0, "funds.total.initial_budget"),  # 100 × 100 = 10,000 is not above; 年初 120 × 100 = 12,000 is
    (10000, 90.0, "funds.total.initial_budget"),  # 9,000 and 10,800
    (50000, 100.0, None),  # a higher limit lets 12,000 万元 pass
    (10000, 1.0, None),  # the form as typed in 万元
])
def test_the_limit_is_policy(limit, factor, cell):
    policy = policy_from_data({"max_plausible_amount": limit})
    found = [field for field, code, _ in fund_findings(in_yuan(factor), policy) if code == "amount-in-yuan"]
    assert found == ([cell] if cell else [])


def test_money_unit_yuan_reads_forms_in_yuan_without_the_warning():
    policy = policy_from_data({"money_unit": "元"})
    assert [c for _, c, _ in fund_findings(in_yuan(), policy)] == []
    assert evaluate(in_yuan(), policy).sheet.budget_score == 9.55


def test_money_unit_is_validated():
    from xltools.core.policy import PolicyError

    with pytest.raises(PolicyError, match="money_unit"):
        policy_from_data({"money_unit": "千元"})


def test_the_summary_shows_amounts_in_wan_and_says_so_once(tmp_path: Path):
    policy = policy_from_data({"money_unit": "元"})
    path = fill_workbook(in_yuan(), tmp_path / "元.xlsx", template=TEMPLATE)
    result = process_file(str(path), policy, today=TODAY)
    p = result.project
    # 1,200,000 / 1,000,000 / 955,000 元 → 120 / 100 / 95.5 万元
    assert (p.initial_budget, p.annual_budget, p.executed) == pytest.approx((120.0, 100.0, 95.5))
    out = tmp_path / "summary.xlsx"
    write_summary(out, [FileResult(str(path), result.fate, project=p, findings=result.findings)], policy)
    cells = [c for row in openpyxl.load_workbook(out)["汇总"].iter_rows(values_only=True) for c in row]
    assert cells.count(MONEY_NOTE) == 1
    assert 100.0 in cells and 1000000.0 not in cells
    # 项目信息: the 其中 rows too (当年财政拨款 1,000,000 / 800,000 / 800,000 元 → 100 / 80 / 80 万元)
    details = [c for row in openpyxl.load_workbook(out)["项目信息"].iter_rows(values_only=True) for c in row]
    assert 80.0 in details and 800000.0 not in details


def test_an_amount_beyond_any_project_is_still_implausible_in_yuan_forms():
    # money_unit = 元: 20,000,000,000 元 = 2,000,000 万元 > 1,000,000 万元 → amount-implausible (shown in 万元)
    data = asdict(clean_form())
    data["funds"] = {"total": {"initial_budget": 2e10, "annual_budget": 1e6, "executed": 9.55e5},
                     "fiscal": None, "carryover": None, "other": None}
    found = evaluate(from_data(Form, data), policy_from_data({"money_unit": "元"}), today=TODAY).findings
    implausible = [f for f in found if f.code == "amount-implausible"]
    assert [f.field for f in implausible] == ["funds.total.initial_budget"]
    assert "2000000 万元" in implausible[0].message
