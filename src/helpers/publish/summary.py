"""The run summary (``results/summary.json``): headline figures for the home page and the
sidebar, computed from the results. The headlines are markdown: names in them are escaped. Each
metric's counts are the headline comparison with England (``comparison_headline``), with the
test that made them named (:func:`helpers.publish.text.comparison_split`)."""

from __future__ import annotations

import pandas as pd

from helpers.publish.templating import md_text
from helpers.publish.text import comparison_split, fmt
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
        c = year.comparison_headline.value_counts().to_dict()
        tests = year.comparison_test.value_counts().to_dict()
        metrics.append({"id": spec.id, "short_title": spec.short_title, "period": period})
        split = comparison_split(spec, c, tests, run.settings.org_type)
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
