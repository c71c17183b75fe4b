"""How often the assessment's likely ranges cover the planted truth, for any synthetic settings.

Run: ``python tests/tools/truth_coverage.py config/england/acute.yml [more settings...]`` (from
the repository root). Runs notebooks 10-30 in memory (tests/integration/pipeline_support.py),
then the assessment, and compares it with the generator's ``planted_assessment.csv``. Prints,
per assessment and pooled: organisation-years, coverage of the true rank by the 95% likely range
of rank, coverage of the true average score, the share whose published segment is the true
one, and the mean probability given to the true segment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from pipeline_support import run_pipeline  # noqa: E402

from helpers import assess  # noqa: E402


def coverage(settings: str) -> pd.DataFrame:
    p = run_pipeline(settings, ROOT)
    a, _, _ = assess.assessment_tables(
        p.run, p.results, p.organisations, p.monthly, plan_delivery=p.plan_delivery
    )
    out = p.run.path(p.run.settings.synthetic.out) / "planted_assessment.csv"  # type: ignore[union-attr]
    planted = pd.read_csv(out, dtype={"period": str, "org_code": str})
    t = a.merge(planted, on=["org_code", "period"])
    t = t[t.segment.notna() & t.true_rank.notna()]
    p_true = t.apply(lambda r: r[f"p_segment_{int(r.true_segment)}"], axis=1)
    return t.assign(
        assessment=p.run.settings.id,
        rank_covered=(t.rank_lower <= t.true_rank) & (t.true_rank <= t.rank_upper),
        score_covered=(t.average_score_lower <= t.true_average_score + 1e-9)
        & (t.true_average_score - 1e-9 <= t.average_score_upper),
        same_segment=t.segment == t.true_segment,
        p_true_segment=p_true,
    )


def main(paths: list[str]) -> None:
    t = pd.concat([coverage(s) for s in paths], ignore_index=True)
    cols = ["rank_covered", "score_covered", "same_segment", "p_true_segment"]
    table = t.groupby("assessment")[cols].mean()
    table.insert(0, "org_years", t.groupby("assessment").size())
    pooled = pd.DataFrame([[len(t), *t[cols].mean()]], columns=table.columns, index=["pooled"])
    print(pd.concat([table, pooled]).round(3).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])
