"""Helpers shared by the end-to-end tests: skip-or-fail, building the site from a fresh copy of
the repository, and a static file server."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def unavailable(reason: str) -> None:
    """Fail in CI (where everything must run), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
FAST_CONFIG = "config/fast/uec-fast.yml"
#: the framework assessment (NHS England's Oversight Framework recomputed; about 10 s): its
#: pages are of kinds of their own
FRAMEWORK_CONFIG = "config/assessments/mental-health-community.yml"
BUILD_TIMEOUT = 20 * 60


def _tail(text: str, n: int = 40) -> str:
    return "\n".join((text or "").strip().splitlines()[-n:])


def fresh_copy(dest: Path) -> Path:
    """Copy the files git tracks (and nothing else) into ``dest``."""
    if shutil.which("git") is None:
        unavailable("git is not installed")
    proc = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        unavailable(f"{REPO} is not a git checkout: {proc.stderr.decode().strip()}")
    for name in proc.stdout.decode().split("\0"):
        src = REPO / name
        if not name or not src.is_file():  # deleted in the working tree
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def run_cli(args: list[str], cwd: Path) -> None:
    env = dict(os.environ)
    env["ASSESS_ROOT"] = str(cwd)  # the copy, whatever the caller's environment says
    env["PYTHONPATH"] = os.pathsep.join([str(cwd / "src"), env.get("PYTHONPATH", "")]).strip(
        os.pathsep
    )
    env.setdefault("MPLBACKEND", "Agg")
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=BUILD_TIMEOUT,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(args)}` failed (exit {proc.returncode})\n--- stdout\n{_tail(proc.stdout)}"
            f"\n--- stderr\n{_tail(proc.stderr)}",
            pytrace=False,
        )


# --------------------------------------------------------------------------------------------
# serving
# --------------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class StaticServer:
    """Serve ``directory`` on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
