"""Drift from the approved targets: each code with a hand-made case, the equivalent wordings and their
negations, project and indicator matching, and ``xltools check --targets`` on a filled workbook."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from xltools.cli import main
from xltools.core import Indicator, Policy
from xltools.core.drift import compare_target, drift_findings, targets_findings
from xltools.core.targets import TargetIndicator, TargetProject, Targets
from xltools.form.verdict import judge_form
from xltools.io.targetsbook import write_targets

from .forms import clean_form


def approved(form=None, **changes) -> TargetProject:
    """The targets ``form`` was filled from (its approved cells), with ``changes``."""
    form = form or clean_form()
    indicators = tuple(TargetIndicator(i.level1, i.level2, i.name, i.target, i.weight, row=n + 2)
                       for n, i in enumerate(form.indicators))
    values = dict(code=None, unit=form.implementing_unit, department=form.department, name=form.project_name,
                  budget=form.fund("total").initial_budget, goal=form.goal_expected, indicators=indicators, row=2)
    values.update(changes)
    return TargetProject(**values)


def with_indicator(index: int, **changes) -> object:
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[index] = replace(rows[index], **changes)
    return replace(form, indicators=rows)


def codes(findings) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.severity, f.field) for f in findings]


def test_a_form_as_approved_has_no_drift():
    assert drift_findings(clean_form(), approved()) == []


def test_a_form_as_approved_is_not_compared_value_by_value(monkeypatch):
    """A form saying every approved value as typed (a prefilled one as sent) needs one comparison of the whole,
    an empty row at the end (a template's spare row) included; a row with only 实际完成值 is compared."""
    import xltools.core.drift as drift

    form = clean_form()
    spare = replace(form, indicators=[*form.indicators, Indicator()])
    only_actual = replace(form, indicators=[*form.indicators, Indicator(actual="12")])
    assert codes(drift_findings(only_actual, approved())) == [("indicator-added", "warning", "indicators[6].name")]

    def compared(*args, **kwargs):
        raise AssertionError("compared value by value")

    monkeypatch.setattr(drift, "_indicators", compared)
    monkeypatch.setattr(drift, "parse_number", compared)
    assert drift_findings(form, approved()) == [] and drift_findings(spare, approved()) == []
    with pytest.raises(AssertionError, match="value by value"):
        drift_findings(only_actual, approved())


@pytest.mark.parametrize("reported", ["≥90%", "≥ 90 %", "不低于90%", "90%以上", "大于等于90%", "≥９０％", "90%及以上"])
def test_equivalent_wordings_are_one_target(reported):
    assert compare_target("≥90%", reported, Policy()).outcome == "same"
    form = with_indicator(3, target=reported)  # 分类准确率, approved ≥90%
    assert drift_findings(form, approved()) == []


@pytest.mark.parametrize(("approved_value", "reported", "outcome"), [
    ("≥95%", "≥90%", "lowered"), ("不低于95%", "85%以上", "lowered"), ("≤30天", "≤45天", "lowered"),
    ("12月底前", "次年3月前", "lowered"), ("6月30日前", "9月底前", "lowered"), (">95%", "≥95%", "lowered"),
    ("按时完成", "基本完成", "lowered"), ("≥95%", "—", "lowered"),
    ("≥95%", "≥95人", "changed"), ("≥95%", "≥98%", "changed"), ("≤30天", "≤20天", "changed"),
    ("明显提升", "有所提升", "changed"), ("≥95%", "较高", "changed"), ("12月底前", "11月底前", "changed"),
    ("≥95%", ">95%", "changed"), ("12月底前", "年底前", "same"), ("95%", "≥95%", "same"), ("100%", "100 %", "same"),
    ("95%", "95.0%", "same"), ("≤5%", "≤5.0%", "same"), ("<5%", "≤5%", "lowered"),
])
def test_comparisons_and_negations(approved_value, reported, outcome):
    assert compare_target(approved_value, reported, Policy(), 2024).outcome == outcome


def test_target_lowered_is_an_error_quoting_both_values():
    (f,) = drift_findings(with_indicator(0, target="≥35个"), approved())
    assert (f.code, f.severity, f.field) == ("target-lowered", "error", "indicators[0].target")
    assert "“≥35个”" in f.message and "批复的“≥40个”" in f.message


def test_deadline_pushed_back_is_lowered():
    (f,) = drift_findings(with_indicator(2, target="≤45天"), approved())  # 完工时间, approved ≤30天
    assert f.code == "target-lowered" and "≤30天" in f.message and "≤45天" in f.message


def test_target_changed_is_a_warning():
    (f,) = drift_findings(with_indicator(4, target="建立长效机制"), approved())
    assert (f.code, f.severity, f.field) == ("target-changed", "warning", "indicators[4].target")
    assert "建立桶站长效管护机制" in f.message


def test_weight_changed():
    found = drift_findings(with_indicator(1, weight=10), approved())
    assert codes(found) == [("weight-changed", "warning", "indicators[1].weight")]
    assert "为 10，批复的分值为 15" in found[0].message
    # targets without a 分值: nothing to compare
    project = approved()
    bare = replace(project, indicators=tuple(
        TargetIndicator(i.level1, i.level2, i.name, i.target, None, i.row) for i in project.indicators))
    assert drift_findings(with_indicator(1, weight=10), bare) == []


def test_budget_differs():
    form = clean_form()
    form.funds.total.initial_budget = 100.0
    (f,) = drift_findings(form, approved())
    assert (f.code, f.severity, f.field) == ("budget-differs", "warning", "funds.total.initial_budget")
    assert "为 100 万元，批复的年初预算数为 120 万元" in f.message


def test_indicator_removed_and_added():
    form = clean_form()
    rows = form.indicators[:5] + [Indicator(level1="效益指标", level2="社会效益指标", name="宣传覆盖户数",
                                            target="≥500户", actual="600户", weight=10, score=10)]
    found = drift_findings(replace(form, indicators=rows), approved())
    assert codes(found) == [("indicator-removed", "error", "indicators"),
                            ("indicator-added", "warning", "indicators[5].name")]
    assert "居民满意度" in found[0].message and "≥90%" in found[0].message
    assert "宣传覆盖户数" in found[1].message and "相近" not in found[1].message


def test_a_renamed_indicator_is_removed_and_added_naming_each_other():
    found = drift_findings(with_indicator(0, name="桶站改造数量"), approved())
    assert codes(found) == [("indicator-removed", "error", "indicators[0].name"),
                            ("indicator-added", "warning", "indicators[0].name")]
    assert "桶站改造数量" in found[0].message and "改造桶站数量" in found[1].message


def test_indicators_match_after_normalising_and_level1_weight():
    form = with_indicator(0, name=" 改造桶站 数量。", level1="产出指标（50分）")
    assert drift_findings(form, approved()) == []


def test_project_matching():
    targets = Targets((approved(code="P-001"),))
    form = clean_form(project_name="垃圾分类 桶站改造！")  # spaces and punctuation do not matter
    assert targets_findings(form, targets) == []
    other = clean_form(project_name="垃圾分类桶站改造二期")
    (f,) = targets_findings(other, targets)
    assert (f.code, f.severity, f.field) == ("project-not-in-targets", "warning", "project_name")
    assert "相近的是“朝外街道办事处·垃圾分类桶站改造”（第 2 行）" in f.message
    far = clean_form(project_name="老旧小区综合整治", implementing_unit="双井街道办事处")
    (f,) = targets_findings(far, targets)
    assert f.code == "project-not-in-targets" and "相近" not in f.message
    # by 项目代码 when both have one, even when the name was changed
    assert targets_findings(other, targets, code="p-001") == []
    assert targets_findings(form, targets, code="P-999")[0].code == "project-not-in-targets"


def test_judge_form_places_drift_at_cells():
    verdict = judge_form(with_indicator(0, target="≥35个"), targets=Targets((approved(),)))
    (f,) = [f for f in verdict.findings if f.code == "target-lowered"]
    assert f.cell == "自评表!E15"
    assert verdict.errors == 1


def _targets_file(tmp_path, project):
    path = tmp_path / "绩效目标表.xlsx"
    write_targets(path, [project])
    return path


def test_check_targets_on_a_workbook(tmp_path, capsys):
    from xltools.excel.fill import fill_workbook

    form = with_indicator(2, target="≤45天")
    form.funds.total.initial_budget, form.funds.fiscal.initial_budget = 100.0, 80.0
    book = tmp_path / "form.xlsx"
    fill_workbook(form, book)
    targets = _targets_file(tmp_path, approved())
    assert main(["check", str(book)]) == 0  # checked against itself, it passes
    capsys.readouterr()
    assert main(["check", str(book), "--json", "--targets", str(targets)]) == 1
    result = json.loads(capsys.readouterr().out)
    drift = {(f["code"], f["cell"]) for f in result["findings"] if f["code"] in ("target-lowered", "budget-differs")}
    assert drift == {("target-lowered", "自评表!E17"), ("budget-differs", "自评表!D8")}


def test_check_targets_bad_list_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "t.xlsx"
    bad.write_bytes(b"nope")
    assert main(["check", str(tmp_path / "x.json"), "--targets", str(bad)]) == 2
    assert "无法作为绩效目标表读取" in capsys.readouterr().err


def _sheet_rows(path, title):
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return [tuple(row) for row in wb[title].iter_rows(values_only=True)]


def test_combine_targets_drift_and_missing_projects(tmp_path, capsys):
    from xltools.excel.fill import fill_workbook

    forms = tmp_path / "forms"
    forms.mkdir()
    fill_workbook(with_indicator(0, target="≥35个"), forms / "a.xlsx")  # lowered
    fill_workbook(clean_form(project_name="未批复的项目"), forms / "b.xlsx")  # not in targets
    missing = approved(name="应报未报项目", unit="双井街道办事处")
    targets = forms / "绩效目标表.xlsx"  # among the forms: read as the targets, not listed as a form
    write_targets(targets, [approved(), missing])
    out = tmp_path / "汇总.xlsx"
    for jobs in ("1", "2"):
        code = main(["combine", str(forms), "-o", str(out), "--targets", str(targets), "--jobs", jobs, "--force",
                     "--full"])
        assert code == 1
        printed = capsys.readouterr().out
        # a.xlsx's lowered target (serious) and b.xlsx's project the targets do not have
        assert "目标偏离 2 处（其中指标值降低或批复的指标被删去 1 处），见「目标偏离」" in printed
        assert "应报送名单：未报送 1 个项目，收到但不在名单上 1 个，见「未报送」" in printed
        findings = _sheet_rows(out, "问题清单")
        codes_found = {row[i] for row in findings for i in range(len(row)) if row[i] in (
            "target-lowered", "project-not-in-targets")}
        assert codes_found == {"target-lowered", "project-not-in-targets"}, jobs
        files = _sheet_rows(out, "文件清单")
        assert not any("绩效目标表.xlsx" in str(cell) for row in files for cell in row)
        missing_rows = _sheet_rows(out, "未报送")
        assert any("应报未报项目" in row and "未报送" in row for row in missing_rows)
        assert any("未批复的项目" in row and "不在名单上" in row for row in missing_rows)


def test_combine_api_takes_the_targets_as_the_list_of_projects_that_must_report(tmp_path):
    """Not only the CLI: ``combine(targets=…)`` without an --expect list lists 未报送 from the targets (what the
    district service and the benchmark call); an --expect list given wins."""
    import openpyxl

    from xltools.district.combine import ReviewOptions, combine
    from xltools.excel.fill import fill_workbook
    from xltools.io.targetsbook import read_targets

    forms = tmp_path / "forms"
    forms.mkdir()
    fill_workbook(clean_form(), forms / "a.xlsx")
    targets = tmp_path / "绩效目标表.xlsx"
    write_targets(targets, [approved(), approved(name="应报未报项目", unit="双井街道办事处")])
    report = combine([forms], tmp_path / "a.xlsx", jobs=1, targets=read_targets(targets).targets)
    assert report.extras["missing"] == 1
    assert [r[1:4] for r in _sheet_rows(tmp_path / "a.xlsx", "未报送")[1:]] == [("未报送", "双井街道办事处", "应报未报项目")]
    expect = tmp_path / "名单.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["实施单位", "项目名称"])
    book.active.append([clean_form().implementing_unit, clean_form().project_name])
    book.save(expect)
    report = combine([forms], tmp_path / "b.xlsx", jobs=1, targets=read_targets(targets).targets,
                     review=ReviewOptions(expect=expect))
    assert report.extras["missing"] == 0


def test_summary_drift_sheet_units_review_and_store_across_rounds(tmp_path, capsys):
    from xltools.excel.fill import fill_workbook

    forms = tmp_path / "forms"
    forms.mkdir()
    lowered = with_indicator(0, target="≥35个")  # target-lowered (error)
    lowered.indicators[1].weight = 10  # weight-changed (warning) … and weights no longer sum to 100
    fill_workbook(lowered, forms / "a.xlsx")
    other = clean_form(project_name="路灯维修", implementing_unit="双井街道办事处")
    fill_workbook(other, forms / "b.xlsx")  # as approved
    targets = tmp_path / "绩效目标表.xlsx"
    write_targets(targets, [approved(), approved(other)])
    out = tmp_path / "汇总.xlsx"
    assert main(["combine", str(forms), "-o", str(out), "--targets", str(targets), "--jobs", "1"]) == 1
    capsys.readouterr()
    rows = _sheet_rows(out, "目标偏离")
    assert rows[0][:4] == ("序号", "实施单位", "项目", "指标")
    body = [row[1:9] for row in rows[1:]]
    assert body == [("朝外街道办事处", "垃圾分类桶站改造", "改造桶站数量", "≥40个", "≥35个", "target-lowered", "错误", "E15"),
                    ("朝外街道办事处", "垃圾分类桶站改造", "验收合格率", "15", "10", "weight-changed", "警告", "G16")]
    units = {row[0]: row for row in _sheet_rows(out, "按单位")}
    header = tuple(str(h).replace("\n", "") for h in units["实施单位"])
    drift_col, serious_col = header.index("目标偏离（处）"), header.index("其中降低或删去（处）")
    assert (units["朝外街道办事处"][drift_col], units["朝外街道办事处"][serious_col]) == (2, 1)
    assert (units["双井街道办事处"][drift_col], units["双井街道办事处"][serious_col]) == (0, 0)
    risks = _sheet_rows(out, "复核重点")
    top = risks[1]
    assert top[3] == "垃圾分类桶站改造" and "偏离批复目标" in top[6] and "指标值低于批复 1 处" in top[7]
    # the next round reuses the stored results (files unchanged): the drift comes back from the store
    assert main(["combine", str(forms), "-o", str(out), "--targets", str(targets), "--jobs", "1", "--force"]) == 1
    assert "沿用上次结果 2 个" in capsys.readouterr().out
    assert [row[1:9] for row in _sheet_rows(out, "目标偏离")[1:]] == body
