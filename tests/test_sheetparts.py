"""项目信息, 指标明细, 问题清单 and 文件清单 rendered apart (another process, or this one) and spliced into the summary give
the very workbook the summary writer writes row by row: every part of the two files compared byte for byte."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import pytest

from xltools.core import Policy
from xltools.district import sheetparts
from xltools.district.combine import _Rows, _write_summary
from xltools.district.results import FileResult, IndicatorRow, ProjectRow
from xltools.district.sheetparts import SheetParts
from xltools.district.store import Store

TODAY = dt.date(2025, 3, 1)
PARENT = os.getpid()


def _project(n: int) -> ProjectRow:
    indicators = [IndicatorRow("产出指标", "数量指标", f"指标{k}", "≥40个", "40个" if k else None, 20, 20 - k, None,
                               "原因 & <说明>\n第二行" if k == 1 else "") for k in range(n % 4)]
    return ProjectRow(year="2024", unit=f"第{n % 3}街道办事处", department="城管办", name=f"项目{n}", lead="王",
                      initial_budget=100.0, annual_budget=100.0 + n, executed=90.5, execution_rate=0.9, budget_score=9.0,
                      subtotals={"产出指标": 50.0}, self_total=88.0, review_total=80.0 + n, grade="良",
                      filled_on=dt.date(2025, 1, n % 28 + 1), packed_indicators=ProjectRow.pack(indicators),
                      details=("85991234", *[1.5 * n] * 9, 10.0, "预期" * n, "实际", "张三", "", dt.date(2025, 2, 1)))


def _results() -> list[FileResult]:
    """Forms (tampered ones too), files that are no form, errors and warnings, in an input order the units do not
    follow (the summarised projects are sorted, the files are not)."""
    out = []
    for n in range(1, 40):
        fate = "tampered" if n % 7 == 0 else "ok"
        findings = [("自评表", f"H{n}", "score-mismatch", "error" if n % 2 else "warning", f"说明{n}")] * (n % 3)
        out.append(FileResult(f"第{n % 3}街道/{n:03d}.xlsx", fate, size=1000 * n, mtime=1.7e9 + n, sha256=f"{n:064x}",
                              project=_project(n), findings=findings, format="xlsx" if n % 5 else "xls"))
        if n % 10 == 0:
            out.append(FileResult(f"第{n % 3}街道/说明{n}.docx", "not-template", "不是自评表" * n))
    return out


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if not name.startswith("docProps/")}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("parts") / "store.sqlite"
    with Store(path) as db:
        round_id, _ = db.begin_round(None, "汇总.xlsx", "cfg")
        for seq, result in enumerate(_results()):
            db.add(round_id, seq, result, "cfg", TODAY)
    return path, round_id


def _summary(tmp_path: Path, store: tuple[Path, int], name: str, parallel: bool | None) -> Path:
    """The summary of the round, its long sheets written row by row (``parallel`` None) or rendered apart."""
    path, round_id = store
    output = tmp_path / f"{name}.xlsx"
    with Store(path) as db, SheetParts(path, round_id, str(tmp_path), bool(parallel)) as parts:
        _write_summary(output, _Rows(db, round_id, used=False), Policy(), parts if parallel is not None else None,
                       used=_Rows(db, round_id, used=True), link_base=tmp_path)
    return output


def test_sheets_rendered_apart_are_the_sheets_written_row_by_row(tmp_path: Path, store: tuple[Path, int]) -> None:
    rows = _parts(_summary(tmp_path, store, "rows", None))
    assert _parts(_summary(tmp_path, store, "here", False)) == rows
    assert _parts(_summary(tmp_path, store, "apart", True)) == rows
    assert b"\x02" not in b"".join(rows.values())  # no placeholder left over (and the sheets were written)
    assert rows["xl/worksheets/sheet5.xml"].count(b"<row ") == 1 + sum(n % 4 for n in range(1, 40))  # 指标明细


def _dies_in_the_second_process(*args: object) -> object:
    if os.getpid() != PARENT:
        os._exit(3)  # as a process the out-of-memory killer ended
    return RENDER(*args)  # type: ignore[operator]


RENDER = sheetparts.render_parts


def test_a_renderer_that_dies_is_replaced_by_rendering_here(tmp_path: Path, store: tuple[Path, int],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _parts(_summary(tmp_path, store, "rows", None))
    monkeypatch.setattr(sheetparts, "render_parts", _dies_in_the_second_process)
    assert _parts(_summary(tmp_path, store, "after", True)) == rows


RENDERED_HERE: list[object] = []


def _dies_rendering_the_files(*args: object) -> object:
    if os.getpid() == PARENT:
        RENDERED_HERE.append(args[-1])
    elif args[-1] == "files":
        os._exit(3)  # the second part's process ends after the first part came back
    return RENDER(*args)  # type: ignore[operator]


def test_a_renderer_that_dies_after_the_first_part_leaves_only_the_second_to_render_here(
        tmp_path: Path, store: tuple[Path, int], monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _parts(_summary(tmp_path, store, "rows", None))
    RENDERED_HERE.clear()
    monkeypatch.setattr(sheetparts, "render_parts", _dies_rendering_the_files)
    assert _parts(_summary(tmp_path, store, "after", True)) == rows
    assert RENDERED_HERE == ["files"]  # 项目信息 and 指标明细 came from the second process, the rest was rendered here


def test_the_two_parts_are_two_tasks_of_the_one_renderer(tmp_path: Path, store: tuple[Path, int],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """问题清单 and 文件清单 are a task of their own, so the summary splices 项目信息 and 指标明细 before they are rendered."""
    submitted: list[tuple[object, ...]] = []
    real_submit = sheetparts.ProcessPoolExecutor.submit

    def submit(pool, fn, *args, **kwargs):  # noqa: ANN001 - records what the renderer is given
        submitted.append(args[-1:])
        return real_submit(pool, fn, *args, **kwargs)

    monkeypatch.setattr(sheetparts.ProcessPoolExecutor, "submit", submit)
    _summary(tmp_path, store, "apart", True)
    assert submitted == [("projects",), ("files",)]


@pytest.mark.parametrize("used_before", [3, 120])
def test_spliced_rows_take_every_index_and_any_number_of_formats(tmp_path: Path, used_before: int) -> None:
    """Rows rendered with 18 formats (more than the 14 two-byte codes) spliced into a workbook whose formats' indices
    reach past 99 (``used_before`` formats used first) are the rows the sheet itself writes, byte for byte."""
    import xlsxwriter

    from xltools.district.rowstream import RowRenderer, _RowStream

    def book(path: Path, spliced: bool) -> None:
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(tmp_path)})
        first = [wb.add_format({"num_format": f"0.{'0' * (k % 9)}", "font_size": 8 + k % 7, "bold": k % 2})
                 for k in range(used_before)]
        ws0 = wb.add_worksheet("前", worksheet_class=_RowStream)
        ws0.append_values(0, [k for k in range(used_before)], first)
        ours = {f"f{k}": wb.add_format({"font_color": f"#{k:02X}0000", "italic": 1}) for k in range(18)}
        fmts = list(ours.values())
        rows = [(row, [f"文本{row}\x01<&>", row * 1.5, None, "", *range(14)], [fmts[(row + k) % 18] for k in range(18)])
                for row in range(1, 30)]
        ws = wb.add_worksheet("后", worksheet_class=_RowStream)
        ws.write_string(0, 0, "表头")
        if spliced:
            renderer = RowRenderer(str(tmp_path / "rows.xml"), {f: n for n, f in ours.items()}, {})
            for row, values, formats in rows:
                renderer.append_values(row, values, formats, 30.0 if row % 5 == 0 else None)
            ws.splice(renderer.done(), ours)
        else:
            for row, values, formats in rows:
                ws.append_values(row, values, formats, 30.0 if row % 5 == 0 else None)
        wb.close()

    book(tmp_path / "here.xlsx", spliced=False)
    book(tmp_path / "spliced.xlsx", spliced=True)
    here, spliced = _parts(tmp_path / "here.xlsx"), _parts(tmp_path / "spliced.xlsx")
    assert spliced == here
    assert b' s="%d"' % (used_before + 18) in here["xl/worksheets/sheet2.xml"]  # the last format's index


def test_the_file_lists_are_rendered_without_decoding_a_stored_project(tmp_path: Path, store: tuple[Path, int],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """问题清单 and 文件清单 take a file's unit and name from ``files``: no stored project is decoded for them (the
    sheets themselves are compared with the ones written row by row from decoded projects above)."""
    from xltools.district import store_rounds as store_module

    decoded: list[object] = []
    real = store_module._project_from
    monkeypatch.setattr(store_module, "_project_from", lambda *args: decoded.append(args) or real(*args))
    path, round_id = store
    rendered = sheetparts.render_parts(str(path), round_id, str(tmp_path), "files")
    assert decoded == []
    assert set(rendered) == {"findings", "files"}
    listed = Path(rendered["files"].path).read_text(encoding="utf-8")
    assert listed.count("<row ") == len(_results())
    assert "第1街道办事处" in listed and "项目1<" in listed  # project 1: unit 第1街道办事处, name 项目1
    sheetparts.render_parts(str(path), round_id, str(tmp_path), "projects")
    assert len(decoded) == sum(r.project is not None for r in _results())  # the projects' part still decodes them


def test_errors_bad_fates_and_unverifiable_formats_are_red_in_the_file_lists(tmp_path: Path,
                                                                               store: tuple[Path, int]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(_summary(tmp_path, store, "red", True))
    red = {row[7].value: row[7].font.color.rgb if row[7].font.color else None
           for row in book["问题清单"].iter_rows(min_row=2)}
    assert red["错误"] == "FFC00000" and red["警告"] != "FFC00000"
    listed = list(book["文件清单"].iter_rows(min_row=2, values_only=False))
    assert len(listed) == len(_results())
    for row in listed:
        status_red = bool(row[2].font.color) and row[2].font.color.rgb == "FFC00000"
        format_red = bool(row[6].font.color) and row[6].font.color.rgb == "FFC00000"
        assert status_red == (row[2].value not in ("正常、无错误", "正常、有错误")), row[1].value
        assert format_red == (row[6].value == ".xls"), row[1].value
