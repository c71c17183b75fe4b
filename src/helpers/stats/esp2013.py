"""The 2013 European Standard Population (ESP2013), 19 five-year age bands.

Eurostat, *Revision of the European Standard Population* (2013 edition, the ONS-adopted
standard for age-standardised rates): 0-4, 5-9, ..., 85-89, 90+, weights summing to 100,000.
The same vector as PHEindicatormethods' ``esp2013``.
"""

from __future__ import annotations

import pandas as pd

ESP2013_BANDS: tuple[str, ...] = (
    "0-4",
    "5-9",
    "10-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-84",
    "85-89",
    "90+",
)
ESP2013_WEIGHTS: tuple[int, ...] = (
    5000,
    5500,
    5500,
    5500,
    6000,
    6000,
    6500,
    7000,
    7000,
    7000,
    7000,
    6500,
    6000,
    5500,
    5000,
    4000,
    2500,
    1500,
    1000,
)
#: age band -> standard population
ESP2013: dict[str, int] = dict(zip(ESP2013_BANDS, ESP2013_WEIGHTS, strict=True))
ESP2013_TOTAL: int = 100_000

if sum(ESP2013_WEIGHTS) != ESP2013_TOTAL:  # pragma: no cover - guards the constants
    raise AssertionError("ESP2013 weights must sum to 100,000")


def esp2013_frame() -> pd.DataFrame:
    """ESP2013 as a table with the columns ``age_band, esp2013`` (19 rows, youngest first)."""
    return pd.DataFrame({"age_band": list(ESP2013_BANDS), "esp2013": list(ESP2013_WEIGHTS)})
