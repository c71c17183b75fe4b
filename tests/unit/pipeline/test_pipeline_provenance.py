"""Provenance (helpers.pipeline.provenance): which data and code produced a run, with no
timestamp, so the same inputs and code give the same record."""

from __future__ import annotations

import json
from importlib import metadata

import pandas as pd

from helpers.core.files import sha256
from helpers.core.paths import project_path
from helpers.ingest import ingest_sources, reference_ledger, used_sources
from helpers.pipeline.provenance import (
    PACKAGES,
    build_provenance,
    code_version,
    describe,
    rule_files,
)
from helpers.settings import load_assessment


def test_provenance_names_every_input_by_hash_and_is_reproducible(root) -> None:
    run = load_assessment("config/fast/uec-fast.yml", root)
    _, ledger, _ = ingest_sources(run)
    ledger = pd.concat([ledger, reference_ledger(run)], ignore_index=True)
    prov = build_provenance(run, ledger)
    assert prov == build_provenance(run, ledger)  # no clock in it
    named = [f["file"] for f in rule_files(run, set(ledger.file))]
    assert [f["file"] for f in prov["inputs"]] == [*ledger.file.tolist(), *named]
    for f in prov["inputs"]:
        assert f["sha256"] == sha256(root / f["file"])
    assert prov["settings"]["sha256"] == sha256(root / "config/fast/uec-fast.yml")
    assert prov["catalogue"]["version"] == run.catalogue.version
    assert set(prov["packages"]) == set(PACKAGES)
    assert prov["code_version"] == code_version(root)
    keys = json.dumps(sorted(prov))
    assert not any(word in keys for word in ("time", "date", "when"))


def test_extended_settings_files_are_recorded(root) -> None:
    run = load_assessment("config/england/icb.yml", root)
    prov = build_provenance(run, pd.DataFrame(columns=["file", "sha256", "role"]))
    extends = [f["file"] for f in prov["settings"]["extends"]]
    assert "config/assessments/synthetic-icb.yml" in extends
    assert "config/synthetic/base.yml" in extends


def test_notebook_header_names_the_code_settings_packages_and_input_files(root) -> None:
    run = load_assessment("config/fast/uec-fast.yml", root)
    header = describe(run)
    assert code_version(root) in header
    assert sha256(run.settings_path)[:12] in header
    for package in PACKAGES:
        assert f"{package} {metadata.version(package)}" in header, package
    for key in used_sources(run):
        assert run.settings.sources[key].path in header


def test_settings_outside_the_project_recorded_by_absolute_path_and_hash(root, tmp_path) -> None:
    """A user's own settings file anywhere on disk: provenance names it by its absolute path
    with its SHA-256 (paths inside it still resolve from the project root)."""
    own = tmp_path / "my settings" / "my.yml"
    own.parent.mkdir()
    own.write_bytes((root / "config/fast/uec-fast.yml").read_bytes())
    run = load_assessment(own, root)
    prov = build_provenance(run, pd.DataFrame(columns=["file", "sha256", "role"]))
    assert prov["settings"]["file"] == own.resolve().as_posix()
    assert prov["settings"]["sha256"] == sha256(own)
    assert prov["catalogue"]["file"] == "config/metrics/uec.yml"
    assert "my.yml" in describe(run)
    assert project_path(root / "config/fast/uec-fast.yml", root) == "config/fast/uec-fast.yml"
    assert project_path(own, root) == own.resolve().as_posix()


def test_files_the_rules_name_are_inputs_with_their_hashes(root):
    """NHS England's published results that the acute assessment is compared with (the NOF
    extract, SHMI) are not sources, but every page must still name them by hash."""
    run = load_assessment("config/assessments/acute.yml", root)
    got = {f["role"]: f for f in rule_files(run, set())}
    shmi = got["settings: assess.shmi.file"]
    assert shmi["file"] == "data/raw/shmi_trust_level_feb2025_jan2026.csv"
    assert shmi["sha256"] == sha256(root / shmi["file"])
    assert "settings: assess.nof_check.extract" in got
    # a file already in the ledger is not listed twice
    assert rule_files(run, {shmi["file"]}) == [got["settings: assess.nof_check.extract"]]
