"""Settings and catalogue validation: clear errors naming file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers.config import MAX_METRICS, ConfigError, load_assessment, load_catalogue


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def uec(root):
    return yaml.safe_load((root / "config/assessments/uec.yml").read_text())


@pytest.fixture
def catalogue(root):
    return yaml.safe_load((root / "config/metrics/uec.yml").read_text())


def test_every_shipped_assessment_validates(root):
    for path in [*root.glob("config/assessments/*.yml"), *root.glob("config/fast/*.yml")]:
        run = load_assessment(path, root)
        assert 0 < len(run.metrics) <= MAX_METRICS
        assert all(run.settings.org_type in m.org_types for m in run.metrics)


def test_unknown_key_names_file_and_key(tmp_path, root, uec):
    uec["finacial_years"] = uec.pop("financial_years")
    path = write(tmp_path / "bad.yml", uec)
    with pytest.raises(ConfigError) as err:
        load_assessment(path, root)
    msg = str(err.value)
    assert "bad.yml" in msg and "finacial_years" in msg and "financial_years" in msg


def test_bad_financial_year_is_explained(tmp_path, root, uec):
    uec["financial_years"] = ["2024/26"]
    with pytest.raises(ConfigError, match=r"key .financial_years.*2024/26.*not a financial year"):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_more_than_40_metrics_is_rejected(tmp_path, root, uec, catalogue):
    base = catalogue["metrics"][0]
    catalogue["metrics"] = [dict(base, id=f"m{i}") for i in range(MAX_METRICS + 1)]
    write(tmp_path / "cat.yml", catalogue)
    uec["catalogue"] = str(tmp_path / "cat.yml")
    with pytest.raises(ConfigError, match=r"41 metrics.*at most 40"):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_provider_and_commissioner_types_cannot_be_mixed(tmp_path, catalogue):
    catalogue["metrics"][0]["org_types"] = ["acute_trust", "icb"]
    with pytest.raises(ConfigError, match=r"metrics.0.*providers and commissioners"):
        load_catalogue(write(tmp_path / "cat.yml", catalogue))


def test_ci_method_must_fit_the_statistic(tmp_path, catalogue):
    catalogue["metrics"][0]["ci_method"] = "dobson"
    with pytest.raises(ConfigError, match=r"dobson.*proportion"):
        load_catalogue(write(tmp_path / "cat.yml", catalogue))


def test_metric_source_must_be_configured(tmp_path, root, uec):
    del uec["sources"]["beds_2022_25"]
    with pytest.raises(ConfigError, match=r"ga_bed_occupancy_pct.*beds_2022_25"):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_missing_input_file_is_named(tmp_path, root, uec):
    uec["sources"]["beds_2022_25"]["path"] = "data/raw/no_such_file.csv"
    with pytest.raises(ConfigError, match=r"sources.beds_2022_25.path.*no_such_file.csv"):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_metric_not_for_this_org_type(tmp_path, root, uec):
    uec["org_type"] = "ambulance_trust"
    uec["metrics"] = ["ae_4hr_pct"]
    with pytest.raises(ConfigError, match=r"ae_4hr_pct.*do not apply to org_type"):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_goals_apply_to_their_years(root):
    run = load_assessment("config/assessments/uec.yml", root)
    spec = run.catalogue.get("ae_4hr_pct")
    assert [g.value for g in spec.goals_for("2024/25")] == [78]
    assert spec.goals_for("2018/19") == []
    assert spec.definition_for("2019/20") is None
    assert spec.definition_for("2017/18").source == "ae_type1_2016_19"
