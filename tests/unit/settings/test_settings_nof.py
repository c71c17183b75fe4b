"""The NOF catalogue model: the shipped catalogue loads; bad input is one clear error."""

from __future__ import annotations

import pytest
import yaml

from helpers.settings import load_nof_framework
from helpers.settings.models import ConfigError

CATALOGUE = "config/nof/mh-community-2025-26.yml"


@pytest.fixture(scope="module")
def shipped(root):
    return yaml.safe_load((root / CATALOGUE).read_text(encoding="utf-8"))


def test_shipped_catalogue_loads(root):
    fw = load_nof_framework(root / CATALOGUE)
    assert len(fw.metrics) == 14 and len(fw.domains) == 5
    assert {s.quarter for s in fw.segmentation} == {1, 2, 3, 4}
    assert [m.score_id for m in fw.metrics if not m.in_average] == ["OF1079", "OF1081"]
    assert all(m.note for m in fw.metrics)


def _write(tmp_path, data) -> str:
    p = tmp_path / "nof.yml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(p)


def test_unknown_key_names_file_and_key(tmp_path, shipped):
    bad = {**shipped, "metrics": [{**shipped["metrics"][0], "polarty": "lower_is_better"}]}
    path = _write(tmp_path, bad)
    with pytest.raises(ConfigError) as e:
        load_nof_framework(path)
    assert path in str(e.value) and "metrics.0.polarty" in str(e.value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"rule": "bands", "bands": [{"score": 1}]}, "at least two bands"),
        ({"value_id": None}, "needs 'value_id'"),
        ({"polarity": None}, "needs 'polarity'"),
        ({"rule": "combined", "inputs": ["OF1079"]}, "two 'inputs'"),
        ({"domain": "Nowhere"}, "is not in 'domains'"),
    ],
)
def test_bad_metric_is_a_clear_error(tmp_path, shipped, change, words):
    bad = {**shipped, "metrics": [{**shipped["metrics"][0], **change}, *shipped["metrics"][1:]]}
    with pytest.raises(ConfigError, match=words):
        load_nof_framework(_write(tmp_path, bad))


def test_bad_cutoffs_and_missing_file(tmp_path, shipped):
    seg = [{**shipped["segmentation"][0], "cutoffs": [2.3, 2.1, 2.6]}, *shipped["segmentation"][1:]]
    with pytest.raises(ConfigError, match="three ascending cut-offs"):
        load_nof_framework(_write(tmp_path, {**shipped, "segmentation": seg}))
    with pytest.raises(ConfigError, match="file not found"):
        load_nof_framework(tmp_path / "absent.yml")
