"""Reference data (helpers.ingest.reference): local priorities checked against the catalogue."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from helpers.core.paths import project_root
from helpers.ingest import IngestError
from helpers.ingest.reference import local_priorities
from helpers.settings import load_catalogue


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
