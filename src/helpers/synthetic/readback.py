"""Reading a generated SYNTHETIC England back with the pipeline's readers (for tests and
benchmarks): which reader reads which generated file, and every file of a folder at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.ingest.ledger import LEDGER_COLUMNS, REJECT_COLUMNS
from helpers.ingest.readers import get_reader

# file name pattern (glob, relative to the generator's output folder) -> reader name
FILE_PATTERNS: dict[str, str] = {
    "ae_monthly_*.csv": "nhse_ae_sitrep",
    "rtt_incomplete_*.xlsx": "nhse_rtt_incomplete_wide",
    "cancer_waits.csv": "nhse_cancer_waits",
    "diagnostics_dm01.xlsx": "nhse_dm01_wide",
    "patient_survey_*.csv": "nhse_patient_survey",
    "hcai_monthly.csv": "ukhsa_hcai_monthly",
    "occupied_bed_days_quarterly.csv": "nhse_kh03_quarterly",
    "sickness_absence.csv": "nhs_sickness_absence",
    "staff_survey_*.csv": "nhs_staff_survey_engagement",
    "finance_plan_outturn.xlsx": "finance_plan_outturn",
    "cost_index.csv": "cost_index",
    "mh_access_icb.csv": "mhsds_access_icb",
    "flu_vaccination_icb.csv": "flu_vaccination_icb",
    "plans.csv": "plans",
}


@dataclass(frozen=True)
class SimpleSource:
    """A minimal source (path relative to a root, options) for calling readers directly."""

    path: str
    reader: str
    options: Mapping[str, Any] = field(default_factory=dict)
    title: str = "Synthetic England (not NHS data)"
    publisher: str = "annual-assessment synthetic England generator"


def synthetic_sources(folder: Path, root: Path) -> dict[str, SimpleSource]:
    """Every reader-backed file in a generated ``folder``, keyed like ``ae_monthly_2024_25``,
    with paths relative to ``root`` (for an assessment's ``sources:`` block)."""
    out: dict[str, SimpleSource] = {}
    for pattern, reader in FILE_PATTERNS.items():
        for p in sorted(folder.glob(pattern)):
            k = re.sub(r"[^a-z0-9]+", "_", p.stem.lower()).strip("_")
            out[k] = SimpleSource(
                path=p.resolve().relative_to(root.resolve()).as_posix(), reader=reader
            )
    return out


def read_synthetic_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read every file of a generated folder with its reader. Returns ``(measures, ledger,
    rejected)`` like :func:`helpers.ingest.ingest_sources` (without the max_rejected_rows
    stop and without derived measures)."""
    sources = synthetic_sources(folder, folder)
    results = [get_reader(s.reader).read(k, s, folder) for k, s in sources.items()]
    measures = pd.concat([r.measures for r in results], ignore_index=True)
    ledger = pd.DataFrame([r.ledger for r in results], columns=LEDGER_COLUMNS)
    rejected = pd.concat(
        [r.rejected for r in results if len(r.rejected)] or [pd.DataFrame(columns=REJECT_COLUMNS)],
        ignore_index=True,
    )
    return measures, ledger, rejected
