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
