"""What every pipeline notebook does first: read the settings, find its folders, and say which
data and code it runs on."""

from __future__ import annotations

from helpers.core.paths import RunPaths, run_paths
from helpers.core.tables import load_table
from helpers.pipeline.provenance import describe
from helpers.settings import LoadedAssessment, load_assessment


def start(
    config_path: str, output_dir: str = "", *, after_ingest: bool = True
) -> tuple[LoadedAssessment, RunPaths, str]:
    """``(run, paths, header)`` for a notebook run with papermill's parameters: the validated
    settings, the run's folders (the build folder, or a scratch folder when run by hand) and a
    Markdown header naming the assessment, the code version and every input file by hash.
    After step 1 (``after_ingest``) the hashes are the ledger's, so each file is hashed once."""
    run = load_assessment(config_path)
    paths = run_paths(run.root, run.settings.id, output_dir)
    ledger = (
        load_table(paths.results, "ledger", text=("reasons",))
        if after_ingest and (paths.results / "ledger.csv").exists()
        else None
    )
    header = (
        f"Assessment **{run.settings.title}** (`{run.settings.id}`), settings `{config_path}`, "
        f"{len(run.metrics)} metrics, years {', '.join(run.settings.financial_years)}. "
        + describe(run, ledger)
    )
    return run, paths, header
