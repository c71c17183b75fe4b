"""Generate a deterministic, clearly labelled SYNTHETIC England: organisations, population and
the published-statistics files NHS England analysts receive, in their real shapes.

``generate(scale, seed, out)`` writes every file under ``out`` and returns a summary. The same
seed gives byte-identical files (CSV with fixed number formatting; Excel workbooks with fixed
document properties and fixed zip timestamps). Every organisation, code and figure is invented:
trust codes are ``Z`` + two characters, ICB codes ``QZ``/``QQ`` + a letter and region codes
``Y9`` + a digit, so they never collide with real ODS codes. ``data/SYNTHETIC.md`` is the data
contract for the file shapes and lists the quirks planted on purpose.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from helpers.core.files import sha256
from helpers.core.fy import fy_label
from helpers.core.paths import SYNTHETIC_MANIFEST
from helpers.synthetic.faults import write_faults
from helpers.synthetic.records import write_admissions
from helpers.synthetic.truth import write_planted
from helpers.synthetic.world import FAILING_SHIFT, Scale, World, build_world
from helpers.synthetic.writers.ae import write_ae
from helpers.synthetic.writers.context import Output
from helpers.synthetic.writers.finance import write_finance
from helpers.synthetic.writers.icb import write_icb_metrics
from helpers.synthetic.writers.quality import write_hcai, write_patient_survey
from helpers.synthetic.writers.reference import (
    write_local_priorities,
    write_organisations,
    write_plans,
    write_population,
    write_truth,
)
from helpers.synthetic.writers.waits import write_cancer, write_diagnostics, write_rtt
from helpers.synthetic.writers.workforce import write_workforce

GENERATOR_VERSION = "1.5.0"
DEFAULT_SEED = 20260401
_STATEMENT = (
    "SYNTHETIC DATA: every organisation, code, name and figure in these files is invented by "
    "the annual-assessment synthetic England generator. They are not NHS data and must never "
    "be presented as real."
)
#: the published-statistics writers, in the order they run (the order is part of the output:
#: planted effects, plans and expected counts are collected as they go)
_PUBLICATIONS = (
    write_organisations,
    write_population,
    write_ae,
    write_rtt,
    write_cancer,
    write_diagnostics,
    write_patient_survey,
    write_hcai,
    write_workforce,
    write_finance,
    write_icb_metrics,
    write_plans,
    write_local_priorities,
)


def generate(
    scale: Scale,
    seed: int = DEFAULT_SEED,
    out: Path | str = Path("data/synthetic"),
    faults: bool = False,
    records: bool = True,
) -> dict[str, Any]:
    """Write a SYNTHETIC England under ``out``; return a summary.

    ``faults=True`` adds ``out/faults/`` (files with invalid rows at known lines, listed in
    ``faults/expected_rejections.csv``); the clean files are the same either way.
    ``records=False`` skips the record-level admissions (``helpers.synthetic.records``).
    ``planted_values.csv`` and ``planted_assessment.csv`` (``helpers.synthetic.truth``) are
    written last, from the expected counts the writers collected.
    Returns ``{"scale", "seed", "out", "files": {relative path: data rows}, "rows",
    "records", "seconds"}`` (files include those the record-level module wrote).
    """
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(scale, seed)
    output = Output(world, out)
    for write in _PUBLICATIONS:
        write(output)
    if records:
        truth, records_note = _records(world, out, output.expected)
    else:
        truth, records_note = None, "skipped: records=False"
    write_truth(output, truth)
    write_planted(output)
    if faults:
        write_faults(output)
    files = _file_list(out, output.rows)
    manifest = {
        "statement": _STATEMENT,
        "generator": "helpers.synthetic.generate",
        "version": GENERATOR_VERSION,
        "scale": scale,
        "seed": seed,
        "financial_years": [fy_label(y) for y in world.fys],
        "faults": faults,
        "records": records_note,
        "quirks": world.quirks,
        "files": files,
    }
    (out / SYNTHETIC_MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {
        "scale": scale,
        "seed": seed,
        "out": str(out),
        "files": {f["path"]: f["rows"] for f in files},
        "rows": int(sum(f["rows"] or 0 for f in files)),
        "records": records_note,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _records(world: World, out: Path, expected: list[pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    """The record-level admissions; returns their planted truth and the manifest's note, and
    adds their expected counts to ``expected``."""
    truth = write_admissions(
        world.orgs,
        world.population,
        [fy_label(y) for y in world.fys],
        world.seed,
        world.scale,
        out,
        successions=world.successions,
        expected=expected,
        failing=world.failing,
        failing_shift=FAILING_SHIFT,
    )
    return truth, "written by helpers.synthetic.records.write_admissions"


def _file_list(out: Path, rows: dict[str, int]) -> list[dict[str, Any]]:
    """Every file under ``out`` but the manifest, sorted: path, SHA-256 and data rows."""
    files = []
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and rel != SYNTHETIC_MANIFEST:
            files.append({"path": rel, "sha256": sha256(p), "rows": rows.get(rel, _rows(p))})
    return files


def _rows(path: Path) -> int | None:
    """Rows of a file another module wrote (parquet from its metadata; CSV lines - 1)."""
    if path.suffix == ".parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    if path.suffix == ".csv":
        with path.open("rb") as fh:
            return max(sum(1 for _ in fh) - 1, 0)
    return None
