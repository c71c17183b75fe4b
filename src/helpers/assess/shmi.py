"""NHS England's SHMI limits and banding reproduced, and SHMI as context for an assessment.

Input: NHS England's trust-level SHMI file for one rolling year
(:func:`helpers.ingest.readers.nhse_shmi.read_shmi_trust_level`). From each trust's observed and
expected deaths (and the published SHMI, which comes from the unrounded counts) the Poisson
limits, the overdispersion-adjusted limits and the banding are recomputed with
:func:`helpers.stats.shmi.shmi_limits` and set beside NHS England's, limit by limit, with the
reason wherever the fourth decimal differs (:func:`shmi_reproduction`).

SHMI here is **context, not a score**: the published year (e.g. February 2025 – January 2026)
is not one of the financial years an assessment scores, so it never enters an average score or
a segment; the report card shows it with NHS England's own banding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.files import write_json
from helpers.core.tables import save_table
from helpers.stats.shmi import (
    BANDING_WORDS,
    OVERDISPERSED_LEVEL,
    POISSON_LEVEL,
    ROUNDING_HALF_STEP,
    implied_tau2,
    shmi_limit_span,
    shmi_limits,
)

LIMITS = ("po_ll", "po_ul", "od_ll", "od_ul")
LIMIT_NAMES = {
    "po_ll": "PO_LL",
    "po_ul": "PO_UL",
    "od_ll": "OD_LL",
    "od_ul": "OD_UL",
}
#: 4 decimals, as NHS England publishes the limits
DECIMALS = 4
CAVEAT = "a single rolling year, {period}, outside the years scored; not part of the average score"


def _within(nhse: float, lo: float, hi: float) -> bool:
    return round(lo, DECIMALS) <= nhse <= round(hi, DECIMALS)


def _note(name: str, ours: float, nhse: float, span: tuple[float, float], alt: str) -> str:
    """The reason one limit differs in the fourth decimal; ``alt``: what explains it when the
    rounding of the expected count alone does not."""
    lo, hi = span
    text = (
        f"{LIMIT_NAMES[name]} ours {ours:.{DECIMALS}f}, NHS England {nhse:.{DECIMALS}f}: "
        f"EXPECTED is published rounded to the nearest 5, and over E ± {ROUNDING_HALF_STEP:g} "
        f"our limit runs {lo:.{DECIMALS}f} to {hi:.{DECIMALS}f}"
    )
    return text + (", which includes NHS England's" if _within(nhse, lo, hi) else f"; {alt}")


def shmi_reproduction(published: pd.DataFrame, period: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Our SHMI limits and banding beside NHS England's, one row per trust (sorted by code),
    and a summary.

    ``published``: :func:`~helpers.ingest.readers.nhse_shmi.read_shmi_trust_level`; ``period``:
    the rolling year in words ("Feb 2025 – Jan 2026"). τ² is estimated from ``OBSERVED`` /
    ``EXPECTED`` through the published ``SHMI_VALUE`` (the log ratio of the unrounded counts,
    4 decimals); the summary also gives the τ² of the rounded counts alone and the interval of τ²
    consistent with NHS England's published limits.
    """
    p = published.sort_values("org_code", kind="stable").reset_index(drop=True)
    res = shmi_limits(p.observed, p.expected, ratio=p.shmi)
    counts_only = shmi_limits(p.observed, p.expected)
    t2_lo, t2_hi = implied_tau2(p.expected, p.od_ll, p.od_ul, decimals=DECIMALS)
    ours = res.table
    span = shmi_limit_span(p.expected, res.tau2)
    tau2_note = (
        f"τ² is estimated from the rounded expected counts (ours {res.tau2:.7f}; NHS England's "
        f"published limits fit τ² from {t2_lo:.7f} to {t2_hi:.7f})"
    )
    out = pd.DataFrame(
        {
            "org_code": p.org_code,
            "org_name": p.org_name,
            "period": period,
            "spells": p.spells.astype(int),
            "observed": p.observed.astype(int),
            "expected": p.expected.astype(int),
            "shmi": p.shmi,
            "nhse_banding": p.banding.astype(int),
            "nhse_banding_words": p.banding.map(BANDING_WORDS),
            "our_banding": ours.banding.astype(int),
            "bandings_agree": ours.banding.to_numpy() == p.banding.to_numpy(),
        }
    )
    notes: list[list[str]] = [[] for _ in range(len(p))]
    nhse_span = shmi_limit_span(p.expected, (t2_lo + t2_hi) / 2)
    for c in LIMITS:
        mine = ours[c].to_numpy()
        theirs = p[c].to_numpy()
        out[f"nhse_{c}"] = theirs
        out[f"our_{c}"] = np.round(mine, 6)
        agree = np.round(mine, DECIMALS) == theirs
        out[f"{c}_agree"] = agree
        for i in np.flatnonzero(~agree):
            lo2, hi2 = nhse_span[f"{c}_min"][i], nhse_span[f"{c}_max"][i]
            alt = (
                f"{tau2_note}; with τ² {(t2_lo + t2_hi) / 2:.7f} the limit runs "
                f"{lo2:.{DECIMALS}f} to {hi2:.{DECIMALS}f}"
                + (", which includes NHS England's" if _within(theirs[i], lo2, hi2) else "")
            )
            span_i = (span[f"{c}_min"][i], span[f"{c}_max"][i])
            notes[i].append(_note(c, mine[i], theirs[i], span_i, alt))
    for i in np.flatnonzero(~out.bandings_agree.to_numpy()):
        notes[i].append(
            f"banding ours {out.our_banding[i]}, NHS England {out.nhse_banding[i]}: the SHMI "
            f"{out.shmi[i]:.4f} is within 0.0001 of a limit"
        )
    out["note"] = [" | ".join(n) for n in notes]  # one part per limit
    summary: dict[str, Any] = {
        "period": period,
        "trusts": len(out),
        "poisson_level": POISSON_LEVEL,
        "overdispersed_level": OVERDISPERSED_LEVEL,
        "phi": round(res.phi, 6),
        "tau2": round(res.tau2, 9),
        "tau2_counts_only": round(counts_only.tau2, 9),
        "tau2_nhse_lowest": round(t2_lo, 9),
        "tau2_nhse_highest": round(t2_hi, 9),
        "trusts_in_estimate": res.kept,
        "bandings_agree": int(out.bandings_agree.sum()),
        "bandings_agree_counts_only": int((counts_only.table.banding == p.banding).sum()),
        "nhse_bandings": {
            BANDING_WORDS[b]: int((out.nhse_banding == b).sum()) for b in sorted(BANDING_WORDS)
        },
    }
    for c in LIMITS:
        diff = np.abs(ours[c].to_numpy() - p[c].to_numpy())
        summary[f"{c}_agree_4dp"] = int(out[f"{c}_agree"].sum())
        summary[f"{c}_max_abs_diff"] = round(float(diff.max()), 6)
        within = (p[c] >= span[f"{c}_min"].round(DECIMALS)) & (
            p[c] <= span[f"{c}_max"].round(DECIMALS)
        )
        summary[f"{c}_within_rounding"] = int(within.sum())
        co = counts_only.table[c].to_numpy()
        summary[f"{c}_agree_4dp_counts_only"] = int((np.round(co, DECIMALS) == p[c]).sum())
    summary["all_limits_agree_4dp"] = int(out[[f"{c}_agree" for c in LIMITS]].all(axis=1).sum())
    return out, summary


def shmi_card_line(row: Any) -> str:
    """The report card's line (plain text; escape it where it lands):
    ``SHMI 0.94 (Feb 2025 – Jan 2026): as expected, NHS England's banding``."""
    return (
        f"SHMI {float(row.shmi):.2f} ({row.period}): {BANDING_WORDS[int(row.nhse_banding)]}, "
        "NHS England's banding"
    )


def write_shmi(out_folder: str | Path, table: pd.DataFrame, summary: dict[str, Any]) -> list[Path]:
    """``shmi.csv`` (one row per trust, sorted by code) and ``shmi.json`` (the summary)."""
    folder = Path(out_folder)
    paths = save_table(table.reset_index(drop=True), folder, "shmi", parquet=False)
    path = folder / "shmi.json"
    write_json(path, summary)
    return [*paths, path]
