"""Fixtures of the integration tests: the synthetic assessments run once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_support import ASSESSMENTS, Pipeline, run_pipeline


@pytest.fixture(scope="session")
def pipelines(project_copy: Path) -> dict[str, Pipeline]:
    """Run in a fresh copy of the project, where the synthetic data are generated anew."""
    return {name: run_pipeline(settings, project_copy) for name, settings in ASSESSMENTS.items()}
