"""CSV files read exactly as NHS England publishes them (UTF-8, often with a byte-order mark,
NHS England's own column names): the shared first step of :mod:`nhse_nof` and :mod:`nhse_shmi`.

:func:`read_published_csv` checks the header, renames the columns, strips every cell and keeps
its text as published (``_raw_<column>``) so that :func:`fail` can quote the cell that does not
fit, by file, CSV line and NHS England's column name; :func:`drop_raw` removes the copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.ingest.ledger import IngestError

#: the first data row's physical line in the CSV (line 1 is the header)
FIRST_LINE = 2
RAW = "_raw_"


def read_published_csv(path: Path, columns: Mapping[str, str]) -> pd.DataFrame:
    """``path``'s cells as text under our names (``columns``: NHS England's name -> ours), with
    ``line`` (the CSV line) and the published text of each cell; an :class:`IngestError` naming
    the file for a file that is missing, not UTF-8 CSV, or lacks a column."""
    if not path.exists():
        raise IngestError(f"{path}: file not found")
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise IngestError(f"{path}: not a UTF-8 CSV file as NHS England publishes it ({e})") from e
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise IngestError(
            f"{path}, line 1 (header): missing column(s) {', '.join(map(repr, missing))}; "
            f"expected NHS England's columns {', '.join(columns)}"
        )
    d = raw[list(columns)].rename(columns=dict(columns))
    for c in list(d.columns):
        d[c] = d[c].str.strip()
        d[RAW + c] = d[c]
    d.insert(0, "line", np.arange(FIRST_LINE, FIRST_LINE + len(d)))
    return d


def fail(path: Path, d: pd.DataFrame, bad: pd.Series, column: str, ours: str, why: str) -> None:
    """An :class:`IngestError` at the first row where ``bad`` holds: the file, the CSV line, NHS
    England's ``column`` (ours: ``ours``), why, the cell as published and how many rows are like
    it. Nothing when no row is bad."""
    if bad.any():
        first = d.loc[bad].iloc[0]
        raise IngestError(
            f"{path}, line {int(first['line'])}, column {column!r}: {why} "
            f"(value {first[RAW + ours]!r}; {int(bad.sum())} row(s) like this)"
        )


def drop_raw(d: pd.DataFrame) -> pd.DataFrame:
    """``d`` without the cells' published text."""
    return d.drop(columns=[c for c in d.columns if c.startswith(RAW)])
