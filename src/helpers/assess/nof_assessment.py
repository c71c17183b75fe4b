"""A framework assessment's tables: our recomputation of NHS England's Oversight Framework beside
NHS England's own published figures, the league order, and how segments moved between quarters.

The scoring itself is :mod:`helpers.assess.nof_framework` (rules in the framework catalogue);
the likely ranges are :mod:`helpers.assess.nof_uncertainty`. This module joins them with NHS
England's published figures (``OF40xx`` domain scores, ``OF41xx`` domain segments, ``OF5002``
average, ``OF5003`` unadjusted segment, ``OF5004`` override, ``OF5000`` adjusted segment) into
the tables the pages read.

**League order** (checked against NHS England's Q4 league table, all 61 ranks): by adjusted
segment, then by the average score *as published, to 2 decimals*; trusts with the same segment
and the same 2-decimal score share the best rank of the tie (``1, 2, 2, 4``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.assess.nof_framework import (
    FrameworkResult,
    domain_column,
    score_framework,
    segment_cutoffs,
)
from helpers.assess.nof_uncertainty import likely_ranges
from helpers.settings import NofUncertainty
from helpers.settings.nof import NofFramework

#: NHS England's summary metric IDs -> our columns (the published side)
SUMMARY_IDS = {
    "OF5002": "nhse_average_score",
    "OF5003": "nhse_unadjusted_segment",
    "OF5004": "nhse_override",
    "OF5000": "nhse_segment",
}
KEYS = ["quarter", "quarter_number", "org_code"]


def published_trusts(values: pd.DataFrame) -> pd.DataFrame:
    """NHS England's published average score and segments, one row per quarter and trust."""
    sel = values[values.metric_id.isin(list(SUMMARY_IDS))]
    wide = sel.pivot_table(index=KEYS, columns="metric_id", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(SUMMARY_IDS)).rename(columns=SUMMARY_IDS)
    return wide.reset_index().rename_axis(columns=None)


def published_domains(values: pd.DataFrame) -> pd.DataFrame:
    """NHS England's domain scores (``OF40xx``) and segments (``OF41xx``), one row per quarter,
    trust and domain (the domain's name as NHS England writes it)."""
    score = values[values.metric_id.str.match(r"^OF40\d\d$")]
    seg = values[values.metric_id.str.match(r"^OF41\d\d$")]
    a = score[[*KEYS, "domain", "value"]].rename(columns={"value": "nhse_score"})
    b = seg[[*KEYS, "domain", "value"]].rename(columns={"value": "nhse_segment"})
    return a.merge(b, on=[*KEYS, "domain"], how="outer").sort_values([*KEYS, "domain"])


def league_rank(segment: pd.Series, average: pd.Series) -> pd.Series:
    """NHS England's league rank within one table: by segment, then by the average score to 2
    decimals; ties share the best rank."""
    key = pd.DataFrame({"s": segment.astype(float), "a": average.astype(float).round(2)})
    order = key.s * 100 + key.a  # segments 1-5, scores 1.00-4.00: one sortable number
    return order.rank(method="min").astype(int)


def with_league_rank(trusts: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """``trusts`` with ``rank`` in each quarter (and in each group of ``by``)."""
    groups = ["quarter", *(by or [])]
    out = trusts.copy()
    out["rank"] = 0
    for _, g in out.groupby(groups, sort=False):
        out.loc[g.index, "rank"] = league_rank(g.segment, g.average_score)
    return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def segment_movement(trusts: pd.DataFrame) -> pd.DataFrame:
    """Each trust's segment in every quarter, and whether its move from the first quarter to the
    last is more than its likely ranges allow (the ranges of its average score in the two
    quarters do not overlap), with one plain sentence."""
    rows = []
    quarters = trusts.drop_duplicates("quarter").sort_values("quarter_number").quarter.tolist()
    for code, g in trusts.sort_values("quarter_number").groupby("org_code", sort=True):
        segs = dict(zip(g.quarter, g.segment.astype(int), strict=True))
        first, last = g.iloc[0], g.iloc[-1]
        moved = int(last.segment) - int(first.segment)
        a = (float(first.average_lower), float(first.average_upper))
        b = (float(last.average_lower), float(last.average_upper))
        apart = not _overlap(a, b)
        path = ", ".join(f"{segs[q]} in {q.split()[0]}" for q in quarters if q in segs)
        if moved == 0 and len(set(segs.values())) == 1:
            text = f"Segment {int(last.segment)} in every quarter."
        elif moved == 0:
            text = f"Segments {path}: back where it started."
        else:
            way = "worse" if moved > 0 else "better"
            sure = (
                "its likely ranges of average score in the two quarters do not overlap, so "
                "the change is larger than the spread of its own scores"
                if apart
                else "its likely ranges of average score in the two quarters overlap, so the "
                "move may be no more than the spread of its own scores"
            )
            text = (
                f"Segments {path}: from {int(first.segment)} to {int(last.segment)} over the "
                f"year ({way}); {sure}."
            )
        rows.append(
            {
                "org_code": code,
                "org_name": last.org_name,
                **{f"segment_{q.split()[0].lower()}": segs.get(q, np.nan) for q in quarters},
                "change": moved,
                "ranges_apart": apart,
                "text": text,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# the assessment's tables from the recomputed framework


def average_inputs(result: FrameworkResult, framework: NofFramework) -> pd.DataFrame:
    """The metric scores that make up each trust's average (``quarter_number, org_code,
    metric_id, score``), for the likely ranges."""
    counted = {m.score_id for m in framework.metrics if m.in_average}
    s = result.metric_scores[result.metric_scores.score_id.isin(counted)]
    q = result.trusts.drop_duplicates("quarter").set_index("quarter").quarter_number
    out = pd.DataFrame(
        {
            "quarter_number": s.quarter.map(q).astype(int).to_numpy(),
            "org_code": s.org_code.to_numpy(),
            "metric_id": s.score_id.to_numpy(),
            "score": s.score.to_numpy(float),
        }
    )
    return out.sort_values(["quarter_number", "org_code", "metric_id"], kind="stable").reset_index(
        drop=True
    )


def cohort_label(framework: NofFramework) -> str:
    """The one table of every trust of the type: 'Mental health and community trusts'."""
    return framework.trust_type + "s"


def trusts_table(
    result: FrameworkResult, values: pd.DataFrame, framework: NofFramework, cohort: str
) -> pd.DataFrame:
    """One row per quarter and trust: ours (average, segments, override, rank) beside NHS
    England's published figures; ``cohort`` names the league table the rank is in."""
    keep = [
        "quarter",
        "quarter_number",
        "org_code",
        "org_name",
        "trust_subtype",
        "region",
        "n_scored",
        "average_score",
        "unadjusted_segment",
        "override",
        "adjusted_segment",
    ]
    t = result.trusts[keep].rename(columns={"adjusted_segment": "segment"})
    t = t.assign(cohort=cohort if cohort else t.trust_subtype)
    pub = published_trusts(values).drop(columns="quarter_number")
    t = t.merge(pub, on=["quarter", "org_code"], how="left")
    for c in ("unadjusted_segment", "segment", "override"):
        t[c] = t[c].astype(int)
    t = with_league_rank(t, by=["cohort"])
    return t.sort_values(["quarter_number", "cohort", "rank", "org_code"], kind="stable")


def domains_table(
    result: FrameworkResult, values: pd.DataFrame, framework: NofFramework
) -> pd.DataFrame:
    """One row per quarter, trust and domain: our score and segment, NHS England's."""
    parts = []
    for d in framework.domains:
        t = result.trusts[["quarter", "quarter_number", "org_code"]].copy()
        t["domain"] = d.name
        t["score"] = result.trusts[domain_column(d.name, "score")].astype(float)
        t["segment"] = result.trusts[domain_column(d.name, "segment")].astype(float)
        parts.append(t)
    ours = pd.concat(parts, ignore_index=True)
    pub = published_domains(values).drop(columns="quarter_number")
    out = ours.merge(pub, on=["quarter", "org_code", "domain"], how="left")
    return out.sort_values(["quarter_number", "org_code", "domain"], kind="stable").reset_index(
        drop=True
    )


#: how the assessment's score of a metric was obtained, by the catalogue's rule
HOW = {
    "recomputed": "recomputed from NHS England's value",
    "wider": "NHS England's score: it ranks organisations not in the file",
    "given": "NHS England's score: no value is published",
}


def how_scored(framework: NofFramework) -> dict[str, str]:
    """Score id -> ``recomputed``, ``wider`` or ``given`` (see :data:`HOW`)."""
    out = {}
    for m in framework.metrics:
        if m.rule == "given":
            out[m.score_id] = "given"
        elif m.rule == "rank" and m.cohort == "wider":
            out[m.score_id] = "wider"
        else:
            out[m.score_id] = "recomputed"
    return out


def metric_table(
    result: FrameworkResult, values: pd.DataFrame, framework: NofFramework
) -> pd.DataFrame:
    """One row per quarter, trust and scored metric: NHS England's value with its quartiles
    across the trusts, our score, NHS England's score and how ours was obtained."""
    s = result.metric_scores
    specs = {m.score_id: m for m in framework.metrics}
    how = how_scored(framework)
    v = values.set_index(["quarter", "org_code", "metric_id"])

    def look(col: str, ids: pd.Series) -> np.ndarray:
        idx = pd.MultiIndex.from_arrays([s.quarter, s.org_code, ids])
        return v[col].reindex(idx).to_numpy()

    out = pd.DataFrame(
        {
            "quarter": s.quarter.to_numpy(),
            "org_code": s.org_code.to_numpy(),
            "metric_id": s.score_id.to_numpy(),
            "value_id": s.value_id.to_numpy(),
            "description": s.score_id.map(lambda i: specs[i].description).to_numpy(),
            "domain": s.score_id.map(lambda i: specs[i].domain).to_numpy(),
            "units": look("units", s.value_id),
            "value": look("value", s.value_id),
            "median_value": look("median_value", s.value_id),
            "lower_quartile": look("lower_quartile", s.value_id),
            "upper_quartile": look("upper_quartile", s.value_id),
            "score": s.score.to_numpy(float),
            "nhse_score": look("value", s.score_id),
            "how_scored": s.score_id.map(how).to_numpy(),
            "in_average": s.score_id.map(lambda i: specs[i].in_average).to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def by_subtype_framework(framework: NofFramework) -> NofFramework:
    """The framework with every rank-scored metric ranked by its published value within the
    table it is scored in (for tables by subtype: NHS England's published ranks are among all
    trusts, and its wider cohorts are unknown)."""
    metrics = [
        m.model_copy(update={"order": "value", "cohort": "file"}) if m.rule == "rank" else m
        for m in framework.metrics
    ]
    return framework.model_copy(update={"metrics": metrics})


def score_by_subtype(values: pd.DataFrame, framework: NofFramework) -> FrameworkResult:
    """The framework scored within each subtype's own table (``cohort: by_subtype``)."""
    fw = by_subtype_framework(framework)
    parts = [
        score_framework(values[values.trust_subtype == s], fw)
        for s in sorted(values.trust_subtype.unique())
    ]
    return FrameworkResult(
        pd.concat([p.metric_scores for p in parts], ignore_index=True),
        pd.concat([p.trusts for p in parts], ignore_index=True),
        "by_subtype",
    )


def subtype_alternative(one: pd.DataFrame, by_subtype: pd.DataFrame) -> pd.DataFrame:
    """Each trust's segment in the one table beside its segment in its subtype's own table."""
    a = one[["quarter", "quarter_number", "org_code", "org_name", "trust_subtype", "segment"]]
    b = by_subtype[["quarter", "org_code", "segment", "rank", "cohort"]].rename(
        columns={
            "segment": "segment_by_subtype",
            "rank": "rank_by_subtype",
            "cohort": "subtype_table",
        }
    )
    out = a.merge(b, on=["quarter", "org_code"], how="left")
    return out.sort_values(["quarter_number", "org_code"], kind="stable").reset_index(drop=True)


RANGE_COLUMNS = [
    "average_lower",
    "average_upper",
    "segment_lower",
    "segment_upper",
    "p_segment",
    "rank_lower",
    "rank_upper",
]


def with_ranges(
    trusts: pd.DataFrame,
    inputs: pd.DataFrame,
    framework: NofFramework,
    settings: NofUncertainty,
    prefix: str = "",
) -> pd.DataFrame:
    """``trusts`` with the likely ranges of each quarter's table (each cohort's), by the method
    of ``settings``; ``prefix`` names the columns of a second method (``qv_``)."""
    out = trusts.copy()
    for c in RANGE_COLUMNS:
        out[prefix + c] = np.nan
    for (qn, _cohort), g in out.groupby(["quarter_number", "cohort"], sort=True):
        cuts = segment_cutoffs(framework, int(qn))
        if cuts is None:
            raise ValueError(f"quarter Q{qn}: no segment cut-offs in the framework catalogue")
        codes = set(g.org_code)
        sc = inputs[inputs.org_code.isin(codes)]
        deficit = g.set_index("org_code").override.astype(bool)
        r = likely_ranges(settings, sc, deficit, cuts, quarter=int(qn), cap=framework.override.cap)
        got = r.reindex(g.org_code)
        for c in RANGE_COLUMNS:
            out.loc[g.index, prefix + c] = got[c].to_numpy(float)
    return out


def ranges_beside_published(ours: pd.DataFrame, league: pd.DataFrame) -> pd.DataFrame:
    """The latest quarter's likely ranges, ours (NHS England's method reproduced) beside NHS
    England's published ones, trust by trust (both indexed by ``org_code``)."""
    lg = league.reindex(ours.index)
    out = pd.DataFrame(
        {
            "org_code": ours.index,
            "org_name": ours["org_name"].to_numpy(),
            "average_score": ours["average_score"].to_numpy(float),
            "average_lower": ours["average_lower"].round(2).to_numpy(float),
            "average_upper": ours["average_upper"].round(2).to_numpy(float),
            "nhse_average_lower": lg["likely_range_of_average_score_lower"].to_numpy(float),
            "nhse_average_upper": lg["likely_range_of_average_score_upper"].to_numpy(float),
            "rank": ours["rank"].to_numpy(int),
            "rank_lower": ours["rank_lower"].to_numpy(float),
            "rank_upper": ours["rank_upper"].to_numpy(float),
            "nhse_rank": lg["rank"].to_numpy(float),
            "nhse_rank_lower": lg["likely_range_of_rank_lower"].to_numpy(float),
            "nhse_rank_upper": lg["likely_range_of_rank_upper"].to_numpy(float),
        }
    )
    out["average_bound_error"] = np.maximum(
        (out.average_lower - out.nhse_average_lower).abs(),
        (out.average_upper - out.nhse_average_upper).abs(),
    ).round(2)
    out["rank_bound_error"] = np.maximum(
        (out.rank_lower - out.nhse_rank_lower).abs(), (out.rank_upper - out.nhse_rank_upper).abs()
    )
    return out.sort_values(["rank", "org_code"], kind="stable").reset_index(drop=True)
