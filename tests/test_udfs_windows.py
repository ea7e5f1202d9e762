"""The worksheet functions and the button's module under xlwings' real Windows code.

``xlwings.udfs`` registers each ``@xw.func`` from its annotations; ``call_udf`` converts each
argument with ``conversion.read`` and the result with ``conversion.write``. Expected values are
worked out by hand from the README's rules (R1: rate = executed / budget; budget score =
min(rate, 1) × weight; R3: actual ≥ target → full weight, else actual / target × weight;
R6: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差). An empty result comes back as ``""`` (an empty cell).
"""

from __future__ import annotations

import io
import types

import pytest

from .xlwings_windows import ERRORS, MISSING, WindowsXlwings, windows_xlwings

FUNCTIONS = ("xltools_execution_rate", "xltools_budget_score", "xltools_indicator_score", "xltools_grade",
             "xltools_value")
EMPTY = None  # an empty cell, as pywin32 hands it over

CALLS = {
    "xltools_execution_rate": [
        ((200.0, 190.0), 0.95),
        (("200万", "190"), 0.95),           # text as typed into the form
        ((EMPTY, 190.0), ""),               # no budget: empty
        ((200.0, ERRORS["#DIV/0!"]), ""),   # an error in the executed cell: empty
        ((0.0, 5.0), ""),                   # budget not positive
    ],
    "xltools_budget_score": [
        ((200.0, 190.0, MISSING), 9.5),     # 分值 left out: the default 10
        ((200.0, 190.0, 20.0), 19.0),
        ((100.0, 120.0, 10.0), 10.0),       # over-executed: capped at the weight
        ((EMPTY, 1.0, 10.0), ""),
        ((100.0, 50.0, "十"), ""),          # 分值 not a number
    ],
    "xltools_indicator_score": [
        (("≥95%", "98%", 20.0), 20.0),
        (("≥100人", "80人", 10.0), 8.0),
        (("≤10天", "8天", 5.0), 5.0),
        (("达成预期指标", "达成", 10.0), ""),  # qualitative: not computed
        ((EMPTY, EMPTY, EMPTY), ""),
    ],
    "xltools_grade": [
        ((95.0,), "优"), ((89.99,), "良"), ((60.0,), "中"), ((12.0,), "差"),
        ((EMPTY,), ""), ((ERRORS["#N/A"],), ""), (("92",), "优"),
    ],
    "xltools_value": [
        (("6.6296万",), 6.6296), (("≥95%",), 95.0), ((12.5,), 12.5), (("1,234.5",), 1234.5),
        ((EMPTY,), ""), (("达成预期指标",), ""), ((ERRORS["#VALUE!"],), ""),
    ],
}


@pytest.fixture(scope="module")
def windows() -> WindowsXlwings:
    with windows_xlwings() as w:
        yield w


def test_every_function_is_called() -> None:
    assert sorted(CALLS) == sorted(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_registered_by_xlfunc(windows: WindowsXlwings, name: str) -> None:
    func = getattr(windows.modules["xltools.addin"], name)
    assert func is getattr(windows.modules["xltools.excel.udfs"], name)
    info = func.__xlfunc__
    assert info["name"] == name and info["sub"] is False
    for arg in info["args"]:  # every converter is one xlwings knows
        assert windows.conversion.accessors.get(arg["options"].get("convert")) is not None, arg
    assert windows.conversion.accessors.get(info["ret"]["options"].get("convert")) is not None


@pytest.mark.parametrize(("name", "args", "expected"),
                         [(n, a, e) for n, calls in CALLS.items() for a, e in calls])
def test_called_through_xlwings_conversion(windows: WindowsXlwings, name: str, args: tuple,
                                           expected: object) -> None:
    func = getattr(windows.modules["xltools.addin"], name)
    result = windows.call(func, *args)
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1  # one cell
    value = result[0][0]
    if isinstance(expected, float):
        assert value == pytest.approx(expected, abs=1e-9)
    else:
        assert value == expected


def test_import_functions_writes_the_vba_of_all_five(windows: WindowsXlwings) -> None:
    """What the ribbon's "Import Functions" generates for UDF Modules = xltools.addin."""
    out = io.StringIO()
    workbook = types.SimpleNamespace(Name="xlwings.xlam")
    windows.udfs.generate_vba_wrapper("xltools.addin", windows.modules["xltools.addin"], out, workbook)
    vba = out.getvalue()
    assert vba.count("\nFunction xltools_") + vba.startswith("Function xltools_") == len(FUNCTIONS)
    for name in FUNCTIONS:
        assert f'XLPy.CallUDF("xltools.addin", "{name}"' in vba
    assert "Function xltools_budget_score(annual_budget, executed, Optional weight)" in vba
    assert "Sub " not in vba  # no macro is exported as a worksheet function


def test_addin_modules_import_as_on_windows(windows: WindowsXlwings) -> None:
    addin = windows.modules["xltools.excel.addin"]
    script = addin.check_scores_script.__xlfunc__  # xw.script is xlwings.udfs.xlsub on Windows
    assert script["sub"] is True and [a["name"] for a in script["args"]] == ["book"]
    entry = windows.modules["xltools.addin"]
    assert callable(entry.check_scores_caller) and callable(entry.combine_folder_caller)
    assert not hasattr(entry.check_scores_caller, "__xlfunc__")
