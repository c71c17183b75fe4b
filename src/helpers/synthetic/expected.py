"""The noise-free expected counts behind every published figure (the raw material of
``planted_values.csv``).

Each writer records, for every organisation and month (annual files: April of the financial
year) it publishes a figure for, the **expected numerator** its planted parameters imply and the
**denominator it actually generated**, under the names of the published measures (the measures
the readers produce, e.g. ``within_4h`` over ``attendances``). Expected means without the
sampling draw (binomial or Poisson) and without the month-level random deviation; everything an
organisation carries for the whole year (baseline, year level, season, random effect, planted
outlier, the share of its plan it delivers) is kept. Accounts (finance, cost index) are not
sample estimates: their expected numerator is the generated figure itself.

Only cells the pipeline can use are recorded: months the organisation published both the
numerator and the denominator (not suppressed, not missing). No random number is drawn here or
for these records, so the published files do not change.

:mod:`helpers.synthetic.truth` turns the records into annual true values by the catalogue's
definitions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: one row per organisation (as published), measure pair and month
EXPECTED_COLUMNS = ["org_code", "num_measure", "den_measure", "month", "num", "den"]


def expected_frame(
    codes: Sequence[str],
    num_measure: str,
    den_measure: str,
    num: np.ndarray,
    den: np.ndarray,
    shown: np.ndarray,
    months: pd.DatetimeIndex,
) -> pd.DataFrame:
    """The records of one measure pair: ``num`` (expected numerator), ``den`` (denominator) and
    ``shown`` (published) are organisations x ``months``; rows only where ``shown``."""
    num = np.broadcast_to(np.asarray(num, dtype=float), (len(codes), len(months)))
    den = np.broadcast_to(np.asarray(den, dtype=float), (len(codes), len(months)))
    shown = np.broadcast_to(np.asarray(shown, dtype=bool), (len(codes), len(months)))
    o, m = np.nonzero(shown)
    return pd.DataFrame(
        {
            "org_code": np.asarray(codes, dtype=object)[o],
            "num_measure": num_measure,
            "den_measure": den_measure,
            "month": months[m],
            "num": num[o, m],
            "den": den[o, m],
        },
        columns=EXPECTED_COLUMNS,
    )
