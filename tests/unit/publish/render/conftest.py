"""Fixtures of the renderer tests: the fixture project built once by the preview."""

from __future__ import annotations

import pytest
from render_support import site_fixture

from helpers.publish.render import render_site


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = site_fixture.make_fixture_project(tmp_path_factory.mktemp("project"))
    result = render_site(root, force_preview=True)
    return root, result
