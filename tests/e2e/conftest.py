"""Fixtures for the browser end-to-end tests: Debian's Chromium driven by Playwright (never
``playwright install``), and the site of the fast UEC assessment built once per session from a
fresh copy of the repository."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import FAST_CONFIG, FRAMEWORK_CONFIG, REPO, fresh_copy, run_cli, unavailable

SCREENSHOTS = pytest.StashKey[Path]()

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:
        pw.stop()
        pytest.fail(f"could not launch {CHROMIUM}: {exc}", pytrace=False)
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


@pytest.fixture(scope="session")
def pipeline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the repository (the files ``git ls-files`` lists, and nothing else) runs
    ``assess run config/fast/uec-fast.yml`` and the framework assessment
    (``config/assessments/mental-health-community.yml``), then ``assess render``: the built
    ``_site``."""
    assess = Path(sys.executable).parent / "assess"
    if not assess.exists():
        unavailable(f"{assess} not found (run `make env`)")
    if not (REPO / FAST_CONFIG).is_file():
        unavailable(f"{FAST_CONFIG} does not exist yet")
    copy = fresh_copy(tmp_path_factory.mktemp("repo"))
    if not (copy / FAST_CONFIG).is_file():
        pytest.fail(f"{FAST_CONFIG} is not tracked by git", pytrace=False)
    if (REPO / "node_modules").is_dir():  # what `make env` (npm ci) installed, as in a clone
        (copy / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    run_cli([str(assess), "run", FAST_CONFIG, FRAMEWORK_CONFIG], copy)
    run_cli([str(assess), "render"], copy)
    site = copy / "_site"
    assert (site / "index.html").is_file(), "assess render did not produce _site/index.html"
    return site


@pytest.fixture(scope="session")
def screenshot_dir(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Where screenshots go: ``$SCREENSHOT_DIR`` if set, else a pytest temporary folder (pytest
    keeps the last three runs'); named at the end of the run."""
    configured = os.environ.get("SCREENSHOT_DIR")
    folder = Path(configured).resolve() if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[SCREENSHOTS] = folder
    return folder


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    folder = config.stash.get(SCREENSHOTS, None)
    if folder is not None:
        terminalreporter.write_line(f"screenshots: {folder}")
