"""Writing and reading the result tables: deterministic CSV and Parquet, and the run summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.config import LoadedAssessment
from helpers.figures import fmt


def save_table(df: pd.DataFrame, folder: Path, name: str, parquet: bool = True) -> list[Path]:
    """Write ``name.csv`` (and ``name.parquet``) so that the same frame gives the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"{name}.csv"
    df.to_csv(csv, index=False, lineterminator="\n")
    out = [csv]
    if parquet:
        table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        out.append(path)
    return out


def save_interim(df: pd.DataFrame, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    df.to_parquet(path, index=False)
    return path


def load_interim(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run the earlier pipeline notebooks first (assess run)"
        )
    return pd.read_parquet(path)


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
            split = f"{c.get('higher', 0)} higher, {c.get('similar', 0)} similar, " \
                f"{c.get('lower', 0)} lower than England"
        else:
            split = f"{c.get('better', 0)} better, {c.get('similar', 0)} similar, " \
                f"{c.get('worse', 0)} worse than England"
        headlines.append(
            f"**{spec.short_title}** ({period}): England {fmt(value, spec)}; {split}."
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
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
