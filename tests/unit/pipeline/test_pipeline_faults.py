"""Faults of a run and of the command (helpers.pipeline.run, helpers.pipeline.cli) without
executing notebooks: papermill and the settings are stand-ins, so that a full disk, a folder in
the way, a dead kernel and a second run at once can be made to happen. Each is one clear error
(the path and the reason, or the notebook) and the previous output is left as it was; the real
thing, killed and run twice at once, is tests/integration/test_faults.py."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import papermill as pm
import pytest
from nbclient.exceptions import DeadKernelError

from helpers.core.files import exclusive
from helpers.pipeline import cli
from helpers.pipeline import run as run_module
from helpers.pipeline.run import RunError, run_assessment

ENOSPC = "no space left on device (the disk is full)"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with two (stand-in) pipeline notebooks and a previous output of 'demo'."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "config").mkdir()
    (root / "config" / "demo.yml").write_text("id: demo\n")
    for name in ("10_first.ipynb", "20_second.ipynb"):
        (root / "notebooks" / name).write_text("{}")
    previous = root / "reports" / "demo"
    previous.mkdir(parents=True)
    (previous / "provenance.json").write_text('{"run": "previous"}\n')
    loaded = SimpleNamespace(
        settings=SimpleNamespace(id="demo", kind="indicators"),
        settings_path=root / "config" / "demo.yml",
    )
    monkeypatch.setattr(run_module, "load_assessment", lambda path, root: loaded)
    monkeypatch.setattr(run_module, "check_sources", lambda run: [])
    # the stand-in settings name no files: their part of the cache keys is a constant
    for name in ("settings_fingerprint", "inputs_fingerprint", "extra_inputs_fingerprint"):
        monkeypatch.setattr(run_module, name, lambda run, memo=None: "stand-in")
    monkeypatch.setattr(cli, "project_root", lambda: root)
    monkeypatch.setattr(cli, "ensure_synthetic_data", lambda settings, root: None)
    return root


def notebooks(fail: Callable[[Path], None] | None = None, at: str = "20_second.ipynb"):
    """A stand-in for papermill: writes the executed notebook and the run's provenance; calls
    ``fail`` with the output notebook when it reaches ``at``."""

    def execute_notebook(nb: str, out: str, parameters: dict, **kwargs: object) -> None:
        Path(out).write_text("{}")
        if fail is not None and Path(nb).name == at:
            fail(Path(out))
        build = Path(os.environ["ASSESS_ROOT"]) / parameters["output_dir"]
        (build / "provenance.json").write_text('{"run": "new"}\n')

    return execute_notebook


def previous_kept(root: Path) -> None:
    assert (root / "reports" / "demo" / "provenance.json").read_text() == '{"run": "previous"}\n'
    hidden = [p.name for p in (root / "reports").iterdir() if p.is_dir() and p.name[0] == "."]
    assert hidden == []  # no build folder left behind


def test_the_stand_in_run_publishes(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pm, "execute_notebook", notebooks())
    run_assessment("config/demo.yml", project, log=lambda s: None)
    assert (project / "reports/demo/provenance.json").read_text() == '{"run": "new"}\n'
    assert sorted(p.name for p in (project / "reports/demo/pipeline").iterdir()) == [
        "10_first.ipynb",
        "20_second.ipynb",
    ]


def test_a_full_disk_is_one_line_naming_the_build_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """papermill writing the executed notebook meets a full disk: a write names no file, so the
    build folder is named."""

    def full(out: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pm, "execute_notebook", notebooks(full))
    with pytest.raises(RunError) as err:
        run_assessment("config/demo.yml", project, log=lambda s: None)
    build = project / "reports" / ".demo.build"
    assert str(err.value) == (
        f"assessment 'demo': {build}: {ENOSPC}; reports/demo was left as it was"
    )
    previous_kept(project)


def test_a_notebook_failing_on_a_full_disk_still_names_the_cell(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's write fails (the notebook's error), and so does keeping the executed
    notebook in reports/_failed: both are said, nothing is raised past the message."""
    evalue = f"[Errno 28] No space left on device: '{project}/reports/.demo.build/results/x.csv'"

    def kernel_full(out: Path) -> None:
        raise pm.PapermillExecutionError(3, 7, "save_table(x)", "OSError", evalue, [])

    def no_copy(src: object, dst: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(pm, "execute_notebook", notebooks(kernel_full))
    monkeypatch.setattr(run_module.shutil, "copy2", no_copy)
    with pytest.raises(RunError) as err:
        run_assessment("config/demo.yml", project, log=lambda s: None)
    msg = str(err.value)
    assert "notebook notebooks/20_second.ipynb failed" in msg and evalue in msg
    assert f"could not be kept ({project}/reports/_failed/demo/20_second.ipynb: {ENOSPC})" in msg
    previous_kept(project)


def test_a_dead_kernel_names_the_notebook(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def dead(out: Path) -> None:
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(pm, "execute_notebook", notebooks(dead, at="10_first.ipynb"))
    with pytest.raises(RunError) as err:
        run_assessment("config/demo.yml", project, log=lambda s: None)
    assert "the kernel running notebook notebooks/10_first.ipynb died" in str(err.value)
    assert "reports/_failed/demo/10_first.ipynb" in str(err.value)
    previous_kept(project)


def test_a_folder_in_the_way_of_the_lock(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Something where the run must write (here a folder where its lock file goes; as root a
    read-only folder would not stop it) is one line naming the path."""
    monkeypatch.setattr(pm, "execute_notebook", notebooks())
    (project / "reports" / ".demo.lock").mkdir()
    with pytest.raises(RunError) as err:
        run_assessment("config/demo.yml", project, log=lambda s: None)
    assert str(err.value) == (
        f"assessment 'demo': {project}/reports/.demo.lock: a folder is in the way where a file "
        "is expected; reports/demo was left as it was"
    )
    (project / "reports" / ".demo.lock").rmdir()
    previous_kept(project)


def test_a_second_run_at_once_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pm, "execute_notebook", notebooks())
    with exclusive(project / "reports" / ".demo.lock", "held by the test"):
        with pytest.raises(RunError) as err:
            run_assessment("config/demo.yml", project, log=lambda s: None)
    assert str(err.value) == (
        "assessment 'demo': another `assess run` of it is in progress "
        "(it holds reports/.demo.lock); wait for it to finish"
    )
    previous_kept(project)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, ENOSPC),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only file system"),
    ],
)
def test_the_command_says_it_in_one_line_and_exits_2(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    reason: str,
) -> None:
    def fail(out: Path) -> None:
        raise OSError(code, os.strerror(code), str(out))

    monkeypatch.setattr(pm, "execute_notebook", notebooks(fail))
    assert cli.main(["run", "config/demo.yml"]) == 2
    err = capsys.readouterr().err
    out = project / "reports/.demo.build/pipeline/20_second.ipynb"
    assert (
        err
        == f"assess: error: assessment 'demo': {out}: {reason}; reports/demo was left as it was\n"
    )
    previous_kept(project)


def test_render_one_at_a_time_and_a_write_error_in_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`assess render` while another holds the site lock stops at once; an operating-system
    error anywhere in the command (here writing the site index) is one line, not a traceback."""
    with exclusive(project / "reports" / ".site.lock", "held by the test"):
        assert cli.main(["render", "--preview"]) == 2
    assert capsys.readouterr().err == (
        "assess: error: another `assess render` (or `assess site`) is building the site "
        "(it holds reports/.site.lock); wait for it to finish\n"
    )

    def full(root: Path, only: list[str] | None = None) -> list[str]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(root / "reports/_home.md"))

    monkeypatch.setattr(cli, "write_site_index", full)
    assert cli.main(["render", "--preview"]) == 2
    assert capsys.readouterr().err == (
        f"assess: error: writing the site index: {project}/reports/_home.md: {ENOSPC}\n"
    )
