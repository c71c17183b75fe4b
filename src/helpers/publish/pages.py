"""Generate the site's pages (Quarto markdown) from an assessment's results.

All public pages of one assessment are written by one kernel: a Jinja2 template per kind of
page, figures drawn in parallel processes. Hundreds of report cards therefore cost seconds, not
a kernel start each. Numbers in the prose come from the results, never typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
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
from helpers.compare.spc_trend import spc_points
from helpers.core.paths import RunPaths
from helpers.core.vocab import ORG_TYPE_LABELS
from helpers.methods import method
from helpers.publish import assessment_views as av
from helpers.publish import (
    context_views,
    disclosure,
    figures,
    figures_card,
    figures_metric,
    figures_phone,
    league_html,
    league_views,
    methodology_views,
)
from helpers.publish.periods import Coverage, coverage
from helpers.publish.site_index import status_markdown
from helpers.publish.sites import search_terms, sites_by_org
from helpers.publish.templating import template_env
from helpers.publish.text import (
    ASSURANCE_TEXT,
    COMPARISON_BADGE,
    COMPARISON_TEST_SHORT,
    COMPARISON_TEXT,
    FUNNEL_SCALE,
    FUNNEL_TEXT,
    QUARTILE_TEXT,
    STATUS_LONG,
    STATUS_TEXT,
    SUPPRESSED,
    TREND_TEXT,
    VARIATION_TEXT,
    comparison_split,
    counts_sentence,
    fmt_ci,
    fmt_plan,
    fmt_value,
    is_context,
    is_true,
    judged_by_words,
    ordinal,
    org_counts_sentence,
    subtype_words,
    target_text,
    unit_words,
)
from helpers.publish.workbook import result_tables
from helpers.settings import LoadedAssessment, MetricSpec
from helpers.stats.funnel import FUNNELPLOTR_Z95
from helpers.stats.trend import POINTS as TREND_POINTS

#: an organisation code as it may name a file: letters and digits only (ODS codes such as RDU,
#: ONS codes such as E54000008); nothing that could leave the folder or change the file type
ORG_CODE = re.compile(r"[A-Za-z0-9]{1,12}")

#: Below this many organisations a peer group is called small on every page (and no funnel plot
#: is drawn: helpers.compare.funnels)
SMALL_PEER_GROUP = MIN_FUNNEL_ORGANISATIONS


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


def _row_view(r: Any, spec: MetricSpec, cov: Coverage) -> dict:  # a Series or itertuples() row
    comp = r.comparison
    head, test = r.comparison_headline, r.comparison_test
    rank = rank_interval = ""
    if pd.notna(r.peer_rank):
        rank = f"{ordinal(int(r.peer_rank))} of {int(r.peer_count)}"
        if pd.notna(r.rank_lower):
            rank_interval = f"{int(r.rank_lower)} to {int(r.rank_upper)}"
    return {
        "period": r.period,
        "value": fmt_value(r.value, spec),
        "ci95": fmt_ci(r.ci95_lower, r.ci95_upper, spec),
        "ci998": fmt_ci(r.ci998_lower, r.ci998_upper, spec),
        "england": fmt_value(r.benchmark_value, spec),
        # the plain test: the organisation's own 95% interval against England
        "comparison": comp,
        "badge": COMPARISON_BADGE[comp],
        "comparison_text": COMPARISON_TEXT[comp],
        "comparison_998": COMPARISON_BADGE[r.comparison_998],
        # the headline comparison and the test that made it (helpers.compare.england)
        "headline": head,
        "headline_badge": COMPARISON_BADGE[head],
        "headline_text": COMPARISON_TEXT[head],
        "test": test if isinstance(test, str) else "",  # "" (not compared) may be read as NaN
        "test_short": COMPARISON_TEST_SHORT.get(test if isinstance(test, str) else "", ""),
        "rank": rank,
        "rank_interval": rank_interval,
        "confident": (
            "confidently in the top quarter"
            if is_true(r.confidently_top_quartile)
            else "confidently in the bottom quarter"
            if is_true(r.confidently_bottom_quartile)
            else ""
        ),
        "funnel": FUNNEL_TEXT.get(r.funnel_band if isinstance(r.funnel_band, str) else "", ""),
        "quartile": QUARTILE_TEXT[int(r.peer_quartile)] if pd.notna(r.peer_quartile) else "",
        "goal": target_text(r.goal_value, r.meets_goal, spec),
        "standard": target_text(r.standard_value, r.meets_standard, spec),
        "reason": r.reason,
        "months": int(r.months_covered),
        # the year, "2024/25 (10 of 12 months)" when the value covers part of it; its months
        # in words ("annual figure" for a metric measured once a year)
        "period_label": cov.label(spec.id, r.period, r.months_covered),
        "months_text": cov.months_text(spec.id, r.months_covered),
        "partial": spec.id not in cov.annual
        and r.months_covered < cov.year_months(spec.id, r.period),
        "goal_note": (
            f"Goal {fmt_value(r.goal_value, spec)}: {'met' if bool(r.meets_goal) else 'not met'}"
            if pd.notna(r.goal_value) and pd.notna(r.meets_goal)
            else ""
        ),
        "numerator": "" if pd.isna(r.numerator) else f"{r.numerator:,.0f}",
        "denominator": "" if pd.isna(r.denominator) else f"{r.denominator:,.0f}",
    }


def _plan_row(r: Any, spec: MetricSpec) -> dict:  # a row: Series or itertuples() tuple
    has_ci = np.isfinite(r.ci95_lower) and np.isfinite(r.ci95_upper)
    return {
        "period": r.period,
        "basis": r.basis,
        "planned": fmt_plan(r.planned, spec),
        "actual": fmt_plan(r.actual, spec),
        "ci95": fmt_ci(r.ci95_lower, r.ci95_upper, spec) if has_ci else "",
        "gap": fmt_plan(r.gap, spec, signed=True),
        "status": r.status,
        "status_text": STATUS_TEXT[r.status],
        "status_long": STATUS_LONG[r.status],
        "planned_change": fmt_plan(r.planned_change, spec, signed=True)
        if pd.notna(r.planned_change)
        else "",
        "actual_change": fmt_plan(r.actual_change, spec, signed=True)
        if pd.notna(r.actual_change)
        else "",
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


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


#: at most this many key metrics get an SPC chart on a report card
KEY_SPC_METRICS = 4


def key_spc_metrics(ctx: SiteContext) -> list[str]:
    """The metrics whose SPC charts a report card draws: the persistent-failure trigger's core
    metrics first, then the other scored metrics in catalogue order; only those with monthly
    data; at most :data:`KEY_SPC_METRICS`."""
    if ctx.monthly is None or ctx.monthly.empty:
        return []
    with_months = set(ctx.monthly.metric_id)
    core = list(ctx.run.settings.assess.persistent_failure.spc_metrics)
    scored = [m.id for m in ctx.run.metrics if m.score_mode != "none"]
    ordered = list(dict.fromkeys([*core, *scored]))
    return [m for m in ordered if m in with_months][:KEY_SPC_METRICS]


def _spc_figures(ctx: SiteContext, codes: list[str], orgs: pd.DataFrame) -> dict[str, Any]:
    keys = key_spc_metrics(ctx)
    if not keys:
        return {}
    points = spc_points(ctx.run, ctx.monthly, set(codes), keys)
    # each organisation's months of each metric, split once
    by_org: dict[str, dict[str, pd.DataFrame]] = {}
    if len(points):
        for (code, m), d in points.groupby(["org_code", "metric_id"], sort=False):
            by_org.setdefault(code, {})[m] = d
    jobs = []
    for code in codes:
        mine = by_org.get(code)
        if mine is None:
            continue
        panels = tuple(
            figures_card.SpcPanel(ctx.specs[m].short_title, mine[m], ctx.specs[m])
            for m in keys
            if m in mine and len(mine[m]) >= 2
        )
        if panels:
            name = str(orgs.org_name.get(code, code))
            path = ctx.paths.figures / "orgs" / f"{code}_spc.png"
            jobs.append(figures_card.SpcJob(code, name, path, panels))
    return _card_figures(jobs, figures_card.spc_charts, figures_phone.spc_charts, "_spc")


def _card_figures(
    jobs: list[Any], wide: Callable[[list], list], phone: Callable[[list], list], suffix: str
) -> dict[str, figures.Figure]:
    """A chart of each report card, by organisation code, drawn for a desktop column and again,
    from the same job, for a phone (:mod:`helpers.publish.figures_phone`)."""
    drawn = wide(jobs)
    small = phone([replace(j, path=figures_phone.phone_path(j.path)) for j in jobs])
    return {
        f.path.stem.removesuffix(suffix): replace(f, phone=p.path)
        for f, p in zip(drawn, small, strict=True)
    }


def _region_medians(results: pd.DataFrame) -> dict[tuple, tuple[float, int]]:
    """(metric, period, region) -> the median value of the region's organisations and how many
    have a value: one pass over the results for every card."""
    if "region" not in results.columns:
        return {}
    g = results.groupby(["metric_id", "period", "region"], sort=False).value
    stats = pd.DataFrame({"median": g.median(), "n": g.count()})
    return {
        k: (float(m), int(n)) for k, m, n in zip(stats.index, stats["median"], stats.n, strict=True)
    }


def _rows_by_org_metric(res: pd.DataFrame) -> dict[tuple[str, str], list[Any]]:
    """(organisation, metric) -> its rows (itertuples) by period, split in one pass."""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in res.sort_values("period", kind="stable").itertuples():
        out.setdefault((r.org_code, r.metric_id), []).append(r)
    return out


def org_pages(ctx: SiteContext, env: Environment, common: dict) -> list[dict]:
    codes = ctx.published_orgs()
    published = set(codes)
    res = ctx.results[ctx.results.org_code.isin(codes)]
    specs = tuple(ctx.run.metrics)
    orgs = ctx.orgs.set_index("org_code")
    by_org = dict(tuple(res.groupby("org_code", sort=False)))
    jobs = [
        figures_card.TrendJob(
            org_code=code,
            org_name=str(orgs.org_name.get(code, code)),
            path=ctx.paths.figures / "orgs" / f"{code}_trend.png",
            rows=by_org[code],
            england=ctx.england,
            specs=specs,
        )
        for code in codes
    ]
    figs = _card_figures(jobs, figures_card.trend_charts, figures_phone.trend_charts, "_trend")
    spines = _card_figures(
        _spine_jobs(ctx, codes, res, orgs),
        figures_card.spine_charts,
        figures_phone.spine_charts,
        "_spine",
    )
    spc_figs = _spc_figures(ctx, codes, orgs)
    succ = ctx.successions
    succ_by_new = dict(tuple(succ.groupby("new_code", sort=False))) if len(succ) else {}
    splits_by_old = (
        dict(tuple(ctx.splits.groupby("old_code", sort=False))) if len(ctx.splits) else {}
    )
    names = ctx.orgs[["org_code", "org_name"]]
    region_medians = _region_medians(ctx.results)
    rows_of = _rows_by_org_metric(res)
    tables = av.org_tables(ctx)
    shmi_lines = context_views.shmi_card_lines(ctx.paths.results)
    no_priorities: list[Any] = []
    hospitals = sites_by_org(ctx.sites)
    views = []
    template = env.get_template("org.qmd.j2")
    trends = {}
    if ctx.trends is not None and len(ctx.trends):
        trends = {(r["org_code"], r["metric_id"]): r for r in ctx.trends.to_dict("records")}
    delivery = ctx.plan_delivery if ctx.plan_delivery is not None else pd.DataFrame()
    plans_by_org = dict(tuple(delivery.groupby("org_code"))) if len(delivery) else {}
    prio = ctx.local_priorities if ctx.local_priorities is not None else pd.DataFrame()
    prio_by_org = (
        {k: list(g.itertuples()) for k, g in prio.groupby("icb_code", sort=False)}
        if len(prio)
        else {}
    )
    for code in codes:
        rows = by_org[code]
        info = orgs.loc[code] if code in orgs.index else None
        region = info.region if info is not None else ""
        metrics = []
        for spec in specs:
            mrows = rows_of.get((code, spec.id))
            if not mrows:
                continue
            history = [_row_view(r, spec, ctx.coverage) for r in mrows]
            valid = [r for r in mrows if pd.notna(r.value)]
            latest = _row_view(valid[-1], spec, ctx.coverage) if valid else None
            period = (latest or history[-1])["period"]
            median, n = region_medians.get((spec.id, period, region), (np.nan, 0))
            metrics.append(
                {
                    "spec": spec,
                    "latest": latest,
                    "history": history,
                    "region_median": fmt_value(median, spec),
                    "region_n": n,
                    "spc": _spc_view(trends.get((code, spec.id))),
                }
            )
        own = {c for p in rows.predecessors.dropna() for c in p.split(",") if c}
        mine = succ_by_new.get(code, succ.iloc[:0])
        preds = mine[mine.old_code.isin(own)].merge(
            names, left_on="old_code", right_on="org_code", how="left"
        )
        split = splits_by_old.get(code, ctx.splits.iloc[:0])
        plan_views = _org_plans(plans_by_org.get(code), ctx.specs)
        by_metric = {m["spec"].id: m for m in metrics}
        priorities = [
            {
                "spec": ctx.specs.get(r.metric_id),
                "metric_id": r.metric_id,
                "reason": r.reason,
                "view": by_metric.get(r.metric_id),
            }
            for r in prio_by_org.get(code, no_priorities)
        ]
        view = {
            "code": code,
            "name": str(info.org_name) if info is not None else code,
            "region": str(info.region) if info is not None else "",
            "icb": str(info.icb) if info is not None else "",
            "subtype": subtype_words(info.org_subtype) if info is not None else "",
            "closed": str(info.close_date) if info is not None and info.is_closed else "",
            "predecessors": [
                {"code": r.old_code, "name": r.org_name, "date": r.date, "source": r.source}
                for r in preds.itertuples()
            ],
            "split_into": sorted(split.new_code),
            "sites": hospitals.get(code, []),
            "search_terms": search_terms(hospitals.get(code, [])),
            "metrics": metrics,
            "figure": figs[code],
            "spine": spines.get(code),
            "spc_figure": spc_figs.get(code),
            "worse": _count_latest(metrics, "worse"),
            "better": _count_latest(metrics, "better"),
            "counts_sentence": org_counts_sentence(
                [(m["spec"], m["latest"]) for m in metrics if m["latest"]],
                ctx.run.settings.org_type,
            ),
            "plans": plan_views,
            "plan_latest": _plan_latest_counts(plan_views),
            "priorities": priorities,
            "assessment": av.org_assessment(ctx, code, published, tables),
            "shmi": shmi_lines.get(code, ""),
        }
        _write(ctx.paths.orgs / f"{code}.qmd", template.render(o=view, **common))
        views.append(view)
    return views


_BETTER = {"higher_is_better": "higher", "lower_is_better": "lower"}


def _spine_jobs(
    ctx: SiteContext, codes: list[str], res: pd.DataFrame, orgs: pd.DataFrame
) -> list[figures_card.SpineJob]:
    """A spine chart per organisation: each metric in its latest year with a value, against
    England and the spread of every organisation of the type that year."""
    allv = ctx.results[ctx.results.value.notna()]
    g = allv.groupby(["metric_id", "period"], sort=False).value
    # the spread of every (metric, year): count, minimum, quartiles, maximum (as describe())
    spread = {
        k: v
        for k, *v in zip(
            g.count().index,
            g.count(),
            g.min(),
            g.quantile(0.25),
            g.quantile(0.75),
            g.max(),
            strict=True,
        )
    }
    eng = dict(zip(zip(ctx.england.metric_id, ctx.england.period, strict=True),
                   ctx.england.value, strict=True))  # fmt: skip
    words = unit_words(ctx.run.settings.org_type)
    # each organisation's latest year with a value, per metric
    own = res[res.value.notna()].sort_values("period", kind="stable")
    latest: dict[tuple[str, str], Any] = {(r.org_code, r.metric_id): r for r in own.itertuples()}
    jobs = []
    for code in codes:
        rows = []
        tests: dict[str, int] = {}  # the tests behind the judged markers
        for spec in ctx.run.metrics:
            r = latest.get((code, spec.id))
            if r is None:
                continue
            key = (spec.id, r.period)
            if key not in spread or key not in eng or spread[key][0] < 2:
                continue
            _n, low, q1, q3, high = spread[key]
            # "71.2% (2024/25, 10 of 12 months)" for a value of part of the year
            part = ctx.coverage.part_text(spec.id, r.period, r.months_covered)
            part = f", {part}" if part else ""
            if not is_context(spec):
                test = r.comparison_test if isinstance(r.comparison_test, str) else ""
                tests[test] = tests.get(test, 0) + 1
            rows.append(
                figures_card.SpineRow(
                    label=spec.short_title,
                    value=float(r.value),
                    england=float(eng[key]),
                    low=float(low),
                    q1=float(q1),
                    q3=float(q3),
                    high=float(high),
                    better=_BETTER.get(spec.polarity, ""),
                    comparison=str(r.comparison_headline or "not_compared"),
                    value_text=f"{fmt_value(float(r.value), spec)} ({r.period}{part})",
                )
            )
        if rows:
            jobs.append(
                figures_card.SpineJob(
                    org_code=code,
                    org_name=str(orgs.org_name.get(code, code)),
                    path=ctx.paths.figures / "orgs" / f"{code}_spine.png",
                    rows=tuple(rows),
                    units=f"{words['units']} of the same type",
                    judged_by=judged_by_words(
                        tests, ctx.run.settings.org_type, ("metric", "metrics")
                    ),
                )
            )
    return jobs


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


def _org_plans(rows: pd.DataFrame | None, specs: dict[str, MetricSpec]) -> list[dict]:
    """One entry per metric with a plan: its label and every year's planned against actual."""
    if rows is None or rows.empty:
        return []
    by_metric: dict[str, list[Any]] = {}
    for r in rows.sort_values("period", kind="stable").itertuples():
        by_metric.setdefault(r.metric_id, []).append(r)
    out = []
    for metric_id, g in by_metric.items():
        spec = specs[metric_id]
        years = [_plan_row(r, spec) for r in g]
        out.append(
            {
                "spec": spec,
                "label": spec.plan.label if spec.plan else "",
                "years": years,
                "latest": years[-1],
            }
        )
    order = {m: i for i, m in enumerate(specs)}
    return sorted(out, key=lambda v: order[v["spec"].id])


def _plan_latest_counts(plan_views: list[dict]) -> dict:
    if not plan_views:
        return {}
    period = max(v["latest"]["period"] for v in plan_views)
    latest = [v["latest"] for v in plan_views if v["latest"]["period"] == period]
    return {
        "period": period,
        "n": len(latest),
        **{k: sum(1 for x in latest if x["status"] == k) for k in PLAN_STATUSES},
    }


def _spc_view(t: dict | None) -> dict | None:
    if t is None:
        return None
    return {
        "months": f"{t['spc_first_month']} to {t['spc_last_month']} ({t['spc_points']} months)",
        "variation": VARIATION_TEXT.get(t["variation"] or "", t["variation"]),
        "assurance": ASSURANCE_TEXT.get(t["assurance"] or "", t["assurance"]),
        "trend": TREND_TEXT.get(t["trend_assessment"], t["trend_assessment"]),
        "trend_quarters": int(t["trend_quarters"]),
    }


def _count_latest(metrics: list[dict], comparison: str) -> int:
    """How many metrics' latest years have this headline comparison (context metrics, which
    make no judgement, are never better or worse)."""
    return sum(1 for m in metrics if m["latest"] and m["latest"]["headline"] == comparison)


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
