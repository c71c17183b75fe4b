"""The run summary (``results/summary.json``): headline figures for the home page and the
sidebar, computed from the results. The headlines are markdown: names in them are escaped."""

from __future__ import annotations

import pandas as pd

from helpers.publish.templating import md_text
from helpers.publish.text import fmt
from helpers.settings import LoadedAssessment


def run_summary(
    run: LoadedAssessment,
    results: pd.DataFrame,
    england: pd.DataFrame,
    notebooks: list[str],
) -> dict:
    """Headline figures for the home page and the sidebar, computed from the results."""
    metrics = []
    headlines = []
    for spec in run.metrics:
        eng = england[england.metric_id == spec.id]
        period = str(eng.period.max())
        value = float(eng[eng.period == period].value.iloc[0])
        year = results[(results.metric_id == spec.id) & (results.period == period)]
        c = year.comparison.value_counts()
        metrics.append({"id": spec.id, "short_title": spec.short_title, "period": period})
        if spec.polarity == "no_judgement":
            split = (
                f"{c.get('higher', 0)} higher, {c.get('similar', 0)} similar, "
                f"{c.get('lower', 0)} lower than England"
            )
        else:
            split = (
                f"{c.get('better', 0)} better, {c.get('similar', 0)} similar, "
                f"{c.get('worse', 0)} worse than England"
            )
        headlines.append(
            f"**{md_text(spec.short_title)}** ({period}): England {fmt(value, spec)}; {split}."
        )
    return {
        "id": run.settings.id,
        "title": run.settings.title,
        "short_title": run.settings.short_title,
        "summary": run.settings.summary,
        "organisations": int(results.org_code.nunique()),
        "metrics": metrics,
        "headlines": headlines,
        "notebooks": notebooks,
        # one verdict per organisation: the primary assessment of its type, topic views beside it
        "org_type": run.settings.org_type,
        "role": run.settings.role,
        "topic": run.settings.topic,
    }
