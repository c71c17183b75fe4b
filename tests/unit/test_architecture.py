"""The package's layout by stage: imports flow one way, with no import hidden in a function.

The layers contract itself is in ``.importlinter`` (``lint-imports`` runs in ``make test``);
these tests keep the rules that contract cannot see.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "helpers"
STAGES = [
    "core",
    "stats",
    "methods",
    "settings",
    "ingest",
    "indicators",
    "compare",
    "assess",
    "publish",
    "synthetic",
    "pipeline",
]


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_import_inside_a_function_or_class(path: Path) -> None:
    """A deferred import is how a cycle is dodged rather than removed: every import is at the
    top of its module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = [
        f"line {node.lineno}"
        for outer in ast.walk(tree)
        if isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in ast.walk(outer)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not hidden, f"{path.relative_to(SRC)}: imports inside a function or class: {hidden}"


def test_the_layers_contract_is_kept(root: Path) -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    proc = subprocess.run([str(lint)], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


#: the longest a module of src/helpers may be (CONTRIBUTING.md): past it, split it by what its
#: parts do (page kind, figure kind, generator and truth), as helpers.publish and
#: helpers.synthetic were
MAX_MODULE_LINES = 800


def test_no_module_passes_the_line_limit() -> None:
    """A module past :data:`MAX_MODULE_LINES` lines is split, not allowed to grow: every module
    under src/helpers is checked, including new ones."""
    long = {
        str(p.relative_to(SRC)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them): {long}"


def test_every_stage_is_a_package_with_a_map_of_its_modules() -> None:
    """A newcomer opens a stage's __init__ and finds what each module does."""
    for stage in STAGES:
        path = SRC / stage / "__init__.py" if (SRC / stage).is_dir() else SRC / f"{stage}.py"
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"{path.relative_to(SRC)} has no docstring map"


def test_the_test_tree_mirrors_the_package(root: Path) -> None:
    """Tests of a stage live under tests/unit/<stage>/."""
    for stage in STAGES:
        if (SRC / stage).is_dir():
            assert any((root / "tests" / "unit" / stage).glob("test_*.py")), stage
