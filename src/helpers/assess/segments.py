"""From average scores to segments 1-4, the financial override, and the league order.

Works on ``draws × organisations`` matrices of one cohort and year, like :mod:`scores`.

* **Quartiles** (NOF 2025/26, "four equal segments"): an organisation's position ``p`` is its
  rank by average score among the ``N`` segmented (tied scores share the best position);
  segment = ``floor(4·(p − 1)/N) + 1``. With 134 trusts that gives segments of 34, 33, 34 and 33.
* **Thresholds** (NOF 2026/27): segment 1 up to and including the first threshold, 2 up to the
  second, 3 up to the third, 4 above.
* **Financial override**: an organisation in deficit is placed no better than the cap
  (segment 3 by default); both the unadjusted and the adjusted segment are kept.
* **League order** (NOF): by adjusted segment, then by average score; tied organisations share
  the best rank.
"""

from __future__ import annotations

import numpy as np

from helpers.stats.rank_draws import rank_matrix


def quartile_segments(avg: np.ndarray) -> np.ndarray:
    """Segments 1-4 by quartile of the average score (lower is better) within the cohort."""
    a = np.atleast_2d(np.asarray(avg, dtype=float))
    n = (~np.isnan(a)).sum(axis=1, keepdims=True).astype(float)
    pos = rank_matrix(a, method="min")
    with np.errstate(invalid="ignore"):
        seg = np.floor(4 * (pos - 1) / n) + 1
    return np.where(np.isnan(a), np.nan, np.clip(seg, 1, 4))


def threshold_segments(avg: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """Segments 1-4 by fixed upper bounds (inclusive) of segments 1, 2 and 3."""
    a = np.atleast_2d(np.asarray(avg, dtype=float))
    t1, t2, t3 = thresholds
    with np.errstate(invalid="ignore"):
        seg = 1.0 + (a > t1) + (a > t2) + (a > t3)
    return np.where(np.isnan(a), np.nan, seg)


def segments(avg: np.ndarray, how: str, thresholds: list[float] | None = None) -> np.ndarray:
    if how == "quartiles":
        return quartile_segments(avg)
    if how == "thresholds":
        if thresholds is None:
            raise ValueError("segmentation by thresholds needs three thresholds")
        return threshold_segments(avg, thresholds)
    raise ValueError(f"segmentation is 'quartiles' or 'thresholds', not {how!r}")


def financial_override(seg: np.ndarray, in_deficit: np.ndarray, cap: int = 3) -> np.ndarray:
    """Segments after the override: an organisation in deficit is no better than ``cap``."""
    deficit = np.asarray(in_deficit, dtype=bool)
    return np.where(deficit & (seg < cap), float(cap), seg)


def league_ranks(seg: np.ndarray, avg: np.ndarray) -> np.ndarray:
    """League-table ranks: by segment, then by average score (both lower is better)."""
    key = np.atleast_2d(seg) * 10.0 + np.atleast_2d(avg)  # scores lie in [1, 4] < 10
    return rank_matrix(key, method="min")


def boundary_scores(
    avg: np.ndarray, seg: np.ndarray, how: str, thresholds: list[float] | None
) -> dict[int, float]:
    """For segments 1-3, the worst average score that still reaches it (what an organisation in
    the segment below must reach to move up, others unchanged). Quartiles: the worst score
    observed in the segment; thresholds: the threshold."""
    if how == "thresholds":
        assert thresholds is not None
        return {s: float(thresholds[s - 1]) for s in (1, 2, 3)}
    out = {}
    for s in (1, 2, 3):
        inside = avg[seg == s]
        out[s] = float(np.max(inside)) if inside.size else float("nan")
    return out
