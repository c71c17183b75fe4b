"""The one registry of readers: every ``reader:`` exists, every declared measure is real, and
every measure the catalogue asks of a source is one its reader produces."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers.ingest import check_sources, ingest_sources, read_source
from helpers.ingest.readers import ALIASES, READERS, get_reader, produces
from helpers.ingest.reference import REFERENCE_READERS
from helpers.settings import ConfigError, Source, load_assessment
from helpers.synthetic.ensure import ensure_synthetic_data

SHIPPED = ["config/assessments/*.yml", "config/england/*.yml", "config/fast/*.yml"]


def _shipped(root: Path) -> list[Path]:
    return sorted(p for pattern in SHIPPED for p in root.glob(pattern))


def test_every_reader_named_in_the_shipped_settings_exists(root) -> None:
    for path in _shipped(root):
        run = load_assessment(path, root)
        for key, src in run.settings.sources.items():
            assert get_reader(src.reader), (path, key)
        for key, src in run.settings.reference.items():
            assert src.reader in REFERENCE_READERS, (path, key)
        check_sources(run)  # every catalogue measure is produced by its source's reader


def test_former_names_are_aliases_of_registered_readers() -> None:
    assert set(ALIASES.values()) <= set(READERS)
    assert not set(ALIASES) & set(READERS)
    assert get_reader("synthetic_ae_monthly") is READERS["nhse_ae_sitrep"]


def test_unknown_reader_names_every_reader(tmp_path, root) -> None:
    with pytest.raises(KeyError) as err:
        get_reader("nhse_ae_monthy")
    assert all(name in str(err.value) for name in READERS)
    settings = yaml.safe_load((root / "config/fast/uec-fast.yml").read_text())
    settings["sources"]["trust_ae_2021_25"]["reader"] = "nhse_trust_ae_montly"
    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump(settings))
    run = load_assessment(path, root)  # structurally valid settings ...
    with pytest.raises(
        ConfigError,
        match=r"key 'sources\.trust_ae_2021_25\.reader': unknown "
        r"reader 'nhse_trust_ae_montly' \(known: .*nhse_beds",
    ):
        check_sources(run)  # ... that name no reader: assess validate says so
    src = Source(path="x.csv", reader="nope", title="t", publisher="p")
    with pytest.raises(Exception, match="unknown reader 'nope'"):
        read_source("x", src, tmp_path)


def test_a_mistyped_measure_is_caught_before_any_data_is_read(tmp_path, root) -> None:
    catalogue = yaml.safe_load((root / "config/metrics/uec.yml").read_text())
    catalogue["metrics"][0]["definitions"][-1]["numerator"]["measure"] = "within_4hrs"
    (tmp_path / "cat.yml").write_text(yaml.safe_dump(catalogue))
    settings = yaml.safe_load((root / "config/fast/uec-fast.yml").read_text())
    settings["catalogue"] = str(tmp_path / "cat.yml")
    (tmp_path / "s.yml").write_text(yaml.safe_dump(settings))
    run = load_assessment(tmp_path / "s.yml", root)
    with pytest.raises(
        ConfigError,
        match=r"measure 'within_4hrs' is not produced by source "
        r"'trust_ae_2021_25'.*within_4h",
    ):
        check_sources(run)


def test_declared_measures_are_what_the_readers_write(root) -> None:
    """Each reader's declaration matches its real output on the shipped data (real UEC files
    and the small synthetic England), so the validation above cannot drift from the code."""
    seen: dict[str, set[str]] = {}
    for config in (
        "config/assessments/uec.yml",
        "config/assessments/synthetic-acute.yml",
        "config/assessments/synthetic-icb.yml",
    ):
        ensure_synthetic_data(config, root)
        run = load_assessment(config, root)
        measures, _, _ = ingest_sources(run)
        for key, src in run.settings.sources.items():
            got = set(measures.measure[measures.source == key])
            if got:
                seen.setdefault(get_reader(src.reader).name, set()).update(got)
    for name, got in seen.items():
        reader = READERS[name]
        opts = {"population": "x"} if name == "record_level_admissions" else {}
        own = {m for m in got if produces(reader, m, opts)}
        derived = got - own
        assert all(m.endswith(("_sum", "_sumsq", "_variance_k")) for m in derived), (name, derived)
        declared = {p for p in reader.measures(opts) if "*" not in p}
        assert declared <= own, (name, declared - own)
