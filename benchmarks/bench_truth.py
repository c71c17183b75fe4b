"""Benchmark: how well the statistics find the planted truth of the synthetic England.

    python benchmarks/bench_truth.py                  # small scale (config/assessments/)
    python benchmarks/bench_truth.py --scale england  # full scale (config/england/)

Runs steps 1-3 of each synthetic assessment in memory (ingest, indicators, England comparison,
rank intervals, funnels; the same functions as the notebooks), generating the data first when
needed, and prints per metric: the organisation-years with a planted difference and without,
funnel power at 99.8% and 95% and the funnel false-alarm rate at 99.8%, and the same for the
comparison with England at 99.8%; then the seconds each assessment took. The tests
(``tests/integration/test_synthetic_truth.py``) assert thresholds at small scale; this prints
the figures at either scale.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "small": {
        "acute": "config/assessments/synthetic-acute.yml",
        "mental_health": "config/assessments/synthetic-mental-health.yml",
        "icb": "config/assessments/synthetic-icb.yml",
    },
    "england": {
        "acute": "config/england/acute.yml",
        "mental_health": "config/england/mental-health.yml",
        "community": "config/england/community.yml",
        "ambulance": "config/england/ambulance.yml",
        "icb": "config/england/icb.yml",
    },
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=sorted(CONFIGS), default="small")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from test_synthetic_truth import load_truth, run_pipeline, score

    pd.set_option("display.width", 140)
    pd.set_option("display.max_columns", 20)
    rows, seconds = [], {}
    data = None
    for name, settings in CONFIGS[args.scale].items():
        t0 = time.perf_counter()
        p = run_pipeline(settings, ROOT)
        seconds[name] = time.perf_counter() - t0
        data = ROOT / p.run.settings.synthetic.out
        rows.append((name, p))
    truth = load_truth(data)
    table = pd.concat({name: score(p, truth) for name, p in rows}, names=["assessment"])
    cols = [
        "true",
        "null",
        "funnel_power_99.8",
        "funnel_power_95",
        "funnel_fa_99.8",
        "ci_power_99.8",
        "ci_fa_99.8",
    ]
    print(f"scale: {args.scale}  (planted organisation-years / not planted; NaN = not applicable)")
    print(table[cols].round(3).to_string())
    pooled = table[table.funnel]
    n_true, n_null = pooled["true"].sum(), pooled["null"].sum()
    power = (pooled["funnel_power_99.8"] * pooled["true"]).sum() / n_true
    fa = (pooled["funnel_fa_99.8"] * pooled["null"]).sum() / n_null
    print(
        f"pooled over funnel metrics: power {power:.3f} at 99.8% ({n_true} planted), "
        f"false alarms {fa:.4f} ({n_null} not planted)"
    )
    for name, s in seconds.items():
        print(f"  {name:14s} steps 1-3 in memory {s:7.1f} s")


if __name__ == "__main__":
    main()
