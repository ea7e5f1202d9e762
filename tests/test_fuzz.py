"""Fuzz and fault harness (issue 13): mutated real forms and special files against every door.

Seeds are the frozen real fills of template version 1.0 (``tests/fixtures/v1_0/*.xlsx``) and the real
2020 JSON form. Hypothesis mutates them at the zip level (truncation, flipped bytes, dropped or
doubled parts, other compressions), the XML level (elements deleted or doubled, attribute values
replaced, Strict namespaces, encodings, deep nesting) and the value level (cell values and JSON
fields replaced by hostile values). For every case:

* no exception escapes and no traceback is printed; no file gets fate ``internal-error`` (a bug);
* ``check`` exits 0, 1 or 2 and prints strict JSON; ``fill`` exits 0 or 2, and what it writes reads back;
* ``combine`` lists every input in 文件清单, changes no input byte, and the control form beside the
  mutant gets exactly the result it gets alone; each case takes bounded time.

``make test`` runs a small fixed-seed budget (``derandomize``); ``make fuzz`` runs a large one
(``XLTOOLS_FUZZ_EXAMPLES``, default 25 here). Output faults (full disk, read-only folder, full
temporary folder) and signals are in ``tests/test_reliability_output.py``; memory bounds in
``tests/test_reliability_input.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.cli import main
from xltools.district.combine import combine
from xltools.district.results import FATE_TEXT
from xltools.excel.fill import fill_workbook

from .forms import SEED_JSON, clean_form
from .fuzzkit import SEEDS, byte_mutant, parts, rezip

EXAMPLES = int(os.environ.get("XLTOOLS_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SECONDS_PER_CASE = 15.0
SEED_BYTES = {seed.name: seed.read_bytes() for seed in SEEDS}
XML_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml",
             "xl/styles.xml", "[Content_Types].xml")
HOSTILE = ["", " ", "-1", "0", "1e400", "-1e400", "nan", "inf", "1" * 5000, "9" * 400, "1.7976931348623157e308",
           "4.9e-324", "-0", "A0", "ZZZZ1048577", "XFD1048576", "&amp;&lt;", "&#1;", "&#xFFFE;", "=HYPERLINK(\"x\")",
           "=1+1", "＝１", "６．６", "1,234.5万", "2999-01-01", "0000-00-00", "一百万", "x" * 40_000, "\u202e甲",
           "𠀀𠀁", "true", "#REF!", "99999999999999999999", "2.5e-7"]


# --- the control: a form whose result no other file may change ----------------------------------

class Control(tuple):
    """(bytes, outcome alone) of the control form; a short repr for hypothesis' reports."""

    def __repr__(self) -> str:
        return "<control form>"


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Control:
    folder = tmp_path_factory.mktemp("control")
    path = fill_workbook(clean_form(project_name="对照项目（不应受其他文件影响）", implementing_unit="对照街道办事处"),
                         folder / "zz_control.xlsx")
    data = path.read_bytes()
    return Control((data, _outcome(combine([path], folder / "s.xlsx", jobs=1).files[0])))


def _outcome(result) -> tuple:
    project = result.project
    return (result.fate, result.reason, tuple(result.findings),
            None if project is None else (project.key, project.review_total, project.grade, project.self_total))


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def _check_strict(path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code = main(["check", "--json", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "内部错误" not in captured.err, captured.err[-2000:]
    for line in captured.out.split("\n"):  # one object per line ("\u2028" inside a text is no line break)
        if not line:
            continue
        json.loads(line, parse_constant=lambda name: pytest.fail(f"non-finite {name} in check --json"))
    return code


def _judge_everywhere(mutant: bytes, control: tuple[bytes, tuple], capsys: pytest.CaptureFixture[str],
                      name: str = "aa_mutant.xlsx") -> None:
    """The invariants of the harness, for one mutated workbook beside the control form."""
    control_bytes, control_outcome = control
    with tempfile.TemporaryDirectory(prefix="xltools-fuzz-") as scratch:
        folder = Path(scratch, "in")
        folder.mkdir()
        (folder / name).write_bytes(mutant)
        (folder / "zz_control.xlsx").write_bytes(control_bytes)
        before = _digest(folder)
        started = time.perf_counter()
        assert _check_strict(folder / name, capsys) in (0, 1, 2)
        report = combine([folder], Path(scratch, "out", "s.xlsx"), jobs=1)
        assert time.perf_counter() - started < SECONDS_PER_CASE
        assert _digest(folder) == before, "an input byte changed"
        fates = {Path(r.path).name: r for r in report.files}
        assert set(fates) == {name, "zz_control.xlsx"}, "every input is listed"
        assert fates[name].fate in FATE_TEXT and fates[name].fate != "internal-error", fates[name].traceback
        assert _outcome(fates["zz_control.xlsx"]) == control_outcome, "another file changed the control's result"
        json.dumps(report.as_json(), allow_nan=False)
        assert report.exit_code in (0, 1, 2)


# --- zip level ----------------------------------------------------------------------------------

@st.composite
def zip_mutants(draw: st.DrawFn) -> bytes:
    data = SEED_BYTES[draw(st.sampled_from(sorted(SEED_BYTES)))]
    kind = draw(st.sampled_from(["truncate", "flip", "drop", "double", "compression", "garbage-part"]))
    if kind in ("truncate", "flip"):
        return byte_mutant(draw, data, kind)
    members = parts(data)
    if kind == "drop":
        members.pop(draw(st.sampled_from(sorted(members))))
        return rezip(members)
    if kind == "double":
        name = draw(st.sampled_from(sorted(members)))
        other = members[draw(st.sampled_from(sorted(members)))]
        buffer = __import__("io").BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member, body in members.items():
                archive.writestr(member, body)
            with pytest.warns(UserWarning):
                archive.writestr(name, other)  # a second entry of the same name
        return buffer.getvalue()
    if kind == "compression":
        return rezip(members, draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])))
    members[draw(st.sampled_from(XML_PARTS))] = draw(st.binary(max_size=200))
    return rezip(members)


@FUZZ
@given(zip_mutants())
def test_fuzz_zip_level(control, capsys, mutant):
    _judge_everywhere(mutant, control, capsys)


# --- XML level ----------------------------------------------------------------------------------

_ELEMENT = re.compile(rb"<([A-Za-z][\w:]*)\b[^<>]*?(?:/>|>[^<]*</\1>)")
_ATTRIBUTE = re.compile(rb'(\s[\w:]+=")([^"]*)(")')


@st.composite
def xml_mutants(draw: st.DrawFn) -> bytes:
    data = SEED_BYTES[draw(st.sampled_from(sorted(SEED_BYTES)))]
    members = parts(data)
    name = draw(st.sampled_from(XML_PARTS))
    body = members[name]
    kind = draw(st.sampled_from(["delete", "double", "attribute", "strict", "encoding", "nest", "bytes"]))
    elements = list(_ELEMENT.finditer(body))
    attributes = list(_ATTRIBUTE.finditer(body))
    if kind in ("delete", "double") and elements:
        m = elements[draw(st.integers(0, len(elements) - 1))]
        body = body[:m.start()] + (m.group(0) * 2 if kind == "double" else b"") + body[m.end():]
    elif kind == "attribute" and attributes:
        for _ in range(draw(st.integers(1, 4))):
            m = attributes[draw(st.integers(0, len(attributes) - 1))]
            value = draw(st.sampled_from(HOSTILE)).replace("&#", "#").replace('"', "'").encode()
            body = body[:m.start(2)] + value + body[m.end(2):]
            attributes = list(_ATTRIBUTE.finditer(body))
    elif kind == "strict":
        body = body.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                            b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    elif kind == "encoding":
        declaration = draw(st.sampled_from([b"utf-16", b"x-unknown", b"iso-8859-1", b"utf-7", b"ascii"]))
        body = b'<?xml version="1.0" encoding="' + declaration + b'"?>' + re.sub(rb"\A<\?xml[^>]*\?>", b"", body)
    elif kind == "nest":
        depth = draw(st.integers(100, 50_000))
        body = body.replace(b"</", b"<x>" * depth + b"</x>" * depth + b"</", 1)
    else:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=16)) + body[at:]
    members[name] = body
    return rezip(members)


@FUZZ
@given(xml_mutants())
def test_fuzz_xml_level(control, capsys, mutant):
    _judge_everywhere(mutant, control, capsys)


# --- value level --------------------------------------------------------------------------------

_VALUE = re.compile(rb"(<v>|<t>|<t xml:space=\"preserve\">)([^<]*)(</v>|</t>)")


@st.composite
def value_mutants(draw: st.DrawFn) -> bytes:
    data = SEED_BYTES[draw(st.sampled_from(sorted(SEED_BYTES)))]
    members = parts(data)
    sheet = members["xl/worksheets/sheet1.xml"]
    for _ in range(draw(st.integers(1, 6))):
        values = list(_VALUE.finditer(sheet))
        m = values[draw(st.integers(0, len(values) - 1))]
        text = draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                              st.floats().map(repr), st.integers().map(str)))
        escaped = (text.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "surrogatepass"))
        sheet = sheet[:m.start(2)] + escaped + sheet[m.end(2):]
    members["xl/worksheets/sheet1.xml"] = sheet
    return rezip(members)


@FUZZ
@given(value_mutants())
def test_fuzz_value_level(control, capsys, mutant):
    _judge_everywhere(mutant, control, capsys)


SEED_FORM = json.loads(SEED_JSON.read_text(encoding="utf-8"))
JSON_VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30), st.floats(), st.integers(),
                        st.none(), st.booleans(), st.lists(st.integers(), max_size=3))


@st.composite
def json_mutants(draw: st.DrawFn) -> str:
    form = json.loads(json.dumps(SEED_FORM))
    for _ in range(draw(st.integers(1, 5))):
        target = draw(st.sampled_from(["top", "funds", "indicator"]))
        if target == "top":
            form[draw(st.sampled_from(sorted(form)))] = draw(JSON_VALUES)
        elif target == "funds" and isinstance(form.get("funds"), dict):
            row = form["funds"].get(draw(st.sampled_from(["total", "fiscal", "carryover", "other"])))
            if isinstance(row, dict):
                row[draw(st.sampled_from(["initial_budget", "annual_budget", "executed"]))] = draw(JSON_VALUES)
        elif isinstance(form.get("indicators"), list) and form["indicators"]:
            item = form["indicators"][draw(st.integers(0, len(form["indicators"]) - 1))]
            if isinstance(item, dict):
                item[draw(st.sampled_from(sorted(item)))] = draw(JSON_VALUES)
    return json.dumps(form, ensure_ascii=False)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 5))
@given(json_mutants())
def test_fuzz_json_forms_through_check_and_fill(capsys, text):
    with tempfile.TemporaryDirectory(prefix="xltools-fuzz-") as scratch:
        form = Path(scratch, "form.json")
        form.write_text(text, encoding="utf-8")
        assert _check_strict(form, capsys) in (0, 1, 2)
        out = Path(scratch, "out.xlsx")
        code = main(["fill", str(form), "-o", str(out)])
        err = capsys.readouterr().err
        assert code in (0, 2) and "Traceback" not in err and "内部错误" not in err, err[-2000:]
        assert out.exists() == (code == 0)
        if code == 0:  # what fill writes reads back
            assert _check_strict(out, capsys) in (0, 1)
        assert sorted(p.name for p in Path(scratch).iterdir()) == sorted(["form.json"] + (["out.xlsx"] if code == 0 else []))


@st.composite
def oversized_json_forms(draw: st.DrawFn) -> str:
    """Issue 26: a JSON form the layout cannot hold — more indicators than its 200 rows, or an amount,
    year or score of hundreds of digits (no float holds it) — each an exit 2, never 内部错误."""
    form = json.loads(json.dumps(SEED_FORM))
    huge = draw(st.integers(309, 700).map(lambda digits: int("9" * digits)))
    where = draw(st.sampled_from(["indicators", "year", "amount", "score", "weight", "budget_weight"]))
    if where == "indicators":
        form["indicators"] = form["indicators"][:1] * draw(st.integers(201, 260))
    elif where == "amount":
        row = draw(st.sampled_from(["initial_budget", "annual_budget", "executed"]))
        form["funds"]["total"][row] = huge * draw(st.sampled_from([1, -1]))
    elif where in ("score", "weight"):
        form["indicators"][0][where] = huge
    else:
        form[where] = huge
    return json.dumps(form, ensure_ascii=False)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 5))
@given(oversized_json_forms())
def test_fuzz_oversized_json_forms_are_exit_2(capsys, text):
    with tempfile.TemporaryDirectory(prefix="xltools-fuzz-") as scratch:
        form = Path(scratch, "form.json")
        form.write_text(text, encoding="utf-8")
        assert _check_strict(form, capsys) == 2
        out = Path(scratch, "out.xlsx")
        code = main(["fill", str(form), "-o", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "内部错误" not in err and ("绩效指标" in err or "数字位数过多" in err), err[-2000:]
        assert not out.exists()


# --- special files ------------------------------------------------------------------------------

SPECIAL = ["fifo", "socket", "dev-zero", "dev-null", "folder", "broken-link", "link-loop", "empty", "sparse-huge"]


def _make_special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind in ("dev-zero", "dev-null"):
        path.symlink_to(f"/dev/{kind[4:]}")
    elif kind == "folder":
        path.mkdir()
    elif kind == "broken-link":
        path.symlink_to(path.with_name("nowhere.xlsx"))
    elif kind == "link-loop":
        path.symlink_to(path.with_name("loop2.xlsx"))
        path.with_name("loop2.xlsx").symlink_to(path)
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        with path.open("wb") as handle:
            handle.truncate(20 * 1024 * 1024 + 1)


@pytest.mark.parametrize("kind", SPECIAL)
def test_special_files_are_listed_and_never_block(tmp_path, control, capsys, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    special = folder / "aa_special.xlsx"
    _make_special(kind, special)
    (folder / "zz_control.xlsx").write_bytes(control[0])
    started = time.perf_counter()
    if kind != "folder":
        assert _check_strict(special, capsys) == 2
    report = combine([folder], tmp_path / "out" / "s.xlsx", jobs=1)
    assert time.perf_counter() - started < SECONDS_PER_CASE
    shown = {Path(r.path.rstrip("/")).name: r for r in report.files}
    assert "zz_control.xlsx" in shown and _outcome(shown["zz_control.xlsx"]) == control[1]
    if kind != "folder":
        assert shown["aa_special.xlsx"].fate in ("unreadable", "too-large"), shown["aa_special.xlsx"]
    assert report.exit_code == (0 if kind == "folder" else 1)
    assert not any(r.fate == "internal-error" for r in report.files)
    shutil.rmtree(tmp_path / "out")
