"""The planted truth of the assessment: the noise-free true value of every metric for every
organisation and year (``planted_values.csv``) and the assessment those values imply
(``planted_assessment.csv``), so that tests can check how often the pipeline's likely ranges
cover the truth.

* :func:`true_values`: from the expected counts the writers collected
  (:mod:`helpers.synthetic.expected`) to one value per organisation, catalogue metric and
  financial year, as the pipeline builds its values (:mod:`helpers.indicators.build`): each
  code is reported under its current successor (a merged trust's predecessors are added in), a
  year's months are summed (numerator and denominator), years with fewer months than the
  metric's ``min_months`` get no value, ``aggregate_to: host_icb`` adds up the providers of
  each ICB, and the value is ``multiplier x numerator / denominator``.
* :func:`true_assessment`: the assessment of those values by
  :func:`helpers.assess.engine.score_values` with the default rules, cohorts from
  :func:`helpers.assess.engine.cohort_labels`, the catalogue's scored metrics of each
  organisation type, and the financial override for providers (in deficit when the true
  ``finance_outturn_margin_pct`` is below 0).
* :func:`write_planted`: writes both files (floats with fixed decimals; the assessment is made
  from the values as written, so it can be recomputed from ``planted_values.csv``).

The metric definitions come from ``config/metrics/synthetic.yml`` (:data:`CATALOGUE`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.assess.accountability import ends_run
from helpers.assess.engine import cohort_labels, score_values
from helpers.assess.plans import PLANS_ID, PLANS_SPEC
from helpers.core.fy import financial_year, fy_label
from helpers.core.paths import project_root
from helpers.settings import AssessmentRules, FinancialOverride, MetricSpec, load_catalogue
from helpers.synthetic.expected import EXPECTED_COLUMNS
from helpers.synthetic.files import write_table
from helpers.synthetic.world import SYNTHETIC, World
from helpers.synthetic.writers.context import Output

#: the metric catalogue of the synthetic assessments, relative to the project root
CATALOGUE = Path("config") / "metrics" / "synthetic.yml"
#: the financial override of the synthetic provider assessments (``assess.financial_override``)
DEFICIT_METRIC = "finance_outturn_margin_pct"
DEFICIT_BELOW = 0.0
#: decimals of the values and average scores written
DECIMALS = 6
VALUE_COLUMNS = ["synthetic", "org_code", "org_type", "metric_id", "period", "true_value"]
ASSESSMENT_COLUMNS = [
    "synthetic",
    "org_code",
    "org_type",
    "cohort",
    "period",
    "true_average_score",
    "true_rank",
    "true_segment",
    "true_segment_unadjusted",
    "metrics_scored",
    "true_plan_delivery",
    "planted_failing",
    "persistently_failing",
    "true_persistent_lowest",
]


def catalogue_metrics(path: Path | None = None) -> list[MetricSpec]:
    """The metrics of the synthetic catalogue (default: :data:`CATALOGUE` of the project)."""
    return list(load_catalogue(path or project_root() / CATALOGUE).metrics)


def successor_map(world: World) -> dict[str, str]:
    """Every code to its current successor (itself when it has none), chains followed."""
    step = dict(zip(world.successions.old_code, world.successions.new_code, strict=True))
    out = {}
    for code in world.orgs.org_code:
        seen = {code}
        c = code
        while c in step and step[c] not in seen:
            c = step[c]
            seen.add(c)
        out[code] = c
    return out


def true_values(
    world: World, expected: list[pd.DataFrame], specs: list[MetricSpec]
) -> pd.DataFrame:
    """``org_code, org_type, metric_id, period, true_value`` (float), one row per organisation
    (its current code), metric of ``specs`` and financial year of ``world`` with a value.
    Metrics whose measures no writer recorded are left out."""
    cols = ["org_code", "org_type", "metric_id", "period", "true_value"]
    if not expected:
        return pd.DataFrame(columns=cols)
    rows = pd.concat(expected, ignore_index=True)[EXPECTED_COLUMNS]
    rows = rows.assign(
        org_code=rows.org_code.map(successor_map(world)).fillna(rows.org_code),
        period=financial_year(rows.month),
    )
    rows = rows[rows.period.isin([fy_label(y) for y in world.fys])]
    host = dict(zip(world.orgs.org_code, world.orgs.icb_code, strict=True))
    org_type = dict(zip(world.orgs.org_code, world.orgs.org_type, strict=True))
    frames = []
    for spec in specs:
        for d in spec.definitions:
            sub = rows[
                (rows.num_measure == d.numerator.measure)
                & (rows.den_measure == d.denominator.measure)
                & rows.period.map(d.covers)
            ]
            if d.aggregate_to == "host_icb":
                sub = sub.assign(org_code=sub.org_code.map(host))
            if sub.empty:
                continue
            g = sub.groupby(["org_code", "period"], as_index=False, sort=True).agg(
                num=("num", "sum"), den=("den", "sum"), months=("month", "nunique")
            )
            g = g[(g.months >= spec.min_months) & (g.den > 0)]
            frames.append(
                pd.DataFrame(
                    {
                        "org_code": g.org_code,
                        "org_type": g.org_code.map(org_type),
                        "metric_id": spec.id,
                        "period": g.period,
                        "true_value": spec.multiplier * g.num / g.den,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    applies = {s.id: set(s.org_types) for s in specs}
    out = out[[t in applies[m] for m, t in zip(out.metric_id, out.org_type, strict=True)]]
    return out.sort_values(["metric_id", "org_code", "period"], ignore_index=True)[cols]


def true_plans_kept(
    world: World, expected: list[pd.DataFrame], plans: list[pd.DataFrame], specs: list[MetricSpec]
) -> pd.DataFrame:
    """Promises kept in truth: ``org_code, org_type, metric_id (plans_kept_pct), period,
    true_value`` (% of the organisation's plans whose true value is at least as good as
    planned) and ``plans``. As :mod:`helpers.compare.plans` reads a plan: a plan on the value is
    weighted by the months' denominators; a plan on the numerator is compared with the year's
    sum, or with March for ``year_end``."""
    cols = ["org_code", "org_type", "metric_id", "period", "true_value", "plans"]
    if not expected or not plans:
        return pd.DataFrame(columns=cols)
    succ = successor_map(world)
    rows = pd.concat(expected, ignore_index=True)[EXPECTED_COLUMNS]
    rows = rows.assign(
        org_code=rows.org_code.map(succ).fillna(rows.org_code), month=pd.to_datetime(rows.month)
    )
    planned = pd.concat(plans, ignore_index=True)
    planned = planned.assign(
        org_code=planned.org_code.map(succ).fillna(planned.org_code),
        planned=planned.planned_value.astype(float),
        month=pd.to_datetime(planned.month),
    )
    fys = [fy_label(y) for y in world.fys]
    kept = []
    for spec in specs:
        if spec.plan is None:
            continue
        pid = spec.plan.measure.removeprefix("plan_")
        pl = planned[planned.metric_id == pid]
        for d in spec.definitions:
            sub = rows[(rows.num_measure == d.numerator.measure)
                       & (rows.den_measure == d.denominator.measure)]  # fmt: skip
            if sub.empty or pl.empty:
                continue
            m = (
                sub.groupby(["org_code", "month"], as_index=False)[["num", "den"]]
                .sum()
                .merge(
                    pl.groupby(["org_code", "month"], as_index=False).planned.sum(),
                    on=["org_code", "month"],
                )
            )
            m = m.assign(period=financial_year(m.month))
            m = m[m.period.isin(fys) & m.period.map(d.covers)]
            if spec.plan.period == "year_end":
                m = m[pd.to_datetime(m.month).dt.month == 3]
            g = m.assign(pden=m.planned * m.den).groupby(["org_code", "period"], as_index=False)
            g = g.agg(num=("num", "sum"), den=("den", "sum"), planned=("planned", "sum"),
                      pden=("pden", "sum"))  # fmt: skip
            if spec.plan.on == "value":
                actual = spec.multiplier * g.num / g.den
                target = g.pden / g.den
            else:
                actual, target = g.num, g.planned
                if spec.plan.period == "year":
                    # a plan for the year's total (e.g. the surplus, spread over the months
                    # open) against the year's figure, however many rows the figure has
                    num = sub.assign(period=financial_year(sub.month)).groupby(
                        ["org_code", "period"]).num.sum()  # fmt: skip
                    total = pl.assign(period=financial_year(pl.month)).groupby(
                        ["org_code", "period"]).planned.sum()  # fmt: skip
                    key = pd.MultiIndex.from_frame(g[["org_code", "period"]])
                    actual = pd.Series(num.reindex(key).to_numpy(), index=g.index)
                    target = pd.Series(total.reindex(key).to_numpy(), index=g.index)
            better = spec.polarity != "lower_is_better"
            ok = (actual >= target - 1e-9) if better else (actual <= target + 1e-9)
            kept.append(g[["org_code", "period"]].assign(kept=ok.to_numpy()))
    if not kept:
        return pd.DataFrame(columns=cols)
    k = pd.concat(kept, ignore_index=True).groupby(["org_code", "period"], as_index=False)
    k = k.agg(plans=("kept", "size"), n_kept=("kept", "sum"))
    org_type = dict(zip(world.orgs.org_code, world.orgs.org_type, strict=True))
    return pd.DataFrame(
        {
            "org_code": k.org_code,
            "org_type": k.org_code.map(org_type),
            "metric_id": PLANS_ID,
            "period": k.period,
            "true_value": 100 * k.n_kept / k.plans,
            "plans": k.plans,
        }
    )[cols]


def persistently_failing(
    assessed: pd.DataFrame, failing: frozenset[str], years: int = 2
) -> pd.Series:
    """A planted failing organisation (:func:`~helpers.synthetic.world.failing_organisations`)
    assessed in ``years`` consecutive financial years, this one the last. Recorded as
    ``persistently_failing`` where its noise-free values also put it in the lowest segment in
    each of those years (:func:`true_persistent_lowest`): what the assessment's
    persistent-failure rule must find."""
    return ends_run(assessed, assessed.org_code.isin(failing), years)


def true_persistent_lowest(assessed: pd.DataFrame, years: int = 2, segment: int = 4) -> pd.Series:
    """In the lowest true segment in ``years`` consecutive financial years, this one the last:
    the assessment's rule (:func:`helpers.assess.accountability.persistent_failure`) applied to
    the noise-free values. A flag where this is false is a false flag (an organisation near the
    boundary may be truly lowest without being planted to fail: finding it is not required,
    flagging an organisation that is not truly lowest is wrong)."""
    return ends_run(assessed, assessed.true_segment >= segment, years)


def true_assessment(world: World, values: pd.DataFrame, specs: list[MetricSpec]) -> pd.DataFrame:
    """``org_code, org_type, cohort, period, true_average_score, true_rank, true_segment,
    true_segment_unadjusted, metrics_scored``: :func:`~helpers.assess.engine.score_values` of
    ``values`` (from :func:`true_values`) per organisation type, with the default
    :class:`~helpers.settings.AssessmentRules`; for the types the finance metric applies to,
    the financial override with deficit = true ``finance_outturn_margin_pct`` below 0."""
    cols = ASSESSMENT_COLUMNS[1:]
    by_id = {s.id: s for s in specs}
    scored = {s.id: s for s in specs if s.score_mode != "none"}
    if AssessmentRules().plans.scored and (values.metric_id == PLANS_ID).any():
        scored[PLANS_ID] = PLANS_SPEC
    subtype = dict(zip(world.orgs.org_code, world.orgs.org_subtype, strict=True))
    v = values[values.metric_id.isin(scored)]
    v = v.assign(org_subtype=v.org_code.map(subtype).fillna(""))
    v = v.assign(cohort=cohort_labels(v, AssessmentRules()))
    frames = []
    for org_type, grp in v.groupby("org_type", sort=True):
        finance = by_id.get(DEFICIT_METRIC)
        if finance is not None and org_type in finance.org_types:
            rules = AssessmentRules(
                financial_override=FinancialOverride(
                    metric=DEFICIT_METRIC, deficit_below=DEFICIT_BELOW
                )
            )
            margin = values[(values.metric_id == DEFICIT_METRIC) & (values.org_type == org_type)]
            deficit = margin[["org_code", "period"]].assign(
                in_deficit=margin.true_value < DEFICIT_BELOW
            )
        else:
            rules, deficit = AssessmentRules(), None
        res = score_values(grp.rename(columns={"true_value": "value"}), scored, rules, deficit)
        if len(res):
            frames.append(res.assign(org_type=org_type))
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True).rename(
        columns={
            "average_score": "true_average_score",
            "rank": "true_rank",
            "segment": "true_segment",
            "segment_unadjusted": "true_segment_unadjusted",
        }
    )
    out = out.sort_values(["org_type", "cohort", "period", "org_code"], ignore_index=True)
    plan = values[values.metric_id == PLANS_ID][["org_code", "period", "true_value"]]
    out = out.merge(plan.rename(columns={"true_value": "true_plan_delivery"}),
                    on=["org_code", "period"], how="left")  # fmt: skip
    out["true_plan_delivery"] = out.true_plan_delivery / 100
    out["planted_failing"] = out.org_code.isin(world.failing)
    out["true_persistent_lowest"] = true_persistent_lowest(out)
    out["persistently_failing"] = (
        persistently_failing(out, world.failing) & out.true_persistent_lowest
    )
    return out[cols]


def _fixed(x: float, decimals: int = DECIMALS) -> str:
    """A float with fixed decimals ('' when missing; never '-0.000000')."""
    if x is None or not np.isfinite(x):
        return ""
    return f"{float(f'{x:.{decimals}f}') + 0.0:.{decimals}f}"


def _whole(x: float) -> str:
    return "" if x is None or not np.isfinite(x) else str(int(x))


def write_planted(out: Output, specs: list[MetricSpec] | None = None) -> None:
    """``planted_values.csv`` and ``planted_assessment.csv`` from the expected counts the
    writers (and the record-level module) collected in ``out.expected``."""
    specs = catalogue_metrics() if specs is None else specs
    values = true_values(out.world, out.expected, specs)
    plans = true_plans_kept(out.world, out.expected, out.plans, specs)
    values = pd.concat([values, plans.drop(columns="plans")], ignore_index=True)
    text = values.true_value.map(_fixed)
    # the assessment is made from the values as written
    values = values.assign(true_value=text.astype(float))
    assessed = true_assessment(out.world, values, specs)
    v = values.assign(true_value=text)
    v.insert(0, "synthetic", SYNTHETIC)
    write_table(v[VALUE_COLUMNS], out.folder / "planted_values.csv")
    out.done("planted_values.csv", len(v))
    a = assessed.assign(
        true_average_score=assessed.true_average_score.map(_fixed),
        true_rank=assessed.true_rank.map(_whole),
        true_segment=assessed.true_segment.map(_whole),
        true_segment_unadjusted=assessed.true_segment_unadjusted.map(_whole),
        metrics_scored=assessed.metrics_scored.map(_whole),
        true_plan_delivery=assessed.true_plan_delivery.map(_fixed),
        **{
            c: assessed[c].map(lambda x: "true" if bool(x) else "false")
            for c in ("planted_failing", "persistently_failing", "true_persistent_lowest")
        },
    )
    a.insert(0, "synthetic", SYNTHETIC)
    write_table(a[ASSESSMENT_COLUMNS], out.folder / "planted_assessment.csv")
    out.done("planted_assessment.csv", len(a))
