"""Rank uncertainty: each organisation's rank in its peer group with a 95% rank interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.compare.schema import RANK_COLUMNS
from helpers.methods import method
from helpers.settings import LoadedAssessment, MetricSpec
from helpers.stats.ranks import rank_intervals

#: draws of every value's sampling distribution for the rank intervals
N_DRAWS = 1000


def add_rank_intervals(
    run: LoadedAssessment, results: pd.DataFrame, specs: dict[str, MetricSpec]
) -> pd.DataFrame:
    """Rank every organisation within its peer group and year, with a 95% rank interval from
    parametric simulation of each value's sampling distribution (Marshall & Spiegelhalter)."""
    out = results.drop(columns=["peer_rank", "peer_count", *RANK_COLUMNS], errors="ignore")
    parts = []
    for metric_id, idx in out.groupby("metric_id").groups.items():
        spec = specs[metric_id]
        sub = out.loc[idx]
        ok = sub.value.notna()
        sampler = method(spec.statistic, spec.ci_method).rank_sampler
        polarity = "lower_is_better" if spec.polarity == "lower_is_better" else "higher_is_better"
        kwargs: dict = {"by": sub.period.to_numpy(), "method": sampler, "polarity": polarity}
        if sampler in ("beta", "gamma"):
            kwargs["numerator"] = sub.numerator.where(ok).to_numpy()
            kwargs["denominator"] = sub.denominator.where(ok).to_numpy()
        else:
            se = (sub.ci95_upper - sub.ci95_lower) / 3.92
            kwargs["estimate"] = sub.value.where(ok).to_numpy()
            kwargs["se"] = se.where(ok).to_numpy()
        if sampler == "exact":
            # not a sample estimate (accounts): the rank is exact, with no interval
            v = sub.value.where(ok)
            ascending = spec.polarity == "lower_is_better"
            ri = pd.DataFrame(index=idx)
            ri["rank"] = v.groupby(sub.period).rank(method="min", ascending=ascending)
            ri["group_size"] = v.groupby(sub.period).transform("count")
            for col in RANK_COLUMNS:
                ri[col] = np.nan
            ri["rank_lower"] = ri["rank_upper"] = ri["rank"]
        else:
            ri = rank_intervals(n_draws=N_DRAWS, seed=run.settings.seed, **kwargs)
        ri.index = idx
        ri["peer_count"] = ri["group_size"].where(ok)
        parts.append(
            ri.rename(columns={"rank": "peer_rank"})[["peer_rank", "peer_count", *RANK_COLUMNS]]
        )
    out = out.join(pd.concat(parts))
    for col in ["peer_rank", "peer_count", "rank_lower", "rank_upper"]:
        out[col] = out[col].astype("Int64")
    for col in ["confidently_top_quartile", "confidently_bottom_quartile"]:
        out[col] = out[col].astype("boolean")
    q = np.ceil(4 * out.peer_rank.astype(float) / out.peer_count.astype(float))
    out["peer_quartile"] = pd.array(q, dtype="Int64")
    return out
