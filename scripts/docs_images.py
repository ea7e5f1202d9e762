"""Make the documentation's pictures from the current code (``make docs-images``).

    .venv/bin/python scripts/docs_images.py [--out docs/images]

One run: the demo on a small district (scale 20, seed 2024) in a temporary folder, then LibreOffice
renders (soffice → PDF → pdftoppm) of

- ``template.png``, ``guide.png``  the blank locked template (workbook_templates/) and its 填报说明 sheet;
- ``seed_filled.png``         the real 2020 seed form filled in by ``xltools fill``;
- ``demo_form.png``, ``form_problems.png``  a generated demo form, clean and (the same project) with a mistake,
  showing the sheet's own checks;
- ``demo_summary.png``        the first page of the summary's 汇总 sheet;
- ``annotated_copy.png``      the annotated copy of a demo form with an error (before the fix);
- ``annotated_copy_fixed.png`` the annotated copy of the same form as resubmitted in round two (after the fix);
- ``returns_list.png``        that unit's 退回清单.xlsx;
- ``review.png``              the first page of the summary's 复核重点 sheet.

``manifest.json`` beside them records the template layout (id, version, registry fingerprint) they show and
each picture's SHA-256 (other pictures in docs/images — the web pages' screenshots, the .xlsm's button, the
summary's page columns, the comments view — are not made here yet): ``tests/test_docs_images.py`` fails when the registry's current layout is no longer
the one the pictures were made from, or a picture was changed by hand — rerun ``make docs-images`` then.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from xltools.cli import main as cli_main
from xltools.demo.run import FORMS_DIR, RETURNS_DIR, SECOND_FORMS_DIR, SUMMARY_NAME, build_demo, sheet_only
from xltools.district.returns import RETURN_LIST
from xltools.form.layout import TEMPLATE_ID
from xltools.form.registry import CURRENT_VERSION, current_layout, fingerprint
from xltools.io.annotate import annotate_workbook
from xltools.io.engine import cjk_font_missing, to_pdf, to_png

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_templates" / "朝阳区项目支出绩效自评表.xlsx"
SEED = ROOT / "xltools" / "data" / "seed_2020.json"
MANIFEST = "manifest.json"


def layout_record() -> dict[str, str]:
    """The layout the pictures show: the registry's current one."""
    return {"template": TEMPLATE_ID, "version": CURRENT_VERSION, "fingerprint": fingerprint(current_layout())}


def _annotated(source: Path, out: Path) -> Path:
    annotate_workbook(source, out)
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
        seed = work / "seed.xlsx"
        if cli_main(["fill", str(SEED), "-o", str(seed)]) != 0:
            raise SystemExit(f"xltools fill {SEED} failed")
        sources = {
            "template": TEMPLATE,
            "guide": sheet_only(TEMPLATE, "填报说明", work / "guide.xlsx"),
            "seed_filled": seed,
            "demo_form": after,
            "form_problems": demo / fixed,
            "annotated_copy": before,
            "annotated_copy_fixed": _annotated(after, work / "after.xlsx"),
            "returns_list": demo / RETURNS_DIR / unit / RETURN_LIST,
            "review": sheet_only(demo / SUMMARY_NAME, "复核重点", work / "review.xlsx"),
            "demo_summary": sheet_only(demo / SUMMARY_NAME, "汇总", work / "summary.xlsx"),
        }
        inputs = work / "in"
        inputs.mkdir()
        named = []  # one soffice call needs distinct file names: each source copied under its picture's name
        for name, source in sources.items():
            named.append(inputs / f"{name}{source.suffix}")
            shutil.copyfile(source, named[-1])
        (work / "pdf").mkdir()
        pdfs = to_pdf(named, work / "pdf")
        images = {}
        for name, pdf in zip(sources, pdfs):
            png = to_png(pdf, out / f"{name}.png", pages=1)
            images[png.name] = hashlib.sha256(png.read_bytes()).hexdigest()
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
