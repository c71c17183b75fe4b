"""Readers for the file shapes of the synthetic England (``helpers.synthetic.generate``), which
are the shapes NHS England analysts receive: title rows above the header, footnotes below the
table, wide month columns in Excel, ``*`` for suppressed small counts, thousands separators.

Each reader turns one file into the pipeline's long monthly measures (``source,
org_code_published, month, measure, value``) with the same ledger and rejected-rows contract as
:mod:`helpers.ingest`: every data row read is accepted, excluded (with a reason) or rejected
(file, line, column, value, reason; ``line`` is the physical CSV line or the Excel row number).
Title and footnote lines are not data rows; the ledger's reasons say how many were skipped.
Structural problems (missing file, header row not found, unreadable month column) raise
:class:`helpers.ingest.IngestError` naming the file, sheet, row and column.

Wide sheets (RTT, DM01) count each organisation-month cell as one row. Annual returns are dated
at the first month of the financial year (April); quarterly returns at the quarter's first month.
The readers are registered in ``SYNTHETIC_READERS`` (name -> function(key, source, root)) and
read one file each; a glob in an assessment's source path (``ae_monthly_*.csv``, one file per
financial year) is expanded by :func:`helpers.ingest.expand_source`, one ledger row per file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from helpers.ingest import LEDGER_COLUMNS, REJECT_COLUMNS, Ingested, IngestError, RowCheck, sha256

MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "-", ".."})
SUPPRESSED = "*"
_FOOTNOTE = re.compile(r"^\s*(note|notes|source|footnote|\*)\b", re.IGNORECASE)
_FY = re.compile(r"(\d{4})[-/](\d{2})")


class SourceLike(Protocol):
    """What a reader needs of a source: ``helpers.config.Source`` fits."""

    path: str
    options: Mapping[str, Any]


Reader = Callable[[str, SourceLike, Path], Ingested]


# --------------------------------------------------------------------------------------------
# reading tables out of files with title rows and footnotes


@dataclass
class _Table:
    """Data rows (strings, header names as columns, ``_line``) and the skipped non-data lines."""

    rows: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.strftime("%b-%y")
    return str(v).strip()


def _is_end(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells) or bool(_FOOTNOTE.match(cells[0] if cells else ""))


def _locate(
    rows: list[tuple[int, list[str]]], required: tuple[str, ...], where: str, start: int = 0
) -> int:
    for i in range(start, len(rows)):
        names = {c.strip() for c in rows[i][1]}
        if set(required) <= names:
            return i
    raise IngestError(
        f"{where}: no header row with the column(s) {list(required)} "
        f"(searched {len(rows) - start} rows from row {rows[start][0] if rows else 1})"
    )


def _block(
    rows: list[tuple[int, list[str]]], header_i: int, where: str
) -> tuple[pd.DataFrame, int]:
    """Data rows after the header at ``header_i`` up to the first blank or footnote row.
    Returns the frame (with ``_line`` and ``_width_ok``) and the index after the block."""
    header = [c.strip() for c in rows[header_i][1]]
    while header and header[-1] == "":
        header.pop()
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise IngestError(f"{where}, row {rows[header_i][0]}: duplicate column(s) {dupes}")
    data: list[list[str]] = []
    lines: list[int] = []
    width_ok: list[bool] = []
    i = header_i + 1
    while i < len(rows) and not _is_end(rows[i][1]):
        cells = [c.strip() for c in rows[i][1]]
        extra = cells[len(header):]
        width_ok.append(not any(extra))
        cells = (cells + [""] * len(header))[: len(header)]
        data.append(cells)
        lines.append(rows[i][0])
        i += 1
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(
        columns=header, dtype=object
    )
    frame["_line"] = lines
    frame["_width_ok"] = width_ok
    return frame, i


def _csv_rows(path: Path, rel: str) -> list[tuple[int, list[str]]]:
    if not path.exists():
        raise IngestError(f"{rel}: file not found")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            return [(reader.line_num, r) for r in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(f"{rel}: cannot be read as CSV: {exc}") from exc


def _excel_sheets(path: Path, rel: str) -> dict[str, list[tuple[int, list[str]]]]:
    if not path.exists():
        raise IngestError(f"{rel}: file not found")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure, reported with the file name
        raise IngestError(f"{rel}: cannot be read as an Excel workbook: {exc}") from exc
    out: dict[str, list[tuple[int, list[str]]]] = {}
    for ws in wb.worksheets:
        rows = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append((r, cells))
        out[ws.title] = rows
    return out


def _table(rows: list[tuple[int, list[str]]], required: tuple[str, ...], where: str) -> _Table:
    h = _locate(rows, required, where)
    frame, end = _block(rows, h, where)
    skipped = {}
    if h:
        skipped["title lines above the header (not data)"] = h
    skipped["header line (not data)"] = 1
    after = sum(1 for _, cells in rows[end:] if any(c.strip() for c in cells))
    blank = len(rows) - end - after
    if after or blank:
        skipped["blank and footnote lines below the table (not data)"] = after + blank
    return _Table(frame, skipped)


# --------------------------------------------------------------------------------------------
# values


def _numbers(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse counts: thousands separators, (brackets) for negatives. Returns
    ``(value, suppressed, missing, bad)``."""
    t = text.fillna("").astype(str).str.strip()
    suppressed = t == SUPPRESSED
    missing = t.isin(MISSING)
    neg = t.str.match(r"^\(.*\)$")
    clean = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(",", "", regex=False)
    num = pd.to_numeric(clean.where(~(suppressed | missing)), errors="coerce")
    num = num.where(~neg, -num)
    bad = num.isna() & ~suppressed & ~missing
    return num.astype(float), suppressed, missing, bad


def month_from_text(values: pd.Series, fmt: str) -> pd.Series:
    """Parse dates with ``fmt`` and return the first of the month (NaT where it fails)."""
    parsed = pd.to_datetime(values.astype(str).str.strip(), format=fmt, errors="coerce")
    return parsed.dt.to_period("M").dt.to_timestamp()


def month_from_sitrep(values: pd.Series) -> pd.Series:
    """'MSitAE-APRIL-2024' -> 2024-04-01."""
    m = values.astype(str).str.strip().str.extract(r"^MSitAE-([A-Za-z]+)-(\d{4})$")
    return month_from_text(m[0].str.title() + " " + m[1], "%B %Y")


def month_from_fy(values: pd.Series) -> pd.Series:
    """'2024-25' or '2024/25' -> 2024-04-01 (annual returns are dated at April)."""
    m = values.astype(str).str.strip().str.extract(r"^(\d{4})[-/](\d{2})$")
    start = pd.to_numeric(m[0], errors="coerce")
    ok = start.notna() & ((start + 1) % 100 == pd.to_numeric(m[1], errors="coerce"))
    return pd.to_datetime(start.where(ok).astype("Int64").astype(str) + "-04-01",
                          format="%Y-%m-%d", errors="coerce")


def month_from_header(label: str) -> pd.Timestamp | None:
    """'Apr-24' (or 'Apr-2024', '2024-04') -> 2024-04-01; None if not a month."""
    for fmt in ("%b-%y", "%b-%Y", "%Y-%m", "%Y-%m-%d"):
        try:
            return pd.Timestamp(datetime.strptime(label.strip(), fmt)).to_period(
                "M").to_timestamp()
        except ValueError:
            continue
    return None


def _fy_of_file(path: Path, source: SourceLike) -> pd.Timestamp:
    fy = str(source.options.get("financial_year", "")) if source.options else ""
    m = _FY.search(fy) or _FY.search(path.name)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise IngestError(
            f"{source.path}: the financial year is neither in the file name (like '2024-25') "
            "nor in the source option 'financial_year'"
        )
    return pd.Timestamp(f"{m.group(1)}-04-01")


# --------------------------------------------------------------------------------------------
# long tables


MeasureList = list[tuple[str | pd.Series, pd.Series]]


@dataclass(frozen=True)
class LongSpec:
    """How to validate a long table (one row per organisation and period)."""

    required: tuple[str, ...]
    org: str
    month: str  # the column blamed for an unreadable period
    parse_month: Callable[[pd.DataFrame], pd.Series]
    month_error: str
    numeric: tuple[str, ...]
    measures: Callable[[pd.DataFrame], MeasureList]
    checks: tuple[RowCheck, ...] = ()
    key: tuple[str, ...] = ()
    signed: tuple[str, ...] = ()
    allowed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _not_more_than(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[a].notna() & d[b].notna() & (d[a] > d[b])


class _Rejects:
    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.parts: list[pd.DataFrame] = []

    def add(
        self, lines: pd.Series, column: str | np.ndarray, values: pd.Series, reason: str
    ) -> None:
        if len(lines):
            self.parts.append(pd.DataFrame({
                "file": self.rel, "line": lines.to_numpy(dtype=int), "column": column,
                "value": values.astype(str).to_numpy(), "reason": reason,
            }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return pd.concat(self.parts, ignore_index=True).sort_values(
            ["line", "column"], kind="stable").reset_index(drop=True)


def _ledger(
    key: str, source: SourceLike, path: Path, read: int, accepted: int, excluded: int,
    rejected: int, reasons: dict[str, int],
) -> dict[str, Any]:
    assert accepted + excluded + rejected == read, (source.path, read, accepted, excluded)
    return {
        "file": source.path, "sha256": sha256(path), "role": key, "rows_read": int(read),
        "rows_accepted": int(accepted), "rows_excluded": int(excluded),
        "rows_rejected": int(rejected),
        "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items()) if v),
    }


def _empty_measures() -> pd.DataFrame:
    return pd.DataFrame({
        "source": pd.Series(dtype=object), "org_code_published": pd.Series(dtype=object),
        "month": pd.Series(dtype="datetime64[ns]"), "measure": pd.Series(dtype=object),
        "value": pd.Series(dtype=float),
    })


def _finish_long(key: str, source: SourceLike, path: Path, table: _Table, spec: LongSpec,
                 where: str | None = None) -> Ingested:
    raw = table.rows
    rej = _Rejects(source.path)
    line = raw["_line"]
    bad = pd.Series(False, index=raw.index)

    def reject(mask: pd.Series, column: str, reason: str) -> None:
        nonlocal bad
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            vals = raw.loc[mask, column] if column in raw else pd.Series("", index=raw[mask].index)
            rej.add(line[mask], column, vals, reason)
            bad = bad | mask

    width = ~raw["_width_ok"].astype(bool)
    reject(width, spec.org, "wrong number of fields on the line")
    data = pd.DataFrame(index=raw.index)
    data["org"] = raw[spec.org].astype(str).str.strip()
    reject(data["org"] == "", spec.org, "blank organisation code")
    data["month"] = spec.parse_month(raw)
    reject(data["month"].isna(), spec.month, spec.month_error)
    for col, allowed in spec.allowed.items():
        reject(~raw[col].isin(allowed), col, f"not one of {list(allowed)}")
    reasons: dict[str, int] = dict(table.skipped)
    for col in spec.numeric:
        num, sup, miss, nan = _numbers(raw[col])
        reject(nan, col, "not a number (and not a missing-value marker)")
        if col not in spec.signed:
            reject(num < 0, col, "negative count")
        data[col] = num
        data[f"_sup_{col}"] = sup
        data[f"_miss_{col}"] = miss
    for check in spec.checks:  # only on rows whose values are otherwise valid
        reject(check.bad(data) & ~bad, check.column, check.reason)
    if spec.key:
        k = pd.DataFrame({c: (data[c] if c in data else raw[c]) for c in spec.key})
        dup = k.duplicated(keep=False) & ~bad
        label = "/".join({"month": spec.month, "org": spec.org}.get(c, c) for c in spec.key)
        reject(dup, spec.org, f"duplicate row for {label}")
    accepted = data[~bad].copy()
    for col in spec.numeric:
        n_sup = int(accepted[f"_sup_{col}"].sum())
        n_miss = int(accepted[f"_miss_{col}"].sum())
        if n_sup:
            reasons[f"accepted with '{col}' suppressed ('*', value missing)"] = n_sup
        if n_miss:
            reasons[f"accepted with '{col}' blank (value missing)"] = n_miss
    rejected = rej.frame()
    if len(rejected):
        per = rejected.drop_duplicates("line").groupby("reason").size()
        reasons.update({f"rejected: {r}": int(n) for r, n in per.items()})
    acc_raw = raw.loc[accepted.index]
    for c in raw.columns:
        if c not in accepted and not c.startswith("_"):
            accepted[c] = acc_raw[c]
    parts = []
    for measure, values in spec.measures(accepted):
        parts.append(pd.DataFrame({
            "source": key,
            "org_code_published": accepted["org"].to_numpy(),
            "month": accepted["month"].to_numpy(),
            "measure": measure.to_numpy() if isinstance(measure, pd.Series) else measure,
            "value": values.to_numpy(dtype=float),
        }))
    measures = pd.concat(parts, ignore_index=True) if parts else _empty_measures()
    measures = measures.dropna(subset=["measure"]).reset_index(drop=True)
    ledger = _ledger(key, source, path, len(raw), len(accepted), 0, int(bad.sum()), reasons)
    return Ingested(measures=measures, ledger=ledger, rejected=rejected)


def _read_long_csv(key: str, source: SourceLike, root: Path, spec: LongSpec) -> Ingested:
    path = root / source.path
    table = _table(_csv_rows(path, source.path), spec.required, source.path)
    return _finish_long(key, source, path, table, spec)


# --------------------------------------------------------------------------------------------
# the readers: long CSV files


def _ae_measures(d: pd.DataFrame) -> MeasureList:
    tot, o4 = d["Total attendances"], d["Attendances over 4hrs"]
    return [
        ("attendances", tot),
        ("over_4h", o4),
        ("within_4h", tot - o4),
        ("over_12h_from_arrival", d["Patients who have waited 12+ hrs from arrival"]),
        ("emergency_admissions", d["Emergency admissions"]),
        ("dta_over_4h", d[_DTA]),
    ]


_DTA = "Number of patients spending >4 hours from decision to admit to admission"
AE_SPEC = LongSpec(
    required=("Period", "Org Code", "Total attendances", "Attendances over 4hrs"),
    org="Org Code", month="Period",
    parse_month=lambda r: month_from_sitrep(r["Period"]),
    month_error="not a period like MSitAE-APRIL-2024",
    numeric=("Total attendances", "Attendances over 4hrs",
             "Patients who have waited 12+ hrs from arrival", "Emergency admissions", _DTA),
    measures=_ae_measures,
    checks=(
        RowCheck("Attendances over 4hrs", "more 4-hour breaches than attendances",
                 _not_more_than("Attendances over 4hrs", "Total attendances")),
        RowCheck("Patients who have waited 12+ hrs from arrival",
                 "more 12-hour waits than attendances",
                 _not_more_than("Patients who have waited 12+ hrs from arrival",
                                "Total attendances")),
        RowCheck(_DTA, "more decision-to-admit waits over 4 hours than emergency admissions",
                 _not_more_than(_DTA, "Emergency admissions")),
    ),
    key=("month", "org"),
)


def read_ae_monthly(key: str, source: SourceLike, root: Path) -> Ingested:
    """ae_monthly_<YYYY-YY>.csv: monthly A&E attendances and emergency admissions."""
    spec = AE_SPEC
    path = root / source.path
    rows = _csv_rows(path, source.path)
    table = _table(rows, spec.required + (_DTA,), source.path)
    return _finish_long(key, source, path, table, spec)


def _cancer_measures(d: pd.DataFrame) -> MeasureList:
    prefix = d["Standard"].map({"28-day FDS": "cancer_28d", "62-day": "cancer_62d"})
    return [
        (prefix + "_total", d["Total"]),
        (prefix + "_within", d["Within Standard"]),
        (prefix + "_breaches", d["Breaches"]),
    ]


def _cancer_inconsistent(d: pd.DataFrame) -> pd.Series:
    both = d["Within Standard"].notna() & d["Breaches"].notna() & d["Total"].notna()
    return both & ((d["Within Standard"] + d["Breaches"]) != d["Total"])


CANCER_SPEC = LongSpec(
    required=("Month", "Org Code", "Standard", "Total", "Within Standard", "Breaches"),
    org="Org Code", month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%B %Y"),
    month_error="not a month like 'April 2024'",
    numeric=("Total", "Within Standard", "Breaches"),
    measures=_cancer_measures,
    checks=(
        RowCheck("Within Standard", "more within the standard than in total",
                 _not_more_than("Within Standard", "Total")),
        RowCheck("Breaches", "within standard + breaches is not the total",
                 _cancer_inconsistent),
    ),
    key=("month", "org", "Standard"),
    allowed={"Standard": ("28-day FDS", "62-day")},
)

_ORGANISMS = {"MRSA": "hcai_mrsa", "C. difficile": "hcai_cdiff", "E. coli": "hcai_ecoli"}
HCAI_SPEC = LongSpec(
    required=("Month", "Org Code", "Organism", "Cases"),
    org="Org Code", month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%Y-%m"),
    month_error="not a month like 2024-04",
    numeric=("Cases",),
    measures=lambda d: [(d["Organism"].map(_ORGANISMS), d["Cases"])],
    key=("month", "org", "Organism"),
    allowed={"Organism": tuple(_ORGANISMS)},
)


def _quarter_month(r: pd.DataFrame) -> pd.Series:
    start = month_from_fy(r["Year"])
    q = pd.to_numeric(r["Quarter"].astype(str).str.extract(r"^Q([1-4])$")[0], errors="coerce")
    return pd.Series(
        [s + pd.DateOffset(months=3 * (int(k) - 1)) if pd.notna(s) and pd.notna(k) else pd.NaT
         for s, k in zip(start, q, strict=True)], index=r.index, dtype="datetime64[ns]",
    )


OBD_SPEC = LongSpec(
    required=("Year", "Quarter", "Org Code", "Occupied bed days"),
    org="Org Code", month="Quarter", parse_month=_quarter_month,
    month_error="not a year like 2024-25 with a quarter Q1 to Q4",
    numeric=("Occupied bed days",),
    measures=lambda d: [("occupied_bed_days", d["Occupied bed days"])],
    key=("month", "org"),
)

SICKNESS_SPEC = LongSpec(
    required=("Month", "Org Code", "FTE days lost", "FTE days available"),
    org="Org Code", month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%Y-%m-%d"),
    month_error="not a date like 2024-04-30",
    numeric=("FTE days lost", "FTE days available"),
    measures=lambda d: [("fte_days_lost", d["FTE days lost"]),
                        ("fte_days_available", d["FTE days available"])],
    checks=(RowCheck("FTE days lost", "more FTE days lost than available",
                     _not_more_than("FTE days lost", "FTE days available")),),
    key=("month", "org"),
)

COST_SPEC = LongSpec(
    required=("Financial Year", "Org Code", "Actual cost £000", "Expected cost £000"),
    org="Org Code", month="Financial Year",
    parse_month=lambda r: month_from_fy(r["Financial Year"]),
    month_error="not a financial year like 2024/25",
    numeric=("Actual cost £000", "Expected cost £000"),
    measures=lambda d: [("cost_actual_k", d["Actual cost £000"]),
                        ("cost_expected_k", d["Expected cost £000"])],
    key=("month", "org"),
)

MH_SPEC = LongSpec(
    required=("Month", "ICB Code", "People in contact", "Estimated prevalence"),
    org="ICB Code", month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%Y-%m-%d"),
    month_error="not a date like 2024-04-01",
    numeric=("People in contact", "Estimated prevalence"),
    measures=lambda d: [("mh_access_people", d["People in contact"]),
                        ("mh_prevalence", d["Estimated prevalence"])],
    checks=(RowCheck("People in contact", "more people in contact than the prevalence estimate",
                     _not_more_than("People in contact", "Estimated prevalence")),),
    key=("month", "org"),
)

FLU_SPEC = LongSpec(
    required=("Season", "ICB Code", "Cohort", "Vaccinated", "Eligible"),
    org="ICB Code", month="Season",
    parse_month=lambda r: month_from_fy(r["Season"]),
    month_error="not a season like 2024-25",
    numeric=("Vaccinated", "Eligible"),
    measures=lambda d: [("flu_vaccinated", d["Vaccinated"]), ("flu_eligible", d["Eligible"])],
    checks=(RowCheck("Vaccinated", "more vaccinated than eligible",
                     _not_more_than("Vaccinated", "Eligible")),),
    key=("month", "org", "Cohort"),
)

PLANS_SPEC = LongSpec(
    required=("org_code", "metric_id", "month", "planned_value"),
    org="org_code", month="month",
    parse_month=lambda r: month_from_text(r["month"], "%Y-%m-%d"),
    month_error="not a date like 2024-04-01",
    numeric=("planned_value",),
    signed=("planned_value",),
    measures=lambda d: [("plan_" + d["metric_id"].astype(str), d["planned_value"])],
    key=("month", "org", "metric_id"),
)


def _annual_spec(base: LongSpec, fy: pd.Timestamp) -> LongSpec:
    return replace(base, parse_month=lambda r: pd.Series(fy, index=r.index))


SURVEY_SPEC = LongSpec(
    required=("Org Code", "Respondents", "Positive responses"),
    org="Org Code", month="Org Code", parse_month=lambda r: pd.Series(pd.NaT, index=r.index),
    month_error="no financial year",
    numeric=("Respondents", "Positive responses"),
    measures=lambda d: [("survey_respondents", d["Respondents"]),
                        ("survey_positive", d["Positive responses"])],
    checks=(RowCheck("Positive responses", "more positive responses than respondents",
                     _not_more_than("Positive responses", "Respondents")),),
    key=("month", "org"),
)


def _mean_out_of_range(d: pd.DataFrame) -> pd.Series:
    m = d["Engagement mean score"]
    return m.notna() & ((m < 0) | (m > 10))


STAFF_SPEC = LongSpec(
    required=("Org Code", "Respondents", "Engagement mean score", "Standard deviation"),
    org="Org Code", month="Org Code", parse_month=lambda r: pd.Series(pd.NaT, index=r.index),
    month_error="no financial year",
    numeric=("Respondents", "Engagement mean score", "Standard deviation"),
    measures=lambda d: [("staff_engagement_mean", d["Engagement mean score"]),
                        ("staff_engagement_sd", d["Standard deviation"]),
                        ("staff_engagement_n", d["Respondents"])],
    checks=(RowCheck("Engagement mean score", "mean score outside 0 to 10",
                     _mean_out_of_range),),
    key=("month", "org"),
)

FINANCE_SPEC = LongSpec(
    required=("Financial Year", "Org Code", "Planned surplus/(deficit) £000",
              "Outturn surplus/(deficit) £000", "Operating income £000"),
    org="Org Code", month="Financial Year",
    parse_month=lambda r: month_from_fy(r["Financial Year"]),
    month_error="not a financial year like 2024/25",
    numeric=("Planned surplus/(deficit) £000", "Outturn surplus/(deficit) £000",
             "Operating income £000"),
    signed=("Planned surplus/(deficit) £000", "Outturn surplus/(deficit) £000"),
    measures=lambda d: [("plan_surplus_k", d["Planned surplus/(deficit) £000"]),
                        ("outturn_surplus_k", d["Outturn surplus/(deficit) £000"]),
                        ("operating_income_k", d["Operating income £000"])],
    key=("month", "org"),
)


def _long_reader(spec: LongSpec, doc: str) -> Reader:
    def read(key: str, source: SourceLike, root: Path) -> Ingested:
        return _read_long_csv(key, source, root, spec)

    read.__doc__ = doc
    return read


read_cancer_waits = _long_reader(CANCER_SPEC, "cancer_waits.csv: 28-day FDS and 62-day waits.")
read_hcai_monthly = _long_reader(HCAI_SPEC, "hcai_monthly.csv: cases by organism and month.")
read_occupied_bed_days = _long_reader(
    OBD_SPEC, "occupied_bed_days_quarterly.csv: KH03-like, dated at the quarter's first month.")
read_sickness_absence = _long_reader(
    SICKNESS_SPEC, "sickness_absence.csv: FTE days lost and available (month-end dates).")
read_cost_index = _long_reader(COST_SPEC, "cost_index.csv: actual and expected cost, annual.")
read_mh_access_icb = _long_reader(MH_SPEC, "mh_access_icb.csv: people in contact, monthly.")
read_flu_vaccination_icb = _long_reader(FLU_SPEC, "flu_vaccination_icb.csv: uptake, annual.")
read_plans = _long_reader(PLANS_SPEC, "plans.csv: planned trajectories as plan_<metric_id>.")


def read_patient_survey(key: str, source: SourceLike, root: Path) -> Ingested:
    """patient_survey_<YYYY-YY>.csv: respondents and positive responses (dated April)."""
    fy = _fy_of_file(root / source.path, source)
    return _read_long_csv(key, source, root, _annual_spec(SURVEY_SPEC, fy))


def read_staff_survey(key: str, source: SourceLike, root: Path) -> Ingested:
    """staff_survey_<YYYY-YY>.csv: engagement mean, SD and respondents (dated April)."""
    fy = _fy_of_file(root / source.path, source)
    return _read_long_csv(key, source, root, _annual_spec(STAFF_SPEC, fy))


def read_finance_plan_outturn(key: str, source: SourceLike, root: Path) -> Ingested:
    """finance_plan_outturn.xlsx: plan, outturn (negative = deficit) and income, £000."""
    path = root / source.path
    sheets = _excel_sheets(path, source.path)
    name = str(source.options.get("sheet", "Plan and outturn")) if source.options else (
        "Plan and outturn")
    if name not in sheets:
        raise IngestError(f"{source.path}: no sheet {name!r} (found {list(sheets)})")
    table = _table(sheets[name], FINANCE_SPEC.required, f"{source.path}, sheet '{name}'")
    return _finish_long(key, source, path, table, FINANCE_SPEC)


# --------------------------------------------------------------------------------------------
# wide sheets: one cell per organisation and month


_ID_COLUMNS = ("Region Code", "Org Code", "Org Name")


def _melt_block(
    frame: pd.DataFrame, sheet: str, measure: str, where: str, header_line: int
) -> pd.DataFrame:
    months = [c for c in frame.columns if c not in _ID_COLUMNS and not c.startswith("_")]
    if not months:
        raise IngestError(f"{where}, row {header_line}: no month columns after {_ID_COLUMNS}")
    parsed = {}
    for c in months:
        ts = month_from_header(c)
        if ts is None:
            raise IngestError(
                f"{where}, row {header_line}, column '{c}': not a month like 'Apr-24'"
            )
        parsed[c] = ts
    long = frame.melt(id_vars=["Org Code", "Org Name", "_line", "_width_ok"], value_vars=months,
                      var_name="_column", value_name="text")
    long["month"] = long["_column"].map(parsed)
    long["measure"] = measure
    long["sheet"] = sheet
    return long


def _finish_cells(
    key: str, source: SourceLike, path: Path, cells: pd.DataFrame, skipped: dict[str, int],
    parts_of: list[tuple[str, str, str]], sheet_rows: int,
) -> Ingested:
    """Validate melted cells. ``parts_of``: (part measure, whole measure, reason) checks."""
    cells = cells.reset_index(drop=True)
    rej = _Rejects(source.path)
    bad = pd.Series(False, index=cells.index)

    def reject(mask: pd.Series, reason: str) -> None:
        nonlocal bad
        mask = mask.fillna(False).astype(bool) & ~bad
        if mask.any():
            sub = cells[mask]
            for sheet, g in sub.groupby("sheet", sort=False):
                rej.add(g["_line"], g["_column"].to_numpy(), g["text"],
                        f"sheet '{sheet}': {reason}")
            bad = bad | mask

    reasons = dict(skipped)
    reasons[f"wide layout: each organisation-month cell counts as a row ({sheet_rows} sheet "
            f"rows)"] = len(cells)
    org = cells["Org Code"].astype(str).str.strip()
    is_total = (org == "-") | cells["Org Name"].astype(str).str.strip().str.lower().isin(
        {"total", "england", "england total"})
    num, sup, miss, nan = _numbers(cells["text"])
    excl_total = is_total
    excl_blank = ~is_total & miss & (cells["text"].astype(str).str.strip() == "")
    excluded = excl_total | excl_blank
    live = ~excluded
    reject(live & (org == ""), "blank organisation code")
    reject(live & ~cells["_width_ok"].astype(bool), "wrong number of cells on the row")
    reject(live & nan, "not a number (and not a missing-value marker)")
    reject(live & (num < 0), "negative count")
    cells["value"] = num
    cells["org"] = org
    for part, whole, reason in parts_of:
        p = cells[(cells.measure == part) & live & ~bad]
        w = cells[(cells.measure == whole) & live & ~bad][["org", "month", "value"]]
        m = p.reset_index().merge(w, on=["org", "month"], suffixes=("", "_whole"))
        over = m[m["value"].notna() & m["value_whole"].notna() & (m["value"] > m["value_whole"])]
        reject(pd.Series(cells.index.isin(over["index"]), index=cells.index), reason)
    dup = cells[live & ~bad].duplicated(["org", "month", "measure"], keep=False)
    reject(pd.Series(cells.index.isin(dup[dup].index), index=cells.index),
           "duplicate organisation-month cell")
    accepted = cells[live & ~bad]
    if excl_total.any():
        reasons["excluded: England total row (not an organisation)"] = int(excl_total.sum())
    if excl_blank.any():
        reasons["excluded: blank cell (nothing published for the organisation and month)"] = int(
            excl_blank.sum())
    n_sup = int(sup[accepted.index].sum())
    if n_sup:
        reasons["accepted suppressed '*' (value missing)"] = n_sup
    n_miss = int(miss[accepted.index].sum())
    if n_miss:
        reasons["accepted with a missing-value marker (value missing)"] = n_miss
    rejected = rej.frame()
    if len(rejected):
        per = rejected.groupby("reason").size()
        reasons.update({f"rejected: {r}": int(n) for r, n in per.items()})
    measures = pd.DataFrame({
        "source": key, "org_code_published": accepted["org"].to_numpy(),
        "month": pd.to_datetime(accepted["month"]).to_numpy(),
        "measure": accepted["measure"].to_numpy(), "value": accepted["value"].to_numpy(float),
    }).sort_values(["measure", "org_code_published", "month"], kind="stable").reset_index(
        drop=True)
    ledger = _ledger(key, source, path, len(cells), len(accepted), int(excluded.sum()),
                     int(bad.sum()), reasons)
    return Ingested(measures=measures, ledger=ledger, rejected=rejected)


RTT_SHEETS = {
    "Total incomplete": "rtt_total",
    "Within 18 weeks": "rtt_within_18w",
    "Over 52 weeks": "rtt_over_52w",
}


def read_rtt_incomplete(key: str, source: SourceLike, root: Path) -> Ingested:
    """rtt_incomplete_<YYYY-YY>.xlsx: a sheet per measure, wide month columns."""
    path = root / source.path
    sheets = _excel_sheets(path, source.path)
    frames = []
    skipped: dict[str, int] = {}
    n_rows = 0
    for sheet, measure in RTT_SHEETS.items():
        if sheet not in sheets:
            raise IngestError(f"{source.path}: no sheet {sheet!r} (found {list(sheets)})")
        where = f"{source.path}, sheet '{sheet}'"
        rows = sheets[sheet]
        h = _locate(rows, _ID_COLUMNS, where)
        block, _ = _block(rows, h, where)
        n_rows += len(block)
        frames.append(_melt_block(block, sheet, measure, where, rows[h][0]))
        for k, v in _table(rows, _ID_COLUMNS, where).skipped.items():
            skipped[k] = skipped.get(k, 0) + v
    cells = pd.concat(frames, ignore_index=True)
    return _finish_cells(
        key, source, path, cells, skipped,
        [("rtt_within_18w", "rtt_total",
          "more pathways within 18 weeks than in total"),
         ("rtt_over_52w", "rtt_total", "more pathways over 52 weeks than in total")],
        n_rows,
    )


DM01_BLOCKS = {"Total waiting list": "dm01_total", "Waiting 6+ weeks": "dm01_over_6w"}


def read_diagnostics_dm01(key: str, source: SourceLike, root: Path) -> Ingested:
    """diagnostics_dm01.xlsx: a sheet per financial year, two blocks with wide month columns."""
    path = root / source.path
    sheets = _excel_sheets(path, source.path)
    frames = []
    skipped: dict[str, int] = {}
    n_rows = 0
    for sheet, rows in sheets.items():
        where = f"{source.path}, sheet '{sheet}'"
        consumed = 0
        for block_title, measure in DM01_BLOCKS.items():
            t = next((i for i, (_, c) in enumerate(rows) if c and c[0] == block_title), None)
            if t is None:
                raise IngestError(f"{where}: no block titled {block_title!r}")
            h = _locate(rows, _ID_COLUMNS, where, start=t + 1)
            block, _ = _block(rows, h, where)
            n_rows += len(block)
            consumed += len(block)
            frames.append(_melt_block(block, sheet, measure, where, rows[h][0]))
        k = "title, block title, header, blank and footnote lines (not data)"
        skipped[k] = skipped.get(k, 0) + len(rows) - consumed
    cells = pd.concat(frames, ignore_index=True)
    return _finish_cells(
        key, source, path, cells, skipped,
        [("dm01_over_6w", "dm01_total", "more waiting 6+ weeks than on the waiting list")],
        n_rows,
    )


# --------------------------------------------------------------------------------------------
# registry and conveniences

SYNTHETIC_READERS: dict[str, Reader] = {
    "synthetic_ae_monthly": read_ae_monthly,
    "synthetic_rtt_incomplete": read_rtt_incomplete,
    "synthetic_cancer_waits": read_cancer_waits,
    "synthetic_diagnostics_dm01": read_diagnostics_dm01,
    "synthetic_patient_survey": read_patient_survey,
    "synthetic_hcai_monthly": read_hcai_monthly,
    "synthetic_occupied_bed_days": read_occupied_bed_days,
    "synthetic_sickness_absence": read_sickness_absence,
    "synthetic_staff_survey": read_staff_survey,
    "synthetic_finance_plan_outturn": read_finance_plan_outturn,
    "synthetic_cost_index": read_cost_index,
    "synthetic_mh_access_icb": read_mh_access_icb,
    "synthetic_flu_vaccination_icb": read_flu_vaccination_icb,
    "synthetic_plans": read_plans,
}

# file name pattern (glob, relative to the generator's output folder) -> reader name
FILE_PATTERNS: dict[str, str] = {
    "ae_monthly_*.csv": "synthetic_ae_monthly",
    "rtt_incomplete_*.xlsx": "synthetic_rtt_incomplete",
    "cancer_waits.csv": "synthetic_cancer_waits",
    "diagnostics_dm01.xlsx": "synthetic_diagnostics_dm01",
    "patient_survey_*.csv": "synthetic_patient_survey",
    "hcai_monthly.csv": "synthetic_hcai_monthly",
    "occupied_bed_days_quarterly.csv": "synthetic_occupied_bed_days",
    "sickness_absence.csv": "synthetic_sickness_absence",
    "staff_survey_*.csv": "synthetic_staff_survey",
    "finance_plan_outturn.xlsx": "synthetic_finance_plan_outturn",
    "cost_index.csv": "synthetic_cost_index",
    "mh_access_icb.csv": "synthetic_mh_access_icb",
    "flu_vaccination_icb.csv": "synthetic_flu_vaccination_icb",
    "plans.csv": "synthetic_plans",
}


@dataclass(frozen=True)
class SimpleSource:
    """A minimal source (path relative to a root, options) for calling readers directly."""

    path: str
    reader: str
    options: Mapping[str, Any] = field(default_factory=dict)
    title: str = "Synthetic England (not NHS data)"
    publisher: str = "annual-assessment synthetic England generator"


def synthetic_sources(folder: Path, root: Path) -> dict[str, SimpleSource]:
    """Every reader-backed file in a generated ``folder``, keyed like ``ae_monthly_2024_25``,
    with paths relative to ``root`` (for an assessment's ``sources:`` block)."""
    out: dict[str, SimpleSource] = {}
    for pattern, reader in FILE_PATTERNS.items():
        for p in sorted(folder.glob(pattern)):
            k = re.sub(r"[^a-z0-9]+", "_", p.stem.lower()).strip("_")
            out[k] = SimpleSource(path=p.resolve().relative_to(root.resolve()).as_posix(),
                                  reader=reader)
    return out


def read_synthetic_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read every file of a generated folder with its reader. Returns ``(measures, ledger,
    rejected)`` like ``helpers.ingest.ingest_sources`` (without the max_rejected_rows stop)."""
    sources = synthetic_sources(folder, folder)
    results = [SYNTHETIC_READERS[s.reader](k, s, folder) for k, s in sources.items()]
    measures = pd.concat([r.measures for r in results], ignore_index=True)
    ledger = pd.DataFrame([r.ledger for r in results], columns=LEDGER_COLUMNS)
    rejected = pd.concat([r.rejected for r in results if len(r.rejected)] or
                         [pd.DataFrame(columns=REJECT_COLUMNS)], ignore_index=True)
    return measures, ledger, rejected


__all__ = [
    "FILE_PATTERNS", "SYNTHETIC_READERS", "SimpleSource", "read_synthetic_folder",
    "synthetic_sources",
]
