"""What the pages show of the assessment (``helpers.assess``): the assessment section of each
report card, the overview's headline, each metric's scoring rule and the rules in words, with
the formats the other views share. Numbers come from the published tables
(``results/assessment.csv``, ``metric_scores.csv``, ``segment_changes.csv``), formatted as
``league_table.csv`` formats them, so the pages and the downloads agree. The league pages' views
are :mod:`helpers.publish.league_views`; the methodology's NOF reproduction, national figures and
rule sensitivity :mod:`helpers.publish.methodology_views`.

Views hold plain text taken from the data; the templates escape it for where it lands
(``md``, ``yaml_str``: :mod:`helpers.publish.templating`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers.assess import scoring_rules_table
from helpers.publish.disclosure import SUPPRESSED_MODE
from helpers.publish.periods import shared_change_text
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


def _deficit(v: Any) -> str:
    if v is None or pd.isna(v):
        return ""
    return "Yes" if bool(v) else "No"


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
