"""Throughput of the vectorised statistics on 1,000,000 rows.

Run: ``python benchmarks/bench_stats.py`` (from the repository root; ``src`` is put on the path).
Times proportion and crude-rate confidence intervals, the FunnelPlotR-style overdispersed funnel
(1,000,000 rows aggregated into 1,000 groups, then z-scores, trimming, phi/tau2, the limits lookup
and outliers) and rank intervals (1,000 draws × 1,000 units = 1,000,000 simulated ranks; a
draws × units matrix is what the method needs, so 1,000,000 *units* would need 1,000 × 10⁶ ranks
and is not a sensible shape). Prints rows per second for each.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.stats import ci, funnel, ranks, trend  # noqa: E402

N = 1_000_000


def bench(label: str, rows: int, fn: Callable[[], object], repeat: int = 3) -> None:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<58} {rows:>10,d} rows  {best:8.3f} s  {rows / best:>14,.0f} rows/s")


def main() -> None:
    rng = np.random.default_rng(1)
    den = rng.integers(50, 50_000, N).astype(float)
    num = rng.binomial(den.astype(int), 0.3).astype(float)
    counts = rng.poisson(25, N).astype(float)
    pop = rng.integers(1_000, 500_000, N).astype(float)
    groups = rng.integers(0, 1_000, N)
    expected = rng.uniform(5, 500, N)
    observed = rng.poisson(expected * rng.gamma(50, 1 / 50, N)).astype(float)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    bench("proportion_ci (Wilson 95% + 99.8%)", N, lambda: ci.proportion_ci(num, den, 100))
    bench("rate_ci (exact <10 / Byar's, 95% + 99.8%)", N, lambda: ci.rate_ci(counts, pop))
    small = rng.poisson(3, N).astype(float)
    bench("rate_ci, all counts < 10 (exact chi-square)", N, lambda: ci.rate_ci(small, pop))
    bench(
        "od_funnel SR/SHMI (1e6 rows -> 1,000 groups)",
        N,
        lambda: funnel.od_funnel(observed, expected, groups),
    )
    bench(
        "od_funnel PR (1e6 rows -> 1,000 groups)",
        N,
        lambda: funnel.od_funnel(num, den, groups, data_type="PR"),
    )
    bench(
        "od_funnel SR/CQC (1e6 groups, one row each)",
        N,
        lambda: funnel.od_funnel(observed, expected, np.arange(N), sr_method="CQC"),
        repeat=1,
    )
    bench(
        "phe_funnel_significance (ratio, 1e6 points)",
        N,
        lambda: funnel.phe_funnel_significance(observed, expected, statistic="ratio"),
    )
    est = rng.normal(size=1_000)
    se = rng.uniform(0.1, 1, 1_000)
    bench(
        "rank_intervals normal (1,000 draws x 1,000 units)",
        1_000 * 1_000,
        lambda: ranks.rank_intervals(est, se, n_draws=1_000),
    )
    x = rng.binomial(1_000, 0.3, 1_000).astype(float)
    bench(
        "rank_intervals beta, 4 peer groups (1,000 x 1,000)",
        1_000 * 1_000,
        lambda: ranks.rank_intervals(
            numerator=x, denominator=np.full(1_000, 1_000.0), method="beta",
            by=np.arange(1_000) % 4, n_draws=1_000,
        ),
    )  # fmt: skip
    import pandas as pd

    series = 100_000
    years = 10
    long = pd.DataFrame(
        {
            "org": np.repeat(np.arange(series), years),
            "year": np.tile(np.arange(years), series),
            "value": rng.normal(50, 5, series * years),
        }
    )
    long["ci95_lower"] = long.value - 2
    long["ci95_upper"] = long.value + 2
    bench(
        "recent_trend (100,000 series x 10 years)",
        series * years,
        lambda: trend.recent_trend(long, "org", "year"),
        repeat=1,
    )


if __name__ == "__main__":
    main()
