"""Parity of ``helpers.stats`` with the reference implementations' own numbers.

Run ``python tests/parity/run.py`` from the repository root (``make parity``), optionally with
``--reference DIR`` and ``--only FAMILY ...``. For each function it reads the reference CSVs
under ``tests/reference/``, computes the same quantities, and prints one line per comparison:
function, reference file, rows compared, largest absolute error, largest relative error,
tolerance and PASS/FAIL. The exit status is 1 if any comparison fails.

The comparisons are the rows of the parity table ``checks.py``; ``adapters.py`` prepares the
inputs some rows need and ``engine.py`` runs them (tolerance modes described there). The test
suite imports this folder as ``parity`` (``tests/`` is on ``sys.path`` because pytest puts the
folder of ``tests/conftest.py`` there): ``from parity.run import run_all``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import this folder as the package ``parity``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parity.adapters import DERIVED, READ_OPTIONS  # noqa: E402
from parity.checks import FAMILIES  # noqa: E402
from parity.engine import CheckResult, Tables, format_table, run_checks  # noqa: E402


def default_reference_dir() -> Path:
    """``tests/reference`` of the repository this file sits in."""
    return Path(__file__).resolve().parents[1] / "reference"


def run_all(ref: Path | None = None, only: Iterable[str] | None = None) -> list[CheckResult]:
    """Run every comparison (or those of the families named in ``only``)."""
    tables = Tables(ref or default_reference_dir(), DERIVED, READ_OPTIONS)
    selected = None if only is None else set(only)
    results: list[CheckResult] = []
    for name, rows in FAMILIES.items():
        if selected is None or name in selected:
            results.extend(run_checks(rows, tables))
    return results


def main(argv: list[str] | None = None) -> int:
    """Print the parity table; return 1 if any comparison fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=None, help="reference folder")
    parser.add_argument("--only", nargs="*", choices=sorted(FAMILIES), help="families to check")
    args = parser.parse_args(argv)
    results = run_all(args.reference, args.only)
    print(format_table(results))
    failed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)}/{len(results)} comparisons pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
