"""One Jupyter kernel for the steps of an assessment, reset between notebooks.

Each pipeline notebook is still executed by papermill, parameterised, and saved executed. What
changes is the kernel: a fresh kernel per notebook started Python and imported pandas, DuckDB,
matplotlib and the helpers again for every step (1 to 2.5 s of a small step's 3 s). Here the
steps of one assessment share one kernel, and before each notebook the kernel is reset:

* every name the previous notebook defined is deleted (IPython's ``%reset -f``: the user
  namespace, ``In``/``Out`` and the output cache), so a notebook that used a name it did not
  define fails with ``NameError`` exactly as in a fresh kernel;
* open figures are closed, the working folder is the notebooks' folder again, garbage is
  collected, and the history starts a new session with the execution counter at 1 (the
  executed notebook is the same as from a fresh kernel);
* imported modules stay imported: that is the saving. The helpers keep no state between
  calls that a step could see (their only caches are of code versions and figure styles).

``ASSESS_FRESH_KERNELS=1`` starts a new kernel for every notebook, as papermill does by default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

FRESH_VARIABLE = "ASSESS_FRESH_KERNELS"
ENGINE_NAME = "assess-kept-kernel"
KERNEL_NAME = "python3"

#: run silently (no history, no output) in the kept kernel before each notebook
RESET_CODE = """\
import os as _assess_os, sys as _assess_sys
if "matplotlib.pyplot" in _assess_sys.modules:
    _assess_sys.modules["matplotlib.pyplot"].close("all")
_assess_os.chdir({cwd!r})
get_ipython().run_line_magic("reset", "-f")  # these names too
get_ipython().history_manager.reset(new_session=True)
get_ipython().execution_count = 1
__import__("gc").collect()
"""


class KernelResetError(RuntimeError):
    """The kept kernel could not be reset between two notebooks."""


class _KeptKernelClient(PapermillNotebookClient):
    """papermill's client on a kernel it does not own: its connection is closed after the
    notebook, the kernel is left running for the next one."""

    def execute(self, **kwargs: Any) -> Any:
        try:
            return super().execute(**kwargs)
        finally:
            if self.kc is not None:
                self.kc.stop_channels()
                self.kc = None


class KeptKernelEngine(NBClientEngine):
    """papermill's nbclient engine (same arguments) with :class:`_KeptKernelClient`."""

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return _KeptKernelClient(nb_man, **final_kwargs).execute()


papermill_engines.register(ENGINE_NAME, KeptKernelEngine)


def fresh_kernels() -> bool:
    """Whether every notebook gets a new kernel (``$ASSESS_FRESH_KERNELS`` set to 1)."""
    return os.environ.get(FRESH_VARIABLE, "").strip() in {"1", "true", "yes"}


class KeptKernel:
    """The kernel of one assessment's run: started when the first notebook needs it, reset
    before every later notebook (:data:`RESET_CODE`), shut down by :meth:`close` (or at the
    end of a ``with`` block). ``engine_kwargs()`` gives what :func:`papermill.execute_notebook`
    needs to run a notebook on it."""

    def __init__(self, cwd: Path, kernel_name: str = KERNEL_NAME) -> None:
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        # asynchronous, as nbclient's own: its client lets nbclient notice a kernel that died
        self.km: AsyncKernelManager | None = None
        self.used = 0

    def __enter__(self) -> KeptKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def engine_kwargs(self) -> dict[str, Any]:
        """Start the kernel, or reset it if a notebook ran on it; the keyword arguments of
        :func:`papermill.execute_notebook` for the next notebook."""
        if fresh_kernels():
            return {}
        if self.km is not None and not run_sync(self.km.is_alive)():
            self.close()  # it died: the next notebook gets a new one
        if self.km is None:
            self.km = AsyncKernelManager(kernel_name=self.kernel_name)
            run_sync(self.km.start_kernel)(cwd=str(self.cwd))
            self.used = 0
        elif self.used:
            run_sync(self._reset)()
        self.used += 1
        return {"engine_name": ENGINE_NAME, "km": self.km}

    async def _reset(self) -> None:
        assert self.km is not None
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            reply = await kc.execute_interactive(
                RESET_CODE.format(cwd=str(self.cwd)),
                silent=True,
                store_history=False,
                timeout=60,
                output_hook=lambda _msg: None,
            )
        finally:
            kc.stop_channels()
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelResetError(
                f"the kernel could not be reset between notebooks: {content.get('ename', '')} "
                f"{content.get('evalue', '')} (set {FRESH_VARIABLE}=1 for a kernel per notebook)"
            )

    def close(self) -> None:
        """Shut the kernel down (at once: its notebooks are saved)."""
        km, self.km = self.km, None
        if km is None:
            return
        run_sync(self._shutdown)(km)

    @staticmethod
    async def _shutdown(km: AsyncKernelManager) -> None:
        try:
            if await km.is_alive():
                await km.shutdown_kernel(now=True)
        finally:
            await km.cleanup_resources()
