"""One kernel per assessment, reset between notebooks (helpers.pipeline.kernel): a notebook sees
none of the names the previous one defined, numbers its cells from 1, runs in the notebooks'
folder, and the kernel process is the same one (the saving); ``ASSESS_FRESH_KERNELS=1`` gives a
new kernel per notebook."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from jupyter_core.utils import run_sync

from helpers.pipeline.kernel import FRESH_VARIABLE, KeptKernel


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def run(kernel: KeptKernel, nb: Path, out: Path) -> nbformat.NotebookNode:
    pm.execute_notebook(
        str(nb), str(out), kernel_name="python3", progress_bar=False, **kernel.engine_kwargs()
    )
    return nbformat.read(out, as_version=4)


def printed(nb: nbformat.NotebookNode) -> dict:
    """The JSON the notebook's last cell printed."""
    return json.loads(nb.cells[-1].outputs[0]["text"])


REPORT = (
    "import json, os\n"
    "print(json.dumps({'pid': os.getpid(), 'cwd': os.getcwd(), "
    "'names': sorted(n for n in globals() if not n.startswith('_'))}))"
)


def test_the_next_notebook_sees_nothing_of_the_last_one_but_runs_on_the_same_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(FRESH_VARIABLE, raising=False)
    (tmp_path / "elsewhere").mkdir()
    first = notebook(
        tmp_path / "first.ipynb",
        "import pandas as pd\nsecret = 42\nimport os\nos.chdir('elsewhere')",
        REPORT,
    )
    second = notebook(tmp_path / "second.ipynb", "import sys\nx = 1", REPORT)
    uses_secret = notebook(tmp_path / "third.ipynb", "secret + 1")
    with KeptKernel(tmp_path) as kernel:
        one = run(kernel, first, tmp_path / "one.ipynb")
        two = run(kernel, second, tmp_path / "two.ipynb")
        with pytest.raises(pm.PapermillExecutionError, match="NameError"):
            run(kernel, uses_secret, tmp_path / "three.ipynb")
        pid = kernel.km.provisioner.process.pid  # type: ignore[union-attr]
    a, b = printed(one), printed(two)
    assert a["pid"] == b["pid"] == pid  # one kernel process
    assert "secret" in a["names"] and "pd" in a["names"]
    assert "secret" not in b["names"] and "pd" not in b["names"]  # the names went
    with KeptKernel(tmp_path) as new:  # the same notebook on a kernel of its own
        alone = printed(run(new, second, tmp_path / "alone.ipynb"))
    assert b["names"] == alone["names"]
    assert a["cwd"] == str(tmp_path / "elsewhere")
    assert b["cwd"] == str(tmp_path)  # back in the notebooks' folder
    # cells are numbered from 1 in every notebook, as in a fresh kernel, with nothing printed
    # by the reset (IPython's history starts a new session)
    assert [c.execution_count for c in two.cells] == [1, 2]
    assert [o.get("name") for o in two.cells[0].outputs] == []
    with pytest.raises(ProcessLookupError):  # shut down at the end of the run
        os.kill(pid, 0)


def test_fresh_kernels_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FRESH_VARIABLE, "1")
    nb = notebook(tmp_path / "report.ipynb", "pass", REPORT)
    with KeptKernel(tmp_path) as kernel:
        a = printed(run(kernel, nb, tmp_path / "a.ipynb"))
        b = printed(run(kernel, nb, tmp_path / "b.ipynb"))
        assert kernel.km is None
    assert a["pid"] != b["pid"]


def test_a_kernel_that_died_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FRESH_VARIABLE, raising=False)
    nb = notebook(tmp_path / "report.ipynb", "pass", REPORT)
    with KeptKernel(tmp_path) as kernel:
        a = printed(run(kernel, nb, tmp_path / "a.ipynb"))
        run_sync(kernel.km.shutdown_kernel)(now=True)  # type: ignore[union-attr]
        b = printed(run(kernel, nb, tmp_path / "b.ipynb"))
    assert a["pid"] != b["pid"]
