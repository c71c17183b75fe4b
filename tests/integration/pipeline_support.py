"""The pipeline's stages run in memory on the SYNTHETIC England (the call sequence of notebooks
10-30: nothing is written to reports/ or _site/), shared by the integration tests that check
the statistics and the assessment against the planted truth (:func:`pipelines`, in
``conftest.py``: each assessment runs once per test session, in a fresh copy of the project)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import assess, compare, indicators, ingest
from helpers.compare import plans
from helpers.ingest import reference as org_ref
from helpers.settings import LoadedAssessment, load_assessment
from helpers.synthetic.ensure import ensure_synthetic_data

ROOT = Path(__file__).resolve().parents[2]
ASSESSMENTS = {
    "acute": "config/assessments/synthetic-acute.yml",
    "mental_health": "config/assessments/synthetic-mental-health.yml",
    "icb": "config/assessments/synthetic-icb.yml",
}


@dataclass
class Pipeline:
    run: LoadedAssessment
    measures: pd.DataFrame
    ledger: pd.DataFrame
    successions: pd.DataFrame
    results: pd.DataFrame
    monthly: pd.DataFrame
    organisations: pd.DataFrame
    plan_delivery: pd.DataFrame


def run_pipeline(settings: str, root: Path = ROOT) -> Pipeline:
    """Notebooks 10-30 in memory (ingest, indicators, England, ranks, funnels)."""
    ensure_synthetic_data(settings, root)
    run = load_assessment(settings, root)
    measures, ledger, _rejected = ingest.ingest_sources(run)
    ledger = pd.concat([ledger, ingest.reference_ledger(run)], ignore_index=True)
    organisations = org_ref.organisations(run)
    successions, _splits = org_ref.successions(run)
    measures = indicators.attach_successors(measures, successions)
    monthly = indicators.monthly_quantities(run, measures, organisations)
    annual = indicators.annual_values(run, monthly, organisations, measures)
    england = compare.england_benchmarks(run, annual)
    results = compare.compare_with_peers(run, annual, england)
    specs = {m.id: m for m in run.metrics}
    results = compare.add_rank_intervals(run, results, specs, monthly)
    results, _od, funnels = compare.add_funnels(results, specs)
    results = compare.add_headline_comparison(results, funnels, specs, run.settings.comparison)
    delivery = plans.plan_delivery(run, measures, monthly, set(results.org_code))
    return Pipeline(run, measures, ledger, successions, results, monthly, organisations, delivery)


def assessed_against_truth(p: Pipeline, planted: pd.DataFrame) -> pd.DataFrame:
    """The assessment of ``p`` (with its accountability columns) joined to the generator's
    ``planted_assessment.csv`` rows (``planted``, read with ``org_code`` and ``period`` as
    text), for the organisation-years both segment; the truth flags as booleans."""
    rules = p.run.settings.assess
    a, m, years = assess.assessment_tables(
        p.run, p.results, p.organisations, p.monthly, plan_delivery=p.plan_delivery
    )
    a = assess.add_accountability(a, m, years, p.plan_delivery, rules)
    t = a.merge(planted, on=["org_code", "period"], suffixes=("", "_truth"))
    t = t[t.segment.notna() & t.true_rank.notna()].copy()
    for c in ("planted_failing", "persistently_failing", "true_persistent_lowest"):
        t[c] = t[c].astype(str).str.lower() == "true"
    return t.assign(assessment=p.run.settings.id)


def failure_figures(t: pd.DataFrame, flagged: pd.Series | None = None) -> pd.Series:
    """Persistent failure found against the planted truth (``t`` from
    :func:`assessed_against_truth`, ``flagged`` default its ``persistent_failure``):

    * ``recall``: share of the persistently failing organisation-years (planted to fail and
      truly in the lowest segment in each of the years) that are flagged;
    * ``false_flag_rate``: share of the organisation-years *not* truly in the lowest segment in
      each of the years that are flagged (a flag on an organisation truly lowest in every year
      but not planted is not false: it is persistently in the lowest segment);
    * ``false_share_of_flags``: share of the flags that are false."""
    flag = t.persistent_failure.fillna(False).astype(bool) if flagged is None else flagged
    true, low = t.persistently_failing, t.true_persistent_lowest
    false = flag & ~(true | low)
    return pd.Series(
        {
            "org_years": len(t),
            "persistently_failing": int(true.sum()),
            "found": int((true & flag).sum()),
            "truly_lowest": int(low.sum()),
            "flagged": int(flag.sum()),
            "false_flags": int(false.sum()),
            "recall": (true & flag).sum() / max(int(true.sum()), 1),
            "false_flag_rate": false.sum() / max(int((~(true | low)).sum()), 1),
            "false_share_of_flags": false.sum() / max(int(flag.sum()), 1),
        }
    )
