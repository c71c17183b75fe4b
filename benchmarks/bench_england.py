"""England scale, end to end: a cold run, an unchanged rerun, a rerun after one input changed,
peak memory, and what a report card costs against one papermill notebook per organisation.

    python benchmarks/bench_england.py [--json PATH] [--sample 10]

Works in a fresh copy of the project (the files git tracks), so the developer's reports/,
_site/ and caches are untouched; the SYNTHETIC England data are copied in from
``data/synthetic/england`` when present (else generated, which is not timed). Measures, with
``assess site --preview config/england/*.yml`` (every England assessment, then the render by
the preview, so that the figures are the pipeline's whether or not Quarto is installed;
``bench_quarto.py --england`` times Quarto's render of the same site):

* ``end_to_end_s``: the first run, nothing cached (``--no-cache``); ``cards``: report cards;
  ``peak_rss_mb``: the largest resident memory of any process of that run (kernels included);
* ``unchanged_rerun_s``: the same command again (every step and the site from the cache);
* ``one_input_changed_rerun_s``: after adding one case to one organisation-month of a file
  only the acute assessment reads (``hcai_monthly.csv``); ``one_input_changed_steps_run``;
* ``card_speedup_vs_papermill``: the cost of a report card in the pipeline (every acute card
  drawn by ``card_pages.org_pages`` in one process, per card) against executing one papermill
  notebook per organisation that draws the same card (``benchmarks/one_card.ipynb``), on
  ``--sample`` organisations, side by side in this run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_support import ROOT, assess, england_copy, report

CONFIGS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "config" / "england").glob("*.yml"))
CHANGED = "data/synthetic/england/hcai_monthly.csv"


def _bump_one_count(path: Path) -> str:
    """Add one case to the first organisation-month with cases (a correction to one number)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head = next(i for i, line in enumerate(lines) if line.startswith("Month,"))
    cols = next(csv.reader([lines[head]]))
    at = cols.index("Cases")
    for i in range(head + 1, len(lines)):
        cells = next(csv.reader([lines[i]]))
        if len(cells) == len(cols) and cells[at].isdigit() and int(cells[at]) > 0:
            cells[at] = str(int(cells[at]) + 1)
            lines[i] = ",".join(cells) + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            return f"{path.name} line {i + 1}: {cells[1]} {cells[0]} {cells[2]} cases +1"
    raise SystemExit(f"{path}: no count to change")


def _steps_run(stdout: str) -> tuple[int, int]:
    m = re.search(r"(\d+) of (\d+) steps from the cache", stdout)
    if not m:
        return (0, 0)
    hits, total = int(m.group(1)), int(m.group(2))
    return total - hits, total


def card_costs(root: Path, sample: int) -> dict[str, float]:
    """Seconds per report card: in the pipeline's way (one process, every card of the acute
    assessment) and one papermill notebook per organisation, side by side."""
    env = {**os.environ, "ASSESS_ROOT": str(root)}
    script = ROOT / "benchmarks" / "cards.py"
    ours = subprocess.run(
        [sys.executable, str(script), "--root", str(root)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(ours.stdout.strip().splitlines()[-1])
    import papermill as pm

    codes = got["codes"][:sample]
    nb = ROOT / "benchmarks" / "one_card.ipynb"
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for code in codes:
            t0 = time.perf_counter()
            pm.execute_notebook(
                str(nb),
                str(Path(tmp) / f"{code}.ipynb"),
                parameters={"org_code": code, "root": str(root), "out": str(Path(tmp) / code)},
                kernel_name="python3",
                progress_bar=False,
                cwd=str(root),
            )
            times.append(time.perf_counter() - t0)
    per_nb = sum(times) / len(times)
    return {
        "card_s_pipeline": round(got["seconds_per_card"], 4),
        "card_s_papermill": round(per_nb, 3),
        "card_papermill_sample": len(times),
        "card_speedup_vs_papermill": round(per_nb / got["seconds_per_card"], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
    ap.add_argument("--sample", type=int, default=10, help="organisations run by papermill")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        root = england_copy(work)
        t_data, _ = assess(root, "validate", *CONFIGS)  # generates data only if missing
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cold, out_cold = assess(root, "site", "--preview", "--no-cache", *CONFIGS)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cards = sum(
            1
            for p in (root / "reports").glob("synthetic-england-*/orgs/*.qmd")
            if p.stem != "index"
        )
        warm, out_warm = assess(root, "site", "--preview", *CONFIGS)
        changed = _bump_one_count(root / CHANGED)
        one, out_one = assess(root, "site", "--preview", *CONFIGS)
        ran, total = _steps_run(out_one)
        figures = {
            "end_to_end_s": round(cold, 1),
            "cards": cards,
            "peak_rss_mb": round(max(peak, before) / 1024, 0),
            "unchanged_rerun_s": round(warm, 2),
            "unchanged_rerun_steps_run": _steps_run(out_warm)[0],
            "one_input_changed_rerun_s": round(one, 1),
            "one_input_changed": changed,
            "one_input_changed_steps_run": f"{ran} of {total}",
            "cores": os.cpu_count(),
        }
        figures.update(card_costs(root, args.sample))
        print(out_cold.split("assess: timings")[-1])
        report(figures, args.json)


if __name__ == "__main__":
    main()
