"""Directly age-standardised rates from age-specific counts (helpers.indicators.dsr)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.indicators.dsr import annual_dsr
from helpers.stats.ci import dsr_ci
from helpers.stats.esp2013 import ESP2013, ESP2013_BANDS


def test_annual_dsr_matches_dsr_ci_and_hand_computation() -> None:
    bands = list(ESP2013_BANDS)
    rng = np.random.default_rng(3)
    rows = []
    for icb in ("Q1", "Q2"):
        pop = rng.integers(20_000, 90_000, len(bands))
        for b, p in zip(bands, pop, strict=True):
            rows.append(("population", icb, "2024-04-01", b, float(p)))
            for month in ("2024-04-01", "2024-09-01", "2025-03-01"):  # one FY, 3 months
                rows.append(("acs_admissions", icb, month, b, float(rng.poisson(8))))
        rows.append(("acs_admissions", icb, "2025-04-01", "0-4", 5.0))  # next FY: no pop row
    m = pd.DataFrame(rows, columns=["measure", "org_code_published", "month", "stratum", "value"])
    m["month"] = pd.to_datetime(m["month"])
    m["source"] = "t"
    with pytest.raises(ValueError, match="no population for ICB Q1, 2025/26"):
        annual_dsr(m)
    m = m[m.month < "2025-04-01"]
    got = annual_dsr(m).set_index("org_code")

    for icb in ("Q1", "Q2"):
        sub = m[m.org_code_published == icb]
        x = sub[sub.measure == "acs_admissions"].groupby("stratum").value.sum()
        n = sub[sub.measure == "population"].set_index("stratum").value
        w = pd.Series(ESP2013)
        by_hand = float((x * w / n).sum() / w.sum() * 100_000)
        assert got.loc[icb, "value"] == pytest.approx(by_hand, rel=1e-12)
        assert got.loc[icb, "numerator"] == x.sum()
        assert got.loc[icb, "denominator"] == n.sum()
        assert got.loc[icb, "period"] == "2024/25"
        direct = dsr_ci(
            pd.DataFrame({"x": x, "n": n.reindex(x.index), "w": w.reindex(x.index)}),
            "x",
            "n",
            "w",
        ).iloc[0]
        for col in ("value", "ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper"):
            assert got.loc[icb, col] == pytest.approx(direct[col], rel=1e-12)
        assert got.loc[icb, "ci_method"] == "Dobson"
