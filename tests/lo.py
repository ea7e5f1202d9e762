"""LibreOffice for tests: a test that needs it FAILS under ``CI=true`` when soffice is missing, else skips.

Use the fixture (``from tests.lo import soffice`` then ask for ``soffice`` in a test)
or call :func:`require_soffice` at the top of a test.
"""

from __future__ import annotations

import os
import shutil

import pytest

from xltools.io.engine import soffice_available

__all__ = ["require_soffice", "soffice"]


def require_soffice() -> None:
    """Fail under CI=true, skip elsewhere, when LibreOffice (soffice) or pdftoppm is missing."""
    missing = [name for name, ok in (("soffice", soffice_available()), ("pdftoppm", bool(shutil.which("pdftoppm"))))
               if not ok]
    if not missing:
        return
    message = f"LibreOffice test engine missing: {', '.join(missing)} (install with .ci/run)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def soffice() -> None:
    """Session fixture form of :func:`require_soffice`."""
    require_soffice()
