"""The 绩效目标表: header-table reading (any column order, aliases, extra columns, carried-down project
columns, merged cells), duplicate projects refused, ``xltools targets template`` and ``targets check``."""

from __future__ import annotations

import openpyxl
import pytest

from xltools.cli import main
from xltools.core.listbook import Column, ListError, ListSpec, header_text
from xltools.core.targets import TARGETS_HEADERS, TARGETS_SPEC
from xltools.io.targetsbook import read_targets

from tests.lo import soffice  # noqa: F401 - a fixture
from tests.tablekit import table_book

HEADERS = list(TARGETS_HEADERS)


def _book(path, rows, *, sheet="绩效目标", first=None, merges=()):
    return table_book(path, rows, sheet=sheet, cover=None if first is None else (first, []), merges=merges)


def _project(code, unit, name, budget, rows):
    """Full rows (the 11 template columns) of one project, project columns repeated."""
    return [[code, unit, "朝阳区民政局", name, budget, "全年服务居民", *ind] for ind in rows]


IND_A = [["产出指标", "数量指标", "服务人数", "≥500人", 30], ["产出指标", "质量指标", "合格率", "≥95%", 20],
         ["效益指标", "社会效益指标", "居民受益", "明显提升", 30], ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10]]


def test_header_text_drops_blanks_and_states_unit():
    assert header_text(" 年初预算数 （万元）") == ("年初预算数", "万元")
    assert header_text("预算数(元)") == ("预算数", "元")
    assert header_text("三级\n指标") == ("三级指标", "")


def test_spec_refuses_an_alias_naming_two_columns():
    with pytest.raises(ValueError):
        ListSpec("x", (Column("a", "甲", ("乙",)), Column("b", "乙")))


def test_extended_spec_reads_more_known_headers():
    spec = TARGETS_SPEC.extended(Column("actual", "实际完成值"), Column("executed", "全年执行数"))
    match = spec.match(1, ["实际完成值", "项目名称", "全年执行数（万元）", "其他"])
    assert match.columns == {"actual": 0, "name": 1, "executed": 2}
    assert match.units["executed"] == "万元" and match.ignored == ("其他",)


def test_repeated_project_columns(tmp_path):
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, IND_A),
            *_project("P2", "朝阳街道", "绿化", 50.5, IND_A[:2])]
    book = read_targets(_book(tmp_path / "t.xlsx", rows))
    a, b = book.targets.projects
    assert (a.code, a.unit, a.name, a.budget, a.row, len(a.indicators)) == ("P1", "朝阳街道", "社区服务", 120, 2, 4)
    assert (b.name, b.budget, b.row, len(b.indicators)) == ("绿化", 50.5, 6, 2)
    assert a.indicators[1].target == "≥95%" and a.indicators[1].row == 3


def test_reordered_columns_aliases_extra_columns_and_blank_below(tmp_path):
    header = ["备注", "指标名称", "年度指标值", "项目名称", "序号", "单位名称", "权重", "一级指标", "二级指标",
              "预算数（元）"]
    rows = [["2026 年绩效目标"], header,
            ["x", "服务人数", "≥500人", "社区服务", 1, "朝阳街道", 30, "产出指标", "数量指标", 1_200_000],
            [None, "合格率", "≥95%", None, 2, None, 20, None, "质量指标", None],
            [None, "满意度", "≥90%", "", 3, "", 10, "满意度指标", "服务对象满意度指标", None]]
    book = read_targets(_book(tmp_path / "t.xlsx", rows))
    (p,) = book.targets.projects
    assert book.table.header.row == 2 and set(book.table.header.ignored) == {"备注", "序号"}
    assert (p.unit, p.name, p.budget, p.row) == ("朝阳街道", "社区服务", 120, 3)  # 元 → 万元
    assert [(i.level1, i.level2, i.name, i.target, i.weight) for i in p.indicators] == [
        ("产出指标", "数量指标", "服务人数", "≥500人", 30), ("产出指标", "质量指标", "合格率", "≥95%", 20),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10)]


def test_merged_project_columns_and_first_sheet_fallback(tmp_path):
    rows = [HEADERS, *_project(None, "朝阳街道", "社区服务", 120, IND_A[:3])]
    path = _book(tmp_path / "t.xlsx", rows, sheet="Sheet1", merges=("B2:B4", "D2:D4"))
    ws_rows = openpyxl.load_workbook(path)["Sheet1"]
    assert ws_rows["B3"].value is None  # merged: only the first cell holds the value
    (p,) = read_targets(path).targets.projects
    assert p.unit == "朝阳街道" and len(p.indicators) == 3 and p.code is None


def test_sheet_named_targets_is_preferred(tmp_path):
    path = _book(tmp_path / "t.xlsx", [HEADERS, *_project("P1", "朝阳街道", "社区服务", 1, IND_A[:1])],
                 first="封面")
    assert read_targets(path).sheet == "绩效目标"


def test_same_project_twice_is_refused_naming_both_rows(tmp_path):
    # no code to tell them apart: the same 实施单位 + 项目名称 (after spaces and punctuation) is the same project
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 1, IND_A[:2]),
            *_project(None, "朝阳街道", "绿化", 1, IND_A[:1]), *_project(None, "朝阳 街道", "社区服务。", 1, IND_A[:1])]
    with pytest.raises(ListError) as info:
        read_targets(_book(tmp_path / "b.xlsx", rows))
    text = str(info.value)
    assert "第 5 行与第 2 行是同一个项目" in text and "b.xlsx" in text and "绩效目标" in text
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 1, IND_A[:1]),
            *_project("P2", "朝阳街道", "绿化", 1, IND_A[:1]), *_project("P1", "双井街道", "别的名字", 1, IND_A[:1])]
    with pytest.raises(ListError, match="第 4 行与第 2 行是同一个项目"):
        read_targets(_book(tmp_path / "c.xlsx", rows))


def test_different_codes_same_name_are_two_projects(tmp_path):
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 1, IND_A[:1]),
            *_project("P9", "朝阳街道", "社区服务", 1, IND_A[:1])]
    assert len(read_targets(_book(tmp_path / "t.xlsx", rows)).targets.projects) == 2


def test_conflicting_project_value_names_both_rows(tmp_path):
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, IND_A[:2])]
    rows[2][4] = 130
    with pytest.raises(ListError, match="第 2 行为“120”，在第 3 行（E3）却为“130”"):
        read_targets(_book(tmp_path / "t.xlsx", rows))


def test_missing_and_doubled_headers(tmp_path):
    with pytest.raises(ListError, match="缺少 「三级指标」、「指标值」 列"):
        read_targets(_book(tmp_path / "a.xlsx", [["实施单位", "项目名称", "一级指标", "二级指标"], ["a", "b", "c", "d"]]))
    with pytest.raises(ListError, match="（D 列）和「指标名称」（L 列）都是「三级指标」"):
        read_targets(_book(tmp_path / "b.xlsx", [["实施单位", "项目名称", "一级指标", "三级指标", "指标值", "二级指标",
                                                   None, None, None, None, None, "指标名称"]]))
    with pytest.raises(ListError, match="找不到绩效目标表的表头行"):
        read_targets(_book(tmp_path / "c.xlsx", [["甲", "乙"], [1, 2]]))


def test_not_a_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ListError, match="无法作为绩效目标表读取"):
        read_targets(path)


def test_cli_template_then_check(tmp_path, capsys):
    out = tmp_path / "绩效目标表.xlsx"
    assert main(["targets", "template", "-o", str(out)]) == 0
    assert main(["targets", "template", "-o", str(out)]) == 2  # exists, no --force
    assert main(["targets", "template", "-o", str(out), "--force"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "绩效目标"
    assert [c.value for c in wb["绩效目标"][1]] == ["项目代码", "实施单位", "主管部门", "项目名称", "年初预算数（万元）",
                                                "年度总体目标", "一级指标", "二级指标", "三级指标", "指标值", "分值"]
    assert main(["targets", "check", str(out)]) == 2  # blank: no project
    assert "没有任何项目" in capsys.readouterr().err


def test_cli_check_lists_projects_and_findings_at_list_cells(tmp_path, capsys):
    good = [["产出指标", "数量指标", "服务人数", "≥500人", 50], ["效益指标", "社会效益指标", "居民受益", "明显提升", 30],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10]]
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, good)]
    assert main(["targets", "check", str(_book(tmp_path / "ok.xlsx", rows))]) == 0
    out = capsys.readouterr().out
    assert "P1  朝阳街道·社区服务：3 条指标，分值合计 90，年初预算数 120 万元" in out and "错误 0 个" in out
    bad = [["产出指", "数量指标", "服务人数", "≥500人", 50], ["效益指标", "社会效益指标", "居民受益", "明显提升", 20],
           ["满意度指标", "服务对象满意度指标", "满意度", "—", 10]]
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, bad)]
    assert main(["targets", "check", str(_book(tmp_path / "bad.xlsx", rows))]) == 1
    out = capsys.readouterr().out
    assert "绩效目标!G2 level1-invalid" in out  # 一级指标 is column G, the project's first row
    assert "绩效目标!J4 value-placeholder" in out  # 指标值 of the third indicator
    assert "weights-sum" in out  # 10 + 50 + 20 + 10 = 90, not 100


def test_weights_sum_only_when_every_weight_is_given(tmp_path, capsys):
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120,
                               [["产出指标", "数量指标", "服务人数", "≥500人", None],
                                ["效益指标", "社会效益指标", "居民受益", "明显提升", 20],
                                ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", None]])]
    assert main(["targets", "check", str(_book(tmp_path / "t.xlsx", rows))]) == 0
    out = capsys.readouterr().out
    assert "weights-sum" not in out and "required-missing" not in out


# --- the list reader (python-calamine): offsets, size, other formats, limits -------------------------------------

def test_a_list_below_a_title_and_right_of_a_margin_names_its_own_cells(tmp_path):
    """A title above the header and an empty column A: the rows and columns of messages are the sheet's own."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效目标"
    ws["B1"] = "2024年度项目绩效目标批复表"
    for r, row in enumerate([HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, IND_A[:2])], start=3):
        for c, value in enumerate(row, start=2):
            ws.cell(r, c, value)
    ws["F5"] = 130  # 年初预算数 (column E of the template, one column to the right here) differs on the second row
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(ListError, match="第 4 行为“120”，在第 5 行（F5）却为“130”"):
        read_targets(tmp_path / "t.xlsx")


def test_a_district_sized_list_reads(tmp_path):
    """1,500 projects of 8 indicators (132,000 cells): more markup in one sheet than the form reader accepts
    (its bound is for a form), read whole by the list reader."""
    from xltools.core.targets import TargetIndicator, TargetProject
    from xltools.io.targetsbook import write_targets
    from xltools.io.xlsxread import WorkbookReadError, read_workbook

    indicators = tuple(TargetIndicator("产出指标", "数量指标", f"指标{i}", f"≥{i}件", 10) for i in range(8))
    projects = [TargetProject(f"P{n:05d}", f"街道{n % 43}", "朝阳区民政局", f"项目{n}", 100 + n, "全年目标", indicators)
                for n in range(1500)]
    path = tmp_path / "big.xlsx"
    write_targets(path, projects)
    with pytest.raises(WorkbookReadError):
        read_workbook(path, sheets=("绩效目标",))
    read = read_targets(path).targets.projects
    assert len(read) == 1500 and read[-1].name == "项目1499" and read[-1].budget == 1599
    assert [i.target for i in read[7].indicators] == [f"≥{i}件" for i in range(8)]


def test_a_list_saved_as_xls_reads_as_the_xlsx(tmp_path, soffice):
    """A budget system's export as Excel 97–2003 (.xls): the same projects as the .xlsx it was saved from."""
    from xltools.io.engine import convert

    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120.5, IND_A), *_project(None, "双井街道", "绿化", 80, IND_A[:2])]
    source = _book(tmp_path / "t.xlsx", rows, merges=("B6:B7",))
    (xls,) = convert([source], tmp_path / "xls", "xls")
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    renamed = tmp_path / "导出.xlsx"  # the content, not the suffix, picks the format
    renamed.write_bytes(xls.read_bytes())
    assert read_targets(renamed).targets.projects == read_targets(source).targets.projects


def test_a_compression_bomb_and_an_encrypted_list_are_refused(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (8 << 20))
    with pytest.raises(ListError, match="疑似压缩炸弹"):
        read_targets(bomb)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le"))
    with pytest.raises(ListError, match="已加密"):
        read_targets(locked)


def test_fill_targets_warns_of_errors_it_locks_into_the_forms(tmp_path, capsys):
    """An error in the approved targets would be locked into the prefilled form where no unit can correct it:
    fill --targets names it (at the list's cell) and says how to redo; a clean list prints no such note."""
    clean = _book(tmp_path / "clean.xlsx", [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, IND_A)])
    assert main(["fill", "--targets", str(clean), "-o", str(tmp_path / "a"), "--year", "2026"]) == 0
    assert "注意" not in capsys.readouterr().out
    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, IND_A)]
    rows[2][6] = "产出"  # 一级指标 that is none of the three (level1-invalid)
    bad = _book(tmp_path / "bad.xlsx", rows)
    assert main(["fill", "--targets", str(bad), "-o", str(tmp_path / "b"), "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "绩效目标表中有 1 个错误（1 个项目）" in out and "绩效目标!G3 level1-invalid" in out
    assert "xltools targets check" in out and "--force" in out


def test_targets_digest_equal_for_equal_targets_and_changed_by_any_value(tmp_path):
    from xltools.core.targets import Targets, targets_digest

    rows = [HEADERS, *_project("P1", "朝阳街道", "社区服务", 120, IND_A)]
    first = read_targets(_book(tmp_path / "a.xlsx", rows)).targets
    again = read_targets(_book(tmp_path / "b.xlsx", [rows[0], *[[*r[:5], None, *r[6:]] if i else r for i, r in
                                                                   enumerate(rows[1:])]])).targets  # goal once
    assert targets_digest(first) == targets_digest(again)
    (project,) = first.projects
    changed = project.indicators[1].__class__(*project.indicators[1].typed[:3], "≥90%", 20)
    other = Targets((project.__class__(**{**{k: getattr(project, k) for k in ("code", "unit", "department", "name",
                                                                            "budget", "goal")},
                                          "indicators": (project.indicators[0], changed, *project.indicators[2:])}),))
    assert targets_digest(other) != targets_digest(first)


def test_targets_digest_of_equal_values_held_by_other_objects_and_of_dates():
    import datetime as dt

    from xltools.core.targets import TargetIndicator, TargetProject, Targets, targets_digest

    def targets(deadline, shared):
        unit = "".join(["朝阳", "街道"])  # a new str object each time, equal text
        first = "".join(["产出", "指标"])
        second = first if shared else "".join(["产出", "指标"])  # one object twice, or two equal objects
        indicators = (TargetIndicator(first, "时效指标", "完成时间", deadline, 10, row=2),
                      TargetIndicator(second, "数量指标", "点位", "≥5个", 10.5, row=3))
        return Targets((TargetProject(None, unit, "区民政局", "社区服务", 120, "全年目标", indicators, row=2),))

    text = targets("12月底前", shared=True)
    assert targets_digest(text) == targets_digest(targets("12月底前", shared=False))
    assert targets_digest(text) != targets_digest(targets("11月底前", shared=True))
    dated = targets(dt.date(2026, 12, 31), shared=True)  # a value marshal does not write: still a digest
    assert targets_digest(dated) == targets_digest(targets(dt.date(2026, 12, 31), shared=False))
    assert targets_digest(dated) != targets_digest(targets(dt.date(2026, 11, 30), shared=True))
    assert targets_digest(dated) != targets_digest(text)
