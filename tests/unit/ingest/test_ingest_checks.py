"""Checks around ingestion (helpers.ingest.sources): readers and measures before any data is
read, and the plans file after it."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.ingest import PlanError, check_plans


def test_a_plan_for_a_metric_without_a_plan_block_is_an_error():
    s = SimpleNamespace(plan=SimpleNamespace(source="plans", measure="plan_p"))
    run = SimpleNamespace(
        catalogue=SimpleNamespace(metrics=[s]),
        settings=SimpleNamespace(
            sources={"plans": SimpleNamespace(path="data/plans.csv")},
            catalogue="config/metrics/x.yml",
        ),
    )
    ok = pd.DataFrame({"source": ["plans", "finance"], "measure": ["plan_p", "plan_surplus_k"]})
    check_plans(run, ok)  # another source's plan_* measure is that source's business
    typo = pd.concat([ok, pd.DataFrame({"source": ["plans"], "measure": ["plan_pp"]})])
    with pytest.raises(PlanError, match=r"data/plans\.csv: column 'metric_id'.*\['pp'\]"):
        check_plans(run, typo)
