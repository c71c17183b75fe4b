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

Dates are ``YYYY-MM-DD`` (the first of the month). The column layouts are in ``data/README.md``
("Data contract").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.ingest.engine import MeasureList, TableSpec, read_table
from helpers.ingest.ledger import Ingested, RowCheck, SourceLike, not_more_than
from helpers.ingest.parse import month_from_text


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
