"""Record-level admissions: the synthetic generator and the DuckDB outcome measures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.core.fy import financial_year
from helpers.indicators.dsr import DSR_COLUMNS, annual_dsr
from helpers.ingest import casemix
from helpers.ingest.readers import record_level as rl
from helpers.stats.ci import poisson_count_limits
from helpers.stats.esp2013 import ESP2013, ESP2013_BANDS, ESP2013_WEIGHTS, esp2013_frame
from helpers.synthetic.records import ACS_GROUPS, SCHEMA, write_admissions
from helpers.synthetic.records_example import example_geography
from helpers.synthetic.records_truth import TRUTH_COLUMNS

YEARS = ["2022/23", "2023/24", "2024/25"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict:
    orgs, population = example_geography(n_icb=8, n_acute=20, seed=0)
    out = tmp_path_factory.mktemp("small")
    truth = write_admissions(orgs, population, YEARS, seed=11, scale="small", out_dir=out)
    path = out / "record_level" / "admissions.parquet"
    accepted, ledger, rejected = rl.read_extract(path, "admissions", set(orgs.org_code))
    return {
        "orgs": orgs,
        "population": population,
        "truth": truth,
        "path": path,
        "accepted": accepted,
        "ledger": ledger,
        "rejected": rejected,
    }


# ------------------------------------------------------------------------------------------
# ESP2013
# ------------------------------------------------------------------------------------------


def test_esp2013_weights_sum_to_100000() -> None:
    assert sum(ESP2013_WEIGHTS) == 100_000
    assert len(ESP2013_BANDS) == 19 and ESP2013_BANDS[0] == "0-4" and ESP2013_BANDS[-1] == "90+"
    assert ESP2013["90+"] == 1000 and ESP2013["45-49"] == 7000
    assert esp2013_frame()["esp2013"].sum() == 100_000


# ------------------------------------------------------------------------------------------
# Generator
# ------------------------------------------------------------------------------------------


def test_same_seed_gives_a_byte_identical_file(tmp_path: Path) -> None:
    orgs, population = example_geography(n_icb=4, n_acute=9, seed=1)
    files = []
    for run, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_admissions(orgs, population, ["2023/24"], seed, "small", tmp_path / run)
        files.append((tmp_path / run / "record_level" / "admissions.parquet").read_bytes())
    assert files[0] == files[1]
    assert files[0] != files[2]


def test_extract_shape_and_truth(small: dict) -> None:
    table = pq.read_table(small["path"])
    assert table.schema.equals(SCHEMA)
    meta = pq.ParquetFile(small["path"]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    n = table.num_rows
    assert 150_000 <= n <= 300_000
    df = table.select(["patient_id", "admission_method", "diagnosis_group", "died"]).to_pandas()
    assert (df["patient_id"].value_counts() > 1).sum() > 10_000  # patients with several spells
    assert set(df["admission_method"]) == {"emergency", "elective"}
    assert set(ACS_GROUPS) <= set(df["diagnosis_group"]) and df["diagnosis_group"].nunique() >= 25
    assert 0.02 < df["died"].mean() < 0.06
    acute = small["orgs"].query("org_type == 'acute_trust'")
    assert set(table.column("provider_code").to_pylist()) <= set(acute.org_code)
    # the closing trust has no admissions after its close date
    closed = acute[acute.close_date != ""].iloc[0]
    spells = table.select(["provider_code", "admission_date"]).to_pandas()
    last = spells.loc[spells.provider_code == closed.org_code, "admission_date"].max()
    assert last < dt.date(int(closed.close_date[:4]), int(closed.close_date[4:6]), 1)

    truth = small["truth"]
    assert list(truth.columns) == TRUTH_COLUMNS
    assert set(truth.metric_id) == {
        "shmi_ratio",
        "readmission_30d_pct",
        "avoidable_admissions_dsr",
    }
    for metric, group in truth.groupby("metric_id"):
        assert group.truly_differs.any(), metric
        planted = group[group.truly_differs].effect
        assert ((planted >= 1.3) | (planted <= 0.77)).all()
        # effect is the planted ratio only: exactly 1 where nothing is planted
        assert (group[~group.truly_differs].effect == 1.0).all()
    # R004 is folded into R000, which was already open: a merger, so neither is planted
    assert not truth[truth.org_code.isin(["R000", closed.org_code])].truly_differs.any()


def _with_successions() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """example_geography (R004 folded into R000) plus a merger into a new code (R001 + R005 ->
    R900 from July 2023) and a code change (R002 -> R901 from January 2024), with open dates."""
    orgs, population = example_geography(n_icb=4, n_acute=12, seed=1)
    orgs["open_date"] = ""
    new = orgs[orgs.org_code.isin(["R001", "R002"])].copy()
    new["org_code"] = ["R900", "R901"]
    new["open_date"] = ["20230701", "20240101"]
    orgs = pd.concat([orgs, new], ignore_index=True)
    merged = orgs.org_code.isin(["R001", "R005"])
    orgs.loc[merged, ["close_date", "successor_code"]] = ["20230630", "R900"]
    orgs.loc[orgs.org_code == "R002", ["close_date", "successor_code"]] = ["20231231", "R901"]
    successions = pd.DataFrame(
        {
            "old_code": ["R004", "R001", "R005", "R002"],
            "new_code": ["R000", "R900", "R900", "R901"],
            "date": ["2023-10-02", "2023-07-01", "2023-07-01", "2024-01-01"],
        }
    )
    return orgs, population, successions


def test_successions_open_dates_and_one_truth_per_organisation(tmp_path: Path) -> None:
    orgs, population, successions = _with_successions()
    # seed 0 plants the code change's old code R002 (checked below), so the copy is exercised
    truth = write_admissions(
        orgs, population, ["2023/24"], 0, "small", tmp_path, successions=successions
    )
    spells = pq.read_table(
        tmp_path / "record_level" / "admissions.parquet",
        columns=["provider_code", "admission_date"],
    ).to_pandas()
    first = spells.groupby("provider_code").admission_date.min()
    last = spells.groupby("provider_code").admission_date.max()
    # successors have spells only from the month they open, predecessors only until they close
    assert first["R900"] == dt.date(2023, 7, 1) and first["R901"] == dt.date(2024, 1, 1)
    assert last[["R001", "R005"]].max() < dt.date(2023, 7, 1)
    assert last["R002"] < dt.date(2024, 1, 1)
    assert last["R004"] < dt.date(2023, 10, 1)
    # merging codes (new code, and an existing code absorbing another) are never planted
    merging = truth[truth.org_code.isin(["R001", "R005", "R900", "R000", "R004"])]
    assert not merging.truly_differs.any() and (merging.effect == 1.0).all()
    # the code change carries one truth under both codes
    key = ["metric_id", "effect_scale", "effect", "truly_differs"]
    old = truth[truth.org_code == "R002"].set_index("metric_id")[key[1:]]
    new = truth[truth.org_code == "R901"].set_index("metric_id")[key[1:]]
    pd.testing.assert_frame_equal(old, new)
    assert old.truly_differs.any(), "seed 0 no longer plants R002: pick a seed that does"
    # the default successions (from successor_code and close_date) agree with the table
    again = write_admissions(orgs, population, ["2023/24"], 0, "small", tmp_path / "again")
    pd.testing.assert_frame_equal(truth, again)
    same = (tmp_path / "record_level" / "admissions.parquet").read_bytes()
    assert same == (tmp_path / "again" / "record_level" / "admissions.parquet").read_bytes()


# ------------------------------------------------------------------------------------------
# read_extract: validation and ledger
# ------------------------------------------------------------------------------------------


def test_ledger_accounts_for_every_row_of_a_corrupted_file(small: dict, tmp_path: Path) -> None:
    df = pq.read_table(small["path"]).slice(0, 200).to_pandas()
    df.loc[2, "discharge_date"] = df.loc[2, "admission_date"] - dt.timedelta(days=3)
    df.loc[4, "age_band"] = "100+"
    df.loc[6, "sex"] = "X"
    df.loc[8, "provider_code"] = None
    df.loc[10, "provider_code"] = "ZZZ99"
    df.loc[13, "spell_id"] = df.loc[12, "spell_id"]  # both rows of the pair are rejected
    df.loc[20, "age_band"] = "5 to 9"
    df.loc[20, "sex"] = "U"  # one row, two problems: counted once, both listed
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pandas(df, schema=SCHEMA, preserve_index=False), bad)

    accepted, ledger, rejected = rl.read_extract(
        bad, "admissions", set(small["orgs"].org_code), file_label="bad.parquet"
    )
    assert ledger["rows_read"] == 200
    assert ledger["rows_rejected"] == 8
    assert ledger["rows_accepted"] + ledger["rows_excluded"] + ledger["rows_rejected"] == 200
    assert accepted.count("*").fetchall()[0][0] == 192
    assert ledger["file"] == "bad.parquet" and len(ledger["sha256"]) == 64
    assert "rejected: duplicate spell_id: 2" in ledger["reasons"]
    assert "rejected: discharge before admission: 1" in ledger["reasons"]
    got = set(zip(rejected.line, rejected.column, rejected.reason, strict=True))
    assert got == {
        (3, "discharge_date", "discharge before admission"),
        (5, "age_band", "unknown age band"),
        (7, "sex", "unknown sex (not M or F)"),
        (9, "provider_code", "blank provider code"),
        (11, "provider_code", "provider code not in the organisation list"),
        (13, "spell_id", "duplicate spell_id"),
        (14, "spell_id", "duplicate spell_id"),
        (21, "age_band", "unknown age band"),
        (21, "sex", "unknown sex (not M or F)"),
    }
    assert set(rejected.file) == {"bad.parquet"}
    assert rejected.loc[rejected.line == 11, "value"].item() == "ZZZ99"


def test_rejected_detail_is_bounded_but_counts_are_exact(small: dict, tmp_path: Path) -> None:
    df = pq.read_table(small["path"]).slice(0, 3000).to_pandas()
    df["sex"] = "X"
    bad = tmp_path / "all_bad.parquet"
    pq.write_table(pa.Table.from_pandas(df, schema=SCHEMA, preserve_index=False), bad)
    _, ledger, rejected = rl.read_extract(bad, "admissions")
    assert ledger["rows_rejected"] == 3000 and ledger["rows_accepted"] == 0
    assert len(rejected) == rl.MAX_REJECTED_DETAIL and rejected.line.max() == 1000


def test_clean_extract_is_accepted_whole(small: dict) -> None:
    ledger = small["ledger"]
    assert ledger["rows_rejected"] == 0 and ledger["rows_accepted"] == ledger["rows_read"]
    assert small["rejected"].empty


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"spell_id": [1]}), path)
    with pytest.raises(rl.IngestError, match=r"x\.parquet.*missing column.*provider_code"):
        rl.read_extract(path, "admissions")


# ------------------------------------------------------------------------------------------
# Readmissions on a hand-built extract
# ------------------------------------------------------------------------------------------


def _tiny(rows: list[tuple], path: Path) -> Path:
    """rows: (spell, patient, provider, admitted, discharged, method, died)."""
    n = len(rows)
    d = lambda s: dt.date.fromisoformat(s)  # noqa: E731
    table = pa.table(
        {
            "spell_id": pa.array([r[0] for r in rows], pa.int64()),
            "patient_id": pa.array([r[1] for r in rows], pa.int64()),
            "provider_code": [r[2] for r in rows],
            "icb_code": ["Q01"] * n,
            "admission_date": pa.array([d(r[3]) for r in rows], pa.date32()),
            "discharge_date": pa.array([d(r[4]) for r in rows], pa.date32()),
            "age_band": ["70-74"] * n,
            "sex": ["F"] * n,
            "imd_decile": pa.array([3] * n, pa.int8()),
            "diagnosis_group": ["PNEUMONIA"] * n,
            "admission_method": [r[5] for r in rows],
            "died": [r[6] for r in rows],
        },
        schema=SCHEMA,
    )
    pq.write_table(table, path)
    return path


def test_readmission_window_method_and_provider(tmp_path: Path) -> None:
    E, L = "emergency", "elective"  # noqa: N806
    rows = [
        # patient 1: discharged 1 Jan from A, emergency readmission on day 30 -> counts
        (1, 1, "A", "2024-01-01", "2024-01-01", E, False),
        (2, 1, "A", "2024-01-31", "2024-02-03", E, False),
        # patient 2: emergency readmission on day 31 -> does not count
        (3, 2, "A", "2024-01-05", "2024-01-10", E, False),
        (4, 2, "A", "2024-02-10", "2024-02-12", E, False),
        # patient 3: elective readmission on day 5 -> does not count
        (5, 3, "A", "2024-01-10", "2024-01-12", L, False),
        (6, 3, "A", "2024-01-17", "2024-01-17", L, False),
        # patient 4: discharged from B, emergency readmission at A on day 2 -> counts for B
        (7, 4, "B", "2024-01-03", "2024-01-06", E, False),
        (8, 4, "A", "2024-01-08", "2024-01-20", E, False),
        # patient 5: died -> not an index spell; same-day emergency readmission counts (day 0)
        (9, 5, "B", "2024-01-02", "2024-01-04", E, True),
        (10, 6, "B", "2024-01-02", "2024-01-04", L, False),
        (11, 6, "B", "2024-01-04", "2024-01-09", E, False),
        # a spell late in the extract: its 30-day follow-up is incomplete -> not an index spell
        (12, 7, "A", "2024-06-01", "2024-06-10", E, False),
    ]
    path = _tiny(rows, tmp_path / "tiny.parquet")
    rel, ledger, _ = rl.read_extract(path, "admissions", {"A", "B"})
    assert ledger["rows_accepted"] == 12
    got = rl.readmission_measures(rel, source="test")
    assert list(got.columns) == rl.MEASURE_COLUMNS
    assert set(got.stratum) == {""} and set(got.source) == {"test"}
    wide = got.pivot_table(index=["org_code_published", "month"], columns="measure", values="value")
    jan, feb = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")
    # A, January: spells 1 (readmitted), 3 (day 31: no), 5 (elective next: no), 6 and 8
    assert wide.loc[("A", jan)].to_dict() == {"index_spells": 5.0, "readmissions_30d": 1.0}
    # A, February: spells 2 and 4, not readmitted
    assert wide.loc[("A", feb)].to_dict() == {"index_spells": 2.0, "readmissions_30d": 0.0}
    # B, January: spell 7 (readmitted at A), 10 (day 0), 11; spell 9 died -> excluded
    assert wide.loc[("B", jan)].to_dict() == {"index_spells": 3.0, "readmissions_30d": 2.0}
    assert ("A", pd.Timestamp("2024-06-01")) not in wide.index
    # the same numbers straight from the path (no validation)
    again = rl.readmission_measures(path, source="test")
    pd.testing.assert_frame_equal(got, again)


# ------------------------------------------------------------------------------------------
# Mortality: case-mix model, O = E per year, recovery of planted outliers
# ------------------------------------------------------------------------------------------


def test_mortality_model_recovers_planted_outliers(small: dict) -> None:
    measures, model = rl.mortality_measures(small["accepted"])
    assert list(measures.columns) == rl.MEASURE_COLUMNS
    assert set(measures.measure) == {"observed_deaths", "expected_deaths"}
    fit = model.fit
    assert list(fit.year) == YEARS and fit.converged.all()
    assert (fit.c_statistic > 0.75).all()
    assert {"(Intercept)", "sex[M]"} <= set(model.coefficients.term)

    m = measures.assign(period=financial_year(measures.month))
    per_year = m.pivot_table(index="period", columns="measure", values="value", aggfunc="sum")
    np.testing.assert_allclose(per_year.expected_deaths, per_year.observed_deaths, rtol=1e-6)

    w = m.pivot_table(
        index=["org_code_published", "period"], columns="measure", values="value", aggfunc="sum"
    ).reset_index()
    lo, hi, _ = poisson_count_limits(w.observed_deaths.to_numpy(), 0.998)
    w["lower"], w["upper"] = lo / w.expected_deaths, hi / w.expected_deaths
    truth = small["truth"].query("metric_id == 'shmi_ratio'").set_index("org_code")
    w = w.join(truth, on="org_code_published")
    high = w[w.truly_differs & (w.effect > 1)]
    low = w[w.truly_differs & (w.effect < 1)]
    detected = ((high.lower > 1).sum() + (low.upper < 1).sum()) / (len(high) + len(low))
    null = w[~w.truly_differs]
    false_alarm = ((null.lower > 1) | (null.upper < 1)).mean()
    print(
        f"\nSHMI-like O/E at 99.8%: detected {detected:.0%} of {len(high) + len(low)} planted "
        f"provider-years; false alarms {false_alarm:.1%} of {len(null)} others"
    )
    assert detected >= 0.6
    assert false_alarm <= 0.05


def test_expected_deaths_are_the_same_on_every_run(small: dict) -> None:
    """Reproducible results: the same extract gives the same expected deaths to the last bit,
    however DuckDB's threads split the sum (a plain double sum did not)."""
    con = duckdb.connect()
    con.execute("SET threads = 8")
    path = small["path"]
    runs = []
    for _ in range(12):
        accepted, _, _ = rl.read_extract(path, "admissions", con=con)
        measures, _ = rl.mortality_measures(accepted)
        runs.append(
            measures.sort_values(["org_code_published", "month", "measure"]).value.to_numpy()
        )
    assert all(np.array_equal(runs[0], r) for r in runs[1:])


def test_c_statistic_from_cells() -> None:
    # two cells: p=0.1 (1 death / 10), p=0.5 (5 deaths / 10): AUC by hand
    # pairs (death, survivor): deaths at 0.5 beat the 9 survivors at 0.1 and tie the 5 at 0.5
    auc = casemix.c_statistic(np.array([0.1, 0.5]), np.array([1, 5]), np.array([10, 10]))
    expected = (5 * (9 + 0.5 * 5) + 1 * (0.5 * 9)) / (6 * 14)
    assert auc == pytest.approx(expected)


# ------------------------------------------------------------------------------------------
# Avoidable (ACS) admissions and the directly standardised rate
# ------------------------------------------------------------------------------------------


def test_avoidable_admissions_and_planted_icb(small: dict) -> None:
    measures = rl.avoidable_admission_measures(small["accepted"], small["population"])
    assert list(measures.columns) == rl.MEASURE_COLUMNS
    acs = measures[measures.measure == "acs_admissions"]
    assert set(acs.stratum) <= set(ESP2013_BANDS)
    n = (
        small["accepted"]
        .filter("admission_method = 'emergency' AND starts_with(diagnosis_group, 'ACS_')")
        .count("*")
        .fetchall()[0][0]
    )
    assert acs.value.sum() == n
    pop = measures[measures.measure == "population"]
    assert pop.value.sum() == small["population"].population.sum()

    dsr = annual_dsr(measures)
    assert list(dsr.columns) == DSR_COLUMNS
    assert set(dsr.period) == set(YEARS) and len(dsr) == 8 * 3
    assert (dsr.ci95_lower < dsr.value).all() and (dsr.ci998_upper > dsr.ci95_upper).all()
    truth = small["truth"].query("metric_id == 'avoidable_admissions_dsr'")
    planted = truth[truth.truly_differs & (truth.effect > 1)].org_code
    for _, year in dsr.groupby("period"):
        others = year[~year.org_code.isin(planted)].value.median()
        assert (year[year.org_code.isin(planted)].value > 1.15 * others).all()


def test_a_case_mix_model_that_does_not_converge_stops_the_run(small: dict, monkeypatch) -> None:
    """A non-converged model would feed the SHMI-like ratio unnoticed: it stops, naming the
    year; a converged fit reports its events per parameter and any warnings."""
    _, model = rl.mortality_measures(small["accepted"])
    assert (model.fit.events_per_parameter == model.fit.deaths / model.fit.parameters).all()
    assert (model.fit.events_per_parameter > 10).all() and "warnings" in model.fit
    monkeypatch.setattr(casemix, "MAX_ITERATIONS", 1)
    with pytest.raises(casemix.CaseMixError, match=r"model for 2022/23 did not converge in 1 "):
        rl.mortality_measures(small["accepted"])
