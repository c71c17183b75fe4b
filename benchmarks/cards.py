"""Seconds per report card the pipeline's way: every card of an assessment drawn by
``card_pages.org_pages`` in one process (figures in its worker pool), as notebook 40 draws them;
used by ``bench_england.py`` against one papermill notebook per organisation
(``one_card.ipynb``).

    python benchmarks/cards.py --root PATH [--config config/england/acute.yml]

Reads the built run in ``PATH/reports/<id>/`` and writes the cards into a temporary folder.
Prints one JSON line: seconds per card, cards, and the organisation codes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.pop("ASSESS_FIGURE_CACHE", None)  # every figure drawn: no cache

from helpers.core.paths import RunPaths  # noqa: E402
from helpers.publish import card_pages, pages  # noqa: E402
from helpers.publish.context import load_site_context  # noqa: E402
from helpers.publish.templating import template_env  # noqa: E402
from helpers.settings import load_assessment  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--config", default="config/england/acute.yml")
    args = ap.parse_args()
    run = load_assessment(args.config, args.root)
    src = RunPaths(args.root / "reports" / run.settings.id)
    prov = json.loads(src.provenance.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        ctx = load_site_context(run, src, prov, RunPaths(Path(tmp)).ensure())
        env, common = template_env(), pages.page_context(ctx)
        t0 = time.perf_counter()
        views = card_pages.org_pages(ctx, env, common)
        seconds = time.perf_counter() - t0
    codes = [v["code"] for v in views]
    print(json.dumps({"seconds_per_card": seconds / len(codes), "cards": len(codes),
                      "codes": codes[:: max(1, len(codes) // 10)]}))  # fmt: skip


if __name__ == "__main__":
    main()
