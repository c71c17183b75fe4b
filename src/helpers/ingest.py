"""Stepwise, validated ingestion of published statistics, with a ledger for every input file.

Each reader is declared as a :class:`TableSpec`: the columns it needs, which are numeric, the
rows it excludes on purpose (with a reason) and the row checks that reject bad values (with the
file, line, column and reason). Every row read is accounted for as accepted, excluded or
rejected. Structural problems (a missing file or column) raise :class:`IngestError` at once;
rejected rows stop the run unless the settings allow them (``max_rejected_rows``), so a
half-ingested year is never published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import LoadedAssessment, Source, glob_source, is_glob

MISSING_MARKERS = ("", "NA", "N/A", "NaN", "nan", "-", "..", "*")
LEDGER_COLUMNS = [
    "file",
    "sha256",
    "role",
    "rows_read",
    "rows_accepted",
    "rows_excluded",
    "rows_rejected",
    "reasons",
]
REJECT_COLUMNS = ["file", "line", "column", "value", "reason"]


class IngestError(ValueError):
    """An input file cannot be ingested. The message names the file, and row and column."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class RowCheck:
    """Rows where ``bad(frame)`` is true are rejected, blaming ``column``."""

    column: str
    reason: str
    bad: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    """How to read and validate one kind of published file."""

    org_column: str
    month_column: str | None
    numeric: tuple[str, ...]
    measures: Callable[[pd.DataFrame], dict[str, pd.Series]]
    checks: tuple[RowCheck, ...] = ()
    exclude: Callable[[pd.DataFrame, dict], pd.Series] | None = None
    exclude_reason: Callable[[dict], str] = lambda options: "excluded"
    key: tuple[str, ...] = ()
    text: tuple[str, ...] = ()


@dataclass
class Ingested:
    """The result of ingesting one file."""

    measures: pd.DataFrame  # org_code, month, measure, value (long)
    ledger: dict
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    extra: dict = field(default_factory=dict)  # e.g. the case-mix model of a record-level source


def _not_more_than(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[a].notna() & d[b].notna() & (d[a] > d[b])


def _negative(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[col].notna() & (d[col] < 0)


def _days_in_month(month: pd.Series) -> pd.Series:
    return pd.to_datetime(month).dt.days_in_month.astype(float)


READERS: dict[str, TableSpec] = {
    # NHS-R NHSRdatasets::ae_attendances (NHS England A&E sitrep, Apr 2016 - Mar 2019).
    "nhsr_ae_attendances": TableSpec(
        org_column="org_code",
        month_column="period",
        numeric=("attendances", "breaches", "admissions"),
        text=("type",),
        key=("period", "org_code", "type"),
        measures=lambda d: {
            "attendances": d["attendances"],
            "over_4h": d["breaches"],
            "within_4h": d["attendances"] - d["breaches"],
            "admissions_via_ae": d["admissions"],
        },
        checks=(
            RowCheck("attendances", "negative count", _negative("attendances")),
            RowCheck("breaches", "negative count", _negative("breaches")),
            RowCheck("admissions", "negative count", _negative("admissions")),
            RowCheck(
                "breaches", "more 4-hour breaches than attendances",
                _not_more_than("breaches", "attendances"),
            ),
        ),
        exclude=lambda d, o: d["type"].astype(str) != str(o.get("department_type", "1")),
        exclude_reason=lambda o: (
            f"department type other than {o.get('department_type', '1')} (out of scope)"
        ),
    ),
    # NHS England monthly A&E, provider level, all department types (Apr 2021 onwards).
    "nhse_trust_ae_monthly": TableSpec(
        org_column="org_code",
        month_column="date",
        numeric=(
            "total_attendances",
            "attendances_over_4hours",
            "total_emergency_admissions",
            "emergency_admissions_over_4hours",
        ),
        key=("date", "org_code"),
        measures=lambda d: {
            "attendances": d["total_attendances"],
            "over_4h": d["attendances_over_4hours"],
            "within_4h": d["total_attendances"] - d["attendances_over_4hours"],
            "emergency_admissions": d["total_emergency_admissions"],
            "dta_over_4h": d["emergency_admissions_over_4hours"],
        },
        checks=(
            RowCheck("total_attendances", "negative count", _negative("total_attendances")),
            RowCheck(
                "attendances_over_4hours", "negative count", _negative("attendances_over_4hours")
            ),
            RowCheck(
                "attendances_over_4hours", "more 4-hour breaches than attendances",
                _not_more_than("attendances_over_4hours", "total_attendances"),
            ),
            RowCheck(
                "emergency_admissions_over_4hours",
                "more decision-to-admit waits over 4 hours than emergency admissions",
                _not_more_than("emergency_admissions_over_4hours", "total_emergency_admissions"),
            ),
        ),
    ),
    # NHS England UEC sitrep, monthly averages of daily beds (Apr 2022 onwards).
    "nhse_beds_occupancy": TableSpec(
        org_column="org_code",
        month_column="date",
        numeric=("general_acute_beds_available", "general_acute_beds_occupied"),
        key=("date", "org_code"),
        measures=lambda d: {
            "ga_bed_days_available": d["general_acute_beds_available"] * _days_in_month(d["date"]),
            "ga_bed_days_occupied": d["general_acute_beds_occupied"] * _days_in_month(d["date"]),
        },
        checks=(
            RowCheck(
                "general_acute_beds_available", "negative beds",
                _negative("general_acute_beds_available"),
            ),
            RowCheck(
                "general_acute_beds_occupied", "more beds occupied than available",
                _not_more_than("general_acute_beds_occupied", "general_acute_beds_available"),
            ),
        ),
    ),
}


def _read_text_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise IngestError(f"{path}: file not found")
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - report any parser failure with the file name
        raise IngestError(f"{path}: cannot be read as a table: {exc}") from exc


def _parse_month(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    return parsed.dt.to_period("M").dt.to_timestamp()


def read_record_level(key: str, source: Source, root: Path) -> Ingested:
    """A record-level admissions extract (Parquet, one row per spell), aggregated with DuckDB
    into the outcome measures: 30-day emergency readmissions, observed and case-mix-expected
    deaths (SHMI-like), and emergency admissions for ambulatory-care-sensitive conditions by
    ICB of residence and age band, with the ICB population (``options.population``)."""
    from helpers import record_level as rl

    relation, ledger, rejected = rl.read_extract(root / source.path, key, file_label=source.path)
    parts = [rl.readmission_measures(relation, source=key)]
    mortality, model = rl.mortality_measures(relation, source=key)
    parts.append(mortality)
    if "population" in source.options:
        parts.append(rl.avoidable_admission_measures(
            relation, root / source.options["population"], source=key
        ))
    measures = pd.concat(parts, ignore_index=True)
    ingested = Ingested(measures=measures, ledger=ledger, rejected=rejected)
    ingested.extra["case_mix_model"] = model
    return ingested


def derive_measures(measures: pd.DataFrame, options: dict) -> pd.DataFrame:
    """Measures derived from a source's own, as its settings ask (``options``):

    * ``<x>_mean``, ``<x>_sd`` and ``<x>_n`` always give ``<x>_sum`` and ``<x>_sumsq`` (sum and
      sum of squares), so that means aggregate exactly over months and organisations;
    * ``differences: {new: [a, b]}`` adds ``new = a - b`` (e.g. outturn minus plan);
    * ``spread_quarters: true`` spreads a quarterly figure dated at the quarter's first month
      over its three months in proportion to their days, so that it can serve as the
      denominator of monthly counts.
    """
    m = measures
    keys = ["source", "org_code_published", "month"]
    stems = {x[: -len("_mean")] for x in m.measure.unique() if x.endswith("_mean")}
    extra = []
    for stem in sorted(stems):
        want = [f"{stem}_mean", f"{stem}_sd", f"{stem}_n"]
        if not set(want) <= set(m.measure):
            continue
        wide = m[m.measure.isin(want)].pivot_table(
            index=keys, columns="measure", values="value", aggfunc="first"
        )
        mean, sd, n = (wide[c] for c in want)
        for name, values in ((f"{stem}_sum", mean * n),
                             (f"{stem}_sumsq", (n - 1) * sd**2 + n * mean**2)):
            extra.append(values.rename("value").reset_index().assign(measure=name))
    for new, (a, b) in options.get("differences", {}).items():
        w = m[m.measure.isin([a, b])].pivot_table(
            index=keys, columns="measure", values="value", aggfunc="first"
        )
        if a in w and b in w:
            extra.append((w[a] - w[b]).rename("value").reset_index().assign(measure=new))
    if extra:
        m = pd.concat([m, *extra], ignore_index=True)
    if options.get("spread_quarters"):
        first = pd.to_datetime(m.month)
        parts = []
        days_q = sum(
            (first + pd.DateOffset(months=k)).dt.days_in_month for k in range(3)
        ).astype(float)
        for k in range(3):
            month = first + pd.DateOffset(months=k)
            parts.append(m.assign(month=month, value=m.value * month.dt.days_in_month / days_q))
        m = pd.concat(parts, ignore_index=True)
    return m.sort_values([*keys, "measure"], kind="stable").reset_index(drop=True)


def _external_reader(name: str) -> Callable[[str, Source, Path], Ingested] | None:
    """Readers that are functions rather than table specs (own file shapes)."""
    if name == "record_level_admissions":
        return read_record_level
    from helpers.synthetic_readers import SYNTHETIC_READERS

    return SYNTHETIC_READERS.get(name)


def read_source(key: str, source: Source, root: Path) -> Ingested:
    """Read, validate and reshape one published file into long monthly measures."""
    spec = READERS.get(source.reader)
    if spec is None:
        reader = _external_reader(source.reader)
        if reader is not None:
            ingested = reader(key, source, root)
            ingested.measures = derive_measures(ingested.measures, source.options)
            return ingested
        raise IngestError(
            f"source '{key}': unknown reader {source.reader!r} (known: {sorted(READERS)})"
        )
    path = root / source.path
    raw = _read_text_table(path)
    needed = {spec.org_column, *spec.numeric, *spec.text}
    if spec.month_column:
        needed.add(spec.month_column)
    missing = sorted(needed - set(raw.columns))
    if missing:
        raise IngestError(
            f"{source.path}: missing column(s) {missing}; found {list(raw.columns)}"
        )
    n_read = len(raw)
    line = pd.Series(np.arange(n_read) + 2, index=raw.index)  # header is line 1
    markers = set(source.options.get("missing_markers", MISSING_MARKERS))
    rejects: list[pd.DataFrame] = []

    def reject(mask: pd.Series, column: str, reason: str) -> None:
        if mask.any():
            rejects.append(
                pd.DataFrame(
                    {
                        "file": source.path,
                        "line": line[mask].to_numpy(),
                        "column": column,
                        "value": raw.loc[mask, column].to_numpy() if column in raw else "",
                        "reason": reason,
                    }
                )
            )

    data = pd.DataFrame(index=raw.index)
    data[spec.org_column] = raw[spec.org_column].str.strip()
    reject(data[spec.org_column] == "", spec.org_column, "blank organisation code")
    for col in spec.text:
        data[col] = raw[col].str.strip()
    if spec.month_column:
        data[spec.month_column] = _parse_month(raw[spec.month_column].str.strip())
        reject(
            data[spec.month_column].isna(), spec.month_column, "not a date in YYYY-MM-DD form"
        )
    for col in spec.numeric:
        text = raw[col].str.strip().str.replace(",", "", regex=False)
        is_marker = text.isin(markers)
        num = pd.to_numeric(text.where(~is_marker), errors="coerce")
        reject(num.isna() & ~is_marker, col, "not a number (and not a missing-value marker)")
        data[col] = num

    excluded = pd.Series(False, index=raw.index)
    if spec.exclude is not None:
        excluded = spec.exclude(data, source.options).fillna(False).astype(bool)
    for check in spec.checks:
        reject(check.bad(data) & ~excluded, check.column, check.reason)

    rejected = (
        pd.concat(rejects, ignore_index=True)
        if rejects
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    bad_lines = set(rejected["line"].tolist())
    is_rejected = line.isin(bad_lines) & ~excluded
    if spec.key:
        dup = data.duplicated(list(spec.key), keep=False) & ~excluded & ~is_rejected
        reject(dup, spec.key[-1], f"duplicate row for {'/'.join(spec.key)}")
        rejected = pd.concat(rejects, ignore_index=True) if rejects else rejected
        is_rejected = line.isin(set(rejected["line"].tolist())) & ~excluded
    accepted = data[~excluded & ~is_rejected]

    parts = []
    for measure, values in spec.measures(accepted).items():
        parts.append(
            pd.DataFrame(
                {
                    "source": key,
                    "org_code_published": accepted[spec.org_column].to_numpy(),
                    "month": accepted[spec.month_column].to_numpy(),
                    "measure": measure,
                    "value": values.to_numpy(dtype=float),
                }
            )
        )
    measures = pd.concat(parts, ignore_index=True)

    reasons: dict[str, int] = {}
    if excluded.any():
        reasons[spec.exclude_reason(source.options)] = int(excluded.sum())
    if len(rejected):
        per_reason = rejected.drop_duplicates("line").groupby("reason").size()
        reasons.update({f"rejected: {r}": int(n) for r, n in per_reason.items()})
    for col in spec.numeric:
        blank = int(accepted[col].isna().sum())
        if blank:
            reasons[f"accepted with '{col}' missing"] = blank
    ledger = {
        "file": source.path,
        "sha256": sha256(path),
        "role": key,
        "rows_read": n_read,
        "rows_accepted": int(len(accepted)),
        "rows_excluded": int(excluded.sum()),
        "rows_rejected": int(is_rejected.sum()),
        "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items())),
    }
    assert ledger["rows_accepted"] + ledger["rows_excluded"] + ledger["rows_rejected"] == n_read
    return Ingested(measures=measures, ledger=ledger, rejected=rejected)


def expand_source(source: Source, root: Path) -> list[Source]:
    """A source whose path is a glob (``ae_monthly_*.csv``: one file per year, as published)
    stands for every matching file, in name order; each is read and accounted for on its own."""
    if not is_glob(source.path):
        return [source]
    matches = glob_source(source.path, root)
    if not matches:
        raise IngestError(f"{source.path}: no file matches this pattern")
    return [
        source.model_copy(
            update={"path": str(m.relative_to(root)) if m.is_relative_to(root) else str(m)}
        )
        for m in matches
    ]


def signed_measures(run: LoadedAssessment, measures: pd.DataFrame) -> set[str]:
    """Measures that may be negative: the numerators of metrics that are not samples (finance
    positions, ``ci_method: none``) and plans (a planned deficit). Every other measure is a
    count and never negative after validation."""
    finance = {
        d.numerator.measure
        for m in run.catalogue.metrics
        if m.ci_method == "none"
        for d in m.definitions
    }
    plans = {m.plan.measure for m in run.catalogue.metrics if m.plan is not None}
    named = set(measures.measure[measures.measure.str.startswith("plan_")])
    return finance | plans | named


def used_sources(run: LoadedAssessment) -> list[str]:
    """The configured sources this assessment's metrics need in its years (definitions, their
    quantities' own sources, and plans), in settings order. Other sources are not read, so the
    ledger and the provenance list exactly the files the published figures come from."""
    years = run.settings.financial_years
    keys: set[str] = set()
    for m in run.metrics:
        for d in m.definitions:
            if any(d.covers(fy) for fy in years):
                keys.add(d.source)
                keys.update(
                    q.source
                    for q in (d.numerator, d.denominator, d.sum_of_squares)
                    if q is not None and q.source is not None
                )
        if m.plan is not None:
            keys.add(m.plan.source)
    return [k for k in run.settings.sources if k in keys]


def ingest_sources(
    run: LoadedAssessment, extras: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ingest every source the assessment's metrics use (:func:`used_sources`).

    Returns ``(measures, ledger, rejected)``; ``extras`` (if given) receives what a reader adds
    beyond measures, by source key (e.g. a record-level source's case-mix model). Raises
    IngestError naming file, line and column of the first rejected rows when more rows are
    rejected than ``max_rejected_rows`` allows.
    """
    keys, results = [], []
    for key in used_sources(run):
        for one in expand_source(run.settings.sources[key], run.root):
            keys.append(key)
            results.append(read_source(key, one, run.root))
    if extras is not None:
        for key, r in zip(keys, results, strict=True):
            if r.extra:
                extras[key] = r.extra
    measures = pd.concat([r.measures for r in results], ignore_index=True)
    ledger = pd.DataFrame([r.ledger for r in results], columns=LEDGER_COLUMNS)
    rejected = pd.concat([r.rejected for r in results], ignore_index=True)
    allowed = run.settings.max_rejected_rows
    if len(rejected.drop_duplicates(["file", "line"])) > allowed:
        first = rejected.head(5)
        detail = "\n".join(
            f"  {r.file}, line {r.line}, column '{r.column}': {r.reason} (value {r.value!r})"
            for r in first.itertuples()
        )
        raise IngestError(
            f"{len(rejected)} invalid value(s) in the inputs (max_rejected_rows is {allowed}); "
            f"nothing was published. First problems:\n{detail}"
        )
    return measures, ledger, rejected


def reference_ledger(run: LoadedAssessment) -> pd.DataFrame:
    """Ledger rows for the reference (lookup) files: read in full, nothing rejected."""
    rows = []
    for key, src in run.settings.reference.items():
        path = run.root / src.path
        n = len(_read_text_table(path))
        rows.append(
            {
                "file": src.path,
                "sha256": sha256(path),
                "role": f"reference: {key}",
                "rows_read": n,
                "rows_accepted": n,
                "rows_excluded": 0,
                "rows_rejected": 0,
                "reasons": "",
            }
        )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)
