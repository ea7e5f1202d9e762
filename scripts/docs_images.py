"""Make the documentation's pictures from the current code (``make docs-images``).

    .venv/bin/python scripts/docs_images.py [--out docs/images]

One run: the demo on a small district (scale 20, seed 2024) in a temporary folder, then LibreOffice
renders (soffice → PDF → pdftoppm) of

- ``template.png``, ``guide.png``  the blank locked template (workbook_templates/) and its 填报说明 sheet;
- ``template_macro.png``      the top of the .xlsm with its 检查评分 button (a copy whose print area reaches the
  button, which the real template leaves outside the printed form);
- ``seed_filled.png``         the real 2020 seed form filled in by ``xltools fill``;
- ``demo_form.png``, ``form_problems.png``  a generated demo form, clean and (the same project) with a mistake,
  showing the sheet's own checks;
- ``annotated_copy.png``      the returned (annotated) copy of that form with the mistake (before the fix);
- ``annotated_copy_edited.png`` the same copy after the clerk typed the fix into it (openpyxl), recalculated by
  LibreOffice: what the copy says before anyone checks it again;
- ``annotated_copy_fixed.png`` the annotated copy of the form as resubmitted in round two (checked again);
- ``returns_list.png``        that unit's 退回清单.xlsx (``combine --returns`` with a deadline and a contact);
- ``demo_summary.png``, ``summary_units.png``, ``summary_details.png``, ``review.png``  the first page of the
  summary's 汇总, 按单位, 项目信息 and 复核重点 sheets;
- ``report_district.png``     the first two pages of the demo's 自评汇总分析.docx (``xltools report 汇总.xlsx``);
- ``report_draft.png``, ``report_public.png``  the first page of a project's draft (``xltools report FORM``) and of
  its public version (what ``xltools publish --mask-phone`` prints);

and, with a real ``xltools serve`` on loopback in chromium (``scripts/docs_pages.py``), ``check_page.png``,
``check_page_plain.png`` (JavaScript off) and ``district_page.png``.

``manifest.json`` beside them records the template layout (id, version, registry fingerprint) they show and
each picture's SHA-256; pictures it does not name are removed. ``tests/test_docs_images.py`` fails when the
registry's current layout is no longer the one the pictures were made from, a picture was changed by hand,
or a document shows a picture this script does not make — rerun ``make docs-images`` then.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))  # docs_pages beside this script

from docs_pages import shoot  # noqa: E402

from xltools.cli import main as cli_main  # noqa: E402
from xltools.demo.reports import DRAFTS_DIR, REPORT_NAME, report_forms  # noqa: E402
from xltools.demo.run import FORMS_DIR, RETURNS_DIR, SECOND_FORMS_DIR, SUMMARY_NAME, build_demo, sheet_only  # noqa: E402
from xltools.district.returns import RETURN_LIST  # noqa: E402
from xltools.form.layout import SHEET, TEMPLATE_ID  # noqa: E402
from xltools.form.registry import CURRENT_VERSION, current_layout, fingerprint  # noqa: E402
from xltools.io.annotate import annotate_workbook  # noqa: E402
from xltools.io.engine import cjk_font_missing, to_pdf, to_png  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_templates" / "朝阳区项目支出绩效自评表.xlsx"
MACRO_TEMPLATE = TEMPLATE.with_suffix(".xlsm")
SEED = ROOT / "xltools" / "data" / "seed_2020.json"
MANIFEST = "manifest.json"
DPI = 110
CONTACT = "区财政局绩效科 张三 85991234"


def layout_record() -> dict[str, str]:
    """The layout the pictures show: the registry's current one."""
    return {"template": TEMPLATE_ID, "version": CURRENT_VERSION, "fingerprint": fingerprint(current_layout())}


def _annotated(source: Path, out: Path) -> Path:
    annotate_workbook(source, out)
    return out


def _clerk_fixes(copy: Path, before: Path, after: Path, out: Path) -> Path:
    """The returned copy with what the clerk changed for round two typed into it (every input cell of the
    form whose value differs between the two rounds), saved by openpyxl: LibreOffice recalculates it on load."""
    old = openpyxl.load_workbook(before)[SHEET]
    new = openpyxl.load_workbook(after)[SHEET]
    book = openpyxl.load_workbook(copy)
    sheet = book[SHEET]
    typed = 0
    for row in new.iter_rows():
        for cell in row:
            was = old[cell.coordinate].value
            if cell.value != was and not (isinstance(was, str) and was.startswith("=")):
                sheet[cell.coordinate].value = cell.value
                typed += 1
    if not typed:
        raise SystemExit(f"{after} differs from {before} in no input cell")
    book.save(out)
    return out


def _button_printed(xlsm: Path, out: Path) -> Path:
    """A copy of the .xlsm whose form's print area reaches the 检查评分 button (two columns past the form)
    and whose button prints: the template prints the form without it."""
    with zipfile.ZipFile(xlsm) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text, n = re.subn(r"(>" + SHEET + r"!\$A\$1:\$)([A-Z]+)(\$\d+<)",
                                  lambda m: m.group(1) + chr(ord(m.group(2)) + 2) + m.group(3), data.decode("utf-8"))
                if n != 1:
                    raise SystemExit(f"{xlsm}: no print area of {SHEET} to widen")
                data = text.encode("utf-8")
            elif item.filename.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"<x:PrintObject>True</x:PrintObject>")
            dst.writestr(item, data)
    return out


def _top_png(pdf: Path, out: Path, share: float) -> Path:
    """The top ``share`` of the PDF's first page as PNG."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    w, h = round(width * DPI / 72), round(height * DPI / 72 * share)
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", str(DPI), "-f", "1", "-l", "1", "-x", "0", "-y", "0",
                    "-W", str(w), "-H", str(h), str(pdf), str(out.with_suffix(""))], check=True)
    return out


def _public_book(form_path: Path, out: Path) -> Path:
    """The public version of a form (what xltools publish prints: no comments or colours, phones masked)."""
    from xltools.excel.publish import masked, public_workbook
    from xltools.io.forms import load_form, with_formula_values

    form, _ = with_formula_values(load_form(str(form_path)))
    out.write_bytes(public_workbook(masked(form)))
    return out


def make(out: Path) -> dict[str, object]:
    if cjk_font_missing():
        raise SystemExit("未安装中文字体，图中的汉字会是方框：请安装 fonts-wqy-zenhei 或 fonts-noto-cjk")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltools-docs-images-") as tmp:
        work = Path(tmp)
        run = build_demo(work / "demo", scale=20, seed=2024, jobs=2, render=False)
        demo = work / "demo"
        # a form resubmitted without its mistake in round two, whose mistake the form alone shows (not one
        # against approved targets, which the copy made without them cannot show), and whose unit got a 退回清单
        before = work / "before.xlsx"
        for path in map(Path, run.fixed):
            if (demo / RETURNS_DIR / path.parent.name / RETURN_LIST).is_file() and \
                    annotate_workbook(demo / path, before, force=True).errors:
                fixed = path
                break
        else:
            raise SystemExit("the demo resubmitted no form with an error the form itself shows")
        unit = fixed.parent.name
        after = demo / SECOND_FORMS_DIR / fixed.relative_to(FORMS_DIR)
        # the demo's returns carry no deadline or contact: the picture shows a 退回清单 as the district sends it
        returns = work / "returns"
        due = dt.date.today() + dt.timedelta(days=14)  # two weeks after the 退回日期 the list shows (today)
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli_main(["combine", str(demo / FORMS_DIR), "-o", str(work / "returned.xlsx"), "--round", "第一轮",
                             "--returns", str(returns), "--deadline", f"{due.year}年{due.month}月{due.day}日", "--contact", CONTACT, "--jobs", "2"])
        if code not in (0, 1):
            raise SystemExit(f"xltools combine --returns failed (exit {code})")
        seed = work / "seed.xlsx"
        if cli_main(["fill", str(SEED), "-o", str(seed)]) != 0:
            raise SystemExit(f"xltools fill {SEED} failed")
        summary = demo / SUMMARY_NAME
        sources = {
            "template": TEMPLATE,
            "guide": sheet_only(TEMPLATE, "填报说明", work / "guide.xlsx"),
            "template_macro": _button_printed(MACRO_TEMPLATE, work / "macro.xlsm"),
            "seed_filled": seed,
            "demo_form": after,
            "form_problems": demo / fixed,
            "annotated_copy": before,
            "annotated_copy_edited": _clerk_fixes(before, demo / fixed, after, work / "edited.xlsx"),
            "annotated_copy_fixed": _annotated(after, work / "after.xlsx"),
            "returns_list": returns / unit / RETURN_LIST,
            "review": sheet_only(summary, "复核重点", work / "review.xlsx"),
            "demo_summary": sheet_only(summary, "汇总", work / "summary.xlsx"),
            "summary_units": sheet_only(summary, "按单位", work / "units.xlsx"),
            "summary_details": sheet_only(summary, "项目信息", work / "details.xlsx"),
            # xltools report 汇总.xlsx (the demo's last round), a draft xltools report wrote, a publish PDF
            "report_district": demo / REPORT_NAME,
            "report_draft": sorted((demo / DRAFTS_DIR).glob("*.docx"))[0],
            "report_public": _public_book(demo / report_forms(run.demo)[0].path, work / "public.xlsx"),
        }
        inputs = work / "in"
        inputs.mkdir()
        named = []  # one soffice call needs distinct file names: each source copied under its picture's name
        for name, source in sources.items():
            named.append(inputs / f"{name}{source.suffix}")
            shutil.copyfile(source, named[-1])
        (work / "pdf").mkdir()
        pdfs = to_pdf(named, work / "pdf")
        made = [_top_png(pdf, out / f"{name}.png", 0.3) if name == "template_macro"
                else to_png(pdf, out / f"{name}.png", dpi=DPI, pages=2 if name == "report_district" else 1)
                for name, pdf in zip(sources, pdfs)]
        clean = next(p for p in sorted((demo / FORMS_DIR).rglob("*.xlsx")) if not annotate_workbook(
            p, work / "probe.xlsx", force=True).findings)
        streets = sorted(p for p in (demo / FORMS_DIR).iterdir() if p.is_dir())
        made += shoot(out, work, problems=demo / fixed, clean=clean, streets=streets)
    images = {png.name: hashlib.sha256(png.read_bytes()).hexdigest() for png in made}
    for old in out.glob("*.png"):
        if old.name not in images:
            old.unlink()  # a picture this script no longer makes would go stale
    manifest = {"layout": layout_record(), "made_by": "make docs-images", "images": images}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description="Render the documentation's pictures from the current code")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    manifest = make(parser.parse_args().out)
    for name in manifest["images"]:  # type: ignore[union-attr]
        print(f"  {name}")


if __name__ == "__main__":
    main()
