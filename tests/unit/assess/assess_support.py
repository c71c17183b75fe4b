"""Catalogue entries, settings and result rows for the assessment tests."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from helpers.settings import AssessmentRules, MetricSpec


def run(metrics: list[MetricSpec], org_type: str = "acute_trust", **rules: Any) -> Any:
    """A stand-in for LoadedAssessment with what the assessment stage reads."""
    return SimpleNamespace(
        settings=SimpleNamespace(
            seed=11, org_type=org_type, assess=AssessmentRules.model_validate(rules)
        ),
        metrics=metrics,
        path=lambda p: p,
    )


def results(
    true_p: dict[str, list[float]],
    denominator: float | list[float] = 5000,
    period: str = "2024/25",
    org_type: str = "acute_trust",
    seed: int = 3,
    exact: bool = False,
) -> pd.DataFrame:
    """Result rows: for each metric, organisations T00, T01, ... with binomial counts around
    ``true_p`` (or exactly ``true_p`` when ``exact``), and Wilson-free intervals from the
    normal approximation (enough for the tests)."""
    rng = np.random.default_rng(seed)
    rows = []
    for metric_id, ps in true_p.items():
        dens = np.broadcast_to(np.asarray(denominator, dtype=float), (len(ps),))
        for i, (p, n) in enumerate(zip(ps, dens, strict=True)):
            x = float(round(p * n)) if exact else float(rng.binomial(int(n), p))
            v = 100 * x / n
            se = 100 * np.sqrt(max(x, 0.5) * max(n - x, 0.5) / n**3)
            rows.append(
                {
                    "org_code": f"T{i:02d}",
                    "org_name": f"Trust {i}",
                    "org_type": org_type,
                    "region": "R",
                    "metric_id": metric_id,
                    "period": period,
                    "numerator": x,
                    "denominator": n,
                    "value": v,
                    "ci95_lower": v - 1.96 * se,
                    "ci95_upper": v + 1.96 * se,
                }
            )
    return pd.DataFrame(rows)


def orgs(
    n: int, subtypes: dict[int, str] | None = None, org_type: str = "acute_trust"
) -> pd.DataFrame:
    subtypes = subtypes or {}
    return pd.DataFrame(
        {
            "org_code": [f"T{i:02d}" for i in range(n)],
            "org_type": org_type,
            "org_subtype": [subtypes.get(i, "general") for i in range(n)],
        }
    )
