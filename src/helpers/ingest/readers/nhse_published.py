"""Readers for the file shapes NHS England publishes (and the synthetic England copies).

Title rows above the header, footnotes below the table, wide month columns in Excel, ``*`` for
suppressed small counts, thousands separators, ``(brackets)`` for negatives. Each reader turns
one file into long monthly measures with the ledger and rejected-rows contract of
:mod:`helpers.ingest.ledger`; ``line`` is the physical CSV line or the Excel row number. Title
and footnote lines are not data rows: the ledger's reasons say how many were skipped.

Wide sheets (RTT, DM01) count each organisation-month cell as one row. Annual returns are dated
at the first month of the financial year (April); quarterly returns at the quarter's first
month. The file layouts are in ``data/SYNTHETIC.md`` and ``data/README.md`` ("Data contract").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from helpers.ingest.engine import (
    ID_COLUMNS,
    MeasureList,
    TableSpec,
    finish_cells,
    melt_block,
    read_table,
)
from helpers.ingest.ledger import Ingested, IngestError, RowCheck, SourceLike, not_more_than
from helpers.ingest.parse import (
    block,
    excel_sheets,
    find_table,
    fy_of_file,
    locate,
    month_from_fy,
    month_from_sitrep,
    month_from_text,
)

ReadFn = Callable[[str, SourceLike, Path], Ingested]


# --------------------------------------------------------------------------------------------
# long tables: one row per organisation and period


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
AE_SPEC = TableSpec(
    required=("Period", "Org Code", "Total attendances", "Attendances over 4hrs", _DTA),
    org="Org Code",
    month="Period",
    parse_month=lambda r: month_from_sitrep(r["Period"]),
    month_error="not a period like MSitAE-APRIL-2024",
    numeric=(
        "Total attendances",
        "Attendances over 4hrs",
        "Patients who have waited 12+ hrs from arrival",
        "Emergency admissions",
        _DTA,
    ),
    measures=_ae_measures,
    checks=(
        RowCheck(
            "Attendances over 4hrs",
            "more 4-hour breaches than attendances",
            not_more_than("Attendances over 4hrs", "Total attendances"),
        ),
        RowCheck(
            "Patients who have waited 12+ hrs from arrival",
            "more 12-hour waits than attendances",
            not_more_than("Patients who have waited 12+ hrs from arrival", "Total attendances"),
        ),
        RowCheck(
            _DTA,
            "more decision-to-admit waits over 4 hours than emergency admissions",
            not_more_than(_DTA, "Emergency admissions"),
        ),
    ),
    key=("month", "org"),
)


def read_ae_monthly(key: str, source: SourceLike, root: Path) -> Ingested:
    """ae_monthly_<YYYY-YY>.csv: monthly A&E attendances and emergency admissions."""
    return read_table(key, source, root, AE_SPEC)


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


CANCER_SPEC = TableSpec(
    required=("Month", "Org Code", "Standard", "Total", "Within Standard", "Breaches"),
    org="Org Code",
    month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%B %Y"),
    month_error="not a month like 'April 2024'",
    numeric=("Total", "Within Standard", "Breaches"),
    measures=_cancer_measures,
    checks=(
        RowCheck(
            "Within Standard",
            "more within the standard than in total",
            not_more_than("Within Standard", "Total"),
        ),
        RowCheck("Breaches", "within standard + breaches is not the total", _cancer_inconsistent),
    ),
    key=("month", "org", "Standard"),
    allowed={"Standard": ("28-day FDS", "62-day")},
)

_ORGANISMS = {"MRSA": "hcai_mrsa", "C. difficile": "hcai_cdiff", "E. coli": "hcai_ecoli"}
HCAI_SPEC = TableSpec(
    required=("Month", "Org Code", "Organism", "Cases"),
    org="Org Code",
    month="Month",
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
        [
            s + pd.DateOffset(months=3 * (int(k) - 1)) if pd.notna(s) and pd.notna(k) else pd.NaT
            for s, k in zip(start, q, strict=True)
        ],
        index=r.index,
        dtype="datetime64[ns]",
    )


OBD_SPEC = TableSpec(
    required=("Year", "Quarter", "Org Code", "Occupied bed days"),
    org="Org Code",
    month="Quarter",
    parse_month=_quarter_month,
    month_error="not a year like 2024-25 with a quarter Q1 to Q4",
    numeric=("Occupied bed days",),
    measures=lambda d: [("occupied_bed_days", d["Occupied bed days"])],
    key=("month", "org"),
)

SICKNESS_SPEC = TableSpec(
    required=("Month", "Org Code", "FTE days lost", "FTE days available"),
    org="Org Code",
    month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%Y-%m-%d"),
    month_error="not a date like 2024-04-30",
    numeric=("FTE days lost", "FTE days available"),
    measures=lambda d: [
        ("fte_days_lost", d["FTE days lost"]),
        ("fte_days_available", d["FTE days available"]),
    ],
    checks=(
        RowCheck(
            "FTE days lost",
            "more FTE days lost than available",
            not_more_than("FTE days lost", "FTE days available"),
        ),
    ),
    key=("month", "org"),
)

COST_SPEC = TableSpec(
    required=("Financial Year", "Org Code", "Actual cost £000", "Expected cost £000"),
    org="Org Code",
    month="Financial Year",
    parse_month=lambda r: month_from_fy(r["Financial Year"]),
    month_error="not a financial year like 2024/25",
    numeric=("Actual cost £000", "Expected cost £000"),
    measures=lambda d: [
        ("cost_actual_k", d["Actual cost £000"]),
        ("cost_expected_k", d["Expected cost £000"]),
    ],
    key=("month", "org"),
)

MH_SPEC = TableSpec(
    required=("Month", "ICB Code", "People in contact", "Estimated prevalence"),
    org="ICB Code",
    month="Month",
    parse_month=lambda r: month_from_text(r["Month"], "%Y-%m-%d"),
    month_error="not a date like 2024-04-01",
    numeric=("People in contact", "Estimated prevalence"),
    measures=lambda d: [
        ("mh_access_people", d["People in contact"]),
        ("mh_prevalence", d["Estimated prevalence"]),
    ],
    checks=(
        RowCheck(
            "People in contact",
            "more people in contact than the prevalence estimate",
            not_more_than("People in contact", "Estimated prevalence"),
        ),
    ),
    key=("month", "org"),
)

FLU_SPEC = TableSpec(
    required=("Season", "ICB Code", "Cohort", "Vaccinated", "Eligible"),
    org="ICB Code",
    month="Season",
    parse_month=lambda r: month_from_fy(r["Season"]),
    month_error="not a season like 2024-25",
    numeric=("Vaccinated", "Eligible"),
    measures=lambda d: [("flu_vaccinated", d["Vaccinated"]), ("flu_eligible", d["Eligible"])],
    checks=(
        RowCheck(
            "Vaccinated", "more vaccinated than eligible", not_more_than("Vaccinated", "Eligible")
        ),
    ),
    key=("month", "org", "Cohort"),
)

PLANS_SPEC = TableSpec(
    required=("org_code", "metric_id", "month", "planned_value"),
    org="org_code",
    month="month",
    parse_month=lambda r: month_from_text(r["month"], "%Y-%m-%d"),
    month_error="not a date like 2024-04-01",
    numeric=("planned_value",),
    signed=("planned_value",),
    measures=lambda d: [("plan_" + d["metric_id"].astype(str), d["planned_value"])],
    key=("month", "org", "metric_id"),
)


def _annual_spec(base: TableSpec, fy: pd.Timestamp) -> TableSpec:
    return replace(base, parse_month=lambda r: pd.Series(fy, index=r.index))


SURVEY_SPEC = TableSpec(
    required=("Org Code", "Respondents", "Positive responses"),
    org="Org Code",
    month="Org Code",
    parse_month=lambda r: pd.Series(pd.NaT, index=r.index),
    month_error="no financial year",
    numeric=("Respondents", "Positive responses"),
    measures=lambda d: [
        ("survey_respondents", d["Respondents"]),
        ("survey_positive", d["Positive responses"]),
    ],
    checks=(
        RowCheck(
            "Positive responses",
            "more positive responses than respondents",
            not_more_than("Positive responses", "Respondents"),
        ),
    ),
    key=("month", "org"),
)


def _mean_out_of_range(d: pd.DataFrame) -> pd.Series:
    m = d["Engagement mean score"]
    return m.notna() & ((m < 0) | (m > 10))


STAFF_SPEC = TableSpec(
    required=("Org Code", "Respondents", "Engagement mean score", "Standard deviation"),
    org="Org Code",
    month="Org Code",
    parse_month=lambda r: pd.Series(pd.NaT, index=r.index),
    month_error="no financial year",
    numeric=("Respondents", "Engagement mean score", "Standard deviation"),
    measures=lambda d: [
        ("staff_engagement_mean", d["Engagement mean score"]),
        ("staff_engagement_sd", d["Standard deviation"]),
        ("staff_engagement_n", d["Respondents"]),
    ],
    checks=(RowCheck("Engagement mean score", "mean score outside 0 to 10", _mean_out_of_range),),
    key=("month", "org"),
)

FINANCE_SPEC = TableSpec(
    required=(
        "Financial Year",
        "Org Code",
        "Planned surplus/(deficit) £000",
        "Outturn surplus/(deficit) £000",
        "Operating income £000",
    ),
    org="Org Code",
    month="Financial Year",
    parse_month=lambda r: month_from_fy(r["Financial Year"]),
    month_error="not a financial year like 2024/25",
    numeric=(
        "Planned surplus/(deficit) £000",
        "Outturn surplus/(deficit) £000",
        "Operating income £000",
    ),
    signed=("Planned surplus/(deficit) £000", "Outturn surplus/(deficit) £000"),
    measures=lambda d: [
        ("plan_surplus_k", d["Planned surplus/(deficit) £000"]),
        ("outturn_surplus_k", d["Outturn surplus/(deficit) £000"]),
        ("operating_income_k", d["Operating income £000"]),
    ],
    key=("month", "org"),
)


def _long_reader(spec: TableSpec, doc: str) -> ReadFn:
    def read(key: str, source: SourceLike, root: Path) -> Ingested:
        return read_table(key, source, root, spec)

    read.__doc__ = doc
    return read


read_cancer_waits = _long_reader(CANCER_SPEC, "cancer_waits.csv: 28-day FDS and 62-day waits.")
read_hcai_monthly = _long_reader(HCAI_SPEC, "hcai_monthly.csv: cases by organism and month.")
read_occupied_bed_days = _long_reader(
    OBD_SPEC, "occupied_bed_days_quarterly.csv: KH03-like, dated at the quarter's first month."
)
read_sickness_absence = _long_reader(
    SICKNESS_SPEC, "sickness_absence.csv: FTE days lost and available (month-end dates)."
)
read_cost_index = _long_reader(COST_SPEC, "cost_index.csv: actual and expected cost, annual.")
read_mh_access_icb = _long_reader(MH_SPEC, "mh_access_icb.csv: people in contact, monthly.")
read_flu_vaccination_icb = _long_reader(FLU_SPEC, "flu_vaccination_icb.csv: uptake, annual.")
read_plans = _long_reader(PLANS_SPEC, "plans.csv: planned trajectories as plan_<metric_id>.")


def read_patient_survey(key: str, source: SourceLike, root: Path) -> Ingested:
    """patient_survey_<YYYY-YY>.csv: respondents and positive responses (dated April)."""
    fy = fy_of_file(root / source.path, source)
    return read_table(key, source, root, _annual_spec(SURVEY_SPEC, fy))


def read_staff_survey(key: str, source: SourceLike, root: Path) -> Ingested:
    """staff_survey_<YYYY-YY>.csv: engagement mean, SD and respondents (dated April)."""
    fy = fy_of_file(root / source.path, source)
    return read_table(key, source, root, _annual_spec(STAFF_SPEC, fy))


def read_finance_plan_outturn(key: str, source: SourceLike, root: Path) -> Ingested:
    """finance_plan_outturn.xlsx: plan, outturn (negative = deficit) and income, £000."""
    name = (
        str(source.options.get("sheet", "Plan and outturn"))
        if source.options
        else ("Plan and outturn")
    )
    return read_table(key, source, root, FINANCE_SPEC, sheet=name)


# --------------------------------------------------------------------------------------------
# wide sheets: one cell per organisation and month


RTT_SHEETS = {
    "Total incomplete": "rtt_total",
    "Within 18 weeks": "rtt_within_18w",
    "Over 52 weeks": "rtt_over_52w",
}


def read_rtt_incomplete(key: str, source: SourceLike, root: Path) -> Ingested:
    """rtt_incomplete_<YYYY-YY>.xlsx: a sheet per measure, wide month columns."""
    path = root / source.path
    sheets = excel_sheets(path, source.path)
    frames = []
    skipped: dict[str, int] = {}
    n_rows = 0
    for sheet, measure in RTT_SHEETS.items():
        if sheet not in sheets:
            raise IngestError(f"{source.path}: no sheet {sheet!r} (found {list(sheets)})")
        where = f"{source.path}, sheet '{sheet}'"
        rows = sheets[sheet]
        h = locate(rows, ID_COLUMNS, where)
        frame, _ = block(rows, h, where)
        n_rows += len(frame)
        frames.append(melt_block(frame, sheet, measure, where, rows[h][0]))
        for k, v in find_table(rows, ID_COLUMNS, where).skipped.items():
            skipped[k] = skipped.get(k, 0) + v
    cells = pd.concat(frames, ignore_index=True)
    return finish_cells(
        key,
        source,
        path,
        cells,
        skipped,
        [
            ("rtt_within_18w", "rtt_total", "more pathways within 18 weeks than in total"),
            ("rtt_over_52w", "rtt_total", "more pathways over 52 weeks than in total"),
        ],
        n_rows,
    )


DM01_BLOCKS = {"Total waiting list": "dm01_total", "Waiting 6+ weeks": "dm01_over_6w"}


def read_diagnostics_dm01(key: str, source: SourceLike, root: Path) -> Ingested:
    """diagnostics_dm01.xlsx: a sheet per financial year, two blocks with wide month columns."""
    path = root / source.path
    sheets = excel_sheets(path, source.path)
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
            h = locate(rows, ID_COLUMNS, where, start=t + 1)
            frame, _ = block(rows, h, where)
            n_rows += len(frame)
            consumed += len(frame)
            frames.append(melt_block(frame, sheet, measure, where, rows[h][0]))
        k = "title, block title, header, blank and footnote lines (not data)"
        skipped[k] = skipped.get(k, 0) + len(rows) - consumed
    cells = pd.concat(frames, ignore_index=True)
    return finish_cells(
        key,
        source,
        path,
        cells,
        skipped,
        [("dm01_over_6w", "dm01_total", "more waiting 6+ weeks than on the waiting list")],
        n_rows,
    )
