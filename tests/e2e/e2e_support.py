"""Helpers shared by the end-to-end tests: skip-or-fail, building the site from a fresh copy of
the repository, and a static file server."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
import time
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


#: how long ``assess render`` took with Quarto (printed at the end of the session)
QUARTO_SECONDS: list[float] = []
_BUILT: dict[str, Path] = {}  # renderer -> its _site, so that each renders once per session


def build_site(renderer: str, runs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``assess render --preview`` in the run copy, or ``assess render`` with Quarto in a copy of
    it (the same finished runs); once per renderer and session."""
    if renderer in _BUILT:
        return _BUILT[renderer]
    assess = str(Path(sys.executable).parent / "assess")
    if renderer == "preview":
        root = runs
        run_cli([assess, "render", "--preview"], root)
    else:
        if shutil.which("quarto") is None:
            unavailable("quarto is not on PATH (install Quarto >= 1.9; .ci/run installs it)")
        root = tmp_path_factory.mktemp("repo-quarto") / "repo"
        shutil.copytree(
            runs, root, symlinks=True, ignore=shutil.ignore_patterns("_site", ".quarto")
        )
        t0 = time.perf_counter()
        run_cli([assess, "render"], root)
        QUARTO_SECONDS.append(time.perf_counter() - t0)
    site = root / "_site"
    assert (site / "index.html").is_file(), f"assess render ({renderer}) made no _site/index.html"
    kind = (site / ".preview").read_text(encoding="utf-8").strip()
    assert kind == renderer, f"asked for the {renderer} build, got {kind}"
    _BUILT[renderer] = site
    return site


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
