"""Shared fixtures."""

from __future__ import annotations

import pytest

from xltools.core import Form

from . import forms


@pytest.fixture
def seed_form() -> Form:
    return forms.seed_form()
