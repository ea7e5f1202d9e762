"""Screenshots of the web pages for the documentation (called by ``scripts/docs_images.py``).

A real ``xltools serve`` on a free loopback port (both tokens set, as ``install.sh`` sets them), driven by
Debian's chromium through Playwright (as ``tests/test_web_browser.py`` does):

- ``check_page.png``        the check page after dropping a form with problems, a clean one and a broken file;
- ``check_page_plain.png``  the same page with JavaScript off: the plain form's server-rendered result;
- ``district_page.png``     the district page after combining a ``.zip`` of street folders.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loopback import ServeError, serving  # scripts/ is on the path: docs_images.py puts it there

CHROMIUM = "/usr/bin/chromium"
CHINESE = Path("/usr/lib/chromium/locales/zh-CN.pak")  # Debian's chromium-l10n: the file picker's own words
WIDTH = 1200


@contextmanager
def _serving(work: Path) -> Iterator[tuple[str, str, str]]:
    """``xltools serve`` on loopback until the block ends: (url, clerks' token, district token)."""
    token, district = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    env = {**os.environ, "XLTOOLS_TOKEN": token, "XLTOOLS_DISTRICT_TOKEN": district}
    try:
        with serving(["--workers", "1", "--combine-workers", "1"], log=work / "serve.log", env=env,
                     probe={"Authorization": f"Bearer {token}"}, timeout=90) as (url, _process):
            yield url, token, district
    except ServeError as error:
        raise SystemExit(str(error)) from None


def _sign_in(page, url: str, path: str, token: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + path)
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(url + path)


def _shot(page, out: Path, name: str, max_height: int = 1400) -> Path:  # type: ignore[no-untyped-def]
    height = min(max_height, int(page.evaluate("document.documentElement.scrollHeight")))
    path = out / name
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    return path


def shoot(out: Path, work: Path, *, problems: Path, clean: Path, streets: list[Path]) -> list[Path]:
    """The three screenshots in ``out``; ``streets`` are street folders zipped for the district page. The
    browser's own words (the file picker's) are Chinese, as on the clerks' PCs."""
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"没有找到 {CHROMIUM}：请安装 chromium（apt-get install chromium）再运行 make docs-images")
    if not CHINESE.exists():
        raise SystemExit(f"没有找到 {CHINESE}：请安装 chromium-l10n（apt-get install chromium-l10n），"
                         "否则截图里浏览器自己的文字（选择文件按钮）是英文")
    from playwright.sync_api import sync_playwright

    broken = work / "坏文件.xlsx"
    broken.write_bytes(b"not a workbook: what a clerk gets when a mail client cuts an attachment")
    archive = work / "各街道报送.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for folder in streets:
            for path in sorted(folder.glob("*.xls*")):
                z.write(path, f"各街道报送/{folder.name}/{path.name}")
    shots = []
    with _serving(work) as (url, token, district), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--lang=zh-CN"],
                                    env={**os.environ, "LANGUAGE": "zh_CN"})
        try:
            view = {"viewport": {"width": WIDTH, "height": 900}, "locale": "zh-CN", "accept_downloads": True}
            page = browser.new_context(**view).new_page()
            _sign_in(page, url, "/", token)
            # one file at a time, so the cards stand in one order (the page puts the newest on top)
            for n, path in enumerate((clean, broken, problems), start=1):
                page.set_input_files("#files", [str(path)])
                page.wait_for_function(f"document.querySelectorAll('section.card').length === {n} && ![...document"
                                       ".querySelectorAll('section.card p.note')].some(p => p.textContent === "
                                       "'正在检查……')", timeout=120_000)
            shots.append(_shot(page, out, "check_page.png"))

            _sign_in(page, url, "/district", district)
            page.set_input_files("#files", [str(archive)])
            page.click("#go")
            page.wait_for_selector("#outcome a", timeout=300_000)
            shots.append(_shot(page, out, "district_page.png", max_height=900))

            plain = browser.new_context(java_script_enabled=False, **view).new_page()
            _sign_in(plain, url, "/", token)
            plain.set_input_files("#files", [str(problems)])
            with plain.expect_navigation(timeout=120_000):
                plain.click("button[value=check]")
            shots.append(_shot(plain, out, "check_page_plain.png"))
        finally:
            browser.close()
    return shots
