"""How the assessment fares against the planted truth of the SYNTHETIC England, for any
synthetic settings.

Run: ``python tests/tools/truth_coverage.py config/england/*.yml`` (from the repository root;
``config/assessments/synthetic-*.yml`` for the small world). Runs notebooks 10-30 in memory
(tests/integration/pipeline_support.py), then the assessment, and compares it with the
generator's ``planted_assessment.csv``. Prints, per assessment and pooled:

* organisation-years, coverage of the true rank by the 95% likely range of rank, coverage of the
  true average score, the share whose published segment is the true one, and the mean
  probability given to the true segment;
* persistent failure: recall of the persistently failing organisations and the false flags
  (:func:`pipeline_support.failure_figures`), with the settings' rule and, pooled, with other
  values of ``assess.persistent_failure.min_probability``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from pipeline_support import assessed_against_truth, failure_figures, run_pipeline  # noqa: E402

from helpers.assess.accountability import persistent_failure  # noqa: E402

SWEEP = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


def coverage(settings: str) -> pd.DataFrame:
    p = run_pipeline(settings, ROOT)
    out = p.run.path(p.run.settings.synthetic.out) / "planted_assessment.csv"  # type: ignore[union-attr]
    planted = pd.read_csv(out, dtype={"period": str, "org_code": str})
    t = assessed_against_truth(p, planted)
    p_true = t.apply(lambda r: r[f"p_segment_{int(r.true_segment)}"], axis=1)
    rules = p.run.settings.assess
    sweep = {}
    for q in SWEEP:
        r = rules.model_copy(
            update={
                "persistent_failure": rules.persistent_failure.model_copy(
                    update={"min_probability": q}
                )
            }  # fmt: skip
        )
        sweep[f"flag_{q}"] = persistent_failure(t, r).to_numpy()
    return t.assign(
        rank_covered=(t.rank_lower <= t.true_rank) & (t.true_rank <= t.rank_upper),
        score_covered=(t.average_score_lower <= t.true_average_score + 1e-9)
        & (t.true_average_score - 1e-9 <= t.average_score_upper),
        same_segment=t.segment == t.true_segment,
        p_true_segment=p_true,
        **sweep,
    )


def main(paths: list[str]) -> None:
    pd.set_option("display.width", 200)
    t = pd.concat([coverage(s) for s in paths], ignore_index=True)
    cols = ["rank_covered", "score_covered", "same_segment", "p_true_segment"]
    table = t.groupby("assessment")[cols].mean()
    table.insert(0, "org_years", t.groupby("assessment").size())
    pooled = pd.DataFrame([[len(t), *t[cols].mean()]], columns=table.columns, index=["pooled"])
    print(pd.concat([table, pooled]).round(3).to_string())
    print("\npersistent failure against the planted truth (the settings' rule):")
    groups = [*t.groupby("assessment"), ("pooled", t)]
    print(pd.DataFrame({name: failure_figures(g) for name, g in groups}).T.round(3).to_string())
    print("\npooled, by assess.persistent_failure.min_probability:")
    sweep = {q: failure_figures(t, t[f"flag_{q}"]) for q in SWEEP}
    print(pd.DataFrame(sweep).T.round(3).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])
