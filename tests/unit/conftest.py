"""Fixtures shared by the unit tests of several stages."""

from __future__ import annotations

import pytest

from helpers import compare
from helpers import indicators as ind
from helpers.ingest import ingest_sources
from helpers.ingest import reference as org_ref
from helpers.settings import load_assessment


@pytest.fixture(scope="session")
def built_monthly(root):
    """The real UEC assessment's monthly numerators and denominators (successors attached)."""
    run = load_assessment("config/assessments/uec.yml", root)
    measures, _, _ = ingest_sources(run)
    mapping, splits = org_ref.successions(run)
    measures = ind.attach_successors(measures, mapping)
    return run, measures, ind.monthly_quantities(run, measures), mapping, splits


@pytest.fixture(scope="session")
def built(built_monthly):
    """The real UEC assessment built to the comparison (ranks included), once per session."""
    run, _measures, monthly, mapping, splits = built_monthly
    organisations = org_ref.organisations(run)
    annual = ind.annual_values(run, monthly, organisations)
    england = compare.england_benchmarks(run, annual)
    results = compare.compare_with_peers(run, annual, england)
    results = compare.add_rank_intervals(run, results, {m.id: m for m in run.metrics})
    return run, annual, england, results, mapping, splits
