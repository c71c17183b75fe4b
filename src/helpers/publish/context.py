"""Everything the pages are made from (:class:`SiteContext`), read from a run folder:
:func:`load_site_context`.

Notebook 40 builds the site from it, and the benchmarks draw report cards from it, so that both
read the result tables the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from helpers.core.paths import RunPaths
from helpers.core.tables import load_interim, load_table
from helpers.publish import disclosure
from helpers.publish.periods import Coverage, coverage
from helpers.settings import LoadedAssessment, MetricSpec

#: the free-text columns of the result tables (read as text, never as numbers)
ASSESSMENT_TEXT = ("segment_reason", "deficit_basis", "closest_metrics")
LEAGUE_TEXT = (
    "Likely_range_of_average_score",
    "Likely_range_of_rank",
    "Trust_in_financial_deficit",
    "Segment_reason",
)


#: an organisation code as it may name a file: letters and digits only (ODS codes such as RDU,
#: ONS codes such as E54000008); nothing that could leave the folder or change the file type
ORG_CODE = re.compile(r"[A-Za-z0-9]{1,12}")


@dataclass
class SiteContext:
    run: LoadedAssessment
    paths: RunPaths
    results: pd.DataFrame
    england: pd.DataFrame
    orgs: pd.DataFrame
    ledger: pd.DataFrame
    rejected: pd.DataFrame
    successions: pd.DataFrame
    splits: pd.DataFrame
    provenance: dict
    trends: pd.DataFrame | None = None  # SPC variation, assurance and recent trend per org/metric
    funnel_limits: pd.DataFrame | None = None
    overdispersion: pd.DataFrame | None = None
    plan_delivery: pd.DataFrame | None = None  # planned against actual (helpers.plans)
    local_priorities: pd.DataFrame | None = None  # icb_code, metric_id, reason
    sites: pd.DataFrame | None = None  # the hospitals of each trust (helpers.publish.sites)
    # the assessment (helpers.assess, notebook 35): absent when it was not run
    assessment: pd.DataFrame | None = None  # results/assessment.csv
    metric_scores: pd.DataFrame | None = None  # results/metric_scores.csv
    league: pd.DataFrame | None = None  # results/league_table.csv
    segment_changes: pd.DataFrame | None = None  # results/segment_changes.csv
    monthly: pd.DataFrame | None = None  # monthly numerators and denominators (the SPC charts)

    @property
    def has_assessment(self) -> bool:
        return self.assessment is not None and not self.assessment.empty

    @property
    def specs(self) -> dict[str, MetricSpec]:
        return {m.id: m for m in self.run.metrics}

    @cached_property
    def coverage(self) -> Coverage:
        """How much of each year each metric's values cover (part years labelled as such)."""
        return coverage(self.results)

    def latest_period(self, metric_id: str) -> str:
        return str(self.england[self.england.metric_id == metric_id].period.max())

    def published_orgs(self) -> list[str]:
        """The organisations that get a report card. Their codes name files (``orgs/<code>.qmd``,
        ``figures/orgs/<code>_*.png``), so each must be a plain organisation code: a code with
        a path separator or any other character is refused before anything is written."""
        codes = sorted(self.results.org_code.unique())
        only = self.run.settings.org_codes
        published = [c for c in codes if only is None or c in only]
        bad = [c for c in published if not ORG_CODE.fullmatch(str(c))]
        if bad:
            raise ValueError(
                f"organisation code(s) {bad[:5]!r} cannot name a report card: a code must be "
                "1 to 12 letters and digits (ODS and ONS codes are); correct the input file "
                "(the ledger names each file)"
            )
        return published


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
