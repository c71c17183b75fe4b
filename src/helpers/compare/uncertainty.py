"""How uncertain is each annual value? The one uncertainty model behind every rank interval.

An annual value carries two kinds of chance variation:

* **sampling error**: drawn from the value's own sampling distribution, by the metric's
  registered rank sampler (:mod:`helpers.methods`): Jeffreys Beta for proportions, Jeffreys
  Gamma for rates, normal from the 95% interval otherwise, none for accounts;
* **month-to-month variation within the year**: a year whose value rests on one lucky (or
  unlucky) month is less certain than its sampling error says. Each month's value is set against
  the peer group's value for the same month (which removes the season every organisation
  shares); the spread of these differences gives the annual value's standard error from its
  months, ``se_months = s·sqrt(Σ w²)`` with ``w`` the months' shares of the year's denominator
  (needs at least :data:`MIN_MONTHS` months).

The draws use the larger of the two: the sampling draw plus a normal term with variance
``max(0, se_months² − se_sampling²)``, since the months' spread already contains their sampling
error. The per-metric rank intervals (:mod:`helpers.compare.ranks`) and the assessment's
simulated scores, segments and league ranks (:mod:`helpers.assess`) draw from this model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.methods import method
from helpers.settings import MetricSpec
from helpers.stats.ranks import random_effects_draws

#: months needed in a year before its month-to-month variation is estimated
MIN_MONTHS = 3

UNCERTAINTY_COLUMNS = ["se_sampling", "se_months", "months_used", "se_extra"]


def sampling_se(rows: pd.DataFrame) -> pd.Series:
    """The standard error implied by each value's 95% interval, ``(upper − lower) / 3.92``."""
    return (rows.ci95_upper - rows.ci95_lower) / 3.92


def month_to_month(
    results: pd.DataFrame, monthly: pd.DataFrame, specs: dict[str, MetricSpec]
) -> pd.DataFrame:
    """``se_months`` and ``months_used`` per organisation, metric and year (the organisations
    of ``results`` only; metrics without monthly data, or accounts, get none)."""
    keys = ["org_code", "metric_id", "period"]
    cols = [*keys, "months_used", "se_months"]
    if monthly is None or monthly.empty:
        return pd.DataFrame(columns=cols)
    sampled = [
        m for m, s in specs.items() if method(s.statistic, s.ci_method).rank_sampler != "exact"
    ]
    mo = monthly[
        monthly.metric_id.isin(sampled)
        & monthly.org_code.isin(results.org_code.unique())
        & (monthly.denominator > 0)
    ][[*keys, "month", "numerator", "denominator"]].dropna(subset=["numerator"])
    if mo.empty:
        return pd.DataFrame(columns=cols)
    mult = mo.metric_id.map({m: s.multiplier for m, s in specs.items()}).astype(float)
    mo = mo.assign(v=mo.numerator / mo.denominator * mult)
    peer = mo.groupby(["metric_id", "month"])[["numerator", "denominator"]].transform("sum")
    mo["resid"] = mo.v - peer.numerator / peer.denominator * mult
    g = mo.groupby(keys)
    den_total = g.denominator.transform("sum")
    mo["w2"] = (mo.denominator / den_total) ** 2
    out = g.agg(
        months_used=("resid", "size"), s=("resid", lambda r: r.std(ddof=1)), w2=("w2", "sum")
    )
    out["se_months"] = out.s * np.sqrt(out.w2)
    out.loc[out.months_used < MIN_MONTHS, "se_months"] = np.nan
    return out.reset_index()[cols]


def with_uncertainty(
    results: pd.DataFrame,
    monthly: pd.DataFrame | None,
    specs: dict[str, MetricSpec],
    months: bool = True,
) -> pd.DataFrame:
    """``results`` with :data:`UNCERTAINTY_COLUMNS`: the sampling standard error, the standard
    error from the months, the months used, and the extra spread the draws add
    (``sqrt(max(0, se_months² − se_sampling²))``; 0 when ``months`` is False)."""
    out = results.drop(columns=UNCERTAINTY_COLUMNS, errors="ignore")
    out["se_sampling"] = sampling_se(out)
    mm = month_to_month(out, monthly if months else None, specs)  # type: ignore[arg-type]
    out = out.merge(mm, on=["org_code", "metric_id", "period"], how="left")
    out["months_used"] = out.months_used.fillna(0).astype(int)
    extra2 = (out.se_months.astype(float) ** 2 - out.se_sampling.fillna(0) ** 2).clip(lower=0)
    out["se_extra"] = np.sqrt(extra2.fillna(0.0)).where(out.value.notna())
    return out


def value_draws(
    rows: pd.DataFrame,
    spec: MetricSpec,
    n_draws: int,
    rng: np.random.Generator,
    model: str = "fixed",
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """``n_draws × len(rows)`` simulated values of one metric, on the metric's own scale:
    a draw from each value's sampling distribution plus its month-to-month term (``se_extra``,
    from :func:`with_uncertainty`). Rows without a value are NaN in every draw.

    ``model="random_effects"``: proportions and rates are drawn instead from the random-effects
    model of :func:`helpers.stats.ranks.random_effects_draws`, fitted within each of ``groups``
    (the peer group and year), which shrinks small organisations' extreme values towards their
    peers; other statistics keep their own sampling distribution."""
    m = method(spec.statistic, spec.ci_method)
    value = rows.value.to_numpy(dtype=float)
    ok = np.isfinite(value)
    k = len(rows)
    shape = (n_draws, k)
    sampler = m.rank_sampler
    if model == "random_effects" and sampler in ("beta", "gamma"):
        sim = np.full(shape, np.nan)
        x = rows.numerator.to_numpy(dtype=float)
        n = rows.denominator.to_numpy(dtype=float)
        grp = np.zeros(k, dtype=int) if groups is None else pd.factorize(pd.Series(groups))[0]
        for g in np.unique(grp):
            cols = np.flatnonzero((grp == g) & ok)
            if len(cols):
                how = "logit" if sampler == "beta" else "gamma"
                draws = random_effects_draws(x[cols], n[cols], how, n_draws, rng)
                sim[:, cols] = draws * spec.multiplier
    elif sampler == "beta":
        x = np.where(ok, rows.numerator.to_numpy(dtype=float), 0.0)
        n = np.where(ok, rows.denominator.to_numpy(dtype=float), 1.0)
        sim = rng.beta(x + 0.5, np.maximum(n - x, 0) + 0.5, size=shape) * spec.multiplier
    elif sampler == "gamma":
        x = np.where(ok, rows.numerator.to_numpy(dtype=float), 0.0)
        n = np.where(ok, rows.denominator.to_numpy(dtype=float), 1.0)
        sim = rng.gamma(x + 0.5, size=shape) / n * spec.multiplier
    elif sampler == "normal":
        se = np.nan_to_num(sampling_se(rows).to_numpy(dtype=float))
        sim = value + se * rng.standard_normal(shape)
    else:  # exact: an account, not a sample estimate
        sim = np.broadcast_to(value, shape).copy()
    extra = rows.se_extra.to_numpy(dtype=float) if "se_extra" in rows else np.zeros(k)
    extra = np.nan_to_num(extra)
    if extra.any():
        sim = sim + extra * rng.standard_normal(shape)
        if sampler == "beta":
            sim = np.clip(sim, 0.0, spec.multiplier)
        elif sampler == "gamma":
            sim = np.clip(sim, 0.0, None)
    sim[:, ~ok] = np.nan
    return sim
