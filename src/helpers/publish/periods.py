"""What a year holds, in words: the metrics scored each year (they can change: the ICB
assessment's infection rates end in 2023/24) and the years a metric covers only in part (A&E
2024/25 without February and March 2025), so that no page calls a part year a whole one."""

from __future__ import annotations

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
