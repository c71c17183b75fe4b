"""The building blocks of the simulated figures: independent random streams, the logistic link,
seasonality, levels by financial year and the ramp of a year's planned improvement."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.core.fy import fy_of_month


def random_stream(seed: int, *stream: int) -> np.random.Generator:
    """An independent random stream per component, so adding one never changes another."""
    return np.random.default_rng([seed, *stream])


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float | np.ndarray) -> Any:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def season(months: pd.DatetimeIndex, amplitude: float, peak_month: int) -> np.ndarray:
    """A yearly cosine wave peaking in ``peak_month`` (1 = January)."""
    m = months.month.to_numpy()
    return amplitude * np.cos(2 * np.pi * (m - peak_month) / 12)


def by_fy(months: pd.DatetimeIndex, levels: dict[int, float]) -> np.ndarray:
    """The level of each month's financial year (``levels``: start year -> level)."""
    return np.array([levels[fy_of_month(m)] for m in months], dtype=float)


def plan_ramp(months: pd.DatetimeIndex) -> np.ndarray:
    """Fraction of the year's planned improvement due by each month (1/12 .. 12/12)."""
    m = months.month.to_numpy()
    return (((m - 4) % 12) + 1) / 12.0
