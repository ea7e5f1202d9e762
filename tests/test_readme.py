"""The guarantees in README.md and docs/保障.md each name the test that backs them: every named test exists.

A name is written ``tests/test_x.py::test_y`` or, after such a reference in the same paragraph, a bare
``test_z`` of the same file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "docs/保障.md"]
_REF = re.compile(r"(?:tests/)?(test_\w+)\.py::(test_\w+)|`(test_\w+)`")


def named_tests(text: str) -> list[tuple[str, str]]:
    """(file stem, test name) for every test a document names, bare names taken in the file named last."""
    found: list[tuple[str, str]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        current = None
        for module, test, bare in _REF.findall(paragraph):
            if module:
                current = module
                found.append((module, test))
            elif current is not None:
                found.append((current, bare))
    return found


def test_the_parser_takes_bare_names_in_the_file_named_last() -> None:
    text = "（`tests/test_a.py::test_one`、`test_two`）\n\n`test_three` 前面没有文件"
    assert named_tests(text) == [("test_a", "test_one"), ("test_a", "test_two")]


@pytest.mark.parametrize("doc", DOCS)
def test_every_test_a_guarantee_names_exists(doc: str) -> None:
    names = named_tests((ROOT / doc).read_text(encoding="utf-8"))
    assert len(names) >= 5, f"{doc} names too few tests: {names}"
    missing = [f"{module}.py::{test}" for module, test in names
               if not re.search(rf"^def {test}\(", (ROOT / "tests" / f"{module}.py").read_text(encoding="utf-8"), re.M)]
    assert missing == [], f"{doc} names tests that do not exist: {missing}"


def test_the_readme_stays_short() -> None:
    """Issue 29: what it is, the two commands, one quick start per person, then links (≤ 250 lines)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move detail into docs/"
    for person in ("填表人", "区财政局", "信息化同事"):
        assert any(line.startswith("## ") and person in line for line in lines), person


def test_every_relative_link_of_the_docs_points_at_a_file() -> None:
    """A page moved or removed (docs/scoring.md folded into docs/policy.md) leaves no dead link behind."""
    dead = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            path = target.split("#", 1)[0]
            if path and not target.startswith(("http://", "https://", "mailto:")) and not (doc.parent / path).exists():
                dead.append(f"{doc.relative_to(ROOT)} → {target}")
    assert dead == []
