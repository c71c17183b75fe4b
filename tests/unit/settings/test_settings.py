"""Settings and catalogue validation: clear errors naming file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers.settings import MAX_METRICS, ConfigError, load_assessment, load_catalogue


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
    # Holds on a fresh clone too, where no synthetic data has been generated yet.
    shipped = [
        *root.glob("config/assessments/*.yml"),
        *root.glob("config/fast/*.yml"),
        *root.glob("config/england/*.yml"),
    ]
    assert len(shipped) >= 10
    for path in shipped:
        run = load_assessment(path, root)
        if run.settings.framework is not None:  # NHS England's framework: its own catalogue
            assert run.framework is not None and not run.metrics
            continue
        assert 0 < len(run.metrics) <= MAX_METRICS
        assert all(run.settings.org_type in m.org_types for m in run.metrics)


@pytest.fixture
def framework(root):
    return yaml.safe_load((root / "config/assessments/mental-health-community.yml").read_text())


def test_an_assessment_names_a_catalogue_or_a_framework_not_both(tmp_path, root, framework):
    both = {**framework, "catalogue": "config/metrics/uec.yml"}
    with pytest.raises(ConfigError, match="either a metric 'catalogue' or a 'framework'"):
        load_assessment(write(tmp_path / "both.yml", both), root)
    neither = {k: v for k, v in framework.items() if k != "framework"}
    with pytest.raises(ConfigError, match="either a metric 'catalogue' or a 'framework'"):
        load_assessment(write(tmp_path / "neither.yml", neither), root)


def test_a_framework_source_that_is_not_configured_is_named(tmp_path, root, framework):
    framework["framework"]["values"] = "nof_values"
    path = write(tmp_path / "fw.yml", framework)
    with pytest.raises(ConfigError, match=r"fw.yml: key 'framework.values': 'nof_values' is not"):
        load_assessment(path, root)
    framework["framework"]["values"] = "nof_metrics"
    framework["framework"]["uncertainty"]["methd"] = "x"
    with pytest.raises(ConfigError, match=r"framework.uncertainty.methd"):
        load_assessment(write(tmp_path / "fw2.yml", framework), root)


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


# --- extends and the {synthetic} placeholder ------------------------------------------------


def test_extends_merges_mappings_and_replaces_the_rest(tmp_path):
    from helpers.settings import read_settings

    write(
        tmp_path / "base.yml",
        {
            "catalogue": "c.yml",
            "financial_years": ["2022/23", "2023/24"],
            "synthetic": {"scale": "small", "seed": 1, "out": "data/s"},
            "sources": {
                "a": {
                    "path": "{synthetic}/a.csv",
                    "reader": "r",
                    "title": "A",
                    "publisher": "P",
                    "options": {"population": "{synthetic}/p.csv"},
                }
            },
        },
    )
    write(
        tmp_path / "child.yml",
        {
            "extends": "base.yml",
            "id": "child",
            "financial_years": ["2024/25"],
            "synthetic": {"scale": "england", "out": "data/e"},
            "sources": {"a": {"title": "A2"}},
        },
    )
    data, files = read_settings(tmp_path / "child.yml")
    assert files == [tmp_path / "base.yml", tmp_path / "child.yml"]
    assert data["financial_years"] == ["2024/25"]  # lists are replaced, not concatenated
    assert data["synthetic"] == {"scale": "england", "seed": 1, "out": "data/e"}
    assert data["sources"]["a"]["path"] == "data/e/a.csv"
    assert data["sources"]["a"]["options"]["population"] == "data/e/p.csv"
    assert data["sources"]["a"]["title"] == "A2" and data["sources"]["a"]["reader"] == "r"
    assert "extends" not in data


def test_extends_cycle_and_missing_parent_are_named(tmp_path):
    from helpers.settings import read_settings

    write(tmp_path / "a.yml", {"extends": "b.yml"})
    write(tmp_path / "b.yml", {"extends": "a.yml"})
    with pytest.raises(ConfigError, match="extend each other"):
        read_settings(tmp_path / "a.yml")
    write(tmp_path / "c.yml", {"extends": "nowhere.yml"})
    with pytest.raises(ConfigError, match=r"nowhere\.yml: file not found"):
        read_settings(tmp_path / "c.yml")


def test_placeholder_without_a_synthetic_folder_is_an_error(tmp_path):
    from helpers.settings import read_settings

    write(tmp_path / "s.yml", {"sources": {"a": {"path": "{synthetic}/a.csv"}}})
    with pytest.raises(ConfigError, match=r"synthetic\.out.*\{synthetic\}"):
        read_settings(tmp_path / "s.yml")


def test_england_scale_settings_point_at_the_england_data(root):
    from helpers.settings import AssessmentSettings, read_settings

    found = sorted((root / "config/england").glob("*.yml"))
    assert {p.stem for p in found} >= {"acute", "mental-health", "icb", "community", "ambulance"}
    for path in found:
        data, files = read_settings(path)
        s = AssessmentSettings.model_validate(data)
        assert s.synthetic is not None and s.synthetic.scale == "england"
        assert s.id.startswith("synthetic-england-")
        assert len(s.financial_years) == 5
        paths = [x.path for x in [*s.sources.values(), *s.reference.values()]]
        assert all(p.startswith("data/synthetic/england/") for p in paths)
        assert files[0].name == "base.yml"


def test_plan_source_must_be_configured(tmp_path, root, uec, catalogue):
    catalogue["metrics"][0]["plan"] = {"measure": "plan_x", "label": "x"}  # source: plans
    write(tmp_path / "cat.yml", catalogue)
    uec["catalogue"] = str(tmp_path / "cat.yml")
    first = catalogue["metrics"][0]["id"]
    with pytest.raises(ConfigError, match=rf"metric '{first}' key 'plan.source': 'plans'"):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_synthetic_files_are_checked_once_generated(tmp_path, root):
    """Before generation the synthetic files cannot exist; after it, a missing one is an error."""
    out = tmp_path / "synthetic"
    base = yaml.safe_load((root / "config/synthetic/base.yml").read_text())
    data = {
        **base,
        "id": "t",
        "title": "T",
        "short_title": "T",
        "summary": "T",
        "org_type": "acute_trust",
        "synthetic": {"scale": "small", "seed": 1, "out": str(out)},
    }
    path = write(tmp_path / "s.yml", data)
    run = load_assessment(path, root)  # nothing generated yet: validates
    assert run.settings.synthetic is not None
    out.mkdir()
    (out / "generator_manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_assessment(path, root)
    assert "s.yml" in str(err.value) and "no file matches" in str(err.value)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"weights": {"ga_bed_occupancy": 2}}, r"assess.weights.*not scored metrics"),
        ({"weights": {"ae_admission_conversion_pct": 2}}, r"assess.weights.*not scored"),
        (
            {"persistent_failure": {"spc_metrics": ["ae_admission_conversion_pct"]}},
            r"persistent_failure.spc_metrics.*better direction",
        ),
        ({"financial_override": {"metric": "no_such"}}, r"financial_override.metric.*no_such"),
        ({"financial_override": {}}, r"exactly one of 'metric' or 'deficit_register'"),
        (
            {"financial_override": {"deficit_register": "data/reference/none.csv"}},
            r"financial_override.deficit_register.*file not found",
        ),
        ({"segmentation": "thresholds"}, r"three increasing average scores"),
        ({"segmentation": "tertiles"}, r"assess.segmentation"),
        ({"n_draws": 10}, r"assess.n_draws"),
        (
            {"nof_check": {"extract": "data/raw/no.csv", "period": "2024/25"}},
            r"nof_check.extract.*file not found",
        ),
        (
            {
                "segment_5": [
                    {
                        "org_code": "R0A",
                        "period": "2015/16",
                        "reason": "r",
                        "capability": "low",
                        "decided_by": "x",
                        "decided_on": "2025-01-01",
                    }
                ]
            },
            r"segment_5\[0\].period.*2015/16",
        ),  # fmt: skip
        (
            {
                "segment_5": [
                    {
                        "org_code": "R0A",
                        "period": "2024/25",
                        "reason": "r",
                        "capability": "low",
                        "decided_by": "x",
                    }
                ]
            },
            r"decided_on",
        ),  # fmt: skip
    ],
)
def test_assessment_rules_are_checked_with_the_key_named(tmp_path, root, uec, rules, message):
    uec["assess"] = {**uec.get("assess", {}), **rules}
    with pytest.raises(ConfigError, match=message):
        load_assessment(write(tmp_path / "s.yml", uec), root)


def test_every_shipped_catalogue_scores_what_it_judges(root):
    """Metrics that make no judgement are never scored; the others are, by a valid rule."""
    for path in root.glob("config/metrics/*.yml"):
        cat = load_catalogue(path)
        for m in cat.metrics:
            if m.polarity == "no_judgement":
                assert m.score_mode in ("none", "target"), m.id
            else:
                assert m.score_mode in ("continuous", "discrete", "target"), m.id


def test_disclosure_control_defaults_and_errors_name_the_key(tmp_path, root, uec):
    """Counts 1 to 7 of record-level metrics are suppressed unless the settings say otherwise."""
    rule = load_assessment("config/assessments/uec.yml", root).settings.disclosure
    assert (rule.min_count, rule.metrics, rule.suppress_zeros) == (8, "record_level", False)
    uec["disclosure"] = {"min_count": 11, "metrics": ["ae_4hr_pct"], "suppress_zeros": True}
    assert load_assessment(write(tmp_path / "s.yml", uec), root).settings.disclosure.min_count == 11
    for bad, message in (
        ({"min_count": -1}, r"disclosure.min_count"),
        ({"metrics": "some"}, r"disclosure.metrics"),
        ({"threshold": 5}, r"disclosure.threshold"),
    ):
        uec["disclosure"] = bad
        with pytest.raises(ConfigError, match=message):
            load_assessment(write(tmp_path / "s.yml", uec), root)


def test_a_missing_shmi_file_is_named_at_load(tmp_path, root):
    acute = yaml.safe_load((root / "config/assessments/acute.yml").read_text())
    acute["assess"]["shmi"]["file"] = "data/raw/shmi_missing.csv"
    with pytest.raises(ConfigError, match=r"key 'assess.shmi.file': file not found"):
        load_assessment(write(tmp_path / "a.yml", acute), root)
