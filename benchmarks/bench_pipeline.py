"""Benchmark: wall time of assessments and of the site render.

    python benchmarks/bench_pipeline.py [--config config/assessments/uec.yml ...]
    python benchmarks/bench_pipeline.py --config config/england/*.yml   # synthetic England

Runs in a fresh copy of the project, so the developer's reports/ and _site/ are untouched:
generates synthetic data where the settings ask for it (``assess validate``), runs the pipeline
(papermill, five notebooks per assessment) and the preview render, and prints seconds per
stage, per assessment and per notebook, pages and report cards per second.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", nargs="+", default=["config/assessments/uec.yml"])
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import copy_project

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp))
        env = {**os.environ, "ASSESS_ROOT": str(root)}
        assess = str(Path(sys.executable).parent / "assess")
        t0 = time.perf_counter()
        subprocess.run(
            [assess, "validate", *args.config],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        t_data = time.perf_counter() - t0
        t0 = time.perf_counter()
        run = subprocess.run(
            [assess, "run", *args.config],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        t_run = time.perf_counter() - t0
        t1 = time.perf_counter()
        subprocess.run(
            [assess, "render", "--preview"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        t_render = time.perf_counter() - t1
        pages = list((root / "_site").rglob("*.html"))
        cards = [p for p in (root / "_site").rglob("orgs/*.html") if p.stem != "index"]
        print(f"cores: {os.cpu_count()}  config: {' '.join(args.config)}")
        print(f"synthetic data (generate)    {t_data:7.1f} s")
        for block in run.stdout.split("assess: running ")[1:]:
            aid = block.split("'")[1]
            for name, secs in re.findall(r"\] (\S+\.ipynb) \.\.\.\n\s+done in ([\d.]+)s", block):
                print(f"  {aid:32s} {name:22s} {float(secs):7.1f} s")
            done = re.search(r"published to \S+ in ([\d.]+)s", block)
            n_cards = len(list((root / "reports" / aid / "orgs").glob("*.qmd"))) - 1
            if done:
                print(
                    f"  {aid:32s} {'whole assessment':22s} {float(done.group(1)):7.1f} s "
                    f"({n_cards} report cards)"
                )
        print(f"pipeline (assess run)        {t_run:7.1f} s")
        print(
            f"render (preview)             {t_render:7.1f} s  ({len(pages)} pages, "
            f"{len(pages) / t_render:.0f} pages/s)"
        )
        total = t_run + t_render
        print(
            f"total                        {total:7.1f} s  ({len(cards)} report cards, "
            f"{len(cards) / (t_run + t_render):.1f} report cards/s end to end)"
        )


if __name__ == "__main__":
    main()
