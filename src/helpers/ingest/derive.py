"""Measures derived from a source's own, as its settings ask (``options`` of the source).

* ``<x>_mean``, ``<x>_sd`` and ``<x>_n`` always give ``<x>_sum`` and ``<x>_sumsq`` (sum and sum
  of squares), so that means aggregate exactly over months and organisations;
* ``differences: {new: [a, b]}`` adds ``new = a - b`` (e.g. outturn minus plan);
* ``spread_quarters: true`` spreads a quarterly figure dated at the quarter's first month over
  its three months in proportion to their days, so that it can serve as the denominator of
  monthly counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd


def derived_names(measures: Iterable[str], options: Mapping[str, Any]) -> set[str]:
    """The names :func:`derive_measures` adds to a source that produces ``measures``."""
    names = set(measures)
    out = set()
    for x in names:
        stem = x.removesuffix("_mean")
        if x.endswith("_mean") and {f"{stem}_sd", f"{stem}_n"} <= names:
            out |= {f"{stem}_sum", f"{stem}_sumsq"}
    out |= set((options or {}).get("differences", {}))
    return out


def derive_measures(measures: pd.DataFrame, options: dict) -> pd.DataFrame:
    """The source's measures with those its options derive (see the module notes), sorted
    by source, organisation, month and measure."""
    m = measures
    keys = ["source", "org_code_published", "month"]
    stems = {x[: -len("_mean")] for x in m.measure.unique() if x.endswith("_mean")}
    extra = []
    for stem in sorted(stems):
        want = [f"{stem}_mean", f"{stem}_sd", f"{stem}_n"]
        if not set(want) <= set(m.measure):
            continue
        wide = m[m.measure.isin(want)].pivot_table(
            index=keys, columns="measure", values="value", aggfunc="first"
        )
        mean, sd, n = (wide[c] for c in want)
        for name, values in (
            (f"{stem}_sum", mean * n),
            (f"{stem}_sumsq", (n - 1) * sd**2 + n * mean**2),
        ):
            extra.append(values.rename("value").reset_index().assign(measure=name))
    for new, (a, b) in options.get("differences", {}).items():
        w = m[m.measure.isin([a, b])].pivot_table(
            index=keys, columns="measure", values="value", aggfunc="first"
        )
        if a in w and b in w:
            extra.append((w[a] - w[b]).rename("value").reset_index().assign(measure=new))
    if extra:
        m = pd.concat([m, *extra], ignore_index=True)
    if options.get("spread_quarters"):
        first = pd.to_datetime(m.month)
        parts = []
        days_q = sum((first + pd.DateOffset(months=k)).dt.days_in_month for k in range(3)).astype(
            float
        )
        for k in range(3):
            month = first + pd.DateOffset(months=k)
            parts.append(m.assign(month=month, value=m.value * month.dt.days_in_month / days_q))
        m = pd.concat(parts, ignore_index=True)
    return m.sort_values([*keys, "measure"], kind="stable").reset_index(drop=True)
