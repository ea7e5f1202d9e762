"""The summary's sheets a reviewer prints (复核重点, 抽查名单, 未报送) print whole (issue 29, point 2): every
text of every row appears in full in the PDF, each page has the sheet's title and 第 n 页，共 N 页."""

from __future__ import annotations

import math
import re
import subprocess

import openpyxl
import pytest

from xltools.io import engine

from .lo import require_soffice

PRINTED = ("复核重点", "抽查名单", "未报送")


@pytest.fixture(scope="module")
def printed(demo_seed5, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list, str]]:  # type: ignore[no-untyped-def]
    """Each printed sheet alone in a copy of the demo's summary, all printed to PDF in ONE soffice call:
    the sheet's non-empty rows and the PDF's text, by sheet name."""
    require_soffice()
    folder = tmp_path_factory.mktemp("print")
    rows, copies = {}, []
    for name in PRINTED:
        book = openpyxl.load_workbook(demo_seed5.directory / "汇总.xlsx")
        rows[name] = [row for row in book[name].iter_rows(min_row=2, values_only=True)
                      if any(v is not None for v in row)]
        for other in [s for s in book.sheetnames if s != name]:
            del book[other]
        copies.append(folder / f"{name}.xlsx")
        book.save(copies[-1])
    pdfs = engine.to_pdf(copies, folder / "pdf")
    return {name: (rows[name], subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                              check=True).stdout) for name, pdf in zip(PRINTED, pdfs)}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", PRINTED)
def test_the_sheet_prints_every_text_whole(printed: dict[str, tuple[list, str]], name: str) -> None:
    rows, raw = printed[name]
    pages = [page for page in raw.split("\f") if page.strip()]
    texts = [v for row in rows for v in row if isinstance(v, str) and v.strip()]
    assert rows and texts
    flat = _flat(raw)
    missing = [text for text in texts if _flat(text) not in flat]
    assert missing == []
    for n, page in enumerate(pages, start=1):
        assert f"第{n}页，共{len(pages)}页" in _flat(page) and f"·{name}" in page
    # stated: at least three rows a page (the tallest row of 复核重点 is four reasons), so at most ⌈rows/3⌉ pages
    assert 1 <= len(pages) <= math.ceil(len(rows) / 3)
