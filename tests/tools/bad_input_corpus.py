"""The bad input corpus, case by case: what is written and what it gets (the documented
treatment with the ledger's counts, or the error message naming file, line or key).

Run: ``python tests/tools/bad_input_corpus.py`` (from the repository root; ``--markdown`` for a
table). Each case runs in a scratch folder; the cases are in
``tests/unit/ingest/bad_input_cases.py`` and checked by ``test_bad_input_corpus.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "ingest"))

from bad_input_cases import CASES, describe, outcome  # noqa: E402


def main(argv: list[str]) -> int:
    markdown = "--markdown" in argv
    if markdown:
        print("| # | case | what is written | what it gets |\n|---|---|---|---|")
    for i, case in enumerate(CASES, 1):
        with tempfile.TemporaryDirectory() as tmp:
            text = describe(case, *outcome(case, Path(tmp), ROOT)).replace(tmp + "/", "")
        if markdown:
            cell = text.replace("|", "\\|").replace("\n", "<br>")
            print(f"| {i} | `{case.id}` | {case.what} | {cell} |")
        else:
            indented = text.replace("\n", "\n       ")
            print(f"{i:2}. {case.id}: {case.what}\n    -> {indented}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
