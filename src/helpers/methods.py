"""The statistical methods a metric can use: one registry, one place to add a method.

A catalogue metric names a ``statistic`` (what the value is) and a ``ci_method`` (how its
uncertainty is measured). Each allowed pair is one :class:`Method` below, which says everything
the later stages need to know about it:

* ``interval``: the value and its 95% and 99.8% limits from the summed counts
  (:mod:`helpers.stats.ci`);
* ``rank_sampler``: the sampling distribution drawn from for rank intervals
  (:func:`helpers.stats.ranks.rank_intervals`: ``beta``, ``gamma``, ``normal``), or ``exact``
  for values that are not sample estimates (ranked with no interval);
* ``funnel``: the funnel plot data type (``PR`` proportions, ``SR`` ratios of observed to
  expected; :func:`helpers.stats.funnel.od_funnel`), or ``""`` when no funnel is drawn;
* ``trend``: the method of the recent trend on quarterly values (``proportion`` or ``wls``);
* ``plan_interval``: plan delivery judges a shortfall against this interval;
* ``text``: the interval method in words, for the pages.

To add a method: write its interval function in :mod:`helpers.stats.ci` (tested against the
reference implementation) and add one ``Method`` here. Settings validation accepts exactly the
pairs listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from helpers.stats.ci import CI_COLUMNS, mean_ci_from_summary, proportion_ci, rate_ci

#: Interval function: (numerator, denominator, sum of squares or None, multiplier) -> a frame
#: with the columns of :data:`helpers.stats.ci.CI_COLUMNS`, on the numerator's index.
Interval = Callable[[pd.Series, pd.Series, "pd.Series | None", float], pd.DataFrame]


def _wilson(num: pd.Series, den: pd.Series, _ss: pd.Series | None, mult: float) -> pd.DataFrame:
    """Wilson score interval (``phe_proportion``)."""
    return proportion_ci(num, den, multiplier=mult)


def _poisson(num: pd.Series, den: pd.Series, _ss: pd.Series | None, mult: float) -> pd.DataFrame:
    """Exact Poisson limits of the count below 10 events, Byar's above, divided by the
    denominator (``phe_rate``); for an indirectly standardised ratio the denominator is the
    expected count, which gives ``calculate_ISRatio``'s O/E limits."""
    return rate_ci(num, den, multiplier=mult)


def _student_t(num: pd.Series, den: pd.Series, ss: pd.Series | None, mult: float) -> pd.DataFrame:
    """A mean from its sum, count and sum of squares (exact on aggregation), with Student's t
    limits (``phe_mean``)."""
    if ss is None:
        raise ValueError("a mean needs its sum of squares")
    n = den.to_numpy(dtype=float)
    mean = num.to_numpy(dtype=float) / np.where(n > 0, n, np.nan)
    with np.errstate(invalid="ignore"):
        var = (ss.to_numpy(dtype=float) - n * mean**2) / (n - 1)
    ci = mean_ci_from_summary(mean, np.sqrt(np.clip(var, 0, None)), n)
    ci.index = num.index
    for c in CI_COLUMNS[:5]:
        ci[c] = ci[c] * mult
    return ci


def _no_interval(
    num: pd.Series, den: pd.Series, _ss: pd.Series | None, mult: float
) -> pd.DataFrame:
    """A value that is not a sample estimate (accounts): the ratio, with no interval."""
    d = den.to_numpy(dtype=float)
    value = mult * num.to_numpy(dtype=float) / np.where(d != 0, d, np.nan)
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
        index=num.index,
    )


def _dsr_elsewhere(
    num: pd.Series, den: pd.Series, _ss: pd.Series | None, mult: float
) -> pd.DataFrame:
    raise ValueError(
        "a directly standardised rate is computed from age-specific counts "
        "(helpers.indicators.dsr), not from a numerator and denominator"
    )


#: The interval methods in words, as the pages and the methodology show them.
CI_METHOD_TEXT: dict[str, str] = {
    "wilson": "Wilson score method",
    "byars": "Byar's method (exact Poisson below 10 events)",
    "exact_poisson": "exact Poisson method",
    "dobson": "Dobson method (directly standardised rate)",
    "student_t": "Student's t distribution",
    "none": "no interval (the value is not a sample estimate)",
}


@dataclass(frozen=True)
class Method:
    """One statistic with one interval method, and what every stage does with it."""

    statistic: str
    ci_method: str
    interval: Interval
    rank_sampler: Literal["beta", "gamma", "normal", "exact"]
    funnel: Literal["PR", "SR", ""]
    trend: Literal["proportion", "wls"]
    plan_interval: bool

    @property
    def text(self) -> str:
        return CI_METHOD_TEXT[self.ci_method]

    @property
    def key(self) -> tuple[str, str]:
        return (self.statistic, self.ci_method)


METHODS: dict[tuple[str, str], Method] = {
    m.key: m
    for m in (
        Method("proportion", "wilson", _wilson, "beta", "PR", "proportion", True),
        Method("proportion", "none", _no_interval, "exact", "", "proportion", False),
        Method("rate", "byars", _poisson, "gamma", "", "wls", True),
        Method("rate", "exact_poisson", _poisson, "gamma", "", "wls", True),
        Method("mean", "student_t", _student_t, "normal", "", "wls", False),
        Method("ratio", "byars", _poisson, "normal", "SR", "wls", True),
        Method("ratio", "exact_poisson", _poisson, "normal", "SR", "wls", True),
        Method("ratio", "none", _no_interval, "exact", "", "wls", False),
        Method("dsr", "dobson", _dsr_elsewhere, "normal", "", "wls", False),
        Method("isr", "byars", _poisson, "gamma", "SR", "wls", True),
        Method("isr", "exact_poisson", _poisson, "gamma", "SR", "wls", True),
    )
}
STATISTICS: tuple[str, ...] = tuple(dict.fromkeys(s for s, _ in METHODS))
CI_METHODS: tuple[str, ...] = tuple(CI_METHOD_TEXT)


def allowed_ci_methods(statistic: str) -> list[str]:
    """The interval methods registered for a statistic, sorted."""
    return sorted(c for s, c in METHODS if s == statistic)


def method(statistic: str, ci_method: str) -> Method:
    """The registered method of a statistic and interval method (KeyError if not allowed)."""
    try:
        return METHODS[(statistic, ci_method)]
    except KeyError:
        raise KeyError(
            f"no method for statistic {statistic!r} with ci_method {ci_method!r} "
            f"(allowed: {allowed_ci_methods(statistic)})"
        ) from None
