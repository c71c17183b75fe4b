"""The generator's import rules: it loads nothing of ``helpers`` beyond its own modules, the
statistics and core, and the assessment engine with what the engine needs (``assess`` scores
the planted truth with the pipeline's own rules: ``compare``, ``indicators``, ``settings``,
``methods``); never ingestion, publication or the pipeline, so the truth cannot be computed from
what the pipeline read. Every module of the package imports at module level (no deferred
imports)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import helpers.synthetic

PACKAGE = Path(helpers.synthetic.__file__).parent
ALLOWED = (
    "helpers.core",
    "helpers.stats",
    "helpers.methods",
    "helpers.settings",
    "helpers.indicators",
    "helpers.compare",
    "helpers.assess",
    "helpers.synthetic",
)
#: the entry points of the generator: importing them loads every module it uses
ENTRY_POINTS = ("helpers.synthetic.cli", "helpers.synthetic.generate")


def test_generator_loads_no_ingestion_publication_or_pipeline() -> None:
    code = (
        f"import sys\nimport {', '.join(ENTRY_POINTS)}\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('helpers.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "helpers.synthetic.writers.ae" in loaded and "helpers.synthetic.records" in loaded
    assert [m for m in loaded if not m.startswith(ALLOWED)] == []


def _imports(tree: ast.AST) -> list[int]:
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_imports_are_at_module_level(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}
    nested = [line for line in _imports(tree) if line not in top]
    assert not nested, f"{path.name}: imports inside functions or classes at lines {nested}"
