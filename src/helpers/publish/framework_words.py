"""The words of a framework assessment's pages, from its tables and its framework catalogue: the
overview's headlines, each scoring rule in plain English, the reproduction summary and what the
subtypes' separate tables would change. Text from the data is escaped here (markdown)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.assess.scores import bands_text
from helpers.core.words import plural
from helpers.publish.templating import md_text
from helpers.settings.nof import NofFramework, NofMetric

#: the levels of the reproduction summary, in words
LEVELS = {
    "metric": "metric scores",
    "domain_score": "domain scores",
    "domain_segment": "domain segments",
    "average": "average scores",
    "unadjusted_segment": "segments before the override",
    "override": "financial overrides",
    "adjusted_segment": "segments",
}


def pct(n: int, d: int) -> str:
    """A share that never rounds to 100% unless it is all, nor to 0% unless it is none."""
    if d == 0:
        return "–"
    share = 100 * n / d
    if n == d:
        return "100%"
    if n == 0:
        return "0%"
    return f"{min(max(share, 0.1), 99.9):.1f}%"


def rule_text(m: NofMetric, framework: NofFramework) -> str:
    """How the metric is scored, in plain words."""
    better = {"higher_is_better": "higher is better", "lower_is_better": "lower is better"}
    if m.rule == "rank":
        order = (
            "the rank NHS England publishes, which orders the unrounded values"
            if m.order == "published_rank"
            else "the rank of the published value"
        )
        ties = "tied values share the best rank" if m.ties == "min" else "ties share the average"
        text = (
            f"By rank among the trusts with a value ({better[m.polarity or '']}): "
            f"1 + 3 × (rank − 1) / (trusts − 1), using {order}; {ties}."
        )
        if m.standard is not None:
            word = "at least" if m.standard.direction == "at_least" else "at most"
            text += (
                f" A value not {word} {m.standard.value:g} scores "
                f"{m.standard.score_if_missed:.2f} whatever its rank."
            )
        if m.cohort == "wider":
            text += " NHS England ranks among more organisations than this file holds."
        return text
    if m.rule == "bands":
        return "In bands: " + bands_text([(b.below, b.score) for b in m.bands]) + "."
    if m.rule == "combined":
        names = [framework.metric(i).description for i in m.inputs]
        return (
            f"From the scores of {names[0]} and {names[1]}, by a table of the two; it counts "
            "in their place in the domain score and the average."
        )
    return "NHS England's published score, taken as given: the file has no value to score."


def rules_view(framework: NofFramework) -> list[dict[str, str]]:
    return [
        {
            "id": md_text(m.score_id),
            "title": md_text(m.description),
            "domain": md_text(m.domain),
            "rule": md_text(rule_text(m, framework) + (f" {m.note}" if m.note else "")),
        }
        for m in framework.metrics
    ]


def framework_lines(framework: NofFramework) -> list[str]:
    """The steps after the metric scores, each with how it was found (escaped markdown)."""
    out = [f"**Average and domain scores.** {md_text(framework.average_note)}"]
    for s in framework.segmentation:
        if s.rule == "thresholds" and s.cutoffs:
            c = s.cutoffs
            how = (
                f"fixed cut-offs of the average score: segment 1 up to {c[0]:g}, 2 up to "
                f"{c[1]:g}, 3 up to {c[2]:g}, 4 above"
            )
        else:
            how = "quartiles of the trusts' average scores"
        out.append(f"**Segments, Q{s.quarter}.** By {how}. {md_text(s.note)}")
    out.append(f"**The financial override.** {md_text(framework.override.note)}")
    out.append(f"**League order.** {md_text(framework.league_order_note)}")
    return out


def summary_view(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """The reproduction summary's rows with their words."""
    rows = []
    for r in summary.itertuples():
        n, k = int(r.n), int(r.n_within)
        mx = float(r.max_abs_difference) if pd.notna(r.max_abs_difference) else np.nan
        rows.append(
            {
                "quarter": r.quarter,
                "level": r.level,
                "level_text": LEVELS.get(r.level, str(r.level).replace("_", " ")),
                "n": n,
                "n_agree": k,
                "share_text": pct(k, n),
                "max_text": "none" if not np.isfinite(mx) or mx == 0 else f"{mx:.2f}",
            }
        )
    return rows


def headlines(
    trusts: pd.DataFrame,
    summary: pd.DataFrame,
    movement: pd.DataFrame,
    latest: str,
    metrics: dict[str, tuple[int, int]],
) -> list[str]:
    """The overview's and the home page's headlines (markdown), each a count from the tables;
    ``metrics``: (within 0.01, compared) of the metric scores the file determines (``file``),
    and of all of them from the values alone (``end_to_end``)."""
    k, n = metrics["file"]
    k2, n2 = metrics["end_to_end"]
    out = [
        f"**{k:,} of the {n:,} metric scores the published values determine** are recomputed "
        f"within 0.01 of NHS England's. The other {n2 - n:,} are ranked by NHS England among "
        "organisations not in its file, or have no published value: NHS England's own scores "
        f"are used for them (from the values alone, {k2:,} of all {n2:,} come within 0.01)."
    ]
    total = summary.groupby("level")[["n", "n_within"]].sum()
    seg = total.loc["adjusted_segment"] if "adjusted_segment" in total.index else None
    if seg is not None:
        n, k = (int(x) for x in seg)
        out.append(
            f"**{k} of {n} segments** (every trust, every quarter) are as NHS England published. "
            "The cut-offs between segments are not in NHS England's files: they are read off its "
            "own segments each quarter, so what this checks is that one set of cut-offs per "
            "quarter separates every trust's recomputed average score, and that the financial "
            "override is applied as NHS England applied it."
        )
    last = trusts[trusts.quarter == latest]
    counts = last.segment.value_counts().sort_index()
    out.append(
        f"**{latest}:** "
        + ", ".join(f"{plural(int(c), 'trust')} in segment {int(s)}" for s, c in counts.items())
        + f"; {plural(int(last.override.astype(bool).sum()), 'trust')} capped at segment 3 for a "
        "financial deficit."
    )
    if len(movement):
        moved = movement[movement.change != 0]
        apart = int(moved.ranges_apart.sum())
        ranges = (
            "for every one of them the likely ranges of average score in the first and last "
            "quarters overlap, so the move may be no more than the spread of its own scores"
            if apart == 0
            else f"for {apart} of them the likely ranges of average score in the first and last "
            "quarters do not overlap"
        )
        out.append(
            f"**Across the year,** {plural(len(moved), 'trust')} ended in a different segment "
            f"from the one {'it' if len(moved) == 1 else 'they'} started in; {ranges}."
        )
    return out


def subtype_noun(subtype: str) -> str:
    """'Care Trust' -> 'care trust', 'Community' -> 'community trust' (escaped)."""
    word = subtype.lower()
    return md_text(word if word.endswith("trust") else word + " trust")


def subtype_lines(alternative: pd.DataFrame, trusts: pd.DataFrame, latest: str) -> list[str]:
    """Whether one table for every subtype is fair, from the tables by subtype."""
    last = trusts[trusts.quarter == latest]
    out = []
    by = last.groupby("trust_subtype")
    parts = [
        f"{plural(len(g), subtype_noun(s))}: median average score "
        f"{g.average_score.median():.2f}, {int((g.segment <= 2).sum())} in segments 1 or 2"
        for s, g in by
    ]
    out.append(
        f"In {latest}, " + "; ".join(parts) + ". They deliver different services and are "
        "scored on partly different metrics (a community trust has no mental health metrics, and "
        "the reverse), so one table compares scores built from different sets of metrics."
    )
    alt = alternative[alternative.quarter == latest]
    if len(alt):
        moved = alt[alt.segment_by_subtype != alt.segment]
        up = int((moved.segment_by_subtype < moved.segment).sum())
        out.append(
            f"Scored within their own subtype's table instead (each metric ranked among the "
            f"trusts of the same subtype; setting `framework.cohort: by_subtype`), "
            f"{plural(len(moved), 'trust')} of {len(alt)} would be in a different segment in "
            f"{latest} ({up} higher, {len(moved) - up} lower), with the same cut-offs. NHS "
            "England ranks all three subtypes in one table; so do this section's league tables "
            "unless the setting says otherwise. With only three care trusts, a table of their "
            "own ranks each against two others, which says little."
        )
    return out


#: each method's likely range in a few words (the report cards)
RANGE_WORDS = {
    "nhse_metric_bootstrap": "NHS England's method reproduced: it shows how unevenly the trust "
    "scores across its own metrics, not chance variation in the data",
    "quarter_variation": "how much the trust's metric scores moved between the quarters of the "
    "year (this project's method)",
}
RANGE_OTHER = {
    "nhse_metric_bootstrap": "how unevenly it scores across its own metrics (NHS England's method)",
    "quarter_variation": "how its scores varied between the quarters of the year",
}


def ranges_fit_lines(fit: pd.Series | None, latest: str) -> list[str]:
    """How closely NHS England's published likely ranges are reproduced (markdown lines)."""
    if fit is None:
        return []
    n = int(fit["trusts"])

    def count(share: float) -> str:
        return f"{round(share * n)} of {n}"

    return [
        f"Average score: the bounds differ from NHS England's by {fit['average_bound_mae']:.3f} on "
        f"average and by at most {fit['average_bound_max_error']:.2f} (both bounds of {n} trusts, "
        "at the 2 decimals published).",
        f"Rank: both bounds equal for {count(fit['rank_bounds_equal'])} trusts, within one place "
        f"for {count(fit['rank_bounds_within_1'])}, within two for "
        f"{count(fit['rank_bounds_within_2'])}. NHS England's own ranges carry the noise of its "
        "random draws, so the last place cannot be expected to match.",
        f"Segments as published for {count(fit['segment_equal'])} trusts and ranks for "
        f"{count(fit['rank_equal'])} in {latest}: our average scores are means of NHS "
        "England's 2-decimal metric scores, so they can differ from its own by 0.01, which "
        "can reorder trusts with almost the same score.",
    ]


def methods_view(methods: pd.DataFrame) -> list[dict[str, str]]:
    words = {
        "trusts": "Trusts",
        "observed segment differs": "Segment different from the other method's",
        "segment range differs": "Range of segments different",
        "segment settled": "Segment settled (the whole likely range in one segment)",
        "confidently top quartile": "Confidently in the top quarter of the table",
        "confidently bottom quartile": "Confidently in the bottom quarter of the table",
        "median rank range width": "Median width of the likely range of rank (places)",
    }

    def num(x: float) -> str:
        return "–" if pd.isna(x) else f"{x:g}"

    return [
        {
            "what": words.get(r.measure, r.measure),
            "nhse": num(r.nhse_metric_bootstrap),
            "ours": num(r.quarter_variation),
            "changed": num(r.changed),
        }
        for r in methods.itertuples()
    ]


def difference_rows(repro: pd.DataFrame, stage: str = "determined") -> list[dict[str, str]]:
    """The assessment's own differences from NHS England (the methodology's list)."""
    d = repro[(repro.stage == stage) & ~repro.within.astype(bool)]

    def val(x: float) -> str:
        return "–" if pd.isna(x) else f"{x:g}"

    return [
        {
            "quarter": r.quarter,
            "org_code": r.org_code,
            "what": f"{LEVELS.get(r.level, r.level)} ({r.metric_id})",
            "nhse_text": val(r.nhse_score),
            "our_text": val(r.our_score),
            "reason": r.reason,
        }
        for r in d.itertuples()
    ]


def _kinds(v: pd.DataFrame, framework: NofFramework) -> pd.Series:
    specs = {m.score_id: m for m in framework.metrics}

    def kind(i: str) -> str:
        m = specs[i]
        if m.rule == "given":
            return "given"
        return "wider" if m.rule == "rank" and m.cohort == "wider" else "file"

    return v.metric_id.map(kind)


def metric_counts(repro: pd.DataFrame, framework: NofFramework) -> dict[str, tuple[int, int]]:
    """(within 0.01, compared) of the metric scores from the values alone: those the file
    determines (``file``) and all (``end_to_end``)."""
    v = repro[(repro.stage == "values") & (repro.level == "metric")]
    f = v[_kinds(v, framework) == "file"]
    return {
        "file": (int(f.within.sum()), len(f)),
        "end_to_end": (int(v.within.sum()), len(v)),
    }


def end_to_end_lines(repro: pd.DataFrame, framework: NofFramework) -> list[str]:
    """What the file alone determines: the end-to-end reproduction, metric by metric rule."""
    v = repro[(repro.stage == "values") & (repro.level == "metric")]
    specs = {m.score_id: m for m in framework.metrics}
    kind = v.metric_id.map(
        lambda i: (
            "given"
            if specs[i].rule == "given"
            else ("wider" if specs[i].rule == "rank" and specs[i].cohort == "wider" else "file")
        )
    )
    out = []
    f = v[kind == "file"]
    out.append(
        f"**Scores the file determines** (ranked among the trusts in the file, bands, the "
        f"combined finance table): {int(f.within.sum()):,} of {len(f):,} recomputed within 0.01 "
        f"({pct(int(f.within.sum()), len(f))})."
    )
    w = v[kind == "wider"]
    if len(w):
        names = sorted({specs[i].description for i in w.metric_id})
        out.append(
            f"**Scores ranked among a wider cohort** ({len(names)} metrics: "
            + "; ".join(md_text(n) for n in names)
            + f"): ranked among the trusts in the file instead, {int(w.within.sum()):,} of "
            f"{len(w):,} come within 0.01 ({pct(int(w.within.sum()), len(w))}). The steps "
            "between NHS England's scores show that it ranks these metrics among more "
            "organisations than the file holds (other trust types report them too), whose "
            "values are not published with this file; the assessment takes NHS England's score "
            "for them, and each difference is in `nof_reproduction_metrics.csv` with its reason."
        )
    g = v[kind == "given"]
    if len(g):
        out.append(
            f"**Scores with no published value** ({len(g):,}, e.g. CQC survey and inspection "
            "results): taken as NHS England scored them."
        )
    total = len(v)
    out.append(
        f"End to end, from the values alone: {int(v.within.sum()):,} of {total:,} metric scores "
        f"within 0.01 ({pct(int(v.within.sum()), total)})."
    )
    return out


def page_words(
    framework: NofFramework,
    trusts: pd.DataFrame,
    summary: pd.DataFrame,
    repro: pd.DataFrame,
    movement: pd.DataFrame,
    alternative: pd.DataFrame,
    methods: pd.DataFrame,
    fit: pd.Series | None,
    latest: str,
    range_paragraphs: list[str],
    method: str,
) -> dict[str, Any]:
    """Everything the framework pages say beyond the tables, computed once (JSON-able)."""
    main = summary[summary.stage == "determined"]
    return {
        "headlines": headlines(
            trusts,
            main[main.quarter == "all quarters"],
            movement,
            latest,
            metric_counts(repro, framework),
        ),
        "rules_intro": (
            "Each metric's score is worked out by the rule below, found in NHS England's own "
            "files (the catalogue `"
            + md_text(framework.name)
            + "` says how each was found). A score of 1.00 is the best, 4.00 the worst."
        ),
        "rules": rules_view(framework),
        "framework_rules": framework_lines(framework),
        "end_to_end": end_to_end_lines(repro, framework),
        "summary": summary_view(main[(main.quarter != "all quarters") & (main.level != "metric")]),
        "differences": difference_rows(repro),
        "ranges_text": range_paragraphs,
        "ranges_fit": ranges_fit_lines(fit, latest),
        "methods": methods_view(methods),
        "subtypes_text": subtype_lines(alternative, trusts, latest),
        "range_main": RANGE_WORDS[method],
        "range_other": RANGE_OTHER[
            "quarter_variation" if method == "nhse_metric_bootstrap" else "nhse_metric_bootstrap"
        ],
    }
