"""Reader for NHS England's monthly A&E CSV (``MSitAE-…``), exactly as published.

NHS England's "A&E Attendances and Emergency Admissions" publication gives each month's
provider-level figures as a CSV (``data/README.md``, ``nhse_ae_monthly_msitae_may_2026.csv``):
one row per provider (NHS trusts, independent providers, urgent treatment centres, walk-in
centres, GP practices), a last row ``TOTAL`` (England: every column summed), UTF-8 without a
byte-order mark, CRLF line ends, the ``Parent Org`` text with a trailing space. Its columns::

    Period, Org Code, Parent Org, Org name,
    A&E attendances Type 1 | Type 2 | Other A&E Department,
    A&E attendances Booked Appointments Type 1 | Type 2 | Other Department,
    Attendances over 4hrs Type 1 | Type 2 | Other Department,
    Attendances over 4hrs Booked Appointments Type 1 | Type 2 | Other Department,
    Patients who have waited 4-12 hs from DTA to admission,
    Patients who have waited 12+ hrs from DTA to admission,
    Emergency admissions via A&E - Type 1 | Type 2 | Other A&E department,
    Other emergency admissions

(``4-12 hs`` is NHS England's spelling). ``Period`` is ``MSitAE-<MONTH>-<YYYY>``
(``MSitAE-MAY-2026``; the full month name, ``MSitAE-APRIL-2024``, is read too).

The measures are NHS England's own headline sums, the same names as ``nhse_ae_sitrep``:

* ``attendances``: the six attendance columns (types 1, 2 and other, and the booked appointments
  of each); ``over_4h``: the six over-4-hours columns likewise; ``within_4h`` = the difference;
* ``dta_over_4h``: decision-to-admit waits over 4 hours = ``4-12 hs`` + ``12+ hrs``;
* ``emergency_admissions``: all emergency admissions (the three via-A&E columns + ``Other
  emergency admissions``), as the flat provider file's ``total_emergency_admissions``;
* and, beyond ``nhse_ae_sitrep``: ``admissions_via_ae`` (the three via-A&E columns),
  ``dta_over_12h`` (``12+ hrs``), ``attendances_type1`` and ``over_4h_type1`` (type 1 with its
  booked appointments, for NHS England's type-1 performance).

The file has no 12-hours-from-arrival count, so ``over_12h_from_arrival`` (``nhse_ae_sitrep``)
is not produced. A file that does not fit is one :class:`IngestError` naming the file, the CSV
line and NHS England's column; nothing is guessed. Checked: every column present, every count a
whole number >= 0, every period readable, one row per provider and month, over-4-hours <=
attendances for each type and booked appointments, decision-to-admit waits over 4 hours <= all
emergency admissions, and the ``TOTAL`` row (when present) equal to the sum of the providers
in every column.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core.files import sha256
from helpers.ingest.engine import check_exclude_months
from helpers.ingest.ledger import Ingested, IngestError, SourceLike, ledger_row
from helpers.ingest.parse import month_from_sitrep
from helpers.ingest.readers.published_csv import drop_raw, fail, read_published_csv

ATTENDANCES = (
    "A&E attendances Type 1",
    "A&E attendances Type 2",
    "A&E attendances Other A&E Department",
    "A&E attendances Booked Appointments Type 1",
    "A&E attendances Booked Appointments Type 2",
    "A&E attendances Booked Appointments Other Department",
)
OVER_4H = (
    "Attendances over 4hrs Type 1",
    "Attendances over 4hrs Type 2",
    "Attendances over 4hrs Other Department",
    "Attendances over 4hrs Booked Appointments Type 1",
    "Attendances over 4hrs Booked Appointments Type 2",
    "Attendances over 4hrs Booked Appointments Other Department",
)
DTA = (
    "Patients who have waited 4-12 hs from DTA to admission",
    "Patients who have waited 12+ hrs from DTA to admission",
)
VIA_AE = (
    "Emergency admissions via A&E - Type 1",
    "Emergency admissions via A&E - Type 2",
    "Emergency admissions via A&E - Other A&E department",
)
OTHER_ADMISSIONS = "Other emergency admissions"
COUNTS = (*ATTENDANCES, *OVER_4H, *DTA, *VIA_AE, OTHER_ADMISSIONS)

#: NHS England's columns -> ours (counts keep NHS England's names)
COLUMNS: dict[str, str] = {
    "Period": "period",
    "Org Code": "org_code",
    "Parent Org": "parent_org",
    "Org name": "org_name",
    **{c: c for c in COUNTS},
}
#: the England row's text in ``Org Code`` (and every text column)
TOTAL = "TOTAL"

#: the measures, as the registry lists them
MEASURES = (
    "attendances",
    "over_4h",
    "within_4h",
    "emergency_admissions",
    "dta_over_4h",
    "admissions_via_ae",
    "dta_over_12h",
    "attendances_type1",
    "over_4h_type1",
)


def _fail(path: Path, d: pd.DataFrame, bad: pd.Series, column: str, why: str) -> None:
    fail(path, d, bad, column, COLUMNS[column], why)


def _headline(d: pd.DataFrame) -> pd.DataFrame:
    """NHS England's headline sums of each row (the module notes)."""
    att = d[list(ATTENDANCES)].sum(axis=1)
    o4 = d[list(OVER_4H)].sum(axis=1)
    via = d[list(VIA_AE)].sum(axis=1)
    return pd.DataFrame(
        {
            "attendances": att,
            "over_4h": o4,
            "within_4h": att - o4,
            "emergency_admissions": via + d[OTHER_ADMISSIONS],
            "dta_over_4h": d[list(DTA)].sum(axis=1),
            "admissions_via_ae": via,
            "dta_over_12h": d[DTA[1]],
            "attendances_type1": d[ATTENDANCES[0]] + d[ATTENDANCES[3]],
            "over_4h_type1": d[OVER_4H[0]] + d[OVER_4H[3]],
        },
        index=d.index,
    )


def read_msitae_file(path: str | Path) -> pd.DataFrame:
    """NHS England's monthly A&E CSV, one row per provider (in the file's order), the ``TOTAL``
    row left out once checked against the providers' sums.

    Columns: ``line`` (CSV line), ``period`` (as published), ``month`` (its first day),
    ``org_code``, ``parent_org``, ``org_name``, the 18 counts under NHS England's names (int),
    then the headline measures (:data:`MEASURES`). ``attrs["total_line"]`` is the ``TOTAL``
    row's CSV line (None when the file has none).
    """
    p = Path(path)
    d = read_published_csv(p, COLUMNS)
    is_total = d["org_code"] == TOTAL
    _fail(p, d, d["org_code"] == "", "Org Code", "empty provider code")
    for c in COUNTS:
        num = pd.to_numeric(d[c], errors="coerce")
        _fail(p, d, num.isna(), c, "empty or not a number")
        _fail(p, d, num < 0, c, "a negative count")
        _fail(p, d, num != num.round(), c, "not a whole number")
        d[c] = num.astype("int64")
    month = month_from_sitrep(d["period"])
    _fail(p, d, month.isna() & ~is_total, "Period", "not a period like MSitAE-MAY-2026")
    d["month"] = month
    total_rows = d[is_total]
    _fail(p, d, is_total & is_total.cumsum().gt(1), "Org Code", "a second TOTAL row")
    d = d[~is_total]
    dup = d.duplicated(["month", "org_code"], keep="first")
    _fail(p, d, dup, "Org Code", "a second row for the same provider and month")
    for over, att in zip(OVER_4H, ATTENDANCES, strict=True):
        _fail(p, d, d[over] > d[att], over, f"more 4-hour breaches than {att!r}")
    h = _headline(d)
    _fail(
        p,
        d,
        h["dta_over_4h"] > h["emergency_admissions"],
        DTA[0],
        "decision-to-admit waits over 4 hours (4-12 hs + 12+ hrs) above all emergency admissions",
    )
    total_line = None
    if len(total_rows):
        t = total_rows.iloc[0]
        total_line = int(t["line"])
        for c in COUNTS:
            if int(t[c]) != int(d[c].sum()):
                raise IngestError(
                    f"{p}, line {total_line}, column {c!r}: the TOTAL row ({int(t[c])}) is not "
                    f"the sum of the {len(d)} providers ({int(d[c].sum())}); the file is "
                    "incomplete or not as published"
                )
    out = pd.concat([drop_raw(d), h], axis=1).reset_index(drop=True)
    out.attrs["total_line"] = total_line
    return out


def _excluded_months(source: SourceLike, d: pd.DataFrame) -> tuple[pd.Series, dict[str, int]]:
    """The source option ``exclude_months`` (``{"YYYY-MM": reason}``), as every reader reads it."""
    drop: Mapping[str, Any] = (source.options or {}).get("exclude_months") or {}
    if not drop:
        return pd.Series(False, index=d.index), {}
    check_exclude_months(drop, source.path)
    ym = d["month"].dt.strftime("%Y-%m")
    out = ym.isin(list(drop))
    reasons = {
        f"{m} excluded by the settings: {drop[m]}": int((ym == m).sum())
        for m in sorted(drop)
        if (ym == m).any()
    }
    return out, reasons


def read_msitae_source(key: str, source: SourceLike, root: Path) -> Ingested:
    """The monthly A&E CSV as a source: the headline measures of every provider and month; the
    ``TOTAL`` row and the months of ``exclude_months`` excluded in the ledger with their reason."""
    path = root / source.path
    d = read_msitae_file(path)
    excluded, reasons = _excluded_months(source, d)
    n_total = 0 if d.attrs["total_line"] is None else 1
    if n_total:
        reasons["excluded: England TOTAL row (not an organisation)"] = 1
    kept = d[~excluded]
    long = kept.melt(id_vars=["org_code", "month"], value_vars=list(MEASURES), var_name="measure")
    measures = (
        pd.DataFrame(
            {
                "source": key,
                "org_code_published": long["org_code"].to_numpy(),
                "month": pd.to_datetime(long["month"]).to_numpy(),
                "measure": long["measure"].to_numpy(),
                "value": long["value"].astype(float).to_numpy(),
            }
        )
        .sort_values(["measure", "org_code_published", "month"], kind="stable")
        .reset_index(drop=True)
    )
    read = len(d) + n_total
    ledger = ledger_row(
        source.path,
        sha256(path),
        key,
        read,
        len(kept),
        int(excluded.sum()) + n_total,
        0,
        reasons,
    )
    return Ingested(measures=measures, ledger=ledger)
