"""The one registry of readers: ``reader:`` name in the settings -> how the file is read.

Each :class:`Reader` names the file shape it reads, the function that reads it and the measures
it produces, so that ``assess validate`` can check, before any data is read, that every
``reader:`` exists and that every measure the metric catalogue asks of a source is one its
reader produces (:func:`helpers.ingest.check_sources`).

To read a new file layout: write a :class:`helpers.ingest.engine.TableSpec` (or a reader
function) in the module of its kind (``flat_csv``: plain CSV extracts; ``nhse_published``: the
shapes NHS England publishes, with title rows, footnotes and wide months; ``record_level``:
record-level extracts), add one :class:`Reader` below, and a unit test on a small sample of the
layout.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.ingest.ledger import Ingested, SourceLike
from helpers.ingest.readers import (
    flat_csv,
    nhse_ae_msitae,
    nhse_ambsys,
    nhse_nof,
    nhse_published,
    record_level,
)

ReadFn = Callable[[str, SourceLike, Path], Ingested]


@dataclass(frozen=True)
class Reader:
    """A registered reader.

    ``produces``: the measures it writes (``plan_*`` matches any name starting ``plan_``), or a
    function of the source's options that says so. The source options that derive more measures
    (:func:`helpers.ingest.derive.derive_measures`) apply to every reader's output.
    """

    name: str
    read: ReadFn
    shape: str
    produces: tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]]
    #: source options the reader cannot do without
    required_options: tuple[str, ...] = ()
    #: source options that name another file (a path from the project root, or absolute)
    file_options: tuple[str, ...] = ()
    #: source options that take one of a few values
    option_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def measures(self, options: Mapping[str, Any] | None = None) -> tuple[str, ...]:
        p = self.produces
        return p(options or {}) if callable(p) else p


def _record_level_measures(options: Mapping[str, Any]) -> tuple[str, ...]:
    base = ("index_spells", "readmissions_30d", "observed_deaths", "expected_deaths")
    return base + (("acs_admissions", "population") if "population" in options else ())


_AE = ("attendances", "over_4h", "within_4h")
READERS: dict[str, Reader] = {
    r.name: r
    for r in (
        # flat CSV extracts
        Reader(
            "nhsr_ae_attendances",
            flat_csv.read_nhsr_ae_attendances,
            "NHSRdatasets ae_attendances CSV (A&E by department type, 2016-2019)",
            (*_AE, "admissions_via_ae"),
        ),
        Reader(
            "nhse_trust_ae_monthly",
            flat_csv.read_trust_ae_monthly,
            "NHS England monthly A&E by provider, flat CSV (2021 onwards)",
            (*_AE, "emergency_admissions", "dta_over_4h"),
        ),
        Reader(
            "nhse_beds_occupancy",
            flat_csv.read_beds_occupancy,
            "NHS England UEC sitrep beds, monthly averages, flat CSV",
            ("ga_bed_days_available", "ga_bed_days_occupied"),
        ),
        Reader(
            "nhse_rtt_incomplete_monthly",
            flat_csv.read_rtt_incomplete_monthly,
            "RTT incomplete pathways by provider and ICB, one row per organisation and month "
            "(gzip CSV; option level)",
            ("rtt_total", "rtt_within_18w", "rtt_over_52w"),
            option_values={"level": flat_csv.LEVELS},
        ),
        Reader(
            "nhse_cancer_waits_monthly",
            flat_csv.read_cancer_waits_monthly,
            "cancer waiting times (FDS28, CMB31, CMB62) by provider and ICB, one row per "
            "organisation, month and standard (gzip CSV; option level)",
            tuple(
                f"cancer_{s}_{m}"
                for s in ("28d", "31d", "62d")
                for m in ("total", "within", "breaches")
            ),
            option_values={"level": (*flat_csv.LEVELS, "national")},
        ),
        Reader(
            "nhs_staff_survey_questions",
            flat_csv.read_staff_survey_questions,
            "NHS Staff Survey organisation results: weighted % and base per question, one row "
            "per organisation and survey year",
            tuple(f"{q}_{m}" for q, _ in flat_csv.STAFF_QUESTIONS for m in ("respondents", "yes")),
        ),
        Reader(
            "ukhsa_hcai_icb_rates",
            flat_csv.read_hcai_icb_rates,
            "UKHSA Table S6: infection rates per 100,000 by organism and ICB, a column per "
            "financial year (cp1252; option population)",
            ("hcai_mrsa", "hcai_cdiff", "hcai_ecoli", "population"),
            required_options=("population",),
            file_options=("population",),
        ),
        Reader(
            "nhse_icb_ae_monthly",
            flat_csv.read_icb_ae_monthly,
            "NHS England monthly A&E by ICB (System Level Data), ONS codes (option codes)",
            (*_AE, "emergency_admissions", "dta_over_4h"),
            required_options=("codes",),
            file_options=("codes",),
        ),
        Reader(
            "imd_icb",
            flat_csv.read_imd_icb,
            "English Indices of Deprivation 2025, ICB summaries (context; options codes, year)",
            ("imd_average_score", "imd_pct_most_deprived_decile", "one"),
            required_options=("codes",),
            file_options=("codes",),
        ),
        # NHS England's published shapes
        Reader(
            "nhse_ae_sitrep",
            nhse_published.read_ae_monthly,
            "A&E attendances and emergency admissions, one CSV per financial year "
            "(MSitAE periods, title rows, footnotes)",
            (*_AE, "over_12h_from_arrival", "emergency_admissions", "dta_over_4h"),
        ),
        Reader(
            "nhse_ae_msitae",
            nhse_ae_msitae.read_msitae_source,
            "NHS England's monthly A&E CSV as published (MSitAE-<MONTH>-<YYYY>, every "
            "provider, types and booked appointments summed as NHS England's headline; a "
            "TOTAL row)",
            nhse_ae_msitae.MEASURES,
        ),
        Reader(
            "nhse_rtt_incomplete_wide",
            nhse_published.read_rtt_incomplete,
            "RTT incomplete pathways, Excel, a sheet per measure, wide month columns",
            ("rtt_total", "rtt_within_18w", "rtt_over_52w"),
        ),
        Reader(
            "nhse_cancer_waits",
            nhse_published.read_cancer_waits,
            "cancer waiting times (28-day FDS and 62-day), one row per month and standard",
            tuple(
                f"cancer_{s}_{m}" for s in ("28d", "62d") for m in ("total", "within", "breaches")
            ),
        ),
        Reader(
            "nhse_dm01_wide",
            nhse_published.read_diagnostics_dm01,
            "diagnostic waiting times (DM01), Excel, a sheet per year, two wide blocks",
            ("dm01_total", "dm01_over_6w"),
        ),
        Reader(
            "nhse_patient_survey",
            nhse_published.read_patient_survey,
            "patient survey, one CSV per financial year (respondents, positive responses)",
            ("survey_respondents", "survey_positive"),
        ),
        Reader(
            "ukhsa_hcai_monthly",
            nhse_published.read_hcai_monthly,
            "healthcare-associated infections, cases by organism and month",
            ("hcai_mrsa", "hcai_cdiff", "hcai_ecoli"),
        ),
        Reader(
            "nhse_kh03_quarterly",
            nhse_published.read_occupied_bed_days,
            "occupied bed-days (KH03), quarterly",
            ("occupied_bed_days",),
        ),
        Reader(
            "nhs_sickness_absence",
            nhse_published.read_sickness_absence,
            "NHS sickness absence, FTE days lost and available by month",
            ("fte_days_lost", "fte_days_available"),
        ),
        Reader(
            "nhs_staff_survey_engagement",
            nhse_published.read_staff_survey,
            "NHS Staff Survey engagement score, one CSV per financial year (mean, SD, n)",
            ("staff_engagement_mean", "staff_engagement_sd", "staff_engagement_n"),
        ),
        Reader(
            "finance_plan_outturn",
            nhse_published.read_finance_plan_outturn,
            "financial plan and outturn, Excel (surplus or deficit and income, £000)",
            ("plan_surplus_k", "outturn_surplus_k", "operating_income_k"),
        ),
        Reader(
            "cost_index",
            nhse_published.read_cost_index,
            "actual and expected cost (£000), annual",
            ("cost_actual_k", "cost_expected_k"),
        ),
        Reader(
            "mhsds_access_icb",
            nhse_published.read_mh_access_icb,
            "mental health access by ICB: people in contact and estimated prevalence",
            ("mh_access_people", "mh_prevalence"),
        ),
        Reader(
            "flu_vaccination_icb",
            nhse_published.read_flu_vaccination_icb,
            "flu vaccination uptake by ICB, season and cohort",
            ("flu_vaccinated", "flu_eligible"),
        ),
        Reader(
            "plans",
            nhse_published.read_plans,
            "organisations' own plans: one row per organisation, metric and month",
            ("plan_*",),
        ),
        # NHS England's Oversight Framework publication (helpers.ingest.readers.nhse_nof)
        Reader(
            "nhse_nof_metrics",
            nhse_nof.read_nof_metrics_source,
            "NHS Oversight Framework long metric file (one row per quarter, trust and metric ID)",
            ("OF*",),
        ),
        Reader(
            "nhse_nof_league_table",
            nhse_nof.read_nof_league_source,
            "NHS Oversight Framework league table (one row per trust, likely ranges as text)",
            nhse_nof.LEAGUE_MEASURES,
        ),
        # NHS England's Ambulance Quality Indicators (helpers.ingest.readers.nhse_ambsys)
        Reader(
            "nhse_ambsys",
            nhse_ambsys.read_ambsys_source,
            "AmbSYS (Ambulance Quality Indicators, system indicators): one row per ambulance "
            "trust, region or England and month, AmbSYS's column codes A0...A148, '.' for no value",
            nhse_ambsys.MEASURES,
        ),
        # record-level extracts
        Reader(
            "record_level_admissions",
            record_level.read_record_level,
            "record-level admissions extract (Parquet, one row per spell; DuckDB)",
            _record_level_measures,
            file_options=("population",),
        ),
    )
}

#: Former names, still accepted (the readers were first written for the synthetic England).
ALIASES: dict[str, str] = {
    "synthetic_ae_monthly": "nhse_ae_sitrep",
    "synthetic_rtt_incomplete": "nhse_rtt_incomplete_wide",
    "synthetic_cancer_waits": "nhse_cancer_waits",
    "synthetic_diagnostics_dm01": "nhse_dm01_wide",
    "synthetic_patient_survey": "nhse_patient_survey",
    "synthetic_hcai_monthly": "ukhsa_hcai_monthly",
    "synthetic_occupied_bed_days": "nhse_kh03_quarterly",
    "synthetic_sickness_absence": "nhs_sickness_absence",
    "synthetic_staff_survey": "nhs_staff_survey_engagement",
    "synthetic_finance_plan_outturn": "finance_plan_outturn",
    "synthetic_cost_index": "cost_index",
    "synthetic_mh_access_icb": "mhsds_access_icb",
    "synthetic_flu_vaccination_icb": "flu_vaccination_icb",
    "synthetic_plans": "plans",
}


class UnknownReader(KeyError):
    """A ``reader:`` name that is not registered; the message lists every reader."""

    def __str__(self) -> str:
        return str(self.args[0])


def known_readers() -> str:
    return ", ".join(sorted(READERS))


def get_reader(name: str) -> Reader:
    """The reader registered under ``name`` (or a former name); :class:`UnknownReader`
    listing every reader otherwise."""
    reader = READERS.get(ALIASES.get(name, name))
    if reader is None:
        raise UnknownReader(f"unknown reader {name!r} (known: {known_readers()})")
    return reader


def produces(reader: Reader, measure: str, options: Mapping[str, Any] | None = None) -> bool:
    """Whether ``reader`` writes ``measure`` itself (before derived measures)."""
    return any(fnmatch.fnmatchcase(measure, p) for p in reader.measures(options))


__all__ = ["ALIASES", "READERS", "Reader", "UnknownReader", "get_reader", "produces"]
