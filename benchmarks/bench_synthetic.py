"""Wall time of the synthetic England generator (and of reading its files back).

    python benchmarks/bench_synthetic.py [--scale small|england|both] [--seed N] [--no-records]

Writes into a temporary folder (never into data/ or reports/), prints seconds and rows per file
kind, then times the readers over the same folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.synthetic.generate import DEFAULT_SEED, generate  # noqa: E402
from helpers.synthetic.readback import read_synthetic_folder  # noqa: E402


def bench(scale: str, seed: int, records: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / scale
        summary = generate(scale, seed, out, records=records)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(
            f"{scale}: generate {summary['seconds']:.1f} s, {summary['rows']:,} rows in "
            f"{len(summary['files'])} files ({size / 1e6:.1f} MB); records: "
            f"{summary['records']}"
        )
        for rel, n in summary["files"].items():
            shown = f"{n:>12,}" if n is not None else f"{'-':>12}"
            print(f"    {rel:<40} {shown}")
        t0 = time.perf_counter()
        measures, ledger, rejected = read_synthetic_folder(out)
        t = time.perf_counter() - t0
        print(
            f"{scale}: read back {int(ledger.rows_read.sum()):,} rows from {len(ledger)} "
            f"files into {len(measures):,} measure values in {t:.1f} s "
            f"({len(rejected)} rejected)"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=["small", "england", "both"], default="both")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--no-records",
        action="store_true",
        help="skip the record-level admissions (helpers.synthetic.records)",
    )
    args = ap.parse_args()
    for scale in ["small", "england"] if args.scale == "both" else [args.scale]:
        bench(scale, args.seed, not args.no_records)


if __name__ == "__main__":
    main()
