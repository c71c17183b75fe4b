"""Run an assessment: execute the pipeline notebooks in order with papermill.

Each notebook receives only the settings path and the build folder. The run is built in a
hidden temporary folder beside ``reports/<id>`` (:func:`helpers.core.files.building`) and
swapped in only when every notebook has succeeded, so a failure never leaves a half-built
assessment and the previous good output stays in place. On failure the error names the notebook
and the failing cell, and the partly executed notebook is kept in ``reports/_failed/<id>/`` for
inspection.

Faults: a run killed at any moment (even with SIGKILL) leaves ``reports/<id>`` as it was, and the
next run starts afresh (its lock went with the killed process, the build folder is replaced); a
second run of the same assessment while one is in progress stops at once with a clear message;
a kernel that dies (killed, out of memory) and a file that cannot be written (a full disk, no
permission) are one clear error naming the notebook or the path, the previous output kept.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill as pm
from nbclient.exceptions import DeadKernelError

from helpers.core.files import Busy, building, describe_os_error, exclusive, tidy
from helpers.core.paths import project_path, project_root, reports_dir
from helpers.ingest import check_sources, source_cache
from helpers.ingest.record_engine import ENGINE_VARIABLE
from helpers.pipeline.cache import (
    BUILT_FROM,
    HashMemo,
    StepCache,
    StepRecord,
    code_fingerprint,
    extra_inputs_fingerprint,
    inputs_fingerprint,
    settings_fingerprint,
    state_digest,
    state_of,
    step_key,
)
from helpers.pipeline.kernel import KeptKernel, KernelResetError
from helpers.publish.figure_cache import ENV as FIGURE_CACHE
from helpers.publish.figure_cache import ENV_READ as FIGURE_CACHE_READ
from helpers.publish.figure_cache import prune
from helpers.settings import load_assessment


class RunError(RuntimeError):
    """A pipeline notebook failed. The message names the notebook and the cell."""


#: the thread pools of numpy's BLAS (OpenBLAS, MKL) and OpenMP, set to one thread for the
#: kernels unless the user set them: the notebooks' linear algebra is small (the case-mix fit
#: works on covariate patterns), and two assessments, a figure pool and DuckDB already share
#: the cores. Left to their default, OpenBLAS threads spin while waiting for a core, and two
#: record-level ingests running at once took 37 s each instead of 13 s on 2 cores.
THREAD_CAPS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def kernel_messages_to(log_file: Path) -> Iterator[None]:
    """While the notebooks run, standard error (file descriptor 2, which the kernels inherit)
    goes to ``log_file``: ipykernel's own warnings (``Kernel is running over TCP without
    encryption``, a ZMQ message at shutdown) are kept there, not in the analyst's console.
    Errors of the run itself are raised and printed after it, on the console."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with log_file.open("wb") as f:
            os.dup2(f.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


@dataclass(frozen=True)
class StepTiming:
    """One step of a run: the notebook, its seconds in this run, and whether its output came
    from the cache (``cached``; then ``seconds`` is the time to restore it, and ``ran_in``
    what it cost when it ran)."""

    assessment_id: str
    notebook: str
    seconds: float
    cached: bool
    ran_in: float | None = None


@dataclass(frozen=True)
class StepStart:
    """A step is starting (for a progress display)."""

    assessment_id: str
    notebook: str


@dataclass(frozen=True)
class RunResult:
    assessment_id: str
    output_dir: Path
    seconds: float
    notebooks: list[str]
    steps: list[StepTiming] = field(default_factory=list)

    @property
    def cached(self) -> bool:
        """Every step came from the cache."""
        return bool(self.steps) and all(s.cached for s in self.steps)


#: where each kind of assessment keeps its pipeline notebooks
NOTEBOOK_FOLDERS = {"indicators": "notebooks", "framework": "notebooks/framework"}


def pipeline_notebooks(root: Path, kind: str = "indicators") -> list[Path]:
    """The pipeline: ``NN_*.ipynb`` in number order (templates start with ``_``), in
    ``notebooks/`` for an assessment built from counts and ``notebooks/framework/`` for one of
    NHS England's Oversight Framework from its published values."""
    folder = root / NOTEBOOK_FOLDERS[kind]
    nbs = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not nbs:
        raise RunError(f"no pipeline notebooks (NN_*.ipynb) in {folder}")
    return nbs


def _failing_cell(exc: pm.PapermillExecutionError, output: Path) -> str:
    """Describe the failing cell: its number in the notebook as committed and its first line."""
    where = f"the cell with execution count {exc.exec_count}"
    try:
        nb = nbformat.read(output, as_version=4)
        code = [
            c
            for c in nb.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
        ]
        for number, cell in enumerate(code, 1):
            if cell.get("execution_count") == exc.exec_count:
                lines = [ln for ln in cell.source.splitlines() if ln.strip()]
                first = next((ln for ln in lines if not ln.startswith("#")), lines[0])
                where = f"code cell {number} (execution count {exc.exec_count}): {first[:90]}"
                break
    except Exception:  # noqa: BLE001 - the message is best effort; the error itself is reported
        pass
    return f"{where}\n  {exc.ename}: {exc.evalue}"


def _keep_failed(executed: Path, failed: Path, root: Path) -> str:
    """Keep the partly executed notebook in ``failed`` for inspection; say where (or why not:
    the disk may be full)."""
    try:
        shutil.rmtree(failed, ignore_errors=True)
        failed.mkdir(parents=True)
        shutil.copy2(executed, failed / executed.name)
    except OSError as exc:
        return f"The executed notebook could not be kept ({describe_os_error(exc)})"
    return f"The executed notebook is in {failed.relative_to(root)}/{executed.name}"


def _built_from(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / BUILT_FROM).read_text(encoding="utf-8"))["key"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_assessment(
    settings_path: str | Path,
    root: Path | None = None,
    log: Callable[[str], None] = print,
    *,
    use_cache: bool = True,
    on_step: Callable[[StepStart | StepTiming], None] | None = None,
) -> RunResult:
    """Execute every pipeline notebook for one assessment and publish it atomically.

    Steps whose key (:mod:`helpers.pipeline.cache`) is in the cache are not run: their output
    is copied from it; when every step is found and ``reports/<id>`` was built from them, the
    run does nothing. ``use_cache=False`` runs every step (and refreshes the cache).
    ``on_step`` is told :class:`StepStart` as each step starts and its :class:`StepTiming` when it
    ends (for a progress bar)."""
    root = root or project_root()
    run = load_assessment(settings_path, root)  # fails fast with a clear ConfigError
    check_sources(run)  # every reader exists and produces what the catalogue asks of it
    aid = run.settings.id
    reports = reports_dir(root)
    reports.mkdir(exist_ok=True)
    final = reports / aid
    # a settings file outside the project is passed to the notebooks by its absolute path
    settings_rel = project_path(run.settings_path, root)
    # built in a hidden folder beside reports/<id> and swapped in only when complete; its name
    # is fixed (one run of an assessment at a time, by the lock) so that the executed notebooks
    # are the same on every run
    build = reports / f".{aid}.build"
    build_rel = build.relative_to(root).as_posix()
    notebooks = pipeline_notebooks(root, run.settings.kind)
    notify = on_step or (lambda _event: None)
    start = time.perf_counter()
    lock = reports / f".{aid}.lock"
    busy = (
        f"assessment '{aid}': another `assess run` of it is in progress "
        f"(it holds reports/{lock.name}); wait for it to finish"
    )
    kept = f"reports/{aid} was left as it was"
    env_before = {
        k: os.environ.get(k)
        for k in (
            "ASSESS_ROOT",
            FIGURE_CACHE,
            FIGURE_CACHE_READ,
            source_cache.ENV,
            source_cache.ENV_READ,
            source_cache.ENV_SALT,
            *THREAD_CAPS,
        )
    }
    os.environ["ASSESS_ROOT"] = str(root)
    for k in THREAD_CAPS:
        os.environ.setdefault(k, "1")
    steps: list[StepTiming] = []
    last_started = time.time()
    try:
        with exclusive(lock, busy):
            memo = HashMemo(reports / "_cache" / "hashes.json")
            cache = StepCache(root, aid, read=use_cache).load()  # --no-cache still keeps
            code = code_fingerprint(root, memo)
            # the record-level engine (DuckDB or Spark) is a setting of the run too
            engine = os.environ.get(ENGINE_VARIABLE, "")
            settings_fp = _digest_pair(
                settings_fingerprint(run, memo), extra_inputs_fingerprint(run, memo) + engine
            )
            inputs_fp = inputs_fingerprint(run, memo)
            memo.save()
            # the figure cache: read and written, or (--no-cache) written only
            os.environ[FIGURE_CACHE] = str(cache.folder / "figures")
            os.environ[FIGURE_CACHE_READ] = "1" if use_cache else "0"
            # and step 1's readings of each source, by the files read, the code and the engine
            os.environ[source_cache.ENV] = str(cache.folder / "sources")
            os.environ[source_cache.ENV_READ] = "1" if use_cache else "0"
            os.environ[source_cache.ENV_SALT] = f"{code}+{engine}"

            def key_of(i: int, state: dict[str, str] | None) -> str:
                nb = notebooks[i]
                if i == 0:
                    return step_key(nb.name, nb, code, settings_fp, inputs_fp, None)
                return step_key(nb.name, nb, code, settings_fp, None, state_digest(state or {}))

            # how far the cache goes: follow the chain of keys through the cached states
            hits: list[tuple[str, StepRecord]] = []
            state: dict[str, str] | None = None
            for i, nb in enumerate(notebooks):
                key = key_of(i, state)
                record = cache.lookup(nb.name, key)
                if record is None:
                    break
                hits.append((key, record))
                state = record.state
            if len(hits) == len(notebooks) and final.is_dir() and _built_from(final) == hits[-1][0]:
                for nb, (_key, record) in zip(notebooks, hits, strict=True):
                    t = StepTiming(aid, nb.name, 0.0, True, record.seconds)
                    steps.append(t)
                    notify(t)
                tidy(final, build)  # what a killed run left beside it
                seconds = time.perf_counter() - start
                log(f"assess: '{aid}' unchanged: every step is in the cache ({seconds:.1f}s)")
                return RunResult(aid, final, seconds, [n.name for n in notebooks], steps)
            log(
                f"assess: running '{aid}' ({settings_rel}), {len(notebooks)} notebooks"
                + (f", {len(hits)} from the cache" if hits else "")
            )
            try:
                with (
                    kernel_messages_to(reports / "_logs" / f"{aid}.log"),
                    building(final, build) as build,
                    KeptKernel(root / "notebooks") as kernel,  # one kernel, reset between steps
                ):
                    (build / "pipeline").mkdir()
                    if hits:
                        t0 = time.perf_counter()
                        cache.restore(hits[-1][1], build)
                        restore_s = time.perf_counter() - t0
                        for nb, (_key, record) in zip(notebooks, hits, strict=False):
                            t = StepTiming(
                                aid, nb.name, restore_s / len(hits), True, record.seconds
                            )
                            steps.append(t)
                            notify(t)
                            log(f"  [{len(steps)}/{len(notebooks)}] {nb.name}: from the cache")
                    state = hits[-1][1].state if hits else None
                    key = hits[-1][0] if hits else ""
                    for i in range(len(hits), len(notebooks)):
                        nb = notebooks[i]
                        key = key_of(i, state)
                        out = build / "pipeline" / nb.name
                        t0 = time.perf_counter()
                        last_started = time.time() - 1  # the file system's clock, a margin
                        notify(StepStart(aid, nb.name))
                        record = cache.lookup(nb.name, key) if i > len(hits) else None
                        if record is not None:  # an earlier step ran, with the same output
                            cache.restore(record, build, step=nb.name)
                            state = {**record.state}
                            t = StepTiming(
                                aid, nb.name, time.perf_counter() - t0, True, record.seconds
                            )
                            steps.append(t)
                            notify(t)
                            log(f"  [{i + 1}/{len(notebooks)}] {nb.name}: from the cache")
                            continue
                        log(f"  [{i + 1}/{len(notebooks)}] {nb.name} ...")
                        _execute(nb, out, settings_rel, build_rel, root, aid, reports, kept, kernel)
                        if i == 0:  # the readings step 1 did not use (files since changed) go
                            prune(cache.folder / "sources", older_than=last_started)
                        seconds = time.perf_counter() - t0
                        state = state_of(build, memo)
                        cache.store(nb.name, key, build, state, seconds)
                        t = StepTiming(aid, nb.name, seconds, False)
                        steps.append(t)
                        notify(t)
                        log(f"        done in {seconds:.1f}s")
                    if not (build / "provenance.json").exists():
                        raise RunError(
                            f"assessment '{aid}': the pipeline did not write provenance.json"
                        )
                    (build / BUILT_FROM).write_text(
                        json.dumps({"key": key}) + "\n", encoding="utf-8"
                    )
            finally:  # the steps that ran are kept, even when a later one failed
                cache.save(keep=[nb.name for nb in notebooks])
            # the figures the last step drew or reused are kept, the others dropped
            if steps and not steps[-1].cached:
                prune(cache.folder / "figures", older_than=last_started)
    except Busy as exc:
        raise RunError(str(exc)) from None
    except OSError as exc:  # a full disk, an unwritable reports/: one line, the path and why
        raise RunError(f"assessment '{aid}': {describe_os_error(exc, build)}; {kept}") from None
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seconds = time.perf_counter() - start
    log(f"assess: '{aid}' published to {final.relative_to(root)} in {seconds:.1f}s")
    return RunResult(aid, final, seconds, [n.name for n in notebooks], steps)


def _digest_pair(a: str, b: str) -> str:
    return a if not b else f"{a}+{b}"


def _execute(
    nb: Path, out: Path, settings_rel: str, build_rel: str, root: Path, aid: str,
    reports: Path, kept: str, kernel: KeptKernel,
) -> None:  # fmt: skip
    """Run one notebook with papermill on the assessment's kernel; a failure is one
    :class:`RunError` naming the notebook and the failing cell (the partly executed notebook
    kept in ``reports/_failed/<id>/``)."""
    try:
        engine = kernel.engine_kwargs()
    except KernelResetError as exc:
        raise RunError(f"assessment '{aid}', before notebook {nb.name}: {exc}; {kept}") from None
    try:
        pm.execute_notebook(
            str(nb),
            str(out),
            parameters={"config_path": settings_rel, "output_dir": build_rel},
            cwd=str(root / "notebooks"),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            report_mode=False,
            **engine,
        )
    except pm.PapermillExecutionError as exc:
        where = _keep_failed(out, reports / "_failed" / aid, root)
        raise RunError(
            f"assessment '{aid}': notebook {nb.relative_to(root)} failed at "
            f"{_failing_cell(exc, out)}\n"
            f"  {where}; the previous output in reports/{aid} was left in place."
        ) from None
    except DeadKernelError:
        where = _keep_failed(out, reports / "_failed" / aid, root)
        raise RunError(
            f"assessment '{aid}': the kernel running notebook "
            f"{nb.relative_to(root)} died (killed, or out of memory?)\n"
            f"  {where}; {kept}."
        ) from None


def main_run(paths: list[str]) -> int:
    for p in paths:
        run_assessment(p)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_run(sys.argv[1:]))
