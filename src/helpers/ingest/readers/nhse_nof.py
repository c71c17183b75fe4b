"""Readers for NHS England's NHS Oversight Framework (NOF) 2025/26 publication files, as published.

Two shapes (``data/README.md``, "NHS Oversight Framework files"):

* the **long metric file** (``..._trust_data_q1_q4.csv``): one row per quarter, trust and metric
  ID; ``OF00xx`` metric values, ``OF10xx`` NHS England's scores of them (1 best to 4), ``OF40xx``
  domain scores, ``OF41xx`` domain segments, ``OF5002`` average score, ``OF5003`` unadjusted
  segment, ``OF5004`` financial override, ``OF5000`` adjusted segment. A metric a trust lacks is
  an absent row (no suppression markers).
* the **league table** (``..._league_table.csv``): one row per trust, with the likely ranges
  written as text (``"1.2 to 1.89"``, ``"1 to 11"``) and the deficit flag as ``Yes``/``No``.

Both are UTF-8 with a byte-order mark; the readers take NHS England's column names exactly and
return tidy frames with snake-case names. A file that does not fit is one :class:`IngestError`
naming the file, the CSV line and the column; nothing is guessed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers.core.files import sha256
from helpers.ingest.ledger import Ingested, SourceLike, ledger_row
from helpers.ingest.readers.published_csv import drop_raw, fail, read_published_csv

#: NHS England's columns of the long metric file -> ours
METRIC_COLUMNS = {
    "Quarter": "quarter",
    "Region": "region",
    "Trust_type": "trust_type",
    "Trust_subtype": "trust_subtype",
    "Trust_code": "org_code",
    "Trust_name": "org_name",
    "Domain": "domain",
    "Sub-domain": "sub_domain",
    "Metric_ID": "metric_id",
    "Metric_description": "metric_description",
    "Reporting_date": "reporting_date",
    "Units": "units",
    "Value": "value",
    "Median_value": "median_value",
    "Lower_quartile": "lower_quartile",
    "Upper_quartile": "upper_quartile",
    "Rank": "rank",
}

#: NHS England's columns of the league table -> ours
LEAGUE_COLUMNS = {
    "Quarter": "quarter",
    "Region": "region",
    "Trust_type": "trust_type",
    "Trust_subtype": "trust_subtype",
    "Trust_code": "org_code",
    "Trust_name": "org_name",
    "Average_score": "average_score",
    "Likely_range_of_average_score": "likely_range_of_average_score",
    "Segment": "segment",
    "Trust_in_financial_deficit": "trust_in_financial_deficit",
    "Rank": "rank",
    "Likely_range_of_rank": "likely_range_of_rank",
}

QUARTER = re.compile(r"^Q([1-4]) (\d{4})/(\d{2})$")
METRIC_ID = re.compile(r"^OF\d{4}$")
RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+to\s+(-?\d+(?:\.\d+)?)\s*$")


def _read(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    return read_published_csv(path, columns)


def _fail(path: Path, d: pd.DataFrame, bad: pd.Series, column: str, why: str) -> None:
    fail(path, d, bad, column, _ours(column), why)


def _ours(nhse_column: str) -> str:
    return {**METRIC_COLUMNS, **LEAGUE_COLUMNS}[nhse_column]


def _quarters(path: Path, d: pd.DataFrame) -> None:
    m = d["quarter"].str.extract(QUARTER)
    ok = m[0].notna() & ((m[1].astype(float) + 1) % 100 == m[2].astype(float))
    _fail(path, d, ~ok, "Quarter", "not a quarter like 'Q1 2025/26'")
    d["quarter_number"] = m[0].astype(int)
    d["financial_year"] = m[1] + "/" + m[2]


def _numbers(path: Path, d: pd.DataFrame, nhse: str, required: bool) -> None:
    col = _ours(nhse)
    text = d[col]
    num = pd.to_numeric(text, errors="coerce")
    bad = num.isna() & (text != "") if not required else num.isna()
    _fail(path, d, bad, nhse, "not a number" if not required else "empty or not a number")
    d[col] = num


def read_nof_metric_file(path: str | Path) -> pd.DataFrame:
    """NHS England's long NOF metric file, one row per quarter, trust and metric ID.

    Columns: ``line`` (CSV line), ``quarter`` ('Q1 2025/26'), ``quarter_number`` (1-4),
    ``financial_year``, then NHS England's columns in snake case (``org_code``, ``metric_id``,
    ``value``, ``median_value``, ``lower_quartile``, ``upper_quartile``, ``rank``, ...). ``value``
    is required; the quartiles and rank may be blank (NaN).
    """
    p = Path(path)
    d = _read(p, METRIC_COLUMNS)
    _quarters(p, d)
    _fail(p, d, ~d["metric_id"].str.match(METRIC_ID), "Metric_ID", "not a metric ID like 'OF0005'")
    _fail(p, d, d["org_code"] == "", "Trust_code", "empty trust code")
    _numbers(p, d, "Value", required=True)
    for c in ("Median_value", "Lower_quartile", "Upper_quartile", "Rank"):
        _numbers(p, d, c, required=False)
    dup = d.duplicated(["quarter", "org_code", "metric_id"], keep="first")
    _fail(p, d, dup, "Metric_ID", "a second row for the same quarter, trust and metric")
    return drop_raw(d).reset_index(drop=True)


def _range(path: Path, d: pd.DataFrame, nhse: str) -> None:
    col = _ours(nhse)
    m = d[col].str.extract(RANGE)
    _fail(p := path, d, m[0].isna(), nhse, "not a range like '1.2 to 1.89'")
    lo, hi = m[0].astype(float), m[1].astype(float)
    _fail(p, d, lo > hi, nhse, "the range's lower end is above its upper end")
    d[f"{col}_lower"] = lo
    d[f"{col}_upper"] = hi


def read_nof_league_table(path: str | Path) -> pd.DataFrame:
    """NHS England's NOF league table, one row per trust.

    Adds ``likely_range_of_average_score_lower``/``_upper`` and ``likely_range_of_rank_lower``/
    ``_upper`` (floats) parsed from the published text, and ``in_deficit`` (bool) from
    ``Trust_in_financial_deficit`` (``Yes``/``No``).
    """
    p = Path(path)
    d = _read(p, LEAGUE_COLUMNS)
    _quarters(p, d)
    _fail(p, d, d["org_code"] == "", "Trust_code", "empty trust code")
    for c in ("Average_score", "Segment", "Rank"):
        _numbers(p, d, c, required=True)
    _fail(p, d, ~d["segment"].isin([1, 2, 3, 4, 5]), "Segment", "not a segment from 1 to 5")
    for c in ("Likely_range_of_average_score", "Likely_range_of_rank"):
        _range(p, d, c)
    flag = d["trust_in_financial_deficit"]
    _fail(p, d, ~flag.isin(["Yes", "No"]), "Trust_in_financial_deficit", "not 'Yes' or 'No'")
    d["in_deficit"] = flag == "Yes"
    dup = d.duplicated(["quarter", "org_code"], keep="first")
    _fail(p, d, dup, "Trust_code", "a second row for the same quarter and trust")
    d["segment"] = d["segment"].astype(int)
    return drop_raw(d).reset_index(drop=True)


def metric_wide(metrics: pd.DataFrame, prefix: str = "OF") -> pd.DataFrame:
    """Values as one row per (quarter, org_code), one column per metric ID starting ``prefix``."""
    sel = metrics[metrics["metric_id"].str.startswith(prefix)]
    return sel.pivot(index=["quarter", "org_code"], columns="metric_id", values="value")


# --------------------------------------------------------------------------------------------
# the same files as sources of an assessment (the registry's reader contract: long measures,
# one ledger row accounting for every row)


def quarter_start(quarter: pd.Series) -> pd.Series:
    """The first month of a NOF quarter: 'Q1 2025/26' -> 2025-04-01, 'Q4 2025/26' -> 2026-01-01."""
    m = quarter.str.extract(QUARTER)
    q, start = m[0].astype(int), m[1].astype(int)
    year = start + (q == 4).astype(int)
    month = ((q - 1) * 3 + 4 - 1) % 12 + 1
    return pd.to_datetime(
        year.astype(str) + "-" + month.map("{:02d}".format) + "-01", format="%Y-%m-%d"
    )


def _ingested(
    key: str, source: SourceLike, root: Path, d: pd.DataFrame, long: pd.DataFrame
) -> Ingested:
    measures = pd.DataFrame(
        {
            "source": key,
            "org_code_published": long["org_code"].to_numpy(),
            "month": quarter_start(long["quarter"]).to_numpy(),
            "measure": long["measure"].to_numpy(),
            "value": long["value"].astype(float).to_numpy(),
        }
    ).sort_values(["measure", "org_code_published", "month"], kind="stable")
    path = root / source.path
    ledger = ledger_row(source.path, sha256(path), key, len(d), len(d), 0, 0, {})
    return Ingested(measures=measures.reset_index(drop=True), ledger=ledger)


def read_nof_metrics_source(key: str, source: SourceLike, root: Path) -> Ingested:
    """The long metric file as a source: one measure per metric ID (``OF0005``...), dated at the
    quarter's first month."""
    d = read_nof_metric_file(root / source.path)
    return _ingested(key, source, root, d, d.assign(measure=d["metric_id"]))


LEAGUE_MEASURES = (
    "average_score",
    "likely_range_of_average_score_lower",
    "likely_range_of_average_score_upper",
    "segment",
    "rank",
    "likely_range_of_rank_lower",
    "likely_range_of_rank_upper",
    "in_deficit",
)


def read_nof_league_source(key: str, source: SourceLike, root: Path) -> Ingested:
    """The league table as a source: its numbers as measures (``in_deficit`` as 0/1)."""
    d = read_nof_league_table(root / source.path)
    long = d.assign(in_deficit=d["in_deficit"].astype(int)).melt(
        id_vars=["quarter", "org_code"],
        value_vars=list(LEAGUE_MEASURES),
        var_name="measure",
    )
    return _ingested(key, source, root, d, long)
