"""The summary's sheets a reviewer prints (复核重点, 抽查名单, 未报送) print whole (issue 29, point 2): every
text of every row appears in full in the PDF, each page has the sheet's title and 第 n 页，共 N 页."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from xltools.demo.run import EXPECT_NAME, build_demo
from xltools.io import engine

from .lo import require_soffice

PRINTED = ("复核重点", "抽查名单", "未报送")


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = build_demo(tmp_path_factory.mktemp("print") / "demo", scale=20, seed=5, jobs=2, render=False)
    return run.directory / "汇总.xlsx"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", PRINTED)
def test_the_sheet_prints_every_text_whole(summary: Path, tmp_path: Path, name: str) -> None:
    require_soffice()
    book = openpyxl.load_workbook(summary)
    rows = [row for row in book[name].iter_rows(min_row=2, values_only=True) if any(v is not None for v in row)]
    for other in [s for s in book.sheetnames if s != name]:
        del book[other]
    only = tmp_path / f"{name}.xlsx"
    book.save(only)
    pdf, = engine.to_pdf([only], tmp_path / "pdf")
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
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
