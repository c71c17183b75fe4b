"""What the pages show of the assessment (``helpers.assess``): the league table, the assessment
section of each report card, each metric's scoring rule and the methodology's rules and NOF
reproduction. Numbers come from the published tables (``results/assessment.csv``,
``metric_scores.csv``, ``segment_changes.csv``), formatted as ``league_table.csv`` formats them,
so the pages and the downloads agree.

Views hold plain text taken from the data; the templates escape it for where it lands
(``md``, ``yaml_str``: :mod:`helpers.publish.templating`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.assess import rules_text, scoring_rules_table, summary_text
from helpers.publish import figures_metric
from helpers.publish.disclosure import SUPPRESSED_MODE
from helpers.publish.periods import scored_metrics_view, shared_change_text
from helpers.publish.text import (
    SUPPRESSED,
    change_range_words,
    change_words,
    fixed,
    fmt_diff,
    fmt_value,
    is_true,
    lower_first,
    ordinal,
    subtype_words,
)
from helpers.settings import LoadedAssessment, MetricSpec

SEGMENTS = (1, 2, 3, 4)
#: the scoring mode of a metric, in words (``MetricSpec.score_mode``)
SCORING_MODE_TEXT = {
    "continuous": "Continuous",
    "discrete": "Bands",
    "target": "National target",
    "none": "Not scored",
}
#: a group of organisations that cannot be told apart is named in full up to this size
GROUP_NAMES_MAX = 12
#: the optional files of the NOF reproduction (written for the real UEC assessment only)
NOF_AGREEMENT = "nof_agreement.csv"
NOF_CORRELATION = "nof_rank_correlation.json"
NOF_CUTOFFS = "nof_cutoffs.csv"
NOF_REPRODUCTION = "nof_reproduction.csv"
NHSE_COMPARISON = "nhse_comparison.csv"
NHSE_CROSSTAB = "nhse_segment_crosstab.csv"
NHSE_SUMMARY = "nhse_comparison.json"


def _num(v: Any) -> float:
    """A number from a result table (NA, None and text as NaN)."""
    try:
        return float(v) if v is not None and not pd.isna(v) else np.nan
    except (TypeError, ValueError):
        return np.nan


def _text(v: Any) -> str:
    """Text from a result table ("" for NA)."""
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _int(v: Any) -> int | None:
    x = _num(v)
    return int(round(x)) if np.isfinite(x) else None


def _range(lo: Any, hi: Any, spec: str) -> str:
    """ "a to b" as ``league_table.csv`` writes a likely range ("" when missing)."""
    a, b = _num(lo), _num(hi)
    if not (np.isfinite(a) and np.isfinite(b)):
        return ""
    if spec == "d":
        return f"{int(round(a))} to {int(round(b))}"
    decimals, signed = int(spec.strip("+f.")), spec.startswith("+")
    return f"{fixed(a, decimals, signed)} to {fixed(b, decimals, signed)}"  # never "-0.00"


def fmt_score(v: Any) -> str:
    """An average or metric score as ``league_table.csv`` rounds it (2 decimals)."""
    x = _num(v)
    return f"{np.round(x, 2):.2f}" if np.isfinite(x) else "n/a"


def fmt_probability(p: Any) -> str:
    """A simulated probability as a percentage: never "0%" or "100%" (a finite simulation
    cannot rule anything in or out), but "less than 1%" and "more than 99%"."""
    x = _num(p)
    if not np.isfinite(x):
        return ""
    if x < 0.01:
        return "less than 1%"
    if x > 0.99:
        return "more than 99%"
    return f"{x * 100:.0f}%"


def stability_text(r: Any) -> str:
    """How stable the segment is under the reasonable alternative rules of the sensitivity
    analysis, e.g. "the same under 3 of 5 rule sets tried (2 to 3 across them)"; "" where not
    known (not segmented, or segment 5 by a reviewed decision)."""
    k, n = _int(r.get("segment_rule_sets_agree")), _int(r.get("segment_rule_sets"))
    if _int(r.get("segment")) is None or k is None or n is None:
        return ""
    if k == n:
        return f"the same under all {n} rule sets tried"
    best, worst = _int(r.get("segment_rules_best")), _int(r.get("segment_rules_worst"))
    spread = f" ({best} to {worst} across them)" if best is not None and worst is not None else ""
    return f"the same under {k} of {n} rule sets tried{spread}"


def latest_period(assessment: pd.DataFrame) -> str:
    return str(assessment.period.max())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "cohort"


def override_text(run: LoadedAssessment) -> str:
    """The financial override of this assessment in a sentence."""
    fo = run.settings.assess.financial_override
    if fo is None:
        return (
            "No financial override applies in this assessment (it has no financial data), so "
            "every segment is the one its average score gives."
        )
    return (
        f"An organisation in financial deficit is placed no better than segment "
        f"{fo.max_segment}, whatever its average score (the financial override of the NHS "
        "Oversight Framework). Where this moved an organisation down, both segments are shown."
    )


def deficit_words(ctx: Any, r: Any) -> str:
    """Why an organisation counts as in deficit, in words: the deficit metric's value against
    the bound (from the results), else the basis the assessment recorded."""
    fo = ctx.run.settings.assess.financial_override
    basis = _text(r.deficit_basis)
    if fo is not None and fo.metric and fo.metric in ctx.specs:
        spec = ctx.specs[fo.metric]
        res = ctx.results
        hit = res[
            (res.org_code == r.org_code)
            & (res.metric_id == fo.metric)
            & (res.period.astype(str) == str(r.period))
        ]
        if len(hit) and np.isfinite(_num(hit.value.iloc[0])):
            bound = fmt_value(fo.deficit_below, spec)
            value = fmt_value(_num(hit.value.iloc[0]), spec)
            return f"{spec.short_title} was {value}, below {bound}"
    if fo is not None and fo.deficit_register:
        return "recorded as in deficit in the deficit register" + (f" ({basis})" if basis else "")
    return basis


def _segment_note(r: Any) -> str:
    """Why the published segment differs from the unadjusted one ("" when it does not)."""
    seg, unadj = _int(r.segment), _int(r.segment_unadjusted)
    if seg is None or unadj is None or seg == unadj:
        return ""
    if seg == 5:
        return f"{unadj} before review; segment 5 by review"
    return f"{unadj} before the financial override"


def _p_own_segment(r: Any) -> str:
    seg = _int(r.segment)
    if seg not in SEGMENTS:
        return ""
    return fmt_probability(getattr(r, f"p_segment_{seg}"))


def _deficit(v: Any) -> str:
    if v is None or pd.isna(v):
        return ""
    return "Yes" if bool(v) else "No"


def _plans_text(r: Any) -> tuple[str, float]:
    n = _num(getattr(r, "plans", None))
    kept = _num(getattr(r, "plan_delivery", None))
    if not (np.isfinite(n) and n > 0 and np.isfinite(kept)):
        return "", -1.0
    return f"{round(kept * n):.0f} of {n:.0f} ({kept:.0%})", kept


def _stability_short(r: Any) -> str:
    """ "3 of 5 rule sets" (the segment's rule stability in a table cell), "" where unknown."""
    k = _int(getattr(r, "segment_rule_sets_agree", None))
    n = _int(getattr(r, "segment_rule_sets", None))
    return f"{k} of {n} rule sets" if k is not None and n is not None else ""


def _league_rows(year: pd.DataFrame, published: set[str]) -> list[dict]:
    """The rows of one cohort's league table in league order: the text shown, the numbers the
    interval charts and sorting use, and the plain values the filters match."""
    sizes = year.indistinguishable_group.value_counts()
    rows = []
    for r in year.itertuples():
        group = _int(r.indistinguishable_group)
        seg = _int(r.segment)
        plans, plans_value = _plans_text(r)
        rows.append(
            {
                "rank": _int(r.rank),
                "rank_range": _range(r.rank_lower, r.rank_upper, "d"),
                "rank_lower": _int(r.rank_lower),
                "rank_upper": _int(r.rank_upper),
                "code": r.org_code,
                "name": r.org_name,
                "linked": r.org_code in published,
                "specialist": is_true(r.specialist),
                "score": fmt_score(r.average_score),
                "score_range": _range(r.average_score_lower, r.average_score_upper, ".2f"),
                "score_value": _num(r.average_score),
                "score_lower": _num(r.average_score_lower),
                "score_upper": _num(r.average_score_upper),
                "segment": seg,
                "segment_filter": str(seg) if seg else "",
                "segment_note": _segment_note(r),
                # rule stability (sensitivity.csv): how many of the rule sets tried give it
                # this segment; absent from an assessment written before these columns
                "rule_sets_agree": _int(getattr(r, "segment_rule_sets_agree", None)),
                "rule_sets": _int(getattr(r, "segment_rule_sets", None)),
                "p_segment": _p_own_segment(r),
                "p_segments": "; ".join(
                    f"{s}: {fmt_probability(getattr(r, f'p_segment_{s}'))}" for s in SEGMENTS
                ),
                "deficit": _deficit(r.in_deficit),
                "plans": plans,
                "plans_value": plans_value,
                "persistent_filter": "Yes" if is_true(r.persistent_failure) else "No",
                "consequence": _text(r.consequence),
                "consequence_rule": _text(getattr(r, "consequence_rule", "")).replace("_", " "),
                "stability": _stability_short(r),
                "metrics": f"{_int(r.metrics_scored)} of {_int(r.metrics_in_cohort)}"
                if _int(r.metrics_scored) is not None
                else "",
                "fewer_metrics": (_int(r.metrics_scored) or 0) < (_int(r.metrics_in_cohort) or 0),
                "region_filter": _text(getattr(r, "region", "")),
                "subtype_filter": subtype_words(_text(getattr(r, "org_subtype", ""))),
                "group": group,
                "group_size": int(sizes.get(r.indistinguishable_group, 0)) if group else 0,
            }
        )
    return rows


def league_href(cohort: str, period: str) -> str:
    """A cohort-and-year league page, relative to the assessment's folder."""
    return f"league/{_slug(cohort)}-{_slug(period)}.qmd"


def league_view(ctx: Any, words: dict[str, str]) -> dict | None:
    """The league hub page: rules, caveats, the scoring rules and a link to every cohort's table
    in every year (latest first), with its segment counts."""
    a = ctx.assessment
    if a is None or a.empty:
        return None
    period = latest_period(a)
    pages = []
    for (p, cohort), g in sorted(
        a.groupby(["period", "cohort"], sort=True), key=lambda kv: (-_year(kv[0][0]), kv[0][1])
    ):
        seg = g[g.segment.notna()]
        counts = seg.segment.astype(float).round().astype(int).value_counts()
        pages.append(
            {
                "period": str(p),
                "cohort": str(cohort),
                "href": league_href(str(cohort), str(p)),
                "n": len(g),
                "n_segmented": len(seg),
                "counts": [(s, int(counts.get(s, 0))) for s in (*SEGMENTS, 5) if s in counts],
                "persistent": int(seg.persistent_failure.fillna(False).astype(bool).sum()),
            }
        )
    scoring = scoring_view(ctx.run)
    specs = {m.id: m for m in ctx.run.metrics}
    return {
        "period": period,
        "scored": scored_metrics_view(getattr(ctx, "metric_scores", None), specs),
        "partial": [
            n
            for p in sorted({pg["period"] for pg in pages}, key=_year, reverse=True)
            if (n := _part_years(ctx, p))
        ],
        "summary": summary_text(a, words),
        "rules": rules_text(ctx.run),
        "scoring": scoring,
        "scoring_rules": scoring_rules_view(ctx.run),
        "n_scored": sum(1 for r in scoring if r["scored"]),
        "override": override_text(ctx.run),
        "has_override": ctx.run.settings.assess.financial_override is not None,
        "n_draws": f"{ctx.run.settings.assess.n_draws:,}",
        "quartiles": ctx.run.settings.assess.segmentation == "quartiles",
        "pages": pages,
        "periods": sorted({pg["period"] for pg in pages}, key=_year, reverse=True),
    }


def _year(period: Any) -> int:
    m = re.match(r"\d{4}", str(period))
    return int(m.group(0)) if m else 0


def _part_years(ctx: Any, period: str, cohort: str | None = None) -> str:
    """The sentence naming the metrics scored in ``period`` (in ``cohort``, else any) whose
    values cover part of the year ("" when none, or without the metric scores)."""
    ms, cov = getattr(ctx, "metric_scores", None), getattr(ctx, "coverage", None)
    if ms is None or ms.empty or cov is None:
        return ""
    mine = ms[(ms.period.astype(str) == period) & ms.score.notna()]
    if cohort is not None:
        mine = mine[mine.cohort == cohort]
    specs = ctx.specs
    ids = [m for m in dict.fromkeys(mine.metric_id) if m in specs]
    return cov.note(period, {m: specs[m].short_title for m in ids})


def league_cohort_view(
    ctx: Any, cohort: str, period: str, published: set[str], fig_dir: Path
) -> dict:
    """One cohort's league table in one year: its rows in league order, its caterpillar figure,
    the organisations not segmented, and the same cohort's other years."""
    a = ctx.assessment
    g = a[(a.period == period) & (a.cohort == cohort)]
    g = g.sort_values(["rank", "org_code"], na_position="last")
    seg = g[g.segment.notna()]
    fig = None
    if len(seg):
        fig = figures_metric.league_chart(
            seg, cohort, period, fig_dir / f"league_{_slug(cohort)}_{_slug(period)}.png"
        )
    counts = seg.segment.astype(float).round().astype(int).value_counts()
    years = sorted(a[a.cohort == cohort].period.astype(str).unique(), key=_year, reverse=True)
    return {
        "name": cohort,
        "period": period,
        "latest": period == latest_period(a),
        "n": len(g),
        "n_segmented": len(seg),
        "n_metrics": int(g.metrics_in_cohort.max()) if len(g) else 0,
        "partial": _part_years(ctx, period, cohort),
        "counts": [(s, int(counts.get(s, 0))) for s in (*SEGMENTS, 5) if s in counts],
        "n_groups": int(seg.indistinguishable_group.nunique()),
        "persistent": int(seg.persistent_failure.fillna(False).astype(bool).sum()),
        "figure": fig,
        "rows": _league_rows(seg, published),
        "other_years": [
            {"period": y, "href": "../" + league_href(cohort, y)} for y in years if y != period
        ],
        "not_segmented": [
            {
                "code": r.org_code,
                "name": r.org_name,
                "linked": r.org_code in published,
                "reason": _text(r.segment_reason).removeprefix("not segmented: "),
            }
            for r in g[g.segment.isna()].sort_values("org_code").itertuples()
        ],
    }


def scoring_view(run: LoadedAssessment) -> list[dict]:
    """One row per metric: how it is scored, its weight and the rule in words."""
    table = scoring_rules_table(run)
    return [
        {
            "metric_id": r.metric_id,
            "metric": r.metric,
            "mode": r.scoring,
            "mode_text": SCORING_MODE_TEXT.get(r.scoring, r.scoring),
            "scored": r.scoring != "none",
            "weight": f"{float(r.weight):g}",
            "rule": r.rule,
            "linked": r.metric_id in {m.id for m in run.metrics},
        }
        for r in table.itertuples()
    ]


_DIRECTION = re.compile(r" \((higher|lower) is better\)")


def scoring_rules_view(run: LoadedAssessment) -> dict:
    """The scoring table of the methodology and the league hub, with each rule written once:
    a rule several metrics share (the same words but for which way is better) is ``shared``
    (``key`` "A", "B"..., ``text``, ``n`` metrics) and their rows say only "Rule A; higher is
    better"; a rule of one metric alone stays in its row (``rule_cell``)."""
    rows = scoring_view(run)
    generic = [_DIRECTION.sub("", r["rule"]) for r in rows]
    counts: dict[str, int] = {}
    for g in generic:
        counts[g] = counts.get(g, 0) + 1
    keys = {g: chr(ord("A") + i) for i, g in enumerate(g for g in counts if counts[g] > 1)}
    for r, g in zip(rows, generic, strict=True):
        direction = _DIRECTION.search(r["rule"])
        if g in keys:
            which = f"Rule {keys[g]}" if len(keys) > 1 else "The rule above"
            r["rule_cell"] = which + (f"; {direction.group(1)} is better" if direction else "")
        else:
            r["rule_cell"] = r["rule"]
    shared = [{"key": k, "text": g, "n": counts[g]} for g, k in keys.items()]
    return {"shared": shared, "rows": rows}


def metric_scoring(run: LoadedAssessment, spec: MetricSpec) -> dict:
    """A metric page's scoring rule, weight and share of the average score."""
    rows = {v["metric_id"]: v for v in scoring_view(run)}
    view = rows[spec.id]
    total = sum(float(v["weight"]) for v in rows.values() if v["scored"])
    view["total_weight"] = f"{total:g}"
    view["n_scored"] = sum(1 for v in rows.values() if v["scored"])
    return view


def _names(ctx: Any) -> dict[str, str]:
    return dict(zip(ctx.orgs.org_code, ctx.orgs.org_name, strict=False))


def _by_org(d: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    return {} if d is None or d.empty else dict(tuple(d.groupby("org_code", sort=False)))


@dataclass(frozen=True)
class OrgTables:
    """The assessment's tables split by organisation once (:func:`org_tables`), so that each
    report card looks its rows up instead of filtering every table."""

    latest: str
    assessment: dict[str, pd.DataFrame]
    metric_scores: dict[str, pd.DataFrame]
    segment_changes: dict[str, pd.DataFrame]
    #: (period, cohort, indistinguishable group) -> its organisations' rows
    groups: dict[tuple, pd.DataFrame]


def org_tables(ctx: Any) -> OrgTables | None:
    """The assessment's tables by organisation (``None`` when the assessment has not been run)."""
    a = ctx.assessment
    if a is None or a.empty:
        return None
    keys = ["period", "cohort", "indistinguishable_group"]
    return OrgTables(
        latest=latest_period(a),
        assessment=_by_org(a),
        metric_scores=_by_org(ctx.metric_scores),
        segment_changes=_by_org(ctx.segment_changes),
        groups=dict(tuple(a.groupby(keys, sort=False))),
    )


def org_assessment(
    ctx: Any, code: str, published: set[str], tables: OrgTables | None = None
) -> dict | None:
    """The report card's assessment section for the latest year (or, for an organisation not in
    it, such as one that closed, its own latest year), or ``None`` when the assessment has not
    been run. ``tables``: :func:`org_tables` of ``ctx`` (made here when not given; give it when
    writing many cards)."""
    if tables is None:
        tables = org_tables(ctx)
    if tables is None:
        return None
    latest = tables.latest
    mine = tables.assessment.get(code, ctx.assessment.iloc[:0])
    if mine.empty:
        return {"period": latest, "latest": latest, "assessed": False, "scores": [],
                "headline": []}  # fmt: skip
    period = str(mine.period.max())
    r = mine[mine.period == period].iloc[0]
    view: dict[str, Any] = {
        "period": period,
        "latest": latest,
        "assessed": True,
        "cohort": str(r.cohort),
        "specialist": is_true(r.specialist),
        "segmented": pd.notna(r.segment),
        "reason": _text(r.segment_reason).removeprefix("not segmented: "),
        "metrics_scored": _int(r.metrics_scored),
        "metrics_in_cohort": _int(r.metrics_in_cohort),
        "scores": _metric_scores(ctx, tables.metric_scores.get(code), period),
    }
    if not view["segmented"]:
        view["headline"] = headline(view)
        return view
    seg, unadj = _int(r.segment), _int(r.segment_unadjusted)
    size = _int(r.cohort_size)
    top, bottom = is_true(r.confidently_top_quartile), is_true(r.confidently_bottom_quartile)
    group = tables.groups.get((r.period, r.cohort, r.indistinguishable_group), mine.iloc[:0])
    group = group[group.org_code != code].sort_values(["rank", "org_code"])
    view |= {
        "score": fmt_score(r.average_score),
        "score_range": _range(r.average_score_lower, r.average_score_upper, ".2f"),
        "segment": seg,
        "unadjusted": unadj if unadj != seg else None,
        "segment_5": seg == 5,
        "overridden": unadj is not None and unadj != seg and seg != 5,
        "deficit": _deficit(r.in_deficit),
        "deficit_words": deficit_words(ctx, r) if is_true(r.in_deficit) else "",
        "rank": _int(r["rank"]),
        "rank_text": f"{ordinal(_int(r['rank']) or 0)} of {size}",
        "rank_range": _range(r.rank_lower, r.rank_upper, "d"),
        "cohort_size": size,
        "p_segments": [(s, fmt_probability(r[f"p_segment_{s}"])) for s in SEGMENTS],
        "p_top": fmt_probability(r.p_top_quartile),
        "p_bottom": fmt_probability(r.p_bottom_quartile),
        "confident": "top" if top else "bottom" if bottom else "",
        "group": _int(r.indistinguishable_group),
        "group_count": len(group),
        "group_members": [
            {"code": g.org_code, "name": g.org_name, "linked": g.org_code in published}
            for g in group.head(GROUP_NAMES_MAX).itertuples()
        ],
        "next": _next_segment(ctx, r, tables.segment_changes.get(code), period),
        "accountability": _accountability(r)
        | {"spc_metrics": _metric_names(ctx, r.get("spc_concern_metrics"))},
        "stability": stability_text(r),
        "rule_sets": _int(r.get("segment_rule_sets")),
        "rule_sets_agree": _int(r.get("segment_rule_sets_agree")),
        "rules_best": _int(r.get("segment_rules_best")),
        "rules_worst": _int(r.get("segment_rules_worst")),
    }
    cov = getattr(ctx, "coverage", None)  # part years named, never labelled as whole ones
    names = {x["spec"].id: x["spec"].short_title for x in view["scores"]}
    view["partial"] = cov.note(period, names) if cov else ""
    acc = view["accountability"]  # the change is on the metrics both years share: say so
    acc["shared"] = shared_change_text(tables.metric_scores.get(code), period, acc["previous"])
    acc["sentence"] = consequence_sentence(acc)
    view["headline"] = headline(view)
    return view


def overview_view(assessment: pd.DataFrame, orgs: pd.DataFrame) -> dict | None:
    """The assessment on the overview page, latest year: the segment distribution per cohort,
    the regional view (segments, persistent failures, turnaround, segment 5 candidates by
    region) and the movements since the year before (a transition table of segments, with how
    many changes of average score are more than chance)."""
    if assessment is None or assessment.empty:
        return None
    latest = latest_period(assessment)
    a = assessment[assessment.segment.notna()]
    now = a[a.period == latest]
    if now.empty:
        return None
    segs = [s for s in (1, 2, 3, 4, 5) if s <= 4 or (now.segment == 5).any()]

    def counts(g: pd.DataFrame) -> list[int]:
        return [int((g.segment == s).sum()) for s in segs]

    region = dict(zip(orgs.org_code, orgs.region, strict=False))
    now = now.assign(region=now.org_code.map(region).fillna("Unknown region"))
    now = now.assign(
        _pf=now.persistent_failure.fillna(False).astype(bool),
        _cand=now.segment_5_candidate.fillna(False).astype(bool),
        _turn=now.consequence_rule == "turnaround",
    )
    regions = [
        {
            "region": str(name),
            "organisations": len(g),
            "segments": counts(g),
            "persistent": int(g._pf.sum()),
            "turnaround": int(g._turn.sum()),
            "candidates": int(g._cand.sum()),
        }
        for name, g in now.groupby("region", sort=True)
    ]
    cohorts = [
        {"cohort": str(c), "organisations": len(g), "segments": counts(g)}
        for c, g in now.groupby("cohort", sort=True)
    ]
    moves = None
    if now.previous_segment.notna().any():
        both = now[now.previous_segment.notna()]
        moves = {
            "previous": str(both.previous_period.iloc[0]),
            "rows": [
                {
                    "from": s,
                    "counts": [
                        int(((both.previous_segment == s) & (both.segment == t)).sum())
                        for t in segs
                    ],
                }
                for s in segs
            ],  # fmt: skip
            "organisations": len(both),
            "same": int((both.previous_segment == both.segment).sum()),
            "significant": int(both.change_significant.fillna(False).astype(bool).sum()),
        }
    return {"period": latest, "segments": segs, "cohorts": cohorts, "regions": regions,
            "moves": moves, "rules": rule_dependence(now)}  # fmt: skip


def rule_dependence(year: pd.DataFrame) -> dict | None:
    """How many of one year's segmented organisations keep their segment under every rule set
    of the sensitivity analysis, and how many depend on the rules (``None`` when unknown)."""
    if "segment_rule_sets" not in year:
        return None
    known = year[year.segment_rule_sets.notna()]
    if known.empty:
        return None
    stable = int((known.segment_rule_sets_agree == known.segment_rule_sets).sum())
    n = len(known)
    return {
        "organisations": n,
        "stable": stable,
        "depend": n - stable,
        "depend_pct": f"{100 * (n - stable) / n:.0f}%",
        "rule_sets": int(known.segment_rule_sets.max()),
    }


def headline(s: dict) -> list[str]:
    """The report card's verdict in plain English, from its assessment view (``s``), robust
    findings first: the likely league rank, the quartile only when confident, the segment with
    how many reasonable rule sets give it and how sure the data make it (and plainly what is
    not robust), what the rules would imply, the change since last year (called more than chance
    only when it is) and what would move it up. Every sentence is built from the result tables;
    nothing is claimed that is not significant, and no probability is printed as certain."""
    if not s.get("segmented"):
        return [f"Not segmented in {s['period']}: {s['reason']}."] if s.get("assessed") else []
    seg, size = s["segment"], s["cohort_size"]
    out = [
        f"In {s['period']}, among the {size} {lower_first(s['cohort'])} of its cohort, its likely "
        f"league rank is {s['rank_range']}."
    ]
    if s.get("confident"):
        out.append(f"It is confidently in the {s['confident']} quarter of the cohort.")
    else:
        out.append("It cannot be placed with confidence in the top or the bottom quarter.")
    scored, of = s.get("metrics_scored"), s.get("metrics_in_cohort")
    if scored and of and scored < of:
        out.append(
            f"It was scored on {scored} of the cohort's {of} metrics, so its place rests on fewer "
            "measures than others' may."
        )
    p_own = dict(s["p_segments"]).get(seg, "")
    noise = (
        f" Allowing for chance in the data (not for the choice of rules), the probability that "
        f"it belongs in segment {seg} is {p_own}."
        if p_own
        else ""
    )
    n, k = s.get("rule_sets"), s.get("rule_sets_agree")
    if seg == 5:
        out.append("It is in segment 5 (intensive support) by a recorded, reviewed decision.")
    elif n and k == n:
        out.append(
            f"It is in segment {seg} under all {n} reasonable rule sets tried (the sensitivity "
            f"analysis).{noise}"
        )
    elif n:
        best, worst = s.get("rules_best"), s.get("rules_worst")
        out.append(
            f"It is in segment {seg} under this assessment's rules, but only {k} of the {n} "
            f"reasonable rule sets tried give segment {seg} (they range from {best} to {worst}): "
            f"its segment depends on the rules chosen, so read it with care.{noise}"
        )
    else:
        out.append(f"It is in segment {seg} of 4.{noise}")
    if s.get("overridden"):
        out.append(
            f"Its average score alone would place it in segment {s['unadjusted']}; the financial "
            f"override placed it in segment {seg}."
        )
    acc = s.get("accountability") or {}
    implication = consequence_sentence(acc)
    if implication:
        out.append(implication)
    if acc.get("change"):
        on = f" {acc['shared']}" if acc.get("shared") else ""
        out.append(
            f"Since {acc['previous']} its average score {acc['change_words']}{on}, more than "
            "chance would explain."
            if acc.get("change_significant")
            else f"Since {acc['previous']} its average score {acc['change_words']}{on}, within "
            "what chance alone could explain."
        )
    nxt = s.get("next")
    if nxt:
        out.append(
            f"To reach segment {nxt['segment']} its average score would need to be at most "
            f"{nxt['boundary']}, {nxt['gap']} better than now."
        )
    if s.get("partial"):  # "In 2024/25, A&E 4-hour performance covers 10 of 12 months."
        out.append(s["partial"])
    return out


def _metric_names(ctx: Any, ids: Any) -> list[str]:
    """The short titles of the metric ids in ``ids`` ("a;b", as the result tables list them)."""
    specs = ctx.specs
    return [specs[i].short_title if i in specs else i for i in _text(ids).split(";") if i]


def consequence_sentence(acc: dict) -> str:
    """What the assessment's rules imply for an organisation in this position, worded as an
    implication of the rules, never as a decision ("" when no rule applies). Built from the
    ``consequence``, ``consequence_people`` and ``consequence_rule`` columns only."""
    if not acc.get("consequence"):
        return ""
    people = f" For its leaders, the rules would mean {acc['people']}." if acc.get("people") else ""
    return (
        f"Under this assessment's rules (rule: {acc['rule']}), an organisation in this position "
        f"would be in line for: {lower_first(acc['consequence'])}.{people} This is what the "
        "rules imply, not a decision by any NHS body."
    )


def _accountability(r: pd.Series) -> dict:
    """Promises kept, the change since last year, persistent failure and the consequence."""
    get = r.get
    change = _num(get("change_since_last_year"))
    return {
        "plans": _int(get("plans")),
        "kept": f"{kept:.0%}" if np.isfinite(kept := _num(get("plan_delivery"))) else "",
        "shortfalls": _int(get("plan_shortfalls")),
        "previous": _text(get("previous_period")),
        "previous_segment": _int(get("previous_segment")),
        "change": fixed(change, 2, signed=True) if np.isfinite(change) else "",
        # in words, the direction from the polarity (a lower average score is better)
        "change_words": change_words(change),
        "change_range": _range(get("change_lower"), get("change_upper"), "+.2f"),
        "change_range_words": change_range_words(
            _num(get("change_lower")), _num(get("change_upper"))
        ),
        "change_significant": is_true(get("change_significant")),
        "persistent": is_true(get("persistent_failure")),
        "persistent_reason": _text(get("persistent_failure_reason")),
        "candidate": is_true(get("segment_5_candidate")),
        "consequence": _text(get("consequence")),
        "people": _text(get("consequence_people")),
        "rule": _text(get("consequence_rule")).replace("_", " "),
    }


def sensitivity_view(results: Path) -> list[dict] | None:
    """The sensitivity table (all years), when ``results/sensitivity.csv`` exists."""
    path = results / "sensitivity.csv"
    if not path.exists():
        return None
    t = pd.read_csv(path, dtype={"period": str})
    t = t[t.period == "all years"]
    return [{k: _cell_text(v) for k, v in row.items()} for row in t.to_dict("records")]


def _next_segment(ctx: Any, r: pd.Series, sc: pd.DataFrame | None, period: str) -> dict | None:
    """What would move the organisation up a segment (before the financial override); ``sc``:
    the organisation's rows of the segment changes."""
    nxt = _int(r.next_segment)
    if nxt is None:
        return None
    changes = []
    if sc is not None and len(sc):
        mine = sc[sc.period.astype(str) == period]
        mine = mine.sort_values(["places_to_climb", "metric_id"], na_position="last").head(3)
        for c in mine.itertuples():
            spec = ctx.specs.get(c.metric_id)
            if spec is None:
                continue
            places = _int(c.places_to_climb)
            changes.append(
                {
                    "spec": spec,
                    "value": fmt_value(_num(c.value), spec),
                    "needed": fmt_value(_num(c.value_needed), spec),
                    "change": fmt_diff(_num(c.change_needed), spec),
                    "places": places,
                    "score": fmt_score(c.score),
                    "score_needed": fmt_score(c.score_needed),
                }
            )
    fo = ctx.run.settings.assess.financial_override
    return {
        "segment": nxt,
        "boundary": fmt_score(r.score_for_next_segment),
        "gap": fmt_score(r.gap_to_next_segment),
        "n_metrics": _int(r.metrics_that_would_close_gap) or 0,
        "changes": changes,
        "capped": bool(fo is not None and is_true(r.in_deficit) and nxt < fo.max_segment),
        "cap": fo.max_segment if fo is not None else None,
    }


def _metric_scores(ctx: Any, ms: pd.DataFrame | None, period: str) -> list[dict]:
    """The organisation's metric scores in a year (``ms``: its rows of the metric scores)."""
    if ms is None or ms.empty:
        return []
    mine = ms[ms.period.astype(str) == period]
    order = {m.id: i for i, m in enumerate(ctx.run.metrics)}
    out = []
    for r in sorted(mine.itertuples(), key=lambda x: order.get(x.metric_id, len(order))):
        spec = ctx.specs.get(r.metric_id)
        if spec is None:
            continue
        rank, n = _int(r.metric_rank), _int(r.organisations_scored)
        # withheld by disclosure control: scored with the true value, which is not published
        withheld = getattr(r, "score_mode", "") == SUPPRESSED_MODE
        unscored = "Scored, not published" if withheld else "Not scored"
        cov = getattr(ctx, "coverage", None)  # a value of part of the year says so
        part = cov.part_text(spec.id, period, getattr(r, "months_used", None)) if cov else ""
        out.append(
            {
                "spec": spec,
                "value": SUPPRESSED
                if withheld
                else fmt_value(_num(r.value), spec) + (f" ({part})" if part else ""),
                "score": fmt_score(r.score) if np.isfinite(_num(r.score)) else unscored,
                "score_range": _range(r.score_lower, r.score_upper, ".2f"),
                "rank": f"{ordinal(rank)} of {n}" if rank is not None and n else "",
                "rank_range": _range(r.metric_rank_lower, r.metric_rank_upper, "d"),
                "weight": f"{_num(r.weight):g}" if np.isfinite(_num(r.weight)) else "",
            }
        )
    return out


def _cell_text(v: Any) -> str:
    if v is None or (not isinstance(v, str | list | dict) and pd.isna(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "Yes" if v else "No"
    if isinstance(v, float | np.floating):
        x = float(v)
        if x.is_integer():
            return f"{x:,.0f}"
        return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x) >= 0.001 else f"{x:.2g}"
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def nof_view(results: Path) -> dict | None:
    """The check against NHS England (:mod:`helpers.assess.nof`), when its files exist: the
    agreement by reading and trust type, the cut-offs, every disagreement with its reason, and
    the rank correlation of our scores with NHS England's."""
    table_path, corr_path = results / NOF_AGREEMENT, results / NOF_CORRELATION
    cut_path, repro_path = results / NOF_CUTOFFS, results / NOF_REPRODUCTION
    if not table_path.exists() and not corr_path.exists():
        return None
    view: dict[str, Any] = {
        "agreement": None,
        "correlation": None,
        "cutoffs": None,
        "disagreements": [],
        "comparison": comparison_view(results),
    }
    if table_path.exists():
        t = pd.read_csv(table_path)
        cols = [c for c in ("reading", "trust_type", "trusts", "compared", "agree",
                            "agreement_pct", "note") if c in t.columns]  # fmt: skip
        view["agreement"] = {
            "file": NOF_AGREEMENT,
            "columns": cols,
            "rows": [[_cell_text(v) for v in row] for row in t[cols].itertuples(index=False)],
        }
        total = t[(t.get("trust_type") == "All trusts")] if "trust_type" in t else t.iloc[0:0]
        view["primary"] = (
            {k: _cell_text(v) for k, v in total.iloc[0].items()} if len(total) else None
        )
    if cut_path.exists():
        c = pd.read_csv(cut_path)
        view["cutoffs"] = [
            {k: _cell_text(v) for k, v in row.items()} for row in c.to_dict("records")
        ]
    if repro_path.exists():
        r = pd.read_csv(repro_path, dtype=str, keep_default_na=False)
        for col in ("reason", "reason_quartiles"):
            if col in r:
                # trusts whose segment could not be recomputed are counted in the table
                shown = (r[col] != "") & ~r[col].str.startswith("not reproducible")
                for row in r[shown].itertuples():
                    view["disagreements"].append(
                        {
                            "reading": "cut-offs" if col == "reason" else "quartiles",
                            "code": row.org_code,
                            "reason": getattr(row, col),
                        }
                    )
    if corr_path.exists():
        data = json.loads(corr_path.read_text(encoding="utf-8"))
        data = data if isinstance(data, dict) else {}
        view["correlation"] = {
            "file": NOF_CORRELATION,
            "rho": _num(data.get("spearman")),
            "lo": _num(data.get("ci_lower")),
            "hi": _num(data.get("ci_upper")),
            "n": _int(data.get("n")),
            "rho_all": _num(data.get("spearman_with_average_score")),
            "period": str(data.get("period", "")),
            "cohort": str(data.get("cohort", "")),
            "against": str(data.get("against", "")),
        }
    return view


def national_view(results: Path, specs: dict) -> list[dict]:
    """This assessment's England value beside NHS England's national headline, by metric and
    year, when ``results/national_headlines.csv`` has rows
    (:func:`helpers.compare.national_headlines`)."""
    path = results / "national_headlines.csv"
    if not path.exists():
        return []
    t = pd.read_csv(path, dtype={"period": str})
    rows = []
    for r in t.to_dict("records"):
        spec = specs.get(r["metric_id"])
        if spec is None:
            continue
        rows.append(
            {
                "metric": spec.short_title,
                "metric_id": spec.id,
                "period": r["period"],
                "ours": fmt_value(_num(r["england_value"]), spec),
                "national": fmt_value(_num(r["national_value"]), spec),
                "difference": (
                    fixed(_num(r["difference"]), spec.decimals, signed=True)
                    if np.isfinite(_num(r["difference"]))
                    else "n/a"
                ),
                "months": _int(r["national_months"]),
                "label": str(r["national_label"]),
                "why": str(r["why"]),
            }
        )
    return rows


def comparison_view(results: Path) -> dict | None:
    """The whole assessment against NHS England's (:func:`helpers.assess.nof.nhse_comparison`),
    when its files exist: the summary figures and the cross-table of segments."""
    summary_path, cross_path = results / NHSE_SUMMARY, results / NHSE_CROSSTAB
    if not summary_path.exists() or not cross_path.exists():
        return None
    data = json.loads(summary_path.read_text(encoding="utf-8"))
    data = data if isinstance(data, dict) else {}
    cross = pd.read_csv(cross_path)
    segs = [c for c in cross.columns if c.startswith("nhse_segment_")]
    return {
        "file": NHSE_COMPARISON,
        "crosstab_file": NHSE_CROSSTAB,
        "period": str(data.get("period", "")),
        "against": str(data.get("against", "")),
        "trusts": _int(data.get("trusts")),
        "rho": _num(data.get("spearman")),
        "lo": _num(data.get("ci_lower")),
        "hi": _num(data.get("ci_upper")),
        "same": _int(data.get("same_segment")),
        "within_one": _int(data.get("within_one_segment")),
        "better": _int(data.get("ours_better")),
        "worse": _int(data.get("ours_worse")),
        "deficit": _int(data.get("nhse_in_deficit")),
        "same_solvent": _int(data.get("same_segment_not_in_deficit")),
        "solvent": _int(data.get("trusts_not_in_deficit")),
        "segments": [c.removeprefix("nhse_segment_") for c in segs],
        "rows": [
            {
                "ours": _cell_text(r["our_segment"]),
                "counts": [_cell_text(r[c]) for c in segs],
                "total": _cell_text(r["trusts"]),
            }
            for r in cross.to_dict("records")
        ],  # fmt: skip
    }


class _LeagueRows(HTMLParser):
    """The body rows of a league table's HTML: each cell's text (SVG labels left out) by the
    column its ``col-*`` class names."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str]] = []
        self._col: str | None = None
        self._in_body = False
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({})
        elif tag in ("td", "th") and self._in_body and cls.startswith("col-"):
            self._col = cls.split()[0].removeprefix("col-")
            self.rows[-1][self._col] = ""
        elif tag == "svg":
            self._svg += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th"):
            self._col = None
        elif tag == "svg":
            self._svg -= 1

    def handle_data(self, data: str) -> None:
        if self._col and not self._svg:
            self.rows[-1][self._col] += data


_ROW_CODE = re.compile(r"\(([^()]*)\)(?:, specialist)?$")


def league_page_rows(text: str) -> list[dict]:
    """The league table rows read back from a written cohort-and-year page (for the checks):
    rank, likely range of rank, organisation code, average score, its likely range and
    segment, in page order."""
    parser = _LeagueRows()
    parser.feed(text)
    rows = []
    for cells in parser.rows:
        code = _ROW_CODE.search(cells["organisation"].strip())
        score = cells["score"].split()
        rows.append(
            {
                "rank": cells["rank"].strip(),
                "rank_range": cells["rank_range"].strip(),
                "org_code": code.group(1) if code else "",
                "average_score": score[0] if score else "",
                "score_range": " ".join(score[1:]).strip("()"),
                "segment": cells["segment"].strip().split(" ", 1)[0],
            }
        )
    return rows
