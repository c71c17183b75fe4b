"""Readers of NHS England's published file shapes, on the synthetic England's files: title
rows, footnotes, wide months, '*'."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from helpers.ingest import LEDGER_COLUMNS, REJECT_COLUMNS, IngestError, expand_source
from helpers.ingest.parse import numbers
from helpers.ingest.readers import ALIASES, READERS, get_reader
from helpers.settings import Source
from helpers.synthetic.generate import generate
from helpers.synthetic.readback import (
    FILE_PATTERNS,
    SimpleSource,
    read_synthetic_folder,
    synthetic_sources,
)

SEED = 20260401
MEASURES = {
    "attendances",
    "over_4h",
    "within_4h",
    "over_12h_from_arrival",
    "emergency_admissions",
    "dta_over_4h",
    "rtt_total",
    "rtt_within_18w",
    "rtt_over_52w",
    "cancer_28d_total",
    "cancer_28d_within",
    "cancer_28d_breaches",
    "cancer_62d_total",
    "cancer_62d_within",
    "cancer_62d_breaches",
    "dm01_total",
    "dm01_over_6w",
    "survey_respondents",
    "survey_positive",
    "hcai_mrsa",
    "hcai_cdiff",
    "hcai_ecoli",
    "occupied_bed_days",
    "fte_days_lost",
    "fte_days_available",
    "staff_engagement_mean",
    "staff_engagement_sd",
    "staff_engagement_n",
    "plan_surplus_k",
    "outturn_surplus_k",
    "operating_income_k",
    "cost_actual_k",
    "cost_expected_k",
    "mh_access_people",
    "mh_prevalence",
    "flu_vaccinated",
    "flu_eligible",
    "plan_ae_4hr_pct",
    "plan_ae_12hr_pct",
    "plan_rtt_18wk_pct",
    "plan_rtt_52wk_count",
    "plan_cancer_62d_pct",
    "plan_diagnostics_6wk_pct",
    "plan_finance_surplus_k",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic_readers")
    generate("small", SEED, folder, faults=True, records=False)
    return folder


@pytest.fixture(scope="module")
def read(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return read_synthetic_folder(out)


def _one(out: Path, rel: str, reader: str):
    return get_reader(reader).read("test", SimpleSource(rel, reader), out)


def test_every_file_read_and_every_row_accounted_for(out: Path, read) -> None:
    measures, ledger, rejected = read
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert (
        ledger.rows_accepted + ledger.rows_excluded + ledger.rows_rejected == ledger.rows_read
    ).all()
    assert len(rejected) == 0 and (ledger.rows_rejected == 0).all()
    manifest = json.loads((out / "generator_manifest.json").read_text())
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    data_files = {p for p in rows if not p.startswith("faults/")} - {
        "organisations.csv",
        "successions.csv",
        "population_icb_age_sex.csv",
        "local_priorities.csv",
        "planted_truth.csv",  # the truth, never read by the pipeline
        "planted_values.csv",
        "planted_assessment.csv",
    }
    assert set(ledger.file) == data_files  # every data file has a reader
    for r in ledger.itertuples():
        if r.file.endswith(".csv"):
            assert r.rows_read == rows[r.file], r.file
            assert "header line (not data): 1" in r.reasons
        else:
            assert "wide layout" in r.reasons or r.rows_read == rows[r.file]
    for f in ("ae_monthly_2024-25.csv", "cancer_waits.csv"):
        assert (
            "title lines above the header (not data): 4"
            in ledger.set_index("file").loc[f, "reasons"]
        )
        assert "footnote" in ledger.set_index("file").loc[f, "reasons"]


def test_measures_table_shape_and_names(read) -> None:
    measures = read[0]
    assert list(measures.columns) == ["source", "org_code_published", "month", "measure", "value"]
    assert set(measures.measure) == MEASURES
    assert measures.value.dtype == float
    months = pd.to_datetime(measures.month)
    assert (months.dt.day == 1).all()
    assert measures.org_code_published.str.fullmatch(r"Z[A-Z0-9]{2}|Q[ZQ][A-Z]").all()
    assert not measures.duplicated(["source", "org_code_published", "month", "measure"]).any()
    annual = measures[
        measures.measure.isin(
            [
                "survey_respondents",
                "staff_engagement_mean",
                "cost_actual_k",
                "plan_surplus_k",
                "flu_vaccinated",
            ]
        )
    ]
    assert (pd.to_datetime(annual.month).dt.month == 4).all()  # annual returns dated April
    q = pd.to_datetime(measures[measures.measure == "occupied_bed_days"].month)
    assert set(q.dt.month) == {1, 4, 7, 10}
    # monthly A&E: one value per trust and month, within = total - over 4 hours
    ae = measures[measures.source == "ae_monthly_2024_25"].pivot_table(
        index=["org_code_published", "month"], columns="measure", values="value"
    )
    assert np.allclose(ae.within_4h, ae.attendances - ae.over_4h)


def test_faults_rejected_with_file_line_and_column(out: Path) -> None:
    expected = pd.read_csv(out / "faults/expected_rejections.csv", dtype=str, keep_default_na=False)
    got = []
    for rel, reader in (
        ("faults/ae_monthly_faults_2024-25.csv", "nhse_ae_sitrep"),
        ("faults/rtt_incomplete_faults_2024-25.xlsx", "nhse_rtt_incomplete_wide"),
    ):
        res = _one(out, rel, reader)
        led = res.ledger
        assert (
            led["rows_accepted"] + led["rows_excluded"] + led["rows_rejected"] == led["rows_read"]
        )
        assert led["rows_rejected"] == (expected.file == rel).sum()
        assert list(res.rejected.columns) == REJECT_COLUMNS
        got.append(res.rejected)
    got = pd.concat(got).astype(str)
    key = ["file", "line", "column", "reason"]
    assert set(map(tuple, got[key].to_numpy())) == set(map(tuple, expected[key].to_numpy()))
    # the reported line really is that physical line of the CSV
    lines = (out / "faults/ae_monthly_faults_2024-25.csv").read_text().split("\n")
    assert "-12" in next(csv.reader([lines[8 - 1]]))


def test_suppressed_cells_come_back_missing(out: Path, read) -> None:
    measures = read[0]
    text = (out / "cancer_waits.csv").read_text().split("\n")
    sup = [next(csv.reader([s])) for s in text if ",*," in s]
    assert sup, "the generator suppresses some small cancer counts"
    month, org, std = sup[0][:3]
    m = measures[
        (measures.org_code_published == org)
        & (measures.month == pd.to_datetime(month, format="%B %Y"))
    ]
    prefix = "cancer_28d" if std == "28-day FDS" else "cancer_62d"
    row = m.set_index("measure").value
    assert np.isnan(row[f"{prefix}_within"]) and np.isnan(row[f"{prefix}_breaches"])
    assert row[f"{prefix}_total"] == float(sup[0][3])
    res = _one(out, "rtt_incomplete_2024-25.xlsx", "nhse_rtt_incomplete_wide")
    assert "accepted suppressed '*' (value missing)" in res.ledger["reasons"]
    over52 = res.measures[res.measures.measure == "rtt_over_52w"]
    assert over52.value.isna().any() and over52.value.notna().any()


def test_wide_months_melted_correctly(out: Path) -> None:
    wb = load_workbook(out / "rtt_incomplete_2024-25.xlsx")
    ws = wb["Within 18 weeks"]
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r[1] == "Org Code")
    col = list(rows[h]).index("Sep-24")
    org_row = rows[h + 2]  # the first organisation (after the England total row)
    res = _one(out, "rtt_incomplete_2024-25.xlsx", "nhse_rtt_incomplete_wide")
    m = res.measures
    v = m[
        (m.org_code_published == org_row[1])
        & (m.month == pd.Timestamp("2024-09-01"))
        & (m.measure == "rtt_within_18w")
    ].value
    assert v.tolist() == [float(org_row[col])]
    assert "Total" not in set(m.org_code_published) and "-" not in set(m.org_code_published)
    # DM01: the second block on a sheet
    ws = load_workbook(out / "diagnostics_dm01.xlsx")["2023-24"]
    rows = list(ws.iter_rows(values_only=True))
    b = next(i for i, r in enumerate(rows) if r[0] == "Waiting 6+ weeks")
    hdr, first = rows[b + 1], rows[b + 3]
    res = _one(out, "diagnostics_dm01.xlsx", "nhse_dm01_wide")
    m = res.measures
    v = m[
        (m.org_code_published == first[1])
        & (m.month == pd.Timestamp("2024-01-01"))
        & (m.measure == "dm01_over_6w")
    ].value
    assert v.tolist() == [float(first[list(hdr).index("Jan-24")])]


def test_thousands_separators_parsed(out: Path, read) -> None:
    lines = (out / "ae_monthly_2024-25.csv").read_text().split("\n")
    quoted = [next(csv.reader([s])) for s in lines if '"' in s and s.startswith("MSitAE")]
    assert quoted
    cells = quoted[0]
    m = read[0]
    month = pd.to_datetime(cells[0].split("-", 1)[1].title(), format="%B-%Y")
    got = m[
        (m.org_code_published == cells[1]) & (m.month == month) & (m.measure == "attendances")
    ].value
    assert got.tolist() == [float(cells[4].replace(",", ""))]
    assert numbers(pd.Series(["(1,234)", "12,345", "*", "", "x"]))[0].tolist()[:2] == [
        -1234.0,
        12345.0,
    ]


def test_quirks_missing_month_and_field_test_trust(out: Path, read) -> None:
    measures = read[0]
    quirks = json.loads((out / "generator_manifest.json").read_text())["quirks"]
    miss = next(q for q in quirks if "not submitted" in q["description"])
    month = pd.Timestamp(miss["description"].split()[3] + "-01")
    att = measures[
        (measures.measure == "attendances") & (measures.org_code_published == miss["org_code"])
    ]
    assert month not in set(att.month) and len(att) > 12
    field = next(q for q in quirks if "field-test" in q["description"])
    s = measures[
        (measures.org_code_published == field["org_code"])
        & (measures.measure == "survey_respondents")
    ].sort_values("month")
    assert np.isnan(s.value.iloc[0]) and s.value.iloc[1:].notna().all()


def test_structural_problems_raise_with_file_and_place(out: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="nope.csv: file not found"):
        _one(out, "nope.csv", "nhse_ae_sitrep")
    bad = tmp_path / "ae_monthly_2024-25.csv"
    bad.write_text("title\n\nPeriod,Org,Total\nMSitAE-APRIL-2024,ZZ1,5\n")
    with pytest.raises(IngestError, match=r"ae_monthly_2024-25.csv: no header row"):
        _one(tmp_path, bad.name, "nhse_ae_sitrep")
    wb = Workbook()
    for name in ("Total incomplete", "Within 18 weeks", "Over 52 weeks"):
        ws = wb.create_sheet(name)
        ws.append(["SYNTHETIC"])
        ws.append(["Region Code", "Org Code", "Org Name", "Apr-24", "Month five"])
        ws.append(["Y90", "ZA1", "Somewhere", 10, 11])
    wb.save(tmp_path / "rtt.xlsx")
    with pytest.raises(
        IngestError,
        match=r"rtt.xlsx, sheet 'Total incomplete', row 2, "
        r"column 'Month five': not a month",
    ):
        _one(tmp_path, "rtt.xlsx", "nhse_rtt_incomplete_wide")
    with pytest.raises(IngestError, match="financial year"):
        (tmp_path / "survey.csv").write_text("Org Code,Respondents,Positive responses\n")
        _one(tmp_path, "survey.csv", "nhse_patient_survey")


def test_readers_accept_config_sources_and_sources_helper(out: Path) -> None:
    src = Source(path="cancer_waits.csv", reader="nhse_cancer_waits", title="t", publisher="p")
    res = get_reader(src.reader).read("cancer", src, out)
    assert res.ledger["role"] == "cancer" and len(res.measures)
    sources = synthetic_sources(out, out)
    assert {s.reader for s in sources.values()} == set(FILE_PATTERNS.values())
    assert set(FILE_PATTERNS.values()) <= set(READERS)
    # the former synthetic_* names still read the same files
    assert set(ALIASES.values()) == set(FILE_PATTERNS.values())
    # a survey named without a year in the file name takes it from the options
    (out / "survey.csv").write_text((out / "patient_survey_2023-24.csv").read_text())
    try:
        r = get_reader("nhse_patient_survey").read(
            "s", SimpleSource("survey.csv", "x", {"financial_year": "2023/24"}), out
        )
    finally:
        (out / "survey.csv").unlink()
    assert set(r.measures.month) == {pd.Timestamp("2023-04-01")}


def test_glob_pattern_reads_every_year_as_one_source(out: Path) -> None:
    """A source path with a wildcard (one file per year) is expanded by the pipeline
    (helpers.ingest.expand_source): each file is read by its reader and has its own ledger row."""

    def read_glob(reader_name: str, pattern: str) -> list:
        src = Source(path=pattern, reader=reader_name, title="t", publisher="p")
        return [get_reader(reader_name).read("ae", one, out) for one in expand_source(src, out)]

    files = sorted(out.glob("ae_monthly_*.csv"))
    parts = read_glob("nhse_ae_sitrep", "ae_monthly_*.csv")
    single = [
        get_reader("nhse_ae_sitrep").read("ae", SimpleSource(p.name, "x"), out) for p in files
    ]
    assert [r.ledger["file"] for r in parts] == [p.name for p in files]
    assert sum(r.ledger["rows_read"] for r in parts) == sum(r.ledger["rows_read"] for r in single)
    assert all(r.ledger["rows_accepted"] == r.ledger["rows_read"] for r in parts)
    assert sum(len(r.measures) for r in parts) == sum(len(r.measures) for r in single)
    faulty = read_glob("nhse_ae_sitrep", "faults/ae_monthly_faults_*.csv")
    assert {f for r in faulty for f in r.rejected.file} == {"faults/ae_monthly_faults_2024-25.csv"}
    with pytest.raises(IngestError, match="no file matches"):
        read_glob("nhse_ae_sitrep", "nothing_*.csv")
    surveys = read_glob("nhse_patient_survey", "patient_survey_*.csv")
    assert {y for r in surveys for y in r.measures.month.dt.year} == {2022, 2023, 2024}
