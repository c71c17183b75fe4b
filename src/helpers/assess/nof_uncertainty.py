"""NHS England's NOF "likely range" of average score and rank, reproduced, and ours beside it.

NHS England publishes, for each trust of a NOF league table, a likely range of its average score
and of its rank, without the method. On the mental health and community table of 2025/26 Q4 the
ranges are reproduced (``tests/unit/assess/test_nof_uncertainty.py`` measures how closely) by
:func:`nhse_metric_bootstrap`:

1. each trust's **own metric scores** (the ``OF10xx`` scores that make up its average, with the
   combined finance score ``OF1080`` in place of ``OF1079`` and ``OF1081``) are resampled with
   replacement, as many as it has, and averaged: one draw of its average score;
2. each draw's average is rounded to 2 decimals (as NHS England publishes it), placed in a
   segment by fixed cut-offs between the published unadjusted segments (a parameter: the
   quarter's cut-offs), and a trust in financial deficit is placed no better than segment 3;
3. each draw is ranked by (segment, average score), tied trusts sharing the best rank;
4. the likely ranges are the 2.5th and 97.5th percentiles of the draws (a 95% interval).

What that range measures is how much a trust's scores differ **from one metric to another**,
not how much they would differ if the figures were measured again: a trust scored 1 on some
metrics and 4 on others has a wide range however precise each figure is.

NHS England publishes no counts for these metrics, so sampling variation cannot be simulated.
The nearest honest measure on the same data is :func:`quarter_variation_ranges`: how much each
of a trust's metric scores moves between the quarters Q1-Q4 of the year. Its weakness: many
values are rolling 12-month figures, so the quarters overlap and are not independent (the
movement understates what a fresh year would show), and a steady trend counts as variation.
:func:`compare_methods` counts, for one table, what changes between the two.
:func:`range_paragraphs` says in plain English what each range measures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.assess.segments import financial_override, league_ranks, threshold_segments
from helpers.settings.models import NofUncertainty

#: the combined finance score and the two scores it replaces in the average (OF5002)
COMBINED_FINANCE = "OF1080"
REPLACED_BY_COMBINED = ("OF1079", "OF1081")
#: metric scores (1 best to 4) start with this prefix in NHS England's long file
SCORE_PREFIX = "OF10"
#: draws simulated at once (bounds memory; the random stream does not depend on it)
CHUNK = 1000
#: decimals NHS England publishes average scores to, and ranks them at
DECIMALS = 2

OUTPUT_COLUMNS = [
    "average_score",
    "average_lower",
    "average_upper",
    "segment",
    "segment_lower",
    "segment_upper",
    "p_segment",
    "rank",
    "rank_lower",
    "rank_upper",
]


def average_score_inputs(metrics: pd.DataFrame, quarter: int | None = None) -> pd.DataFrame:
    """The metric scores that make up NHS England's average score (``OF5002``), from the frame
    :func:`helpers.ingest.readers.nhse_nof.read_nof_metric_file` returns: every ``OF10xx`` score
    except ``OF1079`` and ``OF1081``, which the combined finance score ``OF1080`` replaces.

    Returns ``quarter_number, org_code, metric_id, score`` (one quarter if ``quarter`` is given),
    sorted by quarter, trust and metric."""
    need = {"quarter_number", "org_code", "metric_id", "value"}
    missing = need - set(metrics.columns)
    if missing:
        raise ValueError(f"the NOF metric frame lacks column(s) {sorted(missing)}")
    m = metrics
    if quarter is not None:
        m = m[m["quarter_number"] == quarter]
        if m.empty:
            raise ValueError(f"the NOF metric frame has no rows for quarter Q{quarter}")
    ids = m["metric_id"]
    keep = ids.str.startswith(SCORE_PREFIX) & ~ids.isin(REPLACED_BY_COMBINED)
    out = m.loc[keep, ["quarter_number", "org_code", "metric_id", "value"]]
    out = out.rename(columns={"value": "score"})
    return out.sort_values(["quarter_number", "org_code", "metric_id"], kind="stable").reset_index(
        drop=True
    )


def midpoint_cutoffs(average: pd.Series, segment: pd.Series) -> list[float]:
    """Cut-offs between published segments: the midpoint between the worst average score in
    segment ``s`` and the best in ``s + 1``, for ``s`` = 1, 2, 3 (``average`` and ``segment``
    indexed alike, e.g. ``OF5002`` and the unadjusted segment ``OF5003`` of one quarter). A
    stand-in where the framework's official cut-offs are not given; an error if the published
    segments overlap in average score (then no fixed cut-off separates them)."""
    a = pd.to_numeric(average, errors="coerce")
    seg = pd.to_numeric(segment.reindex(a.index), errors="coerce")
    out = []
    for s in (1, 2, 3):
        worst, best = a[seg == s].max(), a[seg == s + 1].min()
        if np.isnan(worst) or np.isnan(best):
            raise ValueError(f"no trust in segment {s} or {s + 1}: no cut-off between them")
        if worst >= best:
            raise ValueError(
                f"segments {s} and {s + 1} overlap in average score ({worst} >= {best})"
            )
        out.append(float(round_half_up((worst + best) / 2, 4)))
    return out


def _check_inputs(
    scores: pd.DataFrame,
    in_deficit: pd.Series,
    cutoffs: Sequence[float],
    draws: int,
    level: float,
    columns: Sequence[str],
) -> list[float]:
    missing = [c for c in columns if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lack column(s) {missing}; expected {list(columns)}")
    s = pd.to_numeric(scores["score"], errors="coerce")
    bad = s.isna() | (s < 1) | (s > 4)
    if bad.any():
        row = scores.loc[bad].iloc[0]
        raise ValueError(
            f"score {row['score']!r} of trust {row['org_code']!r}, metric {row['metric_id']!r} "
            f"is not a number from 1 to 4 ({int(bad.sum())} row(s) like this)"
        )
    cut = [float(c) for c in cutoffs]
    if len(cut) != 3 or not (cut[0] < cut[1] < cut[2]):
        raise ValueError(f"cut-offs must be three increasing average scores, not {cut}")
    if draws < 100:
        raise ValueError(f"draws must be at least 100, not {draws}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level}")
    orgs = set(scores["org_code"])
    lacking = sorted(orgs - set(in_deficit.index))
    if lacking:
        raise ValueError(f"in_deficit has no entry for trust(s) {lacking}")
    return cut


def round_half_up(x: np.ndarray, decimals: int = DECIMALS) -> np.ndarray:
    """Round halves up (1.965 -> 1.97), as NHS England's published averages are; a tolerance of
    1e-9 absorbs the binary error of sums like 1.965 held as 1.96499999."""
    f = 10.0**decimals
    return np.floor(np.asarray(x, dtype=float) * f + 0.5 + 1e-9) / f


def _league(
    avg: np.ndarray, deficit: np.ndarray, cut: list[float], cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted segments and league ranks of ``draws × trusts`` averages (rounded first)."""
    a = round_half_up(avg)
    seg = financial_override(threshold_segments(a, cut), deficit[None, :], cap)
    return seg, league_ranks(seg, a)


def _summarise(
    orgs: np.ndarray,
    observed: np.ndarray,
    means: np.ndarray,
    deficit: np.ndarray,
    cut: list[float],
    cap: int,
    level: float,
    exact: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The output table from the observed averages and the ``draws × trusts`` simulated ones
    (the average score's bounds from ``exact`` where given, else from the draws)."""
    seg0, rank0 = _league(observed[None, :], deficit, cut, cap)
    segs, ranks = [], []
    for i in range(0, means.shape[0], CHUNK):
        s, r = _league(means[i : i + CHUNK], deficit, cut, cap)
        segs.append(s)
        ranks.append(r)
    seg, rank = np.concatenate(segs), np.concatenate(ranks)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    if exact is None:
        exact = np.quantile(means, lo_q, axis=0), np.quantile(means, hi_q, axis=0)
    out = pd.DataFrame(
        {
            "average_score": observed,
            "average_lower": exact[0],
            "average_upper": exact[1],
            "segment": seg0[0].astype(int),
            "segment_lower": np.quantile(seg, lo_q, axis=0, method="lower").astype(int),
            "segment_upper": np.quantile(seg, hi_q, axis=0, method="higher").astype(int),
            "p_segment": (seg == seg0).mean(axis=0),
            "rank": rank0[0].astype(int),
            "rank_lower": np.quantile(rank, lo_q, axis=0, method="lower").astype(int),
            "rank_upper": np.quantile(rank, hi_q, axis=0, method="higher").astype(int),
        },
        index=pd.Index(orgs, name="org_code"),
    )
    return out[OUTPUT_COLUMNS]


def exact_bootstrap_bounds(
    mat: np.ndarray, k: np.ndarray, level: float, decimals: int = DECIMALS
) -> tuple[np.ndarray, np.ndarray] | None:
    """The ``level`` interval of each trust's bootstrap mean worked out exactly, without draws.

    ``mat``: ``trusts × max metrics`` scores (the first ``k[i]`` of row ``i`` used). When every
    score is a multiple of ``10**-decimals`` (NHS England publishes scores to 2 decimals), the
    sum of ``k`` scores picked with replacement from a trust's own ``k`` takes whole multiples
    too, and its distribution is the ``k``-fold convolution of the trust's scores' frequencies:
    the percentiles are then exact (the smallest mean whose cumulative probability reaches
    ``(1 - level) / 2``, and ``(1 + level) / 2``). ``None`` when a score is off that grid."""
    f = 10**decimals
    units = np.round(mat * f)
    used = np.arange(mat.shape[1])[None, :] < k[:, None]
    if np.abs(np.where(used, mat * f - units, 0.0)).max(initial=0.0) > 1e-6:
        return None
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    lo, hi = np.empty(len(k)), np.empty(len(k))
    for i, ki in enumerate(k):
        u = units[i, :ki].astype(np.int64)
        pmf = np.bincount(u, minlength=int(u.max()) + 1) / ki
        dist = np.array([1.0])
        for _ in range(ki):
            dist = np.convolve(dist, pmf)
        cdf = np.cumsum(dist)
        # a tolerance of 1e-12 keeps a cumulative probability of exactly 2.5% at its point
        lo[i] = np.searchsorted(cdf, lo_q - 1e-12) / ki / f
        hi[i] = np.searchsorted(cdf, hi_q - 1e-12) / ki / f
    return lo, hi


def _padded(scores: pd.DataFrame, orgs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each trust's scores as a row of a ``trusts × max metrics`` matrix (zero-padded) and the
    number of scores of each."""
    s = scores.sort_values(["org_code", "metric_id"], kind="stable")
    pos = s.groupby("org_code", sort=True).cumcount().to_numpy()
    row = pd.Index(orgs).get_indexer(s["org_code"])
    k = np.bincount(row, minlength=len(orgs))
    mat = np.zeros((len(orgs), int(k.max())))
    mat[row, pos] = s["score"].to_numpy(dtype=float)
    return mat, k


def nhse_metric_bootstrap(
    scores: pd.DataFrame,
    in_deficit: pd.Series,
    cutoffs: Sequence[float],
    *,
    cap: int = 3,
    draws: int,
    seed: int,
    level: float = 0.95,
    exact_average: bool = True,
) -> pd.DataFrame:
    """NHS England's likely ranges of average score and rank, reproduced (see the module).

    ``scores``: one row per trust and metric (``org_code, metric_id, score``), the scores that
    make up the average (:func:`average_score_inputs` picks them from NHS England's file).
    ``in_deficit``: trust -> whether it is in financial deficit (placed no better than ``cap``).
    ``cutoffs``: the three average scores that close segments 1, 2 and 3 (inclusive).

    Returns one row per trust (index ``org_code``, sorted): ``average_score`` (mean of its
    scores), ``average_lower``/``_upper`` (the ``level`` percentile interval of the resampled
    means: worked out exactly by :func:`exact_bootstrap_bounds` when ``exact_average`` and the
    scores have 2 decimals, so free of Monte Carlo noise; else from the draws), ``segment`` and
    ``rank`` (from the observed average rounded to 2 decimals, after the financial override),
    ``segment_lower``/``_upper`` and ``p_segment`` (share of draws in the observed segment),
    ``rank_lower``/``_upper`` (percentiles of the draws' league ranks, tied trusts sharing the
    best rank). The same inputs and seed give the same table, whatever the
    order of the input rows."""
    cut = _check_inputs(
        scores, in_deficit, cutoffs, draws, level, ("org_code", "metric_id", "score")
    )
    dup = scores.duplicated(["org_code", "metric_id"])
    if dup.any():
        row = scores.loc[dup].iloc[0]
        raise ValueError(
            f"trust {row['org_code']!r} has metric {row['metric_id']!r} more than once; "
            "pass one quarter's scores"
        )
    orgs = np.array(sorted(scores["org_code"].unique()), dtype=object)
    mat, k = _padded(scores, orgs)
    n, kmax = mat.shape
    deficit = in_deficit.reindex(orgs).astype(bool).to_numpy()
    valid = np.arange(kmax)[None, :] < k[:, None]
    observed = np.where(valid, mat, 0.0).sum(axis=1) / k
    rng = np.random.default_rng(seed)
    means = np.empty((draws, n))
    rows = np.arange(n)[None, :, None]
    for i in range(0, draws, CHUNK):
        c = min(CHUNK, draws - i)
        # which of its own k scores each of a trust's k picks takes (positions beyond k unused)
        pick = np.floor(rng.random((c, n, kmax)) * k[None, :, None]).astype(np.intp)
        picked = np.where(valid[None], mat[rows, pick], 0.0)
        means[i : i + c] = picked.sum(axis=2) / k[None, :]
    exact = exact_bootstrap_bounds(mat, k, level) if exact_average else None
    return _summarise(orgs, observed, means, deficit, cut, cap, level, exact)


def quarter_variation_ranges(
    scores: pd.DataFrame,
    in_deficit: pd.Series,
    cutoffs: Sequence[float],
    *,
    quarter: int,
    cap: int = 3,
    draws: int,
    seed: int,
    level: float = 0.95,
) -> pd.DataFrame:
    """Our likely ranges: how much a trust's average score and rank would move if each of its
    metric scores moved as much as it did between the quarters of the year.

    ``scores``: ``quarter_number, org_code, metric_id, score`` for every quarter available
    (:func:`average_score_inputs` without a quarter). The trust's average in ``quarter`` is the
    centre. In each draw, each of its metric scores in ``quarter`` is shifted by one of that
    trust's own quarterly deviations of the metric (its score in a quarter minus its mean over
    the quarters it has), drawn at random, scaled by ``sqrt(q / (q - 1))`` for ``q`` quarters
    (deviations from a mean of ``q`` values understate the spread) and the result kept within 1
    to 4; a metric scored in one quarter only does not move. The draws are then averaged,
    segmented, capped and ranked as in :func:`nhse_metric_bootstrap`; the output has its columns.

    What it measures: movement within the year, metric by metric. Its weaknesses: four quarters
    are few; many values are rolling 12-month figures, so quarters overlap and the movement
    understates fresh variation; a steady trend over the year counts as variation; scores are
    relative to other trusts, so a trust's score can move when only the others changed."""
    cut = _check_inputs(
        scores,
        in_deficit,
        cutoffs,
        draws,
        level,
        ("quarter_number", "org_code", "metric_id", "score"),
    )
    dup = scores.duplicated(["quarter_number", "org_code", "metric_id"])
    if dup.any():
        row = scores.loc[dup].iloc[0]
        raise ValueError(
            f"trust {row['org_code']!r} has metric {row['metric_id']!r} more than once in "
            f"quarter Q{row['quarter_number']}"
        )
    # a stable order first, so that sums (and so the table) do not depend on the input's order
    scores = scores.sort_values(["org_code", "metric_id", "quarter_number"], kind="stable")
    now = scores[scores["quarter_number"] == quarter]
    if now.empty:
        raise ValueError(f"no scores for quarter Q{quarter}")
    orgs = np.array(sorted(now["org_code"].unique()), dtype=object)
    # deviations of every quarter's score from the trust's own mean of that metric
    s = scores[
        scores.set_index(["org_code", "metric_id"]).index.isin(
            now.set_index(["org_code", "metric_id"]).index
        )
    ].copy()
    s = s[s["quarter_number"] <= quarter]
    grp = s.groupby(["org_code", "metric_id"], sort=True)["score"]
    q = grp.transform("size").to_numpy(dtype=float)
    scale = np.sqrt(np.where(q > 1, q / np.maximum(q - 1, 1), 0.0))
    s["deviation"] = (s["score"].to_numpy() - grp.transform("mean").to_numpy()) * scale
    now = now.sort_values(["org_code", "metric_id"], kind="stable").reset_index(drop=True)
    mat, k = _padded(now, orgs)
    n, kmax = mat.shape
    # deviations as a trusts × metrics × quarters array, NaN where a quarter is missing
    nq = int(s["quarter_number"].nunique())
    quarters = np.sort(s["quarter_number"].unique())
    pos = now.groupby("org_code", sort=True).cumcount().to_numpy()
    slot = pd.Series(pos, index=pd.MultiIndex.from_frame(now[["org_code", "metric_id"]]))
    key = pd.MultiIndex.from_frame(s[["org_code", "metric_id"]])
    dev = np.full((n, kmax, nq), np.nan)
    dev[
        pd.Index(orgs).get_indexer(s["org_code"]),
        slot.reindex(key).to_numpy().astype(int),
        np.searchsorted(quarters, s["quarter_number"].to_numpy()),
    ] = s["deviation"].to_numpy()
    # each metric's available deviations packed to the front, with their count
    avail = ~np.isnan(dev)
    order = np.argsort(~avail, axis=2, kind="stable")
    dev = np.take_along_axis(dev, order, axis=2)
    nd = avail.sum(axis=2)
    valid = np.arange(kmax)[None, :] < k[:, None]
    deficit = in_deficit.reindex(orgs).astype(bool).to_numpy()
    observed = np.where(valid, mat, 0.0).sum(axis=1) / k
    rng = np.random.default_rng(seed)
    means = np.empty((draws, n))
    ii = np.arange(n)[None, :, None]
    jj = np.arange(kmax)[None, None, :]
    for i in range(0, draws, CHUNK):
        c = min(CHUNK, draws - i)
        pick = np.floor(rng.random((c, n, kmax)) * np.maximum(nd, 1)[None]).astype(np.intp)
        shift = np.nan_to_num(dev[ii, jj, pick])
        moved = np.clip(mat[None] + shift, 1.0, 4.0)
        means[i : i + c] = np.where(valid[None], moved, 0.0).sum(axis=2) / k[None, :]
    return _summarise(orgs, observed, means, deficit, cut, cap, level)


def ranges_reproduction(reproduced: pd.DataFrame, league: pd.DataFrame) -> pd.Series:
    """How closely reproduced ranges match NHS England's published ones (``league``: the frame
    of :func:`helpers.ingest.readers.nhse_nof.read_nof_league_table`, indexed by ``org_code``).

    The average score's bounds are compared at the 2 decimals NHS England publishes: mean and
    largest absolute error over both bounds of every trust; the rank's bounds: the share of
    trusts whose both bounds are equal, within one and within two places; the observed segment
    and rank: the share equal."""
    lg = league.reindex(reproduced.index)
    if lg["likely_range_of_rank_lower"].isna().any():
        missing = sorted(lg.index[lg["likely_range_of_rank_lower"].isna()])
        raise ValueError(f"the league table has no row for trust(s) {missing}")
    err = np.abs(
        np.concatenate(
            [
                round_half_up(reproduced["average_lower"])
                - lg["likely_range_of_average_score_lower"].to_numpy(),
                round_half_up(reproduced["average_upper"])
                - lg["likely_range_of_average_score_upper"].to_numpy(),
            ]
        )
    )
    rank_err = np.maximum(
        (reproduced["rank_lower"] - lg["likely_range_of_rank_lower"]).abs(),
        (reproduced["rank_upper"] - lg["likely_range_of_rank_upper"]).abs(),
    )
    return pd.Series(
        {
            "trusts": float(len(reproduced)),
            "average_bound_mae": float(err.mean()),
            "average_bound_max_error": float(err.max()),
            "rank_bounds_equal": float((rank_err == 0).mean()),
            "rank_bounds_within_1": float((rank_err <= 1).mean()),
            "rank_bounds_within_2": float((rank_err <= 2).mean()),
            "segment_equal": float((reproduced["segment"] == lg["segment"]).mean()),
            "rank_equal": float((reproduced["rank"] == lg["rank"]).mean()),
        }
    )


def confident_quartiles(ranges: pd.DataFrame, quartile_size: float) -> pd.DataFrame:
    """``top``: the whole rank range within the best ``quartile_size`` places; ``bottom``: the
    whole range within the worst ``quartile_size`` places of the table."""
    n = len(ranges)
    return pd.DataFrame(
        {
            "top": ranges["rank_upper"] <= quartile_size,
            "bottom": ranges["rank_lower"] > n - quartile_size,
        },
        index=ranges.index,
    )


def compare_methods(
    nhse: pd.DataFrame, ours: pd.DataFrame, quartile_size: float | None = None
) -> pd.DataFrame:
    """What changes between two methods' likely ranges for the same trusts (the outputs of
    :func:`nhse_metric_bootstrap` and :func:`quarter_variation_ranges`).

    One row per measure (index ``measure``) with the count under NHS England's method, under
    ours, and ``changed`` (trusts for which the two differ): trusts, observed segments that
    differ (none when both are given the same quarter's scores: the methods change the ranges,
    not the segment), trusts whose range of segments differs, trusts whose segment is settled
    (the ``level`` range of the draws' segments is one segment), trusts
    confidently in the top and in the bottom quartile (whole rank range within the best / worst
    ``quartile_size`` places; default a quarter of the table), and the median width of the
    rank range."""
    if not nhse.index.equals(ours.index):
        only = sorted(set(nhse.index) ^ set(ours.index))
        raise ValueError(f"the two methods cover different trusts: {only}")
    size = len(nhse) / 4 if quartile_size is None else float(quartile_size)
    a, b = confident_quartiles(nhse, size), confident_quartiles(ours, size)
    settled_a = nhse["segment_lower"] == nhse["segment_upper"]
    settled_b = ours["segment_lower"] == ours["segment_upper"]
    seg_diff = int((nhse["segment"] != ours["segment"]).sum())
    range_a = nhse["segment_lower"].astype(str) + "-" + nhse["segment_upper"].astype(str)
    range_b = ours["segment_lower"].astype(str) + "-" + ours["segment_upper"].astype(str)
    rows = [
        ("trusts", len(nhse), len(ours), 0),
        ("observed segment differs", seg_diff, seg_diff, seg_diff),
        ("segment range differs", np.nan, np.nan, int((range_a != range_b).sum())),
        (
            "segment settled",
            int(settled_a.sum()),
            int(settled_b.sum()),
            int((settled_a != settled_b).sum()),
        ),
        (
            "confidently top quartile",
            int(a.top.sum()),
            int(b.top.sum()),
            int((a.top != b.top).sum()),
        ),
        (
            "confidently bottom quartile",
            int(a.bottom.sum()),
            int(b.bottom.sum()),
            int((a.bottom != b.bottom).sum()),
        ),
    ]
    out = pd.DataFrame(
        rows, columns=["measure", "nhse_metric_bootstrap", "quarter_variation", "changed"]
    ).set_index("measure")
    width = pd.DataFrame(
        {
            "nhse_metric_bootstrap": [float((nhse.rank_upper - nhse.rank_lower).median())],
            "quarter_variation": [float((ours.rank_upper - ours.rank_lower).median())],
            "changed": [np.nan],
        },
        index=pd.Index(["median rank range width"], name="measure"),
    )
    return pd.concat([out.astype(float), width])


def likely_ranges(
    settings: NofUncertainty,
    scores: pd.DataFrame,
    in_deficit: pd.Series,
    cutoffs: Sequence[float],
    *,
    quarter: int,
    cap: int = 3,
) -> pd.DataFrame:
    """The likely ranges of one quarter's league table by the method the settings choose.

    ``scores``: ``quarter_number, org_code, metric_id, score`` for every quarter (the output of
    :func:`average_score_inputs`); NHS England's method uses ``quarter`` only."""
    common = {"cap": cap, "draws": settings.draws, "seed": settings.seed, "level": settings.level}
    if settings.method == "nhse_metric_bootstrap":
        one = scores[scores["quarter_number"] == quarter]
        if one.empty:
            raise ValueError(f"no scores for quarter Q{quarter}")
        return nhse_metric_bootstrap(
            one[["org_code", "metric_id", "score"]], in_deficit, cutoffs, **common
        )
    return quarter_variation_ranges(scores, in_deficit, cutoffs, quarter=quarter, **common)


def range_paragraphs(settings: NofUncertainty | None = None) -> list[str]:
    """What each likely range measures, in plain English (markdown paragraphs for the
    methodology page; the number of draws and the level come from the settings)."""
    s = settings or NofUncertainty()
    pct = f"{s.level:.0%}"
    lo, hi = f"{(1 - s.level) / 2:.1%}", f"{(1 + s.level) / 2:.1%}"
    return [
        "**NHS England's likely range (reproduced).** NHS England publishes, beside each "
        "trust's average score and rank in the NHS Oversight Framework league table, a "
        '"likely range" of each, without saying how it is worked out. Our reconstruction, '
        "which matches the published ranges closely (not to the last digit: NHS England's own "
        "ranges come from random draws), takes the trust's own metric scores (1 best to 4 "
        "worst), picking as many of them at random as it has, with repeats allowed, and "
        f"averaging them; doing that {s.draws:,} "
        "times; placing each result in a segment with the quarter's cut-offs (a trust in "
        "financial deficit no better than segment 3) and ranking the trusts by segment and then "
        f"score; and reading off the {lo} and {hi} points ({pct} of the results lie between).",
        "**What NHS England's range measures.** How much a trust's scores differ *from one "
        "metric to another*. A trust scored 1 on some metrics and 4 on others has a wide range "
        "however precisely each figure was measured; a trust with similar scores on every "
        "metric has a narrow one. It does not measure chance variation in the figures "
        "themselves (how different they would be if measured again), so two trusts whose ranges "
        "overlap are not shown to be indistinguishable, and a narrow range is not a sign that "
        "the figures are precise.",
        "**Our range beside it (quarter-to-quarter variation).** NHS England publishes no "
        "counts (numerators and denominators) for these metrics, so how much a figure could "
        "differ by chance cannot be simulated. The nearest honest measure on the same data is "
        "how much each of a trust's metric scores moved between the quarters of the year: in "
        "each simulated draw every score of the latest quarter is shifted by how far that "
        "trust's score on that metric stood from its own average over the year in one of the "
        "quarters, picked at random, and the "
        f"average, segment and rank are worked out again ({s.draws:,} draws, {pct} range).",
        "**What our range measures, and its weakness.** How much a trust's position could "
        "move with the ordinary movement of its figures over a year. It understates that "
        "movement where figures are rolling 12-month totals (consecutive quarters share nine "
        "months, so they are not independent), treats the once-a-year step of the annual "
        "figures (staff and patient surveys) as movement, counts a steady trend over the year as "
        "variation, rests on at most four quarters, and gives no movement to a metric scored in "
        "one quarter only. Scores are relative to other trusts, so a score can move because "
        "other trusts changed. Neither range is a statement that a trust's segment is wrong: "
        "both are this independent assessment's reading of NHS England's published figures.",
    ]
