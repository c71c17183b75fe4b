"""The pages of a framework assessment: NHS England's Oversight Framework recomputed from its
published metric values, quarter by quarter (``framework:`` in the settings).

Pages, in the run folder: the overview (``index.qmd``), the league tables (``league.qmd`` and one
page per quarter under ``league/``), a report card per trust (``orgs/``), the methodology (the
scoring rules found, the reproduction tables, what each likely range measures) and the downloads.
Every page says what the assessment is (the site's status sentence) and which data and code made
it (``_provenance.md``). The tables the pages read are written by ``notebooks/framework/``:
``framework_trusts``, ``framework_domains``, ``framework_metric_scores``,
``nof_reproduction_summary``, ``nof_reproduction_metrics``, ``likely_ranges_vs_nhse``,
``likely_range_methods`` and ``segment_movement`` (:mod:`helpers.assess.nof_assessment`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment

from helpers.core.paths import RunPaths
from helpers.core.tables import load_table
from helpers.publish import league_html
from helpers.publish.site_index import status_markdown
from helpers.publish.templating import template_env
from helpers.settings import LoadedAssessment

#: the result tables of a framework assessment and what each holds (the downloads page)
TABLES = {
    "framework_trusts": "One row per quarter and trust: our recomputed average score, "
    "segments and league rank with its likely ranges, beside NHS England's published figures.",
    "framework_domains": "One row per quarter, trust and domain: our domain score and segment "
    "beside NHS England's.",
    "framework_metric_scores": "One row per quarter, trust and metric: NHS England's published "
    "value, its quartiles across the trusts, our score and NHS England's.",
    "nof_reproduction_metrics": "Every score, domain score, average and segment compared with NHS "
    "England's, with the difference and the reason where they differ.",
    "nof_reproduction_summary": "How many of each level agree with NHS England, per quarter.",
    "likely_ranges_vs_nhse": "The Q4 likely ranges of NHS England's league table beside ours, "
    "reproduced by its method.",
    "likely_range_methods": "What changes between NHS England's likely ranges and the "
    "quarter-to-quarter ranges.",
    "segment_movement": "Each trust's segment in every quarter and whether a change is more "
    "than its likely range allows.",
    "ledger": "Every input file, with every row accounted for.",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def quarter_href(quarter: str, cohort: str | None = None) -> str:
    """A quarter's league page, relative to the assessment's folder ('Q4 2025/26' ->
    'league/q4-2025-26.qmd'); with tables by subtype (``cohort``), one page per cohort too
    ('league/community-q4-2025-26.qmd')."""
    return f"league/{_slug(cohort) + '-' if cohort else ''}{_slug(quarter)}.qmd"


def fmt2(x: Any) -> str:
    v = float(x) if x is not None else float("nan")
    return f"{v:.2f}" if np.isfinite(v) else "–"


def fmt_int(x: Any) -> str:
    v = float(x) if x is not None else float("nan")
    return f"{v:.0f}" if np.isfinite(v) else "–"


#: how a metric's score was obtained, in a table cell (see nof_assessment.HOW)
HOW_SHORT = {
    "recomputed": "recomputed",
    "wider": "NHS England's (wider cohort)",
    "given": "NHS England's (no value published)",
}


def with_units(value: Any, units: Any) -> str:
    """A published value with its unit ('5.49%', '6.73 out of 10'); '–' when there is none."""
    v = float(value) if value is not None else float("nan")
    if not np.isfinite(v):
        return "–"
    u = units if isinstance(units, str) else ""
    if u == "%":
        return f"{v:g}%"
    return f"{v:g} {u}".strip()


def rank_range(lo: Any, hi: Any) -> str:
    return f"{fmt_int(lo)} to {fmt_int(hi)}"


def score_range(lo: Any, hi: Any) -> str:
    return f"{fmt2(lo)} to {fmt2(hi)}"


@dataclass
class FrameworkContext:
    """What the framework pages read: the run and its result tables."""

    run: LoadedAssessment
    paths: RunPaths
    provenance: dict
    trusts: pd.DataFrame
    domains: pd.DataFrame
    metric_scores: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    ranges_vs_nhse: pd.DataFrame
    methods: pd.DataFrame
    movement: pd.DataFrame
    extra: dict[str, Any]

    @property
    def quarters(self) -> list[str]:
        q = self.trusts.drop_duplicates("quarter").sort_values("quarter_number")
        return q["quarter"].tolist()

    @property
    def latest(self) -> str:
        return self.quarters[-1]


def load_framework_context(
    run: LoadedAssessment, paths: RunPaths, provenance: dict, extra: dict[str, Any]
) -> FrameworkContext:
    """The result tables written by the framework notebooks; ``extra``: figures and words the
    notebooks computed (the rules found, the method texts)."""

    def table(name: str) -> pd.DataFrame:
        return (
            load_table(paths.results, name)
            if (paths.results / f"{name}.csv").exists()
            else (pd.DataFrame())
        )

    return FrameworkContext(
        run=run,
        paths=paths,
        provenance=provenance,
        trusts=table("framework_trusts"),
        domains=table("framework_domains"),
        metric_scores=table("framework_metric_scores"),
        summary=table("nof_reproduction_summary"),
        differences=table("nof_reproduction_metrics"),
        ranges_vs_nhse=table("likely_ranges_vs_nhse"),
        methods=table("likely_range_methods"),
        movement=table("segment_movement"),
        extra=extra,
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def common_context(ctx: FrameworkContext) -> dict:
    fw = ctx.run.settings.framework
    assert fw is not None
    return {
        "a": ctx.run.settings,
        "fw": fw,
        "prov": ctx.provenance,
        "status": status_markdown(ctx.run.site),
        "quarters": ctx.quarters,
        # tables by subtype (framework.cohort: by_subtype): one league page per cohort too
        "multi": bool(ctx.trusts.cohort.nunique() > 1),
        "latest": ctx.latest,
        "n_trusts": int(ctx.trusts.org_code.nunique()),
        "level_pct": f"{fw.uncertainty.level:.0%}",
        "draws": fw.uncertainty.draws,
        "x": ctx.extra,
    }


def league_rows(year: pd.DataFrame) -> list[dict]:
    """One quarter's league rows for :func:`helpers.publish.league_html.table_html`."""
    rows = []
    for r in year.sort_values(["rank", "org_code"], kind="stable").itertuples():
        seg = int(r.segment)
        note = ""
        if bool(r.override) and int(r.unadjusted_segment) < seg:
            note = f"capped at {seg} for a deficit; {int(r.unadjusted_segment)} before"
        nhse = (
            f"segment {int(r.nhse_segment)}, average score {fmt2(r.nhse_average_score)}"
            if pd.notna(r.nhse_segment)
            else ""
        )
        rows.append(
            {
                "code": r.org_code,
                "name": r.org_name,
                "linked": True,
                "segment": seg,
                "segment_filter": f"Segment {seg}",
                "segment_note": note,
                "score": fmt2(r.average_score),
                "score_value": float(r.average_score),
                "score_lower": float(r.average_lower),
                "score_upper": float(r.average_upper),
                "score_range": score_range(r.average_lower, r.average_upper),
                "rank": int(r.rank),
                "rank_lower": float(r.rank_lower),
                "rank_upper": float(r.rank_upper),
                "rank_range": rank_range(r.rank_lower, r.rank_upper),
                "region_filter": r.region,
                "subtype_filter": r.trust_subtype,
                "deficit": "yes: segment capped at 3 (the financial override)"
                if bool(r.override)
                else "no",
                "nhse": nhse,
            }
        )
    return rows


def cohort_of(ctx: FrameworkContext, cohort: str) -> str | None:
    """The cohort in a page's address: none when every trust is in one table."""
    return cohort if ctx.trusts.cohort.nunique() > 1 else None


def league_pages(ctx: FrameworkContext, env: Environment, common: dict) -> list[dict]:
    """One league page per quarter (and per cohort, with tables by subtype), and the hub."""
    views = []
    fw = ctx.run.settings.framework
    assert fw is not None
    for q in ctx.quarters:
        for cohort, year in ctx.trusts[ctx.trusts.quarter == q].groupby("cohort", sort=True):
            n = len(year)
            rows = league_rows(year)
            caption = f"League table: {cohort}, {q} ({n} trusts)"
            href = quarter_href(q, cohort_of(ctx, str(cohort)))
            table_id = "league-" + Path(href).stem
            table = league_html.table_html(table_id, caption, rows, n, "../orgs/{code}.qmd")
            counts = year.segment.value_counts().sort_index()
            view = {
                "quarter": q,
                "cohort": str(cohort),
                "href": href,
                "n": n,
                "segments": [(int(s), int(c)) for s, c in counts.items()],
                "agree": int((year.segment == year.nhse_segment).sum()),
                "override": int(year.override.astype(bool).sum()),
            }
            text = env.get_template("framework_league_quarter.qmd.j2").render(
                v=view, table=table, assets=league_html.assets_html("../../../"), **common
            )
            _write(ctx.paths.base / href, text)
            views.append(view)
    _write(
        ctx.paths.base / "league.qmd",
        env.get_template("framework_league.qmd.j2").render(pages=views, **common),
    )
    return views


def _quarter_rows(t: pd.DataFrame, multi: bool) -> list[dict]:
    out = []
    for r in t.sort_values("quarter_number").itertuples():
        out.append(
            {
                "quarter": r.quarter,
                "href": "../" + quarter_href(r.quarter, str(r.cohort) if multi else None),
                "segment": int(r.segment),
                "nhse_segment": fmt_int(r.nhse_segment),
                "unadjusted": int(r.unadjusted_segment),
                "override": bool(r.override),
                "average": fmt2(r.average_score),
                "average_range": score_range(r.average_lower, r.average_upper),
                "nhse_average": fmt2(r.nhse_average_score),
                "rank": int(r.rank),
                "rank_range": rank_range(r.rank_lower, r.rank_upper),
                "n_scored": int(r.n_scored),
            }
        )
    return out


def org_view(ctx: FrameworkContext, code: str) -> dict:
    t = ctx.trusts[ctx.trusts.org_code == code]
    last = t.sort_values("quarter_number").iloc[-1]
    n = int(((ctx.trusts.quarter == last.quarter) & (ctx.trusts.cohort == last.cohort)).sum())
    dom = ctx.domains[(ctx.domains.org_code == code) & (ctx.domains.quarter == last.quarter)]
    met = ctx.metric_scores[
        (ctx.metric_scores.org_code == code) & (ctx.metric_scores.quarter == last.quarter)
    ]
    mov = ctx.movement[ctx.movement.org_code == code]
    return {
        "code": code,
        "name": str(last.org_name),
        "subtype": str(last.trust_subtype),
        "region": str(last.region),
        "latest": last.quarter,
        "n": n,
        "segment": int(last.segment),
        "nhse_segment": fmt_int(last.nhse_segment),
        "same_as_nhse": pd.notna(last.nhse_segment) and int(last.nhse_segment) == int(last.segment),
        "unadjusted": int(last.unadjusted_segment),
        "override": bool(last.override),
        "average": fmt2(last.average_score),
        "average_range": score_range(last.average_lower, last.average_upper),
        "rank": int(last["rank"]),
        "rank_range": rank_range(last.rank_lower, last.rank_upper),
        "other_rank_range": rank_range(last.get("other_rank_lower"), last.get("other_rank_upper"))
        if pd.notna(last.get("other_rank_lower"))
        else "",
        "quarters": _quarter_rows(t, ctx.trusts.cohort.nunique() > 1),
        "domains": [
            {
                "domain": r.domain,
                "score": fmt2(r.score),
                "nhse_score": fmt2(r.nhse_score),
                "segment": fmt_int(r.segment),
                "nhse_segment": fmt_int(r.nhse_segment),
            }
            for r in dom.sort_values("domain").itertuples()
        ],
        "metrics": [
            {
                "domain": r.domain,
                "title": r.description,
                "value": with_units(r.value, r.units),
                "median": with_units(r.median_value, r.units),
                "score": fmt2(r.score),
                "nhse_score": fmt2(r.nhse_score),
                "how": HOW_SHORT.get(str(r.how_scored), ""),
            }
            for r in met.sort_values(["domain", "metric_id"]).itertuples()
        ],
        "movement": str(mov.iloc[0]["text"]) if len(mov) else "",
    }


def movement_rows(ctx: FrameworkContext) -> list[dict]:
    """The trusts whose segment changed between the first quarter and the last."""
    m = ctx.movement
    if m.empty:
        return []
    cols = [f"segment_{q.split()[0].lower()}" for q in ctx.quarters]
    rows = []
    for r in m[m.change != 0].sort_values(["change", "org_code"], kind="stable").to_dict("records"):
        rows.append(
            {
                "code": r["org_code"],
                "name": r["org_name"],
                "segments": [fmt_int(r.get(c)) for c in cols],
                "way": "worse" if r["change"] > 0 else "better",
                "apart": "no: the move is larger than that spread"
                if r["ranges_apart"]
                else "yes: the move may be no more than the spread of its scores",
            }
        )
    return rows


def write_framework_pages(ctx: FrameworkContext) -> dict[str, int]:
    """Write every page of the framework assessment into the run folder; page counts."""
    env = template_env()
    common = common_context(ctx)
    p = ctx.paths
    _write(p.base / "_provenance.md", env.get_template("provenance.md.j2").render(**common))
    leagues = league_pages(ctx, env, common)
    codes = sorted(ctx.trusts.org_code.unique())
    cards = [org_view(ctx, c) for c in codes]
    for o in cards:
        _write(
            p.orgs / f"{o['code']}.qmd",
            env.get_template("framework_org.qmd.j2").render(o=o, **common),
        )
    _write(
        p.orgs / "index.qmd",
        env.get_template("framework_orgs_index.qmd.j2").render(orgs=cards, **common),
    )
    latest = ctx.trusts[ctx.trusts.quarter == ctx.latest]
    _write(
        p.base / "index.qmd",
        env.get_template("framework_overview.qmd.j2").render(
            leagues=leagues,
            n_override=int(latest.override.astype(bool).sum()),
            moved=movement_rows(ctx),
            **common,
        ),
    )
    _write(
        p.base / "methodology.qmd",
        env.get_template("framework_methodology.qmd.j2").render(**common),
    )
    tables = [
        {"stem": k, "text": v} for k, v in TABLES.items() if (p.results / f"{k}.csv").exists()
    ]
    _write(
        p.base / "downloads.qmd",
        env.get_template("framework_downloads.qmd.j2").render(tables=tables, **common),
    )
    return {"report_cards": len(cards), "league_pages": 1 + len(leagues)}


def framework_summary(ctx: FrameworkContext, notebooks: list[str]) -> dict:
    """``results/summary.json`` of a framework assessment (the home page and the sidebar)."""
    s = ctx.run.settings
    return {
        "id": s.id,
        "title": s.title,
        "short_title": s.short_title,
        "summary": s.summary,
        "organisations": int(ctx.trusts.org_code.nunique()),
        "metrics": [],
        "headlines": list(ctx.extra.get("headlines", [])),
        "notebooks": notebooks,
        "org_type": s.org_type,
        "role": s.role,
        "topic": s.topic,
        "kind": s.kind,
    }
