"""How uncertain is a league-table rank? Rank intervals by parametric simulation.

After Goldstein & Spiegelhalter (1996) and Marshall & Spiegelhalter (1998): draw every unit's
estimate from its sampling distribution, re-rank the units within their peer group in every
draw, and summarise each unit's simulated ranks — the 2.5th and 97.5th percentiles give a 95%
rank interval, plus the median rank and the probabilities of being in the top and bottom
quartile.

Everything runs on one ``draws × units`` matrix (processed in blocks of draws to bound memory);
peer groups are handled in the same sort (``np.lexsort`` on group then value), so there is no
loop over units or groups. The seed is fixed by default, so results are reproducible.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

Method = Literal["normal", "logit", "beta", "gamma"]
DEFAULT_SEED: int = 20_250_401


def _draws(
    rng: np.random.Generator,
    n_draws: int,
    method: Method,
    est: np.ndarray,
    se: np.ndarray,
    x: np.ndarray,
    n: np.ndarray,
) -> np.ndarray:
    k = len(est) if method == "normal" else len(x)
    if method == "normal":
        return est + se * rng.standard_normal((n_draws, k))
    if method == "logit":
        # normal on the logit scale; 0.5 added to both cells when x is 0 or n
        adj = (x == 0) | (x == n)
        xa = np.where(adj, x + 0.5, x)
        na = np.where(adj, n + 1.0, n)
        lg = np.log(xa / (na - xa))
        s = np.sqrt(1 / xa + 1 / (na - xa))
        z = lg + s * rng.standard_normal((n_draws, k))
        return 1 / (1 + np.exp(-z))
    if method == "beta":  # Jeffreys posterior for a proportion
        return rng.beta(x + 0.5, n - x + 0.5, size=(n_draws, k))
    if method == "gamma":  # Jeffreys posterior for a Poisson rate per unit of n
        return rng.gamma(x + 0.5, size=(n_draws, k)) / n
    raise ValueError(f"method must be 'normal', 'logit', 'beta' or 'gamma', not {method!r}")


def rank_intervals(
    estimate: ArrayLike | None = None,
    se: ArrayLike | None = None,
    *,
    numerator: ArrayLike | None = None,
    denominator: ArrayLike | None = None,
    by: ArrayLike | None = None,
    method: Method = "normal",
    polarity: Literal["higher_is_better", "lower_is_better"] = "higher_is_better",
    n_draws: int = 1000,
    level: float = 0.95,
    seed: int | None = DEFAULT_SEED,
    block: int = 250,
) -> pd.DataFrame:
    """Simulated rank intervals for every unit, ranked within its peer group ``by``.

    Sampling distributions:

    * ``"normal"``: ``estimate + se·Z`` (generic; use for anything with a standard error);
    * ``"logit"``: normal on ``logit(x/n)`` with ``se = sqrt(1/x + 1/(n−x))`` (0.5 added to both
      cells when x is 0 or n), from ``numerator``/``denominator``;
    * ``"beta"``: ``Beta(x + ½, n − x + ½)`` (Jeffreys) for proportions;
    * ``"gamma"``: ``Gamma(x + ½)/n`` (Jeffreys) for rates.

    Rank 1 is the best (highest value when ``polarity="higher_is_better"``). Units with missing
    inputs are not ranked (NaN) and do not count in their group's size. Returns, in input
    order: ``group_size, rank`` (observed rank, ties → minimum), ``rank_lower, rank_upper`` (the
    ``(1−level)/2`` and ``(1+level)/2`` percentiles, rounded outwards to whole ranks),
    ``rank_median, p_top_quartile, p_bottom_quartile`` (rank ≤ N/4, rank > 3N/4) and
    ``confidently_top_quartile`` / ``confidently_bottom_quartile`` (the whole interval inside).
    """
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise ValueError(f"polarity must be higher_is_better or lower_is_better, not {polarity!r}")
    if method == "normal":
        if estimate is None or se is None:
            raise ValueError("method 'normal' needs estimate and se")
        est = np.asarray(estimate, dtype=float)
        s = np.asarray(se, dtype=float)
        if bool(np.any(s < 0)):
            raise ValueError("standard errors must be greater than or equal to zero")
        valid = np.isfinite(est) & np.isfinite(s)
        x = n = np.zeros(0)
        point = est
    else:
        if numerator is None or denominator is None:
            raise ValueError(f"method {method!r} needs numerator and denominator")
        x = np.asarray(numerator, dtype=float)
        n = np.asarray(denominator, dtype=float)
        with np.errstate(invalid="ignore"):
            if bool(np.any(x < 0)) or bool(np.any(n <= 0)):
                raise ValueError("numerators must be >= 0 and denominators > 0")
            if method in ("logit", "beta") and bool(np.any(x > n)):
                raise ValueError(
                    "numerators must be less than or equal to denominators for proportions"
                )
        valid = np.isfinite(x) & np.isfinite(n)
        with np.errstate(invalid="ignore", divide="ignore"):
            point = x / n
        est = s = np.zeros(0)
    total = len(point)
    groups = np.zeros(total, dtype=int) if by is None else np.asarray(by)
    codes = pd.factorize(pd.Series(groups), sort=True)[0]
    idx = np.flatnonzero(valid)
    g = codes[idx]
    # order units by group so each group is a contiguous block
    perm = np.argsort(g, kind="stable")
    units = idx[perm]
    g = g[perm]
    k = len(units)
    sizes = np.bincount(g, minlength=codes.max() + 1 if total else 0)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])[g] if k else np.zeros(0, dtype=int)
    size = sizes[g].astype(float) if k else np.zeros(0)
    sign = -1.0 if polarity == "higher_is_better" else 1.0
    rng = np.random.default_rng(seed)
    ranks = np.empty((n_draws, k), dtype=np.int32)
    for b0 in range(0, n_draws, block):
        b = min(block, n_draws - b0)
        if method == "normal":
            sim = _draws(rng, b, method, est[units], s[units], x, n)
        else:
            sim = _draws(rng, b, method, est, s, x[units], n[units])
        keys = np.stack([sign * sim, np.broadcast_to(g, sim.shape)])
        order = np.lexsort(keys, axis=-1)  # by group, then by value (best first)
        r = np.empty_like(order)
        rows = np.arange(b)[:, None]
        r[rows, order] = np.arange(k)[None, :]
        ranks[b0 : b0 + b] = r - start[None, :] + 1
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    res = pd.DataFrame(index=pd.RangeIndex(total))
    out_cols: dict[str, np.ndarray] = {
        c: np.full(total, np.nan)
        for c in (
            "group_size",
            "rank",
            "rank_lower",
            "rank_upper",
            "rank_median",
            "p_top_quartile",
            "p_bottom_quartile",
        )
    }
    if k:
        obs = pd.Series(sign * point[units]).groupby(g).rank(method="min").to_numpy()
        out_cols["group_size"][units] = size
        out_cols["rank"][units] = obs
        out_cols["rank_lower"][units] = np.quantile(ranks, lo_q, axis=0, method="lower")
        out_cols["rank_upper"][units] = np.quantile(ranks, hi_q, axis=0, method="higher")
        out_cols["rank_median"][units] = np.median(ranks, axis=0)
        out_cols["p_top_quartile"][units] = (ranks <= size / 4).mean(axis=0)
        out_cols["p_bottom_quartile"][units] = (ranks > 3 * size / 4).mean(axis=0)
    for c, v in out_cols.items():
        res[c] = v
    res["confidently_top_quartile"] = res["rank_upper"] <= res["group_size"] / 4
    res["confidently_bottom_quartile"] = res["rank_lower"] > 3 * res["group_size"] / 4
    return res
