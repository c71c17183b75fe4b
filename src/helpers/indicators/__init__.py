"""Indicator construction: one value per organisation, metric and financial year, with its
confidence intervals, as the metric catalogue defines it.

* :mod:`helpers.indicators.build`: successors (mergers), monthly numerators and denominators,
  annual values with their intervals and the reasons a year has none.
* :mod:`helpers.indicators.dsr`: directly age-standardised rates from age-specific counts.
"""

from helpers.indicators.build import (
    annual_values,
    attach_successors,
    definitions_table,
    dsr_values,
    interval,
    monthly_quantities,
)
from helpers.indicators.dsr import annual_dsr

__all__ = [
    "annual_dsr",
    "annual_values",
    "attach_successors",
    "definitions_table",
    "dsr_values",
    "interval",
    "monthly_quantities",
]
