"""NHS England's Oversight Framework (NOF) recomputed from its metric values, per quarter.

The rules come from the catalogue (:mod:`helpers.settings.nof`, ``config/nof/*.yml``); this
module applies them with no special case per metric, using the engine's own scoring and
segmentation functions (:mod:`helpers.assess.scores`, :mod:`helpers.assess.segments`):

1. each metric's score (``rank``, ``bands``, ``combined`` or ``given``), per quarter;
2. domain scores: the mean of the domain's metric scores counted in the average (the combined
   finance score in place of its two inputs), rounded as NHS England publishes them;
3. the average score: the mean of all those metric scores, rounded likewise;
4. domain segments and the unadjusted segment: the quarter's cut-offs (or quartiles);
5. the financial override (the published deficit flag) caps the adjusted segment;
6. the league order within each quarter: adjusted segment, then average score.

:func:`score_framework` can start from the metric values (``from_published_scores=False``, the
end-to-end reproduction) or from NHS England's own metric scores (``True``: only the
aggregation, steps 2-6, is recomputed). :func:`reproduction_metrics` compares every published
score and segment with ours and gives each difference a specific reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.assess.scores import band_scores, rank_scores
from helpers.assess.segments import (
    financial_override,
    league_ranks,
    quartile_segments,
    threshold_segments,
)
from helpers.core.tables import save_table
from helpers.settings.nof import NofFramework, NofMetric
from helpers.stats.rank_draws import oriented, rank_matrix

#: a score within this of NHS England's published one counts as reproduced
TOLERANCE = 0.01
#: the largest cohort size looked for in the steps of NHS England's published scores
MAX_IMPLIED_COHORT = 300
KEY = ["quarter", "org_code"]
TRUST_COLUMNS = ["quarter", "quarter_number", "org_code", "org_name", "trust_subtype", "region"]
SCORE_LEVELS = ("metric", "domain_score", "average")


@dataclass(frozen=True)
class FrameworkResult:
    """``metric_scores``: one row per quarter, trust and scored metric (``quarter, org_code,
    value_id, score_id, value, score``); ``trusts``: one row per quarter and trust (domain
    scores and segments, average, segments, override, league rank); ``source``: ``values`` or
    ``published_scores`` (what the metric scores were computed from)."""

    metric_scores: pd.DataFrame
    trusts: pd.DataFrame
    source: str


#: what the metric scores of a result were computed from
SOURCES = {
    "values": "every metric score from NHS England's published values (ranks among the trusts "
    "in the file)",
    "published_scores": "NHS England's published metric scores (only the aggregation recomputed)",
    "determined": "from the published values wherever the file determines the score; NHS "
    "England's own score where it ranks among organisations not in the file",
}


def determined_framework(framework: NofFramework) -> NofFramework:
    """The framework with every metric the file cannot determine (ranked by NHS England among
    organisations not in the file, ``cohort: wider``) taken as NHS England scored it
    (``rule: given``): the assessment's own scoring, faithful to NHS England's cohort."""
    metrics = [
        m.model_copy(update={"rule": "given"}) if m.rule == "rank" and m.cohort == "wider" else m
        for m in framework.metrics
    ]
    return framework.model_copy(update={"metrics": metrics})


def score_determined(metrics_long: pd.DataFrame, framework: NofFramework) -> FrameworkResult:
    """:func:`score_framework` with :func:`determined_framework` (source ``determined``)."""
    r = score_framework(metrics_long, determined_framework(framework))
    return FrameworkResult(r.metric_scores, r.trusts, "determined")


def domain_column(name: str, what: str) -> str:
    """The ``trusts`` column of a domain's score or segment: ``patient_safety_score``."""
    return "_".join(name.lower().replace(",", " ").split()) + f"_{what}"


def segment_cutoffs(framework: NofFramework, quarter: int) -> list[float] | None:
    """The quarter's cut-offs of the average score (upper bounds of segments 1-3, inclusive),
    or ``None`` when the quarter is segmented by quartiles or not in the catalogue."""
    seg = framework.quarter(quarter)
    if seg is None or seg.rule != "thresholds":
        return None
    return list(seg.cutoffs or [])


def infer_cutoffs(scores: pd.Series, segments: pd.Series) -> list[tuple[float, float, float]]:
    """For each boundary between segments ``s`` and ``s + 1`` (s = 1-3): the highest score in
    segments 1..s, the lowest in s+1..4 and their midpoint (NaN when they overlap: no fixed
    cut-off separates them). How the catalogue's cut-offs were found from the published file."""
    ok = scores.notna() & segments.notna()
    sc, sg = scores[ok].to_numpy(float), segments[ok].to_numpy(float)
    out = []
    for s in (1, 2, 3):
        hi = float(sc[sg <= s].max()) if (sg <= s).any() else np.nan
        lo = float(sc[sg > s].min()) if (sg > s).any() else np.nan
        mid = round((hi + lo) / 2, 4) if hi < lo else np.nan
        out.append((hi, lo, mid))
    return out


def _wide(metrics_long: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    return metrics_long.pivot(index=KEY, columns="metric_id", values=column)


def _metric_score(
    m: NofMetric, q: pd.DataFrame, rq: pd.DataFrame, done: dict[str, pd.Series]
) -> pd.Series:
    """One metric's scores in one quarter (``q``: values wide, ``rq``: published ranks wide)."""
    idx = q.index
    col = m.value_id if m.rule in ("rank", "bands") else m.score_id
    v = q[col] if col in q.columns else pd.Series(np.nan, index=idx)
    if m.rule == "given":
        return v
    if m.rule == "bands":
        return pd.Series(band_scores(v.to_numpy(), [(b.below, b.score) for b in m.bands]), idx)
    if m.rule == "combined":
        a, b = (done[i].to_numpy() for i in m.inputs)
        out = np.full(len(idx), np.nan)
        both = ~np.isnan(a) & ~np.isnan(b)
        mat = np.asarray(m.matrix)
        out[both] = mat[a[both].astype(int) - 1, b[both].astype(int) - 1]
        return pd.Series(out, idx)
    assert m.polarity is not None
    if m.order == "published_rank":
        ranks = rq[m.value_id] if m.value_id in rq.columns else pd.Series(np.nan, index=idx)
        r = np.where(v.isna(), np.nan, ranks.to_numpy(float))
    else:
        ov = oriented(v.to_numpy(float)[None, :], m.polarity)
        r = rank_matrix(ov, method="average" if m.ties == "average" else "min")[0]
    s = rank_scores(r)[0]
    if m.standard is not None:
        x = v.to_numpy(float)
        with np.errstate(invalid="ignore"):
            met = (
                x >= m.standard.value
                if m.standard.direction == "at_least"
                else x <= m.standard.value
            )
        s = np.where(~np.isnan(x) & ~met, m.standard.score_if_missed, s)
    return pd.Series(s, idx)


def _segments(values: pd.Series, rule: str, cuts: list[float] | None) -> np.ndarray:
    a = values.to_numpy(float)[None, :]
    seg = quartile_segments(a) if rule == "quartiles" else threshold_segments(a, list(cuts or []))
    return seg[0]


def score_framework(
    metrics_long: pd.DataFrame, framework: NofFramework, from_published_scores: bool = False
) -> FrameworkResult:
    """The framework from metric values (or NHS England's metric scores) to segments and the
    league order, per quarter. ``metrics_long`` is :func:`read_nof_metric_file`'s frame."""
    wide = _wide(metrics_long)
    ranks = _wide(metrics_long, "rank")
    trusts = (
        metrics_long[TRUST_COLUMNS].drop_duplicates(KEY).sort_values(KEY).reset_index(drop=True)
    )
    digits = framework.rounding
    rows, out = [], []
    for (quarter, qn), base in trusts.groupby(["quarter", "quarter_number"], sort=True):
        q = wide.loc[quarter].reindex(base["org_code"])
        rq = ranks.loc[quarter].reindex(base["org_code"])
        done: dict[str, pd.Series] = {}
        for m in framework.metrics:
            if from_published_scores:
                col = m.score_id
                done[m.score_id] = q[col] if col in q.columns else pd.Series(np.nan, q.index)
            else:
                done[m.score_id] = _metric_score(m, q, rq, done)
            val = q[m.value_id] if m.value_id in q.columns else pd.Series(np.nan, q.index)
            part = pd.DataFrame(
                {
                    "quarter": quarter,
                    "org_code": q.index,
                    "value_id": m.value_id or "",
                    "score_id": m.score_id,
                    "value": val.to_numpy(float),
                    "score": done[m.score_id].to_numpy(float).round(6),
                }
            )
            rows.append(part[part["score"].notna()])
        t = base.set_index("org_code").copy()
        counted = [m for m in framework.metrics if m.in_average]
        allm = pd.DataFrame({m.score_id: done[m.score_id] for m in counted})
        t["n_scored"] = allm.notna().sum(axis=1)
        mean = allm.mean(axis=1)
        t["average_score"] = mean.round(digits)
        seg = framework.quarter(int(qn))
        for d in framework.domains:
            ids = [m.score_id for m in counted if m.domain == d.name]
            score = allm[ids].mean(axis=1)
            t[domain_column(d.name, "score")] = score.round(digits)
            cuts = seg.domain_cutoffs.get(d.score_id) if seg is not None else None
            t[domain_column(d.name, "segment")] = (
                _segments(score, "thresholds", cuts) if cuts else np.nan
            )
        if seg is None:
            t["unadjusted_segment"] = np.nan
        else:
            t["unadjusted_segment"] = _segments(mean, seg.rule, seg.cutoffs)
        flag = q[framework.override.flag_id] if framework.override.flag_id in q.columns else None
        t["override"] = (flag.fillna(0) if flag is not None else pd.Series(0, q.index)).astype(int)
        t["in_deficit"] = t["override"].astype(bool)
        unadj = t["unadjusted_segment"].to_numpy(float)
        t["adjusted_segment"] = financial_override(
            unadj, t["in_deficit"].to_numpy(), cap=framework.override.cap
        )
        # NHS England ranks the published (rounded) average: equal averages share the best rank
        avg = t["average_score"].to_numpy()
        t["rank"] = league_ranks(t["adjusted_segment"].to_numpy(), avg)[0]
        out.append(t.reset_index())
    trusts_out = pd.concat(out, ignore_index=True)
    for c in ("unadjusted_segment", "adjusted_segment", "rank") + tuple(
        domain_column(d.name, "segment") for d in framework.domains
    ):
        trusts_out[c] = trusts_out[c].astype("Int64")
    order = {m.score_id: i for i, m in enumerate(framework.metrics)}
    scores = pd.concat(rows, ignore_index=True)
    scores = scores.assign(_o=scores["score_id"].map(order)).sort_values(
        ["quarter", "_o", "org_code"], kind="mergesort"
    )
    return FrameworkResult(
        metric_scores=scores.drop(columns="_o").reset_index(drop=True),
        trusts=trusts_out.sort_values(KEY, kind="mergesort").reset_index(drop=True),
        source="published_scores" if from_published_scores else "values",
    )


# --- reproduction: NHS England's published scores and segments beside ours ------------------


def _implied_cohort(published: np.ndarray, n_file: int) -> int | None:
    """The smallest cohort size N' ≥ ``n_file`` whose steps 3/(N' − 1) fit every published
    score to its 2 decimals (None when none up to :data:`MAX_IMPLIED_COHORT` does)."""
    s = np.unique(published[~np.isnan(published)])
    for n in range(max(n_file, 2), MAX_IMPLIED_COHORT + 1):
        k = (s - 1) * (n - 1) / 3
        if np.all(np.abs(k - np.round(k)) * 3 / (n - 1) <= 0.005 + 1e-9):
            return n
    return None


def _metric_reason(row: pd.Series, m: NofMetric | None, cohort: dict, ties: dict) -> str:
    nhse, ours = row["nhse_score"], row["our_score"]
    if m is None:
        return "not in the catalogue"
    if pd.isna(nhse):
        return "NHS England publishes no score for this trust and metric; ours is from its value"
    if pd.isna(ours):
        return "NHS England publishes a score but the file has no value for this trust to score"
    if m.rule != "rank":
        return f"rule {m.rule!r} gives {ours:.2f}, NHS England {nhse:.2f}: not explained"
    key = (row["quarter"], m.score_id)
    n_file, implied = cohort[key]
    rank = row["file_rank"]
    if m.standard is not None and nhse == m.standard.score_if_missed:
        return f"NHS England scores {nhse:.2f} as missing the standard; the value here meets it"
    if m.cohort == "wider" and implied is not None and implied > n_file:
        pos = 1 + (nhse - 1) * (implied - 1) / 3
        return (
            f"wider cohort: NHS England's score steps of 3/({implied}-1) say it ranks "
            f"{implied} organisations, {implied - n_file} more than the {n_file} trusts with a "
            f"value in this file; its score puts this trust at about position {pos:.0f} of "
            f"{implied}, ours at rank {rank:.0f} of {n_file}: the organisations outside the "
            "file cannot be recomputed from it"
        )
    if m.cohort == "wider":
        return (
            f"wider cohort: NHS England's score steps are finer than 3/({n_file}-1) for the "
            f"{n_file} trusts with a value here (it ranks more than {MAX_IMPLIED_COHORT // 2} "
            f"organisations, acute trusts included); ours is rank {rank:.0f} of {n_file} in "
            "this file: the organisations outside the file cannot be recomputed from it"
        )
    if ties.get((row["quarter"], m.score_id, rank), 1) > 1:
        return f"tie at rank {rank:.0f}: NHS England orders the tied trusts differently"
    return f"rank {rank:.0f} of {n_file} gives {ours:.2f}, NHS England {nhse:.2f}: not explained"


def _metric_rows(
    metrics_long: pd.DataFrame, result: FrameworkResult, fw: NofFramework
) -> tuple[pd.DataFrame, dict, dict]:
    pub = metrics_long[metrics_long["metric_id"].isin([m.score_id for m in fw.metrics])]
    pub = pub[KEY + ["metric_id", "value"]].rename(columns={"value": "nhse_score"})
    ours = result.metric_scores.rename(columns={"score_id": "metric_id", "score": "our_score"})
    d = pub.merge(ours[KEY + ["metric_id", "our_score"]], on=KEY + ["metric_id"], how="outer")
    ranks = metrics_long[KEY + ["metric_id", "rank"]].rename(
        columns={"metric_id": "value_id", "rank": "file_rank"}
    )
    vid = {m.score_id: m.value_id or "" for m in fw.metrics}
    d["value_id"] = d["metric_id"].map(vid)
    d = d.merge(ranks, on=KEY + ["value_id"], how="left")
    cohort, ties = {}, {}
    for (q, mid), g in d.groupby(["quarter", "metric_id"]):
        n_file = int(
            metrics_long[
                (metrics_long["quarter"] == q) & (metrics_long["metric_id"] == vid[mid])
            ].shape[0]
        )
        cohort[(q, mid)] = (n_file, _implied_cohort(g["nhse_score"].to_numpy(float), n_file))
        for r, c in g["file_rank"].value_counts().items():
            ties[(q, mid, r)] = int(c)
    d["level"] = "metric"
    return d, cohort, ties


def _level_rows(metrics_long: pd.DataFrame, trusts: pd.DataFrame, fw: NofFramework) -> pd.DataFrame:
    pairs = [("average", fw.summary.average, "average_score")]
    for dm in fw.domains:
        pairs.append(("domain_score", dm.score_id, domain_column(dm.name, "score")))
        pairs.append(("domain_segment", dm.segment_id, domain_column(dm.name, "segment")))
    pairs += [
        ("unadjusted_segment", fw.summary.unadjusted_segment, "unadjusted_segment"),
        ("override", fw.override.flag_id, "override"),
        ("adjusted_segment", fw.summary.adjusted_segment, "adjusted_segment"),
    ]
    wide = _wide(metrics_long)
    out = []
    for level, pid, col in pairs:
        pub = wide[pid] if pid in wide.columns else pd.Series(np.nan, index=wide.index)
        t = trusts.set_index(KEY)[col].astype(float)
        both = pd.concat([pub.rename("nhse_score"), t.rename("our_score")], axis=1)
        both = both[both["nhse_score"].notna() | both["our_score"].notna()].reset_index()
        both["level"], both["metric_id"] = level, pid
        out.append(both)
    return pd.concat(out, ignore_index=True)


def _aggregate_reason(
    row: pd.Series, differing: dict, trusts: pd.DataFrame, fw: NofFramework, wide: pd.DataFrame
) -> str:
    nhse, ours, level = row["nhse_score"], row["our_score"], row["level"]
    if pd.isna(nhse) or pd.isna(ours):
        who = "NHS England publishes" if pd.isna(ours) else "we compute"
        return f"only {who} a {level.replace('_', ' ')} (the other side has no scored metric)"
    key = (row["quarter"], row["org_code"])
    if level in ("domain_score", "average"):
        ids = differing.get(key, [])
        if level == "domain_score":
            dom = next(d.name for d in fw.domains if d.score_id == row["metric_id"])
            ids = [i for i in ids if fw.metric(i).domain == dom]
        if ids:
            return "from the metric score(s) that differ: " + ", ".join(sorted(ids))
        return "rounding: NHS England averages unrounded metric scores, published to 2 decimals"
    t = trusts.set_index(KEY).loc[key]
    if level == "adjusted_segment":
        return (
            f"the unadjusted segment differs (ours {t['unadjusted_segment']}, NHS England's "
            "before the override may differ) and the override is applied to it"
        )
    if level in ("unadjusted_segment", "domain_segment"):
        what, col, pid = "average score", "average_score", fw.summary.average
        seg = fw.quarter(int(str(row["quarter"])[1]))
        cuts = seg.cutoffs if seg is not None else None
        if level == "domain_segment":
            dom = next(d for d in fw.domains if d.segment_id == row["metric_id"])
            what, col, pid = "domain score", domain_column(dom.name, "score"), dom.score_id
            cuts = seg.domain_cutoffs.get(dom.score_id) if seg is not None else None
        pub = wide.loc[key, pid] if pid in wide.columns else np.nan
        text = (
            f"our {what} {t[col]:.2f}, NHS England's {pub:.2f}: they lie on either side of "
            f"the quarter's cut-off {cuts[int(min(nhse, ours)) - 1] if cuts else 'n/a'}"
        )
        if abs(t[col] - pub) <= TOLERANCE + 1e-9:
            text += (
                " (they differ only by rounding: NHS England segments its unrounded scores, "
                "we can only average its metric scores as published, to 2 decimals)"
            )
        return text
    return "the deficit flag is NHS England's own (an input): not explained"


def reproduction_metrics(
    metrics_long: pd.DataFrame, result: FrameworkResult, framework: NofFramework
) -> pd.DataFrame:
    """Every published metric score, domain score and segment, average, unadjusted segment,
    override and adjusted segment beside ours: ``stage, level, quarter, org_code, org_name,
    metric_id, nhse_score, our_score, difference`` (ours − NHS England's), ``within`` (scores:
    |difference| ≤ 0.01; segments and the override: equal), ``rule`` (a metric score's rule in
    the catalogue, e.g. ``rank (wider cohort)``; the stage ``determined`` takes those scores as
    NHS England's) and ``reason`` where not within."""
    m, cohort, ties = _metric_rows(metrics_long, result, framework)
    specs = {x.score_id: x for x in framework.metrics}
    m["difference"] = m["our_score"] - m["nhse_score"]
    m["within"] = m["difference"].abs() <= TOLERANCE + 1e-9
    m["reason"] = [
        "" if w else _metric_reason(r, specs.get(r["metric_id"]), cohort, ties)
        for w, (_, r) in zip(m["within"], m.iterrows(), strict=True)
    ]
    differing: dict = {}
    for _, r in m[~m["within"] & specs_in_average(m, specs)].iterrows():
        differing.setdefault((r["quarter"], r["org_code"]), []).append(r["metric_id"])
    a = _level_rows(metrics_long, result.trusts, framework)
    wide = _wide(metrics_long)
    a["difference"] = a["our_score"] - a["nhse_score"]
    is_score = a["level"].isin(SCORE_LEVELS)
    a["within"] = np.where(
        is_score, a["difference"].abs() <= TOLERANCE + 1e-9, a["difference"].abs() < 1e-9
    )
    a["reason"] = [
        "" if w else _aggregate_reason(r, differing, result.trusts, framework, wide)
        for w, (_, r) in zip(a["within"], a.iterrows(), strict=True)
    ]
    cols = ["level", "quarter", "org_code", "metric_id", "nhse_score", "our_score"]
    out = pd.concat(
        [m[cols + ["difference", "within", "reason"]], a[cols + ["difference", "within", "reason"]]]
    )
    names = metrics_long.drop_duplicates(KEY).set_index(KEY)["org_name"]
    out = out.join(names, on=KEY)
    # the catalogue's rule of each metric score (a score the assessment takes as given is
    # "within" by construction: this column says so), empty for the aggregate levels
    out["rule"] = (
        out["metric_id"]
        .map(
            lambda i: (
                ""
                if i not in specs
                else specs[i].rule + (" (wider cohort)" if specs[i].cohort == "wider" else "")
            )
        )
        .where(out["level"] == "metric", "")
    )
    out.insert(0, "stage", result.source)
    out["difference"] = out["difference"].round(6)
    levels = {
        v: i
        for i, v in enumerate(
            (
                "metric",
                "domain_score",
                "domain_segment",
                "average",
                "unadjusted_segment",
                "override",
                "adjusted_segment",
            )
        )
    }
    out = out.assign(_l=out["level"].map(levels)).sort_values(
        ["_l", "quarter", "metric_id", "org_code"], kind="mergesort"
    )
    order = [
        "stage",
        "level",
        "quarter",
        "org_code",
        "org_name",
        "metric_id",
        "nhse_score",
        "our_score",
        "difference",
        "within",
        "rule",
        "reason",
    ]
    return out[order].reset_index(drop=True)


def specs_in_average(m: pd.DataFrame, specs: dict) -> pd.Series:
    """Rows of metrics counted in the average (the others only reach it through another)."""
    return m["metric_id"].map(lambda i: i in specs and specs[i].in_average).astype(bool)


def reproduction_summary(repro: pd.DataFrame) -> pd.DataFrame:
    """Per stage, quarter and level: ``n`` compared, ``n_within`` (within 0.01 or equal),
    ``share_within``, ``max_abs_difference``, ``n_one_side_missing``; plus an ``all quarters``
    row per stage and level."""
    r = repro.copy()
    allq = r.assign(quarter="all quarters")
    g = pd.concat([r, allq]).groupby(["stage", "level", "quarter"], sort=False)
    s = g.agg(
        n=("within", "size"),
        n_within=("within", "sum"),
        max_abs_difference=(
            "difference",
            lambda x: float(x.abs().max()) if x.notna().any() else np.nan,
        ),
        n_one_side_missing=("difference", lambda x: int(x.isna().sum())),
    ).reset_index()
    s["share_within"] = (s["n_within"] / s["n"]).round(4)
    s["max_abs_difference"] = s["max_abs_difference"].round(4)
    cols = [
        "stage",
        "level",
        "quarter",
        "n",
        "n_within",
        "share_within",
        "max_abs_difference",
        "n_one_side_missing",
    ]
    return s[cols].reset_index(drop=True)


def write_reproduction(
    folder: str | Path, metrics_long: pd.DataFrame, framework: NofFramework
) -> list[Path]:
    """The three reproductions (:data:`SOURCES`: from the metric values, from NHS England's
    metric scores, and the assessment's own mix of the two) as
    ``nof_reproduction_metrics.csv`` and ``nof_reproduction_summary.csv`` (and Parquet)."""
    results = [score_framework(metrics_long, framework, p) for p in (False, True)]
    results.append(score_determined(metrics_long, framework))
    repro = pd.concat(
        [reproduction_metrics(metrics_long, r, framework) for r in results], ignore_index=True
    )
    out = save_table(repro, Path(folder), "nof_reproduction_metrics")
    out += save_table(reproduction_summary(repro), Path(folder), "nof_reproduction_summary")
    return out
