"""The check page in a real browser: Debian's chromium driven by Playwright against a real server.

Under ``CI=true`` a missing chromium or Playwright FAILS these tests (``.ci/run`` installs chromium;
Playwright comes with the test extra); elsewhere they skip. ``XLTOOLS_SCREENSHOTS=<dir>`` also saves
the screenshots the README shows (``docs/images/``).
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xltools.excel.fill import fill_workbook
from xltools.form.layout import RESULT_SHEET, SHEET, Layout
from xltools.form.verdict import judge
from xltools.io.forms import load_form

from . import forms
from .lo import engine_missing
from .test_addin import TEMPLATES, many_errors_form
from .webserver import Server, running_server

CHROMIUM = "/usr/bin/chromium"


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        engine_missing(f"browser test needs {', '.join(missing)} (install with .ci/run and the test extra)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    _require_browser()
    with running_server(tmp_path_factory.mktemp("webui")) as s:
        yield s


@pytest.fixture
def page(server: Server):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900},
                                          locale="zh-CN")
            page = context.new_page()
            page.goto(server.url + "/")
            page.fill("input[name=token]", server.token)  # the sign-in page first: the server has a token
            page.click("button[type=submit]")
            page.wait_for_url(server.url + "/")
            yield page
        finally:
            browser.close()


def _shot(page, name: str, tmp_path: Path, height: int = 900) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": 1200, "height": height})
    assert path.stat().st_size > 10_000
    target = os.environ.get("XLTOOLS_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)


def test_check_page(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed = fill_workbook(forms.seed_form(), tmp_path / "首都机场街道_自评表.xlsx",
                         template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx")
    errors = fill_workbook(many_errors_form(), tmp_path / "有错误的自评表.xlsx",
                           template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx")
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"this is not a workbook")
    page.set_input_files("#files", [str(seed), str(broken), str(errors)])
    cards = page.locator("section.card")
    page.wait_for_function("document.querySelectorAll('section.card').length === 3 && ![...document"
                           ".querySelectorAll('section.card p.note')].some(p => p.textContent === '正在检查……')",
                           timeout=60_000)
    assert cards.count() == 3

    seed_card = cards.filter(has_text=seed.name)
    assert "总分 100" in seed_card.inner_text() and "等级 优" in seed_card.inner_text()
    rows = seed_card.locator("table.findings tr")
    loaded = load_form(seed)
    expected = judge(loaded.book, identity=loaded.identity).findings
    assert rows.count() == 1 + len(expected) and all(f.severity == "warning" for f in expected)
    assert "自评表!D15" in rows.nth(1).inner_text() and "name-is-sentence" in rows.nth(1).inner_text()

    bad_card = cards.filter(has_text=broken.name)
    error_line = bad_card.locator("p.error")
    assert error_line.count() == 1 and "无法检查" in error_line.inner_text() and "损坏" in error_line.inner_text()
    assert bad_card.locator("table").count() == 0

    errors_card = cards.filter(has_text=errors.name)
    assert "个错误" in errors_card.locator("p.error").inner_text()
    assert errors_card.locator("tr.lv-错误").count() >= 5
    _shot(page, "check_page.png", tmp_path, height=1300)

    with page.expect_download(timeout=60_000) as info:
        errors_card.locator("button.annotate").click()
    download = info.value
    assert download.suggested_filename == "有错误的自评表_批注.xlsx"
    saved = tmp_path / "downloaded.xlsx"
    download.save_as(saved)
    wb = openpyxl.load_workbook(saved)
    shown = errors_card.locator("table.findings tr").count() - 1
    # the copy lists what the page listed (its counts are live formulas: count the findings table's rows)
    listed = [row for row in wb[RESULT_SHEET].iter_rows(min_row=Layout.RESULT_TABLE_HEADER_ROW + 1, values_only=True)
              if isinstance(row[0], int)]
    assert len(listed) == shown
    assert wb[SHEET]["B4"].comment is not None and "project_name" not in wb[SHEET]["B4"].comment.text
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as z:
        assert any(n.startswith("xl/comments") for n in z.namelist())


def test_district_page(page, server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/district")
    folder = tmp_path / "朝阳区2024"
    for i, make in enumerate((forms.seed_form, forms.clean_form)):
        (folder / f"街道{i + 1}").mkdir(parents=True)
        fill_workbook(make(), folder / f"街道{i + 1}" / f"项目{i + 1}.xlsx",
                      template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx")
    archive = tmp_path / "朝阳区2024.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*.xlsx")):
            z.write(path, path.relative_to(folder.parent).as_posix())
        z.writestr("朝阳区2024/说明.txt", "不是工作簿")
    page.set_input_files("#files", [str(archive)])
    page.click("#go")
    page.wait_for_selector("#outcome a", timeout=120_000)
    text = page.inner_text("#outcome")
    assert "已汇总 1 个项目（共 3 个文件）" in text  # the 2020 seed form is 年度不符 beside the 2024 clean one
    _shot(page, "district_page.png", tmp_path)
    with page.expect_download() as info:
        page.click("#outcome a")
    saved = tmp_path / "summary.xlsx"
    info.value.save_as(saved)
    listing = openpyxl.load_workbook(saved, read_only=True)["文件清单"]
    cells = [str(c) for row in listing.iter_rows(values_only=True) for c in row if c]
    assert any("朝阳区2024/街道1/项目1.xlsx" in c for c in cells)
    assert any("说明.txt" in c for c in cells)
