"""Metric scores from 1.00 (best) to 4.00, within a cohort and year (NOF's scale).

Every function works on a ``draws × organisations`` matrix (one row: the observed values), so
the observed scores and the simulated ones come from the same code. Missing values (NaN) are not
scored and do not count in the cohort.

* **Continuous, rank-based** (NOF's "ranked high to low", one reading): ``1 + 3·(r − 1)/(N − 1)``
  where ``r`` is the organisation's rank among the ``N`` scored (1 = best). Tied values share
  their *average* rank by default (so two trusts with the same value get the same score and the
  scores still average 2.5), or the best rank (``ties: min``).
* **Continuous, value-based** (the other reading): ``1 + 3·(best − v)/(best − worst)``, the
  value's place between the cohort's best and worst values, with direction by polarity.
* A cohort with one organisation, or with every value equal, scores 2.5 (the middle: there is
  no one to be better or worse than).
* **Discrete**: the first band of the catalogue's ``bands`` whose ``below`` the value is under.
* **Target**: the catalogue's ``met`` score when the national standard is met, ``not_met``
  otherwise.
"""

from __future__ import annotations

import numpy as np

from helpers.settings import MetricSpec
from helpers.stats.rank_draws import oriented, rank_matrix

MIDDLE = 2.5


def continuous_scores(
    values: np.ndarray, polarity: str, rule: str = "rank", ties: str = "average"
) -> np.ndarray:
    """Continuous scores of one cohort: ``values`` is ``draws × organisations``."""
    v = oriented(np.atleast_2d(np.asarray(values, dtype=float)), polarity)
    if rule == "rank":
        return rank_scores(rank_matrix(v, method="average" if ties == "average" else "min"))
    if rule != "value":
        raise ValueError(f"continuous scoring is 'rank' or 'value', not {rule!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        best = np.nanmin(v, axis=1, keepdims=True)
        worst = np.nanmax(v, axis=1, keepdims=True)
        s = 1 + 3 * (v - best) / (worst - best)
    s = np.where(np.isfinite(s), s, MIDDLE)
    return np.where(np.isnan(v), np.nan, s)


def rank_scores(ranks: np.ndarray) -> np.ndarray:
    """``1 + 3·(r − 1)/(N − 1)`` from ranks already taken (1 = best; ``draws × organisations``,
    NaN = not ranked), ``N`` the organisations ranked in the row. One ranked: 2.5 (the middle).
    Used for the ranks NHS England publishes beside its values as well as for our own."""
    r = np.atleast_2d(np.asarray(ranks, dtype=float))
    n = (~np.isnan(r)).sum(axis=1, keepdims=True).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = 1 + 3 * (r - 1) / (n - 1)
    s = np.where(np.isfinite(s), s, MIDDLE)
    return np.where(np.isnan(r), np.nan, s)


def band_scores(values: np.ndarray, bands: list[tuple[float | None, float]]) -> np.ndarray:
    """Scores from ``(below, score)`` bands: the first band whose ``below`` the value is under
    (``None``: any value left)."""
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    todo = ~np.isnan(v)
    for below, score in bands:
        hit = todo if below is None else todo & (v < below)
        out[hit] = score
        todo &= ~hit
    return out


def discrete_scores(values: np.ndarray, spec: MetricSpec) -> np.ndarray:
    """Scores from the catalogue's bands (the first band whose ``below`` the value is under)."""
    assert spec.scoring is not None
    return band_scores(values, [(b.below, b.score) for b in spec.scoring.bands])


def target_scores(values: np.ndarray, spec: MetricSpec, period: str) -> np.ndarray:
    """``met`` / ``not_met`` scores against the catalogue's national standard in ``period``."""
    assert spec.standard is not None
    sc = spec.scoring
    met_score, miss_score = (sc.met, sc.not_met) if sc is not None else (1.0, 4.0)
    v = np.asarray(values, dtype=float)
    std = spec.standard
    if not std.applies_to(period):
        return np.full(v.shape, np.nan)
    with np.errstate(invalid="ignore"):
        met = v >= std.value if std.direction == "at_least" else v <= std.value
    return np.where(np.isnan(v), np.nan, np.where(met, met_score, miss_score))


def metric_scores(
    values: np.ndarray, spec: MetricSpec, period: str, rule: str = "rank", ties: str = "average"
) -> np.ndarray:
    """Scores of one metric for one cohort and year, by the metric's scoring mode
    (``draws × organisations``; a 1-D ``values`` is one draw)."""
    mode = spec.score_mode
    v = np.atleast_2d(np.asarray(values, dtype=float))  # draws × organisations, always
    if mode == "continuous":
        return continuous_scores(v, spec.polarity, rule, ties)
    if mode == "discrete":
        return discrete_scores(v, spec)
    if mode == "target":
        return target_scores(v, spec, period)
    return np.full(v.shape, np.nan)


def bands_text(bands: list[tuple[float | None, float]], unit: str = "", fmt: str = "g") -> str:
    """Bands (``below``, score) in words: "below 0 (%) scores 4.00; 0 to below 1 (%) scores
    3.00; 1 or more (%) scores 1.00"; ``unit`` follows each range, ``fmt`` formats the score."""
    parts = []
    lower = None
    for below, score in bands:
        if below is None:
            cond = f"{lower:g} or more" if lower is not None else "any value"
        elif lower is None:
            cond = f"below {below:g}"
        else:
            cond = f"{lower:g} to below {below:g}"
        parts.append(f"{cond}{unit} scores {score:{fmt}}")
        lower = below
    return "; ".join(parts)


def scoring_rule_text(spec: MetricSpec, rule: str = "rank", ties: str = "average") -> str:
    """The metric's scoring rule in plain words (shown on its metric page)."""
    mode = spec.score_mode
    better = "higher" if spec.polarity == "higher_is_better" else "lower"
    if mode == "none":
        return (
            "Not scored: the metric is reported for context (it makes no judgement of better or "
            "worse), so it does not count in the average score."
        )
    if mode == "continuous":
        if rule == "rank":
            tie = (
                "tied values share their average rank"
                if ties == "average"
                else "tied values share the best of their ranks"
            )
            how = (
                f"Scored from 1.00 (best) to 4.00 by rank within the cohort ({better} is "
                "better): score = 1 + 3 × (rank − 1) / (organisations − 1); " + tie + "."
            )
        else:
            how = (
                f"Scored from 1.00 (best) to 4.00 by value within the cohort ({better} is "
                "better): the best value scores 1.00, the worst 4.00, and values between are "
                "scaled in proportion."
            )
        return how
    if mode == "discrete":
        assert spec.scoring is not None
        bands = [(b.below, b.score) for b in spec.scoring.bands]
        return "Scored in bands: " + bands_text(bands, f" ({spec.unit})", ".2f") + "."
    assert spec.standard is not None
    sc = spec.scoring
    met, miss = (sc.met, sc.not_met) if sc is not None else (1.0, 4.0)
    word = "at least" if spec.standard.direction == "at_least" else "at most"
    return (
        f"Scored against the national standard ({spec.standard.label}): {met:.2f} when the value "
        f"is {word} {spec.standard.value:g} {spec.unit}, {miss:.2f} otherwise."
    )
