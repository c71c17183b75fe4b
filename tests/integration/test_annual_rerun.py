"""The annual rerun (#25 item 3), done on the real acute assessment: one month of NHS England's
own monthly A&E CSV (May 2026, ``data/raw/nhse_ae_monthly_msitae_may_2026.csv``, read by
``nhse_ae_msitae``) is added as a new source with settings changes only (the year 2026/27, the
source, a definition of the two A&E metrics for 2026/27 in a copy of the catalogue); ``assess
validate`` passes it and the pipeline (notebooks 10-30 in memory, then the assessment) reads
the month, counts it in the ledger and excludes the year's values with their reason (one month
of twelve, nine needed). No code is changed; the earlier years' results are the same as the
unchanged assessment's.

Runs in about 15 s (two in-memory pipelines of the real acute assessment), with the other
integration tests (``make test``)."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pipeline_support import Pipeline, run_pipeline

from helpers import assess
from helpers.pipeline.cli import main

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "config/assessments/acute.yml"
MAY_2026 = "data/raw/nhse_ae_monthly_msitae_may_2026.csv"
SHA256 = "9422af5fccfbac95902d94487a081396cb33e6d0331f3e1d350b14ad437b7b18"
NEW_YEAR = "2026/27"
SOURCE = {
    "path": MAY_2026,
    "reader": "nhse_ae_msitae",
    "title": "A&E attendances and emergency admissions, NHS England's monthly CSV, May 2026",
    "publisher": "NHS England",
    "url": "https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/",
}
#: the two A&E metrics of the acute catalogue, from the new source in 2026/27
DEFINITIONS = {
    "ae_4hr_pct": ("within_4h", "attendances"),
    "ae_dta_over_4h_pct": ("dta_over_4h", "emergency_admissions"),
}


def rerun_settings(folder: Path, asks: dict[str, tuple[str, str]] = DEFINITIONS) -> Path:
    """The analyst's settings changes, written to ``folder``: the acute settings with the new
    year and source, and a copy of its catalogue with a 2026/27 definition of each metric of
    ``asks`` (numerator and denominator measures)."""
    settings = yaml.safe_load((ROOT / SETTINGS).read_text(encoding="utf-8"))
    catalogue = yaml.safe_load((ROOT / settings["catalogue"]).read_text(encoding="utf-8"))
    for m in catalogue["metrics"]:
        if m["id"] in asks:
            num, den = asks[m["id"]]
            last = copy.deepcopy(m["definitions"][-1])
            last.update(
                source="ae_2026_27",
                first_year=NEW_YEAR,
                last_year=NEW_YEAR,
                note="NHS England's monthly CSV as published: every type and booked "
                "appointments summed, as NHS England's headline.",
            )
            last["numerator"]["measure"], last["denominator"]["measure"] = num, den
            m["definitions"].append(last)
    catalogue["version"] = f"{catalogue['version']}+may-2026"
    (folder / "acute-catalogue.yml").write_text(
        yaml.safe_dump(catalogue, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    settings["id"] = "acute-rerun"
    settings["catalogue"] = str(folder / "acute-catalogue.yml")
    settings["financial_years"].append(NEW_YEAR)
    settings["sources"]["ae_2026_27"] = SOURCE
    path = folder / "acute-rerun.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, Pipeline]:
    folder = tmp_path_factory.mktemp("rerun")
    return run_pipeline(SETTINGS, ROOT), run_pipeline(str(rerun_settings(folder)), ROOT)


def test_validate_passes_the_new_source_and_refuses_a_measure_it_lacks(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("ASSESS_ROOT", str(ROOT))
    good = tmp_path / "good"
    good.mkdir()
    assert main(["validate", str(rerun_settings(good))]) == 0
    out = capsys.readouterr().out
    assert "acute-rerun.yml: OK (" in out and ", 4 years)" in out
    # the file has no 12-hour-from-arrival count: validate says so before reading any data
    bad = tmp_path / "bad"
    bad.mkdir()
    asks = {"ae_4hr_pct": ("over_12h_from_arrival", "attendances")}
    assert main(["validate", str(rerun_settings(bad, asks))]) == 2
    err = capsys.readouterr().err
    assert "'over_12h_from_arrival' is not produced by source 'ae_2026_27'" in err
    assert "nhse_ae_msitae" in err


def test_the_month_is_read_and_counted_in_the_ledger(pipelines) -> None:
    _, p = pipelines
    row = p.ledger[p.ledger.role == "ae_2026_27"].squeeze()
    assert row.file == MAY_2026 and row.sha256 == SHA256
    # 193 data lines: 192 providers accepted, NHS England's TOTAL row excluded with its reason
    assert (row.rows_read, row.rows_accepted, row.rows_excluded, row.rows_rejected) == (
        193,
        192,
        1,
        0,
    )
    assert "TOTAL row" in row.reasons
    new = p.measures[p.measures.source == "ae_2026_27"]
    assert set(new.month) == {pd.Timestamp("2026-05-01")}
    assert new.org_code_published.nunique() == 192


def test_the_month_is_used_and_the_year_excluded_with_its_reason(pipelines) -> None:
    _, p = pipelines
    # Sandwell and West Birmingham (RXK), the file's line 190: types and booked appointments
    # summed (11768 + 1086 + 8725 + 371; over 4 hours 4842 + 136 + 85 + 130)
    m = p.monthly[(p.monthly.org_code == "RXK") & (p.monthly.period == NEW_YEAR)]
    got = m.set_index("metric_id")[["numerator", "denominator"]]
    assert got.loc["ae_4hr_pct"].tolist() == [21950 - 5193, 21950]
    assert got.loc["ae_dta_over_4h_pct"].tolist() == [825 + 269, 2735 + 29 + 78]
    assert set(m.month) == {pd.Timestamp("2026-05-01")}
    # one month of twelve: no value for 2026/27, and the reason says why
    r = p.results[(p.results.period == NEW_YEAR) & p.results.metric_id.isin(DEFINITIONS)]
    assert len(r) > 2 * 120 and r.value.isna().all() and (r.months_covered == 1).all()
    field_test = {g for gap in p.run.settings.known_gaps for g in gap.org_codes}
    plain = r[~r.org_code.isin(field_test)]
    assert (plain.reason == "only 1 of 12 months reported (at least 9 needed)").all()
    # the assessment runs with the new year and segments no trust in it
    a, _m, _ = assess.assessment_tables(p.run, p.results, p.organisations, None, n_draws=50)
    new = a[a.period == NEW_YEAR]
    assert len(new) and new.segment.isna().all()
    assert new.segment_reason.str.startswith("not segmented").all()


def test_the_earlier_years_are_unchanged(pipelines) -> None:
    base, p = pipelines
    cols = ["org_code", "metric_id", "period", "numerator", "denominator", "value", "reason"]
    before = base.results[cols].sort_values(cols[:3]).reset_index(drop=True)
    after = p.results[p.results.period != NEW_YEAR][cols].sort_values(cols[:3])
    pd.testing.assert_frame_equal(before, after.reset_index(drop=True))
