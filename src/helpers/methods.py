"""The statistical methods a metric can use: one registry, one place to add a method.

A catalogue metric names a ``statistic`` (what the value is) and a ``ci_method`` (how its
uncertainty is measured). Each allowed pair is one :class:`Method` below, which says everything
the later stages need to know about it:

* ``interval``: the value and its 95% and 99.8% limits from the summed counts
  (:mod:`helpers.stats.ci`);
* ``rank_sampler``: the sampling distribution drawn from for rank intervals
  (:func:`helpers.stats.ranks.rank_intervals`: ``beta``, ``gamma``, ``normal``), or ``exact``
  for values that are not sample estimates (ranked with no interval);
* ``funnel``: the funnel plot: ``PR`` and ``SR`` are FunnelPlotR's overdispersed funnels for
  proportions and for ratios of observed to expected (:func:`helpers.stats.funnel.od_funnel`),
  ``phe_rate`` and ``phe_dsr`` PHE's funnels for crude and directly standardised rates
  (:func:`helpers.stats.funnel.phe_funnel_limits`), widened for overdispersion on the
  square-root scale (:func:`helpers.stats.funnel.sqrt_sr_limits`), ``""`` none (``no_funnel``
  says why);
* ``trend``: the method of the recent trend on quarterly values (``proportion`` or ``wls``);
* ``plan_interval``: plan delivery judges a shortfall against this interval;
* ``text``, ``rank_text``, ``funnel_text``: the methods in words, for the notebooks and pages.

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


#: the share of organisations trimmed (SR, SHMI method) or winsorised (PR) at each end when the
#: overdispersion of a FunnelPlotR funnel is estimated
FUNNEL_TRIM = 0.1

#: the sampling distribution each rank sampler draws from (helpers.stats.ranks), in words
RANK_SAMPLER_TEXT: dict[str, str] = {
    "beta": "Beta(x + ½, n − x + ½), the Jeffreys distribution of a proportion",
    "gamma": "Gamma(x + ½) / n, the Jeffreys distribution of a count per unit of its denominator",
    "normal": (
        "Normal, with the standard error taken from the width of the 95% interval "
        "((upper − lower) / 3.92): a symmetric approximation to an interval that may be "
        "asymmetric"
    ),
    "exact": "none: the value is not a sample estimate, so it is ranked exactly, with no interval",
}
FUNNEL_TEXT: dict[str, str] = {
    "PR": (
        "overdispersed funnel for proportions (Spiegelhalter 2005; FunnelPlotR): z-scores on "
        f"the arcsine scale, {FUNNEL_TRIM:.0%} winsorised at each end, limits widened by the "
        "between-organisation variance"
    ),
    "SR": (
        "overdispersed funnel for a ratio of observed to expected (FunnelPlotR's SHMI method): "
        f"z-scores on the log scale, {FUNNEL_TRIM:.0%} truncated at each end, limits widened by "
        "the between-organisation variance"
    ),
    "phe_rate": (
        "PHE funnel for a crude rate: exact Poisson limits around the peer group's rate, "
        "widened when the rates vary between organisations beyond chance (each rate read as "
        "observed ÷ expected events at the peer group's rate; phi and the between-organisation "
        f"variance on the square-root scale, {FUNNEL_TRIM:.0%} winsorised at each end, "
        "Spiegelhalter 2005; never narrower than the Poisson limits)"
    ),
    "phe_dsr": (
        "PHE funnel for a directly standardised rate: Poisson limits on each rate's "
        "population equivalent (events ÷ rate), widened when the rates vary between "
        "organisations beyond chance (as for crude rates: square-root scale, Spiegelhalter "
        "2005; never narrower than the Poisson limits); rates from fewer than 10 events are "
        "not plotted"
    ),
    "": "no funnel plot",
}
_NOT_A_SAMPLE = (
    "the value is not a sample estimate (an account), so there is no sampling variation to "
    "draw limits from"
)


@dataclass(frozen=True)
class Method:
    """One statistic with one interval method, and what every stage does with it."""

    statistic: str
    ci_method: str
    interval: Interval
    rank_sampler: Literal["beta", "gamma", "normal", "exact"]
    funnel: Literal["PR", "SR", "phe_rate", "phe_dsr", ""]
    trend: Literal["proportion", "wls"]
    plan_interval: bool
    no_funnel: str = ""

    @property
    def text(self) -> str:
        return CI_METHOD_TEXT[self.ci_method]

    @property
    def rank_text(self) -> str:
        return RANK_SAMPLER_TEXT[self.rank_sampler]

    @property
    def funnel_text(self) -> str:
        return FUNNEL_TEXT[self.funnel]

    @property
    def key(self) -> tuple[str, str]:
        return (self.statistic, self.ci_method)


METHODS: dict[tuple[str, str], Method] = {
    m.key: m
    for m in (
        Method("proportion", "wilson", _wilson, "beta", "PR", "proportion", True),
        Method("proportion", "none", _no_interval, "exact", "", "proportion", False, _NOT_A_SAMPLE),
        Method("rate", "byars", _poisson, "gamma", "phe_rate", "wls", True),
        Method("rate", "exact_poisson", _poisson, "gamma", "phe_rate", "wls", True),
        Method(
            "mean",
            "student_t",
            _student_t,
            "normal",
            "",
            "wls",
            False,
            "neither PHEindicatormethods nor FunnelPlotR has a funnel plot for means",
        ),
        Method("ratio", "byars", _poisson, "normal", "SR", "wls", True),
        Method("ratio", "exact_poisson", _poisson, "normal", "SR", "wls", True),
        Method("ratio", "none", _no_interval, "exact", "", "wls", False, _NOT_A_SAMPLE),
        Method("dsr", "dobson", _dsr_elsewhere, "normal", "phe_dsr", "wls", False),
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
