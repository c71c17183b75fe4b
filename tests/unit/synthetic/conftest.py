"""Shared fixture for the synthetic England tests: one small data set, without the record-level
extract."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.synthetic.generate import DEFAULT_SEED, generate


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic_small")
    generate("small", DEFAULT_SEED, out, records=False)
    return out
