"""Quarto and the preview renderer on the default site, timed in the same run.

    python benchmarks/bench_quarto.py [--json PATH] [--configs config/assessments/a.yml ...]
                                      [--england]

Works in a fresh copy of the project (as ``bench_england.py``): runs every assessment of
``config/assessments/`` (not timed), then times ``assess render`` with:

* ``quarto_cold_s``: Quarto, nothing cached (``--no-cache``, no previous site);
  ``quarto_pages``: the pages it rendered;
* ``quarto_unchanged_rerun_s``: the same command again (no page rendered);
* ``quarto_one_assessment_changed_s``: after one assessment's page changed (a line added to
  the first assessment's methodology page): only that assessment's pages render again;
* ``preview_cold_s``: the preview renderer, nothing cached;
* with ``--england``, in a second fresh copy: every ``config/england/`` assessment run (not
  timed; the SYNTHETIC England data copied from ``data/synthetic/england`` or generated), then
  ``quarto_england_cold_s``: Quarto's render of that site, nothing cached, and
  ``quarto_england_pages``.

``QUARTO_JOBS`` sets the Quarto processes at once (default: the cores, at most 4).

Without ``quarto`` on PATH the ``quarto_*`` figures are "skipped: ..." with the reason.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path

from bench_support import ROOT, assess, england_copy, fresh_copy, report


def _pages(stdout: str) -> int | None:
    m = re.search(r"rendered (\d+) pages", stdout)
    return int(m.group(1)) if m else None


def _england(quarto: str | None) -> dict:
    """A cold Quarto render of the England site (``config/england/``), in a fresh copy."""
    if not quarto:
        return {"quarto_england_cold_s": "skipped: quarto is not on PATH (install Quarto >= 1.9)"}
    configs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "config" / "england").glob("*.yml"))
    with tempfile.TemporaryDirectory() as tmp:
        root = england_copy(Path(tmp))
        assess(root, "validate", *configs)  # generates the SYNTHETIC England if missing
        assess(root, "run", *configs)  # not timed
        cold, out = assess(root, "render", "--no-cache")
        return {"quarto_england_cold_s": round(cold, 1), "quarto_england_pages": _pages(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
    ap.add_argument("--configs", nargs="*", help="assessments (default: config/assessments/)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--england", action="store_true", help="also time the England site")
    args = ap.parse_args()
    quarto = shutil.which("quarto")
    with tempfile.TemporaryDirectory() as tmp:
        root = fresh_copy(args.keep or Path(tmp))
        configs = args.configs or sorted(
            str(p.relative_to(ROOT)) for p in (ROOT / "config" / "assessments").glob("*.yml")
        )
        assess(root, "run", *configs)  # not timed
        ids = sorted(p.parent.name for p in (root / "reports").glob("*/provenance.json"))
        figures: dict = {"quarto_jobs": os.environ.get("QUARTO_JOBS") or os.cpu_count()}
        preview, out = assess(root, "render", "--preview", "--no-cache")
        figures["preview_cold_s"] = round(preview, 1)
        figures["preview_pages"] = _pages(out)
        shutil.rmtree(root / "_site")
        if not quarto:
            reason = "skipped: quarto is not on PATH (install Quarto >= 1.9)"
            for name in ("quarto_cold_s", "quarto_unchanged_rerun_s"):
                figures[name] = reason
            figures["quarto_one_assessment_changed_s"] = reason
        else:
            cold, out = assess(root, "render", "--no-cache")
            figures["quarto_cold_s"] = round(cold, 1)
            figures["quarto_pages"] = _pages(out)
            warm, out = assess(root, "render")
            figures["quarto_unchanged_rerun_s"] = round(warm, 2)
            figures["quarto_unchanged_rerun_rendered"] = "none" if "unchanged" in out else out
            page = root / "reports" / ids[0] / "methodology.qmd"
            with page.open("a", encoding="utf-8") as f:
                f.write("\n<!-- changed by bench_quarto.py -->\n")
            one, out = assess(root, "render")
            figures["quarto_one_assessment_changed_s"] = round(one, 1)
            figures["quarto_one_assessment_changed"] = f"{ids[0]}: methodology.qmd"
        if args.england:
            figures.update(_england(quarto))
        report(figures, args.json, width=36)


if __name__ == "__main__":
    main()
