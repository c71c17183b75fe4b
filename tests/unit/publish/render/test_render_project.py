"""Reading the Quarto project (helpers.publish.render.project): configuration and pages."""

from __future__ import annotations

from render_support import site_fixture

from helpers.core.files import deep_merge
from helpers.publish.render.project import find_pages, load_project


def test_project_helpers(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    config = load_project(root)
    assert config["website"]["sidebar"]["style"] == "docked"  # merged from metadata-files
    assert config["website"]["title"] == "Fixture assessment"
    pages = {p.as_posix() for p in find_pages(root, config)}
    assert "reports/_scratch/index.qmd" not in pages
    assert "reports/demo/_intro.md" not in pages
    assert deep_merge({"a": {"b": 1, "l": [1]}}, {"a": {"c": 2, "l": [1, 2]}}) == {
        "a": {"b": 1, "c": 2, "l": [1, 2]}
    }
