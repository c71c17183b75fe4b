"""The ingestion contract: what every reader returns and how every row is accounted for.

A reader turns one input file into long monthly measures (``source, org_code_published, month,
measure, value``, plus ``stratum`` for stratified record-level measures) and one **ledger row**:
every row read is accepted, excluded on purpose (with a reason) or rejected as invalid (with the
file, line, column, value and reason in the rejected-rows table). Structural problems (a missing
file or column, a header that cannot be found) raise :class:`IngestError` naming the file, and
the sheet, row and column where they apply.

This module is the leaf of :mod:`helpers.ingest`: the readers, the engine and the orchestration
import it, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

LEDGER_COLUMNS = [
    "file",
    "sha256",
    "role",
    "rows_read",
    "rows_accepted",
    "rows_excluded",
    "rows_rejected",
    "reasons",
]
REJECT_COLUMNS = ["file", "line", "column", "value", "reason"]
MEASURE_COLUMNS = ["source", "org_code_published", "month", "measure", "value"]


class IngestError(ValueError):
    """An input file cannot be ingested. The message names the file, and row and column."""


class SourceLike(Protocol):
    """What a reader needs of a source: :class:`helpers.settings.Source` fits."""

    path: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class RowCheck:
    """Rows where ``bad(frame)`` is true are rejected, blaming ``column``."""

    column: str
    reason: str
    bad: Callable[[pd.DataFrame], pd.Series]


def not_more_than(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    """A check that column ``a`` is not above column ``b`` (a part and its whole)."""
    return lambda d: d[a].notna() & d[b].notna() & (d[a] > d[b])


@dataclass
class Ingested:
    """The result of ingesting one file."""

    measures: pd.DataFrame  # source, org_code_published, month, measure, value (long)
    ledger: dict
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    extra: dict = field(default_factory=dict)  # e.g. the case-mix model of a record-level source


def ledger_row(
    file: str,
    sha: str,
    role: str,
    read: int,
    accepted: int,
    excluded: int,
    rejected: int,
    reasons: Mapping[str, int],
) -> dict[str, Any]:
    """One file's ledger row. Raises AssertionError if a row is not accounted for."""
    assert accepted + excluded + rejected == read, (file, read, accepted, excluded, rejected)
    return {
        "file": file,
        "sha256": sha,
        "role": role,
        "rows_read": int(read),
        "rows_accepted": int(accepted),
        "rows_excluded": int(excluded),
        "rows_rejected": int(rejected),
        "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items()) if v),
    }


class Rejects:
    """Collects rejected values (file, line, column, value, reason) while a file is read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.parts: list[pd.DataFrame] = []

    def add(
        self, lines: pd.Series, column: str | np.ndarray, values: pd.Series, reason: str
    ) -> None:
        if len(lines):
            self.parts.append(
                pd.DataFrame(
                    {
                        "file": self.file,
                        "line": lines.to_numpy(dtype=int),
                        "column": column,
                        "value": values.astype(str).to_numpy(),
                        "reason": reason,
                    }
                )
            )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return (
            pd.concat(self.parts, ignore_index=True)
            .sort_values(["line", "column"], kind="stable")
            .reset_index(drop=True)
        )


def rejected_reasons(rejected: pd.DataFrame) -> dict[str, int]:
    """Ledger reasons for rejected rows: each row counted once, under its first reason."""
    if not len(rejected):
        return {}
    per = rejected.drop_duplicates("line").groupby("reason").size()
    return {f"rejected: {r}": int(n) for r, n in per.items()}


def empty_measures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": pd.Series(dtype=object),
            "org_code_published": pd.Series(dtype=object),
            "month": pd.Series(dtype="datetime64[ns]"),
            "measure": pd.Series(dtype=object),
            "value": pd.Series(dtype=float),
        }
    )
