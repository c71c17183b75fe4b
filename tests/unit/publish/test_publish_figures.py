"""Figures: a rerun on the same inputs draws byte-identical PNGs (the site does not churn)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.publish.figures import distribution_chart
from helpers.settings import MetricSpec


def test_distribution_chart_is_byte_identical_on_rerun(tmp_path):
    spec = MetricSpec.model_validate(
        {
            "id": "m",
            "title": "M",
            "short_title": "M",
            "objective": "x",
            "domain": "access",
            "org_types": ["acute_trust"],
            "statistic": "proportion",
            "multiplier": 100,
            "unit": "%",
            "polarity": "higher_is_better",
            "ci_method": "wilson",
            "definitions": [
                {
                    "first_year": "2023/24",
                    "last_year": "2024/25",
                    "source": "s",
                    "numerator": {"measure": "n", "description": "n"},
                    "denominator": {"measure": "d", "description": "d"},
                }
            ],
            "description": "x",
        }
    )
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "period": ["2023/24"] * 40 + ["2024/25"] * 40,
            "value": rng.normal(70, 5, 80),
        }
    )
    england = pd.DataFrame({"period": ["2023/24", "2024/25"], "value": [70.0, 71.0]})
    np.random.seed(1)
    distribution_chart(data, england, spec, tmp_path / "a.png")
    after_first = np.random.random()
    np.random.seed(2)  # whatever state the caller left: the jitter must not depend on it
    distribution_chart(data, england, spec, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    np.random.seed(1)
    assert np.random.random() == after_first  # the caller's random state is left as it was
