"""LibreOffice for tests: a test that needs it FAILS under ``CI=true`` when soffice is missing, else skips.

Use the fixture (``from tests.lo import soffice`` then ask for ``soffice`` in a test)
or call :func:`require_soffice` at the top of a test.
"""

from __future__ import annotations

import os
import shutil

import pytest

from xltools.io.engine import soffice_available

__all__ = ["engine_missing", "require_soffice", "soffice"]


def require_soffice() -> None:
    """Fail under CI=true, skip elsewhere, when LibreOffice (soffice) or pdftoppm is missing."""
    missing = [name for name, ok in (("soffice", soffice_available()), ("pdftoppm", bool(shutil.which("pdftoppm"))))
               if not ok]
    if missing:
        engine_missing(f"LibreOffice test engine missing: {', '.join(missing)} (install with .ci/run)")


def engine_missing(message: str) -> None:
    """A test's engine is missing: the test fails under ``CI=true`` (CI must have every engine), else skips."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def soffice() -> None:
    """Session fixture form of :func:`require_soffice`."""
    require_soffice()
