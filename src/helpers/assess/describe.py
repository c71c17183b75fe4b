"""The assessment's rules and results in plain words (for the notebook and the pages), and the
checks every published assessment must pass."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.assess.engine import scored_metrics
from helpers.assess.plans import PLANS_ID, PLANS_SPEC
from helpers.assess.scores import scoring_rule_text
from helpers.core.words import plural
from helpers.settings import ConsequenceRule, LoadedAssessment


def scoring_rules_table(run: LoadedAssessment) -> pd.DataFrame:
    """One row per metric of the assessment: how it is scored, and its weight."""
    rules = run.settings.assess
    rows = pd.DataFrame(
        [
            {
                "metric_id": m.id,
                "metric": m.short_title,
                "scoring": m.score_mode,
                "weight": rules.weights.get(m.id, 1.0) if m.score_mode != "none" else 0.0,
                "rule": scoring_rule_text(m, rules.continuous, rules.ties)
                + (f" {m.scoring.note}" if m.scoring is not None and m.scoring.note else ""),
            }
            for m in run.metrics
        ]
    )
    if plans_scored(run):
        plan = {
            "metric_id": PLANS_ID,
            "metric": PLANS_SPEC.short_title,
            "scoring": "continuous",
            "weight": rules.plans.weight,
            "rule": scoring_rule_text(PLANS_SPEC, rules.continuous, rules.ties)
            + " The value is the share of its own plans (one per metric with a plan) that it "
            "delivered in the year (at least as good as planned); in the simulation each plan is "
            "re-judged against the metric's drawn value. Organisations with fewer "
            f"than {plural(rules.plans.min_plans, 'plan')} that year are not scored on it.",
        }
        rows = pd.concat([rows, pd.DataFrame([plan])], ignore_index=True)
    return rows


def plans_scored(run: LoadedAssessment) -> bool:
    """Promises kept is scored: the settings say so and the catalogue holds plans."""
    return run.settings.assess.plans.scored and any(m.plan is not None for m in run.metrics)


def metric_names(run: LoadedAssessment) -> dict[str, str]:
    """Each metric's name for prose (its short title), by id: a page never shows a metric id."""
    return {m.id: m.short_title for m in [*run.catalogue.metrics, *run.metrics]}


def rules_text(run: LoadedAssessment) -> str:
    """The segmentation, override, cohort and uncertainty rules of this assessment, in words."""
    r = run.settings.assess
    n = len(scored_metrics(run, plans=plans_scored(run)))
    names = metric_names(run)
    parts = []
    weights = "equal weights" if not r.weights else "the weights in the table above"
    minimum = (
        f"at least {r.min_metrics} scored metrics"
        if r.min_metrics
        else "at least half of the metrics scored in its cohort that year"
    )
    parts.append(
        f"The average score is the mean of the scores on the metrics scored in the cohort that "
        f"year ({n} when every one has data) with {weights}; an organisation needs {minimum} "
        "to be segmented. A year is compared with the one before on the metrics scored in both."
    )
    if r.segmentation == "quartiles":
        parts.append(
            "Segments 1 to 4 are the quartiles of the average score within the cohort (NHS "
            "Oversight Framework 2025/26): position p of N (tied scores share the better "
            "position) is in segment floor(4 × (p − 1) / N) + 1."
        )
    else:
        t = r.thresholds or []
        parts.append(
            "Segments 1 to 4 come from fixed thresholds of the average score (NHS Oversight "
            f"Framework 2026/27): segment 1 up to {t[0]:.2f}, 2 up to {t[1]:.2f}, 3 up to "
            f"{t[2]:.2f}, 4 above."
        )
    fo = r.financial_override
    if fo is None:
        parts.append(
            "No financial override is applied: this assessment has no financial data, so the "
            "adjusted and unadjusted segments are the same."
        )
    else:
        basis = (
            f"the metric {names.get(fo.metric, fo.metric)} is below {fo.deficit_below:g}"
            if fo.metric
            else f"the register {fo.deficit_register} says so"
        )
        parts.append(
            f"Financial override: an organisation in deficit (when {basis}) is placed no "
            f"better than segment {fo.max_segment}; both segments are published."
        )
    parts.append(
        "Specialist acute trusts are "
        + (
            "ranked with the other acute trusts and flagged."
            if r.specialist == "flag"
            else "given a cohort of their own."
        )
    )
    if plans_scored(run):
        parts.append(
            "Promises kept (the share of its own plans an organisation delivered) is scored as a "
            "metric of its own."
        )
    pf = r.persistent_failure
    core = ", ".join(names.get(m, m) for m in pf.spc_metrics)
    spc = (
        f", or showing special-cause concern at the year end on at least {pf.spc_min_metrics} of "
        f"the core metrics ({core}; Making Data Count XmR chart)"
        if pf.spc_metrics and pf.spc_alone
        else ""
    )
    evidence = (
        f" Special-cause concern at the year end on at least {pf.spc_min_metrics} of the core "
        f"metrics ({core}; Making Data Count XmR chart) is shown beside the segment as evidence; "
        "on its own it does not make a failing year."
        if pf.spc_metrics and not pf.spc_alone
        else ""
    )
    parts.append(
        f"Persistent failure: {pf.years} consecutive failing years, a year failing when the "
        f"organisation is in segment {pf.segment} or below with a probability of at least "
        f"{pf.min_probability:.0%} of really being there{spc}; such organisations are listed "
        f"as candidates for a reviewed segment 5 decision.{evidence}"
    )
    parts.append(
        "What the rules imply for an organisation in each position (implications of this "
        "assessment's rules, not decisions of any NHS body), the first rule that holds: "
        + "; ".join(
            f"{c.name.replace('_', ' ')}: {c.consequence[:1].lower()}{c.consequence[1:]} "
            f"({_when_text(c, names)})"
            for c in r.consequences
        )
        + "."
        + (
            ""
            if r.people_consequences
            else " What the rules would mean for organisations' leaders (pay) is not shown."
        )
    )
    parts.append(
        "Segment 5 (intensive support) is never automatic: "
        + (
            f"{plural(len(r.segment_5), 'reviewed decision')} "
            + ("is" if len(r.segment_5) == 1 else "are")
            + " recorded in the settings."
            if r.segment_5
            else "no decision is recorded in the settings."
        )
    )
    months = (
        " and their month-to-month variation within the year (beyond sampling alone)"
        if r.month_to_month
        else ""
    )
    parts.append(
        f"Uncertainty: every value is drawn {r.n_draws:,} times from its sampling error{months}; "
        "in every draw the scores, averages, segments (quartiles recomputed), override and "
        "league ranks are recomputed. The likely ranges are the 2.5th and 97.5th percentiles of "
        f"the draws (seed {run.settings.seed}, so the same on every run)."
    )
    return " ".join(parts)


def _n(count: int, words: dict[str, str]) -> str:
    return f"{count} {words['unit'] if count == 1 else words['units']}"


def _when_text(rule: ConsequenceRule, names: dict[str, str]) -> str:
    w = rule.when
    parts = []
    if w.segments is not None:
        parts.append("segment " + " or ".join(str(x) for x in w.segments))
    if w.persistent_failure is not None:
        parts.append("persistent failure" if w.persistent_failure else "no persistent failure")
    if w.in_deficit is not None:
        parts.append("in deficit" if w.in_deficit else "not in deficit")
    if w.min_plan_delivery is not None:
        parts.append(f"at least {w.min_plan_delivery:.0%} of promises kept")
    if w.top_quartile_on is not None:
        on = names.get(w.top_quartile_on)
        parts.append(
            f"top quarter of the cohort on {on}"
            if on
            else f"top quarter of the cohort on {w.top_quartile_on}, a metric this assessment "
            "does not have, so never"
        )
    return ", ".join(parts) or "always"


def summary_text(assessment: pd.DataFrame, words: dict[str, str]) -> str:
    """The latest year in a few sentences, with its uncertainty."""
    latest = assessment[assessment.period == assessment.period.max()]
    seg = latest[latest.segment.notna()]
    if seg.empty:
        return f"No {words['unit']} could be segmented in {latest.period.max()}."
    width = (seg.rank_upper - seg.rank_lower).astype(float)
    sure = int((seg[["p_segment_1", "p_segment_2", "p_segment_3", "p_segment_4"]].max(axis=1)
                >= 0.9).sum())  # fmt: skip
    top = int(seg.confidently_top_quartile.fillna(False).sum())
    bottom = int(seg.confidently_bottom_quartile.fillna(False).sum())
    capped = int((seg.segment != seg.segment_unadjusted).sum())
    groups = int(seg.indistinguishable_group.nunique())
    return (
        f"In {latest.period.iat[0]}, {_n(len(seg), words)} "
        + ("was" if len(seg) == 1 else "were")
        + " segmented"
        + (f" ({len(latest) - len(seg)} had too few metrics)" if len(latest) > len(seg) else "")
        + f". The median likely range of rank spans {np.median(width):.0f} places; "
        f"{sure} of {len(seg)} are in their segment with a probability of at least 90%. "
        f"{_n(top, words)} {'is' if top == 1 else 'are'} confidently in the top quartile and "
        f"{bottom} confidently "
        f"in the bottom quartile; the league table splits into {groups} "
        + ("group" if groups == 1 else "groups")
        + " of organisations that cannot be "
        "told apart. "
        + (
            f"{_n(capped, words)} {'was' if capped == 1 else 'were'} moved down by the "
            "financial override."
            if capped
            else "The financial override moved no one."
        )
    )


def check_assessment(
    run: LoadedAssessment, assessment: pd.DataFrame, metric_scores: pd.DataFrame
) -> None:
    """Raise AssertionError with a clear message when the assessment breaks a rule."""
    a = assessment
    r = run.settings.assess

    def fail(msg: str, rows: pd.DataFrame) -> None:
        if len(rows):
            raise AssertionError(f"{msg}: {rows[['org_code', 'period']].head().values.tolist()}")

    fail("an organisation appears twice in a year", a[a.duplicated(["org_code", "period"])])
    seg = a[a.segment.notna()]
    fail("segment outside 1-5", seg[~seg.segment.between(1, 5)])
    fail("adjusted segment better than unadjusted", seg[seg.segment < seg.segment_unadjusted])
    if r.financial_override is not None:
        cap = r.financial_override.max_segment
        fail(
            "in deficit but better than the cap",
            seg[seg.in_deficit.fillna(False) & (seg.segment < cap)],
        )
    fives = {(d.org_code, d.period) for d in r.segment_5}
    fail(
        "segment 5 without a reviewed decision",
        seg[(seg.segment == 5) & ~seg.apply(lambda x: (x.org_code, x.period) in fives, axis=1)],
    )
    fail("rank outside 1..cohort size", seg[(seg["rank"] < 1) | (seg["rank"] > seg.cohort_size)])
    fail(
        "likely range of rank outside the cohort",
        seg[
            (seg.rank_lower < 1)
            | (seg.rank_upper > seg.cohort_size)
            | (seg.rank_lower > seg.rank_upper)
        ],
    )
    p = seg[["p_segment_1", "p_segment_2", "p_segment_3", "p_segment_4"]].sum(axis=1)
    fail("segment probabilities do not add up to 1", seg[(p - 1).abs() > 0.002])
    fail(
        "average score outside 1-4",
        seg[(seg.average_score < 1) | (seg.average_score > 4)],
    )
    s = metric_scores[metric_scores.score.notna()]
    if ((s.score < 1 - 1e-9) | (s.score > 4 + 1e-9)).any():
        raise AssertionError("a metric score lies outside 1.00-4.00")
    cohorts = a.groupby(["org_code"]).cohort.nunique()
    if (cohorts > 1).any():
        raise AssertionError(f"organisations change cohort: {list(cohorts[cohorts > 1].index)}")
    types = a.groupby("cohort").org_type.nunique()
    if (types > 1).any():
        raise AssertionError(f"a cohort mixes organisation types: {list(types[types > 1].index)}")
