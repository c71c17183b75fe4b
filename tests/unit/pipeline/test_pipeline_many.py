"""Several assessments at once (helpers.pipeline.many): the timings table says which steps came
from the cache, and the console of a log (not a terminal) gets one line per finished step."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from helpers.pipeline import many
from helpers.pipeline.run import RunResult, StepStart, StepTiming


def result(
    aid: str,
    cached: list[bool],
    names: tuple[str, ...] = ("10_ingest.ipynb", "20_indicators.ipynb"),
) -> RunResult:
    names = list(names)
    steps = [
        StepTiming(aid, n, 0.0 if c else 12.5, c, 12.5 if c else None)
        for n, c in zip(names, cached, strict=True)
    ]
    return RunResult(aid, Path(aid), sum(s.seconds for s in steps), names, steps)


def test_the_timings_table_gives_each_steps_seconds_or_cache() -> None:
    table = many.timings_table(
        [result("acute", [False, False]), result("icb", [True, True])], render=(3.25, False)
    )
    lines = table.splitlines()
    assert lines[1].split() == ["assessment", "10_ingest", "20_indicators", "total"]
    assert lines[2].split() == ["acute", "12.5", "12.5", "25.0"]
    assert lines[3].split() == ["icb", "cache", "cache", "0.0"]
    assert lines[4].split() == ["render", "(site)", "3.2"]
    assert lines[-1].strip() == "2 of 4 steps from the cache"


def test_a_framework_assessment_gets_its_own_heading() -> None:
    """Its notebooks differ (notebooks/framework/): its steps are never shown under another
    pipeline's step names."""
    framework = result("mh", [False, False], ("10_ingest.ipynb", "20_framework.ipynb"))
    table = many.timings_table(
        [result("acute", [False, False]), framework, result("icb", [True, True])]
    )
    lines = table.splitlines()
    assert lines[1].split() == ["assessment", "10_ingest", "20_indicators", "total"]
    assert [ln.split()[0] for ln in lines[2:4]] == ["acute", "icb"]
    assert lines[4].split() == ["assessment", "10_ingest", "20_framework", "total"]
    assert lines[5].split() == ["mh", "12.5", "12.5", "25.0"]


def test_in_a_log_each_finished_step_is_one_line() -> None:
    out = io.StringIO()  # not a terminal: no bar drawn
    progress = many._Progress(total=2, stream=out)
    assert not progress.live
    progress.step(StepStart("acute", "10_ingest.ipynb"))
    progress.step(StepTiming("acute", "10_ingest.ipynb", 4.25, False))
    progress.step(StepTiming("acute", "20_indicators.ipynb", 0.0, True, 3.0))
    progress.close()
    assert out.getvalue().splitlines() == [
        "  acute: 10_ingest.ipynb done in 4.2s",
        "  acute: 20_indicators.ipynb from the cache",
    ]


@pytest.mark.parametrize(("env", "cores", "jobs"), [("", 2, 2), ("", 1, 1), ("3", 2, 3)])
def test_assessments_at_once(monkeypatch, env, cores, jobs) -> None:
    monkeypatch.setenv("ASSESS_JOBS", env)
    monkeypatch.setattr(many.os, "cpu_count", lambda: cores)
    assert many.default_jobs() == jobs
