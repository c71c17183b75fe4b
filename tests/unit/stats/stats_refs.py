"""Where the reference vectors live (tests/reference/) and a reader for them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parents[2] / "reference"


def read_ref(name: str, **kwargs) -> pd.DataFrame:
    """Read one reference CSV by its path under tests/reference/."""
    return pd.read_csv(REF / name, **kwargs)
