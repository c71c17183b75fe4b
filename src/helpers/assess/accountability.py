"""Accountability over time: promises kept, year-on-year movement, persistent failure and the
consequences that follow, all from the settings' rules (``assess:``).

* **Promises kept** (:mod:`helpers.assess.plans`): the share of an organisation's own plans it
  delivered in the year (at least as good as planned), with the shortfalls beyond chance.
* **Year on year** (:func:`helpers.assess.common_metrics.year_on_year`): for an organisation
  assessed in consecutive years, the change in average score on the metrics both years share,
  its 95% interval from the difference of the two years' simulated averages (independent
  draws), and whether it is more than chance (the interval excludes 0).
* **Persistent failure** (:func:`persistent_failure`): N consecutive failing years, a year
  failing when the organisation is in the lowest segment with at least the settings'
  probability of really being there; special-cause concern on core metrics
  (:mod:`helpers.assess.spc_concern`, when the settings name them) is evidence shown beside it,
  and makes a failing year on its own only with ``spc_alone``. Those organisations are
  listed as candidates for the reviewed segment 5 register (never placed there), with the
  reason year by year.
* **Consequences** (:func:`consequences`): the first of the settings' declarative rules whose
  every condition holds; each condition is one fixed test (a segment list, persistent failure,
  in deficit, a minimum share of promises kept, the top quarter on a named metric).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from helpers.assess.common_metrics import YEAR_ON_YEAR_COLUMNS, year_on_year
from helpers.assess.engine import CohortYear
from helpers.assess.plans import plans_kept
from helpers.core.fy import fy_label, fy_start
from helpers.settings import AssessmentRules, ConsequenceRule


def failing_years(assessment: pd.DataFrame, rules: AssessmentRules) -> pd.DataFrame:
    """Per organisation-year: ``lowest`` (in the lowest segment with at least
    ``min_probability`` of really being there; segment 5 always), ``concern`` (special-cause
    concern, the ``spc_concern`` column when present) and ``failing``: ``lowest``, or either
    when the settings' ``spc_alone`` lets concern alone make a failing year."""
    pf = rules.persistent_failure
    seg = assessment.segment
    prob = sum(
        assessment.get(f"p_segment_{s}", 0.0) for s in range(pf.segment, 5)
    )  # P(segment >= the lowest)
    lowest = ((seg >= pf.segment) & ((seg == 5) | (prob >= pf.min_probability))).fillna(False)
    if "spc_concern" in assessment:
        concern = assessment.spc_concern.fillna(False).astype(bool)
    else:
        concern = pd.Series(False, index=assessment.index)
    failing = lowest | concern if pf.spc_alone else lowest
    return pd.DataFrame(
        {"lowest": lowest.astype(bool), "concern": concern, "failing": failing},
        index=assessment.index,
    )


def ends_run(frame: pd.DataFrame, flag: pd.Series, years: int) -> pd.Series:
    """True for an organisation-year (``frame``: ``org_code, period``) where ``flag`` holds in
    ``years`` consecutive financial years, this one the last."""
    start = frame.period.map(fy_start)
    key = dict(zip(zip(frame.org_code, start, strict=True), flag, strict=True))
    flags = [
        all(key.get((o, y - k), False) for k in range(years))
        for o, y in zip(frame.org_code, start, strict=True)
    ]
    return pd.Series(flags, index=frame.index, dtype=bool)


def persistent_failure(assessment: pd.DataFrame, rules: AssessmentRules) -> pd.Series:
    """True for an organisation-year that ends a run of ``years`` consecutive failing financial
    years (:func:`failing_years`)."""
    failing = failing_years(assessment, rules).failing
    flags = ends_run(assessment, failing, rules.persistent_failure.years)
    return flags.rename("persistent_failure")


def failure_reasons(
    assessment: pd.DataFrame, rules: AssessmentRules, names: Mapping[str, str] | None = None
) -> pd.Series:
    """Why each persistently failing organisation-year is flagged, year by year, e.g.
    "2023/24: lowest segment; 2024/25: lowest segment, special-cause concern on A&E 4-hour
    performance" ("" where not flagged); ``names``: each metric's name by id (its id else)."""
    n = rules.persistent_failure.years
    f = failing_years(assessment, rules)
    metrics = assessment.get("spc_concern_metrics", pd.Series("", index=assessment.index))
    why: dict[tuple[str, int], str] = {}
    for i, (o, p) in enumerate(zip(assessment.org_code, assessment.period, strict=True)):
        parts = ["lowest segment"] if f.lowest.iloc[i] else []
        if f.concern.iloc[i]:
            ids = [m for m in str(metrics.iloc[i]).split(";") if m]
            named = ", ".join((names or {}).get(m, m) for m in ids)
            parts.append(f"special-cause concern on {named}")
        why[(o, fy_start(p))] = ", ".join(parts)
    flags = ends_run(assessment, f.failing, n)  # persistent_failure, from the same years
    out = []
    for o, p, flag in zip(assessment.org_code, assessment.period, flags, strict=True):
        y = fy_start(p)
        out.append(
            "; ".join(f"{fy_label(y - k)}: {why[(o, y - k)]}" for k in reversed(range(n)))
            if flag
            else ""
        )
    return pd.Series(out, index=assessment.index, name="persistent_failure_reason")


CONSEQUENCE_COLUMNS = ["consequence", "consequence_people", "consequence_rule"]


def _holds(rule: ConsequenceRule, r: pd.Series, top: dict[str, set[tuple[str, str]]]) -> bool:
    w = rule.when
    seg = r.segment
    if w.segments is not None and (pd.isna(seg) or int(seg) not in w.segments):
        return False
    failing = False if pd.isna(r.persistent_failure) else bool(r.persistent_failure)
    if w.persistent_failure is not None and failing != w.persistent_failure:
        return False
    if w.in_deficit is not None:
        d = r.in_deficit
        if pd.isna(d) or bool(d) != w.in_deficit:
            return False
    if w.min_plan_delivery is not None:
        p = r.plan_delivery
        if pd.isna(p) or p < w.min_plan_delivery:
            return False
    if w.top_quartile_on is not None:
        return (r.org_code, r.period) in top.get(w.top_quartile_on, set())
    return True


def consequences(
    assessment: pd.DataFrame, metric_scores: pd.DataFrame, rules: AssessmentRules
) -> pd.DataFrame:
    """``consequence``, ``consequence_people`` and ``consequence_rule`` per organisation and
    year: the first rule of the settings whose conditions all hold ("" when none does, e.g. not
    segmented); ``consequence_people`` is the rule's ``people`` part, only when the settings'
    ``people_consequences`` allows it."""
    top: dict[str, set[tuple[str, str]]] = {}
    ms = metric_scores
    for name in {c.when.top_quartile_on for c in rules.consequences if c.when.top_quartile_on}:
        m = ms[(ms.metric_id == name) & ms.metric_rank.notna()]
        hit = m[m.metric_rank.astype(float) <= m.organisations_scored.astype(float) / 4]
        top[name] = set(zip(hit.org_code, hit.period.astype(str), strict=True))
    out = []
    for _, r in assessment.iterrows():
        chosen = next((c for c in rules.consequences if _holds(c, r, top)), None)
        if pd.isna(r.segment) or chosen is None:
            out.append(("", "", ""))
        else:
            people = (chosen.people or "") if rules.people_consequences else ""
            out.append((chosen.consequence, people, chosen.name))
    return pd.DataFrame(out, columns=CONSEQUENCE_COLUMNS, index=assessment.index)


def add_accountability(
    assessment: pd.DataFrame,
    metric_scores: pd.DataFrame,
    years: list[CohortYear],
    plan_delivery: pd.DataFrame | None,
    rules: AssessmentRules,
    spc: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The assessment with promises kept, year-on-year movement, persistent failure (and why),
    segment 5 candidates and each organisation's consequence and the rule behind it. ``spc``:
    the special-cause concerns on core metrics (:func:`helpers.assess.spc_concern.spc_concerns`),
    when the settings name core metrics; ``names``: each metric's name by id, for the words of
    the reasons (:func:`helpers.assess.describe.metric_names`)."""
    out = assessment.drop(columns=[c for c in ACCOUNTABILITY_COLUMNS if c in assessment])
    kept = plans_kept(plan_delivery, rules)[
        ["org_code", "period", "plans", "plan_delivery", "plan_shortfalls"]
    ]
    out = out.merge(kept, on=["org_code", "period"], how="left")
    # the change on the metrics both years share (the metrics scored can change between years)
    out = out.merge(year_on_year(years, rules), on=["org_code", "period"], how="left")
    out["change_significant"] = out.change_significant.astype("boolean")
    if spc is not None and len(spc):
        out = out.merge(spc, on=["org_code", "period"], how="left")
        out["spc_concern"] = out.spc_concern.astype("boolean")
    else:
        out["spc_concern_metrics"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["spc_concern"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out["persistent_failure"] = persistent_failure(out, rules).where(out.segment.notna())
    out["persistent_failure"] = out.persistent_failure.astype("boolean")
    why = failure_reasons(out, rules, names)  # names: each metric's name, never its id
    out["persistent_failure_reason"] = why.where(out.segment.notna(), "")
    out["segment_5_candidate"] = (
        out.persistent_failure.fillna(False) & (out.segment >= rules.persistent_failure.segment)
        & (out.segment < 5)
    ).astype("boolean").where(out.segment.notna())  # fmt: skip
    out = out.join(consequences(out, metric_scores, rules))
    return out


ACCOUNTABILITY_COLUMNS = [
    "plans",
    "plan_delivery",
    "plan_shortfalls",
    *YEAR_ON_YEAR_COLUMNS[2:],  # previous period and segment, the change and its interval
    "spc_concern_metrics",
    "spc_concern",
    "persistent_failure",
    "persistent_failure_reason",
    "segment_5_candidate",
    *CONSEQUENCE_COLUMNS,
]
