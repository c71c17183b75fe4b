"""Everything the pages are made from, read from a run folder: :func:`load_site_context`.

Notebook 40 builds the site from it, and the benchmarks draw report cards from it, so that both
read the result tables the same way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.paths import RunPaths
from helpers.core.tables import load_interim, load_table
from helpers.publish import disclosure
from helpers.publish.pages import SiteContext
from helpers.settings import LoadedAssessment

#: the free-text columns of the result tables (read as text, never as numbers)
ASSESSMENT_TEXT = ("segment_reason", "deficit_basis", "closest_metrics")
LEAGUE_TEXT = (
    "Likely_range_of_average_score",
    "Likely_range_of_rank",
    "Trust_in_financial_deficit",
    "Segment_reason",
)


def load_ledger(results: Path) -> pd.DataFrame:
    return load_table(results, "ledger", text=("reasons",))


def load_site_context(
    run: LoadedAssessment, src: RunPaths, provenance: dict, out: RunPaths | None = None
) -> SiteContext:
    """The site context of the run in ``src`` (its ``results/`` and ``_interim/``), writing
    pages into ``out`` (default ``src``). The monthly counts of the SPC charts come without
    the series that disclosure control withholds."""
    return SiteContext(
        run=run,
        paths=out or src,
        results=load_table(src.results, "indicators"),
        england=load_table(src.results, "england"),
        orgs=load_interim(src.interim, "organisations"),
        ledger=load_ledger(src.results),
        rejected=load_table(src.results, "rejected_rows", text=("value", "reason")),
        successions=load_interim(src.interim, "successions"),
        splits=load_interim(src.interim, "splits"),
        provenance=provenance,
        trends=load_table(src.results, "trends"),
        funnel_limits=load_table(src.results, "funnel_limits"),
        overdispersion=load_table(src.results, "overdispersion"),
        plan_delivery=load_table(src.results, "plan_delivery"),
        local_priorities=load_interim(src.interim, "local_priorities"),
        sites=load_interim(src.interim, "sites"),
        assessment=load_table(src.results, "assessment", text=ASSESSMENT_TEXT),
        metric_scores=load_table(src.results, "metric_scores"),
        league=load_table(src.results, "league_table", text=LEAGUE_TEXT),
        segment_changes=load_table(src.results, "segment_changes"),
        monthly=disclosure.public_monthly(
            load_interim(src.interim, "monthly"), load_interim(src.interim, "disclosure")
        ),
    )
