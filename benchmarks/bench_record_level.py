"""Throughput of the record-level admissions pipeline: generation, validation, measures.

Run: ``python benchmarks/bench_record_level.py --scale england`` (from the repository root;
``src`` is put on the path). Generates a synthetic HES-like extract (``england``: 125 acute
trusts, 42 ICBs, 5 financial years, over 5 million spells; ``small``: 20 trusts, 8 ICBs, 3
years) into a temporary folder, or reuses ``--data PATH`` (an admissions.parquet; the example
geography is then only used for the provider list and population). Times ``write_admissions``,
``read_extract`` and each measure function and prints rows per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.indicators.dsr import annual_dsr  # noqa: E402
from helpers.ingest.readers import record_level as rl  # noqa: E402
from helpers.synthetic.records import example_geography, write_admissions  # noqa: E402

SHAPES = {
    "england": (42, 125, ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]),
    "small": (8, 20, ["2022/23", "2023/24", "2024/25"]),
}


def timed(label: str, rows: int, fn: Callable[[], object]) -> object:
    t0 = time.perf_counter()
    out = fn()
    s = time.perf_counter() - t0
    print(f"{label:<40} {rows:>12,d} rows  {s:8.2f} s  {rows / s:>14,.0f} rows/s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SHAPES), default="england")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="an existing admissions.parquet to reuse")
    args = parser.parse_args()
    n_icb, n_acute, years = SHAPES[args.scale]
    orgs, population = example_geography(n_icb=n_icb, n_acute=n_acute, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.data
        if path is None:
            t0 = time.perf_counter()
            write_admissions(orgs, population, years, args.seed, args.scale, Path(tmp))
            gen_s = time.perf_counter() - t0
            path = Path(tmp) / "record_level" / "admissions.parquet"
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(path).metadata.num_rows
        size = path.stat().st_size / 1e6
        print(f"extract: {rows:,d} spells, {size:,.1f} MB ({args.scale}, seed {args.seed})")
        if args.data is None:
            print(
                f"{'write_admissions (generate + write)':<40} {rows:>12,d} rows  {gen_s:8.2f} s"
                f"  {rows / gen_s:>14,.0f} rows/s"
            )
        accepted, ledger, _ = timed(
            "read_extract (validate + ledger)",
            rows,
            lambda: rl.read_extract(path, "admissions", set(orgs.org_code)),
        )
        print(
            f"  ledger: read {ledger['rows_read']:,d}, accepted {ledger['rows_accepted']:,d}, "
            f"rejected {ledger['rows_rejected']:,d}"
        )
        readm = timed("readmission_measures", rows, lambda: rl.readmission_measures(accepted))
        mort, model = timed(
            "mortality_measures (GLM per year)", rows, lambda: rl.mortality_measures(accepted)
        )
        acs = timed(
            "avoidable_admission_measures",
            rows,
            lambda: rl.avoidable_admission_measures(accepted, population),
        )
        dsr = timed("annual_dsr", len(acs), lambda: annual_dsr(acs))
        print(
            f"  measure rows: readmission {len(readm):,d}, mortality {len(mort):,d}, "
            f"ACS {len(acs):,d}, DSR {len(dsr):,d}"
        )
        print(
            "  c-statistic per year:",
            ", ".join(f"{r.year} {r.c_statistic:.3f}" for r in model.fit.itertuples()),
        )


if __name__ == "__main__":
    main()
