"""Sensitivity: how many organisations change segment when one rule of the assessment changes.

Each scenario reassesses the observed values (:func:`helpers.assess.engine.score_values`, no
simulation) with one rule changed and counts the organisations whose published (adjusted)
segment differs from the assessment's:

* **the other segmentation method**: thresholds instead of quartiles (the settings'
  ``sensitivity_thresholds``), or quartiles instead of thresholds;
* **no financial override**;
* **specialist trusts in their own cohort** (or with the other acute trusts, when the
  assessment already gives them their own);
* **equal weight per domain** instead of per metric: each metric weighs 1 / (the number of
  scored metrics in its domain), so a domain with many metrics (often finance) no longer
  dominates.

Segment 5 decisions are left out of every scenario (they are reviewed, not computed).

The same scenarios give each organisation-year its **rule stability**
(:func:`rule_stability`): under how many of the reasonable rule sets (the assessment's own and
each scenario's) it has the segment it was given, and the best and worst segment any of them
gives it. Beside the segment probabilities (noise in the data), this is the uncertainty of the
rules themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.assess.engine import cohort_labels, score_values, specialist_acute
from helpers.assess.plans import PLANS_ID
from helpers.settings import AssessmentRules, MetricSpec

SENSITIVITY_COLUMNS = [
    "scenario",
    "description",
    "period",
    "organisations",
    "changed_segment",
    "changed_pct",
    "moved_up",
    "moved_down",
]


def scenarios(
    rules: AssessmentRules, specs: dict[str, MetricSpec]
) -> list[tuple[str, str, AssessmentRules]]:
    """(name, description, rules) of every scenario."""
    out = []
    if rules.segmentation == "quartiles":
        t = rules.sensitivity_thresholds
        out.append((
            "thresholds",
            f"segments by fixed thresholds ({t[0]:g}, {t[1]:g}, {t[2]:g}) instead of quartiles",
            rules.model_copy(update={"segmentation": "thresholds", "thresholds": t}),
        ))  # fmt: skip
    else:
        out.append((
            "quartiles",
            "segments by quartiles of the cohort instead of fixed thresholds",
            rules.model_copy(update={"segmentation": "quartiles", "thresholds": None}),
        ))  # fmt: skip
    if rules.financial_override is not None:
        out.append((
            "no_financial_override",
            "without the financial override (in deficit: no better than segment "
            f"{rules.financial_override.max_segment})",
            rules.model_copy(update={"financial_override": None}),
        ))  # fmt: skip
    other = "flag" if rules.specialist == "own_cohort" else "own_cohort"
    out.append((
        "specialist_" + other,
        "specialist acute trusts "
        + ("ranked with the other acute trusts" if other == "flag" else "in a cohort of their own"),
        rules.model_copy(update={"specialist": other}),
    ))  # fmt: skip
    domains = pd.Series({m: s.domain for m, s in specs.items() if s.score_mode != "none"})
    per_domain = domains.map(1.0 / domains.value_counts())
    out.append((
        "equal_weight_per_domain",
        f"equal weight per domain ({domains.nunique()} domains) instead of per metric",
        rules.model_copy(update={"weights": per_domain.drop(PLANS_ID, errors="ignore").to_dict(),
                                 "plans": rules.plans.model_copy(
                                     update={"weight": float(per_domain.get(PLANS_ID, 1.0))})}),
    ))  # fmt: skip
    return out


def alternative_segments(
    assessment: pd.DataFrame,
    values: pd.DataFrame,
    specs: dict[str, MetricSpec],
    rules: AssessmentRules,
) -> pd.DataFrame:
    """Every segmented organisation-year's published segment beside its segment under each
    scenario: ``scenario, description, org_code, period, segment, alt_segment`` (``alt_segment``
    empty where the scenario leaves it unsegmented).

    ``values``: ``org_code, period, metric_id, value`` of every scored metric (promises kept
    included); ``assessment`` supplies each organisation's type, subtype, deficit flag and
    published segment. The specialist scenario is left out when no organisation is a specialist
    trust (ICBs, mental health trusts)."""
    base = assessment[assessment.segment.notna()].copy()
    base = base[base.segment <= 4]  # reviewed segment 5 decisions are not recomputed
    base = base.assign(period=base.period.astype(str))[["org_code", "period", "segment"]]
    orgs = assessment.drop_duplicates("org_code")[["org_code", "org_type", "org_subtype"]]
    deficit = assessment[["org_code", "period", "in_deficit"]].assign(
        in_deficit=assessment.in_deficit.fillna(False).astype(bool)
    )
    v = values.merge(orgs, on="org_code")
    frames = []
    specialists = bool(specialist_acute(orgs).any())
    for name, text, alt in scenarios(rules, specs):
        if name.startswith("specialist_") and not specialists:
            continue  # no specialist trust: the cohort arrangement cannot change anything
        vv = v.assign(cohort=cohort_labels(v, alt).to_numpy())
        got = score_values(vv, specs, alt, deficit).rename(columns={"segment": "alt_segment"})
        got = got.assign(period=got.period.astype(str))[["org_code", "period", "alt_segment"]]
        both = base.merge(got, on=["org_code", "period"], how="left")
        frames.append(both.assign(scenario=name, description=text))
    cols = ["scenario", "description", "org_code", "period", "segment", "alt_segment"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def sensitivity(
    assessment: pd.DataFrame,
    values: pd.DataFrame,
    specs: dict[str, MetricSpec],
    rules: AssessmentRules,
    alternatives: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per scenario and year (and an "all years" row per scenario): how many segmented
    organisations change segment (:func:`alternative_segments`, computed here unless given)."""
    alts = alternatives
    if alts is None:
        alts = alternative_segments(assessment, values, specs, rules)
    rows = []
    for (name, text), sc in alts.groupby(["scenario", "description"], sort=False):
        sc = sc[sc.alt_segment.notna()]
        for period, g in [*sc.groupby("period"), ("all years", sc)]:
            diff = g.alt_segment - g.segment
            rows.append(
                {
                    "scenario": name,
                    "description": text,
                    "period": period,
                    "organisations": len(g),
                    "changed_segment": int((diff != 0).sum()),
                    "changed_pct": round(100 * float((diff != 0).mean()), 1) if len(g) else 0.0,
                    "moved_up": int((diff < 0).sum()),
                    "moved_down": int((diff > 0).sum()),
                }
            )
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


STABILITY_COLUMNS = [
    "segment_rule_sets_agree",
    "segment_rule_sets",
    "segment_rules_best",
    "segment_rules_worst",
]


def rule_stability(assessment: pd.DataFrame, alternatives: pd.DataFrame) -> pd.DataFrame:
    """The assessment with how stable each segment is under the reasonable alternative rules
    of :func:`scenarios`: ``segment_rule_sets`` rule sets were tried (the assessment's own
    included), ``segment_rule_sets_agree`` of them give the published segment, and the best and
    worst segment any of them gives. A scenario that leaves the organisation unsegmented counts
    as disagreeing. Empty for organisations not segmented (or placed in segment 5 by a reviewed
    decision, which no rule recomputes)."""
    out = assessment.drop(columns=[c for c in STABILITY_COLUMNS if c in assessment])
    a = alternatives.assign(same=alternatives.alt_segment == alternatives.segment)
    g = a.groupby(["org_code", "period"])
    agg = pd.DataFrame(
        {
            "segment_rule_sets_agree": g.same.sum() + 1,
            "segment_rule_sets": g.size() + 1,
            "_alt_best": g.alt_segment.min(),
            "_alt_worst": g.alt_segment.max(),
        }
    ).reset_index()
    out = out.merge(agg, on=["org_code", "period"], how="left")
    seg = out.segment.where(out.segment <= 4)
    has = seg.notna() & out.segment_rule_sets.notna()
    out["segment_rules_best"] = np.fmin(seg, out._alt_best).where(has)
    out["segment_rules_worst"] = np.fmax(seg, out._alt_worst).where(has)
    for col in STABILITY_COLUMNS:
        out[col] = pd.array(np.round(out[col].astype(float).where(has)), dtype="Int64")
    return out.drop(columns=["_alt_best", "_alt_worst"])
