"""How long the assessment stage takes at England scale.

Run: ``python benchmarks/bench_assess.py`` (from the repository root; ``src`` is put on the path).
Builds result rows for 134 acute trusts × 20 proportion metrics × 5 financial years with 12
months each (the shape of NHS England's acute league table), then times
:func:`helpers.assess.assessment_tables`: every value drawn 1,000 times from its sampling error
and month-to-month variation, re-scored, re-averaged, re-segmented and re-ranked in every draw.
Prints the seconds and the simulated metric scores per second; then times the accountability
columns (:func:`helpers.assess.add_accountability`) with the SPC trigger on two core metrics
(:func:`helpers.assess.spc_concerns`: an XmR chart per trust, metric and year end).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers import assess  # noqa: E402
from helpers.settings import AssessmentRules, MetricSpec  # noqa: E402

TRUSTS, METRICS, YEARS, DRAWS = 134, 20, 5, 1000


def spec(i: int) -> MetricSpec:
    return MetricSpec.model_validate(
        {
            "id": f"m{i:02d}",
            "title": "m",
            "short_title": "m",
            "objective": "x",
            "domain": "access",
            "org_types": ["acute_trust"],
            "statistic": "proportion",
            "multiplier": 100.0,
            "unit": "%",
            "polarity": "higher_is_better" if i % 2 else "lower_is_better",
            "ci_method": "wilson",
            "definitions": [
                {
                    "first_year": "2020/21",
                    "last_year": "2024/25",
                    "source": "s",
                    "numerator": {"measure": "n", "description": "n"},
                    "denominator": {"measure": "d", "description": "d"},
                }
            ],
            "description": "x",
        }
    )


def main() -> None:
    rng = np.random.default_rng(1)
    specs = [spec(i) for i in range(METRICS)]
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2020, 2020 + YEARS)]
    months = pd.date_range("2020-04-01", periods=12 * YEARS, freq="MS")
    codes = [f"R{i:03d}" for i in range(TRUSTS)]
    p = rng.uniform(0.3, 0.9, (METRICS, TRUSTS))
    size = rng.integers(200, 3000, TRUSTS)
    monthly = []
    for m, s in enumerate(specs):
        for t, code in enumerate(codes):
            den = rng.poisson(size[t], len(months)).astype(float)
            num = rng.binomial(den.astype(int), p[m, t]).astype(float)
            monthly.append(pd.DataFrame({"org_code": code, "metric_id": s.id, "month": months,
                                         "period": [years[i // 12] for i in range(len(months))],
                                         "numerator": num, "denominator": den}))  # fmt: skip
    monthly_df = pd.concat(monthly, ignore_index=True)
    annual = monthly_df.groupby(["org_code", "metric_id", "period"], as_index=False)[
        ["numerator", "denominator"]
    ].sum()
    v = 100 * annual.numerator / annual.denominator
    se = 100 * np.sqrt(v / 100 * (1 - v / 100) / annual.denominator)
    results = annual.assign(
        org_name=annual.org_code, org_type="acute_trust", region="R", value=v,
        ci95_lower=v - 1.96 * se, ci95_upper=v + 1.96 * se,
    )  # fmt: skip
    orgs = pd.DataFrame({"org_code": codes, "org_type": "acute_trust", "org_subtype": "general"})
    run = SimpleNamespace(
        settings=SimpleNamespace(seed=1, org_type="acute_trust", assess=AssessmentRules()),
        metrics=specs,
        path=lambda x: x,
    )
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        a, m, cohort_years = assess.assessment_tables(run, results, orgs, monthly_df, n_draws=DRAWS)
        best = min(best, time.perf_counter() - t0)
    scores = TRUSTS * METRICS * YEARS * DRAWS
    print(
        f"assessment_tables: {TRUSTS} trusts × {METRICS} metrics × {YEARS} years × {DRAWS:,} "
        f"draws  {best:8.2f} s  {scores / best:>14,.0f} simulated scores/s"
    )
    rules = AssessmentRules(persistent_failure={"spc_metrics": ["m00", "m01"]})
    run.settings.assess = rules
    run.settings.financial_years = years
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        spc = assess.spc_concerns(run, monthly_df)
        assess.add_accountability(a, m, cohort_years, None, rules, spc)
        best = min(best, time.perf_counter() - t0)
    charts = TRUSTS * 2 * YEARS
    print(
        f"add_accountability with the SPC trigger ({charts:,} charts of up to {12 * YEARS} "
        f"months)  {best:8.2f} s  {charts / best:>10,.0f} charts/s"
    )


if __name__ == "__main__":
    main()
