"""``xltools publish FORM|DIR -o OUT.pdf|DIR``: the filled form as an A4 PDF for 公开, through LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.forms import clean_form
from tests.lo import engine_missing, require_soffice
from xltools.core import Form
from xltools.excel.publish import mask_phone

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)


def write_book(form: Form, path: Path) -> None:
    from xltools.excel.fill import default_template
    from xltools.io.fill import fill_template

    path.parent.mkdir(parents=True, exist_ok=True)
    fill_template(form, path, default_template(form))


def pdf_info(pdf: Path) -> dict[str, str]:
    tool = shutil.which("pdfinfo")
    if tool is None:
        engine_missing("pdfinfo (poppler-utils) missing")
    out = subprocess.run([tool, str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def pdf_text(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        engine_missing("pdftotext (poppler-utils) missing")
    return subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_pixels(pdf: Path, tmp: Path) -> tuple[int, int]:
    """Page 1 rendered by pdftoppm (PPM): (pixels with colour, dark pixels)."""
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp / "page")], check=True)
    data = next(tmp.glob("page*.ppm")).read_bytes()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert header is not None
    pixels = data[header.end():]
    coloured = dark = 0
    for i in range(0, len(pixels) - 2, 3):
        r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
        coloured += max(r, g, b) - min(r, g, b) > 60
        dark += max(r, g, b) < 100
    return coloured, dark


@pytest.mark.parametrize("value, shown", [("13812345678", "138****5678"), ("010-85612345", "010-****2345"),
                                          (13812345678, "138****5678"), ("64576064", "645*6064"),
                                          ("1234567", "*******"), (None, None), ("无", "无")])
def test_mask_phone_keeps_first_three_and_last_four_digits(value: object, shown: object):
    assert mask_phone(value) == shown


def test_one_form_to_an_a4_pdf_black_on_white_phones_masked(tmp_path: Path):
    require_soffice()
    book = tmp_path / "朝外.xlsx"
    write_book(clean_form(), book)
    out = tmp_path / "公开" / "朝外.pdf"
    proc = run_cli("publish", str(book), "-o", str(out), "--mask-phone")
    assert proc.returncode == 0, proc.stderr
    info = pdf_info(out)
    assert "(A4)" in info["Page size"]
    text = pdf_text(out)
    footers = re.findall(r"第 (\d+) 页，共 (\d+) 页", text)
    pages = int(info["Pages"])
    assert 1 <= pages <= 2 and footers == [(str(n), str(pages)) for n in range(1, pages + 1)]  # the form only
    for expected in ("朝阳区项目支出绩效自评表", "垃圾分类桶站改造", "朝外街道办事处", "改造桶站数量", "李冬梅",
                     "138****5678", "010-****2345", "98.55"):
        assert expected in text, expected
    assert "13812345678" not in text and "85612345" not in text
    assert "表内自动检查" not in text and "填报说明" not in text  # the clerk's aids are not published
    coloured, dark = page_pixels(out, tmp_path)
    assert coloured == 0 and dark > 1000  # text and lines, in black on white


def test_folder_many_forms_with_progress_and_refusals(tmp_path: Path):
    require_soffice()
    src = tmp_path / "报送"
    write_book(clean_form(), src / "朝外.xlsx")
    write_book(clean_form(project_name="老旧小区路灯更换"), src / "sub" / "呼家楼.xlsx")
    (src / "坏.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "公开"
    proc = run_cli("publish", str(src), "-o", str(out))
    assert proc.returncode == 2 and "坏.xlsx" in proc.stderr and "Traceback" not in proc.stderr
    assert "[1/2] 已写出" in proc.stdout and "[2/2] 已写出" in proc.stdout and "共写出 2 份 PDF" in proc.stdout
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == ["sub/呼家楼.pdf", "朝外.pdf"]
    assert "老旧小区路灯更换" in pdf_text(out / "sub" / "呼家楼.pdf")
    assert "13812345678" in pdf_text(out / "朝外.pdf")  # not masked unless asked
    again = run_cli("publish", str(src), "-o", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    wrong = run_cli("publish", str(src / "朝外.xlsx"), "-o", str(tmp_path / "x.docx"))
    assert wrong.returncode == 2 and ".pdf" in wrong.stderr


def test_without_libreoffice_a_chinese_message(tmp_path: Path):
    form = tmp_path / "f.json"
    form.write_text(clean_form().to_json(), encoding="utf-8")
    proc = run_cli("publish", str(form), "-o", str(tmp_path / "f.pdf"), env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    assert "没有找到 LibreOffice" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "f.pdf").exists()


def test_without_a_chinese_font_it_says_so_instead_of_printing_boxes(tmp_path: Path):
    import os

    require_soffice()
    if shutil.which("fc-list") is None:
        engine_missing("fc-list (fontconfig) missing")
    conf = tmp_path / "fonts.conf"  # fontconfig that knows no font folder at all
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    form = tmp_path / "f.json"
    form.write_text(clean_form().to_json(), encoding="utf-8")
    proc = run_cli("publish", str(form), "-o", str(tmp_path / "f.pdf"), env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    assert proc.returncode == 2, proc.stderr
    assert "没有中文字体" in proc.stderr and "fonts-wqy-zenhei" in proc.stderr
    assert not (tmp_path / "f.pdf").exists()
