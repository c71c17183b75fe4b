"""What the end-to-end benchmarks share: a fresh copy of the project and the ``assess`` command
timed in it (``bench_england.py``, ``bench_quarto.py``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def assess(root: Path, *args: str) -> tuple[float, str]:
    """``assess <args>`` in the copy at ``root``: (seconds, its output); stops the benchmark
    with the command's output when it fails."""
    env = {**os.environ, "ASSESS_ROOT": str(root)}
    command = str(Path(sys.executable).parent / "assess")
    t0 = time.perf_counter()
    out = subprocess.run(
        [command, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"assess {' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return seconds, out.stdout


def fresh_copy(dest: Path) -> Path:
    """The files ``git ls-files`` lists, copied to ``dest`` (as a clone has them), with this
    checkout's ``node_modules`` linked in when there is one."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import copy_project  # tests/ is not a package: found on the path above

    root = copy_project(dest)
    if (ROOT / "node_modules").is_dir():
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    return root


def england_copy(dest: Path) -> Path:
    """:func:`fresh_copy` with the SYNTHETIC England data of this checkout copied in when it
    has them (else ``assess validate`` generates them, untimed)."""
    root = fresh_copy(dest)
    data = ROOT / "data" / "synthetic" / "england"
    if data.is_dir():
        shutil.copytree(data, root / "data" / "synthetic" / "england", dirs_exist_ok=True)
    return root


def report(figures: dict, json_path: Path | None, width: int = 32) -> None:
    """Print one figure a line, and write them to ``json_path`` when given."""
    for k, v in figures.items():
        print(f"{k:<{width}} {v}")
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
