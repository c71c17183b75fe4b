"""Building one assessment's pages in-process from the real UEC results (the ``built`` fixture of
tests/unit/conftest.py), for the publish tests: the assessment with few draws, optional renames
of organisations and of the catalogue's and settings' text, and a Quarto project around it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import assess, compare
from helpers.core.files import write_json
from helpers.core.paths import RunPaths
from helpers.ingest import ingest_sources, reference_ledger
from helpers.ingest import reference as org_ref
from helpers.pipeline.provenance import build_provenance
from helpers.publish import pages
from helpers.publish.context import SiteContext
from helpers.publish.render import render_site
from helpers.publish.site_index import write_site_index
from helpers.publish.summary import run_summary
from helpers.settings import LoadedAssessment


def assessed(
    run: LoadedAssessment, results: pd.DataFrame, orgs: pd.DataFrame, n_draws: int = 200
) -> tuple[pd.DataFrame, pd.DataFrame, list, pd.DataFrame]:
    """The assessment stage as notebook 35 runs it (no plans, no SPC trigger), with few draws:
    the finished assessment (accountability and rule stability included), the finished metric
    scores, the cohort-years and the segment changes."""
    rules = run.settings.assess
    assessment, scores, years = assess.assessment_tables(run, results, orgs, None, n_draws=n_draws)
    specs = {m.id: m for m in assess.scored_metrics(run)}
    changes = assess.segment_changes(years, specs, rules)
    assessment = assess.add_accountability(
        assessment, scores, years, None, rules, names=assess.metric_names(run)
    )
    values = scores[["org_code", "period", "metric_id", "value"]]
    alternatives = assess.alternative_segments(assessment, values, specs, rules)
    assessment = assess.rule_stability(assessment, alternatives)
    assessment = assess.finish_assessment(assessment, assess.gap_summary(years, changes, rules))
    return assessment, assess.finish_metric_scores(scores), years, changes


def site_context(
    built: tuple,
    paths: RunPaths,
    codes: list[str],
    *,
    run: LoadedAssessment | None = None,
    results: pd.DataFrame | None = None,
    orgs: pd.DataFrame | None = None,
    **extra: Any,
) -> SiteContext:
    """The one way the publish tests build a :class:`SiteContext` by hand: the UEC results of
    ``built`` (or ``results``; the settings of ``run``, default the built one) with report cards
    for ``codes``, writing into ``paths``, with what the pipeline adds before the pages (funnels,
    headline comparisons, the ledger with the reference files, provenance). ``orgs`` defaults to
    the settings' organisations; ``extra`` sets the optional tables (see
    :func:`assessment_tables` for the assessment's)."""
    built_run, _annual, england, built_results, mapping, splits = built
    run = built_run if run is None else run
    results = built_results if results is None else results
    run = run.model_copy(update={"settings": run.settings.model_copy(update={"org_codes": codes})})
    specs = {m.id: m for m in run.metrics}
    results, overdispersion, funnels = compare.add_funnels(results, specs)
    results = compare.add_headline_comparison(results, funnels, specs, run.settings.comparison)
    _, ledger, rejected = ingest_sources(run)
    ledger = pd.concat([ledger, reference_ledger(run)], ignore_index=True)
    return SiteContext(
        run=run,
        paths=paths,
        results=compare.order_results(results),
        england=england,
        orgs=org_ref.organisations(run) if orgs is None else orgs,
        ledger=ledger,
        rejected=rejected,
        successions=mapping,
        splits=splits,
        provenance=build_provenance(run, ledger),
        funnel_limits=compare.funnel_limits_table(funnels),
        overdispersion=overdispersion,
        **extra,
    )


def assessment_tables(
    assessment: pd.DataFrame, scores: pd.DataFrame, changes: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """A :class:`SiteContext`'s assessment tables (from :func:`assessed`), with its league."""
    return {
        "assessment": assessment,
        "metric_scores": scores,
        "league": assess.league_table(assessment),
        "segment_changes": changes,
    }


def assessment_site(
    built: tuple,
    root: Path,
    project: Path,
    *,
    published: Callable[[pd.DataFrame], list[str]],
    first_name: str | None = None,
    retitle: Callable[[LoadedAssessment], LoadedAssessment] | None = None,
    monthly: pd.DataFrame | None = None,
    n_draws: int = 200,
) -> tuple[SiteContext, dict[str, int]]:
    """Write the pages of the UEC assessment into ``project/reports/<id>`` with a Quarto project
    around it (``_quarto.yml``, sidebar, summary, provenance, the pipeline notebooks).
    ``published(latest)`` picks the report cards from the latest year's assessment rows;
    ``first_name`` renames the first of them everywhere, and gives it a hospital of that name
    in a town of that name; ``retitle`` rewrites the settings and the catalogue (e.g. hostile
    titles). The hospitals of each trust are the settings' hospital list (``reference:
    sites``)."""
    run, _annual, england, results, mapping, splits = built
    if retitle is not None:
        run = retitle(run)
    orgs = org_ref.organisations(run)
    assessment, scores, years, changes = assessed(run, results, orgs, n_draws)
    codes = published(assessment[assessment.period == assessment.period.max()])

    def rename(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        if first_name is not None:
            df.loc[df.org_code == codes[0], "org_name"] = first_name
        return df

    results, orgs, assessment, scores = map(rename, (results, orgs, assessment, scores))
    sites = org_ref.sites(run, mapping)
    if first_name is not None:
        hostile = {"site_code": "ZZZ01", "site_name": f"{first_name} (hospital)"}
        hostile |= {"org_code": codes[0], "town": f"{first_name} (town)", "postcode": ""}
        sites = pd.concat([sites, pd.DataFrame([hostile])], ignore_index=True)
    paths = RunPaths(project / "reports" / run.settings.id).ensure()
    ctx = site_context(
        built,
        paths,
        codes,
        run=run,
        results=results,
        orgs=orgs,
        **assessment_tables(assessment, scores, changes),
        monthly=monthly,
        sites=sites,
    )
    counts = pages.write_pages(ctx)
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        shutil.copy(nb, paths.pipeline / nb.name)
    summary = run_summary(ctx.run, ctx.results, england, [nb.name for nb in notebooks])
    write_json(paths.results / "summary.json", summary)
    write_json(paths.provenance, ctx.provenance)
    shutil.copy(root / "_quarto.yml", project / "_quarto.yml")
    for name in ("index.qmd", "about.qmd", "print.css"):
        shutil.copy(root / name, project / name)
    write_site_index(project, only=[run.settings.id])
    return ctx, counts


def retitled(run: LoadedAssessment, text: str, metrics: int = 1) -> LoadedAssessment:
    """``run`` with ``text`` in the settings' titles and in the first ``metrics`` metrics' title,
    short title, description and caveats (settings-derived text on every page kind)."""
    specs: list[Any] = []
    for i, m in enumerate(run.metrics):
        if i < metrics:
            m = m.model_copy(
                update={
                    "title": f"{text} (title)",
                    "short_title": f"{text} (short)",
                    "description": f"{text} (description)",
                    "caveats": [f"{text} (caveat)"],
                }
            )
        specs.append(m)
    settings = run.settings.model_copy(
        update={"title": f"{text} (assessment)", "short_title": f"{text} (short assessment)"}
    )
    return run.model_copy(update={"metrics": specs, "settings": settings})


#: the files an in-memory project links to but does not hold (the workbook, the league and
#: score tables, the front-end files): the preview warns about these links, and only these
_NOT_WRITTEN = re.compile(r"link target '[./]*(results/[\w.]+|assets/[\w./-]+)' not found$")


def render_pages(project: Path) -> Any:
    """Render the project :func:`assessment_site` wrote with the preview; every renderer
    warning but a link to a file such a project does not write fails the test."""
    result = render_site(project, force_preview=True, allow_warnings=True)
    unexpected = [w for w in result.warnings if not _NOT_WRITTEN.search(w)]
    assert not unexpected, unexpected
    return result
