"""Hostile files against the Word-form and other-layout readers (issue 25): mutated .docx forms and
mutated other-layout workbooks either read or are refused with a Chinese FormReadError / NotAForm,
never another exception, each within a bounded time. Seeds: a .docx in the notice's layout made from
the clean test form (tests/wordkit.py) and the four other layouts (tests/labelkit.py).
"""

from __future__ import annotations

import re
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.forms import clean_form, seed_form
from tests.fuzzkit import byte_mutant, parts, rezip
from tests.labelkit import layout_a, layout_b, layout_c, layout_d
from tests.test_fuzz import EXAMPLES, FUZZ, HOSTILE, _judge_everywhere, control  # noqa: F401  (control: a fixture)
from tests.wordkit import form_docx
from xltools.form.labelform import NotAForm
from xltools.form.verdict import judge_form
from xltools.io.forms import FormReadError, judge_loaded, load_form
from xltools.io.labelbook import read_other_layout
from xltools.io.xlsxread import WorkbookReadError, read_workbook

SECONDS_PER_CASE = 10.0
_SCRATCH = Path(tempfile.mkdtemp(prefix="xltools-fuzz-word-"))
DOCX = {name: form_docx(make(), _SCRATCH / f"{name}.docx").read_bytes()
        for name, make in (("clean", clean_form), ("seed", seed_form))}
LAYOUTS = {f.__name__: f(_SCRATCH / f"{f.__name__}.xlsx").read_bytes() for f in (layout_a, layout_b, layout_c, layout_d)}


def _read_word(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="xltools-fuzz-") as scratch:
        path = Path(scratch, "mutant.docx")
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            loaded = load_form(path)
        except FormReadError as exc:
            assert re.search(r"[\u4e00-\u9fff]", exc.reason) and "Traceback" not in exc.reason
            assert exc.fate in ("unreadable", "too-large", "not-template", "encrypted", "unknown-version")
        else:
            judge_loaded(loaded)
        assert time.perf_counter() - started < SECONDS_PER_CASE
        assert path.read_bytes() == data  # the input untouched


@st.composite
def docx_mutants(draw: st.DrawFn) -> bytes:
    data = DOCX[draw(st.sampled_from(sorted(DOCX)))]
    kind = draw(st.sampled_from(["truncate", "flip", "drop", "garbage", "xml-cut", "xml-value", "deep"]))
    if kind in ("truncate", "flip"):
        return byte_mutant(draw, data, kind)
    members = parts(data)
    name = draw(st.sampled_from(sorted(members)))
    if kind == "drop":
        members.pop(name)
    elif kind == "garbage":
        members[name] = draw(st.binary(max_size=200))
    elif kind == "xml-cut":
        body = members["word/document.xml"]
        cut = draw(st.integers(0, len(body)))
        members["word/document.xml"] = body[:cut] + body[cut + draw(st.integers(1, 400)):]
    elif kind == "xml-value":
        body = members["word/document.xml"].decode("utf-8")
        texts = list(re.finditer(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", body))
        match = texts[draw(st.integers(0, len(texts) - 1))]
        value = draw(st.sampled_from(HOSTILE)).replace("&", "&amp;").replace("<", "&lt;")
        members["word/document.xml"] = (body[:match.start(1)] + value + body[match.end(1):]).encode("utf-8")
    else:
        depth = draw(st.integers(100, 5000))
        members["word/document.xml"] = members["word/document.xml"].replace(
            b"<w:body>", b"<w:body>" + b"<w:p>" * depth + b"</w:p>" * depth, 1)
    return rezip(members)


@FUZZ
@given(docx_mutants())
def test_fuzz_word_forms(mutant):
    _read_word(mutant)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 5))
@given(docx_mutants())
def test_fuzz_word_forms_through_check_and_combine(control, capsys, mutant):
    """The harness's invariants (tests/test_fuzz.py) for a mutated Word form beside the control form: check
    exits 0-2 with strict JSON, combine lists both, changes no input byte, leaves the control's result alone."""
    _judge_everywhere(mutant, control, capsys, name="aa_mutant.docx")


@pytest.mark.parametrize("entity", [
    b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'])
def test_entities_in_a_docx_are_not_expanded(entity):
    members = parts(DOCX["clean"])
    body = members["word/document.xml"]
    start = body.index(b"?>") + 2
    members["word/document.xml"] = body[:start] + entity + body[start:].replace("垃圾分类桶站改造".encode(), b"&d;&x;", 1)
    _read_word(rezip(members))


@st.composite
def layout_mutants(draw: st.DrawFn) -> bytes:
    data = LAYOUTS[draw(st.sampled_from(sorted(LAYOUTS)))]
    members = parts(data)
    sheet = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    kind = draw(st.sampled_from(["value", "drop-cell", "merge"]))
    if kind == "value":
        values = list(re.finditer(r"<(?:v|t)>([^<]*)</(?:v|t)>", sheet))
        match = values[draw(st.integers(0, len(values) - 1))]
        value = draw(st.sampled_from(HOSTILE)).replace("&", "&amp;").replace("<", "&lt;")
        sheet = sheet[:match.start(1)] + value + sheet[match.end(1):]
    elif kind == "drop-cell":
        cells = list(re.finditer(r"<c [^>]*>.*?</c>", sheet))
        match = cells[draw(st.integers(0, len(cells) - 1))]
        sheet = sheet[:match.start()] + sheet[match.end():]
    else:
        ref = draw(st.sampled_from(["A1:XFD1", "A1:A1048576", "B2:A1", "A9:H9", "A1:J400", "ZZ9:ZZ10"]))
        merges = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
        sheet = re.sub(r"<mergeCells.*?</mergeCells>", "", sheet)
        sheet = sheet.replace("</sheetData>", "</sheetData>" + merges, 1)
    members["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    return rezip(members, zipfile.ZIP_DEFLATED)


@FUZZ
@given(layout_mutants())
def test_fuzz_other_layouts(mutant):
    started = time.perf_counter()
    try:
        book = read_workbook(mutant)
    except WorkbookReadError:
        return
    try:
        reading = read_other_layout(book)
    except NotAForm:
        return
    judge_form(reading.form, reading=reading.findings, origins=reading.origins)
    assert time.perf_counter() - started < SECONDS_PER_CASE
