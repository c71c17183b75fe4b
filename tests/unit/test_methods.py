"""The registry of statistical methods (helpers.methods): one place that every stage reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.methods import CI_METHOD_TEXT, METHODS, STATISTICS, allowed_ci_methods, method
from helpers.settings import ConfigError, MetricSpec, load_catalogue
from helpers.stats.ci import proportion_ci, rate_ci


def test_every_shipped_metric_uses_a_registered_method(root) -> None:
    for path in sorted((root / "config/metrics").glob("*.yml")):
        for m in load_catalogue(path).metrics:
            assert method(m.statistic, m.ci_method).key == (m.statistic, m.ci_method)


def test_every_method_has_its_words_and_every_statistic_an_interval() -> None:
    assert set(STATISTICS) == {"proportion", "rate", "mean", "ratio", "dsr", "isr"}
    for m in METHODS.values():
        assert m.text == CI_METHOD_TEXT[m.ci_method]
        assert m.rank_sampler in ("beta", "gamma", "normal", "exact")
        assert (m.rank_sampler == "exact") == (m.ci_method == "none")
    with pytest.raises(KeyError, match=r"allowed: \['byars', 'exact_poisson'\]"):
        method("rate", "wilson")


def test_interval_dispatch_matches_the_statistics_library() -> None:
    num, den = pd.Series([5.0, 50.0, 0.0]), pd.Series([100.0, 120.0, 30.0])
    pd.testing.assert_frame_equal(
        method("proportion", "wilson").interval(num, den, None, 100.0),
        proportion_ci(num, den, multiplier=100.0),
    )
    pd.testing.assert_frame_equal(
        method("isr", "byars").interval(num, den, None, 1.0), rate_ci(num, den, multiplier=1.0)
    )
    none = method("ratio", "none").interval(num, den, None, 1.0)
    assert np.allclose(none.value, num / den) and none.ci95_lower.isna().all()
    with pytest.raises(ValueError, match="sum of squares"):
        method("mean", "student_t").interval(num, den, None, 1.0)


def test_settings_accept_exactly_the_registered_pairs(root) -> None:
    base = load_catalogue(root / "config/metrics/uec.yml").metrics[0].model_dump()
    for statistic in STATISTICS:
        for ci in CI_METHOD_TEXT:
            data = {**base, "statistic": statistic, "ci_method": ci}
            if statistic == "mean":
                data["definitions"] = [
                    {**d, "sum_of_squares": {"measure": "ss", "description": "ss"}}
                    for d in base["definitions"]
                ]
            if ci in allowed_ci_methods(statistic):
                MetricSpec.model_validate(data)
            else:
                with pytest.raises(ValueError, match="does not fit statistic"):
                    MetricSpec.model_validate(data)
    assert ConfigError  # the settings error type the loader raises for these
