"""Faults, for real (GitHub issue #13, item 3), in a fresh copy of the project with one finished
run of the fast settings and a rendered site:

* `assess run` killed with SIGKILL (its whole process group) while each pipeline notebook in turn
  is executing, and `assess render` killed mid-build: reports/uec-fast and _site are byte for
  byte what they were, nothing half-built is published, the orphaned kernel does not outlive the
  run, and what the killed build left behind (reports/.uec-fast.build, ._site.tmp-*) does not
  stop the next run or render, which succeed and tidy it;
* a kernel killed (as the out-of-memory killer would): one clear error naming the notebook;
* two runs of the same assessment at once: one refuses at once with the lock message, the other
  publishes the same result tables as before; two renders at once do not corrupt _site;
* a full disk and an output folder that cannot be written: one line naming the path and the
  reason, exit status 2, no traceback, the previous output intact (as root, whom a read-only
  folder does not stop, something is put in the way instead; tests/unit/pipeline/
  test_pipeline_faults.py and tests/unit/publish/render/test_render_faults.py make each error
  happen everywhere in the code).

The tests run in file order and share the project: each starts from what the one before left,
which is the point (a killed run's leftovers must not block the next). Runtime about five
minutes on two cores: two full runs and five partial ones (the killed run reaches notebook n
after running the n-1 before it), each killed as soon as its notebook's first cell finished.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.core.files import exclusive

FAST = "config/fast/uec-fast.yml"
ASSESS = Path(sys.executable).parent / "assess"
REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LOCK_MESSAGE = (
    "assess: error: assessment 'uec-fast': another `assess run` of it is in progress "
    "(it holds reports/.uec-fast.lock); wait for it to finish"
)
RENDER_LOCK_MESSAGE = (
    "assess: error: another `assess render` (or `assess site`) is building the site "
    "(it holds reports/.site.lock); wait for it to finish"
)

_spec = importlib.util.spec_from_file_location("tests_conftest", REPO / "tests" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
copy_project = _conftest.copy_project


@dataclass
class Project:
    root: Path
    logs: Path
    results: dict[str, str]  # the result tables of the first run

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def site(self) -> Path:
        return self.root / "_site"


@dataclass
class Started:
    proc: subprocess.Popen[bytes]
    log: Path  # <log>.out and <log>.err

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (and every folder, as "dir") by its path: what must be byte
    for byte the same after a failed or killed build."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        )
        for p in sorted(folder.rglob("*"))
    }


def results(project: Project) -> dict[str, str]:
    folder = project.reports / "uec-fast" / "results"
    return {k: v for k, v in tree(folder).items() if k.endswith((".csv", ".parquet"))}


def published(project: Project) -> list[str]:
    """What reports/ shows (hidden build folders and locks aside)."""
    return sorted(p.name for p in project.reports.iterdir() if not p.name.startswith("."))


def start(project: Project, *args: str) -> Started:
    """`assess ...` in its own process group (so that it can be killed whole), its output in
    files (a pipe nobody reads could fill up and stop it)."""
    n = len(list(project.logs.glob("*.out")))
    log = project.logs / f"{n:02d}-{args[0]}"
    with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
        proc = subprocess.Popen(
            [str(ASSESS), *args],
            cwd=project.root,
            env={**os.environ, "ASSESS_ROOT": str(project.root), "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    return Started(proc, log)


def finish(started: Started, timeout: float = 600) -> Finished:
    started.proc.wait(timeout)
    out, err = (started.log.with_suffix(s).read_text() for s in (".out", ".err"))
    return Finished(started.proc.returncode, out, err)


def assess(project: Project, *args: str) -> Finished:
    return finish(start(project, *args))


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (the kernels of `assess run`, which jupyter_client
    starts in sessions of their own: killing the run's process group does not reach them)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def kill(started: Started) -> None:
    """SIGKILL the whole process group, as `kill -9 -PGID` would; then wait until the kernels
    it had started are gone too (they notice their parent died: ipykernel's parent poller)."""
    kernels = children(started.pid)
    os.killpg(started.pid, signal.SIGKILL)
    started.proc.wait(30)
    deadline = time.monotonic() + 20
    while not all(gone(k) for k in kernels) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [k for k in kernels if not gone(k)]
    for k in alive:  # do not leave them behind, whatever the outcome
        os.kill(k, signal.SIGKILL)
    assert not alive, f"the kernels {alive} outlived the killed run by 20 s"


def stop(started: Started) -> None:
    """After a test failed half-way: leave no `assess` of it running."""
    if started.proc.poll() is None:
        kill(started)


def text(path: Path) -> str:
    """A file papermill may be rewriting at this moment ("" if missing)."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def html_in(folders: list[Path]) -> bool:
    """Whether a page was written in any of ``folders`` (which may vanish meanwhile)."""
    try:
        return any(next(f.rglob("*.html"), None) for f in folders)
    except OSError:
        return False


def no_traceback(result: Finished) -> None:
    assert "Traceback" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = copy_project(tmp_path_factory.mktemp("faults"))
    logs = tmp_path_factory.mktemp("faults-logs")
    project = Project(root, logs, {})
    for args in (("run", FAST), ("render", "--preview")):
        done = assess(project, *args)
        assert done.returncode == 0, done.stderr
    project.results = results(project)
    return project


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_a_run_killed_during_each_notebook_leaves_the_previous_output(
    project: Project, notebook: str
) -> None:
    """Killed while ``notebook`` executes (its first cell done, another running: papermill
    saves the executed notebook in the build folder as each cell starts and ends)."""
    before, site = tree(project.reports / "uec-fast"), tree(project.site)
    listing = published(project)
    started = start(project, "run", "--no-cache", FAST)
    executed = project.reports / ".uec-fast.build" / "pipeline" / notebook
    deadline = time.monotonic() + 300
    try:
        while not ('"status": "completed"' in (t := text(executed)) and '"status": "running"' in t):
            if started.proc.poll() is not None:
                done = finish(started)
                pytest.fail(f"the run ended ({done.returncode}) before {notebook}: {done.stderr}")
            assert time.monotonic() < deadline, f"{notebook} did not start in 300 s"
            time.sleep(0.05)
        kill(started)
    finally:
        stop(started)
    assert tree(project.reports / "uec-fast") == before
    assert published(project) == listing  # nothing half-built shown
    assert tree(project.site) == site
    assert (project.reports / ".uec-fast.build").is_dir()  # left for the next run to replace


def test_two_runs_at_once_one_refuses_and_the_other_publishes(project: Project) -> None:
    """Also the run after the kills: the build folder the last one left does not stop it, and
    the tables are those of the first run. (Both run every step: --no-cache.)"""
    args = ("run", "--no-cache", FAST)
    first, second = start(project, *args), start(project, *args)
    done = sorted((finish(first), finish(second)), key=lambda d: d.returncode)
    assert [d.returncode for d in done] == [0, 2], done[1].stderr
    won, refused = done
    assert refused.stderr.splitlines() == [LOCK_MESSAGE]
    assert "published to reports/uec-fast" in won.stdout
    assert results(project) == project.results
    assert not [p.name for p in project.reports.glob(".uec-fast.*") if p.is_dir()]


def test_a_killed_kernel_is_a_clear_error(project: Project) -> None:
    """The kernel killed (as the out-of-memory killer would) while the first notebook runs."""
    before, listing = tree(project.reports / "uec-fast"), published(project)
    started = start(project, "run", "--no-cache", FAST)
    executed = project.reports / ".uec-fast.build" / "pipeline" / NOTEBOOKS[0]
    deadline = time.monotonic() + 120
    try:
        while '"status": "running"' not in text(executed):
            assert started.proc.poll() is None, "the run ended before its first notebook ran"
            assert time.monotonic() < deadline, "the first notebook did not start in 120 s"
            time.sleep(0.05)
        for kernel in children(started.pid):
            os.kill(kernel, signal.SIGKILL)
        done = finish(started, timeout=120)
    finally:
        stop(started)
    assert done.returncode == 2
    no_traceback(done)
    assert (
        f"assess: error: assessment 'uec-fast': the kernel running notebook "
        f"notebooks/{NOTEBOOKS[0]} died (killed, or out of memory?)"
    ) in done.stderr
    assert tree(project.reports / "uec-fast") == before
    assert published(project) == sorted({*listing, "_failed"})


def site_tmp(project: Project) -> list[Path]:
    return sorted(project.root.glob("._site.*"))


def test_a_render_killed_mid_build_leaves_the_site(project: Project) -> None:
    before = tree(project.site)
    started = start(project, "render", "--preview", "--no-cache")
    try:
        while not html_in(site_tmp(project)):
            if started.proc.poll() is not None:
                pytest.fail("the render finished before it could be killed mid-build")
            time.sleep(0.005)
        kill(started)
    finally:
        stop(started)
    assert tree(project.site) == before
    assert site_tmp(project)  # the killed render's half-built site, hidden
    done = assess(project, "render", "--preview")
    assert done.returncode == 0, done.stderr
    # the same runs give the same site (its key may differ: the runs rebuilt by the tests before
    # carry other timings in their executed notebooks' metadata, which no page shows)
    after = tree(project.site)
    assert {k: v for k, v in after.items() if k != ".site-key"} == {
        k: v for k, v in before.items() if k != ".site-key"
    }
    assert not site_tmp(project)  # the next render removed it


def test_two_renders_at_once_do_not_corrupt_the_site(project: Project) -> None:
    """Both succeed one after the other, or the second refuses at once: _site is whole."""
    before = tree(project.site)
    first, second = start(project, "render", "--preview"), start(project, "render", "--preview")
    for done in (finish(first), finish(second)):
        assert done.returncode == 0 or done.stderr.splitlines() == [RENDER_LOCK_MESSAGE]
        no_traceback(done)
    assert tree(project.site) == before
    assert not site_tmp(project)
    with exclusive(project.reports / ".site.lock", "held by the test"):
        refused = assess(project, "render", "--preview")
    assert refused.returncode == 2 and refused.stderr.splitlines() == [RENDER_LOCK_MESSAGE]
    assert tree(project.site) == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to write to")
def test_a_full_disk_is_one_line_and_keeps_the_site(project: Project) -> None:
    """A real ENOSPC: the site index is written to /dev/full (a write names no file, so the
    folder is named)."""
    before = tree(project.site)
    index = project.reports / "_website.yml"
    saved = index.read_bytes()
    index.unlink()
    index.symlink_to("/dev/full")
    try:
        done = assess(project, "render", "--preview")
    finally:
        index.unlink()
        index.write_bytes(saved)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"assess: error: writing the site index: {project.reports}: "
        "no space left on device (the disk is full)"
    ]
    assert tree(project.site) == before


def test_something_in_the_way_of_the_output_is_one_line(project: Project) -> None:
    """Where a run and a render must write, a folder where their lock file goes: stopped
    before anything is built, in one line naming the path (works as root too)."""
    before, site = tree(project.reports / "uec-fast"), tree(project.site)
    for lock, args, expected in (
        (
            ".uec-fast.lock",
            ("run", FAST),
            "assessment 'uec-fast': {path}: a folder is in the way where a file is expected; "
            "reports/uec-fast was left as it was",
        ),
        (
            ".site.lock",
            ("render", "--preview"),
            "{path}: a folder is in the way where a file is expected",
        ),
    ):
        path = project.reports / lock
        path.unlink(missing_ok=True)
        path.mkdir()
        try:
            done = assess(project, *args)
        finally:
            path.rmdir()
        assert done.returncode == 2
        assert done.stderr.splitlines() == [f"assess: error: {expected.format(path=path)}"]
    assert tree(project.reports / "uec-fast") == before
    assert tree(project.site) == site


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_output_folder_is_one_line(project: Project) -> None:
    """reports/ read-only for a run, the project folder (which holds _site) for a render."""
    before, site = tree(project.reports / "uec-fast"), tree(project.site)
    for folder, args, expected in (
        (project.reports, ("run", "--no-cache", FAST), "assess: error: assessment 'uec-fast': "),
        (project.root, ("render", "--preview", "--no-cache"), "assess: error: "),
    ):
        folder.chmod(0o555)
        try:
            done = assess(project, *args)
        finally:
            folder.chmod(0o755)
        assert done.returncode == 2
        [line] = done.stderr.splitlines()
        assert line.startswith(expected) and ": permission denied" in line, line
        assert str(project.root) in line
    assert tree(project.reports / "uec-fast") == before
    assert tree(project.site) == site
