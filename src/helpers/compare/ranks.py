"""Rank uncertainty: each organisation's rank in its peer group with a 95% rank interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.compare.schema import RANK_COLUMNS
from helpers.compare.uncertainty import value_draws, with_uncertainty
from helpers.settings import LoadedAssessment, MetricSpec
from helpers.stats.rank_draws import oriented, rank_matrix, summarise_ranks

#: draws of every value's uncertainty for the rank intervals
N_DRAWS = 1000


def add_rank_intervals(
    run: LoadedAssessment,
    results: pd.DataFrame,
    specs: dict[str, MetricSpec],
    monthly: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rank every organisation within its peer group and year, with a 95% rank interval from
    simulation of each value's uncertainty (:mod:`helpers.compare.uncertainty`: sampling error
    and, with ``monthly``, month-to-month variation), re-ranking every draw (Marshall &
    Spiegelhalter). Accounts, which are not sample estimates, get their exact rank."""
    out = results.drop(columns=["peer_rank", "peer_count", *RANK_COLUMNS], errors="ignore")
    unc = with_uncertainty(out, monthly, specs, months=run.settings.assess.month_to_month)
    rng = np.random.default_rng(run.settings.seed)
    parts = []
    for metric_id in sorted(out.metric_id.unique()):
        spec = specs[metric_id]
        idx = out.index[out.metric_id == metric_id]
        sub = unc.loc[idx]
        ok = sub.value.notna().to_numpy()
        periods = sub.period.to_numpy()
        observed = rank_matrix(oriented(sub.value.to_numpy(dtype=float), spec.polarity), periods)[0]
        model = run.settings.assess.rank_model
        draws = value_draws(sub, spec, N_DRAWS, rng, model, periods)
        ranks = rank_matrix(oriented(draws, spec.polarity), periods)
        size = pd.Series(ok, index=idx).groupby(periods).transform("sum").to_numpy(dtype=float)
        size = np.where(ok, size, np.nan)
        ri = summarise_ranks(ranks, size, observed=observed)  # the rank lies in its range
        ri.index = idx
        ri["peer_rank"] = observed
        ri["peer_count"] = size
        parts.append(ri[["peer_rank", "peer_count", *RANK_COLUMNS]])
    out = out.join(pd.concat(parts))
    for col in ["peer_rank", "peer_count", "rank_lower", "rank_upper"]:
        out[col] = out[col].astype("Int64")
    for col in ["confidently_top_quartile", "confidently_bottom_quartile"]:
        out[col] = out[col].where(out.peer_rank.notna()).astype("boolean")
    q = np.ceil(4 * out.peer_rank.astype(float) / out.peer_count.astype(float))
    out["peer_quartile"] = pd.array(q, dtype="Int64")
    return out
