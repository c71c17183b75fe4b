"""Reader for NHS England's trust-level SHMI file, as published.

The Summary Hospital-level Mortality Indicator (SHMI) trust-level CSV (``data/README.md``,
``shmi_trust_level_feb2025_jan2026.csv``): one row per non-specialist acute trust for one
rolling year, UTF-8 with a byte-order mark, NHS England's column names::

    INDICATOR_CODE, PROVIDER_CODE, PROVIDER_NAME, SHMI_VALUE, SHMI_BANDING, SPELLS,
    OBSERVED, EXPECTED, PO_LL, PO_UL, OD_LL, OD_UL

``SHMI_BANDING`` is 1 (higher than expected), 2 (as expected) or 3 (lower than expected);
``PO_LL``/``PO_UL`` are the Poisson control limits and ``OD_LL``/``OD_UL`` the limits adjusted
for overdispersion. ``SPELLS``, ``OBSERVED`` and ``EXPECTED`` are published rounded to the
nearest 5 (disclosure control), ``SHMI_VALUE`` and the limits to 4 decimals from the unrounded
counts. A file that does not fit is one :class:`IngestError` naming the file, the CSV line and
the column; nothing is guessed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.readers.published_csv import drop_raw, fail, read_published_csv

#: NHS England's columns -> ours
COLUMNS = {
    "INDICATOR_CODE": "indicator_code",
    "PROVIDER_CODE": "org_code",
    "PROVIDER_NAME": "org_name",
    "SHMI_VALUE": "shmi",
    "SHMI_BANDING": "banding",
    "SPELLS": "spells",
    "OBSERVED": "observed",
    "EXPECTED": "expected",
    "PO_LL": "po_ll",
    "PO_UL": "po_ul",
    "OD_LL": "od_ll",
    "OD_UL": "od_ul",
}
#: SHMI_BANDING codes in NHS England's words
BANDINGS = {1: "higher than expected", 2: "as expected", 3: "lower than expected"}
_NUMBERS = ("SHMI_VALUE", "SHMI_BANDING", "SPELLS", "OBSERVED", "EXPECTED")
_LIMITS = ("PO_LL", "PO_UL", "OD_LL", "OD_UL")


def _fail(path: Path, d: pd.DataFrame, bad: pd.Series, column: str, why: str) -> None:
    fail(path, d, bad, column, COLUMNS[column], why)


def read_shmi_trust_level(path: str | Path) -> pd.DataFrame:
    """NHS England's trust-level SHMI file, one row per trust (in the file's order).

    Columns: ``line`` (CSV line), then NHS England's columns under our names (:data:`COLUMNS`):
    ``org_code``, ``org_name``, ``shmi``, ``banding`` (int 1-3), ``spells``, ``observed``,
    ``expected`` (floats), ``po_ll``, ``po_ul``, ``od_ll``, ``od_ul``; and
    ``banding_words`` (:data:`BANDINGS`). Checked: every column present, numbers where numbers
    belong, observed >= 0 and expected > 0, banding 1-3, each lower limit below its upper limit,
    one row per trust.
    """
    p = Path(path)
    d = read_published_csv(p, COLUMNS)
    _fail(p, d, d["org_code"] == "", "PROVIDER_CODE", "empty trust code")
    for nhse in (*_NUMBERS, *_LIMITS):
        col = COLUMNS[nhse]
        num = pd.to_numeric(d[col], errors="coerce")
        _fail(p, d, num.isna(), nhse, "empty or not a number")
        d[col] = num.astype(float)
    _fail(p, d, d["observed"] < 0, "OBSERVED", "a negative number of deaths")
    _fail(p, d, d["expected"] <= 0, "EXPECTED", "expected deaths must be above 0")
    _fail(p, d, d["shmi"] < 0, "SHMI_VALUE", "a negative SHMI")
    _fail(p, d, ~d["banding"].isin(list(BANDINGS)), "SHMI_BANDING", "not a banding 1, 2 or 3")
    _fail(p, d, d["po_ll"] >= d["po_ul"], "PO_LL", "the lower limit is not below PO_UL")
    _fail(p, d, d["od_ll"] >= d["od_ul"], "OD_LL", "the lower limit is not below OD_UL")
    dup = d["org_code"].duplicated(keep="first")
    _fail(p, d, dup, "PROVIDER_CODE", "a second row for the same trust")
    d["banding"] = d["banding"].astype(int)
    d["banding_words"] = d["banding"].map(BANDINGS)
    return drop_raw(d).reset_index(drop=True)
