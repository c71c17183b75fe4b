"""The report cards: one page per published organisation (``orgs/<code>.qmd``) with its trend,
spine and SPC charts (desktop and phone layouts, :mod:`helpers.publish.figures_card`,
:mod:`helpers.publish.figures_phone`), its values against England and its peers, its plans, the
hospitals it runs and, with an assessment, its segment and what would move it
(:mod:`helpers.publish.assessment_views`). Written by :func:`helpers.publish.pages.write_pages`,
one kernel for every card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment

from helpers.compare.plans import PLAN_STATUSES
from helpers.compare.spc_trend import spc_points
from helpers.publish import assessment_views as av
from helpers.publish import (
    context_views,
    figures,
    figures_card,
    figures_phone,
)
from helpers.publish.context import SiteContext
from helpers.publish.page_rows import _plan_row, _row_view, _write
from helpers.publish.sites import search_terms, sites_by_org
from helpers.publish.text import (
    ASSURANCE_TEXT,
    TREND_TEXT,
    VARIATION_TEXT,
    fmt_value,
    is_context,
    judged_by_words,
    org_counts_sentence,
    subtype_words,
    unit_words,
)
from helpers.settings import MetricSpec

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
