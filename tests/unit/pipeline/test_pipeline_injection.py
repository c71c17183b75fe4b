"""Nothing from the settings can inject code into the notebooks: the only values papermill
writes into them are the settings path and the build folder, as Python string literals."""

from __future__ import annotations

import ast

import pytest
from papermill.translators import PythonTranslator

EVIL = [
    '/tmp/my "settings".yml',
    "/tmp/x'); import os; os.system('touch /tmp/pwned'); ('.yml",
    '/tmp/x"""; import os; """.yml',
    "/tmp/back\\slash\nnew line.yml",
    "/tmp/{{< include x >}} `tick` $(rm -rf /).yml",
]


@pytest.mark.parametrize("path", EVIL)
def test_the_injected_parameters_are_only_string_literals(path: str) -> None:
    code = PythonTranslator.codify({"config_path": path, "output_dir": path + ".build"})
    tree = ast.parse(code)
    assigned = {}
    for node in tree.body:
        # every statement is `name = <a string literal>`: no call, no import, nothing else
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), code
        assigned[node.targets[0].id] = node.value.value
    assert assigned == {"config_path": path, "output_dir": path + ".build"}
