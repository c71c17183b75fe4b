"""Content-hash caching of the steps (helpers.pipeline.cache, helpers.pipeline.run): a rerun
redoes exactly the steps whose inputs changed, and nothing when nothing changed.

Papermill is a stand-in whose three "notebooks" behave like the pipeline's: step 10 reads an
input file and writes an interim table (lower-cased, so a change of case only leaves it the
same), step 20 reads that and writes a result, step 30 reads the result and writes the page and
provenance. Which steps ran is counted."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import papermill as pm
import pytest

from helpers.core.files import sha256
from helpers.pipeline import run as run_module
from helpers.pipeline.cache import StepCache
from helpers.pipeline.run import RunError, run_assessment

STEPS = ("10_ingest.ipynb", "20_measure.ipynb", "30_publish.ipynb")


class Project(SimpleNamespace):
    root: Path
    data: Path
    settings: Path
    code: list[str]
    ran: list[str]
    fail_at: str | None

    def run(self, **kwargs: object) -> list[str]:
        """Run the assessment; return the steps that executed."""
        self.ran.clear()
        run_assessment("config/demo.yml", self.root, log=lambda s: None, **kwargs)
        return list(self.ran)

    @property
    def page(self) -> str:
        return (self.root / "reports/demo/page.qmd").read_text()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "config").mkdir()
    (root / "data").mkdir()
    settings = root / "config" / "demo.yml"
    settings.write_text("id: demo\nthreshold: 1\n")
    data = root / "data" / "input.csv"
    data.write_text("Value\nA\n")
    for name in STEPS:
        (root / "notebooks" / name).write_text(f'{{"name": "{name}"}}')
    p = Project(root=root, data=data, settings=settings, code=["v1"], ran=[], fail_at=None)
    loaded = SimpleNamespace(
        settings=SimpleNamespace(id="demo", kind="indicators"), settings_path=settings
    )
    monkeypatch.setattr(run_module, "load_assessment", lambda path, root: loaded)
    monkeypatch.setattr(run_module, "check_sources", lambda run: [])
    monkeypatch.setattr(run_module, "code_fingerprint", lambda root, memo=None: p.code[0])
    monkeypatch.setattr(
        run_module, "settings_fingerprint", lambda run, memo=None: sha256(p.settings)
    )
    monkeypatch.setattr(run_module, "inputs_fingerprint", lambda run, memo=None: sha256(p.data))
    monkeypatch.setattr(run_module, "extra_inputs_fingerprint", lambda run, memo=None: "")

    def execute_notebook(nb: str, out: str, parameters: dict, **kwargs: object) -> None:
        name = Path(nb).name
        p.ran.append(name)
        Path(out).write_text(f'{{"executed": "{name}", "seconds": {len(p.ran)}}}')
        if name == p.fail_at:
            raise pm.PapermillExecutionError(1, 1, "boom", "ValueError", "boom", [])
        build = Path(os.environ["ASSESS_ROOT"]) / parameters["output_dir"]
        if name == "10_ingest.ipynb":
            (build / "_interim").mkdir(exist_ok=True)
            (build / "_interim" / "a.txt").write_text(p.data.read_text().lower())
        elif name == "20_measure.ipynb":
            (build / "results").mkdir(exist_ok=True)
            text = (build / "_interim" / "a.txt").read_text()
            (build / "results" / "b.txt").write_text(text.upper() + "!")
        else:
            result = (build / "results" / "b.txt").read_text()
            (build / "page.qmd").write_text(f"{result} ({p.code[0]})")
            (build / "provenance.json").write_text("{}\n")

    monkeypatch.setattr(pm, "execute_notebook", execute_notebook)
    return p


def test_the_first_run_runs_every_step_and_an_unchanged_rerun_none(project: Project) -> None:
    assert project.run() == list(STEPS)
    page = project.root / "reports/demo/page.qmd"
    before = page.stat().st_ino
    assert project.run() == []
    assert page.stat().st_ino == before  # reports/demo was not even rebuilt
    assert project.page == "VALUE\nA\n! (v1)"


def test_an_unchanged_rerun_says_every_step_came_from_the_cache(project: Project) -> None:
    project.run()
    result = run_assessment("config/demo.yml", project.root, log=lambda s: None)
    assert result.cached
    assert [s.notebook for s in result.steps] == list(STEPS)
    assert all(s.cached and s.ran_in is not None for s in result.steps)


def test_a_changed_input_reruns_the_step_that_reads_it_and_what_depends_on_it(
    project: Project,
) -> None:
    project.run()
    project.data.write_text("Value\nB\n")
    assert project.run() == list(STEPS)
    assert project.page == "VALUE\nB\n! (v1)"


def test_a_step_whose_output_did_not_change_leaves_the_later_steps_in_the_cache(
    project: Project,
) -> None:
    project.run()
    project.data.write_text("VALUE\nA\n")  # step 10 lower-cases: its output is the same
    assert project.run() == ["10_ingest.ipynb"]
    assert project.page == "VALUE\nA\n! (v1)"


def test_a_changed_setting_or_code_version_reruns_every_step(project: Project) -> None:
    project.run()
    project.settings.write_text("id: demo\nthreshold: 2\n")
    assert project.run() == list(STEPS)
    project.code[0] = "v2"
    assert project.run() == list(STEPS)
    assert project.page.endswith("(v2)")
    assert project.run() == []


def test_a_lost_output_is_restored_from_the_cache_without_running(project: Project) -> None:
    project.run()
    (project.root / "reports/demo/page.qmd").unlink()
    (project.root / "reports/demo/.built-from.json").unlink()
    assert project.run() == []
    assert project.page == "VALUE\nA\n! (v1)"
    executed = project.root / "reports/demo/pipeline/30_publish.ipynb"
    assert '"executed": "30_publish.ipynb"' in executed.read_text()


def test_no_cache_runs_every_step_and_keeps_them_for_the_next_run(project: Project) -> None:
    assert project.run(use_cache=False) == list(STEPS)
    assert project.run(use_cache=False) == list(STEPS)
    assert project.run() == []


def test_after_a_failed_step_the_rerun_starts_at_that_step(project: Project) -> None:
    project.run()
    project.settings.write_text("id: demo\nthreshold: 3\n")
    project.fail_at = "30_publish.ipynb"
    with pytest.raises(RunError, match="30_publish"):
        project.run()
    assert project.page == "VALUE\nA\n! (v1)"  # the previous output kept
    project.fail_at = None
    assert project.run() == ["30_publish.ipynb"]


def test_a_blob_missing_from_the_cache_is_a_miss_not_an_error(project: Project) -> None:
    project.run()
    cache = StepCache(project.root, "demo").load()
    for blob in cache.blobs.glob("*/*"):
        blob.unlink()
    (project.root / "reports/demo/.built-from.json").unlink()
    assert project.run() == list(STEPS)


def test_the_cache_keeps_one_entry_per_step(project: Project) -> None:
    for text in ("Value\nA\n", "Value\nB\n", "Value\nC\n"):
        project.data.write_text(text)
        project.run()
    cache = StepCache(project.root, "demo").load()
    assert sorted(cache.steps) == list(STEPS)
    used = {h for rec in cache.steps.values() for h in rec.state.values()}
    assert {b.name for b in cache.blobs.glob("*/*")} == used
