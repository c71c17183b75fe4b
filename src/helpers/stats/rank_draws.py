"""Ranks of simulated values, and what they say: likely ranges and quartile probabilities.

The building blocks of every simulated league table: a ``draws × units`` matrix of simulated
values (or scores) is ranked within peer groups in every draw (:func:`rank_matrix`), and each
unit's simulated ranks are summarised (:func:`summarise_ranks`) as in
:func:`helpers.stats.ranks.rank_intervals` (Marshall & Spiegelhalter 1998): the 2.5th and 97.5th
percentiles give the 95% likely range, rounded outwards to whole ranks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata


def oriented(values: np.ndarray, polarity: str) -> np.ndarray:
    """Values turned so that smaller is better (rank 1 the best): negated unless
    ``polarity`` is ``lower_is_better``."""
    return values if polarity == "lower_is_better" else -values


def rank_matrix(
    draws: np.ndarray, groups: np.ndarray | None = None, method: str = "min"
) -> np.ndarray:
    """Rank every row of ``draws`` (smaller is better, rank 1) within each group of columns.

    NaN values are not ranked (NaN) and do not count. ``method`` is scipy's tie rule."""
    draws = np.atleast_2d(np.asarray(draws, dtype=float))
    out = np.full(draws.shape, np.nan)
    if groups is None:
        groups = np.zeros(draws.shape[1], dtype=int)
    codes = pd.factorize(pd.Series(groups), sort=True)[0]
    for g in np.unique(codes):
        cols = np.flatnonzero(codes == g)
        out[:, cols] = rankdata(draws[:, cols], method=method, axis=1, nan_policy="omit")
    return out


def summarise_ranks(
    ranks: np.ndarray,
    size: np.ndarray,
    level: float = 0.95,
    observed: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per unit (column of ``ranks``, ``draws × units``), given each unit's group size ``size``:
    the likely range ``rank_lower``/``rank_upper`` at ``level`` (the percentiles rounded outwards
    to whole ranks), ``rank_median``, ``p_top_quartile`` (rank ≤ N/4), ``p_bottom_quartile``
    (rank > 3N/4), and ``confidently_top_quartile``/``confidently_bottom_quartile`` (the whole
    likely range in that quartile). A unit never ranked (NaN in every draw) gets NaN.

    ``observed``: the published (point) ranks; the likely range is widened to hold each, so that
    a rank never lies outside its own range. They can fall outside the percentiles when the
    observed values tie (say several zero counts, which share a rank) while the draws, which
    vary every value, never do: the point rank is then at an edge the draws rarely reach."""
    ranks = np.atleast_2d(np.asarray(ranks, dtype=float))
    size = np.asarray(size, dtype=float)
    valid = ~np.isnan(ranks).any(axis=0) & ~np.isnan(size)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    cols = ("rank_lower", "rank_upper", "rank_median", "p_top_quartile", "p_bottom_quartile")
    out = {c: np.full(ranks.shape[1], np.nan) for c in cols}
    if valid.any():
        r = ranks[:, valid]
        n = size[valid][None, :]
        out["rank_lower"][valid] = np.quantile(r, lo_q, axis=0, method="lower")
        out["rank_upper"][valid] = np.quantile(r, hi_q, axis=0, method="higher")
        out["rank_median"][valid] = np.median(r, axis=0)
        out["p_top_quartile"][valid] = (r <= n / 4).mean(axis=0)
        out["p_bottom_quartile"][valid] = (r > 3 * n / 4).mean(axis=0)
    if observed is not None:
        obs = np.asarray(observed, dtype=float)
        has = valid & ~np.isnan(obs)
        out["rank_lower"][has] = np.minimum(out["rank_lower"][has], obs[has])
        out["rank_upper"][has] = np.maximum(out["rank_upper"][has], obs[has])
    res = pd.DataFrame(out)
    res["confidently_top_quartile"] = res.rank_upper <= size / 4
    res["confidently_bottom_quartile"] = res.rank_lower > 3 * size / 4
    return res
