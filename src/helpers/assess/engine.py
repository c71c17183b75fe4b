"""The assessment: metric scores, average scores, segments and league ranks, each with the
uncertainty of the values behind it carried through by simulation.

For every cohort and financial year, the observed values are scored, averaged, segmented and
ranked; then every value is drawn ``n_draws`` times from its uncertainty
(:mod:`helpers.compare.uncertainty`: sampling error and month-to-month variation) and the whole
assessment is done again in every draw: re-scored, re-averaged, re-segmented (quartiles are
recomputed in each draw), the financial override re-applied and the league re-ranked. The draws
give each organisation's likely range (95%) of average score and rank, the probability of each
segment and of the top and bottom quartile, and each metric's rank interval.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.assess import scores as sc
from helpers.assess import segments as sg
from helpers.assess.plans import PLANS_ID, PLANS_SPEC, plan_rows, plans_kept
from helpers.compare.uncertainty import value_draws, with_uncertainty
from helpers.core.vocab import ORG_TYPE_LABELS
from helpers.settings import AssessmentRules, LoadedAssessment, MetricSpec
from helpers.stats.rank_draws import oriented, rank_matrix, summarise_ranks

LEVEL = 0.95


def is_specialist(subtype: pd.Series) -> pd.Series:
    """Specialist trusts (ODS/NOF subtype 'Acute - Specialist', synthetic 'specialist')."""
    return subtype.fillna("").astype(str).str.contains("specialist", case=False)


def specialist_acute(orgs: pd.DataFrame) -> pd.Series:
    """Specialist acute trusts among ``orgs`` (``org_type``, ``org_subtype``)."""
    return is_specialist(orgs.org_subtype) & (orgs.org_type == "acute_trust")


def cohort_labels(orgs: pd.DataFrame, rules: AssessmentRules) -> pd.Series:
    """The cohort of each organisation: its type (NOF's tables: acute, mental health and
    community, ambulance, ICB), with specialist acute trusts in their own cohort when the
    settings say so. Providers and commissioners are never in one cohort."""
    base = orgs.org_type.map(lambda t: ORG_TYPE_LABELS.get(t, str(t)) + "s")
    if rules.specialist == "own_cohort":
        base = base.where(~specialist_acute(orgs), "Specialist acute trusts")
    return base


def kept_draws(
    plans: pd.DataFrame | None,
    orgs: list[str],
    metrics: list[str],
    draws: np.ndarray,
    specs: dict[str, MetricSpec],
    n_draws: int,
) -> np.ndarray:
    """``n_draws × orgs``: the % of each organisation's plans kept in every draw."""
    kept = np.zeros((n_draws, len(orgs)))
    made = np.zeros(len(orgs))
    if plans is None or plans.empty:
        return np.full((n_draws, len(orgs)), np.nan)
    col = {o: j for j, o in enumerate(orgs)}
    index = {m: k for k, m in enumerate(metrics)}
    for r in plans.itertuples():
        j = col.get(r.org_code)
        if j is None or r.status not in ("delivered", "missed_within_chance", "missed"):
            continue
        made[j] += 1
        metric = getattr(r, "metric_id", None)
        planned = float(getattr(r, "planned", np.nan))
        k = index.get(metric) if metric is not None else None
        if getattr(r, "plan_on", "") == "value" and k is not None and np.isfinite(planned):
            better = specs[metric].polarity != "lower_is_better"
            x = draws[k][:, j]
            kept[:, j] += (x >= planned) if better else (x <= planned)
        else:
            kept[:, j] += float(r.status == "delivered")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(made > 0, 100 * kept / made, np.nan)


def weight_of(rules: AssessmentRules, metric_id: str) -> float:
    """A metric's weight in the average score (promises kept: ``plans.weight``)."""
    return rules.plans.weight if metric_id == PLANS_ID else rules.weights.get(metric_id, 1.0)


def scored_metrics(run: LoadedAssessment, plans: bool = False) -> list[MetricSpec]:
    """The catalogue metrics the assessment scores (and, with ``plans``, promises kept)."""
    out = [m for m in run.metrics if m.score_mode != "none"]
    return [*out, PLANS_SPEC] if plans else out


def deficits(run: LoadedAssessment, results: pd.DataFrame) -> pd.DataFrame:
    """``org_code, period, in_deficit`` (boolean, NA when not known) and ``deficit_basis``."""
    fo = run.settings.assess.financial_override
    keys = results[["org_code", "period"]].drop_duplicates()
    if fo is None:
        return keys.assign(in_deficit=pd.NA, deficit_basis="")
    if fo.metric is not None:
        v = results[results.metric_id == fo.metric][["org_code", "period", "value"]]
        out = keys.merge(v, on=["org_code", "period"], how="left")
        flag = (out.value < fo.deficit_below).astype("boolean").where(out.value.notna())
        basis = out.value.map(
            lambda x: (
                "" if pd.isna(x) else f"{fo.metric} = {x:.2f} (deficit below {fo.deficit_below:g})"
            )
        )
        return out.drop(columns="value").assign(in_deficit=flag, deficit_basis=basis)
    assert fo.deficit_register is not None
    reg = pd.read_csv(run.path(fo.deficit_register), dtype={"org_code": str, "period": str})
    missing = {"org_code", "period", "in_deficit"} - set(reg.columns)
    if missing:
        raise ValueError(f"{fo.deficit_register}: missing columns {sorted(missing)}")
    reg = reg[["org_code", "period", "in_deficit"]].assign(
        in_deficit=reg.in_deficit.astype(str).str.lower().isin(["1", "true", "yes", "y"])
    )
    out = keys.merge(reg, on=["org_code", "period"], how="left")
    out["in_deficit"] = out.in_deficit.astype("boolean")
    out["deficit_basis"] = np.where(out.in_deficit.notna(), f"register {fo.deficit_register}", "")
    return out


@dataclass
class CohortYear:
    """The observed and simulated assessment of one cohort in one year."""

    cohort: str
    period: str
    orgs: list[str]
    metrics: list[str]
    values: np.ndarray  # metrics × orgs, observed
    scores: np.ndarray  # metrics × orgs, observed
    score_draws: np.ndarray  # metrics × draws × orgs
    value_draws: np.ndarray  # metrics × draws × orgs
    avg: np.ndarray  # orgs
    avg_draws: np.ndarray  # draws × orgs
    seg_unadj: np.ndarray
    seg: np.ndarray
    seg_draws: np.ndarray
    rank: np.ndarray
    rank_draws: np.ndarray
    n_scored: np.ndarray
    min_metrics: int
    in_deficit: np.ndarray


def _rng(seed: int, cohort: str, period: str) -> np.random.Generator:
    """A generator per cohort and year, so one cohort's draws never depend on another's."""
    return np.random.default_rng([seed, zlib.crc32(f"{cohort}|{period}".encode())])


def assess_cohort_year(
    run: LoadedAssessment,
    rows: pd.DataFrame,
    deficit: pd.Series,
    cohort: str,
    period: str,
    n_draws: int | None = None,
    specs: dict[str, MetricSpec] | None = None,
    plans: pd.DataFrame | None = None,
) -> CohortYear:
    """Score, average, segment and rank one cohort in one year, observed and in every draw.

    ``rows``: the cohort's result rows of the scored metrics in ``period`` (with the
    uncertainty columns); ``deficit``: in deficit (bool) by org_code; ``plans``: the year's
    plan delivery rows, for promises kept (re-judged in every draw from the metric's draws)."""
    rules = run.settings.assess
    draws_n = n_draws or rules.n_draws
    specs = specs or {m.id: m for m in scored_metrics(run)}
    orgs = sorted(rows.org_code.unique())
    metrics = [m for m in specs if m in set(rows.metric_id[rows.value.notna()])]
    k, d = len(orgs), draws_n
    rng = _rng(run.settings.seed, cohort, period)
    values = np.full((len(metrics), k), np.nan)
    vdraws = np.full((len(metrics), d, k), np.nan)
    scores = np.full((len(metrics), k), np.nan)
    sdraws = np.full((len(metrics), d, k), np.nan)
    for i, mid in enumerate(metrics):
        spec = specs[mid]
        sub = rows[rows.metric_id == mid].set_index("org_code").reindex(orgs)
        values[i] = sub.value.to_numpy(dtype=float)
        if mid == PLANS_ID:
            # promises kept: every plan on a metric's value is kept or missed in each draw as
            # the drawn value is or is not at least as good as planned (the metrics' draws are
            # already made: promises kept comes last); plans on counts and accounts are exact
            vdraws[i] = kept_draws(plans, orgs, metrics[:i], vdraws[:i], specs, d)
            vdraws[i][:, np.isnan(values[i])] = np.nan
        else:
            vdraws[i] = value_draws(sub.reset_index(), spec, d, rng, rules.rank_model)
        scores[i] = sc.metric_scores(values[i], spec, period, rules.continuous, rules.ties)[0]
        sdraws[i] = sc.metric_scores(vdraws[i], spec, period, rules.continuous, rules.ties)
    deficit_arr = np.array([bool(deficit.get(o, False)) for o in orgs])
    n_scored = (~np.isnan(scores)).sum(axis=0)
    min_metrics = rules.min_metrics or max(1, math.ceil(len(metrics) / 2))
    eligible = n_scored >= min_metrics
    w = [weight_of(rules, m) for m in metrics]
    avg, seg_unadj, seg, rank = combine(scores[:, None, :], w, eligible, deficit_arr, rules)
    avg, seg_unadj, seg, rank = avg[0], seg_unadj[0], seg[0], rank[0]
    avg_draws, _, seg_draws, rank_draws = combine(sdraws, w, eligible, deficit_arr, rules)
    return CohortYear(
        cohort, period, orgs, metrics, values, scores, sdraws, vdraws, avg, avg_draws,
        seg_unadj, seg, seg_draws, rank, rank_draws, n_scored, min_metrics, deficit_arr,
    )  # fmt: skip


def combine(
    scores: np.ndarray,
    weights: list[float],
    eligible: np.ndarray,
    in_deficit: np.ndarray,
    rules: AssessmentRules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From metric scores (``metrics × draws × orgs``) to the average score, the unadjusted and
    adjusted segments and the league rank (each ``draws × orgs``), for one cohort and year.

    The average is the weighted mean of the metrics scored (rounded to 12 decimals, so equal
    averages tie exactly); organisations not ``eligible`` (too few metrics) get none."""
    d, k = scores.shape[1], scores.shape[2]
    if scores.shape[0] == 0:
        nan = np.full((d, k), np.nan)
        return nan, nan, nan, nan
    w = np.broadcast_to(np.asarray(weights, dtype=float)[:, None, None], scores.shape)
    has = ~np.isnan(scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.round(
            np.where(has, scores * w, 0).sum(axis=0) / np.where(has, w, 0).sum(axis=0), 12
        )
    avg = np.where(np.asarray(eligible)[None, :], avg, np.nan)
    seg_unadj = sg.segments(avg, rules.segmentation, rules.thresholds)
    fo = rules.financial_override
    # no override configured: the deficit flags (if any) change nothing
    seg = (
        sg.financial_override(seg_unadj, np.asarray(in_deficit)[None, :], fo.max_segment)
        if fo is not None
        else seg_unadj
    )
    return avg, seg_unadj, seg, sg.league_ranks(seg, avg)


def indistinguishable_groups(rank: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Groups of organisations that cannot be told apart: in league order, a group starts with
    the first organisation not yet grouped and takes in every later one whose likely range of
    rank overlaps the first one's. Returns the group number (1 = the best) per organisation."""
    out = np.full(len(rank), np.nan)
    order = [i for i in np.argsort(rank, kind="stable") if not np.isnan(rank[i])]
    g = 0
    for i in order:
        if not np.isnan(out[i]):
            continue
        g += 1
        for j in order:
            if np.isnan(out[j]) and lower[j] <= upper[i] and rank[j] >= rank[i]:
                out[j] = g
    return out


def _reason(cy: CohortYear, j: int, rules: AssessmentRules, basis: str) -> str:
    n_metrics = len(cy.metrics)
    if np.isnan(cy.avg[j]):
        return (
            f"not segmented: {cy.n_scored[j]} of {n_metrics} metrics scored "
            f"(at least {cy.min_metrics} needed)"
        )
    if rules.segmentation == "quartiles":
        n = int((~np.isnan(cy.avg)).sum())
        why = f"quartile {int(cy.seg_unadj[j])} of the average score among {n} in the cohort"
    else:
        why = "average score within the thresholds of segment " + str(int(cy.seg_unadj[j]))
    if cy.seg[j] != cy.seg_unadj[j]:
        why += f"; capped at segment {int(cy.seg[j])}: in deficit ({basis})"
    return why


def _percentiles(draws: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile of each column; NaN for a column with no value (every draw NaN)."""
    out = np.full(draws.shape[1], np.nan)
    ok = ~np.isnan(draws).any(axis=0)
    if ok.any():
        out[ok] = np.quantile(draws[:, ok], q, axis=0)
    return out


def _likely_range(
    draws: np.ndarray, observed: np.ndarray, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """The ``lo`` and ``hi`` percentiles of the draws, widened to hold the observed value: a
    published figure always lies inside its own likely range."""
    lower, upper = _percentiles(draws, lo), _percentiles(draws, hi)
    obs = np.asarray(observed, dtype=float)
    return np.fmin(lower, np.where(np.isnan(lower), np.nan, obs)), np.fmax(
        upper, np.where(np.isnan(upper), np.nan, obs)
    )


def _same_ranking(sub: pd.DataFrame, rank: np.ndarray, size: np.ndarray) -> bool:
    """Whether a metric's ranks in a cohort-year are those of the comparison stage (its
    ``peer_rank`` of ``peer_count``, with a likely range): the cohort holds every organisation
    of the type with a value that year, so the two rankings are one."""
    cols = ("peer_rank", "peer_count", "rank_lower", "rank_upper")
    if not all(c in sub for c in cols):
        return False
    has = ~np.isnan(rank)
    if not has.any():
        return False
    peer = sub.peer_rank.to_numpy(dtype=float, na_value=np.nan)[has]
    count = sub.peer_count.to_numpy(dtype=float, na_value=np.nan)[has]
    ranges = sub[["rank_lower", "rank_upper"]].to_numpy(dtype=float, na_value=np.nan)[has]
    return bool(
        np.array_equal(peer, rank[has])
        and np.array_equal(count, size[has])
        and not np.isnan(ranges).any()
    )


def assessment_tables(
    run: LoadedAssessment,
    results: pd.DataFrame,
    orgs: pd.DataFrame,
    monthly: pd.DataFrame | None = None,
    n_draws: int | None = None,
    plan_delivery: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[CohortYear]]:
    """``assessment`` (one row per organisation and year) and ``metric_scores`` (one row per
    organisation, metric and year), and the cohort-years behind them. With ``plan_delivery``
    (and ``plans.scored`` in the settings), promises kept is scored as a metric of its own."""
    rules = run.settings.assess
    res = results[results.org_type == run.settings.org_type]
    kept = plans_kept(plan_delivery, rules)
    with_plans = rules.plans.scored and bool(kept.value.notna().any())
    specs = {m.id: m for m in scored_metrics(run, plans=with_plans)}
    info = orgs.set_index("org_code")
    deficit = deficits(run, res)
    if with_plans:
        res = pd.concat([res, plan_rows(kept, res)], ignore_index=True)
    res = with_uncertainty(
        res[res.metric_id.isin(specs)], monthly, specs, months=rules.month_to_month
    )
    subtype = (
        res.org_code.map(info.org_subtype)
        if "org_subtype" in info
        else pd.Series("", index=res.index)
    )
    res = res.assign(org_subtype=subtype.fillna(""))
    res["cohort"] = cohort_labels(res, rules)
    lo, hi = (1 - LEVEL) / 2, (1 + LEVEL) / 2
    assessed, scored, years = [], [], []
    for (cohort, period), rows in res.groupby(["cohort", "period"], sort=True):
        dmap = deficit[deficit.period == period].set_index("org_code")
        cy = assess_cohort_year(
            run,
            rows,
            dmap.in_deficit.fillna(False).astype(bool),
            str(cohort),
            str(period),
            n_draws,
            specs,
            None if plan_delivery is None else plan_delivery[plan_delivery.period == period],
        )
        years.append(cy)
        ok = ~np.isnan(cy.avg)
        size = np.where(ok, float(ok.sum()), np.nan)
        rs = summarise_ranks(
            np.where(ok[None, :], cy.rank_draws, np.nan),
            size,
            LEVEL,
            observed=np.where(ok, cy.rank, np.nan),  # the league rank lies in its range
        )
        avg_lower, avg_upper = _likely_range(cy.avg_draws, cy.avg, lo, hi)
        groups = indistinguishable_groups(
            np.where(ok, cy.rank, np.nan), rs.rank_lower.to_numpy(), rs.rank_upper.to_numpy()
        )
        first = rows.drop_duplicates("org_code").set_index("org_code").reindex(cy.orgs)
        frame = pd.DataFrame(
            {
                "org_code": cy.orgs,
                "org_name": first.org_name.to_numpy(),
                "org_type": first.org_type.to_numpy(),
                "org_subtype": first.org_subtype.to_numpy(),
                "specialist": is_specialist(first.org_subtype).to_numpy(),
                "region": first.region.to_numpy(),
                "cohort": cohort,
                "period": period,
                "metrics_scored": cy.n_scored.astype(int),
                "metrics_in_cohort": len(cy.metrics),
                "average_score": cy.avg,
                "average_score_lower": avg_lower,
                "average_score_upper": avg_upper,
                "segment_unadjusted": cy.seg_unadj,
                "segment": cy.seg,
                "segment_reason": [
                    _reason(cy, j, rules, str(dmap.deficit_basis.get(o, "")))
                    for j, o in enumerate(cy.orgs)
                ],
                "rank": np.where(ok, cy.rank, np.nan),
                "rank_lower": rs.rank_lower.to_numpy(),
                "rank_upper": rs.rank_upper.to_numpy(),
                "cohort_size": size,
                **{
                    f"p_segment_{s}": np.where(ok, (cy.seg_draws == s).mean(axis=0), np.nan)
                    for s in (1, 2, 3, 4)
                },
                "p_top_quartile": rs.p_top_quartile.to_numpy(),
                "p_bottom_quartile": rs.p_bottom_quartile.to_numpy(),
                "confidently_top_quartile": rs.confidently_top_quartile.where(ok).to_numpy(),
                "confidently_bottom_quartile": rs.confidently_bottom_quartile.where(ok).to_numpy(),
                "indistinguishable_group": groups,
                "in_deficit": dmap.in_deficit.reindex(cy.orgs).to_numpy(),
                "deficit_basis": dmap.deficit_basis.reindex(cy.orgs).fillna("").to_numpy(),
            }
        )
        assessed.append(frame)
        # per-metric scores and rank intervals from the same draws
        for i, mid in enumerate(cy.metrics):
            spec = specs[mid]
            has = ~np.isnan(cy.values[i])
            obs_rank = rank_matrix(oriented(cy.values[i][None, :], spec.polarity))[0]
            ranks = rank_matrix(oriented(cy.value_draws[i], spec.polarity))
            msize = np.where(has, float(has.sum()), np.nan)
            mr = summarise_ranks(ranks, msize, LEVEL, observed=obs_rank)
            sub = rows[rows.metric_id == mid].set_index("org_code").reindex(cy.orgs)
            score_lower, score_upper = _likely_range(cy.score_draws[i], cy.scores[i], lo, hi)
            rank_lower, rank_upper = mr.rank_lower.to_numpy(), mr.rank_upper.to_numpy()
            if _same_ranking(sub, obs_rank, msize):
                # the cohort is every organisation of the type with a value: the comparison's
                # rank and likely range (indicators.csv) are this one, published once
                rank_lower = sub.rank_lower.to_numpy(dtype=float)
                rank_upper = sub.rank_upper.to_numpy(dtype=float)
            frame = pd.DataFrame(
                {
                    "org_code": cy.orgs,
                    "org_name": first.org_name.to_numpy(),
                    "cohort": cohort,
                    "metric_id": mid,
                    "period": period,
                    "value": cy.values[i],
                    "score": cy.scores[i],
                    "score_lower": score_lower,
                    "score_upper": score_upper,
                    "score_mode": spec.score_mode,
                    "weight": weight_of(rules, mid),
                    "metric_rank": obs_rank,
                    "metric_rank_lower": rank_lower,
                    "metric_rank_upper": rank_upper,
                    "organisations_scored": msize,
                    "se_sampling": sub.se_sampling.to_numpy(),
                    "se_months": sub.se_months.to_numpy(),
                    "months_used": sub.months_used.to_numpy(),
                    "_present": sub.metric_id.notna().to_numpy(),
                }
            )
            scored.append(frame[frame._present].drop(columns="_present"))
    assessment = pd.concat(assessed, ignore_index=True) if assessed else pd.DataFrame()
    metric_scores = pd.concat(scored, ignore_index=True) if scored else pd.DataFrame()
    assessment = _apply_segment_5(run, assessment)
    return assessment, metric_scores, years


def _apply_segment_5(run: LoadedAssessment, assessment: pd.DataFrame) -> pd.DataFrame:
    """Segment 5 only through the reviewed register in the settings, never automatically."""
    out = assessment.copy()
    for d in run.settings.assess.segment_5:
        hit = (out.org_code == d.org_code) & (out.period == d.period)
        if not hit.any():
            raise ValueError(
                f"assess.segment_5: {d.org_code} in {d.period} is not an assessed organisation"
            )
        out.loc[hit, "segment"] = 5.0
        out.loc[hit, "segment_reason"] = (
            f"segment 5 (intensive support) by review: {d.reason}; capability: {d.capability}; "
            f"decided by {d.decided_by} on {d.decided_on}"
        )
    return out


def score_values(
    values: pd.DataFrame,
    specs: dict[str, MetricSpec],
    rules: AssessmentRules,
    in_deficit: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The assessment of known values, with no simulation (e.g. the planted truth of the
    synthetic generator): ``values`` has ``org_code, cohort, period, metric_id, value``;
    ``in_deficit`` (optional) has ``org_code, period, in_deficit``. Returns one row per
    organisation and year: ``org_code, cohort, period, metrics_scored, average_score,
    segment_unadjusted, segment, rank`` by exactly the rules of :func:`assessment_tables`."""
    flags = (
        in_deficit.set_index(["org_code", "period"]).in_deficit.fillna(False).astype(bool)
        if in_deficit is not None
        else pd.Series(dtype=bool)
    )
    rows = []
    scored = {m: s for m, s in specs.items() if s.score_mode != "none"}
    v = values[values.metric_id.isin(scored)]
    for (cohort, period), grp in v.groupby(["cohort", "period"], sort=True):
        orgs = sorted(grp.org_code.unique())
        metrics = [m for m in scored if m in set(grp.metric_id[grp.value.notna()])]
        mat = grp.pivot_table(
            index="metric_id", columns="org_code", values="value", aggfunc="first"
        )
        mat = mat.reindex(index=metrics, columns=orgs)
        scores = (
            np.stack(
                [
                    sc.metric_scores(
                        mat.loc[m].to_numpy(dtype=float),
                        scored[m],
                        str(period),
                        rules.continuous,
                        rules.ties,
                    )[0]
                    for m in metrics
                ]
            )
            if metrics
            else np.full((0, len(orgs)), np.nan)
        )
        n_scored = (~np.isnan(scores)).sum(axis=0)
        min_metrics = rules.min_metrics or max(1, math.ceil(len(metrics) / 2))
        deficit = np.array([bool(flags.get((o, period), False)) for o in orgs])
        w = [weight_of(rules, m) for m in metrics]
        avg, seg_unadj, seg, rank = combine(
            scores[:, None, :], w, n_scored >= min_metrics, deficit, rules
        )
        for j, o in enumerate(orgs):
            rows.append(
                {
                    "org_code": o,
                    "cohort": cohort,
                    "period": period,
                    "metrics_scored": int(n_scored[j]),
                    "average_score": avg[0, j],
                    "segment_unadjusted": seg_unadj[0, j],
                    "segment": seg[0, j],
                    "rank": rank[0, j],
                }
            )
    return pd.DataFrame(rows)
