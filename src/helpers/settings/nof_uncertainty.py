"""Settings of the likely ranges of a NOF league table: which uncertainty method, how many draws.

``method``:

* ``nhse_metric_bootstrap``: NHS England's published likely ranges, reproduced (each trust's
  own metric scores resampled with replacement; the range measures how much its scores differ
  from one metric to another). See :func:`helpers.assess.nof_uncertainty.nhse_metric_bootstrap`.
* ``quarter_variation``: ours; how much each of a trust's metric scores moved between the
  quarters of the year (see :func:`helpers.assess.nof_uncertainty.quarter_variation_ranges`).

In a settings file (YAML)::

    nof_uncertainty:
      method: nhse_metric_bootstrap
      draws: 20000
      seed: 20260331
      level: 0.95

The model is frozen and forbids unknown keys, like every model of :mod:`helpers.settings.models`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from helpers.settings.models import _Strict

NofUncertaintyMethod = Literal["nhse_metric_bootstrap", "quarter_variation"]

#: enough draws that the bounds' Monte Carlo noise (about 0.005 in the average score's bounds
#: at 20,000 draws, by reruns with other seeds) is below the 2 decimals NHS England publishes
DEFAULT_DRAWS = 20_000
DEFAULT_SEED = 20260331


class NofUncertainty(_Strict):
    """How the likely ranges of average score and rank of a NOF league table are simulated."""

    method: NofUncertaintyMethod = Field(
        "nhse_metric_bootstrap",
        description="nhse_metric_bootstrap (NHS England's published ranges, reproduced: spread "
        "of a trust's scores across its metrics) or quarter_variation (ours: movement of each "
        "score between the quarters of the year)",
    )
    draws: int = Field(
        DEFAULT_DRAWS, ge=100, le=1_000_000, description="simulated draws (at least 100)"
    )
    seed: int = Field(DEFAULT_SEED, ge=0, description="seed of the random draws (reproducible)")
    level: float = Field(
        0.95, gt=0, lt=1, description="coverage of the likely range (0.95: 2.5th-97.5th pct)"
    )
