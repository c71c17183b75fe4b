"""Every word and number format the public pages and charts use, in one place.

Labels are keyed by the codes the result tables hold (``comparison``, ``funnel_band``,
``variation``, ``assurance``, ``trend_assessment``, plan ``status``), so changing how a result is
worded never touches the code that computes it. Symbols go with the words so that colour is
never the only cue.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.core.words import plural  # "1 metric", "2 metrics": one rule for every stage
from helpers.settings import MetricSpec

#: comparison with England -> label (charts and legends); lower-cased in sentences
COMPARISON_LABEL: dict[str, str] = {
    "better": "Better than England",
    "similar": "Similar to England",
    "worse": "Worse than England",
    "higher": "Higher than England",
    "lower": "Lower than England",
    "not_compared": "Not compared",
}
COMPARISON_BADGE = {
    "better": "▲ Better",
    "similar": "● Similar",
    "worse": "▼ Worse",
    "higher": "▲ Higher",
    "lower": "▼ Lower",
    "not_compared": "✕ Not compared",
}
QUARTILE_TEXT = {1: "top quarter", 2: "second quarter", 3: "third quarter", 4: "bottom quarter"}
FUNNEL_TEXT = {
    "above_998": "▲▲ Above 99.8% limit",
    "above_95": "▲ Above 95% limit",
    "within": "● Within limits",
    "below_95": "▼ Below 95% limit",
    "below_998": "▼▼ Below 99.8% limit",
    "": "",
}
#: funnel band -> legend label of the funnel chart
FUNNEL_LABEL = {
    "above_998": "Above the 99.8% limit",
    "above_95": "Between the 95% and 99.8% limits (above)",
    "within": "Within the 95% limits",
    "below_95": "Between the 95% and 99.8% limits (below)",
    "below_998": "Below the 99.8% limit",
}
# Making Data Count icons as text: a symbol and words, never colour alone.
VARIATION_TEXT = {
    "common_cause": "● Common cause (no significant change)",
    "special_cause_improvement": "⬆ Special cause: improvement",
    "special_cause_concern": "⚠ Special cause: concern",
    "special_cause_neutral_high": "↑ Special cause: higher (no judgement)",
    "special_cause_neutral_low": "↓ Special cause: lower (no judgement)",
    "": "",
}
ASSURANCE_TEXT = {
    "consistent_pass": "✔ Consistently meets the goal",
    "consistent_fail": "✘ Consistently fails the goal",
    "inconsistent": "? Hit and miss against the goal",
    "": "",
}
TREND_TEXT = {
    "getting better": "⬈ Getting better",
    "getting worse": "⬊ Getting worse",
    "increasing": "↗ Increasing",
    "decreasing": "↘ Decreasing",
    "no significant change": "→ No significant change",
    "cannot be calculated": "– Cannot be calculated",
}
#: plan delivery status (helpers.compare.plans) -> badge, and -> words in a sentence
STATUS_TEXT = {
    "delivered": "✓ Delivered",
    "missed_within_chance": "≈ Missed, within chance",
    "missed": "✗ Missed",
}
STATUS_LONG = {
    "delivered": "delivered its plan",
    "missed_within_chance": "fell short of its plan, but by no more than chance could explain",
    "missed": "missed its plan",
}
#: a cell withheld by disclosure control (helpers.publish.disclosure): the ``reason`` of its row
#: in the published tables and its note on the pages; the same words for a small count and for
#: its complement, so that neither can be told from the other
SUPPRESSED = "Suppressed (small numbers)"
#: what the pages call one organisation of the peer group
UNIT_WORDS = {
    "icb": {
        "unit": "ICB",
        "units": "ICBs",
        "Unit": "ICB",
        "Units": "ICBs",
        "a_unit": "an ICB",
        "A_unit": "An ICB",
    },
    "trust": {
        "unit": "trust",
        "units": "trusts",
        "Unit": "Trust",
        "Units": "Trusts",
        "a_unit": "a trust",
        "A_unit": "A trust",
    },
}


#: the synthetic England's organisation subtypes (codes) -> words; NHS England's own subtypes
#: ("Acute - Teaching") are words already
SUBTYPE_LABELS = {
    "general": "General acute trust",
    "specialist": "Specialist acute trust",
    "mental_health": "Mental health trust",
    "community": "Community trust",
    "ambulance": "Ambulance trust",
    "icb": "Integrated care board",
}


def subtype_words(subtype: str) -> str:
    """An organisation's subtype as the pages show it: words, never a code ("mental_health" ->
    "Mental health trust"); "" when there is none."""
    text = "" if subtype is None or pd.isna(subtype) else str(subtype).strip()
    if text in SUBTYPE_LABELS:
        return SUBTYPE_LABELS[text]
    if text == text.lower() and ("_" in text or text.isidentifier()):
        return text.replace("_", " ").capitalize()  # a code not listed: its words
    return text


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


#: comparison with England -> words in a sentence ("better than England")
COMPARISON_TEXT = {k: lower_first(v) for k, v in COMPARISON_LABEL.items()}


#: the test behind a headline comparison with England (``comparison_test``, see
#: :mod:`helpers.compare.england`) -> its words in a sentence ({unit}, {units}: the
#: organisations' words), and in a table cell
COMPARISON_TEST_TEXT = {
    "overdispersed_funnel_95": "allowing for the variation between {units} (overdispersed "
    "funnel, 95%)",
    "ci_95": "by each {unit}'s own 95% confidence interval (chance alone)",
}
COMPARISON_TEST_SHORT = {
    "overdispersed_funnel_95": "Overdispersed funnel (95%)",
    "ci_95": "Own 95% interval",
    "": "",
}
#: what a metric that makes no judgement (polarity ``no_judgement``: context) says instead of
#: counts of better and worse
CONTEXT_TEXT = "context, not judged"


def is_context(spec: MetricSpec) -> bool:
    """A metric shown for context: it makes no judgement (higher or lower, never better or
    worse) and is never scored."""
    return spec.polarity == "no_judgement"


def judged_by_words(
    tests: dict[str, int], org_type: str, per: tuple[str, str] | None = None
) -> str:
    """How counted comparisons were made, naming every test used: ``tests`` counts the rows of
    each ``comparison_test`` code ("" = not compared, left out). With more than one test, each
    is said with how many rows (``per``: the words for one and several, default the
    organisations) used it. "" when nothing was compared."""
    w = unit_words(org_type)
    used = {t: n for t, n in tests.items() if t and n}
    order = [t for t in COMPARISON_TEST_TEXT if t in used]
    if not order:
        return ""
    if len(order) == 1:
        return COMPARISON_TEST_TEXT[order[0]].format(**w)
    one, many = per or (w["unit"], w["units"])
    return " and ".join(
        f"{COMPARISON_TEST_TEXT[t].format(**w)} for {plural(used[t], one, many)}" for t in order
    )


def comparison_split(
    spec: MetricSpec, counts: dict[str, int], tests: dict[str, int], org_type: str
) -> str:
    """A metric-year's headline comparison with England in words, naming its test: "9 better,
    110 similar, 5 worse than England, judged allowing for the variation between trusts
    (overdispersed funnel, 95%)"; for a context metric "context, not judged", followed by the
    higher and lower counts when it was compared at all."""
    how = judged_by_words(tests, org_type)
    if is_context(spec):
        hi, sim, lo = (int(counts.get(k, 0)) for k in ("higher", "similar", "lower"))
        if not hi + sim + lo:
            return CONTEXT_TEXT
        return f"{CONTEXT_TEXT}: {hi} higher, {sim} similar, {lo} lower than England, {how}"
    b, sim, wo = (int(counts.get(k, 0)) for k in ("better", "similar", "worse"))
    return f"{b} better, {sim} similar, {wo} worse than England" + (
        f", judged {how}" if how else ""
    )


def unit_words(org_type: str) -> dict[str, str]:
    """ "trust"/"ICB" and its forms, for the assessed organisation type."""
    return UNIT_WORDS["icb" if org_type == "icb" else "trust"]


def fixed(value: float, decimals: int, signed: bool = False) -> str:
    """``value`` with ``decimals`` decimals (``signed``: with its sign, "+1.20"), never "-0.00": a
    value that rounds to zero is written "0.00", with no sign."""
    text = f"{float(value):{'+' if signed else ''}.{decimals}f}"
    if float(text) == 0:
        return f"{0:.{decimals}f}"
    return text


def fmt(value: float | None, spec: MetricSpec) -> str:
    """A value with the metric's decimals and unit, or "n/a" (never "-0.0")."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{fixed(value, spec.decimals)}{spec.unit}"


def fmt_value(v: float | None, spec: MetricSpec) -> str:
    return fmt(v if v is not None else np.nan, spec)


def fmt_ci(lo: float, hi: float, spec: MetricSpec) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    return f"{fixed(lo, spec.decimals)} to {fixed(hi, spec.decimals)}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_diff(v: float, spec: MetricSpec) -> str:
    """A signed difference on the metric's scale: one decimal more than its values, in
    percentage points for percentages ("+1.25 points"), "n/a" when missing."""
    if v is None or not np.isfinite(v):
        return "n/a"
    points = " points" if spec.unit == "%" else ""
    d = spec.decimals + 1  # a difference: one decimal more than the values
    r = round(float(v), d) + 0.0
    if not r:  # smaller than the last decimal: show it rather than a signless "0.00"
        return (f"{float(v):+.{d + 2}f}" if v else f"{0:.{d}f}") + points
    return f"{r:+.{d}f}" + points


def change_words(change: float, decimals: int = 2, *, lower_is_better: bool = True) -> str:
    """A change in words, its direction from the polarity and no signed number: "improved by
    0.19", "worsened by 0.05", "did not change" (when it rounds to zero); "" when missing."""
    if change is None or not np.isfinite(change):
        return ""
    size = fixed(abs(change), decimals)
    if float(size) == 0:
        return "did not change"
    better = (change < 0) == lower_is_better
    return f"{'improved' if better else 'worsened'} by {size}"


def change_range_words(
    lo: float, hi: float, decimals: int = 2, *, lower_is_better: bool = True
) -> str:
    """The interval of a change in words, from its better end to its worse end: "from 0.40
    better to 0.05 worse", "from 0.40 better to 0.10 better"; "" when missing."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    best, worst = (lo, hi) if lower_is_better else (hi, lo)

    def word(x: float) -> str:
        size = fixed(abs(x), decimals)
        if float(size) == 0:
            return "no change"
        return f"{size} {'better' if (x < 0) == lower_is_better else 'worse'}"

    return f"from {word(best)} to {word(worst)}"


def fmt_plan(v: float, spec: MetricSpec, signed: bool = False) -> str:
    """A planned or actual figure (``signed``: a difference): on the metric's scale, or a count
    or sum of its numerator in the plan's unit (£000 shown as £k)."""
    if v is None or not np.isfinite(v):
        return "n/a"
    plan = spec.plan
    if plan is None or plan.on == "value":
        return fmt_diff(v, spec) if signed else fmt_value(v, spec)
    decimals = plan.decimals if plan.decimals is not None else spec.decimals
    number = f"{abs(v):,.{decimals}f}"
    zero = float(number.replace(",", "")) == 0
    sign = "" if zero else "+" if signed and v > 0 else "-" if v < 0 else ""
    if plan.unit == "£000":
        return f"{sign}£{number}k"
    return f"{sign}{number}" + (f" {plan.unit}" if plan.unit else "")


def is_true(v: object) -> bool:
    """A nullable boolean from the result tables: NA counts as false."""
    return bool(v) if v is not None and not pd.isna(v) else False


def target_text(value: float, met: Any, spec: MetricSpec) -> str:
    """ "Met (95.0%)" / "Not met (95.0%)" for a standard or goal, or "" when none applies."""
    if value is None or not np.isfinite(value) or met is None or pd.isna(met):
        return ""
    return ("Met " if bool(met) else "Not met ") + f"({fmt_value(value, spec)})"


#: the scale on which each kind of funnel estimates its overdispersion, in words
FUNNEL_SCALE = {
    "PR": "arcsine square-root",
    "SR": "log",
    "phe_rate": "square-root",
    "phe_dsr": "square-root",
}


def counts_sentence(
    spec: MetricSpec,
    counts: dict[str, int],
    counts_ci: dict[str, int],
    tests: dict[str, int],
    org_type: str,
) -> str:
    """A metric-year's comparison with England in words (markdown), to follow "Of N trusts with
    a value,": the headline counts with the test that made them and, where it was not the plain
    test, the plain test's counts beside them; a context metric says it is not judged."""
    w = unit_words(org_type)
    how = judged_by_words(tests, org_type)
    if is_context(spec):
        hi, sim, lo = (int(counts.get(k, 0)) for k in ("higher", "similar", "lower"))
        if not hi + sim + lo:
            return "none is compared with England: this metric is shown for context, not judged."
        return (
            f"{hi} were higher than England, {sim} similar and {lo} lower, compared {how}; "
            "this metric is shown for context, not judged (higher or lower is neither better "
            "nor worse)."
        )
    b, sim, wo = (int(counts.get(k, 0)) for k in ("better", "similar", "worse"))
    text = f"{b} were better than England, {sim} similar and {wo} worse, judged {how}."
    if set(tests) - {"", "ci_95"}:
        pb, ps, pw = (int(counts_ci.get(k, 0)) for k in ("better", "similar", "worse"))
        text += (
            f" By each {w['unit']}'s own 95% confidence interval alone (chance only), {pb} were "
            f"better, {ps} similar and {pw} worse: with counts this large, that test also "
            f"calls better or worse the differences that are ordinary among {w['units']}."
        )
    return text


def org_counts_sentence(latest: list[tuple[MetricSpec, dict]], org_type: str) -> str:
    """A report card's count of better and worse: ``latest`` holds each metric with its latest
    year's row view (``headline``: the headline comparison, ``test``: its test). Names the
    tests used and leaves out the context metrics, which are not judged."""
    w = unit_words(org_type)
    if not latest:
        return ""
    judged = [row for spec, row in latest if not is_context(spec)]
    context = len(latest) - len(judged)
    better = sum(1 for row in judged if row["headline"] == "better")
    worse = sum(1 for row in judged if row["headline"] == "worse")
    tests: dict[str, int] = {}
    for row in judged:
        tests[row["test"]] = tests.get(row["test"], 0) + 1
    how = judged_by_words(tests, org_type, per=("metric", "metrics"))
    text = (
        f"In the latest year of each metric, this {w['unit']} was better than England on "
        f"{plural(better, 'metric')} and worse on {worse} of the {len(judged)} judged here"
        + (f", {how}" if how else "")
        + "."
    )
    if context:
        text += f" {plural(context, 'metric')} shown for context, not judged."
    return text
