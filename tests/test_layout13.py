"""Template 1.3 (issue 29): the form prints whole, the 总分 row is marked, the results column is printed.

Every test here fills real workbooks, lets LibreOffice recalculate and print them, and reads the PDF
back with ``pdftotext -bbox``. LibreOffice writes a clipped cell's whole text into the PDF (clipped by a
path), so a message is only *seen* whole when its lines stay inside its row: a clipped line lies on the
row above or below and its box overlaps another text's box. The same form in template 1.2 (8 pt text in
rows of fixed height, the issue's example) shows that overlap, so the check can fail.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest

from xltools.core import Form
from xltools.core.validation import from_data
from xltools.excel.template import template_bytes
from xltools.form.identify import identify
from xltools.form.layout_v1_3 import TOTAL_MARK_TEXT, LayoutV1_3
from xltools.form.registry import CURRENT_VERSION, layout_for
from xltools.form.verdict import judge
from xltools.io.engine import recalculate, to_pdf
from xltools.io.fill import fill_template
from xltools.io.xlsxread import read_workbook

from .forms import clean_form
from .lo import require_soffice

#: The issue's example, one more: five messages in J8 (年初预算数 blank, 全年预算数 negative and not the sum of
#: its parts, 全年执行数 typed as text — read as 6.6296 by check and by 1.3's sheet, not the sum of its parts
#: either), a score above its weight on the first indicator row, and blanks in the header and the sign-off
#: line (two messages in each of J5, J6 and three in the sign-off row).
J8 = ["请填写年初预算数", "全年预算数不能为负", "全年执行数应为数字", "全年预算数与其中各项之和不符",
      "全年执行数与其中各项之和不符"]


def _bad_form() -> Form:
    data = asdict(clean_form())
    data["funds"]["total"].update(initial_budget=None, annual_budget=-5, executed="6.6296万")
    data["funds"]["fiscal"]["annual_budget"] = 1
    data["indicators"][0]["score"] = 25
    data["indicators"].append({"deviation": "只填了偏差原因"})  # row 21: seven 请填写 messages, more than fit
    data.update(department=None, implementing_unit=None, project_lead=None, lead_phone=None, filled_by=None,
                filler_phone=None, filled_on=None)
    return from_data(Form, data)


def _over_form() -> Form:
    data = asdict(clean_form())
    data["indicators"][0]["score"] = data["indicators"][0]["weight"] + 5  # 25 of 20: 总分 still looks fine
    return from_data(Form, data)


def _words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    box = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(c), float(d), text) for a, b, c, d, text in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', box)]


def _overlaps(words: list[tuple[float, float, float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than a sliver (a clipped line lying on another text)."""
    out = []
    for i, (x0, y0, x1, y1, a) in enumerate(words):
        for u0, v0, u1, v1, b in words[i + 1:]:
            if min(x1, u1) - max(x0, u0) > 1 and min(y1, v1) - max(y0, v0) > 1:
                out.append((a, b))
    return out


def _column(words: list[tuple[float, float, float, float, str]]) -> list[tuple[float, float, float, float, str]]:
    """The words of the 检查 column in reading order: from the left edge of its texts (J5's) to the results
    column's labels (K)."""
    left = next(w[0] for w in words if w[4].startswith("请填写主管部门"))
    right = min(w[0] for w in words if w[4] in ("复核得分", "检查结果"))
    return sorted((w for w in words if left - 2 <= w[0] and w[2] <= right), key=lambda w: (round(w[1]), w[0]))


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_soffice()
    tmp = tmp_path_factory.mktemp("v13")
    paths = {}
    for version in ("1.2", "1.3"):
        paths[f"bad{version}"] = fill_template(_bad_form(), tmp / f"bad{version}.xlsx",
                                               template_bytes(year=2024, version=version))
    paths["over1.3"] = fill_template(_over_form(), tmp / "over1.3.xlsx", template_bytes(year=2024))
    paths["clean1.3"] = fill_template(clean_form(), tmp / "clean1.3.xlsx", template_bytes(year=2024))
    keys = list(paths)
    pdfs = dict(zip(keys, to_pdf([paths[k] for k in keys], tmp / "pdf")))
    recalculated = dict(zip(keys, recalculate([paths[k] for k in keys], tmp / "recalc")))
    return {**{f"{k}.xlsx": v for k, v in paths.items()}, **{f"{k}.pdf": v for k, v in pdfs.items()},
            **{f"{k}.recalc": v for k, v in recalculated.items()}}


def test_1_3_is_the_current_template_and_the_released_ones_stay() -> None:
    assert CURRENT_VERSION == "1.3"
    layout = layout_for("1.3", 15)
    assert isinstance(layout, LayoutV1_3) and layout.print_area == "A1:K31"
    assert layout_for("1.2", 15).print_area == "A1:J31" and layout_for("1.0", 15).print_area == "A1:I31"


def test_every_check_message_prints_whole(printed: dict[str, Path]) -> None:
    layout = layout_for("1.3", 15)
    sheet = read_workbook(printed["bad1.3.recalc"]).sheet("自评表")
    texts = {row: sheet.value(layout.check_cell(row)) for row in layout.check_rows}
    texts = {row: text for row, text in texts.items() if text}
    assert texts[8].split("；") == J8  # all five, whole: no 「另有…」
    assert texts[5] == "请填写主管部门；请填写实施单位" and texts[6] == "请填写项目负责人；请填写联系电话"
    assert texts[layout.signoff_row] == "请填写填表人；请填写联系电话；请填写填写日期"
    assert texts[layout.total_row] == TOTAL_MARK_TEXT  # a score behind 总分 is wrong
    assert "得分超过分值" in texts[layout.first_indicator_row]
    # row 21 holds 3 lines of 14 characters, less room kept for 「另有99项见红色格」 (9): 33 for the messages with
    # their separators — 请填写一级指标 8, 二级 8, 三级 8, 请填写年度指标值 9 (33); 请填写实际完成值 would make 42:
    # four shown, three told
    assert texts[21] == "请填写一级指标；请填写二级指标；请填写三级指标；请填写年度指标值；另有3项见红色格"
    pdf = printed["bad1.3.pdf"]
    assert _pages(pdf) == 4  # the form on one A4 page, 校验结果 on one, 填报说明 on two
    words = _words(pdf, 1)
    page = "".join(w[4] for w in words)
    column = "".join(w[4] for w in _column(words))
    for text in texts.values():  # each message's full text, in the order of its lines, in the 检查 column
        for message in text.split("；"):
            assert message.replace(" ", "") in column, message
    assert not _overlaps(words), _overlaps(words)
    # the results column is printed (its labels) and every page carries the title and its number
    assert "复核得分" in page and "检查结果" in page
    assert "第1页，共4页" in page
    for number in (1, 2):  # the form and 校验结果: the title in the page header, the page's number
        text = "".join(w[4] for w in _words(pdf, number))
        assert text.startswith("朝阳区项目支出绩效自评表（2024年度）") and f"第{number}页，共4页" in text, number


def test_the_same_form_in_1_2_is_clipped(printed: dict[str, Path]) -> None:
    """The check above can fail: 1.2 prints J8's four messages in a 20 pt row, over its neighbours."""
    words = _words(printed["bad1.2.pdf"], 1)
    clipped = _overlaps(words)
    assert clipped and any("请填写年初预算数" in a + b for a, b in clipped), clipped
    assert "复核得分" not in "".join(w[4] for w in words)  # 1.2's print area ends at J


def test_the_total_row_is_marked_when_a_score_behind_it_is_wrong(printed: dict[str, Path]) -> None:
    layout = layout_for("1.3", 15)
    total = layout.total_row
    for name, marked, errors in (("over1.3", True, 1), ("clean1.3", False, 0)):
        book = read_workbook(printed[f"{name}.recalc"])
        sheet = book.sheet("自评表")
        assert sheet.value(layout.spot("total_score").cell) not in (None, "")
        assert book.sheet(layout.check_sheet).value(layout.total_marked) == (1 if marked else 0), name
        assert (sheet.value(layout.check_cell(total)) or "").startswith(TOTAL_MARK_TEXT) is marked, name
        assert sheet.value(layout.count_cells["errors"]) == errors, name  # score-out-of-range only: no error of its own
    # the conditional format that shades 总分 and 等级 reads the mark
    ws = openpyxl.load_workbook(printed["over1.3.xlsx"])["自评表"]
    rules = {str(cf.sqref): [r.formula for r in cf.rules] for cf in ws.conditional_formatting}
    ref = f"{layout.spot('total_score').cell}:{layout.spot('grade').cell}"
    assert rules[ref] == [[f"{layout.check_sheet}!{layout.total_marked}=1"]]
    words = _words(printed["over1.3.pdf"], 1)
    assert TOTAL_MARK_TEXT[:10] in "".join(w[4] for w in words) and not _overlaps(words)


def test_the_result_sheet_shows_percentages_and_prints_with_a_header(printed: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(printed["over1.3.xlsx"])["校验结果"]
    assert ws["B3"].number_format == "0.00%" and ws["B4"].number_format == "0.00"
    assert "朝阳区项目支出绩效自评表（2024 年度）" in ws.oddHeader.center.text
    assert "&P" in ws.oddFooter.center.text and ws.print_title_rows == "$10:$10"
    form = openpyxl.load_workbook(printed["over1.3.xlsx"])["自评表"]
    assert form.print_area.endswith("$A$1:$K$31") and form.page_setup.paperSize == 9
    text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-layout", str(printed["over1.3.pdf"]), "-"],
                          capture_output=True, text=True, check=True).stdout
    rate = read_workbook(printed["over1.3.recalc"]).sheet("自评表").value("H8")
    assert f"{rate:.2%}" in text and "0.955" not in text  # 95.50%, not 0.955


def test_a_1_3_form_survives_a_libreoffice_round_trip(printed: dict[str, Path]) -> None:
    """Recalculated and saved by LibreOffice, the form is still 1.3 with the same verdict and no tamper finding."""
    for name in ("over1.3", "bad1.3"):
        book = read_workbook(printed[f"{name}.recalc"])
        assert identify(book).version == "1.3"
        before, after = judge(read_workbook(printed[f"{name}.xlsx"])), judge(book)
        assert not [f for f in after.findings if f.code.startswith("tamper-")], name
        assert sorted((f.code, f.cell) for f in after.findings) == sorted((f.code, f.cell) for f in before.findings)


BREAKDOWN = {"readable": "20万", "wrong": "25万", "unreadable": "约20万", "full-width": "２０．０"}


def _carryover(text: str) -> Form:
    data = asdict(clean_form())  # 全年预算数 100 = 80 (当年财政拨款) + 20 (上年结转资金)
    data["funds"]["carryover"]["annual_budget"] = text
    return from_data(Form, data)


def test_the_sheet_adds_up_the_amounts_check_adds_up(tmp_path: Path) -> None:
    """docs2's case: 「48.7078万」 in a 其中 row is one error (number-as-text) for check and, in 1.3, for the sheet:
    its breakdown sum reads the text as check does (1.2 counted a second error, 其中各项之和不符)."""
    require_soffice()
    paths = [fill_template(_carryover(text), tmp_path / f"{name}_{version}.xlsx",
                           template_bytes(year=2024, version=version))
             for name, text in BREAKDOWN.items() for version in ("1.2", "1.3")]
    counted = {}
    for original, path in zip(paths, recalculate(paths, tmp_path / "recalc")):
        book = read_workbook(path)
        sheet_errors = book.sheet("自评表").value("AY1")
        verdict = judge(read_workbook(original))
        breakdown = any(f.code == "breakdown-mismatch" for f in verdict.findings)
        counted[original.stem] = (sheet_errors, verdict.errors, breakdown)
    for name in BREAKDOWN:
        sheet, check, breakdown = counted[f"{name}_1.3"]
        assert sheet == check, (name, counted)
        assert breakdown is (name in ("wrong", "unreadable")), (name, counted)
    assert counted["readable_1.2"][0] == counted["readable_1.2"][1] + 1  # what 1.3 mends


# --- issue 27's in-sheet items, in 1.3: grades on the scale only, ROUNDDOWN, every operator spelling ---------

def _weights(first: float, budget: float = 10) -> Form:
    data = asdict(clean_form())
    data["indicators"][0]["weight"] = first  # 20 in the clean form: the weights add up to 100
    data["budget_weight"] = budget
    return from_data(Form, data)


def _no_weights() -> Form:
    data = asdict(clean_form())
    data["budget_weight"] = None
    for row in data["indicators"]:
        row["weight"] = None
    return from_data(Form, data)


def test_the_grade_stays_on_the_scale(tmp_path: Path) -> None:
    """等级: 优 for the clean form (9.55 + 20 + 15 + 15 + 15 + 14 + 10 = 98.55), 未评级 when the 分值 add up to 105
    or a self-score is 5 above its 分值 (total 103.55), 未评分 when no 分值 is given at all; 1.2 grades 103.55 优."""
    require_soffice()
    over = asdict(clean_form())
    over["indicators"][0]["score"] = 25  # 5 above its 分值: the sheet's total 103.55 is above the full score
    cases = {"clean": clean_form(), "105": _weights(25), "above": from_data(Form, over), "none": _no_weights()}
    paths = [fill_template(form, tmp_path / f"{name}_{version}.xlsx", template_bytes(year=2024, version=version))
             for name, form in cases.items() for version in ("1.2", "1.3")]
    shown = {}
    for original, path in zip(paths, recalculate(paths, tmp_path / "recalc")):
        sheet = read_workbook(path).sheet("自评表")
        shown[original.stem] = (sheet.value("H30"), sheet.value("I30"))
    assert shown["clean_1.3"] == (98.55, "优"), shown
    assert shown["105_1.3"][1] == "未评级" and shown["above_1.3"] == (103.55, "未评级"), shown
    assert shown["none_1.3"][1] == "未评分", shown
    assert shown["above_1.2"] == (103.55, "优")  # what 1.3 mends: a grade above the scale


def test_rounding_down_rounds_down_in_the_sheet(tmp_path: Path) -> None:
    """rounding = "down", whole points: 执行率 99.1 % of a 分值 of 10 is 9 points (9.91 cut), as the core says;
    1.2's formulas keep ROUND (10)."""
    require_soffice()
    from xltools.core import Policy
    from xltools.core.scoring import score_form

    policy = from_data(Policy, {"rounding": "down", "decimals": 0})
    data = asdict(clean_form())
    data["funds"]["total"].update(annual_budget=100, executed=99.1)
    data["funds"]["fiscal"].update(annual_budget=80, executed=80)
    data["funds"]["carryover"].update(annual_budget=20, executed=19.1)
    form = from_data(Form, data)
    assert score_form(form, policy).budget_score == 9
    paths = [fill_template(form, tmp_path / f"down_{v}.xlsx", template_bytes(year=2024, version=v, policy=policy))
             for v in ("1.2", "1.3")]
    old, new = (read_workbook(p).sheet("自评表").value("I8") for p in recalculate(paths, tmp_path / "recalc"))
    assert (old, new) == (10, 9)


#: Spellings of the core's operator table, each with an actual value that misses its target, the score the
#: rules give (分值 20; hand-computed: ≥ 95 % with 76 % → 76/95 × 20 = 16; ≤ 10 天 with 12 天 → 10/12 × 20 =
#: 16.67; = 100 % with 90 % → (1 − 10/100) × 20 = 18) and a self-score of 20 that must be flagged.
SPELLINGS = [("不低于95%", "76%", 16), ("95%以上", "76%", 16), ("达到95%", "76%", 16), ("＞＝95%", "76%", 16),
             ("⩾95%", "76%", 16), ("10天以内", "12天", 16.67), ("不超过10天", "12天", 16.67),
             ("═100%", "90%", 18), ("等于100%", "90%", 18)]


def test_every_operator_spelling_is_read_in_the_sheet(tmp_path: Path) -> None:
    require_soffice()
    layout = layout_for("1.3", 15)
    paths = []
    for i, (target, actual, _) in enumerate(SPELLINGS):
        data = asdict(clean_form())
        data["indicators"][0].update(target=target, actual=actual, score=20, deviation="未完成")
        form = from_data(Form, data)
        for version in ("1.2", "1.3"):
            paths.append(fill_template(form, tmp_path / f"op{i}_{version}.xlsx",
                                       template_bytes(year=2024, version=version)))
    read = {}
    for original, path in zip(paths, recalculate(paths, tmp_path / "recalc")):
        book = read_workbook(path)
        checks = book.sheet(layout.check_sheet)
        read[original.stem] = (checks.value(layout.helper_cell("calc", 15)),
                               book.sheet("自评表").value(layout.check_cell(15)) or "",
                               [f.code for f in judge(read_workbook(original)).findings if f.cell == "自评表!H15"])
    for i, (target, _, expected) in enumerate(SPELLINGS):
        calc, text, codes = read[f"op{i}_1.3"]
        assert calc == pytest.approx(expected, abs=0.005), (target, read[f"op{i}_1.3"])
        assert "score-mismatch" in codes and f"按指标值计算得分应为 {expected:g}" in text, (target, text, codes)
    assert any(read[f"op{i}_1.2"][0] in ("", None) for i in range(len(SPELLINGS)))  # 1.2 read few of them


def test_the_guide_of_1_3_says_what_1_3_shows(tmp_path: Path) -> None:
    from xltools.form.layout_v1_1 import GUIDE_SHEET

    texts = {}
    for version in ("1.2", "1.3"):
        path = tmp_path / f"t{version}.xlsx"
        path.write_bytes(template_bytes(year=2026, version=version))
        texts[version] = " ".join(str(v) for v in read_workbook(path).sheets[GUIDE_SHEET].values.values())
    assert "另有N项见红色格" in texts["1.3"] and "未评级" in texts["1.3"] and "改正后自动消失" in texts["1.3"]
    assert "另有N项见红色格" not in texts["1.2"]
    assert "完整检查能读出的记为警告" not in texts["1.3"]  # number-as-text is an error everywhere (one severity)


def test_a_filled_1_3_form_keeps_the_heights_its_check_texts_are_sized_for(tmp_path: Path) -> None:
    """fill shrinks the unused indicator rows of a 1.2 form to 20 pt; a 1.3 row keeps its 36 pt, since a clerk who
    types into it later gets 检查 texts sized for 36 pt."""
    heights = {}
    for version in ("1.2", "1.3"):
        path = fill_template(clean_form(), tmp_path / f"f{version}.xlsx", template_bytes(year=2024, version=version))
        heights[version] = openpyxl.load_workbook(path)["自评表"].row_dimensions[25].height
    assert heights == {"1.2": 20, "1.3": 36}
