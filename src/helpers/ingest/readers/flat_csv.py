"""Readers for flat CSV extracts: a header on the first line, one row per organisation and month.

* ``nhsr_ae_attendances``: NHS-R ``NHSRdatasets::ae_attendances`` (NHS England A&E sitrep,
  April 2016 to March 2019): ``period, org_code, type, attendances, breaches, admissions``, one
  row per department type; rows of other department types than the source option
  ``department_type`` (default ``1``) are out of scope.
* ``nhse_trust_ae_monthly``: NHS England monthly A&E, provider level, all department types
  (April 2021 onwards): ``org_code, date, total_attendances, attendances_over_4hours,
  total_emergency_admissions, emergency_admissions_over_4hours``.
* ``nhse_beds_occupancy``: NHS England UEC sitrep, monthly averages of daily general and acute
  beds available and occupied (April 2022 onwards), turned into bed-days.
* ``nhse_rtt_incomplete_monthly``: NHS England RTT incomplete pathways by provider and by ICB,
  one row per organisation and month ``YYYY-MM`` (gzip CSV). The source option ``level``
  (``provider``, the default, or ``icb``) selects the rows; the other level's rows are out of
  scope. ``rtt_total`` is ``total_incomplete``: ``pct_within_18wk`` is ``within_18wk /
  total_incomplete`` to its 4 decimals in every row of the 2022-2026 file, where
  ``waitlist`` is the same number in every row (``waitlist`` is not read).
* ``nhse_cancer_waits_monthly``: NHS England Cancer Waiting Times by provider and by ICB, one
  row per organisation, month and standard (``FDS28``, ``CMB31``, ``CMB62``), gzip CSV; option
  ``level`` as for RTT (the England rows, level ``national``, are out of scope too). Each row
  gives the three measures of its own standard (``cancer_28d_*``, ``cancer_31d_*``,
  ``cancer_62d_*``: the measure *name* follows the row's standard, so no row writes a missing
  value for another standard); breaches are ``total - within_standard``.
* ``nhs_staff_survey_questions``: NHS Staff Survey organisation results, one row per
  organisation and survey year ``Year``; for Q11c (``Stress_*``), Q12 often or always burnt out
  (``Burned_out_rate``) and Q3h (``Enough_staff_*``), ``<short>_respondents`` is the question's
  base and ``<short>_yes`` the weighted % x base / 100 (the weighted number answering yes).
  Every row of the 2021-2024 file has each question's own base, so the organisation's
  ``Respondents`` is not needed (a blank base stays missing). Survey year Y (fieldwork
  September to December of Y) is dated October of Y: financial year Y/Y+1.
* ``ukhsa_hcai_icb_rates``: UKHSA Table S6, rates per 100,000 population by ICB (cp1252), one
  row per organism and ICB with one column per financial year (``2009 to 2010`` ...): melted to
  one row per cell, dated April of the year's start. Only MRSA, C. difficile and E. coli are in
  scope, and ``[x]`` (not collected) cells are out of scope. Estimated cases = rate x population
  / 100,000 with the population of the source option ``population`` (the ICB populations file):
  the earliest allocation year's population serves every year (an approximation: the cases
  come back to the published rate; counts are needed for intervals). ``population`` is given
  once per ICB and year.
* ``nhse_icb_ae_monthly``: the ICB ("System Level Data") version of ``nhse_trust_ae_monthly``,
  ICBs by ONS code (``icb22_code``), mapped to ODS codes with the source option ``codes`` (the
  ONS ICB names and codes file: ``ICB24CD`` -> ``ICB24CDH``).
* ``imd_icb``: English Indices of Deprivation 2025, ICB summaries (``icb24_code``, ONS, mapped
  with the option ``codes``), context for one financial year (option ``year``, default
  ``2024/25``, dated April of its start): ``imd_average_score`` and
  ``imd_pct_most_deprived_decile`` (the proportion of LSOAs in England's most deprived 10% x 100)
  and ``one`` (1 per ICB: the denominator of a context value shown as it is, a ratio over 1).

Dates are ``YYYY-MM-DD`` (the first of the month) unless stated. The column layouts are in
``data/README.md`` ("Data contract").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core.fy import check_fy
from helpers.ingest.engine import MeasureList, TableSpec, finish, read_table
from helpers.ingest.ledger import Ingested, IngestError, RowCheck, SourceLike, not_more_than
from helpers.ingest.parse import (
    DEFAULT_ENCODING,
    Table,
    csv_rows,
    find_table,
    month_from_fy,
    month_from_text,
)
from helpers.ingest.reference import read_lookup


def _iso_month(column: str) -> Any:
    return lambda r: month_from_text(r[column], "%Y-%m-%d")


def _days_in_month(month: pd.Series) -> pd.Series:
    return pd.to_datetime(month).dt.days_in_month.astype(float)


def _other_department(raw: pd.DataFrame, options: Mapping[str, Any]) -> pd.Series:
    return raw["type"].astype(str) != str(options.get("department_type", "1"))


def _nhsr_measures(d: pd.DataFrame) -> MeasureList:
    return [
        ("attendances", d["attendances"]),
        ("over_4h", d["breaches"]),
        ("within_4h", d["attendances"] - d["breaches"]),
        ("admissions_via_ae", d["admissions"]),
    ]


NHSR_AE_SPEC = TableSpec(
    required=("period", "org_code", "type", "attendances", "breaches", "admissions"),
    org="org_code",
    month="period",
    parse_month=_iso_month("period"),
    month_error="not a date in YYYY-MM-DD form",
    numeric=("attendances", "breaches", "admissions"),
    measures=_nhsr_measures,
    checks=(
        RowCheck(
            "breaches",
            "more 4-hour breaches than attendances",
            not_more_than("breaches", "attendances"),
        ),
    ),
    key=("month", "org", "type"),
    exclude=_other_department,
    exclude_reason=lambda o: (
        f"department type other than {o.get('department_type', '1')} (out of scope)"
    ),
)


def _trust_ae_measures(d: pd.DataFrame) -> MeasureList:
    return [
        ("attendances", d["total_attendances"]),
        ("over_4h", d["attendances_over_4hours"]),
        ("within_4h", d["total_attendances"] - d["attendances_over_4hours"]),
        ("emergency_admissions", d["total_emergency_admissions"]),
        ("dta_over_4h", d["emergency_admissions_over_4hours"]),
    ]


TRUST_AE_SPEC = TableSpec(
    required=(
        "org_code",
        "date",
        "total_attendances",
        "attendances_over_4hours",
        "total_emergency_admissions",
        "emergency_admissions_over_4hours",
    ),
    org="org_code",
    month="date",
    parse_month=_iso_month("date"),
    month_error="not a date in YYYY-MM-DD form",
    numeric=(
        "total_attendances",
        "attendances_over_4hours",
        "total_emergency_admissions",
        "emergency_admissions_over_4hours",
    ),
    measures=_trust_ae_measures,
    checks=(
        RowCheck(
            "attendances_over_4hours",
            "more 4-hour breaches than attendances",
            not_more_than("attendances_over_4hours", "total_attendances"),
        ),
        RowCheck(
            "emergency_admissions_over_4hours",
            "more decision-to-admit waits over 4 hours than emergency admissions",
            not_more_than("emergency_admissions_over_4hours", "total_emergency_admissions"),
        ),
    ),
    key=("month", "org"),
)


def _beds_measures(d: pd.DataFrame) -> MeasureList:
    days = _days_in_month(d["month"])
    return [
        ("ga_bed_days_available", d["general_acute_beds_available"] * days),
        ("ga_bed_days_occupied", d["general_acute_beds_occupied"] * days),
    ]


BEDS_SPEC = TableSpec(
    required=("org_code", "date", "general_acute_beds_available", "general_acute_beds_occupied"),
    org="org_code",
    month="date",
    parse_month=_iso_month("date"),
    month_error="not a date in YYYY-MM-DD form",
    numeric=("general_acute_beds_available", "general_acute_beds_occupied"),
    measures=_beds_measures,
    checks=(
        RowCheck(
            "general_acute_beds_occupied",
            "more beds occupied than available",
            not_more_than("general_acute_beds_occupied", "general_acute_beds_available"),
        ),
    ),
    key=("month", "org"),
)


def read_nhsr_ae_attendances(key: str, source: SourceLike, root: Path) -> Ingested:
    """NHSRdatasets ``ae_attendances``: A&E by department type, April 2016 to March 2019."""
    return read_table(key, source, root, NHSR_AE_SPEC)


def read_trust_ae_monthly(key: str, source: SourceLike, root: Path) -> Ingested:
    """NHS England monthly A&E, provider level, all department types."""
    return read_table(key, source, root, TRUST_AE_SPEC)


def read_beds_occupancy(key: str, source: SourceLike, root: Path) -> Ingested:
    """NHS England UEC sitrep: general and acute beds, monthly averages -> bed-days."""
    return read_table(key, source, root, BEDS_SPEC)


# --------------------------------------------------------------------------------------------
# real extracts: flattened NHS England statistics (gzip), UKHSA Table S6 (cp1252, wide), IMD


def _read_flat(
    key: str,
    source: SourceLike,
    root: Path,
    spec: TableSpec,
    encoding: str = DEFAULT_ENCODING,
    reshape: Callable[[Table], Table] | None = None,
) -> Ingested:
    """:func:`helpers.ingest.engine.read_table` for gzip or other encodings; ``reshape`` turns
    the table found into the one validated (a wide table melted into cells)."""
    path = root / source.path
    encoding = str(_option(source, "encoding", encoding))  # the source option wins
    table = find_table(csv_rows(path, source.path, encoding), spec.required, source.path)
    return finish(key, source, path, reshape(table) if reshape else table, spec)


def _option(source: SourceLike, name: str, default: Any = None) -> Any:
    return (source.options or {}).get(name, default)


def _lookup(source: SourceLike, root: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The lookup file named by the source option ``name`` (a path from the project root)."""
    rel = _option(source, name)
    if not rel:
        raise IngestError(f"{source.path}: the source option '{name}' (a file path) is required")
    table = read_lookup(root / str(rel), str(rel))
    missing = [c for c in columns if c not in table]
    if missing:
        raise IngestError(f"{rel} (source option '{name}'): missing column(s) {missing}")
    return table


#: ICBs that ONS recoded in 2024 while their ODS code stayed (Surrey Heartlands QXU, Sussex
#: QNX): the ICB A&E file keeps the 2022 codes, the Dec 2024 names and codes file the new ones.
ICB22_TO_ICB24 = {"E54000052": "E54000063", "E54000053": "E54000064"}


def _icb_ods_codes(source: SourceLike, root: Path) -> tuple[dict[str, str], str]:
    """ICB ONS code -> ODS code from the option ``codes`` (``ICB24CD``, ``ICB24CDH``), with the
    2022 codes of :data:`ICB22_TO_ICB24`; and the reason a code not in it is rejected."""
    codes = _lookup(source, root, "codes", ("ICB24CD", "ICB24CDH"))
    ods = dict(zip(codes["ICB24CD"].str.strip(), codes["ICB24CDH"].str.strip(), strict=True))
    ods |= {old: ods[new] for old, new in ICB22_TO_ICB24.items() if new in ods}
    return ods, f"not an ICB ONS code in {_option(source, 'codes')} (source option codes)"


LEVELS = ("provider", "icb")


def _level(source: SourceLike, levels: tuple[str, ...] = LEVELS) -> str:
    level = str(_option(source, "level", "provider"))
    if level not in levels:
        raise IngestError(f"{source.path}: source option 'level' is {level!r}, not one of {levels}")
    return level


def _other_level(raw: pd.DataFrame, options: Mapping[str, Any]) -> pd.Series:
    """Why a row is out of scope: another level than the option ``level``, or England (unless
    the option asks for England: ``national``, one organisation ``ENG``, as NHS England's
    national headline)."""
    level = str(options.get("level", "provider"))
    lv = raw["level"].astype(str)
    why = ("level '" + lv + f"' (the source option level is '{level}')").where(
        lv.isin(LEVELS) & (lv != level), ""
    )
    if level == "national":
        return why
    return why.mask(lv == "national", "the England total (level 'national'), not an organisation")


RTT_MONTHLY_SPEC = TableSpec(
    required=("org_code", "level", "month", "within_18wk", "total_incomplete", "over_52wk"),
    org="org_code",
    month="month",
    parse_month=lambda r: month_from_text(r["month"], "%Y-%m"),
    month_error="not a month in YYYY-MM form",
    numeric=("within_18wk", "total_incomplete", "over_52wk"),
    measures=lambda d: [
        ("rtt_total", d["total_incomplete"]),
        ("rtt_within_18w", d["within_18wk"]),
        ("rtt_over_52w", d["over_52wk"]),
    ],
    checks=(
        RowCheck(
            "within_18wk",
            "more pathways within 18 weeks than in total",
            not_more_than("within_18wk", "total_incomplete"),
        ),
        RowCheck(
            "over_52wk",
            "more pathways over 52 weeks than in total",
            not_more_than("over_52wk", "total_incomplete"),
        ),
    ),
    key=("month", "org"),
    allowed={"level": LEVELS},
    exclude=_other_level,
)

#: Cancer Waiting Times standard -> measure prefix
CANCER_STANDARDS = {"FDS28": "cancer_28d", "CMB31": "cancer_31d", "CMB62": "cancer_62d"}


def _cancer_monthly_measures(d: pd.DataFrame) -> MeasureList:
    prefix = d["standard"].map(CANCER_STANDARDS)
    return [
        (prefix + "_total", d["total"]),
        (prefix + "_within", d["within_standard"]),
        (prefix + "_breaches", d["total"] - d["within_standard"]),
    ]


CANCER_MONTHLY_SPEC = TableSpec(
    required=("org_code", "level", "standard", "month", "within_standard", "total"),
    org="org_code",
    month="month",
    parse_month=lambda r: month_from_text(r["month"], "%Y-%m"),
    month_error="not a month in YYYY-MM form",
    numeric=("within_standard", "total"),
    measures=_cancer_monthly_measures,
    checks=(
        RowCheck(
            "within_standard",
            "more within the standard than in total",
            not_more_than("within_standard", "total"),
        ),
    ),
    key=("month", "org", "standard"),
    allowed={"level": (*LEVELS, "national"), "standard": tuple(CANCER_STANDARDS)},
    exclude=_other_level,
)

#: NHS Staff Survey questions: (measure stem, column stem of ``<stem>_base`` and ``<stem>_rate``)
STAFF_QUESTIONS = (
    ("staff_stress", "Stress"),  # Q11c: unwell as a result of work-related stress (yes)
    ("staff_burnout", "Burned_out"),  # Q12: often or always burnt out because of work
    ("staff_enough_staff", "Enough_staff"),  # Q3h: enough staff to do my job properly (agree)
)


def _pct_outside_0_100(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[col].notna() & ((d[col] < 0) | (d[col] > 100))


_STAFF_COLUMNS = tuple(f"{c}_{x}" for _, c in STAFF_QUESTIONS for x in ("base", "rate"))
STAFF_QUESTIONS_SPEC = TableSpec(
    required=("ODS code", "Year", *_STAFF_COLUMNS),
    org="ODS code",
    month="Year",
    parse_month=lambda r: month_from_text(r["Year"] + "-10", "%Y-%m"),
    month_error="not a survey year like 2024",
    numeric=_STAFF_COLUMNS,
    measures=lambda d: [
        m
        for short, c in STAFF_QUESTIONS
        for m in (
            (f"{short}_respondents", d[f"{c}_base"]),
            (f"{short}_yes", d[f"{c}_rate"] * d[f"{c}_base"] / 100),
        )
    ],
    checks=tuple(
        RowCheck(f"{c}_rate", "weighted % outside 0 to 100", _pct_outside_0_100(f"{c}_rate"))
        for _, c in STAFF_QUESTIONS
    ),
    key=("month", "org"),
)

#: Table S6 organisms in scope -> measure (names with plain spaces), and those out of scope
HCAI_ORGANISMS = {
    "Methicillin-resistant Staphylococcus aureus (MRSA)": "hcai_mrsa",
    "C. difficile": "hcai_cdiff",
    "Escherichia coli": "hcai_ecoli",
}
HCAI_OTHER_ORGANISMS = ("MSSA", "Klebsiella genus", "Pseudomonas aeruginosa")
_HCAI_ODS = "Sustainability transformation partnerships code (NHS)"
_HCAI_YEAR = r"^(\d{4}) to \d{2}(\d{2})$"


def _hcai_out_of_scope(raw: pd.DataFrame, options: Mapping[str, Any]) -> pd.Series:
    other = raw["Species"].isin(HCAI_OTHER_ORGANISMS)
    why = pd.Series("", index=raw.index, dtype=str)
    why = why.mask(raw["rate"] == "[x]", "rate not collected ('[x]')")
    return why.mask(other, "organism other than MRSA, C. difficile and E. coli (out of scope)")


def _hcai_measures(d: pd.DataFrame) -> MeasureList:
    first = ~d.duplicated(["org", "month"])  # the population once per ICB and year
    return [
        (d["Species"].map(HCAI_ORGANISMS), d["rate"] * d["population"] / 100_000),
        (pd.Series("population", index=d.index).where(first), d["population"]),
    ]


HCAI_ICB_SPEC = TableSpec(
    required=("Species", _HCAI_ODS),
    org=_HCAI_ODS,
    month="year",
    parse_month=lambda r: month_from_fy(r["year"].str.replace(_HCAI_YEAR, r"\1/\2", regex=True)),
    month_error="not a financial year like '2023 to 2024'",
    numeric=("rate", "population"),
    measures=_hcai_measures,
    checks=(
        RowCheck(
            "population",
            "no population for the ICB in the file of the source option population",
            lambda d: d["population"].isna(),
        ),
    ),
    key=("month", "org", "Species"),
    allowed={"Species": (*HCAI_ORGANISMS, *HCAI_OTHER_ORGANISMS)},
    exclude=_hcai_out_of_scope,
    header_of={"rate": "year"},
)


def _icb_population(source: SourceLike, root: Path) -> dict[str, str]:
    """ICB ODS code -> population (as text) of the earliest allocation year in the file of the
    option ``population``."""
    pop = _lookup(source, root, "population", ("allocation_year", "icb_code", "population"))
    first = pop[pop["allocation_year"].str.strip() == pop["allocation_year"].str.strip().min()]
    codes = first["icb_code"].str.strip()
    if codes.duplicated().any():
        dup = sorted(set(codes[codes.duplicated()]))
        raise IngestError(f"{_option(source, 'population')}: more than one row for ICB(s) {dup}")
    return dict(zip(codes, first["population"].str.strip(), strict=True))


def _melt_hcai(rel: str, population: Mapping[str, str]) -> Callable[[Table], Table]:
    def melt(table: Table) -> Table:
        wide = table.rows
        years = [c for c in wide.columns if re.fullmatch(r"\d{4} to \d{4}", c)]
        if not years:
            raise IngestError(f"{rel}: no financial-year columns like '2023 to 2024'")
        ids = [c for c in wide.columns if c not in years]
        long = wide.melt(id_vars=ids, value_vars=years, var_name="year", value_name="rate")
        long = long.sort_values(["_line", "year"], kind="stable").reset_index(drop=True)
        long["Species"] = long["Species"].map(lambda s: " ".join(str(s).split()))
        long["population"] = long[_HCAI_ODS].map(population).fillna("")
        cells = f"wide layout: each organism-ICB-year cell counts as a row ({len(wide)} lines)"
        return Table(long, {**table.skipped, cells: len(long)})

    return melt


ICB_AE_SPEC = replace(
    TRUST_AE_SPEC,
    required=tuple("icb22_code" if c == "org_code" else c for c in TRUST_AE_SPEC.required),
    org="icb22_code",
)

_IMD_DECILE = "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"
IMD_ICB_SPEC = TableSpec(
    required=("icb24_code", "imd_average_score", _IMD_DECILE),
    org="icb24_code",
    month="icb24_code",
    parse_month=lambda r: pd.Series(pd.NaT, index=r.index),  # the option year, by the reader
    month_error="no financial year",
    numeric=("imd_average_score", _IMD_DECILE),
    measures=lambda d: [
        ("imd_average_score", d["imd_average_score"]),
        ("imd_pct_most_deprived_decile", 100 * d[_IMD_DECILE]),
        ("one", pd.Series(1.0, index=d.index)),  # the denominator of a value given as it is
    ],
    checks=(RowCheck(_IMD_DECILE, "a proportion above 1", lambda d: d[_IMD_DECILE] > 1),),
    key=("month", "org"),
)


def read_rtt_incomplete_monthly(key: str, source: SourceLike, root: Path) -> Ingested:
    """RTT incomplete pathways by provider or ICB (option ``level``), monthly, gzip CSV."""
    _level(source)
    return _read_flat(key, source, root, RTT_MONTHLY_SPEC)


def read_cancer_waits_monthly(key: str, source: SourceLike, root: Path) -> Ingested:
    """Cancer Waiting Times (FDS28, CMB31, CMB62) by provider or ICB (option ``level``), or
    NHS England's national rows (``level: national``)."""
    _level(source, (*LEVELS, "national"))
    return _read_flat(key, source, root, CANCER_MONTHLY_SPEC)


def read_staff_survey_questions(key: str, source: SourceLike, root: Path) -> Ingested:
    """NHS Staff Survey: three questions' bases and weighted numbers answering yes."""
    return _read_flat(key, source, root, STAFF_QUESTIONS_SPEC)


def read_hcai_icb_rates(key: str, source: SourceLike, root: Path) -> Ingested:
    """UKHSA Table S6: rates by ICB -> estimated cases with the option ``population``."""
    melt = _melt_hcai(source.path, _icb_population(source, root))
    return _read_flat(key, source, root, HCAI_ICB_SPEC, "cp1252", melt)


def read_icb_ae_monthly(key: str, source: SourceLike, root: Path) -> Ingested:
    """NHS England monthly A&E, ICB level (ONS codes mapped to ODS with the option ``codes``)."""
    ods, error = _icb_ods_codes(source, root)
    return read_table(key, source, root, replace(ICB_AE_SPEC, org_map=ods, org_map_error=error))


def read_imd_icb(key: str, source: SourceLike, root: Path) -> Ingested:
    """IMD 2025 by ICB: context for the financial year of the option ``year`` (dated April)."""
    year = str(_option(source, "year", "2024/25"))
    try:
        april = pd.Timestamp(f"{check_fy(year)[:4]}-04-01")
    except ValueError as exc:
        raise IngestError(f"{source.path}: source option 'year': {exc}") from None
    ods, error = _icb_ods_codes(source, root)
    spec = replace(
        IMD_ICB_SPEC,
        parse_month=lambda r: pd.Series(april, index=r.index),
        org_map=ods,
        org_map_error=error,
    )
    return read_table(key, source, root, spec)
