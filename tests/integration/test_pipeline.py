"""The papermill pipeline on the fast settings, in a fresh copy of the project: reproducible
result tables, atomic publication, and clear failures that keep the previous good output."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.pipeline.run import RunError, run_assessment

FAST = "config/fast/uec-fast.yml"


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.suffix in (".csv", ".parquet")
    }


def digest_tree(folder: Path) -> dict[str, str]:
    """Every published file of a run (pages, figures, result tables, workbook, provenance) by
    its path, but the executed notebooks (compared by :func:`executed`)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".ipynb"
    }


@pytest.fixture(scope="module")
def first_tree(first_run) -> dict[str, str]:
    """The first run's published files, taken before any test runs it again."""
    return digest_tree(first_run[1].output_dir)


@pytest.fixture(scope="module")
def first_run(project_copy: Path):
    result = run_assessment(FAST, project_copy, log=lambda s: None)
    return project_copy, result, digest(result.output_dir / "results")


def test_run_publishes_results_and_pages(first_run):
    root, result, _ = first_run
    out = result.output_dir
    assert out == root / "reports" / "uec-fast"
    for nb in ("10_ingest", "20_indicators", "30_peer_comparison", "40_report_cards"):
        executed = nbformat.read(out / "pipeline" / f"{nb}.ipynb", as_version=4)
        assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    res = pd.read_csv(out / "results" / "indicators.csv")
    assert set(res.comparison) <= {"better", "similar", "worse", "higher", "lower", "not_compared"}
    settings_orgs = {"R0A", "RDU", "RW6", "RH8", "RAL", "RBN", "RTG", "RP6", "RRK", "RGN", "RGT"}
    cards = {p.stem for p in (out / "orgs").glob("*.qmd")} - {"index"}
    assert cards == settings_orgs & set(res.org_code)
    prov = json.loads((out / "provenance.json").read_text())
    assert {i["file"] for i in prov["inputs"]} >= {"data/raw/trust_ae_monthly_2021_2025.csv"}
    assert all(len(i["sha256"]) == 64 for i in prov["inputs"])
    assert not leftovers(root)


def leftovers(root: Path) -> list[Path]:
    """Build, temporary or parked folders left beside reports/<id>."""
    return [p for p in (root / "reports").glob(".uec-fast.*") if p.is_dir()]


def executed(folder: Path) -> dict[str, str]:
    """The executed notebooks without papermill's own metadata (timings, the injected cell's
    random id): what must be the same on every run."""
    out = {}
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb["metadata"].pop("papermill", None)
        for cell in nb["cells"]:
            cell["metadata"].pop("papermill", None)
            cell["metadata"].pop("execution", None)
            if "injected-parameters" in cell["metadata"].get("tags", []):
                cell.pop("id", None)
        out[path.name] = json.dumps(nb, sort_keys=True)
    return out


def test_same_inputs_give_byte_identical_tables_pages_figures_and_notebooks(first_run, first_tree):
    root, result, before = first_run
    notebooks = executed(result.output_dir / "pipeline")
    again = run_assessment(FAST, root, log=lambda s: None, use_cache=False)  # every step runs
    assert not any(s.cached for s in again.steps)
    assert digest(again.output_dir / "results") == before
    assert {"indicators.csv", "indicators.parquet", "england.csv", "ledger.csv"} <= set(before)
    assert executed(again.output_dir / "pipeline") == notebooks  # no clock, no build path
    # and every page, figure, workbook and provenance file, byte for byte
    tree = digest_tree(again.output_dir)
    kinds = {Path(p).suffix for p in tree}
    assert {".qmd", ".md", ".png", ".csv", ".parquet", ".xlsx", ".json"} <= kinds
    changed = sorted(p for p in tree.keys() | first_tree.keys() if tree.get(p) != first_tree.get(p))
    assert not changed, changed[:20]


def test_an_unchanged_rerun_takes_every_step_from_the_cache(first_run, first_tree):
    root, result, _ = first_run
    marker = (result.output_dir / "provenance.json").stat().st_ino
    again = run_assessment(FAST, root, log=lambda s: None)
    assert again.cached and len(again.steps) == 5
    assert (again.output_dir / "provenance.json").stat().st_ino == marker  # not rebuilt
    assert digest_tree(again.output_dir) == first_tree


def test_one_run_of_an_assessment_at_a_time(first_run):
    root, _, _ = first_run
    with (root / "reports" / ".uec-fast.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RunError, match="another `assess run` of it is in progress"):
            run_assessment(FAST, root, log=lambda s: None)


def test_failing_notebook_is_named_and_previous_output_kept(first_run, tmp_path):
    root, result, before = first_run
    nb_path = root / "notebooks" / "30_peer_comparison.ipynb"
    original = nb_path.read_text()
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "compare_with_peers" in c.source)
    cell.source = "raise ValueError('planted failure')\n" + cell.source
    nbformat.write(nb, nb_path)
    lines: list[str] = []
    try:
        with pytest.raises(RunError) as err:
            run_assessment(FAST, root, log=lines.append)
    finally:
        nb_path.write_text(original)
    # only the changed notebook and those after it run: steps 1 and 2 come from the cache
    assert [ln.split("] ")[1] for ln in lines if ln.startswith("  [")] == [
        "10_ingest.ipynb: from the cache",
        "20_indicators.ipynb: from the cache",
        "30_peer_comparison.ipynb ...",
    ]
    msg = str(err.value)
    assert "notebooks/30_peer_comparison.ipynb" in msg
    assert "code cell" in msg and "planted failure" in msg
    assert digest(result.output_dir / "results") == before  # previous good output intact
    assert (root / "reports" / "_failed" / "uec-fast" / "30_peer_comparison.ipynb").exists()
    assert not leftovers(root)


def test_cli_reports_bad_settings_clearly(first_run, tmp_path):
    root, *_ = first_run
    bad = tmp_path / "bad.yml"
    text = (root / FAST).read_text().replace("org_type: acute_trust", "org_type: acute_trusts")
    bad.write_text(text)
    assess = Path(sys.executable).parent / "assess"
    proc = subprocess.run(
        [str(assess), "run", str(bad)], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "bad.yml" in proc.stderr and "key 'org_type'" in proc.stderr


def test_site_publishes_only_the_assessments_named(first_run):
    """`assess site CONFIG` publishes just those runs: another finished run left in reports/
    (say the small scale when building England's) is neither linked nor rendered."""
    import shutil

    from helpers.pipeline.cli import cmd_render

    root, result, _ = first_run
    stale = root / "reports" / "zz-stale"
    shutil.copytree(result.output_dir, stale)
    try:
        cmd_render(root, True, only=["uec-fast"])
        site = root / "_site"
        assert {p.name for p in (site / "reports").iterdir()} == {"uec-fast"}
        assert not [p for p in site.rglob("*") if "zz-stale" in str(p)]
        for text in (p.read_text(encoding="utf-8") for p in site.rglob("*.html")):
            assert "reports/zz-stale/" not in text
        cmd_render(root, True)  # no selection: every finished run is published
        assert (site / "reports" / "zz-stale" / "index.html").exists()
    finally:
        shutil.rmtree(stale)


def test_a_renderer_warning_fails_assess_render_and_keeps_the_previous_site(first_run):
    """A page whose heading runs on from the line before it (shown as raw "###" text, as the
    acute methodology's was) fails `assess render` with exit status 2, naming the page, and the
    site built before is left as it was."""
    from helpers.pipeline.cli import cmd_render

    root, result, _ = first_run
    cmd_render(root, True)
    site = root / "_site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    page = result.output_dir / "methodology.qmd"
    original = page.read_text(encoding="utf-8")
    page.write_text(original + "\nA paragraph.\n### A heading run on\n", encoding="utf-8")
    assess = Path(sys.executable).parent / "assess"
    try:
        proc = subprocess.run(
            [str(assess), "render", "--preview", "--no-cache"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        page.write_text(original, encoding="utf-8")
    assert proc.returncode == 2, proc.stderr
    assert "a warning fails the build" in proc.stderr
    assert "reports/uec-fast/methodology.qmd: '### A heading run on' continues" in proc.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_downloads_page_links_every_table_and_the_workbook_holds_them(first_run):
    """Every result table of the run is linked from the downloads page; the Excel workbook has
    a sheet per table (but the plotting table and the data dictionary, which has its own
    sheet) and opens in pandas; the data dictionary CSV is the catalogue's."""
    from helpers.publish.workbook import NOT_IN_WORKBOOK, data_dictionary
    from helpers.settings import load_assessment

    root, result, _ = first_run
    out = result.output_dir
    downloads = (out / "downloads.qmd").read_text(encoding="utf-8")
    tables = sorted(p.name for p in (out / "results").glob("*.csv"))
    unlinked = [t for t in tables if f"(results/{t})" not in downloads]
    assert not unlinked and "(results/uec-fast.xlsx)" in downloads
    sheets = pd.read_excel(out / "results" / "uec-fast.xlsx", sheet_name=None)
    expected = {p[:-4] for p in tables} - NOT_IN_WORKBOOK
    assert {"README", "Data dictionary"} <= set(sheets) and len(sheets) == 2 + len(expected)
    run = load_assessment(FAST, root)
    written = pd.read_csv(out / "results" / "data_dictionary.csv")
    assert list(written.metric_id) == [m.id for m in run.metrics]
    assert list(written.columns) == list(data_dictionary(run).columns)
