"""The other trigger of persistent failure: special-cause concern on core metrics.

For each core metric (``assess.persistent_failure.spc_metrics``) and financial year, the Making
Data Count XmR chart of each organisation's gap to its peers (its monthly value minus the pooled
value of all the organisations assessed, the same month) is drawn on the months up to the end of
that year (what its board saw at the year end; within the metric's latest definition, so no
chart spans a series break). The gap, not the value: a national deterioration or the winter
season moves every chart alike and is not a local failure (on the real A&E 4-hour data, charts
of the value itself show concern in 41% of trust-years, of the gap in 20%). The year shows
*special-cause concern* on the metric when the chart's last point falls in that year and is a
special-cause concern point (beyond a limit, a run or trend in the worse direction, or 2 of 3
near the limit). An organisation-year counts towards persistent failure when at least
``spc_min_metrics`` core metrics show concern.
"""

from __future__ import annotations

import pandas as pd

from helpers.compare.spc_trend import SPC_DIRECTION, monthly_values
from helpers.settings import LoadedAssessment
from helpers.stats.spc import spc

SPC_COLUMNS = ["org_code", "period", "spc_concern_metrics", "spc_concern"]


def spc_concerns(run: LoadedAssessment, monthly: pd.DataFrame) -> pd.DataFrame:
    """``org_code, period, spc_concern_metrics`` (the core metrics showing special-cause
    concern at the year end, ``;``-separated, sorted) and ``spc_concern`` (at least
    ``spc_min_metrics`` of them) for every organisation-year with a core metric's chart.
    Empty when the settings name no core metric."""
    pf = run.settings.assess.persistent_failure
    specs = {m.id: m for m in run.metrics}
    years = run.settings.financial_years
    hits: dict[tuple[str, str], list[str]] = {}
    for metric_id in pf.spc_metrics:
        spec = specs[metric_id]
        m = monthly_values(monthly, spec, years)
        if m.empty:
            continue
        # the gap to the peer group's same month: a national trend or season is not local failure
        sums = m.groupby("month")[["numerator", "denominator"]].transform("sum")
        m = m.assign(value=m.value - spec.multiplier * sums.numerator / sums.denominator)
        for fy in years:
            upto = m[m.period <= fy].rename(columns={"month": "date"})
            if upto.empty:
                continue
            points = spc(
                upto,
                "value",
                "date",
                facet="org_code",
                improvement_direction=SPC_DIRECTION[spec.polarity],
            )
            last = points.groupby("f").tail(1)
            in_year = set(upto.org_code[upto.period == fy])
            for org, kind in zip(last.f, last.point_type, strict=True):
                if org in in_year:
                    found = hits.setdefault((str(org), fy), [])
                    if kind == "special_cause_concern":
                        found.append(metric_id)
    rows = [
        {
            "org_code": org,
            "period": fy,
            "spc_concern_metrics": ";".join(sorted(found)),
            "spc_concern": len(found) >= pf.spc_min_metrics,
        }
        for (org, fy), found in sorted(hits.items())
    ]
    return pd.DataFrame(rows, columns=SPC_COLUMNS)
