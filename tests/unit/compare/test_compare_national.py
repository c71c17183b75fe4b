"""NHS England's national headline beside this assessment's England value."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.compare import national_headlines
from helpers.settings import MetricSpec


def _spec(national: dict | None) -> MetricSpec:
    return MetricSpec.model_validate(
        {
            "id": "waits", "title": "w", "short_title": "w", "objective": "x",
            "domain": "access", "org_types": ["acute_trust"], "statistic": "proportion",
            "multiplier": 100.0, "unit": "%", "polarity": "higher_is_better",
            "ci_method": "wilson", "description": "x",
            "definitions": [{"first_year": "2023/24", "last_year": "2024/25", "source": "trusts",
                             "numerator": {"measure": "n", "description": "n"},
                             "denominator": {"measure": "d", "description": "d"}}],
            **({"national": national} if national else {}),
        }
    )  # fmt: skip


def _measures() -> pd.DataFrame:
    rows = []
    for month, n, d in (("2023-04-01", 60, 100), ("2023-05-01", 70, 100), ("2024-04-01", 8, 10)):
        for org, k in (("A", 1), ("B", 3)):
            rows += [
                {"source": "everyone", "org_code": org, "month": pd.Timestamp(month),
                 "measure": "n", "value": n * k},
                {"source": "everyone", "org_code": org, "month": pd.Timestamp(month),
                 "measure": "d", "value": d * k},
            ]  # fmt: skip
    # another source's rows are not summed
    rows.append({"source": "trusts", "org_code": "A", "month": pd.Timestamp("2023-04-01"),
                 "measure": "n", "value": 1e6})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_headline_sums_every_organisation_of_its_source_by_financial_year() -> None:
    national = {"source": "everyone", "label": "England, all", "why": "more providers"}
    run = SimpleNamespace(
        metrics=[_spec(national), _spec(None).model_copy(update={"id": "other"})],
        settings=SimpleNamespace(financial_years=["2022/23", "2023/24", "2024/25"]),
    )
    england = pd.DataFrame({"metric_id": "waits", "period": ["2023/24", "2024/25"],
                            "value": [64.0, 81.0]})  # fmt: skip
    got = national_headlines(run, _measures(), england).set_index("period")
    assert list(got.index) == ["2023/24", "2024/25"]  # 2022/23: not in the definition's years
    assert got.loc["2023/24", "national_value"] == pytest.approx(100 * 520 / 800)
    assert got.loc["2023/24", "national_months"] == 2
    assert got.loc["2023/24", "difference"] == pytest.approx(64.0 - 65.0)
    assert got.loc["2024/25", "national_value"] == pytest.approx(80.0)
    assert set(got.metric_id) == {"waits"} and set(got.why) == {"more providers"}
