"""How long a report card costs: its three figures (trend, spine, SPC) and its page.

Run: ``python benchmarks/bench_figures.py [--orgs 20] [--json PATH]`` (from the repository root;
``src`` is put on the path). Loads the built synthetic England acute assessment
(``reports/synthetic-england-acute/``: ``results/`` and ``_interim/``, read as notebook 40 reads
them; falls back to ``reports/synthetic-acute/`` when it has not been built) and writes the
report cards of ``--orgs`` organisations, spread over the list, into a temporary folder (never
into ``reports/``), single-process:

1. the pages (``card_pages.org_pages``) with the figures stubbed out: the cost of a card's page, and
   the figure jobs exactly as the pipeline makes them;
2. each kind of figure drawn for those jobs, one after another;
3. optionally (``--metric-pages``) every metric page with its figures.

Prints CPU seconds per card (this process's, so that another job on the machine does not
count; the least of ``--repeat`` runs, each from a fresh start) for each part and in total, and
the wall time; ``--json PATH`` writes them too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.pop("ASSESS_FIGURE_CACHE", None)  # every figure drawn: no cache

from helpers.core.paths import RunPaths  # noqa: E402
from helpers.pipeline.provenance import build_provenance  # noqa: E402
from helpers.publish import card_pages, figures, figures_metric, pages  # noqa: E402
from helpers.publish.context import SiteContext, load_ledger, load_site_context  # noqa: E402
from helpers.publish.templating import template_env  # noqa: E402
from helpers.settings import load_assessment  # noqa: E402

BUILDS = [
    ("reports/synthetic-england-acute", "config/england/acute.yml"),
    ("reports/synthetic-acute", "config/assessments/synthetic-acute.yml"),
]


def site_context(built: Path, config: str, out: Path) -> SiteContext:
    """The context of notebook 40 (:func:`load_site_context`) for a built assessment, writing
    into ``out``."""
    run = load_assessment(str(ROOT / config))
    src = RunPaths(built)
    provenance = build_provenance(run, load_ledger(src.results))
    return load_site_context(run, src, provenance, RunPaths(out).ensure())


def timed(f: Callable[..., Any], *args: Any) -> float:
    """CPU seconds of this process that ``f(*args)`` takes."""
    t0 = time.process_time()
    f(*args)
    return time.process_time() - t0


def draw_all(draw: Callable[[Any], figures.Figure], jobs: list) -> None:
    """Draw every job from a fresh start (no figure kept from an earlier run, where the code
    keeps one per process)."""
    getattr(figures, "_CANVASES", {}).clear()
    for j in jobs:
        draw(j)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orgs", type=int, default=20, help="report cards to build (default 20)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--metric-pages", action="store_true", help="time the metric pages too")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each part; the least counts")
    args = ap.parse_args()
    built, config = next(
        ((ROOT / b, c) for b, c in BUILDS if (ROOT / b / "results" / "indicators.csv").exists()),
        (None, None),
    )
    if built is None:
        sys.exit("no built assessment: run `make site-england` (or `make site`) first")
    if built.name != "synthetic-england-acute":
        print(f"reports/synthetic-england-acute/ is missing: using {built.name} instead")
    out: dict[str, Any] = {"assessment": built.name}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ctx = site_context(built, config, Path(tmp) / "site")
        every = ctx.published_orgs()
        step = max(1, len(every) // args.orgs)
        codes = every[::step][: args.orgs]
        settings = ctx.run.settings.model_copy(update={"org_codes": codes})
        ctx.run = ctx.run.model_copy(update={"settings": settings})
        n = len(codes)
        print(f"{built.name}: {len(every)} report cards; building {n} (loaded in "
              f"{time.perf_counter() - t0:.1f} s)")  # fmt: skip

        # 1. the pages, figures stubbed out (and their jobs kept)
        jobs: dict[str, tuple[Callable[[Any], figures.Figure], list]] = {}
        real = figures._draw_many

        def capture(draw: Callable[[Any], figures.Figure], js: list, workers: Any = None) -> list:
            jobs[draw.__name__] = (draw, list(js))
            return [figures.Figure(j.path, "", "") for j in js]

        figures._draw_many = capture
        try:
            env = template_env()
            common = pages.page_context(ctx)
            page_s = (
                min(timed(card_pages.org_pages, ctx, env, common) for _ in range(args.repeat)) / n
            )
        finally:
            figures._draw_many = real
        out["page_s_per_card"] = page_s

        # 2. each kind of figure, single-process
        total = 0.0
        wall = time.perf_counter()
        for kind in ("trend_chart", "spine_chart", "spc_chart"):
            draw, js = jobs.get(kind, (None, []))
            if not js:
                print(f"  {kind:12s} no jobs")
                continue
            s = min(timed(draw_all, draw, js) for _ in range(args.repeat)) / n
            total += s
            size = sum(j.path.stat().st_size for j in js) / len(js) / 1024
            out[f"{kind}_s_per_card"] = s
            out[f"{kind}_kib"] = round(size, 1)
            print(f"  {kind:12s} {s:6.3f} s per card ({len(js)} drawn, {size:.0f} KiB each)")
        out["card_figures_s_per_card"] = total
        out["card_total_s_per_card"] = total + page_s
        out["card_figures_wall_s_per_card"] = (time.perf_counter() - wall) / n / args.repeat
        print(f"  {'page':12s} {page_s:6.3f} s per card (figures excluded)")
        print(f"  figures      {total:6.3f} s per card "
              f"({out['card_figures_wall_s_per_card']:.3f} s wall)")  # fmt: skip
        print(f"  total        {total + page_s:6.3f} s per card")

        # 3. the metric pages with their figures
        if args.metric_pages:
            t0 = time.process_time()
            for spec in ctx.run.metrics:  # the figures drawn in this process, one by one
                jobs = pages.metric_figure_jobs(ctx, spec)
                drawn = {k: figures_metric.metric_figure(j) for k, j in jobs.items()}
                pages.metric_page(ctx, env, spec, common, drawn)
            s = (time.process_time() - t0) / len(ctx.run.metrics)
            out["metric_page_s_per_metric"] = s
            print(f"  metric page  {s:6.3f} s per metric, figures included "
                  f"({len(ctx.run.metrics)} metrics)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
