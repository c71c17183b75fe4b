"""Checking our segmentation engine against NHS England's published NOF 2025/26 Q3 segments.

The input is a third-party extract of the NHS Oversight Framework (NOF) 2025/26 Q3 league
tables (``data/raw/nof_2025_26_q3_trust_segmentation_extract.csv``; see ``data/README.md``):
one row per trust with its trust type, published segment (after the financial adjustment),
league rank within trust type, average metric score and, for acute trusts, whether it was in
financial deficit. It is used here only to check :mod:`helpers.assess.segments`: we take NHS
England's average scores as given and ask which segmentation rule, run through *our* engine
functions, gives back the published segments.

Two readings, both reported:

a. **Quartiles within trust type** (the NOF 2025/26 manual: average scores "averaged and
   quartiled"; ``METHODS.md`` §1). :func:`~helpers.assess.segments.quartile_segments` is run on
   each trust type's average scores, then
   :func:`~helpers.assess.segments.financial_override` (in deficit: no better than segment 3).
   A quartile needs the whole cohort. Five of the 134 acute trusts are missing from the extract
   (at league ranks 1, 2, 7, 12 and 53; the extract *does* hold Moorfields, RP6, and the Royal
   National Orthopaedic Hospital, RAN). Because the league orders trusts by segment and then by
   average score, a missing trust whose neighbours in the league are in the same segment has a
   score between theirs (strictly below the next one's, or they would share a rank); one above
   the best trust of segment 1 has a better score than every trust in the extract. When no
   trust in the extract has a score strictly inside that interval, the positions of all the
   others are known exactly, and the missing trust is placed at the interval's midpoint (only
   its effect on the others' positions matters; it gets no row). Where that fails, or the
   cohort's size is not known, the cohort is *not reproducible* and no quartile is guessed: the
   extract holds only 20 of the (about 60) mental health and community trusts and 1 of the 10
   ambulance trusts.

b. **Fixed cut-offs common to all trust types** (the primary reading). The cut-off between
   segments ``s`` and ``s + 1`` must lie between the highest score in segments ``1..s`` and the
   lowest score in segments ``s + 1..4`` of the acute trusts *not* in deficit (in deficit, a
   trust's segment 1 or 2 is hidden by the override). No acute trust outside deficit is in
   segment 4, so the 3/4 cut-off is taken from all acute trusts: the override never moves a
   trust between segments 3 and 4. The midpoints of the intervals are the thresholds of
   :func:`~helpers.assess.segments.threshold_segments`, applied with the override to every
   trust. The mental health and community and ambulance trusts are then an out-of-sample check:
   their segments were not used to set the cut-offs. The extract has no deficit flag for them,
   so the override cannot be applied: a non-acute trust published in segment 3 whose score says
   1 or 2 is most likely capped for a deficit.

**What the Q3 extract shows.** Reading (b) reproduces all but one of the 150 published
segments, the mental health and community and the ambulance trusts included; the one exception
(North East London, RAT, score 2.08, published in segment 3) is most likely the financial
override. The acute trusts not in deficit split at fixed scores (segment 1 up to 2.06, 2 from
2.13 to 2.35, 3 from 2.36), which do not sit at the quartile positions of the Q3 acute scores:
R0A (2.36, not in deficit, position 65 of 134) is segment 3 where a quartile would give 2, and
three trusts at 2.71 (position 99) are segment 4 where a quartile would give 3; quartiles still
give 125 of the 129 acute segments, so the acute trusts alone hardly tell the readings apart.
The mental health and community trusts do: RWX is segment 1 at league rank 17 of its table, so
quartiles would need at least 65 trusts in that table (the extract's source says about 60),
while the acute cut-offs give 19 of their 20 segments. So in Q3 NHS England's segments look like
cut-offs common to every trust type (perhaps set in an earlier quarter) plus the deficit cap,
not quartiles recomputed within each trust type in Q3. Every acute trust flagged in deficit is
in segment 3 or 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from helpers.assess.segments import financial_override, quartile_segments, threshold_segments
from helpers.core.files import write_json
from helpers.core.names import name_case
from helpers.core.tables import save_table

ACUTE = "Acute trust"
MENTAL_HEALTH = "Mental health and community trust"
AMBULANCE = "Ambulance trust"
TRUST_TYPES = (ACUTE, MENTAL_HEALTH, AMBULANCE)

#: Trusts in each NOF 2025/26 league table (None: not known exactly) and how to say so.
COHORT_SIZES: dict[str, tuple[int | None, str]] = {
    ACUTE: (134, "134"),  # METHODS.md §1 (specialist trusts included)
    MENTAL_HEALTH: (None, "about 60"),  # ../shared/data/README.md
    AMBULANCE: (10, "10"),
}

#: Columns :func:`read_nof_extract` requires.
REQUIRED_COLUMNS = (
    "org_code",
    "org_name",
    "trust_type",
    "league_segment",
    "league_rank",
    "league_avg_score",
    "trust_in_financial_deficit_flag",
    "domain_score_access",
)

#: Segment cap of the financial override (NOF 2025/26: in deficit, no better than segment 3).
DEFICIT_CAP = 3

READING_CUTOFFS = "cut-offs common to all trust types"
READING_QUARTILES = "quartiles within trust type"

OVERRIDE_NOTE = "probably the financial override; the extract has no deficit flag for non-acute"


def read_nof_extract(path: str | Path) -> pd.DataFrame:
    """The NOF extract, checked: every required column present, one row per ``org_code``,
    segments 1-4, a rank and an average score for every trust. Errors name the file and the
    column."""
    path = Path(path)
    df = pd.read_csv(path, dtype={"org_code": str, "org_name": str, "trust_type": str})
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    for col in ("org_code", "trust_type", "league_segment", "league_rank", "league_avg_score"):
        if df[col].isna().any():
            line = int(df.index[df[col].isna()][0]) + 2
            raise ValueError(f"{path}: column {col} is empty on line {line}")
    dup = df.org_code[df.org_code.duplicated()]
    if len(dup):
        raise ValueError(f"{path}: column org_code repeats {', '.join(sorted(set(dup)))}")
    bad = ~df.league_segment.isin([1, 2, 3, 4])
    if bad.any():
        line = int(df.index[bad][0]) + 2
        raise ValueError(f"{path}: column league_segment is not 1-4 on line {line}")
    flag = df.trust_in_financial_deficit_flag
    if not flag.dropna().isin([0, 1]).all():
        raise ValueError(f"{path}: column trust_in_financial_deficit_flag is not 1/0/blank")
    df["org_name"] = df.org_name.map(name_case)  # in capitals in the extract, as in ODS
    return df


def _type_order(types: pd.Series) -> list[str]:
    present = set(types)
    return [t for t in TRUST_TYPES if t in present] + sorted(present - set(TRUST_TYPES))


def _codes(df: pd.DataFrame) -> str:
    return ", ".join(sorted(df.org_code))


def _segs(first: int, last: int) -> str:
    return f"segment {first}" if first == last else f"segments {first}-{last}"


# --- reading (b): fixed cut-offs ----------------------------------------------------------------


def infer_cutoffs(extract: pd.DataFrame, cap: int = DEFICIT_CAP) -> pd.DataFrame:
    """The interval of cut-offs consistent with the acute trusts' published segments, per
    boundary: ``boundary`` (``1/2``, ``2/3``, ``3/4``), ``lowest_possible`` (the highest score
    in the segments above), ``highest_possible`` (the lowest score in the segments below),
    ``chosen`` (the midpoint), ``trusts_used`` and ``basis`` (in words).

    Boundaries above the cap of the override (1/2 and 2/3) use the acute trusts not in deficit
    only; the boundaries at or below it (3/4) use every acute trust with a known flag."""
    acute = extract[(extract.trust_type == ACUTE) & extract.trust_in_financial_deficit_flag.notna()]
    clear = acute[acute.trust_in_financial_deficit_flag == 0]
    rows = []
    for s in (1, 2, 3):
        used = clear if s < cap else acute
        upper_side = used[used.league_segment <= s]
        lower_side = used[used.league_segment > s]
        if upper_side.empty or lower_side.empty:
            raise ValueError(
                f"cut-off {s}/{s + 1}: no acute trust {'in' if upper_side.empty else 'below'} "
                f"segment {s}{' outside deficit' if s < cap else ''}; it cannot be inferred"
            )
        lo = float(upper_side.league_avg_score.max())
        hi = float(lower_side.league_avg_score.min())
        at_lo = upper_side[upper_side.league_avg_score == lo]
        at_hi = lower_side[lower_side.league_avg_score == hi]
        who = "acute trusts not in deficit" if s < cap else "all acute trusts"
        basis = (
            f"{who} ({len(used)}): highest score in {_segs(1, s)} {lo:.2f} ({_codes(at_lo)}), "
            f"lowest in {_segs(s + 1, 4)} {hi:.2f} ({_codes(at_hi)})"
        )
        if s >= cap:
            c_up = clear[clear.league_segment <= s].league_avg_score
            c_dn = clear[clear.league_segment > s].league_avg_score
            span = (
                f"above {c_up.max():.2f}" if c_dn.empty else f"{c_up.max():.2f} to {c_dn.min():.2f}"
            )
            basis += (
                f"; the override never moves a trust between segments {s} and {s + 1}, so trusts "
                f"in deficit count too (those not in deficit alone: {span}"
                f"{', none in segment 4' if c_dn.empty else ''})"
            )
        chosen = round((lo + hi) / 2, 4)
        if lo > hi:
            chosen, wrong = _fewest_misplaced(
                upper_side.league_avg_score.to_numpy(dtype=float),
                lower_side.league_avg_score.to_numpy(dtype=float),
            )
            basis += (
                "; INCONSISTENT: the segments overlap, no single cut-off separates them; the "
                f"chosen one misplaces the fewest of these trusts ({wrong})"
            )
        rows.append(
            {
                "boundary": f"{s}/{s + 1}",
                "lowest_possible": lo,
                "highest_possible": hi,
                "chosen": chosen,
                "trusts_used": len(used),
                "basis": basis,
            }
        )
    return pd.DataFrame(rows)


def _fewest_misplaced(above: np.ndarray, below: np.ndarray) -> tuple[float, int]:
    """The cut-off (a midpoint between adjacent scores) that puts the fewest scores of
    ``above`` (which should be <= it) and ``below`` (> it) on the wrong side; ties go to the
    lowest."""
    values = np.unique(np.concatenate([above, below]))
    cands = np.concatenate([[values[0] - 0.01], (values[:-1] + values[1:]) / 2, [values[-1]]])
    wrong = [int((above > c).sum() + (below <= c).sum()) for c in cands]
    k = int(np.argmin(wrong))
    return round(float(cands[k]), 4), wrong[k]


def _cutoff_segments(
    extract: pd.DataFrame, thresholds: list[float], cap: int
) -> tuple[np.ndarray, np.ndarray]:
    avg = extract.league_avg_score.to_numpy(dtype=float)[None, :]
    deficit = (extract.trust_in_financial_deficit_flag == 1).to_numpy()[None, :]
    unadj = threshold_segments(avg, thresholds)
    return unadj[0], financial_override(unadj, deficit, cap)[0]


# --- reading (a): quartiles within trust type --------------------------------------------------


@dataclass
class _Cohort:
    """A trust type's average scores with the trusts missing from the extract placed."""

    scores: np.ndarray  # the extract's trusts, then the placed ones
    size: int
    placed: list[str]  # how each missing trust was placed, in words


class _NotReproducible(Exception):
    pass


def _place_missing(group: pd.DataFrame, trust_type: str) -> _Cohort:
    """Complete one trust type's scores, or raise :class:`_NotReproducible` saying why."""
    size, size_text = COHORT_SIZES.get(trust_type, (None, "an unknown number"))
    n = len(group)
    held = f"the extract holds only {n} of {size_text} {trust_type.lower()}s"
    if size is None:
        raise _NotReproducible(f"not reproducible: {held}")
    g = group.sort_values(["league_rank", "league_avg_score"])
    occupied: dict[int, pd.Series] = {}
    for _, tied in g.groupby("league_rank", sort=True):
        start = int(tied.league_rank.iloc[0])
        for k in range(len(tied)):
            occupied[start + k] = tied.iloc[0]
    if len(occupied) != n or max(occupied) > size:
        raise _NotReproducible(f"not reproducible: the league ranks do not fit {size} trusts")
    missing = [p for p in range(1, size + 1) if p not in occupied]
    placed, extra = [], []
    for p in missing:
        before = [occupied[q] for q in occupied if q < p]
        after = [occupied[q] for q in occupied if q > p]
        prev = max(before, key=lambda r: r.league_rank) if before else None
        nxt = min(after, key=lambda r: r.league_rank) if after else None
        if prev is not None and nxt is not None and prev.league_segment == nxt.league_segment:
            lo, hi = float(prev.league_avg_score), float(nxt.league_avg_score)
            where = f"between {lo:.2f} and {hi:.2f}"
        elif prev is None and nxt is not None and nxt.league_segment == 1:
            lo, hi = -math.inf, float(nxt.league_avg_score)
            where = f"below {hi:.2f}"
        elif nxt is None and prev is not None and prev.league_segment == 4:
            lo, hi = float(prev.league_avg_score), math.inf
            where = f"above {lo:.2f}"
        else:
            raise _NotReproducible(
                f"not reproducible: {held} (the missing trusts' scores cannot be placed "
                "from the league ranks)"
            )
        inside = group[(group.league_avg_score > lo) & (group.league_avg_score < hi)]
        if len(inside):
            raise _NotReproducible(
                f"not reproducible: {held}, and the trust missing at league rank {p} could "
                f"score above or below {_codes(inside)}"
            )
        extra.append((lo + hi) / 2 if math.isfinite(lo + hi) else (hi - 1 if lo < 0 else lo + 1))
        placed.append(f"rank {p}: {where}")
    scores = np.concatenate([g.league_avg_score.to_numpy(dtype=float), np.array(extra)])
    return _Cohort(scores, size, placed)


def _quartile_bounds(size: int) -> dict[int, tuple[int, int]]:
    """Positions (first, last) of each quartile segment in a cohort of ``size``."""
    seg = quartile_segments(np.arange(1, size + 1, dtype=float)[None, :])[0]
    out = {}
    for q in (1, 2, 3, 4):
        at = np.flatnonzero(seg == q) + 1
        out[q] = (int(at.min()), int(at.max()))
    return out


def _quartile_min_size(group: pd.DataFrame, trust_type: str) -> str:
    """The smallest trust type for which quartiles could give what was published, in words.

    Were the segments quartiles (then capped), a trust published in segment 1 at league rank
    ``r`` has ``r - 1`` trusts with strictly better scores ahead of it (the league orders by
    segment, then score; a tie would share the rank), so its position is at least ``r``, and
    quartile 1 must reach it: ``floor(4(r - 1)/N) = 0``, i.e. ``N >= 4(r - 1) + 1``; likewise
    for segments 1-2, ``N >= 2(r - 1) + 1``."""
    best = []
    for s, factor in ((1, 4), (2, 2)):
        inside = group[group.league_segment <= s]
        if len(inside):
            last = inside[inside.league_rank == inside.league_rank.max()]
            r = int(last.league_rank.iloc[0])
            best.append((factor * (r - 1) + 1, s, r, _codes(last)))
    if not best:
        return ""
    n, s, r, who = max(best)
    return (
        f"; quartiles would need at least {n} {trust_type.lower()}s ({who} is in segment "
        f"{'1' if s == 1 else '1 or 2'} at league rank {r})"
    )


# --- the reproduction ---------------------------------------------------------------------------


def reproduce_nof(
    extract: pd.DataFrame, cap: int = DEFICIT_CAP
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Reproduce the published segments with our engine, both readings (module docstring).

    Returns ``(reproduction, agreement, cutoffs)``:

    * ``reproduction``: one row per trust: ``org_code, org_name, trust_type, average_score,
      in_deficit`` (NA when the extract has no flag), ``nhse_segment``, ``our_segment``
      (reading b), ``agrees``, ``reason`` (why not, empty when it agrees),
      ``position_in_type`` (min-rank position of the score among the whole trust type, NA when
      not reproducible), ``our_segment_quartiles`` (reading a, NA when not reproducible),
      ``agrees_quartiles`` and ``reason_quartiles``;
    * ``agreement``: per reading and trust type (and all trusts): ``trusts`` in the extract,
      ``compared``, ``agree``, ``disagree``, ``agreement_pct`` (of those compared), ``note``;
    * ``cutoffs``: :func:`infer_cutoffs`.
    """
    ex = extract.reset_index(drop=True)
    types = _type_order(ex.trust_type)
    ex = ex.assign(_t=ex.trust_type.map({t: i for i, t in enumerate(types)}))
    ex = ex.sort_values(["_t", "league_rank", "league_avg_score", "org_code"]).reset_index(
        drop=True
    )
    cutoffs = infer_cutoffs(ex, cap)
    thresholds = [float(x) for x in cutoffs.chosen]
    unadj, ours = _cutoff_segments(ex, thresholds, cap)
    flag = ex.trust_in_financial_deficit_flag
    in_deficit = (flag == 1).astype("boolean").where(flag.notna())
    nhse = ex.league_segment.to_numpy(dtype=float)

    edges = [-math.inf, *thresholds, math.inf]
    reasons = []
    for i, row in ex.iterrows():
        if ours[i] == nhse[i]:
            reasons.append("")
            continue
        s, u, pub = float(row.league_avg_score), int(unadj[i]), int(nhse[i])
        lo, hi = edges[u - 1], edges[u]
        span = (
            f"up to {hi:g}"
            if u == 1
            else (f"above {lo:g}" if u == 4 else f"above {lo:g} and up to {hi:g}")
        )
        text = f"score {s:.2f} is within the cut-offs of segment {u} ({span})"
        if ours[i] != u:
            text += f", capped at {int(ours[i])} for a deficit"
        text += f", but NHS England published segment {pub}"
        if pd.isna(in_deficit[i]) and pub == cap and ours[i] < cap:
            text += f": {OVERRIDE_NOTE} trusts"
        reasons.append(text)

    position = pd.Series(pd.NA, index=ex.index, dtype="Int64")
    quart = np.full(len(ex), np.nan)
    reason_q = [""] * len(ex)
    qnotes: dict[str, str] = {}
    for t in types:
        idx = ex.index[ex.trust_type == t]
        group = ex.loc[idx]
        try:
            cohort = _place_missing(group, t)
        except _NotReproducible as why:
            qnotes[t] = str(why) + _quartile_min_size(group, t)
            for i in idx:
                reason_q[i] = str(why)
            continue
        order = group.sort_values(["league_rank", "league_avg_score"]).index
        seg_unadj = quartile_segments(cohort.scores[None, :])
        deficit = np.zeros(len(cohort.scores), dtype=bool)
        deficit[: len(order)] = (ex.loc[order, "trust_in_financial_deficit_flag"] == 1).to_numpy()
        seg = financial_override(seg_unadj, deficit[None, :], cap)[0]
        bounds = _quartile_bounds(cohort.size)
        for k, i in enumerate(order):
            s = float(ex.at[i, "league_avg_score"])
            p = int((cohort.scores < s).sum()) + 1
            position[i] = p
            quart[i] = seg[k]
            if seg[k] != nhse[i]:
                q = int(seg_unadj[0, k])
                first, last = bounds[q]
                text = (
                    f"score {s:.2f} is at position {p} of {cohort.size} {t.lower()}s: quartile "
                    f"{q} (positions {first}-{last})"
                )
                if seg[k] != q:
                    text += f", capped at {int(seg[k])} for a deficit"
                text += f", but NHS England published segment {int(nhse[i])}"
                if pd.isna(in_deficit[i]) and nhse[i] == cap and seg[k] < cap:
                    text += f": {OVERRIDE_NOTE} trusts"
                reason_q[i] = text
        qnotes[t] = f"positions among all {cohort.size} {t.lower()}s" + (
            f"; the {len(cohort.placed)} missing from the extract placed by their league "
            f"rank and segment ({'; '.join(cohort.placed)})"
            if cohort.placed
            else ""
        )

    has_q = ~np.isnan(quart)
    reproduction = pd.DataFrame(
        {
            "org_code": ex.org_code,
            "org_name": ex.org_name,
            "trust_type": ex.trust_type,
            "average_score": ex.league_avg_score.astype(float),
            "in_deficit": in_deficit,
            "nhse_segment": ex.league_segment.astype("Int64"),
            "our_segment": pd.array(ours, dtype="Int64"),
            "agrees": ours == nhse,
            "reason": reasons,
            "position_in_type": position,
            "our_segment_quartiles": pd.array(
                np.where(has_q, quart, np.nan), dtype="Float64"
            ).astype("Int64"),
            "agrees_quartiles": pd.array(
                [bool(q == n) if h else pd.NA for q, n, h in zip(quart, nhse, has_q, strict=True)],
                dtype="boolean",
            ),
            "reason_quartiles": reason_q,
        }
    )
    agreement = _agreement(reproduction, types, cutoffs, qnotes)
    return reproduction, agreement, cutoffs


def _agreement(
    rep: pd.DataFrame, types: list[str], cutoffs: pd.DataFrame, qnotes: dict[str, str]
) -> pd.DataFrame:
    used = dict(zip(cutoffs.boundary, cutoffs.trusts_used, strict=True))
    rows = []

    def row(reading: str, label: str, sub: pd.DataFrame, agrees: pd.Series, note: str) -> None:
        compared = int(agrees.notna().sum())
        agree = int(agrees.fillna(False).astype(bool).sum())
        bad = sub[agrees.notna() & ~agrees.fillna(True).astype(bool)]
        if len(bad):
            note += ("; " if note else "") + f"disagree: {_codes(bad)}"
        rows.append(
            {
                "reading": reading,
                "trust_type": label,
                "trusts": len(sub),
                "compared": compared,
                "agree": agree,
                "disagree": compared - agree,
                "agreement_pct": round(100 * agree / compared, 1) if compared else math.nan,
                "note": note,
            }
        )

    for t in types:
        sub = rep[rep.trust_type == t]
        if t == ACUTE:
            note = (
                f"in sample: cut-offs 1/2 and 2/3 set from the {used['1/2']} acute trusts not in "
                f"deficit, 3/4 from all {used['3/4']} acute trusts"
            )
        else:
            note = (
                "out of sample: their segments were not used to set the cut-offs; the extract "
                "has no deficit flag for them (override not applied)"
            )
        row(READING_CUTOFFS, t, sub, sub.agrees.astype("boolean"), note)
    row(READING_CUTOFFS, "All trusts", rep, rep.agrees.astype("boolean"), "")
    for t in types:
        sub = rep[rep.trust_type == t]
        row(READING_QUARTILES, t, sub, sub.agrees_quartiles, qnotes[t])
    done = [t for t in types if not qnotes[t].startswith("not reproducible")]
    row(
        READING_QUARTILES,
        "All trusts",
        rep,
        rep.agrees_quartiles,
        f"reproducible for: {', '.join(t.lower() + 's' for t in done) or 'none'}",
    )
    return pd.DataFrame(rows)


# --- our scores against NHS England's -----------------------------------------------------------


def _spearman(x: pd.Series, y: pd.Series, level: float) -> dict[str, float | int]:
    n = len(x)
    if n < 2:
        return {"n": n, "rho": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan}
    res = stats.spearmanr(x.to_numpy(dtype=float), y.to_numpy(dtype=float))
    rho, p = float(res.statistic), float(res.pvalue)
    lo = hi = math.nan
    if n > 3 and math.isfinite(rho):
        if abs(rho) >= 1:
            lo = hi = rho
        else:
            z = math.atanh(rho)
            se = math.sqrt((1 + rho**2 / 2) / (n - 3))
            crit = float(stats.norm.ppf(0.5 + level / 2))
            lo, hi = math.tanh(z - crit * se), math.tanh(z + crit * se)
    return {"n": n, "rho": rho, "ci_low": lo, "ci_high": hi, "p": p}


def access_rank_correlation(
    our_scores: pd.DataFrame, extract: pd.DataFrame, level: float = 0.95
) -> dict[str, dict[str, float | int]]:
    """Spearman rank correlation between our average scores (``our_scores``: ``org_code,
    average_score``; 1 best to 4 worst) and NHS England's, for the trusts in both.

    Returns ``{"domain_score_access": {...}, "league_avg_score": {...}}``, each with ``n`` (trusts
    with both scores), ``rho`` (``scipy.stats.spearmanr``; positive: the two agree, since both
    are lower-is-better), ``ci_low``/``ci_high`` and scipy's ``p``. The interval is an
    approximation: Fisher's z = atanh(rho) taken as normal with the variance of Bonett & Wright
    (2000) for Spearman's rho, (1 + rho²/2)/(n − 3), and transformed back; it needs n > 3 (NaN
    otherwise) and is rough for small n or rho near ±1 (rho = ±1 gives a zero-width interval)."""
    missing = [c for c in ("org_code", "average_score") if c not in our_scores.columns]
    if missing:
        raise ValueError(f"our scores: missing column(s) {', '.join(missing)}")
    ours = our_scores[["org_code", "average_score"]].dropna()
    dup = ours.org_code[ours.org_code.duplicated()]
    if len(dup):
        raise ValueError(f"our scores: org_code repeats {', '.join(sorted(set(dup)))}")
    both = ours.merge(
        extract[["org_code", "domain_score_access", "league_avg_score"]], on="org_code"
    ).sort_values("org_code")
    out = {}
    for col in ("domain_score_access", "league_avg_score"):
        sub = both.dropna(subset=[col])
        out[col] = _spearman(sub.average_score, sub[col], level)
    return out


# --- the whole assessment against NHS England's -------------------------------------------------

COMPARISON_COLUMNS = [
    "org_code",
    "our_average_score",
    "nhse_average_score",
    "our_segment",
    "nhse_segment",
    "our_cohort",
    "nhse_trust_subtype",
    "nhse_in_deficit",
]


def nhse_comparison(ours: pd.DataFrame, extract: pd.DataFrame) -> pd.DataFrame:
    """Our average score and segment against NHS England's (NOF league-table average score and
    overall adjusted segment, after its financial override) for every trust in both, sorted by
    ``org_code`` (:data:`COMPARISON_COLUMNS`). ``ours``: ``org_code, average_score, segment,
    cohort`` of one year (one row per trust)."""
    missing = [c for c in ("org_code", "average_score", "segment", "cohort") if c not in ours]
    if missing:
        raise ValueError(f"our assessment: missing column(s) {', '.join(missing)}")
    o = ours[ours.segment.notna()][["org_code", "average_score", "segment", "cohort"]]
    if o.org_code.duplicated().any():
        raise ValueError("our assessment: one row per trust expected (one year)")
    e = extract[["org_code", "league_avg_score", "overall_adjusted_segment", "trust_subtype",
                 "trust_in_financial_deficit_flag"]]  # fmt: skip
    both = o.merge(e, on="org_code").sort_values("org_code", ignore_index=True)
    deficit = both.trust_in_financial_deficit_flag
    return pd.DataFrame(
        {
            "org_code": both.org_code,
            "our_average_score": both.average_score.astype(float).round(4),
            "nhse_average_score": both.league_avg_score.astype(float),
            "our_segment": both.segment.astype("Int64"),
            "nhse_segment": both.overall_adjusted_segment.astype("Int64"),
            "our_cohort": both.cohort.astype(str),
            "nhse_trust_subtype": both.trust_subtype.fillna("").astype(str),
            "nhse_in_deficit": deficit.map({1.0: "yes", 0.0: "no"}).fillna(""),
        }
    )[COMPARISON_COLUMNS]


def segment_crosstab(comparison: pd.DataFrame) -> pd.DataFrame:
    """Trusts by our segment (rows) and NHS England's segment (columns 1-4), with totals."""
    c = comparison.dropna(subset=["our_segment", "nhse_segment"])
    segs = [1, 2, 3, 4]
    t = pd.crosstab(c.our_segment.astype(int), c.nhse_segment.astype(int))
    t = t.reindex(index=segs, columns=segs, fill_value=0)
    t.columns = [f"nhse_segment_{s}" for s in segs]
    t.insert(0, "our_segment", segs)
    t["trusts"] = t[[f"nhse_segment_{s}" for s in segs]].sum(axis=1)
    return t.reset_index(drop=True)


def comparison_summary(comparison: pd.DataFrame, period: str, level: float = 0.95) -> dict:
    """What ``nhse_comparison.json`` holds: the trusts compared, Spearman's rank correlation of
    the two average scores (with its interval, :func:`_spearman`), how many share a segment and
    how many differ by at most one, and the same with NHS England's financial override left out
    of the comparison (trusts it did not mark in deficit)."""
    c = comparison.dropna(subset=["our_segment", "nhse_segment"])
    rho = _spearman(c.our_average_score, c.nhse_average_score, level)
    diff = (c.our_segment.astype(int) - c.nhse_segment.astype(int)).abs()
    solvent = c.nhse_in_deficit == "no"
    return {
        "period": period,
        "against": "NHS England NOF 2025/26 Q3 league table (average score, adjusted segment)",
        "trusts": int(len(c)),
        "spearman": rho["rho"],
        "ci_lower": rho["ci_low"],
        "ci_upper": rho["ci_high"],
        "same_segment": int((diff == 0).sum()),
        "within_one_segment": int((diff <= 1).sum()),
        "ours_better": int((c.our_segment.astype(int) < c.nhse_segment.astype(int)).sum()),
        "ours_worse": int((c.our_segment.astype(int) > c.nhse_segment.astype(int)).sum()),
        "nhse_in_deficit": int((c.nhse_in_deficit == "yes").sum()),
        "same_segment_not_in_deficit": int((diff[solvent] == 0).sum()),
        "trusts_not_in_deficit": int(solvent.sum()),
    }


def write_comparison(out_folder: str | Path, comparison: pd.DataFrame, summary: dict) -> list[Path]:
    """``nhse_comparison.csv``, ``nhse_segment_crosstab.csv`` and ``nhse_comparison.json``."""
    folder = Path(out_folder)
    paths = save_table(comparison, folder, "nhse_comparison", parquet=False)
    paths += save_table(segment_crosstab(comparison), folder, "nhse_segment_crosstab",
                        parquet=False)  # fmt: skip
    path = folder / "nhse_comparison.json"
    write_json(path, summary)
    return [*paths, path]


# --- writing ------------------------------------------------------------------------------------


def write_reproduction(
    out_folder: str | Path,
    reproduction: pd.DataFrame,
    agreement: pd.DataFrame,
    cutoffs: pd.DataFrame,
) -> list[Path]:
    """Write ``nof_reproduction.csv``, ``nof_agreement.csv`` and ``nof_cutoffs.csv`` into
    ``out_folder``: rows in a fixed order (trust type, then org_code; reading and trust type as
    given; boundary), floats rounded (scores 2 decimals, cut-offs 4, percentages 1), so the same
    tables always give the same bytes."""
    folder = Path(out_folder)
    order = {t: i for i, t in enumerate(_type_order(reproduction.trust_type))}
    rep = (
        reproduction.assign(_t=reproduction.trust_type.map(order))
        .sort_values(["_t", "org_code"])
        .drop(columns="_t")
        .assign(average_score=reproduction.average_score.round(2))
    )
    agr = agreement.assign(agreement_pct=agreement.agreement_pct.round(1))
    cut = cutoffs.sort_values("boundary").round(
        {"lowest_possible": 4, "highest_possible": 4, "chosen": 4}
    )
    paths = []
    for df, name in ((rep, "nof_reproduction"), (agr, "nof_agreement"), (cut, "nof_cutoffs")):
        paths += save_table(df.reset_index(drop=True), folder, name, parquet=False)
    return paths


def correlation_record(
    corr: dict[str, dict[str, float | int]], period: str, cohort: str
) -> dict[str, object]:
    """What ``nof_rank_correlation.json`` holds: the correlation of our average scores in
    ``period`` (``cohort``) with NHS England's access-domain score, and with its overall
    average score (from :func:`access_rank_correlation`)."""
    access, overall = corr["domain_score_access"], corr["league_avg_score"]
    return {
        "period": period,
        "cohort": cohort,
        "against": "NHS England access-domain score, NOF 2025/26 Q3",
        "spearman": access["rho"],
        "n": access["n"],
        "ci_lower": access["ci_low"],
        "ci_upper": access["ci_high"],
        "p": access["p"],
        "spearman_with_average_score": overall["rho"],
        "n_with_average_score": overall["n"],
    }
