"""xlwings' Windows code paths, run on Linux.

On Windows ``xlwings/__init__.py`` binds ``xw.func``/``xw.sub``/``xw.script``/``xw.arg``/``xw.ret``
to ``xlwings.udfs.xlfunc``/``xlsub``/``xlsub``/``xlarg``/``xlret``; ``xlwings.udfs`` is importable on
Linux once the three pywin32 bindings it imports (``pythoncom``, ``pywintypes``,
``win32com.client``) exist. :func:`windows_xlwings` puts small stand-ins for those three into
``sys.modules``, imports the real ``xlwings.udfs``, binds the decorators as xlwings does on Windows
and imports ``xltools.excel.udfs``, ``xltools.excel.addin`` and ``xltools.addin`` afresh under them.

A UDF call converts every argument with ``conversion.read(None, value, options)`` and the result
with ``conversion.write(result, None, options)`` (``call_udf`` in ``xlwings/udfs.py``). With no
range, that path asks ``xlwings.engines["excel"]`` — on Windows the engine of ``xlwings._xlwindows``
— to clean the values. ``_xlwindows`` itself cannot be imported here (win32api, win32gui,
``ctypes.windll`` …), so :func:`_windows_engine` executes its value-cleaning code — the ``Engine``
class and the functions it uses, taken unchanged from the installed ``_xlwindows.py`` — in a
namespace of its own. Everything is undone when the context ends.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

# As in the other xlwings tests: the remote engine (xw.Book(json=...)) registers at xlwings' import.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings  # noqa: E402
import xlwings.main  # noqa: E402

#: What pywin32 hands over for a missing optional argument (``call_udf``'s marker).
MISSING = -2147352572
#: Cell error values as pywin32 hands them over (VT_ERROR codes; ``_xlwindows.cell_errors``).
ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#VALUE!": -2146826273, "#REF!": -2146826265}

_RELOADED = ("xltools.addin", "xltools.excel.addin", "xltools.excel.udfs")
_ENGINE_PARTS = ("time_types", "cell_errors", "_com_time_to_datetime", "_clean_value_data_element", "Engine")


class _TimeType(dt.datetime):
    """pywintypes.TimeType: pywin32's COM date, a datetime subclass."""


def _unusable(name: str) -> Callable[..., object]:
    def call(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"{name} called: a COM call in a test that has no Excel")

    return call


def _stand_ins() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = _unusable("pythoncom.CoInitialize")  # type: ignore[attr-defined]
    pythoncom.CoMarshalInterThreadInterfaceInStream = _unusable("CoMarshalInterThreadInterfaceInStream")  # type: ignore[attr-defined]
    pythoncom.CoGetInterfaceAndReleaseStream = _unusable("CoGetInterfaceAndReleaseStream")  # type: ignore[attr-defined]
    pythoncom.IID_IDispatch = object()  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.TimeType = _TimeType  # type: ignore[attr-defined]
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = _unusable("win32com.client.Dispatch")  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


def _windows_engine(pywintypes: types.ModuleType) -> object:
    """xlwings' Windows engine's value cleaning, executed from the installed ``_xlwindows.py``."""
    source_path = Path(xlwings.__file__).with_name("_xlwindows.py")
    tree = ast.parse(source_path.read_text(encoding="utf-8"))
    kept = []
    for node in tree.body:
        names = ([t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign)
                 else [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [])
        if any(name in _ENGINE_PARTS for name in names):
            kept.append(node)
    assert {n for node in kept for n in ([t.id for t in node.targets] if isinstance(node, ast.Assign)
            else [node.name])} == set(_ENGINE_PARTS), "xlwings' _xlwindows.py changed shape"
    namespace: dict[str, object] = {"dt": dt, "pywintypes": pywintypes, "np": None, "pd": None}
    exec(compile(ast.Module(body=kept, type_ignores=[]), str(source_path), "exec"), namespace)  # noqa: S102
    return namespace["Engine"]()  # type: ignore[operator]


@dataclass
class WindowsXlwings:
    """The real ``xlwings.udfs`` and ``xlwings.conversion``, and xltools imported under them."""

    udfs: types.ModuleType
    conversion: types.ModuleType
    modules: dict[str, types.ModuleType]

    def call(self, func: Callable[..., object], *args: object) -> object:
        """What ``xlwings.udfs.call_udf`` does with values Excel passes (no range arguments)."""
        info = func.__xlfunc__  # type: ignore[attr-defined]
        args_info, ret_info = info["args"], info["ret"]
        converted = list(args)
        for i, arg in enumerate(converted):
            arg_info = args_info[min(i, len(args_info) - 1)]
            if isinstance(arg, int) and arg == MISSING:
                converted[i] = arg_info.get("optional", None)
            else:
                converted[i] = self.conversion.read(None, arg, arg_info["options"])
        return self.conversion.write(func(*converted), None, ret_info["options"])


@contextmanager
def windows_xlwings() -> Iterator[WindowsXlwings]:
    with pytest.MonkeyPatch.context() as mp:
        stand_ins = _stand_ins()
        for name, module in stand_ins.items():
            mp.setitem(sys.modules, name, module)
        mp.delitem(sys.modules, "xlwings.udfs", raising=False)
        udfs = importlib.import_module("xlwings.udfs")
        mp.setattr(xlwings, "udfs", udfs, raising=False)
        for name, value in (("func", udfs.xlfunc), ("sub", udfs.xlsub), ("script", udfs.xlsub),
                            ("arg", udfs.xlarg), ("ret", udfs.xlret)):
            mp.setattr(xlwings, name, value)
        engines = xlwings.engines
        mp.setattr(engines, "engines", list(engines.engines))
        mp.setattr(engines, "engines_by_name", dict(engines.engines_by_name))
        engines.add(xlwings.main.Engine(impl=_windows_engine(stand_ins["pywintypes"])))
        for name in _RELOADED:
            parent, _, child = name.rpartition(".")
            if name in sys.modules:  # `from xltools.excel import addin` reads the package attribute
                mp.setattr(sys.modules[parent], child, sys.modules[name])
            mp.delitem(sys.modules, name, raising=False)
        modules = {name: importlib.import_module(name) for name in reversed(_RELOADED)}
        try:
            yield WindowsXlwings(udfs, importlib.import_module("xlwings.conversion"), modules)
        finally:
            for name in _RELOADED:  # the monkeypatch puts the originals back
                sys.modules.pop(name, None)
            sys.modules.pop("xlwings.udfs", None)
            udfs.com_executor.shutdown(wait=False)
