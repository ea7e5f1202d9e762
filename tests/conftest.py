"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xltools.core import Form

from . import forms


@pytest.fixture
def seed_form() -> Form:
    return forms.seed_form()


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: size and modification time, by relative path."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _shared_demo(tmp_path_factory: pytest.TempPathFactory, seed: int) -> Iterator[object]:
    """The demo at its smallest scale (20, rendering off) with ``seed``, made once per session (once per worker
    process under ``make test``) for the modules that only read it. A test that writes into its folder makes
    the session fail at the end (copy the files first, as tests/test_rounds.py does)."""
    from xltools.demo.run import build_demo

    run = build_demo(tmp_path_factory.mktemp(f"demo-seed{seed}") / "demo", scale=20, seed=seed, jobs=2, render=False)
    before = _listing(run.directory)
    yield run
    changed = sorted(set(before.items()) ^ set(_listing(run.directory).items()))
    assert changed == [], f"a test changed the shared demo of seed {seed}: {changed[:5]}"


@pytest.fixture(scope="session")
def demo_seed5(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """build_demo(scale=20, seed=5, jobs=2, render=False), shared (read only)."""
    yield from _shared_demo(tmp_path_factory, 5)


@pytest.fixture(scope="session")
def demo_seed11(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """build_demo(scale=20, seed=11, jobs=2, render=False), shared (read only)."""
    yield from _shared_demo(tmp_path_factory, 11)
