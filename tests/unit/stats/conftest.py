"""Shared fixtures for the statistics tests: the reference vectors live in tests/reference/."""

from __future__ import annotations

from pathlib import Path

import pytest
from stats_refs import REF


@pytest.fixture(scope="session")
def ref() -> Path:
    return REF
