"""Outcome indicator construction: from monthly measures to one value per organisation and year.

Driven entirely by the metric catalogue: each metric names, per range of financial years, the
source and the numerator and denominator measures. The interval of each value comes from the
metric's registered method (:mod:`helpers.methods`); directly standardised rates are built per
year from age bands (:mod:`helpers.indicators.dsr`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.fy import financial_year
from helpers.indicators.dsr import annual_dsr
from helpers.methods import method
from helpers.settings import Definition, LoadedAssessment, MetricSpec


def attach_successors(measures: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Report every published code under its current successor (mergers), keeping the original."""
    succ = dict(zip(mapping.old_code, mapping.new_code, strict=True))
    out = measures.copy()
    mapped = out.org_code_published.map(succ).astype(object)  # all NaN (float) without mergers
    out["org_code"] = mapped.fillna(out.org_code_published)
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
    host_icb = dict(zip(orgs.org_code, orgs.icb_code, strict=True)) if orgs is not None else {}
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
            num = src[
                (src.measure == d.numerator.measure)
                & (src.source == (d.numerator.source or d.source))
            ]
            den = src[
                (src.measure == d.denominator.measure)
                & (src.source == (d.denominator.source or d.source))
            ]
            # merged trusts (and providers added up by host ICB): add the contributors' counts
            # in the same month (min_count keeps a month blank when every contributor left it
            # blank). A contributor that published only one of the two (a suppressed cell) is
            # left out of both, so a numerator is never set against a larger denominator.
            by_pub = [*keys, "org_code_published"]
            pair = pd.concat(
                [
                    num.groupby(by_pub).value.sum(min_count=1).rename("numerator"),
                    den.groupby(by_pub).value.sum(min_count=1).rename("denominator"),
                ],
                axis=1,
            )
            half = pair.numerator.isna() != pair.denominator.isna()
            shared = pair.groupby(level=keys).numerator.transform("size") > 1
            pair = pair[~(half & shared)]
            num = pair.numerator.groupby(level=keys).sum(min_count=1)
            den = pair.denominator.groupby(level=keys).sum(min_count=1)
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
                .groupby(["org_code_published", "period"])
                .month.nunique()
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
        {
            "org_code": ["ENG"],
            "org_name": ["England"],
            "org_type": ["england"],
            "region": [""],
            "icb": [""],
        }
    )
    annual = annual.merge(
        pd.concat([orgs[["org_code", "org_name", "org_type", "region", "icb"]], eng_row]),
        on="org_code",
        how="left",
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
    """The value and its 95% and 99.8% intervals by the metric's registered method
    (:data:`helpers.methods.METHODS`)."""
    m = method(spec.statistic, spec.ci_method)
    try:
        return m.interval(numerator, denominator, sum_of_squares, spec.multiplier)
    except ValueError as exc:
        raise ValueError(f"metric {spec.id}: {exc}") from None


def definitions_table(run: LoadedAssessment) -> pd.DataFrame:
    """How each metric is built in this assessment's years: statistic, interval method (in
    words), and per definition its years, source, numerator and denominator."""
    years = run.settings.financial_years
    rows = []
    for spec in run.metrics:
        m = method(spec.statistic, spec.ci_method)
        for d in spec.definitions:
            used = [fy for fy in years if d.covers(fy)]
            if not used:
                continue
            num = f"{d.numerator.measure} ({d.numerator.source or d.source})"
            den = f"{d.denominator.measure} ({d.denominator.source or d.source})"
            rows.append(
                {
                    "metric": spec.id,
                    "statistic": spec.statistic,
                    "interval": m.text,
                    "years": f"{used[0]} to {used[-1]}" if len(used) > 1 else used[0],
                    "numerator": num,
                    "denominator": den,
                    "aggregated to": "host ICB" if d.aggregate_to == "host_icb" else "",
                }
            )
    return pd.DataFrame(rows)
