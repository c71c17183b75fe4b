"""Generate the site's pages (Quarto markdown) from an assessment's results.

All public pages of one assessment are written by one kernel (:func:`write_pages`): a Jinja2
template per kind of page, figures drawn in parallel processes. Hundreds of report cards
therefore cost seconds, not a kernel start each. Numbers in the prose come from the results,
never typed. This module writes the overview, the metric pages, the league pages, the
methodology and the downloads; the report cards are :mod:`helpers.publish.card_pages`; what the
pages are made from is :class:`helpers.publish.context.SiteContext`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment

from helpers.assess import rules_text, summary_text
from helpers.compare.funnels import (
    MIN_FUNNEL_ORGANISATIONS,
    funnel_method_text,
    no_funnel_reason,
)
from helpers.compare.plans import PLAN_STATUSES, delivery_summary
from helpers.compare.ranks import N_DRAWS
from helpers.core.vocab import ORG_TYPE_LABELS
from helpers.methods import method
from helpers.publish import assessment_views as av
from helpers.publish import (
    context_views,
    disclosure,
    figures_metric,
    figures_phone,
    league_html,
    league_views,
    methodology_views,
)
from helpers.publish.card_pages import org_pages
from helpers.publish.context import SiteContext
from helpers.publish.page_rows import _plan_row, _row_view, _write
from helpers.publish.site_index import status_markdown
from helpers.publish.templating import template_env
from helpers.publish.text import (
    COMPARISON_TEST_SHORT,
    FUNNEL_SCALE,
    SUPPRESSED,
    comparison_split,
    counts_sentence,
    fmt_ci,
    fmt_value,
    is_context,
    unit_words,
)
from helpers.publish.workbook import result_tables
from helpers.settings import MetricSpec
from helpers.stats.funnel import FUNNELPLOTR_Z95
from helpers.stats.trend import POINTS as TREND_POINTS

#: Below this many organisations a peer group is called small on every page (and no funnel plot
#: is drawn: helpers.compare.funnels)
SMALL_PEER_GROUP = MIN_FUNNEL_ORGANISATIONS


def page_context(ctx: SiteContext) -> dict:
    """What every page template of the assessment is given (besides its own view)."""
    return {
        "a": ctx.run.settings,
        "prov": ctx.provenance,
        "org_type_label": ORG_TYPE_LABELS[ctx.run.settings.org_type],
        # what the pages call one organisation of the peer group
        **unit_words(ctx.run.settings.org_type),
        "specs": ctx.specs,
        "objectives": ctx.run.catalogue.objectives,
        "n_peer": int(ctx.results.org_code.nunique()),
        "small_peer_group": int(ctx.results.org_code.nunique()) < SMALL_PEER_GROUP,
        "has_assessment": ctx.has_assessment,
        "has_nhse_comparison": (ctx.paths.results / "nhse_comparison.csv").exists(),
        "has_sensitivity": (ctx.paths.results / "sensitivity.csv").exists(),
        # the note of a cell withheld by disclosure control (helpers.publish.disclosure)
        "suppressed": SUPPRESSED,
        # what the assessment is (config/site.yml `publisher:`): markdown, already escaped
        "status": status_markdown(ctx.run.site),
        "official": ctx.run.site.publisher.official,
    }


def write_pages(ctx: SiteContext) -> dict[str, int]:
    """Write every page of the assessment into the run folder. Returns page counts."""
    env = template_env()
    env.filters["card_figure"] = figures_phone.figure_block
    p = ctx.paths
    common = page_context(ctx)
    _write(
        p.base / "_provenance.md",
        env.get_template("provenance.md.j2").render(**common),
    )
    jobs = {spec.id: metric_figure_jobs(ctx, spec) for spec in ctx.run.metrics}
    drawn = figures_metric.metric_figures([j for js in jobs.values() for j in js.values()])
    by_path = {f.path: f for f in drawn}
    metric_views = [
        metric_page(ctx, env, spec, common, {k: by_path[j.path] for k, j in jobs[spec.id].items()})
        for spec in ctx.run.metrics
    ]
    org_views = org_pages(ctx, env, common)
    _write(
        p.orgs / "index.qmd",
        env.get_template("orgs_index.qmd.j2").render(orgs=org_views, **common),
    )
    _write(
        p.base / "index.qmd",
        env.get_template("overview.qmd.j2").render(
            metrics=metric_views,
            n_orgs=len(org_views),
            assessment_summary=summary_text(ctx.assessment, common) if ctx.has_assessment else "",
            overview=av.overview_view(ctx.assessment, ctx.orgs) if ctx.has_assessment else None,
            **common,
        ),
    )
    _write(p.base / "methodology.qmd", methodology_page(ctx, env, common))
    league = league_page(ctx, env, common)
    tables = result_tables(p.results, ctx.run.settings.org_type)
    _write(
        p.base / "downloads.qmd",
        env.get_template("downloads.qmd.j2").render(tables=tables, **common),
    )
    return {
        "metric_pages": len(metric_views),
        "report_cards": len(org_views),
        **({"league_pages": 1 + league["n_pages"]} if league else {}),
    }


def league_page(ctx: SiteContext, env: Environment, common: dict) -> dict | None:
    """``league.qmd``, the hub (rules, caveats, a link to every table), and one page per cohort
    and year, ``league/<cohort>-<year>.qmd``, with its sortable, filterable table (none without
    an assessment). Returns the hub's view with ``n_pages``."""
    words = unit_words(ctx.run.settings.org_type)
    view = league_views.league_view(ctx, words)
    if view is None:
        return None
    _write(
        ctx.paths.base / "league.qmd", env.get_template("league.qmd.j2").render(lg=view, **common)
    )
    published = set(ctx.published_orgs())
    template = env.get_template("league_cohort.qmd.j2")
    for pg in view["pages"]:
        c = league_views.league_cohort_view(
            ctx, pg["cohort"], pg["period"], published, ctx.paths.figures
        )
        table_id = "league-" + Path(pg["href"]).stem
        table = league_html.table_html(
            table_id,
            f"League table: {c['name']}, {c['period']}",
            c["rows"],
            c["n"],
            "../orgs/{code}.qmd",
        )
        text = template.render(
            lg=view, c=c, table=table, assets=league_html.assets_html("../../../"), **common
        )
        _write(ctx.paths.base / pg["href"], text)
    view["n_pages"] = len(view["pages"])
    return view


def _metric_year(ctx: SiteContext, spec: MetricSpec) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """A metric's results, England's values and its latest year."""
    res = ctx.results[ctx.results.metric_id == spec.id]
    eng = ctx.england[ctx.england.metric_id == spec.id]
    return res, eng, ctx.latest_period(spec.id)


def _overdispersion(ctx: SiteContext, spec: MetricSpec, period: str) -> dict | None:
    """The funnel's overdispersion row of a metric's latest year (None: no funnel)."""
    if ctx.overdispersion is None or not len(ctx.overdispersion):
        return None
    od = ctx.overdispersion
    rows = od[(od.metric_id == spec.id) & (od.period == period)]
    return rows.iloc[0].to_dict() if len(rows) else None


def metric_figure_jobs(
    ctx: SiteContext, spec: MetricSpec
) -> dict[str, figures_metric.MetricFigureJob]:
    """The figures of a metric's page, by kind (drawn together by
    :func:`helpers.publish.figures_metric.metric_figures`)."""
    res, eng, period = _metric_year(ctx, spec)
    year = res[res.period == period]
    bench = float(eng[eng.period == period].value.iloc[0])
    fig_dir = ctx.paths.figures
    job = figures_metric.MetricFigureJob
    jobs = {
        "ranked": job("ranked", fig_dir / f"{spec.id}_ranked.png", (year, spec, bench, period)),
        "dist": job("distribution", fig_dir / f"{spec.id}_distribution.png", (res, eng, spec)),
    }
    if year.rank_lower.notna().any():
        jobs["rank_fig"] = job("ranks", fig_dir / f"{spec.id}_ranks.png", (year, spec, period))
    od = _overdispersion(ctx, spec, period)
    if od is not None:
        lim = ctx.funnel_limits[
            (ctx.funnel_limits.metric_id == spec.id) & (ctx.funnel_limits.period == period)
        ]
        jobs["funnel_fig"] = job(
            "funnel", fig_dir / f"{spec.id}_funnel.png", (year, lim, spec, period, od)
        )
    return jobs


def metric_page(
    ctx: SiteContext, env: Environment, spec: MetricSpec, common: dict, figs: dict[str, Any]
) -> dict:
    """Write a metric's page with its figures ``figs`` (:func:`metric_figure_jobs`, drawn);
    return its view."""
    res, eng, period = _metric_year(ctx, spec)
    year = res[res.period == period]
    bench = float(eng[eng.period == period].value.iloc[0])
    ranked, dist = figs["ranked"], figs["dist"]
    rank_fig, funnel_fig = figs.get("rank_fig"), figs.get("funnel_fig")
    od = _overdispersion(ctx, spec, period) if funnel_fig is not None else None
    if od is not None:
        has_phi = bool(np.isfinite(od["phi"]))
        od = {
            "phi": f"{od['phi']:.1f}" if has_phi else "",
            "tau2": f"{od['tau2']:.4g}" if has_phi else "",
            "scale": FUNNEL_SCALE.get(str(od["method"]), ""),
            "kind": od["method"],
            "adjusted": bool(od["overdispersion_adjusted"]),
            "n": int(od["organisations"]),
            "outside998": int(year.funnel_band.isin(["above_998", "below_998"]).sum()),
            "outside95": int(year.funnel_band.isin(["above_95", "below_95"]).sum()),
        }
    ranked_year = year[year.peer_rank.notna()]
    width = (ranked_year.rank_upper - ranked_year.rank_lower).astype(float)
    rank_summary = {
        "n": len(ranked_year),
        "median_width": f"{width.median():.0f}" if len(width) else "n/a",
        "top": int(ranked_year.confidently_top_quartile.fillna(False).astype(bool).sum()),
        "bottom": int(ranked_year.confidently_bottom_quartile.fillna(False).astype(bool).sum()),
    }
    counts = year.comparison_headline.value_counts().to_dict()
    counts_ci = year.comparison.value_counts().to_dict()
    tests = year.comparison_test.value_counts().to_dict()
    org_type = ctx.run.settings.org_type
    cov = ctx.coverage
    table = [
        {**_row_view(r, spec, cov), "org_code": r.org_code, "org_name": r.org_name}
        for r in year.sort_values(["value", "org_code"], na_position="last").itertuples()
    ]
    england_rows = [
        {
            "period": r.period,
            "period_label": cov.label(spec.id, r.period),
            "value": fmt_value(r.value, spec),
            "ci95": fmt_ci(r.ci95_lower, r.ci95_upper, spec),
            "orgs": int(r.organisations),
            "not_compared": int(r.organisations_not_compared),
        }
        for r in eng.itertuples()
    ]
    view = {
        "spec": spec,
        "period": period,
        "period_label": cov.label(spec.id, period),
        "year_months": cov.year_months(spec.id, period),
        "england": fmt_value(bench, spec),
        "counts": counts,  # the headline comparison
        "counts_ci": counts_ci,  # the plain test, each organisation's own 95% interval
        "test_short": ", ".join(COMPARISON_TEST_SHORT[t] for t in sorted(tests) if t)
        or "Not compared",
        "context": is_context(spec),
        # a context metric with no comparison at all (e.g. no interval): nothing to count
        "context_only": is_context(spec)
        and not any(counts.get(k) for k in ("higher", "lower", "similar")),
        "split": comparison_split(spec, counts, tests, org_type),
        "counts_sentence": counts_sentence(spec, counts, counts_ci, tests, org_type),
        "n": int(year.value.notna().sum()),
        "not_compared": int((year.comparison_headline == "not_compared").sum()),
        "ranked": ranked,
        "dist": dist,
        "rank_fig": rank_fig,
        "rank_summary": rank_summary,
        "funnel_fig": funnel_fig,
        "od": od,
        "ci_text": method(spec.statistic, spec.ci_method).text,
        "funnel_text": method(spec.statistic, spec.ci_method).funnel_text,
        "no_funnel": "" if funnel_fig else no_funnel_reason(spec, int(year.value.notna().sum())),
        "rank_text": method(spec.statistic, spec.ci_method).rank_text,
        "n_draws": f"{N_DRAWS:,}",
        "table": table,
        "england_rows": england_rows,
        "published": set(ctx.published_orgs()),
        "definitions": spec.definitions,
        "targets": [t for t in [spec.standard, *spec.goals] if t is not None],
        "plans": _metric_plans(ctx, spec),
        "chosen_by": _chosen_by(ctx, spec.id),
        "scoring": av.metric_scoring(ctx.run, spec),
    }
    text = env.get_template("metric.qmd.j2").render(m=view, **common)
    _write(ctx.paths.metrics / f"{spec.id}.qmd", text)
    return view


def _metric_plans(ctx: SiteContext, spec: MetricSpec) -> dict | None:
    """The latest year's delivery against plan of every organisation, for a metric page."""
    d = ctx.plan_delivery
    if spec.plan is None or d is None or d.empty:
        return None
    d = d[d.metric_id == spec.id]
    if d.empty:
        return None
    period = str(d.period.max())
    year = d[d.period == period].sort_values(["status", "org_code"])
    names = dict(zip(ctx.orgs.org_code, ctx.orgs.org_name, strict=False))
    summary = delivery_summary(year).iloc[0]
    return {
        "period": period,
        "basis": str(year.basis.iloc[0]),
        "label": spec.plan.label,
        "n": int(summary.organisations),
        "counts": {k: int(summary[k]) for k in PLAN_STATUSES},
        "rows": [
            {**_plan_row(r, spec), "org_code": r.org_code, "org_name": names.get(r.org_code, "")}
            for r in year.itertuples()
        ],
    }


def _chosen_by(ctx: SiteContext, metric_id: str) -> list[dict]:
    p = ctx.local_priorities
    if p is None or p.empty:
        return []
    names = dict(zip(ctx.orgs.org_code, ctx.orgs.org_name, strict=False))
    return [
        {"code": r.icb_code, "name": names.get(r.icb_code, r.icb_code), "reason": r.reason}
        for r in p[p.metric_id == metric_id].itertuples()
    ]


def _contributing_codes(ctx: SiteContext) -> set[str]:
    """Former codes whose figures were actually added to a successor in this assessment."""
    return {c for p in ctx.results.predecessors.dropna() for c in p.split(",") if c}


def methodology_page(ctx: SiteContext, env: Environment, common: dict) -> str:
    ledger = ctx.ledger.to_dict("records")
    rejected = ctx.rejected.head(50).to_dict("records")
    return env.get_template("methodology.qmd.j2").render(
        ledger=ledger,
        rejected=rejected,
        n_rejected=len(ctx.rejected),
        successions=ctx.successions[ctx.successions.old_code.isin(_contributing_codes(ctx))]
        .sort_values(["new_code", "old_code"])
        .to_dict("records"),
        splits=ctx.splits.to_dict("records"),
        gaps=ctx.run.settings.known_gaps,
        assumptions=ctx.run.settings.assumptions,
        methods=[_method_view(ctx, spec) for spec in ctx.run.metrics],
        n_draws=f"{N_DRAWS:,}",
        trend_points=TREND_POINTS,
        min_funnel=MIN_FUNNEL_ORGANISATIONS,
        z95=f"{FUNNELPLOTR_Z95:.2f}",  # the headline comparison's 95% limit (random-effects z)
        rules_text=rules_text(ctx.run),
        scoring_rules=av.scoring_rules_view(ctx.run),
        override=av.override_text(ctx.run),
        nof=methodology_views.nof_view(ctx.paths.results),
        shmi=context_views.shmi_view(ctx.paths.results, ctx.paths.figures),
        acute_checks=context_views.acute_checks_view(ctx.paths.results),
        sensitivity=methodology_views.sensitivity_view(ctx.paths.results),
        national=methodology_views.national_view(ctx.paths.results, ctx.specs),
        disclosure=disclosure.summary(ctx.run, ctx.results),
        **common,
    )


def _method_view(ctx: SiteContext, spec: MetricSpec) -> dict:
    """How a metric's interval, ranks and funnel are computed, in words."""
    m = method(spec.statistic, spec.ci_method)
    year = ctx.results[
        (ctx.results.metric_id == spec.id) & (ctx.results.period == ctx.latest_period(spec.id))
    ]
    return {
        "spec": spec,
        "ci": m.text,
        "ranks": m.rank_text,
        "funnel": funnel_method_text(spec, int(year.value.notna().sum())),
    }
