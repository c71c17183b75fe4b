"""Directly age-standardised rates (2013 European Standard Population, Dobson limits)."""

from __future__ import annotations

import pandas as pd

from helpers.core.fy import financial_year
from helpers.stats.ci import CI_COLUMNS, dsr_ci
from helpers.stats.esp2013 import ESP2013

DSR_COLUMNS = ["org_code", "period", "numerator", "denominator", *CI_COLUMNS]


def annual_dsr(
    measures: pd.DataFrame,
    *,
    events_measure: str = "acs_admissions",
    population_measure: str = "population",
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Directly age-standardised rate per ICB and financial year (ESP2013, Dobson limits).

    Sums ``events_measure`` over the months of each financial year by age band (absent bands
    and months count zero), takes the population of the matching mid-year, and calls
    :func:`helpers.stats.ci.dsr_ci` (95% and 99.8%; fewer than 10 events are suppressed: value
    and limits NaN). Only financial years with at least one event row anywhere are computed.
    Returns ``org_code, period, numerator, denominator, value, ci95_lower, ci95_upper,
    ci998_lower, ci998_upper, ci_method``.
    """
    ev = measures[measures["measure"] == events_measure]
    ev = (
        ev.assign(period=financial_year(ev["month"]))
        .groupby(["org_code_published", "period", "stratum"], as_index=False)["value"]
        .sum()
        .rename(columns={"value": "events"})
    )
    pop = measures[measures["measure"] == population_measure]
    pop = (
        pop.assign(period=financial_year(pop["month"]))
        .groupby(["org_code_published", "period", "stratum"], as_index=False)["value"]
        .sum()
        .rename(columns={"value": "population"})
    )
    pop = pop[pop["period"].isin(set(ev["period"]))]
    data = pop.merge(ev, on=["org_code_published", "period", "stratum"], how="outer")
    no_pop = data["population"].isna() | (data["population"] <= 0)
    if (no_pop & (data["events"].fillna(0) > 0)).any():
        bad = data[no_pop & (data["events"].fillna(0) > 0)].iloc[0]
        raise ValueError(
            f"no population for ICB {bad.org_code_published}, {bad.period}, age band "
            f"{bad.stratum!r}, which has {int(bad.events)} event(s)"
        )
    data = data[~no_pop].copy()
    unknown = set(data["stratum"]) - set(ESP2013)
    if unknown:
        raise ValueError(f"age bands not in ESP2013: {sorted(unknown)}")
    data["events"] = data["events"].fillna(0.0)
    data["esp2013"] = data["stratum"].map(ESP2013).astype(float)
    if data.empty:
        return pd.DataFrame(columns=DSR_COLUMNS)
    out = dsr_ci(
        data,
        "events",
        "population",
        "esp2013",
        by=["org_code_published", "period"],
        multiplier=multiplier,
    )
    out = out.rename(
        columns={
            "org_code_published": "org_code",
            "total_count": "numerator",
            "total_pop": "denominator",
        }
    )
    return out[DSR_COLUMNS]
