"""Reference data (helpers.ingest.reference): local priorities checked against the catalogue;
the hospitals of each trust read from the committed hospital list."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.core.paths import project_root
from helpers.ingest import IngestError
from helpers.ingest.reference import SITE_COLUMNS, local_priorities, sites, successions
from helpers.settings import load_assessment, load_catalogue


def _priority_run(tmp_path, text: str) -> SimpleNamespace:
    (tmp_path / "lp.csv").write_text(text, encoding="utf-8")
    catalogue = load_catalogue(project_root() / "config/metrics/synthetic.yml")
    return SimpleNamespace(
        root=tmp_path,
        catalogue=catalogue,
        settings=SimpleNamespace(
            reference={
                "local_priorities": SimpleNamespace(path="lp.csv", reader="local_priorities")
            },
            catalogue="config/metrics/synthetic.yml",
        ),
    )


def test_local_priorities_are_read_and_checked_against_the_catalogue(tmp_path):
    good = "icb_code,metric_id,reason\nQZB,mh_access_pct,Access\nQZA, flu_vaccination_pct ,Flu\n"
    d = local_priorities(_priority_run(tmp_path, good))
    assert d.values.tolist() == [
        ["QZA", "flu_vaccination_pct", "Flu"],
        ["QZB", "mh_access_pct", "Access"],
    ]
    provider = good + "QZC,ae_12hr_pct,Long waits\n"
    with pytest.raises(
        IngestError,
        match=r"lp\.csv: line 4, column 'metric_id'.*ae_12hr_pct.*"
        r"does not apply to ICBs",
    ):
        local_priorities(_priority_run(tmp_path, provider))
    unknown = good + "QZC,no_such_metric,Why\n"
    with pytest.raises(IngestError, match=r"line 4, column 'metric_id'.*not in the metric"):
        local_priorities(_priority_run(tmp_path, unknown))
    with pytest.raises(IngestError, match=r"line 1: missing column\(s\) \['reason'\]"):
        local_priorities(_priority_run(tmp_path, "icb_code,metric_id\nQZA,mh_access_pct\n"))


def test_organisation_names_from_ods_capitals_are_cased_by_the_one_rule():
    """The real acute assessment's organisations (ODS names in capitals): cased by
    helpers.core.names.name_case, not left as 'WRIGHTINGTON, Wigan and Leigh'."""
    from helpers.ingest.reference import organisations
    from helpers.settings import load_assessment

    orgs = organisations(load_assessment("config/assessments/acute.yml", project_root()))
    names = dict(zip(orgs.org_code, orgs.org_name, strict=True))
    assert names["RRF"] == "Wrightington, Wigan and Leigh NHS Foundation Trust"
    assert names["RCX"] == "The Queen Elizabeth Hospital, King's Lynn, NHS Foundation Trust"
    assert names["RJ1"] == "Guy's and St Thomas' NHS Foundation Trust"
    assert not [n for n in names.values() if re.search(r"\b[A-Z]{2,}\b", n.replace("NHS", ""))]


# --- the hospitals of each trust (reference: sites), on the committed file -------------------


@pytest.fixture(scope="module")
def uec_sites():
    run = load_assessment("config/assessments/uec.yml", project_root())
    mapping, _splits = successions(run)
    return run, sites(run, mapping)


def test_the_hospital_list_is_read_with_each_hospital_under_its_trust(uec_sites):
    _run, d = uec_sites
    assert list(d.columns) == SITE_COLUMNS
    assert len(d) == 875  # every row of the committed extract (all have a parent and a name)
    # five hospitals are listed twice by the NHS website's file (under two OrganisationIDs)
    assert d.site_code.nunique() == 870
    addenbrookes = d[d.site_code == "RGT01"].iloc[0]
    assert (addenbrookes.org_code, addenbrookes.site_name, addenbrookes.town) == (
        "RGT",
        "Addenbrooke's",
        "Cambridge",
    )
    assert addenbrookes.postcode == "CB2 0QQ"
    assert set(d[d.org_code == "RGT"].site_name) >= {"Addenbrooke's", "Rosie Hospital"}


def test_hospitals_of_merged_trusts_are_listed_under_the_successor(uec_sites):
    _run, d = uec_sites
    # University Hospitals Dorset (R0D, 2020) from Poole (RD3) and Bournemouth (RDZ); Burton
    # (RJF) merged into Derby (RTG) in 2018, after the list was taken
    dorset = d[d.org_code == "R0D"].set_index("site_code").site_name
    assert dorset["RD304"] == "Poole Hospital"
    assert dorset["RDZ20"] == "Royal Bournemouth General Hospital"
    assert d[d.site_code == "RJF02"].org_code.item() == "RTG"
    assert not d.org_code.isin(["RD3", "RDZ", "RJF"]).any()


def test_hospital_names_and_towns_are_tidied_only_when_in_capitals(uec_sites):
    _run, d = uec_sites
    assert "Lincoln" in set(d.town) and "LINCOLN" not in set(d.town)  # the one town in capitals
    assert "Chard Community Hospital" in set(d.site_name)  # "Chard  Community": spaces collapsed
    assert "Cuh At Brookfields Hospital" in set(d.site_name)  # mixed case kept as published


def test_a_hospital_list_without_its_columns_is_refused(uec_sites, tmp_path):
    run, _ = uec_sites
    (tmp_path / "h.csv").write_text("OrganisationCode,OrganisationName\nX01,A\n", encoding="utf-8")
    ref = dict(run.settings.reference)
    ref["sites"] = ref["sites"].model_copy(update={"path": str(tmp_path / "h.csv")})
    bad = run.model_copy(update={"settings": run.settings.model_copy(update={"reference": ref})})
    with pytest.raises(IngestError, match=r"h\.csv: line 1: missing column\(s\) \['City'"):
        sites(bad, pd.DataFrame(columns=["old_code", "new_code"]))


def test_no_hospital_list_gives_an_empty_table(uec_sites):
    run, _ = uec_sites
    ref = {k: v for k, v in run.settings.reference.items() if k != "sites"}
    none = run.model_copy(update={"settings": run.settings.model_copy(update={"reference": ref})})
    empty = sites(none, pd.DataFrame(columns=["old_code", "new_code"]))
    assert empty.empty and list(empty.columns) == SITE_COLUMNS
