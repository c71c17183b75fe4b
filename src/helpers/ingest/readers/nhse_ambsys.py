"""Reader for NHS England's AmbSYS file (Ambulance Quality Indicators, system indicators).

AmbSYS is published as one CSV of every month since August 2017 (``data/README.md``,
``nhse_ambsys_*.csv``): one row per organisation and month, the organisation being England
(``Org Code`` ``Eng``), an NHS England region (``Y56``...``Y63``, ``Region`` spelled out) or an
ambulance trust (``R...``, ``Region`` its region's code). The measures are in columns named by
AmbSYS's own codes; the ones read here (meaning confirmed as ``data/README.md`` records)::

    A7   all incidents                      A17  incidents resolved without a face-to-face
    A8   C1 incidents (with a response)          response ("hear and treat")
    A9   C1T incidents (C1 with transport)  A53  incidents with patients conveyed to ED
    A10  C2 incidents                       A54  incidents with patients conveyed elsewhere
    A11  C3 incidents                       A55  incidents with a face-to-face response,
    A12  C4 incidents                            not conveyed ("see and treat")
    A24/A25/A26  C1 total, mean, 90th centile response time (seconds)
    A30/A31/A32  C2 total, mean, 90th centile (seconds); A33/A34/A35 C3; A36/A37/A38 C4
    A56  incidents with a face-to-face response (A53 + A54 + A55; A7 = A17 + A56)

Times are seconds, as AmbSYS publishes them (the means rounded to whole seconds; the totals
are the sums of every incident's response time, so total / incidents is the unrounded mean).
AmbSYS marks a value it does not have (not collected yet, not submitted, not applicable) with
``.``: read as missing, and a row with every value missing is kept and marked
``reported = False``. Any other cell that is not a whole number >= 0 is an :class:`IngestError`
naming the file, the CSV line and the column; nothing is guessed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.files import sha256
from helpers.ingest.ledger import Ingested, SourceLike, ledger_row
from helpers.ingest.readers.published_csv import drop_raw, fail, read_published_csv

#: the identifying columns -> ours
KEYS = {
    "Year": "year",
    "Month": "month_number",
    "Region": "region",
    "Org Code": "org_code",
    "Org Name": "org_name",
}
#: AmbSYS codes -> ours (counts of incidents, or seconds)
VALUES = {
    "A7": "incidents",
    "A8": "c1_incidents",
    "A9": "c1t_incidents",
    "A10": "c2_incidents",
    "A11": "c3_incidents",
    "A12": "c4_incidents",
    "A24": "c1_total_s",
    "A25": "c1_mean_s",
    "A26": "c1_p90_s",
    "A30": "c2_total_s",
    "A31": "c2_mean_s",
    "A32": "c2_p90_s",
    "A33": "c3_total_s",
    "A34": "c3_mean_s",
    "A35": "c3_p90_s",
    "A36": "c4_total_s",
    "A37": "c4_mean_s",
    "A38": "c4_p90_s",
    "A17": "hear_and_treat",
    "A53": "conveyed_ed",
    "A54": "conveyed_not_ed",
    "A55": "see_and_treat",
    "A56": "face_to_face",
}
COLUMNS = {**KEYS, **VALUES}
#: how AmbSYS marks a value it does not have
MISSING = "."
#: shares of all incidents (A7) computed by the reader
SHARES = {
    "hear_and_treat_share": "hear_and_treat",
    "see_and_treat_share": "see_and_treat",
    "conveyed_ed_share": "conveyed_ed",
}
#: a month's 90th centile times its incidents, so that a year's incident-weighted average of
#: the monthly centiles is a sum over a sum (numerator / denominator); AmbSYS publishes no
#: yearly centile and no incident-level times, so this is an approximation, named as such
WEIGHTED_P90 = {f"c{k}_p90_s_x_incidents": (f"c{k}_p90_s", f"c{k}_incidents") for k in (1, 2, 3, 4)}
LEVELS = ("england", "region", "trust")
#: the measures a source of this reader produces (trust rows only)
MEASURES = (*VALUES.values(), *SHARES, *WEIGHTED_P90)


def _fail(path: Path, d: pd.DataFrame, bad: pd.Series, column: str, why: str) -> None:
    fail(path, d, bad, column, COLUMNS[column], why)


def _level(d: pd.DataFrame) -> pd.Series:
    code = d["org_code"]
    return pd.Series(
        np.select(
            [code == "Eng", code.str.fullmatch(r"Y\d\d"), code.str.fullmatch(r"R[0-9A-Z]{2}")],
            ["england", "region", "trust"],
            default="",
        ),
        index=d.index,
    )


def read_ambsys(path: str | Path) -> pd.DataFrame:
    """NHS England's AmbSYS CSV, one row per organisation and month (in the file's order).

    Columns: ``line`` (CSV line), ``year``, ``month_number``, ``month`` (the month's first day),
    ``region``, ``org_code``, ``org_name``, ``level`` (``england``, ``region`` or ``trust``),
    the AmbSYS values under our names (:data:`VALUES`; floats, NaN where AmbSYS has ``.``), the
    shares of all incidents (:data:`SHARES`; NaN where either count is missing or A7 is 0), each
    90th centile times its incidents (:data:`WEIGHTED_P90`) and ``reported`` (False when AmbSYS
    has no value at all for the row). Checked: every column present, years and months as
    numbers, organisation codes of a known kind, values whole numbers >= 0 or ``.``, one row per
    organisation and month.
    """
    p = Path(path)
    d = read_published_csv(p, COLUMNS)
    year = pd.to_numeric(d["year"], errors="coerce")
    _fail(p, d, ~year.between(2017, 2100), "Year", "not a year")
    month = pd.to_numeric(d["month_number"], errors="coerce")
    _fail(p, d, ~month.isin(range(1, 13)), "Month", "not a month 1-12")
    d["year"], d["month_number"] = year.astype(int), month.astype(int)
    d["level"] = _level(d)
    _fail(p, d, d["level"] == "", "Org Code", "not 'Eng', a region Y.. or a trust code R..")
    for code, col in VALUES.items():
        text = d[col]
        num = pd.to_numeric(text.where(text != MISSING), errors="coerce")
        bad = (text != MISSING) & (num.isna() | (num < 0) | (num % 1 != 0))
        _fail(p, d, bad, code, f"not a whole number >= 0 nor AmbSYS's {MISSING!r} (no value)")
        d[col] = num.astype(float)
    dup = d.duplicated(["org_code", "year", "month_number"], keep="first")
    _fail(p, d, dup, "Org Code", "a second row for the same organisation and month")
    d.insert(
        3,
        "month",
        pd.to_datetime(
            d["year"].astype(str) + "-" + d["month_number"].map("{:02d}".format) + "-01",
            format="%Y-%m-%d",
        ),
    )
    for share, count in SHARES.items():
        d[share] = d[count] / d["incidents"].where(d["incidents"] > 0)
    for weighted, (p90, count) in WEIGHTED_P90.items():
        d[weighted] = d[p90] * d[count]
    d["reported"] = d[list(VALUES.values())].notna().any(axis=1)
    return drop_raw(d).reset_index(drop=True)


def read_ambsys_source(key: str, source: SourceLike, root: Path) -> Ingested:
    """AmbSYS as a source: the trust rows' values as measures (:data:`MEASURES`), one per trust,
    month and value AmbSYS publishes. England and region rows are totals of the trusts, counted
    in the ledger as excluded; so are trust rows with nothing published."""
    path = root / source.path
    d = read_ambsys(path)
    trust = d["level"] == "trust"
    used = d[trust & d["reported"]]
    long = used.melt(id_vars=["org_code", "month"], value_vars=list(MEASURES), var_name="measure")
    long = long.dropna(subset=["value"])
    measures = pd.DataFrame(
        {
            "source": key,
            "org_code_published": long["org_code"].to_numpy(),
            "month": long["month"].to_numpy(),
            "measure": long["measure"].to_numpy(),
            "value": long["value"].astype(float).to_numpy(),
        }
    ).sort_values(["measure", "org_code_published", "month"], kind="stable")
    reasons = {
        "England or region total (AmbSYS's own sum of the trusts)": int((~trust).sum()),
        "trust row with no value published ('.' throughout)": int((trust & ~d["reported"]).sum()),
    }
    excluded = sum(reasons.values())
    ledger = ledger_row(source.path, sha256(path), key, len(d), len(used), excluded, 0, reasons)
    return Ingested(measures=measures.reset_index(drop=True), ledger=ledger)
