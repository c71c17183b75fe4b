"""A content-addressed cache of the report cards' figures.

A figure's key is the SHA-256 of the function that draws it, the source of the figures modules
(:data:`FIGURE_MODULES`: :mod:`helpers.publish.figures`, ``figures_card``, ``figures_metric`` and
``figures_phone``, the look of every chart) with the versions of matplotlib, seaborn and Pillow, and
the job's data (the pickled job, its output folder left out). A figure whose key is in the cache is
copied from it (with its alt text and caption) instead of being drawn, so a rerun after a change
redraws only the figures whose data changed.

The cache folder is ``$ASSESS_FIGURE_CACHE`` (``reports/_cache/<id>/figures``, set by
:func:`helpers.pipeline.run.run_assessment`); without it, every figure is drawn. Each use of an
entry touches it, and the run removes the entries its report-card step did not use
(:func:`prune`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ENV = "ASSESS_FIGURE_CACHE"
#: the modules (beside this one) that make the look of every chart: their source is in every key
FIGURE_MODULES = ("figures.py", "figures_card.py", "figures_metric.py", "figures_phone.py")
#: "0": every figure is drawn (and kept for the next run), as ``assess run --no-cache`` asks
ENV_READ = "ASSESS_FIGURE_CACHE_READ"


def cache_folder() -> Path | None:
    folder = os.environ.get(ENV, "").strip()
    return Path(folder) if folder else None


@dataclasses.dataclass(frozen=True)
class CachedFigure:
    path: Path
    alt: str
    caption: str


@functools.cache
def _looks() -> str:
    """What every figure's look depends on: the figures modules and the plotting libraries."""
    here = Path(__file__)
    source = b"".join(here.with_name(n).read_bytes() for n in FIGURE_MODULES)
    versions = [metadata.version(p) for p in ("matplotlib", "seaborn", "pillow", "numpy")]
    return hashlib.sha256(source + json.dumps(versions).encode()).hexdigest()


def job_key(draw: Callable[[Any], Any], job: Any) -> str:
    """The key of drawing ``job`` with ``draw``: the same data, code and libraries give the
    same key; the output folder does not count (the file name does)."""
    named = dataclasses.replace(job, path=Path(job.path.name))
    h = hashlib.sha256()
    h.update(f"{draw.__module__}.{draw.__qualname__}\0{_looks()}\0".encode())
    h.update(pickle.dumps(named, protocol=5))
    return h.hexdigest()


def cached_draw(
    draw: Callable[[Any], Any],
    jobs: Sequence[Any],
    draw_all: Callable[[list[Any]], list[Any]],
    folder: Path | None = None,
    figure: Callable[[Path, str, str], Any] = CachedFigure,
) -> list[Any]:
    """``draw_all(jobs)``, with the jobs found in the cache copied instead of drawn. Each job
    has a ``path``; each result is a figure with ``path``, ``alt`` and ``caption`` (a copied
    one is made by ``figure``)."""
    folder = folder or cache_folder()
    if folder is None:
        return draw_all(list(jobs))
    folder.mkdir(parents=True, exist_ok=True)
    read = os.environ.get(ENV_READ, "1") != "0"
    keys = [job_key(draw, j) for j in jobs]
    out: list[Any] = [None] * len(jobs)
    missing = []
    for i, (job, key) in enumerate(zip(jobs, keys, strict=True)):
        png, meta = folder / f"{key}.png", folder / f"{key}.json"
        if read and png.exists() and meta.exists():
            try:
                info = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                missing.append(i)
                continue
            job.path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(png, job.path)
            os.utime(png)
            os.utime(meta)
            out[i] = figure(job.path, info["alt"], info["caption"])
        else:
            missing.append(i)
    drawn = draw_all([jobs[i] for i in missing]) if missing else []
    for i, fig in zip(missing, drawn, strict=True):
        out[i] = fig
        key = keys[i]
        tmp = folder / f"{key}.{os.getpid()}.tmp"
        shutil.copyfile(fig.path, tmp)
        tmp.replace(folder / f"{key}.png")
        (folder / f"{key}.json").write_text(
            json.dumps({"alt": fig.alt, "caption": fig.caption}), encoding="utf-8"
        )
    return out


def prune(folder: Path, older_than: float) -> int:
    """Remove the entries not used since ``older_than`` (a time stamp); return how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for p in folder.iterdir():
        if p.stat().st_mtime < older_than:
            p.unlink(missing_ok=True)
            removed += 1
    return removed
