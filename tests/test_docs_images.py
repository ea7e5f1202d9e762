"""The documentation's pictures are made by ``make docs-images`` from the current code; this fails when one
is older than the layout it shows (the registry's current layout is not the one recorded in
docs/images/manifest.json) or was changed by hand (its SHA-256 is not the recorded one)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from xltools.form.layout import TEMPLATE_ID
from xltools.form.registry import CURRENT_VERSION, current_layout, fingerprint

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
MADE = {"template.png", "guide.png", "seed_filled.png", "demo_form.png", "form_problems.png",
        "annotated_copy.png", "annotated_copy_fixed.png", "returns_list.png", "review.png", "demo_summary.png"}


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
