"""Disclosure control: no small count is published, and none can be worked out.

NHS England and NHS Digital (the HES disclosure rules) publish no count of people or events
from 1 to 7, nor any figure from which one could be derived. An assessment does the same with
its settings key ``disclosure`` (:class:`helpers.settings.Disclosure`):

* **Which counts.** The metrics of ``disclosure.metrics``: by default those built from a
  record-level source (``helpers.ingest.readers.record_level``), whose counts this assessment is
  the first to publish; published aggregate statistics were disclosure-controlled by their
  publisher, and repeating them discloses nothing new. Of each such metric, the counts its
  statistic holds (:data:`COUNTS`): a proportion's numerator, denominator and the difference
  (those without the event); the events of a rate or ratio of observed to expected; the
  respondents of a mean. Accounts (``ratio``) hold no count of people.
* **Primary suppression.** An organisation-metric-year with one of those counts from 1 to
  ``min_count - 1`` (0 too with ``suppress_zeros``) is withheld: its counts, value, intervals
  and everything drawn from them (comparison with England, standards and goals met, rank and
  its interval, funnel band, metric score) are blanked in every published table, page and
  figure, with the reason :data:`helpers.publish.text.SUPPRESSED`.
* **Secondary suppression.** England's numerator and denominator (``england.csv``) are sums of
  the organisations with a value. Wherever a metric and year has a withheld cell, more cells of
  the sum are withheld, the smallest first (of the same ICB first, so that an ICB total of
  providers protects both), until at least two are and the withheld counts add up to
  ``min_count`` or more: England minus the published cells then gives only a sum of several
  cells, never one cell or a small number. An ICB's count that adds up a provider's small
  count (``aggregate_to: host_icb``; another assessment may publish the providers) is withheld
  and protected in the same way. When a sum cannot be protected, England's own counts and value
  for that metric and year are withheld.
* **From other years.** A plan's previous actual value and the changes from it are blanked when
  the previous year is withheld; a plan of a count whose actual count is small is withheld;
  a monthly chart (SPC) of a controlled metric is not drawn when a month's count is small or a
  year of it is withheld (months add up to the year).

The assessment itself (scores, segments, ranks, England's value) uses the true values, as NHS
England's does; only what is published is suppressed. What was withheld, and why, is written for
the analyst to ``_private/disclosure_log.csv`` in the run folder, which is never published
(Quarto and the preview skip names that start with ``_``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.fy import financial_year, fy_label, fy_start
from helpers.ingest.readers import get_reader, record_level
from helpers.publish.text import SUPPRESSED, lower_first
from helpers.settings import Disclosure, LoadedAssessment, MetricSpec

#: the counts of people or events each statistic holds (``complement``: denominator minus
#: numerator, the people without the event)
COUNTS: dict[str, tuple[str, ...]] = {
    "proportion": ("numerator", "denominator", "complement"),
    "rate": ("numerator",),
    "isr": ("numerator",),
    "dsr": ("numerator",),
    "mean": ("denominator",),
    "ratio": (),
}
COUNT_WORDS = {
    "numerator": "numerator",
    "denominator": "denominator",
    "complement": "denominator minus numerator",
}
KEYS = ["org_code", "metric_id", "period"]
#: one row per withheld cell: ``table`` is the published table it belongs to (``indicators``,
#: ``plan_delivery``, ``spc_chart`` for a monthly series, ``england`` for England's counts);
#: ``suppression`` is ``primary`` or ``secondary``; ``rule`` says why, for the analyst
WITHHELD_COLUMNS = [*KEYS, "table", "suppression", "rule"]
#: the row of England's own counts when a sum cannot be protected
ENGLAND = "England"
#: the analyst's log, in the run folder's ``_private/`` (never published)
LOG_NAME = "disclosure_log.csv"

#: columns blanked in a withheld row of each published table (those the table has)
INDICATOR_BLANK = (
    "numerator",
    "denominator",
    "value",
    "ci95_lower",
    "ci95_upper",
    "ci998_lower",
    "ci998_upper",
    "meets_standard",
    "meets_goal",
    "peer_rank",
    "peer_quartile",
    "rank_lower",
    "rank_upper",
    "p_top_quartile",
    "p_bottom_quartile",
    "confidently_top_quartile",
    "confidently_bottom_quartile",
)
SCORE_BLANK = (
    "value",
    "score",
    "score_lower",
    "score_upper",
    "metric_rank",
    "metric_rank_lower",
    "metric_rank_upper",
    "se_sampling",
    "se_months",
)
ENGLAND_BLANK = ("numerator", "denominator", "value", "ci95_lower", "ci95_upper")
ENGLAND_BLANK += ("ci998_lower", "ci998_upper")
PLAN_PREVIOUS = ("previous_actual", "planned_change", "actual_change")
#: the score mode of a withheld metric score in the published ``metric_scores``
SUPPRESSED_MODE = "suppressed"


def _is_record_level(run: LoadedAssessment, spec: MetricSpec) -> bool:
    for d in spec.definitions:
        for key in {d.source, d.numerator.source or d.source, d.denominator.source or d.source}:
            src = run.settings.sources.get(key)
            if src is not None and get_reader(src.reader).read.__module__ == record_level.__name__:
                return True
    return False


def controlled_metrics(run: LoadedAssessment) -> list[str]:
    """The ids of the assessment's metrics whose counts are controlled, in catalogue order."""
    rule = run.settings.disclosure
    if rule.min_count == 0 or rule.metrics == "none":
        return []
    if rule.metrics == "all":
        return [m.id for m in run.metrics if COUNTS[m.statistic]]
    if rule.metrics == "record_level":
        return [m.id for m in run.metrics if COUNTS[m.statistic] and _is_record_level(run, m)]
    unknown = sorted(set(rule.metrics) - {m.id for m in run.catalogue.metrics})
    if unknown:
        raise ValueError(
            f"{run.settings_path}: key 'disclosure.metrics': not in the catalogue: {unknown}"
        )
    return [m.id for m in run.metrics if m.id in rule.metrics and COUNTS[m.statistic]]


def counts(df: pd.DataFrame, statistic: str) -> pd.DataFrame:
    """The counts of people or events of each row (:data:`COUNTS`), one column each."""
    out = {
        k: (df.denominator - df.numerator) if k == "complement" else df[k]
        for k in COUNTS[statistic]
    }
    return pd.DataFrame(out, index=df.index, dtype=float)


def is_small(c: pd.DataFrame | pd.Series, rule: Disclosure) -> pd.DataFrame | pd.Series:
    """Counts the rule suppresses: 1 to ``min_count - 1`` (0 too with ``suppress_zeros``)."""
    low = 0 if rule.suppress_zeros else 1
    return (c >= low) & (c < rule.min_count)


def _why(small: pd.Series, rule: Disclosure) -> str:
    return "; ".join(f"{COUNT_WORDS[k]} below {rule.min_count}" for k, hit in small.items() if hit)


def _row(
    org: str, metric_id: str, period: str, table: str, suppression: str, rule: str
) -> dict[str, str]:
    values = (org, metric_id, str(period), table, suppression, rule)
    return dict(zip(WITHHELD_COLUMNS, values, strict=True))


def _primary(
    run: LoadedAssessment, results: pd.DataFrame, controlled: list[str]
) -> list[dict[str, str]]:
    rule, rows = run.settings.disclosure, []
    for spec in run.metrics:
        if spec.id not in controlled:
            continue
        sub = results[results.metric_id == spec.id]
        small = is_small(counts(sub, spec.statistic), rule)
        for idx in sub.index[small.any(axis=1)]:
            r = sub.loc[idx]
            why = _why(small.loc[idx], rule)
            rows.append(_row(r.org_code, spec.id, r.period, "indicators", "primary", why))
    return rows


def _provider_counts(
    spec: MetricSpec, measures: pd.DataFrame, years: list[str]
) -> list[pd.DataFrame]:
    """Each provider's yearly numerator and denominator of the metric's definitions that add
    providers up to their host ICB (``org_code`` is the provider's current code)."""
    out = []
    for d in spec.definitions:
        if d.aggregate_to != "host_icb":
            continue
        wanted = [p for p in years if d.covers(p)]
        parts = {}
        for name, q in (("numerator", d.numerator), ("denominator", d.denominator)):
            source = q.source or d.source
            m = measures[(measures.source == source) & (measures.measure == q.measure)]
            m = m.assign(period=financial_year(m.month))
            m = m[m.period.isin(wanted)]
            parts[name] = m.groupby(["org_code", "period"]).value.sum(min_count=1)
        if parts["numerator"].empty and parts["denominator"].empty:
            continue
        out.append(pd.concat(parts, axis=1).reset_index())
    return out


def _provider_cells(
    run: LoadedAssessment,
    results: pd.DataFrame,
    controlled: list[str],
    measures: pd.DataFrame,
    orgs: pd.DataFrame,
) -> list[dict[str, str]]:
    """ICB cells that add up a provider's small count (``aggregate_to: host_icb``): withheld,
    so that the ICB's total minus its other providers (published by another assessment) does
    not give the provider's count."""
    rule, rows = run.settings.disclosure, []
    host = dict(zip(orgs.org_code, orgs.icb_code, strict=False))
    published = set(zip(results.org_code, results.metric_id, results.period, strict=True))
    for spec in run.metrics:
        if spec.id not in controlled:
            continue
        for prov in _provider_counts(spec, measures, run.settings.financial_years):
            small = is_small(counts(prov, spec.statistic), rule)
            for idx in prov.index[small.any(axis=1)]:
                p = prov.loc[idx]
                icb = host.get(p.org_code)
                if icb is None or (icb, spec.id, p.period) not in published:
                    continue
                why = f"adds up the counts of provider {p.org_code}: {_why(small.loc[idx], rule)}"
                rows.append(_row(icb, spec.id, p.period, "indicators", "secondary", why))
    return rows


def _complements(
    group: pd.DataFrame, statistic: str, withheld: list[str], rule: Disclosure
) -> tuple[list[tuple[str, str]], bool]:
    """The cells of one published sum (``group``: one metric and year, indexed by org_code)
    to withhold besides ``withheld`` so that no withheld count can be derived from the sum, and
    whether that was possible. Until at least two cells are withheld and each kind of count
    adds up to ``min_count`` or more over them, the published cell with the smallest positive
    count (of the kinds still short) is added, one of the same ICB as the first ones first."""
    c = counts(group, statistic)
    icbs = set(group.icb.reindex(withheld).dropna()) if "icb" in group else set()
    added: list[tuple[str, str]] = []
    low = 0 if rule.suppress_zeros else 1
    while True:
        sums = c.loc[withheld].sum()
        short = [k for k in c.columns if low <= sums[k] < rule.min_count]
        if len(withheld) >= 2 and not short:
            return added, True
        free = group.index.difference(withheld)
        kinds = short or list(c.columns)
        # a cell helps only with a positive count of a kind that is short
        size = c.loc[free, kinds].where(c.loc[free, kinds] > 0).min(axis=1).dropna()
        if size.empty:
            return added, False
        order = pd.DataFrame(
            {
                "other_icb": [
                    ("icb" in group and group.icb.get(o) not in icbs) for o in size.index
                ],
                "size": size.to_numpy(),
                "org_code": [str(o) for o in size.index],
            }
        ).sort_values(["other_icb", "size", "org_code"])
        pick = str(order.org_code.iloc[0])
        where = "" if order.other_icb.iloc[0] else " of the same ICB"
        why = (
            "the only withheld cell of England's sum"
            if len(withheld) == 1
            else "the withheld cells of England's sum add up to less than "
            f"{rule.min_count} ({', '.join(COUNT_WORDS[k] for k in short)})"
        )
        added.append((pick, f"complement: {why}; the smallest published cell{where}"))
        withheld = [*withheld, pick]


def _secondary(
    run: LoadedAssessment,
    results: pd.DataFrame,
    controlled: list[str],
    first: list[dict[str, str]],
) -> list[dict[str, str]]:
    rule, rows = run.settings.disclosure, []
    held = {(r["org_code"], r["metric_id"], r["period"]) for r in first}
    # England's sums are over the organisations with a value that year (helpers.compare.england)
    valid = results[results.reason == ""]
    for spec in run.metrics:
        if spec.id not in controlled:
            continue
        sub = valid[valid.metric_id == spec.id]
        for period, group in sub.groupby("period", sort=True):
            group = group.set_index("org_code")
            withheld = sorted(o for o in group.index if (o, spec.id, period) in held)
            if not withheld:
                continue
            added, ok = _complements(group, spec.statistic, withheld, rule)
            for org, why in added:
                rows.append(_row(org, spec.id, str(period), "indicators", "secondary", why))
            if not ok:
                why = "England's counts: too few published cells to protect the withheld ones"
                rows.append(_row(ENGLAND, spec.id, str(period), "england", "secondary", why))
    return rows


def _plan_cells(
    run: LoadedAssessment, delivery: pd.DataFrame, controlled: list[str]
) -> list[dict[str, str]]:
    """Plans of a count (``on: numerator``) whose actual count is small."""
    rule, rows = run.settings.disclosure, []
    for spec in run.metrics:
        ps = spec.plan
        if spec.id not in controlled or ps is None or ps.on != "numerator":
            continue
        if "numerator" not in COUNTS[spec.statistic]:
            continue
        d = delivery[delivery.metric_id == spec.id]
        for r in d[is_small(d.actual.astype(float), rule)].itertuples():
            why = f"actual count ({r.basis}) below {rule.min_count}"
            rows.append(_row(r.org_code, spec.id, r.period, "plan_delivery", "primary", why))
    return rows


def _chart_cells(
    run: LoadedAssessment,
    monthly: pd.DataFrame,
    controlled: list[str],
    withheld_years: set[tuple[str, str]],
) -> list[dict[str, str]]:
    """Monthly series (the SPC charts) of controlled metrics with a small month or a withheld
    year: not charted (``period`` is empty: the whole series)."""
    rule, rows = run.settings.disclosure, []
    for spec in run.metrics:
        if spec.id not in controlled:
            continue
        m = monthly[monthly.metric_id == spec.id]
        if m.empty:
            continue
        small = is_small(counts(m, spec.statistic), rule).any(axis=1)
        small_orgs = set(m.org_code[small])
        for org in sorted(set(m.org_code)):
            if org in small_orgs:
                why = f"a month's count below {rule.min_count}"
            elif (org, spec.id) in withheld_years:
                why = "a year of the series is withheld"
            else:
                continue
            rows.append(_row(org, spec.id, "", "spc_chart", "primary", why))
    return rows


def withheld_cells(
    run: LoadedAssessment,
    results: pd.DataFrame,
    *,
    measures: pd.DataFrame | None = None,
    orgs: pd.DataFrame | None = None,
    delivery: pd.DataFrame | None = None,
    monthly: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every cell the assessment withholds from publication (:data:`WITHHELD_COLUMNS`), from
    the true comparison results (one row per organisation, metric and year, with numerator,
    denominator, reason and icb). ``measures`` (under current codes) and ``orgs`` give the
    providers of ICB totals, ``delivery`` the plans, ``monthly`` the monthly counts; each part
    is skipped without them."""
    controlled = controlled_metrics(run)
    if not controlled:
        return pd.DataFrame(columns=WITHHELD_COLUMNS, dtype=str)
    results = results.reset_index(drop=True)
    first = _primary(run, results, controlled)
    if measures is not None and orgs is not None:
        first += _provider_cells(run, results, controlled, measures, orgs)
    rows = first + _secondary(run, results, controlled, first)
    if delivery is not None and len(delivery):
        rows += _plan_cells(run, delivery, controlled)
    if monthly is not None and len(monthly):
        years = {(r["org_code"], r["metric_id"]) for r in rows if r["table"] == "indicators"}
        rows += _chart_cells(run, monthly, controlled, years)
    out = pd.DataFrame(rows, columns=WITHHELD_COLUMNS, dtype=str)
    # one row per cell: a primary reason first, then every rule that applies
    out["order"] = (out.suppression != "primary").astype(int)
    out = out.sort_values(["table", *KEYS, "order", "rule"], kind="stable")
    out = out.groupby(["table", *KEYS], sort=False, as_index=False).agg(
        suppression=("suppression", "first"), rule=("rule", "; ".join)
    )
    return out[WITHHELD_COLUMNS].reset_index(drop=True)


def _hits(df: pd.DataFrame, withheld: pd.DataFrame, tables: tuple[str, ...]) -> np.ndarray:
    w = withheld[withheld.table.isin(tables)]
    if w.empty or df.empty:
        return np.zeros(len(df), dtype=bool)
    keys = pd.MultiIndex.from_frame(w[KEYS].astype(str))
    own = pd.MultiIndex.from_arrays([df[k].astype(str) for k in KEYS])
    return np.asarray(own.isin(keys))


def _blank(df: pd.DataFrame, hit: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
    """Blank ``columns`` (those ``df`` has) in the rows ``hit``, in place; a column's type
    changes only to hold a blank (booleans to objects, integers to nullable integers)."""
    if not hit.any():
        return df
    for c in columns:
        if c not in df:
            continue
        if pd.api.types.is_bool_dtype(df[c]):
            df[c] = df[c].astype(object)
        elif pd.api.types.is_integer_dtype(df[c]):
            df[c] = df[c].astype("Int64")
        df.loc[hit, c] = np.nan if pd.api.types.is_float_dtype(df[c]) else None
    return df


def public_indicators(results: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """The comparison results as published: withheld cells blanked, not compared, with the
    reason :data:`~helpers.publish.text.SUPPRESSED` (after any reason they already had)."""
    out = results.copy()
    hit = _hits(out, withheld, ("indicators",))
    if not hit.any():
        return out
    out = _blank(out, hit, INDICATOR_BLANK)
    for c in ("comparison", "comparison_998", "comparison_headline"):
        if c in out:
            out.loc[hit, c] = "not_compared"
    if "comparison_test" in out:
        out.loc[hit, "comparison_test"] = ""
    if "funnel_band" in out:
        out.loc[hit, "funnel_band"] = ""
    if "reason" in out:
        had = out.reason.fillna("") != ""
        out.loc[hit & ~had, "reason"] = SUPPRESSED
        out.loc[hit & had, "reason"] = out.reason[hit & had] + "; " + lower_first(SUPPRESSED)
    return out


def public_england(england: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """England's benchmarks as published: a metric and year whose sum could not be protected
    has its counts and value withheld."""
    out = england.copy()
    w = withheld[withheld.table == "england"]
    if w.empty:
        return out
    keys = set(zip(w.metric_id, w.period, strict=True))
    hit = np.array([(m, str(p)) in keys for m, p in zip(out.metric_id, out.period, strict=True)])
    return _blank(out, hit, ENGLAND_BLANK)


def public_national(national: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """NHS England's national headlines beside England here, as published: England's value
    and the difference are blanked where England's counts are withheld."""
    w = withheld[withheld.table == "england"]
    out = national.copy()
    if w.empty or out.empty:
        return out
    keys = set(zip(w.metric_id, w.period, strict=True))
    hit = np.array([(m, str(p)) in keys for m, p in zip(out.metric_id, out.period, strict=True)])
    return _blank(out, hit, ("england_value", "difference"))


def public_metric_scores(scores: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """Metric scores as published: a withheld cell's value, score and rank are blanked and its
    ``score_mode`` is :data:`SUPPRESSED_MODE` (the assessment used the true value)."""
    out = scores.copy()
    hit = _hits(out, withheld, ("indicators",))
    out = _blank(out, hit, SCORE_BLANK)
    if "score_mode" in out:
        out.loc[hit, "score_mode"] = SUPPRESSED_MODE
    return out


def public_segment_changes(changes: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """What would change a segment, as published: no row for a withheld metric value (its
    value, and the change it would need, would show it)."""
    hit = _hits(changes, withheld, ("indicators",))
    return changes[~hit].reset_index(drop=True)


def public_plan_delivery(delivery: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """Delivery against plan, as published: no row for a withheld year or plan; the previous
    year's actual value and the changes from it are blanked when that year is withheld."""
    tables = ("indicators", "plan_delivery")
    out = delivery[~_hits(delivery, withheld, tables)].copy()
    if out.empty or not any(c in out for c in PLAN_PREVIOUS):
        return out.reset_index(drop=True)
    previous = out.assign(period=out.period.map(lambda fy: fy_label(fy_start(str(fy)) - 1)))
    out = _blank(out, _hits(previous, withheld, tables), PLAN_PREVIOUS)
    return out.reset_index(drop=True)


def public_monthly(monthly: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """The monthly counts the charts may draw: no series that is withheld (``spc_chart``)."""
    w = withheld[withheld.table == "spc_chart"]
    if w.empty or monthly.empty:
        return monthly
    keys = pd.MultiIndex.from_frame(w[["org_code", "metric_id"]].astype(str))
    own = pd.MultiIndex.from_arrays([monthly.org_code.astype(str), monthly.metric_id.astype(str)])
    return monthly[~np.asarray(own.isin(keys))].reset_index(drop=True)


LOG_README = """\
Disclosure control log: NOT FOR PUBLICATION.

disclosure_log.csv lists every cell this assessment withheld from its published pages, figures
and downloads, with the true counts, whether the suppression is primary (a small count) or
secondary (withheld so that a small count cannot be worked out from a published total), and the
rule. It is for the analyst only: the folder's name starts with "_", so neither Quarto nor the
preview renderer publishes it. Do not copy it into results/ or link it from a page.
"""


def write_log(
    withheld: pd.DataFrame, results: pd.DataFrame, folder: Path, run: LoadedAssessment
) -> Path:
    """Write the analyst's log (``folder/disclosure_log.csv`` with a README): every withheld
    cell with the organisation's name and the true numerator and denominator."""
    folder.mkdir(parents=True, exist_ok=True)
    true = results[[*KEYS, "numerator", "denominator"]].astype({"period": str})
    names = results.drop_duplicates("org_code").set_index("org_code").org_name
    log = withheld.merge(true, on=KEYS, how="left")
    log.insert(1, "org_name", log.org_code.map(names).fillna(""))
    log.insert(0, "assessment", run.settings.id)
    log["min_count"] = run.settings.disclosure.min_count
    path = folder / LOG_NAME
    log.to_csv(path, index=False, lineterminator="\n")
    (folder / "README.txt").write_text(LOG_README, encoding="utf-8")
    return path


def summary(run: LoadedAssessment, results: pd.DataFrame) -> dict:
    """What the methodology says about disclosure control: the rule, the metrics it applies to
    and how many organisation-metric-years the published ``results`` withhold (never which
    were small counts and which their complements)."""
    rule = run.settings.disclosure
    controlled = controlled_metrics(run)
    reason = results.reason.fillna("") if "reason" in results else pd.Series(dtype=str)
    return {
        "min_count": rule.min_count,
        "scope": rule.metrics if isinstance(rule.metrics, str) else "listed",
        "suppress_zeros": rule.suppress_zeros,
        "metrics": [m for m in run.metrics if m.id in controlled],
        "cells": int(reason.str.contains(SUPPRESSED, regex=False).sum()),
    }


def rule_text(run: LoadedAssessment) -> str:
    """The rule in one sentence (the workbook's README)."""
    rule = run.settings.disclosure
    controlled = [m.short_title for m in run.metrics if m.id in controlled_metrics(run)]
    if not controlled:
        return "No metric of this assessment is under disclosure control (settings: disclosure)."
    zeros = " and zeros" if rule.suppress_zeros else ""
    return (
        f"Counts from 1 to {rule.min_count - 1}{zeros} of {', '.join(controlled)} are "
        "suppressed, with the cells that would reveal them: those rows read "
        f"'{SUPPRESSED}' (reason) or '{SUPPRESSED_MODE}' (score_mode) and their figures are "
        "blank. See the methodology page."
    )
