"""The xlwings add-in, for real: real filled workbooks, recalculated by LibreOffice, sent as the
xlwings client's request into ``xw.Book(json=...)``; assertions on the recorded actions."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from xltools.core.validation import from_data

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402
from openpyxl.utils.cell import get_column_letter, range_boundaries  # noqa: E402

from xltools.core import Form, Policy, evaluate  # noqa: E402
from xltools.core.parse import parse_number  # noqa: E402
from xltools.core.quantity import parse_quantity  # noqa: E402
from xltools.core.scoring import budget_score, execution_rate, grade, score_form  # noqa: E402
from xltools.excel import addin, udfs  # noqa: E402
from xltools.excel.fill import fill_workbook
from xltools.form.annotation import ERROR_FILL, WARNING_FILL  # noqa: E402
from xltools.form.layout import Layout  # noqa: E402
from xltools.form.registry import current_layout  # noqa: E402
from xltools.form.verdict import judge  # noqa: E402
from xltools.io import engine  # noqa: E402
from xltools.io.forms import judge_loaded, load_form  # noqa: E402

from . import forms  # noqa: E402
from .lo import require_soffice  # noqa: E402
from .xlwings_payload import book_payload, cells, painted, written  # noqa: E402

TODAY = dt.date(2025, 3, 1)
TEMPLATES = Path(__file__).resolve().parent.parent / "workbook_templates"


def many_errors_form() -> Form:
    data = asdict(forms.seed_form())
    data.update(project_name=None, lead_phone="12345", filled_on="2019-02-30", budget_weight=10, budget_score=3)
    data["funds"]["total"].update(annual_budget=100, executed=130)
    data["indicators"][0].update(weight=40, score=55, level1="产出")
    data["indicators"][1].update(target="≥95%", actual="80人", score="很好")
    return from_data(Form, data)


CASES = {"seed": forms.seed_form, "clean": forms.clean_form, "errors": many_errors_form}


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each case filled into the real template, then recalculated by LibreOffice (one soffice call)."""
    require_soffice()
    root = tmp_path_factory.mktemp("addin")
    paths = []
    for name, make in CASES.items():
        # The committed templates; the seed goes into the macro-enabled one.
        template = TEMPLATES / ("朝阳区项目支出绩效自评表.xlsm" if name == "seed" else "朝阳区项目支出绩效自评表.xlsx")
        paths.append(fill_workbook(make(), root / f"{name}{template.suffix}", template=template))
    recalculated = engine.recalculate(paths, root / "recalc")
    return dict(zip(CASES, recalculated))


def run_check(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[addin.CheckReport, list[dict], int]:
    """Run the check on the xlwings book of ``path``; count the real range reads it makes."""
    book = xw.Book(json=book_payload(path, name=path.name))
    reads = 0
    value = xw.main.Range.value

    def counting_get(self: xw.main.Range) -> object:
        nonlocal reads
        reads += 1
        return value.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(xw.main.Range, "value", property(counting_get, value.fset))  # type: ignore[attr-defined]
    report = addin.check_scores(book, today=TODAY)
    monkeypatch.undo()
    return report, book.json()["actions"], reads


def expand(ref: str) -> set[str]:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return {f"{get_column_letter(c)}{r}" for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)}


@pytest.mark.parametrize("case", list(CASES))
def test_check_scores_writes_results(case: str, filled: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # What the workbook reader makes of the same file (formula cells hold LibreOffice's results).
    loaded = load_form(filled[case])
    assert loaded.form.project_name == CASES[case]().project_name
    layout = current_layout()
    expected = judge(loaded.book, identity=loaded.identity, today=TODAY).evaluation  # the one verdict
    report, actions, reads = run_check(filled[case], monkeypatch)

    # Round trips: two reads, three value writes (1.3: the record of the marks too), one clear.
    assert reads == report.reads == 2
    value_writes = [a for a in actions if a["func"] == "setValues"]
    assert len(value_writes) == report.value_writes == 3
    assert sum(a["func"] == "rangeClearContents" for a in actions) == 1

    # Nothing typed by the user is written over.
    inputs = set().union(*(expand(s.merge or s.cell) for s in layout.input_spots()))
    for action in value_writes:
        if action["sheet_position"] == 0:
            assert not cells(action) & inputs

    # The result column: reviewer's score per indicator row, total, status.
    form_write = next(a for a in value_writes if a["sheet_position"] == 0 and a["start_column"] == 10)
    assert cells(form_write) == expand(f"{layout.result_column}{layout.spot('check_status').row}:"
                                       f"{layout.result_column}{layout.total_row}")
    column = {f"{layout.result_column}{form_write['start_row'] + 1 + i}": row[0] for i, row in enumerate(form_write["values"])}
    for item in expected.sheet.indicators:
        assert column[layout.indicator_cell(item.index, "score").replace("H", layout.result_column)] == item.score
    assert column[layout.spot("review_total").cell] == expected.sheet.total
    status = column[layout.spot("check_status").cell]
    assert f"{len(expected.errors)} 个错误" in status or (not expected.findings and "检查通过" in status)
    assert column[f"{layout.result_column}{layout.first_indicator_row - 1}"] == "复核得分"  # label kept

    # The 校验结果 sheet: summary and one row per finding, in the core's order.
    result_write = next(a for a in value_writes if a["sheet_position"] == 1)
    assert result_write["start_row"] + 1 == Layout.RESULT_SUMMARY_FIRST_ROW
    rows = result_write["values"]
    summary = {row[0]: row[1] for row in rows[:len(Layout.RESULT_SUMMARY)]}
    assert summary["复核总分"] == expected.sheet.total
    assert summary["错误"] == len(expected.errors) and summary["警告"] == len(expected.warnings)
    header = Layout.RESULT_TABLE_HEADER_ROW - Layout.RESULT_SUMMARY_FIRST_ROW
    assert rows[header] == list(Layout.RESULT_COLUMNS)
    table = rows[header + 1:]
    assert [(r[1], r[3]) for r in table] == [(f.cell or layout.cell_of(f.field) or "", f.code)
                                             for f in expected.findings]
    assert all(r[2] in ("错误", "警告") and r[4] for r in table)

    # Colours: the template's shading restored (painted); every finding's cell marked in the record, which
    # the template's conditional format colours while the cell keeps its checked value (tests/test_addin_marks.py)
    fills = painted(actions)
    record = written(actions, 0, layout.record_block.split(":")[0])
    assert set(record) == expand(layout.record_block)
    for finding in expected.findings:
        cell = (finding.cell or layout.cell_of(finding.field) or "").split("!")[-1]
        if cell:
            want = "E" if any(f.severity == "error" and (f.cell or layout.cell_of(f.field) or "")
                              .endswith("!" + cell) for f in expected.findings) else "W"
            anchor = next((r.split(":")[0] for r in report.coloured if cell in expand(r)), cell)
            assert record[layout.mark_cell(anchor)] == want, (finding, cell)
            assert fills.get(anchor) != (ERROR_FILL if want == "E" else WARNING_FILL)  # not painted
    marks = {cell for cell, value in record.items() if value in ("E", "W")}
    assert len(marks) == len(report.coloured)  # one mark per coloured box, nothing else
    coloured = {c for ref in report.coloured for c in expand(ref)}
    for cell in inputs - coloured:
        assert fills[cell] == "#FFF8D0"  # input shading restored

    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and alerts[0]["args"][0] == status


def test_many_errors_are_marked(filled: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    report, actions, _ = run_check(filled["errors"], monkeypatch)
    assert len(report.evaluation.errors) >= 5
    assert ERROR_FILL in report.coloured.values()
    assert "B4:I4" in report.coloured  # the missing project name, its whole merged box
    alert = next(a for a in actions if a["func"] == "alert")
    assert alert["args"][3] == "critical"


def test_clean_form_passes(filled: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    report, actions, _ = run_check(filled["clean"], monkeypatch)
    assert not report.evaluation.errors
    assert ERROR_FILL not in painted(actions).values()


def test_not_a_template(tmp_path: Path) -> None:
    payload = {"client": "VBA", "version": xw.__version__, "book": {"name": "x.xlsx", "active_sheet_index": 0,
               "selection": "A1"}, "names": [],
               "sheets": [{"name": "Sheet1", "values": [[1]], "pictures": [], "tables": []}]}
    with pytest.raises(addin.AddinError, match="自评表"):
        addin.check_scores(xw.Book(json=payload))


def test_udfs_give_the_core_numbers() -> None:
    policy = Policy()
    seed = forms.seed_form()
    total = seed.fund("total")
    rate = execution_rate(parse_number(total.annual_budget).value, parse_number(total.executed).value)
    assert udfs.xltools_execution_rate(total.annual_budget, total.executed) == rate
    assert udfs.xltools_budget_score(total.annual_budget, total.executed, 10) == budget_score(rate, 10, policy)
    sheet = score_form(seed, policy)
    quantitative = [r for r in sheet.indicators if r.kind in ("positive", "reverse", "equal")]
    assert quantitative
    for result in sheet.indicators:
        ind = seed.indicators[result.index]
        got = udfs.xltools_indicator_score(ind.target, ind.actual, ind.weight)
        assert got == (result.score if result in quantitative else None)
    for value in (95, 89.99, 60, 12, None):
        assert udfs.xltools_grade(value) == grade(value, policy)
    assert udfs.xltools_value("6.6296万") == parse_number("6.6296万").value
    assert udfs.xltools_value("≥95%") == parse_quantity("≥95%").value  # type: ignore[union-attr]
    assert udfs.xltools_value("达成预期指标") is None


def test_combine_folder(tmp_path: Path) -> None:
    fill_workbook(forms.seed_form(), tmp_path / "a.xlsx")
    fill_workbook(forms.clean_form(), tmp_path / "b.xlsx")
    # The macro sends UTF-16 code units; a non-BMP character arrives as a surrogate pair.
    odd = tmp_path / "报表😀"
    odd.mkdir()
    (tmp_path / "a.xlsx").rename(odd / "a.xlsx")
    as_sent = "".join(chr(u) for u in memoryview(str(odd).encode("utf-16-le")).cast("H"))
    outcome = addin.combine_folder(as_sent, now=dt.datetime(2025, 1, 20, 9, 30))
    assert not outcome.failed, outcome.message
    assert outcome.path == odd / "汇总_20250120_093000.xlsx" and outcome.path.exists()
    assert "1 个项目" in outcome.message
    missing = addin.combine_folder(str(tmp_path / "nope"))
    assert missing.failed and "不存在" in missing.message


def test_rows_come_from_the_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template with more indicator rows: the block read and the result column follow its 模板信息."""
    require_soffice()
    data = asdict(forms.clean_form())
    data["indicators"] = data["indicators"] * 3  # 18 rows: the default template has 15
    form = from_data(Form, data)
    path = engine.recalculate([fill_workbook(form, tmp_path / "long.xlsx")], tmp_path / "recalc")[0]
    report, actions, reads = run_check(path, monkeypatch)
    layout = current_layout(18)
    assert reads == 2 and len(report.evaluation.sheet.indicators) == 18
    form_write = next(a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 0)
    assert form_write["start_row"] + form_write["row_count"] == layout.total_row
    assert form_write["values"][-1][0] == report.evaluation.sheet.total


@pytest.mark.parametrize("fmt", ["xls", "et"])
def test_a_form_open_as_xls_or_et_gets_format_legacy_as_in_check(fmt: str, filled: dict[str, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice saves the filled form as .xls (renamed .et, as WPS names it); the client sends the book under
    that name with the values calamine reads from it: the button's verdict is check's, format-legacy included."""
    [xls] = engine.convert([filled["errors"]], tmp_path / "xls", "xls")
    path = xls if fmt == "xls" else Path(shutil.copy(xls, tmp_path / "errors.et"))
    report, actions, _ = run_check(path, monkeypatch)
    plain, _, _ = run_check(filled["errors"], monkeypatch)
    codes = sorted(f.code for f in report.evaluation.findings)
    assert "format-legacy" not in [f.code for f in plain.evaluation.findings]
    assert codes == sorted([*(f.code for f in plain.evaluation.findings), "format-legacy"])
    checked = judge_loaded(load_form(path), today=TODAY)  # the check door on the same file
    assert codes == sorted(f.code for f in checked.findings)
    legacy = next(f for f in report.evaluation.findings if f.code == "format-legacy")
    assert legacy.message == next(f for f in checked.findings if f.code == "format-legacy").message
    assert ("WPS 表格（.et" if fmt == "et" else "Excel 97–2003 工作簿（.xls）") in legacy.message
    result_write = next(a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 1)
    assert any("format-legacy" in row for row in result_write["values"])  # said on 校验结果, not only kept


_SERVER_CLIENT = """
import json, sys
from fastapi.testclient import TestClient
from xlwings_server.main import main_app

client = TestClient(main_app)
meta = client.get("/xlwings/custom-scripts-meta")
call = client.post("/xlwings/custom-scripts-call/check_scores_script",
                   json=json.loads(open(sys.argv[1], encoding="utf-8").read()))
print(json.dumps({"meta": [meta.status_code, meta.json()], "call": [call.status_code, call.json()]}))
"""


def test_xlwings_server_script_endpoint(filled: dict[str, Path], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """xlwings Server end to end: the app finds the script and answers the client's request.

    A separate process: xlwings-server switches xlwings' decorators to server mode at import,
    which must happen before xlwings is first imported.
    """
    import json
    import subprocess
    import sys

    if sys.version_info < (3, 11):
        pytest.skip("xlwings-server needs Python 3.11 or newer")
    project = tmp_path / "server"
    for package, names in (("custom_scripts", "check_scores_script"),
                           ("custom_functions", "xltools_execution_rate, xltools_grade")):
        (project / package).mkdir(parents=True)
        module = "addin" if package == "custom_scripts" else "udfs"
        (project / package / "__init__.py").write_text(f"from xltools.excel.{module} import {names}  # noqa: F401\n")
    payload = book_payload(filled["seed"], name="seed.xlsx")
    (tmp_path / "payload.json").write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
    (tmp_path / "client.py").write_text(_SERVER_CLIENT)
    env = {**os.environ, "XLWINGS_PROJECT_DIR": str(project), "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, str(tmp_path / "client.py"), str(tmp_path / "payload.json")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    status, scripts = answer["meta"]
    assert status == 200
    assert [(s["function_name"], s["button"]) for s in scripts] == [("check_scores_script", f"[xltools_check]自评表!{current_layout().check_button_cell}")]
    status, body = answer["call"]
    assert status == 200
    _, local, _ = run_check(filled["seed"], monkeypatch)
    served = [a for a in body["actions"] if a["func"] != "alert"]
    assert served == [a for a in local if a["func"] != "alert"]
    assert any(a["func"] == "alert" for a in body["actions"])
