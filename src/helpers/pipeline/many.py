"""Run several assessments: side by side in worker processes, with a progress bar, and a table
of per-step timings (and which steps came from the cache) at the end.

The console shows the progress and the result; the kernels' own messages go to
``reports/_logs/<id>.log`` (:func:`helpers.pipeline.run.kernel_messages_to`). The progress bar
(tqdm) is drawn only on a terminal; in a log (CI, ``make site > log``) each finished step is
one line instead.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from helpers.pipeline.cache import StepCache
from helpers.pipeline.run import (
    RunResult,
    StepStart,
    StepTiming,
    pipeline_notebooks,
    run_assessment,
)
from helpers.settings import load_assessment, read_settings


def _kind(config: str, root: Path) -> str:
    """The kind of assessment a settings file describes (its notebooks differ)."""
    data, _files = read_settings(root / config if not Path(config).is_absolute() else Path(config))
    return "framework" if data.get("framework") else "indicators"


def default_jobs() -> int:
    """Assessments run at once: ``$ASSESS_JOBS``, else 2 when the machine has 2 cores or more
    (each assessment is mostly one busy process; more would only share the same cores)."""
    env = os.environ.get("ASSESS_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def _expected_seconds(root: Path, config: str) -> float:
    """What the assessment cost last time (from its cache manifest), to start the longest
    first; 0 when unknown."""
    try:
        aid = load_assessment(config, root).settings.id
    except Exception:  # noqa: BLE001 - the run itself reports a bad settings file
        return 0.0
    cache = StepCache(root, aid).load()
    return sum(rec.seconds for rec in cache.steps.values())


def _child(
    config: str, root: str, use_cache: bool, events: Any, figure_workers: str | None
) -> RunResult:
    """One assessment in a worker process; its log lines and step events go to ``events``."""
    if figure_workers:
        os.environ["ASSESS_FIGURE_WORKERS"] = figure_workers
    return run_assessment(
        config,
        Path(root),
        log=lambda line: events.put(("log", line)),
        use_cache=use_cache,
        on_step=lambda event: events.put(("step", event)),
    )


class _Progress:
    """A tqdm bar over every step of every assessment (counts, elapsed, time remaining)."""

    def __init__(self, total: int, stream: Any) -> None:
        self.stream = stream
        self.bar = tqdm(
            total=total,
            unit="step",
            desc="assess",
            file=stream,
            disable=None,  # a terminal only
            dynamic_ncols=True,
            bar_format="{desc}: {n_fmt}/{total_fmt} steps |{bar}| {elapsed}<{remaining} {postfix}",
        )
        self.running: dict[str, str] = {}

    @property
    def live(self) -> bool:
        return not self.bar.disable

    def write(self, line: str) -> None:
        if self.live:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def step(self, event: StepStart | StepTiming) -> None:
        if isinstance(event, StepStart):
            self.running[event.assessment_id] = event.notebook.removesuffix(".ipynb")
        else:
            self.running.pop(event.assessment_id, None)
            self.bar.update(1)
            how = "from the cache" if event.cached else f"done in {event.seconds:.1f}s"
            if not self.live:
                self.write(f"  {event.assessment_id}: {event.notebook} {how}")
        self.bar.set_postfix_str(
            ", ".join(f"{a}: {nb}" for a, nb in sorted(self.running.items())), refresh=True
        )

    def close(self) -> None:
        self.bar.close()


def run_many(
    root: Path,
    configs: list[str],
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    stream: Any = None,
) -> list[RunResult]:
    """Run every assessment in ``configs`` (``jobs`` at a time), in the order given for the
    results, the longest (by last time's timings) started first. Stops at the first failure
    (the error of that assessment is raised; those already published stay published)."""
    stream = stream or sys.stdout
    jobs = max(1, min(jobs or default_jobs(), len(configs)))
    total = sum(len(pipeline_notebooks(root, _kind(c, root))) for c in configs)
    progress = _Progress(total, stream)
    try:
        if jobs == 1:
            results = []
            for c in configs:
                results.append(
                    run_assessment(
                        c,
                        root,
                        log=_log_to(progress),
                        use_cache=use_cache,
                        on_step=progress.step,
                    )
                )
            return results
        return _parallel(root, configs, jobs, use_cache, progress)
    finally:
        progress.close()


def _log_to(progress: _Progress) -> Callable[[str], None]:
    def log(line: str) -> None:
        # the step lines are the progress bar's (or one line per step in a log)
        if not line.startswith("  "):
            progress.write(line)

    return log


def _parallel(
    root: Path, configs: list[str], jobs: int, use_cache: bool, progress: _Progress
) -> list[RunResult]:
    order = sorted(configs, key=lambda c: -_expected_seconds(root, c))
    # forked workers start at once with what this process has imported (a spawned one imports
    # it all again: seconds on every `assess run`, an unchanged rerun included); each runs its
    # notebooks in kernels of their own
    ctx = multiprocessing.get_context("fork")
    manager = ctx.Manager()
    events = manager.Queue()
    log = _log_to(progress)

    def drain() -> None:
        while True:
            kind, payload = events.get()
            if kind == "stop":
                return
            if kind == "log":
                log(payload)
            else:
                progress.step(payload)

    reader = threading.Thread(target=drain, daemon=True)
    # each assessment's figure pool may use every core: while one assessment draws its cards
    # the other is often in a lighter step or done, and the system shares the cores
    figure_workers = os.environ.get("ASSESS_FIGURE_WORKERS") or None
    futures: dict[str, Future[RunResult]] = {}
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for c in order:
                futures[c] = pool.submit(_child, c, str(root), use_cache, events, figure_workers)
            # the workers are forked by now (by the submits), before this process has a second
            # thread; their events wait in the queue meanwhile
            reader.start()
            for c in order:
                exc = futures[c].exception()
                if exc is not None:
                    for f in futures.values():
                        f.cancel()
                    raise exc
        return [futures[c].result() for c in configs]
    finally:
        events.put(("stop", None))
        if reader.is_alive():
            reader.join(timeout=5)
        manager.shutdown()


def timings_table(results: list[RunResult], render: tuple[float, bool] | None = None) -> str:
    """Per-step seconds of each assessment (``cache`` for a step taken from the cache), the
    render, and the totals."""
    if not results:
        return ""
    width = max(len("render (site)"), *(len(r.assessment_id) for r in results))
    lines = ["assess: timings in seconds (cache: taken from the cache)"]
    # one heading per set of notebooks (an assessment built from counts and a framework
    # assessment run different pipelines), in the order the sets first appear
    sets: dict[tuple[str, ...], list[RunResult]] = {}
    for r in results:
        sets.setdefault(tuple(n.removesuffix(".ipynb") for n in r.notebooks), []).append(r)
    for names, group in sets.items():
        lines.append(
            f"  {'assessment':<{width}} " + " ".join(f"{n:>16}" for n in names) + f" {'total':>8}"
        )
        for r in group:
            cells = [f"{'cache' if s.cached else f'{s.seconds:.1f}':>16}" for s in r.steps]
            cells += [""] * (len(names) - len(r.steps))
            lines.append(f"  {r.assessment_id:<{width}} " + " ".join(cells) + f" {r.seconds:>8.1f}")
    if render is not None:
        seconds, cached = render
        cell = "cache" if cached else f"{seconds:.1f}"
        lines.append(f"  {'render (site)':<{width}} {cell:>16}")
    hits = sum(s.cached for r in results for s in r.steps)
    steps = sum(len(r.steps) for r in results)
    lines.append(f"  {hits} of {steps} steps from the cache")
    return "\n".join(lines)
