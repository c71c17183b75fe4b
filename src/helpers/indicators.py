"""Outcome indicator construction: from monthly measures to one value per organisation and year.

Driven entirely by the metric catalogue: each metric names, per range of financial years, the
source and the numerator and denominator measures. The statistic's confidence interval method
comes from the catalogue too (Wilson for proportions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.config import Definition, LoadedAssessment, MetricSpec
from helpers.stats.ci import mean_ci_from_summary, proportion_ci, rate_ci
from helpers.stats.compare import compare_ci_with_benchmark

# rank uncertainty, added by helpers.comparison.add_rank_intervals
RANK_COLUMNS = [
    "rank_lower",
    "rank_upper",
    "p_top_quartile",
    "p_bottom_quartile",
    "confidently_top_quartile",
    "confidently_bottom_quartile",
]
RESULT_COLUMNS = [
    "org_code",
    "org_name",
    "org_type",
    "region",
    "icb",
    "metric_id",
    "period",
    "numerator",
    "denominator",
    "months_covered",
    "value",
    "ci95_lower",
    "ci95_upper",
    "ci998_lower",
    "ci998_upper",
    "ci_method",
    "benchmark_value",
    "comparison",
    "comparison_998",
    "standard_value",
    "meets_standard",
    "goal_value",
    "meets_goal",
    "peer_rank",
    "peer_count",
    "peer_quartile",
    *RANK_COLUMNS,
    "funnel_band",
    "predecessors",
    "reason",
]
BENCHMARK_COLUMNS = [
    "metric_id",
    "period",
    "benchmark",
    "numerator",
    "denominator",
    "value",
    "ci95_lower",
    "ci95_upper",
    "ci998_lower",
    "ci998_upper",
    "organisations",
    "organisations_not_compared",
]


def financial_year(month: pd.Series) -> pd.Series:
    """'2024-05-01' -> '2024/25' (April to March)."""
    m = pd.to_datetime(month)
    start = m.dt.year - (m.dt.month < 4).astype(int)
    return start.astype(str) + "/" + ((start + 1) % 100).map("{:02d}".format)


def attach_successors(
    measures: pd.DataFrame, mapping: pd.DataFrame
) -> pd.DataFrame:
    """Report every published code under its current successor (mergers), keeping the original."""
    succ = dict(zip(mapping.old_code, mapping.new_code, strict=True))
    out = measures.copy()
    out["org_code"] = out.org_code_published.map(succ).fillna(out.org_code_published)
    return out


def _join_codes(codes: pd.Series) -> str:
    return ",".join(sorted(set(",".join(codes).split(","))))


def monthly_quantities(
    run: LoadedAssessment, measures: pd.DataFrame, orgs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Numerator and denominator per metric, organisation and month, as the catalogue defines.

    Directly standardised rates are built per year from age bands (:func:`dsr_values`), not
    here. A definition with ``aggregate_to: host_icb`` adds up the providers' counts by the ICB
    that hosts them (``orgs`` gives each provider's ICB)."""
    measures = measures.assign(period=financial_year(measures.month))
    wanted = set(run.settings.financial_years)
    host_icb = (
        dict(zip(orgs.org_code, orgs.icb_code, strict=True)) if orgs is not None else {}
    )
    frames = []
    for metric in run.metrics:
        if metric.statistic == "dsr":
            continue
        for d in metric.definitions:
            sources = {d.source, d.numerator.source or d.source, d.denominator.source or d.source}
            src = measures[
                measures.source.isin(sources)
                & measures.period.isin([p for p in wanted if d.covers(p)])
            ]
            if d.aggregate_to == "host_icb":
                icb = src.org_code.map(host_icb)
                src = src.assign(org_code=icb, org_code_published=icb)[icb.notna()]
            keys = ["org_code", "month", "period"]
            num = src[(src.measure == d.numerator.measure)
                      & (src.source == (d.numerator.source or d.source))]
            den = src[(src.measure == d.denominator.measure)
                      & (src.source == (d.denominator.source or d.source))]
            # merged trusts: add the predecessors' counts in the same month (min_count keeps
            # a month blank when every predecessor left it blank)
            num = num.groupby(keys).value.sum(min_count=1).rename("numerator")
            den = den.groupby(keys).value.sum(min_count=1).rename("denominator")
            pub = src.groupby(keys).org_code_published.agg(_join_codes)
            cols = [num, den, pub]
            if d.sum_of_squares is not None:
                ss = src[src.measure == d.sum_of_squares.measure]
                cols.append(ss.groupby(keys).value.sum(min_count=1).rename("sum_of_squares"))
            both = pd.concat(cols, axis=1).reset_index()
            both["metric_id"] = metric.id
            frames.append(both)
    return pd.concat(frames, ignore_index=True)


def dsr_values(run: LoadedAssessment, measures: pd.DataFrame) -> pd.DataFrame:
    """Directly age-standardised rates (2013 European Standard Population, Dobson limits) per
    organisation and financial year, and England's from the summed age-specific counts (rows
    with ``org_code`` ``ENG`` and ``org_type`` ``england``)."""
    from helpers.record_level import annual_dsr

    wanted = set(run.settings.financial_years)
    frames = []
    for spec in run.metrics:
        if spec.statistic != "dsr":
            continue
        for d in spec.definitions:
            src = measures[(measures.source == d.source)]
            src = src[financial_year(src.month).isin([p for p in wanted if d.covers(p)])]
            if src.empty:
                continue
            kwargs = {
                "events_measure": d.numerator.measure,
                "population_measure": d.denominator.measure,
                "multiplier": spec.multiplier,
            }
            orgs_dsr = annual_dsr(src, **kwargs)
            eng = annual_dsr(src.assign(org_code_published="ENG"), **kwargs)
            both = pd.concat([orgs_dsr, eng], ignore_index=True)
            months = (
                src[src.measure == d.numerator.measure]
                .assign(period=financial_year(src.month))
                .groupby(["org_code_published", "period"]).month.nunique()
            )
            both["months_covered"] = [
                int(months.get((o, p), 12)) if o != "ENG" else 12
                for o, p in zip(both.org_code, both.period, strict=True)
            ]
            both["metric_id"] = spec.id
            frames.append(both)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def annual_values(
    run: LoadedAssessment,
    monthly: pd.DataFrame,
    orgs: pd.DataFrame,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sum the months of each financial year and compute each value with its intervals.

    A month counts only when both numerator and denominator were reported. A year with fewer
    months than the metric's ``min_months``, a known reporting gap, or a numerator above the
    denominator gets no value and a plain-English reason instead.
    """
    ok = monthly.numerator.notna() & monthly.denominator.notna()
    if "sum_of_squares" not in monthly:
        monthly = monthly.assign(sum_of_squares=np.nan)
    m = monthly.assign(
        numerator=monthly.numerator.where(ok), denominator=monthly.denominator.where(ok)
    )
    keys = ["org_code", "metric_id", "period"]
    g = m.groupby(keys)
    annual = pd.DataFrame(
        {
            "numerator": g.numerator.sum(min_count=1),
            "denominator": g.denominator.sum(min_count=1),
            "sum_of_squares": g.sum_of_squares.sum(min_count=1),
            "months_covered": g.numerator.count(),
            "codes": g.org_code_published.agg(_join_codes),
        }
    ).reset_index()
    annual["predecessors"] = [
        ",".join(c for c in codes.split(",") if c != org)
        for org, codes in zip(annual.org_code, annual.codes, strict=True)
    ]
    annual = annual.drop(columns="codes")

    specs = {m.id: m for m in run.metrics}
    min_months = annual.metric_id.map({k: v.min_months for k, v in specs.items()})
    reason = pd.Series("", index=annual.index, dtype=object)
    few = annual.months_covered < min_months
    reason[few] = [
        f"only {k} of 12 months reported (at least {n} needed)"
        for k, n in zip(annual.months_covered[few], min_months[few], strict=True)
    ]
    for gap in run.settings.known_gaps:
        hit = annual.org_code.isin(gap.org_codes) & annual.metric_id.isin(gap.metrics) & few
        reason[hit] = gap.reason
    zero = (annual.denominator == 0) & (reason == "")
    reason[zero] = [
        f"none reported of the denominator ({_definition(specs[mid], p).denominator.description})"
        for mid, p in zip(annual.metric_id[zero], annual.period[zero], strict=True)
    ]
    is_prop = annual.metric_id.map({k: v.statistic == "proportion" for k, v in specs.items()})
    over = is_prop & (annual.numerator > annual.denominator)
    reason[over & (reason == "")] = "numerator exceeds denominator: definitions do not match"
    valid = reason == ""

    parts = []
    for metric_id, idx in annual.groupby("metric_id").groups.items():
        spec = specs[metric_id]
        sub = annual.loc[idx]
        ci = interval(
            spec,
            sub.numerator.where(valid[idx]),
            sub.denominator.where(valid[idx]),
            sub.sum_of_squares.where(valid[idx]),
        )
        ci.index = idx
        parts.append(ci)
    annual = annual.join(pd.concat(parts))
    annual["reason"] = reason
    if measures is not None and any(m.statistic == "dsr" for m in run.metrics):
        dsr = dsr_values(run, measures)
        if len(dsr):
            dsr["predecessors"] = ""
            dsr["sum_of_squares"] = np.nan
            dsr["reason"] = np.where(
                dsr.value.isna(), "fewer than 10 events: the rate is not published", ""
            )
            annual = pd.concat([annual, dsr[annual.columns]], ignore_index=True)
    eng_row = pd.DataFrame(
        {"org_code": ["ENG"], "org_name": ["England"], "org_type": ["england"], "region": [""],
         "icb": [""]}
    )
    annual = annual.merge(
        pd.concat([orgs[["org_code", "org_name", "org_type", "region", "icb"]], eng_row]),
        on="org_code", how="left",
    )
    return annual


def _definition(spec: MetricSpec, period: str) -> Definition:
    d = spec.definition_for(period)
    if d is None:
        raise KeyError(f"metric {spec.id} has no definition for {period}")
    return d


def interval(
    spec: MetricSpec,
    numerator: pd.Series,
    denominator: pd.Series,
    sum_of_squares: pd.Series | None = None,
) -> pd.DataFrame:
    """The value and its 95% and 99.8% intervals by the catalogue's method.

    * ``wilson``: proportions (``phe_proportion``).
    * ``byars`` / ``exact_poisson``: crude rates, and indirectly standardised ratios (numerator
      observed, denominator expected events: O/E with the Poisson limits of O divided by E, as
      ``calculate_ISRatio``).
    * ``student_t``: means from sum, count and sum of squares (``phe_mean``).
    * ``none``: a value that is not a sample estimate (finance); no interval.
    """
    index = numerator.index
    if spec.ci_method == "wilson":
        return proportion_ci(numerator, denominator, multiplier=spec.multiplier)
    if spec.ci_method in ("byars", "exact_poisson"):
        return rate_ci(numerator, denominator, multiplier=spec.multiplier)
    if spec.ci_method == "student_t":
        if sum_of_squares is None:
            raise ValueError(f"metric {spec.id}: a mean needs its sum of squares")
        n = denominator.to_numpy(dtype=float)
        mean = numerator.to_numpy(dtype=float) / np.where(n > 0, n, np.nan)
        with np.errstate(invalid="ignore"):
            var = (sum_of_squares.to_numpy(dtype=float) - n * mean**2) / (n - 1)
        ci = mean_ci_from_summary(mean, np.sqrt(np.clip(var, 0, None)), n)
        ci.index = index
        for c in ["value", "ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper"]:
            ci[c] = ci[c] * spec.multiplier
        return ci
    if spec.ci_method == "none":
        den = denominator.to_numpy(dtype=float)
        value = spec.multiplier * numerator.to_numpy(dtype=float) / np.where(den != 0, den, np.nan)
        nan = np.full(len(value), np.nan)
        return pd.DataFrame(
            {
                "value": value,
                "ci95_lower": nan,
                "ci95_upper": nan,
                "ci998_lower": nan,
                "ci998_upper": nan,
                "ci_method": np.where(np.isfinite(value), "none", ""),
            },
            index=index,
        )
    raise NotImplementedError(f"metric {spec.id}: CI method {spec.ci_method!r} not wired in yet")


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
            ci = ref.loc[eng.loc[idx, "period"], ["value", "ci95_lower", "ci95_upper",
                                                   "ci998_lower", "ci998_upper", "ci_method"]]
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
    ``helpers.comparison``."""
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


def order_results(results: pd.DataFrame) -> pd.DataFrame:
    """The published column order and row order of ``indicators.csv``."""
    res = results[RESULT_COLUMNS].sort_values(["metric_id", "period", "org_code"])
    return res.reset_index(drop=True)
