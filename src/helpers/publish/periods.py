"""What a year holds, in words: the metrics scored each year (they can change: the ICB
assessment's infection rates end in 2023/24) and the years a metric covers only in part (A&E
2024/25 without February and March 2025), so that no page calls a part year a whole one."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.assess.common_metrics import metrics_by_period
from helpers.core.fy import fy_start


def scored_metrics_view(metric_scores: pd.DataFrame | None, specs: dict) -> dict:
    """How many metrics were scored each year, in words: ``by_period`` (period -> count),
    ``counts`` ("8 in 2022/23 and 2023/24; 5 in 2024/25", or "8" when every year is the same),
    ``same`` (every year the same metrics), ``missing`` (per year, the names of the metrics
    scored in some year but not that one) and ``text``, the sentence for the pages."""
    if metric_scores is None or metric_scores.empty:
        return {"by_period": {}, "counts": "", "same": True, "missing": {}, "text": ""}
    by = metrics_by_period(metric_scores)
    every = list(dict.fromkeys(m for ms in by.values() for m in ms))
    groups: dict[int, list[str]] = {}
    for period, ms in sorted(by.items(), key=lambda kv: fy_start(kv[0])):
        groups.setdefault(len(ms), []).append(period)
    same = len({tuple(sorted(ms)) for ms in by.values()}) <= 1
    counts = (
        str(next(iter(groups)))
        if len(groups) == 1
        else "; ".join(f"{n} in {_and(periods)}" for n, periods in groups.items())
    )
    name = {m: (specs[m].short_title if m in specs else m) for m in every}
    missing = {p: [name[m] for m in every if m not in ms] for p, ms in by.items()}
    missing = {p: v for p, v in missing.items() if v}
    text = ""
    if not same:
        text = (
            f"Metrics scored: {counts}. "
            + " ".join(
                f"In {p}, not {_and(v)} (no data that year)." for p, v in sorted(missing.items())
            )
            + " A year is compared with the one before on the metrics both years share."
        )
    return {
        "by_period": {p: len(ms) for p, ms in by.items()},
        "counts": counts,
        "same": same,
        "missing": missing,
        "text": text,
    }


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def shared_change_text(scores: pd.DataFrame | None, period: str, previous: str) -> str:
    """When an organisation's metrics scored in ``period`` and ``previous`` differ, the words
    saying what its change in average score is measured on ("on the 5 metrics scored in both
    years; 2023/24 also scored 3 others"); "" when they are the same (or unknown). ``scores``:
    the organisation's rows of the metric scores."""
    if scores is None or scores.empty or not previous:
        return ""
    scored = scores[scores.score.notna()]
    now = set(scored.metric_id[scored.period.astype(str) == period])
    before = set(scored.metric_id[scored.period.astype(str) == previous])
    if now == before or not (now & before):
        return ""
    shared = len(now & before)
    extra = [
        f"{p} also scored {len(ms)} other{'s' if len(ms) != 1 else ''}"
        for p, ms in ((previous, before - now), (period, now - before))
        if ms
    ]
    return (
        f"on the {shared} metric{'s' if shared != 1 else ''} scored in both years "
        f"({'; '.join(extra)})"
    )


#: the months of a whole financial year
FULL_YEAR = 12


@dataclass(frozen=True)
class Coverage:
    """How much of each year each metric's values cover, from the result rows' ``months_covered``.

    ``annual``: the metrics measured once a year (a survey, an annual rate or index: no row has
    more than one month), whose one "month" is a whole year; ``months``: for every other metric
    and year, the most months any organisation's value covers (10 for A&E in 2024/25, when
    February and March 2025 are left out)."""

    annual: frozenset[str]
    months: dict[tuple[str, str], int]

    def year_months(self, metric_id: str, period: str) -> int:
        """The months the year's values cover (a whole year for an annual metric)."""
        if metric_id in self.annual:
            return FULL_YEAR
        return self.months.get((metric_id, str(period)), FULL_YEAR)

    def label(self, metric_id: str, period: str, months: float | None = None) -> str:
        """The year as a value of the metric should be labelled: "2024/25", or "2024/25 (10 of
        12 months)" when its value covers part of the year (``months``: the organisation's own
        months, else the year's)."""
        n = self.year_months(metric_id, period) if months is None else _whole(months)
        if metric_id in self.annual or n is None or n >= FULL_YEAR:
            return str(period)
        return f"{period} ({n} of {FULL_YEAR} months)"

    def part_text(self, metric_id: str, period: str, months: float | None = None) -> str:
        """ "10 of 12 months" when the value covers part of the year, else ""."""
        label = self.label(metric_id, period, months)
        return label[len(str(period)) + 2 : -1] if label != str(period) else ""

    def months_text(self, metric_id: str, months: float | None) -> str:
        """A value's months in words: "annual figure" for a metric measured once a year (not
        "1"), else "10 of 12"."""
        if metric_id in self.annual:
            return "annual figure"
        n = _whole(months)
        return "" if n is None else f"{n} of {FULL_YEAR}"

    def note(self, period: str, metrics: dict[str, str]) -> str:
        """A sentence naming the metrics (``metrics``: id -> name) whose values for ``period``
        cover part of the year: "In 2024/25, A&E 4-hour performance and Emergency admission
        conversion cover 10 of 12 months." ("" when none)."""
        by: dict[int, list[str]] = {}
        for mid, name in metrics.items():
            n = self.year_months(mid, period)
            if n < FULL_YEAR:
                by.setdefault(n, []).append(name)
        parts = [
            f"{_and(names)} cover{'s' if len(names) == 1 else ''} {n} of {FULL_YEAR} months"
            for n, names in sorted(by.items(), reverse=True)
        ]
        return f"In {period}, {'; '.join(parts)}." if parts else ""


def _whole(x: float | None) -> int | None:
    return None if x is None or pd.isna(x) else int(round(float(x)))


def coverage(results: pd.DataFrame) -> Coverage:
    """The :class:`Coverage` of an assessment's result rows (those with a value)."""
    has = results[results.value.notna() & results.months_covered.notna()]
    most = has.groupby("metric_id").months_covered.max()
    annual = frozenset(str(m) for m, n in most.items() if n <= 1)
    by_year = has.groupby(["metric_id", "period"]).months_covered.max()
    months = {(str(m), str(p)): int(n) for (m, p), n in by_year.items() if m not in annual}
    return Coverage(annual, months)
