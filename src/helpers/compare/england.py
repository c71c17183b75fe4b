"""The comparison with England: the peer group's England value and each organisation's
Fingertips comparison with it (95% and 99.8%), with national standards and interim goals, and
the headline comparison that allows for the variation between organisations.

* ``comparison`` (and ``comparison_998``): the plain test, Fingertips' "confidence interval
  overlapping the reference value": *similar* when England lies inside the organisation's own
  95% interval. It allows for chance alone.
* ``comparison_headline``, with ``comparison_test`` naming the test of each row
  (:func:`add_headline_comparison`): with the setting ``comparison: overdispersion`` (the
  default), where the metric-year's funnel found overdispersion (phi > 1, so tau² > 0) an
  organisation is better or worse only when it lies outside the overdispersed funnel's 95%
  limits around England (``overdispersed_funnel_95``: the random-effects test of
  :func:`helpers.stats.compare.compare_random_effects`, the organisation's difference from
  England against ``sqrt(s² + tau²)``); everywhere else, and with ``comparison:
  confidence_interval``, it is the plain test (``ci_95``).

Only organisations of the assessed type are compared (providers never with commissioners).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.compare.funnels import FunnelResult
from helpers.compare.schema import BENCHMARK_COLUMNS
from helpers.core.fy import fy_label, fy_of_month
from helpers.indicators import interval
from helpers.settings import LoadedAssessment, MetricSpec
from helpers.stats.compare import compare_ci_with_benchmark, compare_random_effects
from helpers.stats.funnel import FUNNELPLOTR_Z95

#: ``comparison_test`` codes: the test behind each row's ``comparison_headline``
OVERDISPERSED_TEST = "overdispersed_funnel_95"
CI_TEST = "ci_95"
HEADLINE_TESTS = (OVERDISPERSED_TEST, CI_TEST)


def england_benchmarks(run: LoadedAssessment, annual: pd.DataFrame) -> pd.DataFrame:
    """The England value of the peer group: summed numerators over summed denominators of every
    organisation with a valid value that year, with its own intervals."""
    eng_dsr = annual[annual.org_type == "england"]
    annual = annual[annual.org_type == run.settings.org_type]
    valid = annual[annual.reason == ""]
    g = valid.groupby(["metric_id", "period"])
    eng = pd.DataFrame(
        {
            "numerator": g.numerator.sum(),
            "denominator": g.denominator.sum(),
            "sum_of_squares": g.sum_of_squares.sum(min_count=1),
            "organisations": g.org_code.nunique(),
        }
    ).reset_index()
    notc = annual[annual.reason != ""].groupby(["metric_id", "period"]).org_code.nunique()
    eng["organisations_not_compared"] = (
        eng.set_index(["metric_id", "period"]).index.map(notc).fillna(0).astype(int)
    )
    specs = {m.id: m for m in run.metrics}
    parts = []
    for metric_id, idx in eng.groupby("metric_id").groups.items():
        if specs[metric_id].statistic == "dsr":
            # England's standardised rate comes from the summed age-specific counts
            ref = eng_dsr[eng_dsr.metric_id == metric_id].set_index("period")
            ci = ref.loc[
                eng.loc[idx, "period"],
                ["value", "ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper", "ci_method"],
            ]
            ci.index = idx
            eng.loc[idx, "numerator"] = ref.loc[eng.loc[idx, "period"], "numerator"].to_numpy()
            eng.loc[idx, "denominator"] = ref.loc[eng.loc[idx, "period"], "denominator"].to_numpy()
            parts.append(ci.drop(columns="ci_method"))
            continue
        ci = interval(
            specs[metric_id],
            eng.loc[idx, "numerator"],
            eng.loc[idx, "denominator"],
            eng.loc[idx, "sum_of_squares"],
        )
        ci.index = idx
        parts.append(ci.drop(columns="ci_method"))
    eng = eng.join(pd.concat(parts))
    eng["benchmark"] = "England (" + run.settings.org_type.replace("_", " ") + "s)"
    return eng[BENCHMARK_COLUMNS].sort_values(["metric_id", "period"]).reset_index(drop=True)


def _target_columns(spec: MetricSpec, period: pd.Series, value: pd.Series) -> dict:
    std = np.full(len(period), np.nan)
    goal = np.full(len(period), np.nan)
    goal_dir = np.array([""] * len(period), dtype=object)
    if spec.standard is not None:
        std[:] = spec.standard.value
    for i, p in enumerate(period):
        goals = spec.goals_for(p)
        if goals:
            goal[i] = goals[-1].value
            goal_dir[i] = goals[-1].direction
    v = value.to_numpy(dtype=float)

    def met(target: np.ndarray, direction: np.ndarray | str) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            res = np.where(np.asarray(direction) == "at_most", v <= target, v >= target)
        return np.where(np.isfinite(target) & np.isfinite(v), res.astype(object), None)

    std_dir = spec.standard.direction if spec.standard else "at_least"
    return {
        "standard_value": std,
        "meets_standard": met(std, std_dir),
        "goal_value": goal,
        "meets_goal": met(goal, goal_dir),
    }


def compare_with_peers(
    run: LoadedAssessment, annual: pd.DataFrame, england: pd.DataFrame
) -> pd.DataFrame:
    """Fingertips comparison with the England value (95% and 99.8%), standards and goals. Only
    the assessed organisation type is compared. Ranks and funnels are added by
    :mod:`helpers.compare.ranks` and :mod:`helpers.compare.funnels`."""
    df = annual[annual.org_type == run.settings.org_type].copy()
    bench = england.set_index(["metric_id", "period"]).value
    df["benchmark_value"] = pd.MultiIndex.from_frame(df[["metric_id", "period"]]).map(bench)
    specs = {m.id: m for m in run.metrics}
    out = []
    for metric_id, sub in df.groupby("metric_id", sort=True):
        spec = specs[metric_id]
        sub = sub.copy()
        sub["comparison"] = compare_ci_with_benchmark(
            sub.ci95_lower, sub.ci95_upper, sub.benchmark_value, spec.polarity
        )
        sub["comparison_998"] = compare_ci_with_benchmark(
            sub.ci998_lower, sub.ci998_upper, sub.benchmark_value, spec.polarity
        )
        for k, v in _target_columns(spec, sub.period, sub.value).items():
            sub[k] = v
        out.append(sub)
    res = pd.concat(out, ignore_index=True)
    return res.sort_values(["metric_id", "period", "org_code"]).reset_index(drop=True)


def add_headline_comparison(
    results: pd.DataFrame,
    funnels: list[FunnelResult],
    specs: dict[str, MetricSpec],
    test: str = "overdispersion",
) -> pd.DataFrame:
    """Add ``comparison_headline`` and ``comparison_test`` (the module notes) to the results of
    :func:`compare_with_peers` and :func:`helpers.compare.funnels.add_funnels`.

    ``test`` is the setting ``comparison``: ``overdispersion`` judges every organisation placed
    on an overdispersion-adjusted funnel by that funnel's 95% limits (a DSR from fewer than 10
    events is not placed and keeps the plain test); ``confidence_interval`` keeps the plain
    test everywhere. A row not compared has an empty ``comparison_test``.
    """
    if test not in ("overdispersion", "confidence_interval"):
        raise ValueError(
            f"comparison must be 'overdispersion' or 'confidence_interval', not {test!r}"
        )
    out = results.copy()
    head = out.comparison.to_numpy(dtype=object).copy()
    used = np.where(head == "not_compared", "", CI_TEST).astype(object)
    if test == "overdispersion":
        keys = zip(out.metric_id, out.period, out.org_code, strict=True)
        row_of = {k: i for i, k in enumerate(keys)}
        has_value = np.isfinite(out.value.to_numpy(dtype=float))
        for f in funnels:
            if not f.adjusted or not len(f.points):
                continue
            at = np.array([row_of.get((f.metric_id, f.period, c), -1) for c in f.points.org_code])
            keep = at >= 0
            keep[keep] = has_value[at[keep]]
            pts = f.points[keep]
            labels = compare_random_effects(
                pts.y, pts.s, f.centre, f.tau2, specs[f.metric_id].polarity, z=FUNNELPLOTR_Z95
            )
            # a rate inside PHE's exact Poisson limits is inside the widened funnel too
            labels[pts.poisson_similar.to_numpy(dtype=bool) & (labels != "not_compared")] = (
                "similar"
            )
            head[at[keep]] = labels
            used[at[keep]] = np.where(labels == "not_compared", "", OVERDISPERSED_TEST)
    out["comparison_headline"] = head
    out["comparison_test"] = used
    return out


NATIONAL_COLUMNS = [
    "metric_id",
    "period",
    "england_value",
    "national_value",
    "difference",
    "national_months",
    "national_label",
    "why",
]


def national_headlines(
    run: LoadedAssessment, measures: pd.DataFrame, england: pd.DataFrame
) -> pd.DataFrame:
    """NHS England's national headline of every metric whose catalogue entry says where it comes
    from (``national``): the metric's numerator and denominator measures summed over every
    organisation of that source in each financial year's months, beside this assessment's England
    value (the assessed organisations only), with the difference in the metric's units
    (:data:`NATIONAL_COLUMNS`; ``national_months``: the months summed)."""
    rows = []
    eng = england.set_index(["metric_id", "period"]).value
    for spec in run.metrics:
        nat = spec.national
        if nat is None:
            continue
        d = spec.definitions[-1]
        m = measures[measures.source == nat.source]
        years = {t: fy_label(fy_of_month(t)) for t in m.month.unique()}  # once per month
        m = m.assign(period=m.month.map(years))
        for period in run.settings.financial_years:
            if not d.covers(period):
                continue
            y = m[m.period == period]
            num = y[y.measure == d.numerator.measure].groupby("month").value.sum(min_count=1)
            den = y[y.measure == d.denominator.measure].groupby("month").value.sum(min_count=1)
            both = pd.concat([num.rename("n"), den.rename("d")], axis=1).dropna()
            if both.empty or both.d.sum() <= 0:
                continue
            value = spec.multiplier * both.n.sum() / both.d.sum()
            ours = eng.get((spec.id, period), float("nan"))
            rows.append(
                {
                    "metric_id": spec.id,
                    "period": period,
                    "england_value": ours,
                    "national_value": value,
                    "difference": ours - value,
                    "national_months": len(both),
                    "national_label": nat.label,
                    "why": nat.why,
                }
            )
    return pd.DataFrame(rows, columns=NATIONAL_COLUMNS)
