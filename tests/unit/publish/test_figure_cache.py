"""The report cards' figure cache (helpers.publish.figure_cache): a figure whose data, drawing
code and plotting libraries are unchanged is copied, not drawn; one whose data changed is
drawn again; the cache keeps only what the last run used."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from helpers.publish import figure_cache
from helpers.publish.figure_cache import cached_draw, job_key, prune
from helpers.publish.figures import Figure


@dataclass(frozen=True)
class Job:
    org_code: str
    path: Path
    rows: pd.DataFrame


drawn: list[str] = []


def draw(job: Job) -> Figure:
    drawn.append(job.org_code)
    job.path.parent.mkdir(parents=True, exist_ok=True)
    job.path.write_bytes(f"PNG of {job.org_code}: {job.rows.value.sum()}".encode())
    return Figure(job.path, f"alt of {job.org_code}", "caption")


def draw_all(jobs: list[Job]) -> list[Figure]:
    return [draw(j) for j in jobs]


def jobs(out: Path, values: dict[str, float]) -> list[Job]:
    return [
        Job(code, out / f"{code}_trend.png", pd.DataFrame({"value": [v, 1.0]}))
        for code, v in values.items()
    ]


@pytest.fixture(autouse=True)
def _clear() -> None:
    drawn.clear()


def test_unchanged_figures_are_copied_with_their_alt_text(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = cached_draw(draw, jobs(tmp_path / "a", {"X1": 1, "X2": 2}), draw_all, cache)
    assert drawn == ["X1", "X2"]
    drawn.clear()
    # a new build folder (the pipeline's is replaced on every run): still the same figures
    second = cached_draw(draw, jobs(tmp_path / "b", {"X1": 1, "X2": 2}), draw_all, cache)
    assert drawn == []
    for a, b in zip(first, second, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
        assert (a.alt, a.caption) == (b.alt, b.caption)
        assert b.path.parent == tmp_path / "b"


def test_only_the_figure_whose_data_changed_is_drawn_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached_draw(draw, jobs(tmp_path / "a", {"X1": 1, "X2": 2, "X3": 3}), draw_all, cache)
    drawn.clear()
    out = cached_draw(draw, jobs(tmp_path / "b", {"X1": 1, "X2": 5, "X3": 3}), draw_all, cache)
    assert drawn == ["X2"]
    assert out[1].path.read_bytes() == b"PNG of X2: 6.0"
    assert [f.alt for f in out] == ["alt of X1", "alt of X2", "alt of X3"]


def test_the_key_follows_the_data_and_the_drawing_function(tmp_path: Path) -> None:
    a = jobs(tmp_path / "a", {"X1": 1})[0]
    b = jobs(tmp_path / "b", {"X1": 1})[0]
    assert job_key(draw, a) == job_key(draw, b)  # the folder does not count
    assert job_key(draw, a) != job_key(draw_all, a)
    assert job_key(draw, a) != job_key(draw, jobs(tmp_path, {"X1": 1.0000001})[0])
    assert job_key(draw, a) != job_key(draw, jobs(tmp_path, {"X9": 1})[0])  # file name


def test_without_a_cache_folder_every_figure_is_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(figure_cache.ENV, raising=False)
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all)
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all)
    assert drawn == ["X1", "X1"]


def test_a_damaged_entry_is_drawn_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all, cache)
    next(cache.glob("*.json")).write_text("{not json")
    drawn.clear()
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all, cache)
    assert drawn == ["X1"]


def test_prune_keeps_what_the_last_run_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached_draw(draw, jobs(tmp_path, {"X1": 1, "X2": 2}), draw_all, cache)
    old = time.time() - 3600
    for p in cache.iterdir():
        os.utime(p, (old, old))
    started = time.time() - 1
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all, cache)  # a hit: touched
    assert prune(cache, started) == 2  # X2's image and its text
    assert len(list(cache.iterdir())) == 2


def test_the_report_cards_charts_go_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.publish import figures_card

    monkeypatch.setenv(figure_cache.ENV, str(tmp_path / "cache"))
    real = figures_card.spine_chart
    calls: list[str] = []

    def counting(job: figures_card.SpineJob) -> Figure:
        calls.append(job.org_code)
        return real(job)

    monkeypatch.setattr(figures_card, "spine_chart", counting)

    def job(out: Path, value: float) -> figures_card.SpineJob:
        row = figures_card.SpineRow(
            "A&E 4-hour", value, 0.7, 0.5, 0.6, 0.8, 0.9, "higher", "similar", f"{value:.0%}"
        )
        return figures_card.SpineJob("RXX", "Trust X", out / "RXX_spine.png", (row,), "trusts")

    first = figures_card.spine_charts([job(tmp_path / "a", 0.75)], workers=1)
    second = figures_card.spine_charts([job(tmp_path / "b", 0.75)], workers=1)
    assert calls == ["RXX"]  # the second came from the cache
    assert first[0].path.read_bytes() == second[0].path.read_bytes()
    assert first[0].alt == second[0].alt
    figures_card.spine_charts([job(tmp_path / "c", 0.65)], workers=1)
    assert calls == ["RXX", "RXX"]  # new data: drawn


def test_without_reading_every_figure_is_drawn_and_kept_for_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(figure_cache.ENV_READ, "0")  # assess run --no-cache
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all, cache)
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all, cache)
    assert drawn == ["X1", "X1"]
    monkeypatch.setenv(figure_cache.ENV_READ, "1")
    cached_draw(draw, jobs(tmp_path, {"X1": 1}), draw_all, cache)
    assert drawn == ["X1", "X1"]  # kept by the runs that did not read
