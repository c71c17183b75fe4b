"""What our engine can recompute of NHS England's NOF 2025/26 Q3 acute results from the extract.

The Q3 extract (:func:`helpers.assess.nof.read_nof_extract`) gives, for 129 of the 134 acute
trusts, the published average score, segment, deficit flag, the five domain scores and domain
segments, and a few metric values, but not NHS England's metric scores (``OF10xx``) nor every
metric value. :func:`acute_checks` runs every check those columns allow, each as one row of
``results/nof_acute_checks.csv``:

* **average score from the domain scores**: is the published average the plain mean of the five
  domain scores? (In the mental health and community file the average, ``OF5002``, is the mean
  of the *metric* scores, so domains with more metrics weigh more.) And does any one fixed
  weighting of the domain scores give it (least squares)?
* **segments from the average score**: fixed cut-offs and quartiles, with the deficit cap
  (:func:`helpers.assess.nof.reproduce_nof`, acute rows);
* **the deficit cap**: every trust in deficit in segment 3 or worse; the trusts in deficit whose
  score alone would give segment 1 or 2, published in 3;
* **domain segments from domain scores**, per domain: fixed cut-offs (are the published
  segments separable by the score, and where must the cut-offs lie?) and quartiles within the
  acute trusts in the extract;
* and one row saying what cannot be checked without NHS England's acute metric file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.assess.nof import ACUTE, COHORT_SIZES, DEFICIT_CAP, _fewest_misplaced, reproduce_nof
from helpers.assess.segments import financial_override, quartile_segments, threshold_segments
from helpers.core.tables import save_table
from helpers.core.words import plural

DOMAINS = {
    "access": "access",
    "effectiveness_experience": "effectiveness and experience",
    "finance_productivity": "finance and productivity",
    "patient_safety": "patient safety",
    "people_workforce": "people and workforce",
}
#: published scores have 2 decimals: equal means within half a unit of the second
TOLERANCE = 0.005
CHECK_COLUMNS = ["check", "compared", "agree", "disagree", "result", "note"]


def _row(check: str, compared: int, agree: int, result: str, note: str) -> dict:
    return {
        "check": check,
        "compared": compared,
        "agree": agree,
        "disagree": compared - agree,
        "result": result,
        "note": note,
    }


def _codes(d: pd.DataFrame, limit: int = 8) -> str:
    codes = sorted(d.org_code)
    more = f" and {len(codes) - limit} more" if len(codes) > limit else ""
    return ", ".join(codes[:limit]) + more


def _average_checks(a: pd.DataFrame) -> list[dict]:
    cols = [f"domain_score_{d}" for d in DOMAINS]
    full = a.dropna(subset=cols)
    x = full[cols].to_numpy(dtype=float)
    y = full.league_avg_score.to_numpy(dtype=float)
    diff = x.mean(axis=1) - y
    agree = int((np.abs(diff) <= TOLERANCE).sum())
    w, *_ = np.linalg.lstsq(x, y, rcond=None)
    fit = np.abs(x @ w - y)
    weights = ", ".join(f"{DOMAINS[d]} {v:.2f}" for d, v in zip(DOMAINS, w, strict=True))
    rows = [
        _row(
            "average score = mean of the five domain scores",
            len(full),
            agree,
            "no" if agree < len(full) / 2 else "yes",
            f"mean absolute difference {np.abs(diff).mean():.3f}, largest {np.abs(diff).max():.2f};"
            f" the best fixed weights (least squares: {weights}) still miss by up to "
            f"{fit.max():.2f} (mean {fit.mean():.3f}), so the average is not a fixed weighting of "
            "the domain scores: most likely a mean over the metrics each trust has (as the mental "
            "health and community file's OF5002 appears to be), which needs NHS England's metric "
            "scores"
            + (
                f" ({plural(len(a) - len(full), 'trust')} without all five domain scores left out: "
                f"{_codes(a[~a.index.isin(full.index)])})"
                if len(full) < len(a)
                else ""
            ),
        )
    ]
    same = a.league_avg_score.sub(a.overall_avg_metric_score).abs() <= TOLERANCE
    rows.append(
        _row(
            "league-table average score = overall average metric score",
            len(a),
            int(same.sum()),
            "yes" if same.all() else "no",
            "the two published columns are the same score",
        )
    )
    return rows


def _segment_checks(extract: pd.DataFrame, a: pd.DataFrame) -> list[dict]:
    reproduction, agreement, cutoffs = reproduce_nof(extract)
    rows = []
    for reading in agreement.reading.unique():
        r = agreement[(agreement.reading == reading) & (agreement.trust_type == ACUTE)].iloc[0]
        rows.append(
            _row(
                f"segment from the average score ({reading}, deficit cap)",
                int(r.compared),
                int(r.agree),
                "yes" if r.agree == r.compared else "all but " + str(int(r.disagree)),
                str(r.note),
            )
        )
    flag = a.trust_in_financial_deficit_flag
    deficit = a[flag == 1]
    capped = deficit.league_segment >= DEFICIT_CAP
    rows.append(
        _row(
            f"every trust in deficit is in segment {DEFICIT_CAP} or worse",
            len(deficit),
            int(capped.sum()),
            "yes" if capped.all() else "no",
            f"{len(deficit)} of {len(a)} acute trusts in the extract are flagged in deficit"
            + ("" if capped.all() else f"; not capped: {_codes(deficit[~capped])}"),
        )
    )
    thresholds = [float(x) for x in cutoffs.chosen]
    unadj = threshold_segments(deficit.league_avg_score.to_numpy(dtype=float)[None, :], thresholds)
    lifted = unadj[0] < DEFICIT_CAP
    sub = deficit[lifted]
    capped_pub = sub.league_segment == DEFICIT_CAP
    ours = financial_override(unadj, np.ones_like(unadj, dtype=bool), DEFICIT_CAP)[0]
    rows.append(
        _row(
            f"trusts in deficit whose score alone gives segment 1 or 2 are published in "
            f"{DEFICIT_CAP}",
            len(sub),
            int(capped_pub.sum()),
            "yes" if capped_pub.all() else "no",
            f"by the cut-offs {', '.join(f'{t:g}' for t in thresholds)}: {_codes(sub)}; after "
            f"our cap {int((ours[lifted] == sub.league_segment.to_numpy()).sum())} of {len(sub)} "
            "equal NHS England's",
        )
    )
    return rows


def _domain_cutoffs(score: np.ndarray, seg: np.ndarray) -> tuple[list[float], list[str], bool]:
    chosen, text, separable = [], [], True
    for s in (1, 2, 3):
        above, below = score[seg <= s], score[seg > s]
        lo, hi = float(above.max()), float(below.min())
        if lo < hi:
            chosen.append(round((lo + hi) / 2, 4))
            text.append(f"{s}/{s + 1} between {lo:.2f} and {hi:.2f}")
        else:
            separable = False
            c, wrong = _fewest_misplaced(above, below)
            chosen.append(c)
            text.append(f"{s}/{s + 1} overlap ({lo:.2f} > {hi:.2f}; {wrong} misplaced at {c:g})")
    return chosen, text, separable


def _domain_checks(a: pd.DataFrame) -> list[dict]:
    rows, quart = [], []
    for d, words in DOMAINS.items():
        sub = a.dropna(subset=[f"domain_score_{d}", f"domain_segment_{d}"])
        score = sub[f"domain_score_{d}"].to_numpy(dtype=float)
        seg = sub[f"domain_segment_{d}"].to_numpy(dtype=float)
        chosen, text, separable = _domain_cutoffs(score, seg)
        ours = threshold_segments(score[None, :], chosen)[0]
        counts = "/".join(str(int((seg == s).sum())) for s in (1, 2, 3, 4))
        rows.append(
            _row(
                f"{words} domain segment from its score: fixed cut-offs",
                len(sub),
                int((ours == seg).sum()),
                "consistent" if separable else "not separable",
                f"in sample (the cut-offs are set from these trusts' segments, so this shows only "
                f"that the segments are ordered by the score): {'; '.join(text)}; published "
                f"segments 1/2/3/4: {counts} trusts",
            )
        )
        q = quartile_segments(score[None, :])[0]
        quart.append(
            _row(
                f"{words} domain segment from its score: quartiles of the acute trusts",
                len(sub),
                int((q == seg).sum()),
                "no" if (q != seg).any() else "yes",
                f"quartiles of the {len(sub)} acute trusts in the extract (of "
                f"{COHORT_SIZES[ACUTE][1]}) would put about {len(sub) // 4} in each; published "
                f"{counts}",
            )
        )
    return rows + quart


CANNOT_CHECK = (
    "NHS England's score of each metric (OF10xx) and so its scoring rules for acute trusts; each "
    "domain score from the metric scores; the average score as a mean over each trust's metric "
    "scores; the handling of metrics a trust lacks; the likely ranges of score and rank; which "
    "cut-offs or cohort set the domain segments. The extract holds domain scores and "
    "14 metric values but no metric scores, and only 129 of the 134 acute trusts; these need "
    "NHS England's acute metric file (the shape of its mental health and community file)."
)


def acute_checks(extract: pd.DataFrame) -> pd.DataFrame:
    """Every check the Q3 extract allows for the acute trusts (module docstring), one row each:
    :data:`CHECK_COLUMNS` (``result``: yes / no / consistent / not separable / all but n)."""
    a = extract[extract.trust_type == ACUTE].sort_values("org_code").reset_index(drop=True)
    if a.empty:
        raise ValueError("the extract has no acute trusts")
    rows = _average_checks(a) + _segment_checks(extract, a) + _domain_checks(a)
    rows.append(_row("not checkable from the extract", 0, 0, "needs the metric file", CANNOT_CHECK))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def write_acute_checks(out_folder: str | Path, checks: pd.DataFrame) -> list[Path]:
    """``nof_acute_checks.csv`` (rows in the fixed order of :func:`acute_checks`)."""
    return save_table(checks.reset_index(drop=True), Path(out_folder), "nof_acute_checks",
                      parquet=False)  # fmt: skip
