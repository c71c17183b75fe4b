"""The pipeline's stages run in memory on the SYNTHETIC England (the call sequence of notebooks
10-30: nothing is written to reports/ or _site/), shared by the integration tests that check
the statistics and the assessment against the planted truth (:func:`pipelines`, in
``conftest.py``: each assessment runs once per test session, in a fresh copy of the project)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import compare, indicators, ingest
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
    results, _od, _funnels = compare.add_funnels(results, specs)
    delivery = plans.plan_delivery(run, measures, monthly, set(results.org_code))
    return Pipeline(run, measures, ledger, successions, results, monthly, organisations, delivery)
