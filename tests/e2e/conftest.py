"""Fixtures for the browser end-to-end tests: Debian's Chromium driven by Playwright (never
``playwright install``), and the site of the fast UEC and framework assessments, run once per
session in a fresh copy of the repository and rendered once by each renderer: ``pipeline_site``
is parametrised by ``renderer`` ("preview", "quarto"), so every test of the built site runs on
both. The Quarto side needs ``quarto`` on PATH: skipped without it, a failure when CI is set."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import (
    FAST_CONFIG,
    FRAMEWORK_CONFIG,
    QUARTO_SECONDS,
    REPO,
    build_site,
    fresh_copy,
    run_cli,
    unavailable,
)

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


#: the two renderers of the site: the preview (always) and Quarto (where ``quarto`` is on PATH;
#: required when CI is set, skipped elsewhere)
RENDERERS = ("preview", "quarto")


@pytest.fixture(scope="session")
def pipeline_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the repository (the files ``git ls-files`` lists, and nothing else) that
    has run ``assess run config/fast/uec-fast.yml`` and the framework assessment
    (``config/assessments/mental-health-community.yml``): the copy, not yet rendered."""
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
    return copy


@pytest.fixture(scope="session", params=RENDERERS)
def renderer(request: pytest.FixtureRequest) -> str:
    """Which renderer built ``pipeline_site``: every test of the built site runs on both."""
    return str(request.param)


@pytest.fixture(scope="session")
def pipeline_site(
    renderer: str, pipeline_runs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The built ``_site`` of the fast UEC and framework runs, by the preview or by Quarto
    (``renderer``); the run folders are beside it (``pipeline_site.parent / "reports"``)."""
    return build_site(renderer, pipeline_runs, tmp_path_factory)


@pytest.fixture
def preview_only(renderer: str) -> None:
    """For a test of what only the preview has (its own organisation search, its sidebar of
    ``<details>``, its banner): Quarto's counterpart is tested on its own."""
    if renderer != "preview":
        pytest.skip("a feature of the preview renderer (Quarto's counterpart is tested apart)")


@pytest.fixture
def quarto_only(renderer: str) -> None:
    if renderer != "quarto":
        pytest.skip("a feature of the Quarto build (the preview's counterpart is tested apart)")


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
    if QUARTO_SECONDS:
        terminalreporter.write_line(
            f"the Quarto build of the fast site: assess render took {QUARTO_SECONDS[0]:.0f}s"
        )
    folder = config.stash.get(SCREENSHOTS, None)
    if folder is not None:
        terminalreporter.write_line(f"screenshots: {folder}")
