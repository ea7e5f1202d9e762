"""The documentation's pictures are made by ``make docs-images`` from the current code; this fails when one
is older than the layout it shows (the registry's current layout is not the one recorded in
docs/images/manifest.json), was changed by hand (its SHA-256 is not the recorded one), was not made by the
script at all (a leftover), or when a document shows a picture the script does not make or the script makes
one no document shows."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from xltools.form.layout import TEMPLATE_ID
from xltools.io.engine import cjk_font_missing
from xltools.form.registry import CURRENT_VERSION, current_layout, fingerprint

from .lo import engine_missing, require_soffice

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
MADE = {"template.png", "guide.png", "template_macro.png", "seed_filled.png", "demo_form.png", "form_problems.png",
        "annotated_copy.png", "annotated_copy_edited.png", "annotated_copy_fixed.png", "returns_list.png",
        "review.png", "demo_summary.png", "summary_units.png", "summary_details.png",
        "check_page.png", "check_page_plain.png", "district_page.png",
        "report_district.png", "report_draft.png", "report_public.png"}
_SHOWN = re.compile(r"\]\((?:docs/)?images/([^)\s]+)\)")


def shown(text: str) -> set[str]:
    """The pictures a Markdown text shows (``![…](images/x.png)`` in docs/, ``docs/images/x.png`` in README)."""
    return set(_SHOWN.findall(text))


def stale(images: Path) -> list[str]:
    """What is out of date in ``images`` (empty when every picture matches the current layout)."""
    manifest = json.loads((images / "manifest.json").read_text(encoding="utf-8"))
    now = {"template": TEMPLATE_ID, "version": CURRENT_VERSION, "fingerprint": fingerprint(current_layout())}
    problems = [f"layout {key}: pictures show {manifest['layout'].get(key)}, the registry has {value}"
                for key, value in now.items() if manifest["layout"].get(key) != value]
    for name, digest in manifest["images"].items():
        path = images / name
        if not path.is_file():
            problems.append(f"{name} missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name} is not the picture make docs-images made")
    return problems


def test_pictures_match_the_current_layout() -> None:
    assert stale(IMAGES) == [], "rerun make docs-images"


def test_every_rendered_picture_is_in_the_manifest() -> None:
    manifest = json.loads((IMAGES / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["images"]) == MADE
    for name in MADE:
        assert (IMAGES / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_stale_or_edited_picture_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "images"
    shutil.copytree(IMAGES, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["layout"]["fingerprint"] = "0" * 64  # made from another layout
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (copy / "review.png").write_bytes(b"\x89PNG\r\n\x1a\nedited")
    problems = stale(copy)
    assert any(p.startswith("layout fingerprint") for p in problems)
    assert "review.png is not the picture make docs-images made" in problems


def test_no_picture_but_the_made_ones() -> None:
    """Every PNG in docs/images is one make docs-images made (it removes the others)."""
    assert {p.name for p in IMAGES.glob("*.png")} == MADE


def test_the_documents_show_exactly_the_made_pictures() -> None:
    texts = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
             for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
    used = {name: doc for doc, text in texts.items() for name in shown(text)}
    assert {n: d for n, d in used.items() if n not in MADE} == {}, "a document shows a picture nobody makes"
    assert MADE - set(used) == set(), "make docs-images makes pictures no document shows"


def test_shown_reads_both_link_forms() -> None:
    text = "![a](docs/images/a.png) | ![b](images/b.png) ![c](other/c.png) [d](images/d.png)"
    assert shown(text) == {"a.png", "b.png", "d.png"}


def test_the_one_command_makes_every_picture(tmp_path: Path) -> None:
    """scripts/docs_images.py (``make docs-images``) runs on the current code and makes exactly the pictures
    the documents show, into an empty folder, leaving a stray picture of an old run no place to hide. (The
    committed pictures' bytes are not compared: the copies carry the day they were checked.)"""
    require_soffice()
    missing = [p for p in ("/usr/bin/chromium", "/usr/lib/chromium/locales/zh-CN.pak") if not Path(p).exists()]
    if missing or cjk_font_missing():
        engine_missing(f"make docs-images needs chromium, chromium-l10n and a CJK font: {missing or 'no CJK font'}")
    out = tmp_path / "images"
    out.mkdir()
    (out / "stale.png").write_bytes(b"\x89PNG\r\n\x1a\nold")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs_images.py"), "--out", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert {p.name for p in out.glob("*.png")} == MADE
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["images"]) == MADE and stale(out) == []
    for name in MADE:
        head = (out / name).read_bytes()[:24]
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and width >= 800 and height >= 300, (name, width, height)
