"""``assess demo-data``: write a synthetic England from the command line and print a one-screen
summary. Also ``python -m helpers.synthetic.cli``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from helpers.core.paths import project_root
from helpers.synthetic.generate import DEFAULT_SEED, generate
from helpers.synthetic.world import SCALES, Scale


def cli_demo_data(
    scale: Scale = "small",
    seed: int = DEFAULT_SEED,
    out: Path | str | None = None,
    faults: bool = False,
) -> dict[str, Any]:
    """Generate and print a one-screen summary (for ``assess demo-data``). The default folder
    is ``data/synthetic/<scale>`` under the project root."""
    if out is None:
        out = project_root() / "data" / "synthetic" / scale
    out = Path(out)
    summary = generate(scale, seed, out, faults=faults)
    print(f"SYNTHETIC England ({scale}, seed {seed}) written to {out}")
    for rel, n in summary["files"].items():
        print(f"  {rel}: {n:,} rows" if n is not None else f"  {rel}")
    print(f"  records: {summary['records']}")
    print(f"{summary['rows']:,} rows in {summary['seconds']:.1f} s")
    return summary


def demo_data_main(argv: list[str] | None = None) -> int:
    """``assess demo-data [--scale small|england] [--seed N] [--out DIR] [--faults]``."""
    ap = argparse.ArgumentParser(
        prog="assess demo-data",
        description="Write a deterministic, clearly labelled SYNTHETIC England (not NHS data).",
    )
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default <project>/data/synthetic/<scale>)",
    )
    ap.add_argument(
        "--faults",
        action="store_true",
        help="also write faults/ (invalid rows at known lines, for testing)",
    )
    args = ap.parse_args(argv)
    cli_demo_data(args.scale, args.seed, args.out, args.faults)
    return 0


if __name__ == "__main__":
    raise SystemExit(demo_data_main())
