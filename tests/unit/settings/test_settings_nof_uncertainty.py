"""The settings of the NOF likely ranges: strict, documented defaults, read from YAML."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from helpers.settings.models import DEFAULT_DRAWS, NofUncertainty


def test_defaults_are_nhs_englands_method_at_95_percent():
    s = NofUncertainty()
    assert s.method == "nhse_metric_bootstrap"
    assert s.draws == DEFAULT_DRAWS and s.level == 0.95


def test_read_from_yaml():
    text = "method: quarter_variation\ndraws: 5000\nseed: 7\nlevel: 0.9\n"
    s = NofUncertainty.model_validate(yaml.safe_load(text))
    assert (s.method, s.draws, s.seed, s.level) == ("quarter_variation", 5000, 7, 0.9)


@pytest.mark.parametrize(
    "bad, key",
    [
        ({"method": "bootstrap"}, "method"),
        ({"draws": 10}, "draws"),
        ({"level": 1.0}, "level"),
        ({"seed": -1}, "seed"),
        ({"draw": 100}, "draw"),
    ],
)
def test_bad_settings_name_the_key(bad, key):
    with pytest.raises(ValidationError, match=key):
        NofUncertainty.model_validate(bad)


def test_frozen():
    s = NofUncertainty()
    with pytest.raises(ValidationError):
        s.draws = 5  # type: ignore[misc]
