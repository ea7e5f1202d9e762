"""A fast click: what the button's Python imports, how many actions a click makes, how the
colours are batched, and the button under xlwings' "Use UDF Server" (one interpreter for
every click)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402

from xltools.excel import addin, paint  # noqa: E402
from xltools.excel.fill import fill_workbook  # noqa: E402
from xltools.form.annotation import annotate  # noqa: E402
from xltools.form.cells import (  # noqa: E402
    bounds,  # noqa: E402
    cells_of,
    rectangles,
)
from xltools.io import engine  # noqa: E402

from . import forms  # noqa: E402
from .lo import require_soffice  # noqa: E402
from .xlwings_payload import book_payload, painted  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MACRO = ROOT / "macros" / "xltools_form.bas"


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_soffice()
    root = tmp_path_factory.mktemp("click")
    path = fill_workbook(forms.twenty_findings_form(), root / "busy.xlsx")
    return engine.recalculate([path], root / "recalc")[0]


def imported_by(statement: str) -> set[str]:
    code = f"{statement}; import json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"})
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def test_the_button_module_imports_only_xlwings() -> None:
    """Every click (without UDF Server) starts with `import xltools.addin`."""
    modules = imported_by("import xltools.addin")
    assert "xlwings" in modules
    for heavy in ("openpyxl", "xlsxwriter", "pydantic", "xltools.core", "xltools.excel.addin"):
        assert heavy not in modules, heavy


def test_the_check_imports_no_spreadsheet_library() -> None:
    modules = imported_by("import xltools.excel.addin")
    assert not {"openpyxl", "xlsxwriter", "xltools.excel.template", "xltools.io"} & modules


def test_a_whole_click_imports_no_pydantic(busy: Path, tmp_path: Path) -> None:
    """A click in a fresh Python (RunPython without UDF Server): the imports, reading, checking and writing
    back a form with the template's own policy need no pydantic (issue 31: its import alone was ~0.06 s)."""
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(book_payload(busy, name=busy.name, client="Office.js"), ensure_ascii=False,
                                  default=str), encoding="utf-8")
    modules = imported_by("import json, xlwings as xw\nfrom xltools.excel import addin\n"
                          f"book = xw.Book(json=json.load(open({str(payload)!r}, encoding='utf-8')))\n"
                          "assert len(addin.check_scores(book).evaluation.findings) >= 20")
    assert "xltools.form.verdict" in modules  # it did check
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")}
    assert "xltools.core.validation" not in modules


def test_six_actions_on_a_form_with_twenty_findings(busy: Path) -> None:
    """An Office.js client (xlwings Server's add-in, Lite) takes the colours as one matrix (on a 1.3 form the
    template's shading only: the findings' marks go in the record, the third value write)."""
    book = xw.Book(json=book_payload(busy, name=busy.name, client="Office.js"))
    report = addin.check_scores(book)
    assert len(report.evaluation.findings) >= 20
    actions = [a["func"] for a in book.json()["actions"]]
    assert len(actions) <= 6, actions
    assert sorted(actions) == sorted(["setValues", "rangeClearContents", "setValues", "setValues", "setRangeColors",
                                      "alert"])
    assert report.colour_writes == 1


def test_the_vba_remote_client_gets_one_colour_per_rectangle(busy: Path) -> None:
    """xlwings' VBA client (Remote.bas) knows setRangeColor only; the same cells get the same fills."""
    matrix_book = xw.Book(json=book_payload(busy, name=busy.name, client="Office.js"))
    vba_book = xw.Book(json=book_payload(busy, name=busy.name, client="VBA"))
    addin.check_scores(matrix_book, alert=False)
    report = addin.check_scores(vba_book, alert=False)
    actions = vba_book.json()["actions"]
    assert {a["func"] for a in actions} == {"setValues", "rangeClearContents", "setRangeColor"}
    assert report.colour_writes == sum(a["func"] == "setRangeColor" for a in actions)
    assert painted(actions) == painted(matrix_book.json()["actions"])


class _DesktopRange:
    def __init__(self, log: list[tuple[str, str]], address: str) -> None:
        self.log, self.address = log, address

    @property
    def color(self) -> None:
        raise AssertionError("the add-in never reads a colour")

    @color.setter
    def color(self, fill: str) -> None:
        self.log.append((self.address, fill))


class _DesktopSheet:
    """Records what the desktop (COM) engine would be asked: Range(address).Interior.Color = fill."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.book = type("B", (), {"app": type("A", (), {"engine": type("E", (), {"type": "desktop"})()})()})()

    def range(self, address: str) -> _DesktopRange:
        assert isinstance(address, str)  # one COM call: Range(address)
        return _DesktopRange(self.log, address)


def _cells(address: str) -> set[tuple[int, int]]:
    return {cell for area in address.split(",") for cell in cells_of(area)}


def test_desktop_colours_one_write_per_fill(busy: Path) -> None:
    book = xw.Book(json=book_payload(busy, name=busy.name))
    report = addin.check_scores(book, alert=False)
    verdict, grid = addin._read_form(book)
    plan = annotate(verdict, grid.get)
    fills = addin._final_fills(plan, plan.fills)  # every finding painted, as on a form of 1.0-1.2
    assert {cell for ref in report.coloured for cell in cells_of(ref)} <= set(fills)
    sheet = _DesktopSheet()
    writes = paint.paint(sheet, fills)
    assert writes == len(sheet.log)
    assert len({fill for _, fill in sheet.log}) == len(set(fills.values())) == 4  # input, formula, error, warning
    assert writes <= 6, sheet.log
    for address, _ in sheet.log:
        assert len(address) <= paint.MAX_ADDRESS
    got = {}
    for address, fill in sheet.log:
        for cell in _cells(address):
            assert cell not in got, cell  # no cell written twice
            got[cell] = fill
    assert got == fills


def test_long_addresses_are_split_at_255_characters() -> None:
    scattered = {(row, col): "#FFC7CE" for row in range(10, 60, 2) for col in (2, 4, 6, 8)}  # 100 lone cells
    sheet = _DesktopSheet()
    writes = paint.paint(sheet, scattered)
    assert all(len(a) <= 255 for a, _ in sheet.log)
    assert set().union(*(_cells(a) for a, _ in sheet.log)) == set(scattered)
    # 100 areas of 2–3 characters (B10 … H58) and 99 commas: about 430 characters, so two writes
    total = sum(len(f"{chr(64 + c)}{r}") for r, c in scattered) + len(scattered) - 1
    assert writes == -(-total // 255) or writes == -(-total // 255) + 1


def test_rectangles_cover_exactly() -> None:
    cells = {(4, c) for c in range(2, 10)} | {(8, 3), (9, 3), (8, 4), (9, 4), (12, 7)}
    rects = rectangles(cells)
    assert sorted(rects) == sorted(["B4:I4", "C8:D9", "G12"])
    assert paint.areas(["B4:I4", "C8:D9", "G12"], limit=11) == ["B4:I4,C8:D9", "G12"]
    assert bounds("C8:D9") == (3, 8, 4, 9)


# --- "Use UDF Server": one Python for every click ------------------------------------------------

def _macro_command() -> str:
    text = MACRO.read_text(encoding="ascii")
    match = re.search(r'RunXltools "(import xltools\.addin; xltools\.addin\.check_scores_caller\(\))"', text)
    assert match, "the CheckScores macro's command"
    return match.group(1)


def test_xlwings_runpython_execs_the_command_in_its_udf_server() -> None:
    """xlwings' own VBA: with "Use UDF Server" RunPython hands the command to the running server."""
    source = (Path(xw.__file__).with_name("xlwings.bas")).read_text(encoding="utf-8", errors="replace")
    assert 'OPTIMIZED_CONNECTION = GetConfig("USE UDF SERVER", False)' in source
    assert 'XLPy.Exec "" & PythonCommand & ""' in source
    assert 'XLPy.SetAttr XLPy.Module("xlwings._xlwindows"), "BOOK_CALLER", ThisWorkbook' in source


def test_repeated_clicks_in_one_interpreter(busy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the UDF server does per click: exec the macro's command in the same interpreter."""
    command = _macro_command()
    books = []

    def caller() -> xw.Book:
        books.append(xw.Book(json=book_payload(busy, name=busy.name)))
        return books[-1]

    monkeypatch.setattr(xw.Book, "caller", staticmethod(caller))
    namespace: dict[str, object] = {}
    for _ in range(3):
        exec(command, namespace)  # noqa: S102 - the macro's own command, as XLPy.Exec runs it
    assert len(books) == 3
    first, *others = [b.json()["actions"] for b in books]
    assert all(actions == first for actions in others)  # no state carried from one click to the next
    assert sys.modules["xltools.addin"] is namespace["xltools"].addin  # type: ignore[attr-defined]


def test_a_click_runs_without_the_garbage_collector_and_restores_it(busy: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """xltools.addin.paused_gc: the collector is off while a click imports and checks, as before after it
    (on again, or still off for a host that had switched it off), even when the click fails."""
    import gc

    seen: list[bool] = []

    def caller() -> xw.Book:
        seen.append(gc.isenabled())
        return xw.Book(json=book_payload(busy, name=busy.name))

    monkeypatch.setattr(xw.Book, "caller", staticmethod(caller))
    exec(_macro_command(), {})  # noqa: S102 - the macro's own command
    assert seen == [False] and gc.isenabled()

    def broken() -> xw.Book:
        raise RuntimeError("no book")

    monkeypatch.setattr(xw.Book, "caller", staticmethod(broken))
    with pytest.raises(RuntimeError):
        exec(_macro_command(), {})  # noqa: S102
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(xw.Book, "caller", staticmethod(caller))
        exec(_macro_command(), {})  # noqa: S102
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_server_script_is_still_reachable_from_the_entry_module() -> None:
    import xltools.addin

    assert xltools.addin.check_scores_script is addin.check_scores_script
    with pytest.raises(AttributeError):
        xltools.addin.no_such_thing  # noqa: B018
