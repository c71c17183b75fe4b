"""NHS England's NOF 2025/26 Q4 likely ranges (mental health and community trusts), reproduced,
and our quarter-to-quarter method beside them: prints the figures the tests assert.

    .venv/bin/python tests/tools/nof_likely_ranges.py [--seeds N] [--draws D]

Reads NHS England's files in ``data/raw/``; cut-offs between segments are the midpoints between
the published unadjusted segments (OF5003) of Q4. ``--seeds N`` repeats the reproduction with
seeds 1..N and prints the spread of each figure (the Monte Carlo noise of the rank bounds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from helpers.assess.nof_uncertainty import (
    average_score_inputs,
    compare_methods,
    likely_ranges,
    midpoint_cutoffs,
    ranges_reproduction,
)
from helpers.ingest.readers.nhse_nof import read_nof_league_table, read_nof_metric_file
from helpers.settings.models import DEFAULT_DRAWS, NofUncertainty

ROOT = Path(__file__).resolve().parents[2]
METRICS = ROOT / "data/raw/nof_2025_26_mh_community_trust_data_q1_q4.csv"
LEAGUE = ROOT / "data/raw/nof_2025_26_q4_mh_community_league_table.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=0)
    ap.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    args = ap.parse_args()
    metrics = read_nof_metric_file(METRICS)
    league = read_nof_league_table(LEAGUE).set_index("org_code")
    q4 = metrics[metrics["quarter_number"] == 4].pivot(
        index="org_code", columns="metric_id", values="value"
    )
    cutoffs = midpoint_cutoffs(q4["OF5002"], q4["OF5003"])
    scores = average_score_inputs(metrics)
    nhse_settings = NofUncertainty(draws=args.draws)
    ours_settings = NofUncertainty(method="quarter_variation", draws=args.draws)
    nhse = likely_ranges(nhse_settings, scores, league["in_deficit"], cutoffs, quarter=4)
    ours = likely_ranges(ours_settings, scores, league["in_deficit"], cutoffs, quarter=4)
    print(f"cut-offs (Q4, midpoints between published OF5003 segments): {cutoffs}")
    print(f"settings: draws {args.draws:,}, seed {nhse_settings.seed}, level {nhse_settings.level}")
    print("\nnhse_metric_bootstrap against NHS England's published Q4 league table")
    print(ranges_reproduction(nhse, league).round(4).to_string())
    print("\nthe two methods compared (61 trusts; quartile = a quarter of the table)")
    print(compare_methods(nhse, ours).to_string())
    if args.seeds:
        rows = [
            ranges_reproduction(
                likely_ranges(
                    NofUncertainty(draws=args.draws, seed=s),
                    scores,
                    league["in_deficit"],
                    cutoffs,
                    quarter=4,
                ),
                league,
            )
            for s in range(1, args.seeds + 1)
        ]
        spread = pd.DataFrame(rows).agg(["min", "mean", "max"]).T.round(4)
        print(f"\nspread over seeds 1..{args.seeds}")
        print(spread.to_string())


if __name__ == "__main__":
    main()
