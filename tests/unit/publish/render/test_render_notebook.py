"""Notebooks in the preview (helpers.publish.render.preview.notebook): cell options and outputs."""

from __future__ import annotations

import re

import pytest
from render_support import site_fixture

from helpers.publish.render import SiteBuildError, render_site
from helpers.publish.render.preview.notebook import cell_options


def test_cell_options():
    opts, code = cell_options("#| echo: false\n#| fig-cap: 'A: b'\nx = 1\n#| not an option")
    assert opts == {"echo": False, "fig-cap": "A: b"}
    assert code == "x = 1\n#| not an option"


def test_notebook_cell_options(built):
    root, _ = built
    nb = (root / "_site/reports/demo/pipeline/01-analysis.html").read_text()
    assert '<h1 class="title">Analysis notebook</h1>' in nb
    assert "SECRET_SETUP" not in nb  # include: false
    assert "HIDDEN_ECHO" not in nb  # echo: false (its figure is shown)
    assert "HIDDEN_OUTPUT" not in nb  # output: false
    assert "noisy" in nb  # ... but its code is shown
    assert "visible output" in nb
    assert "#|" not in nb
    assert "<summary>Code</summary>" in nb  # code-fold from _quarto.yml
    assert 'alt="Bar chart of values for Trust A and Trust B"' in nb
    assert "<figcaption>Values by organisation</figcaption>" in nb
    assert '<a href="../metrics/ae_4hr_pct.html">metric</a>' in nb  # Markdown() output
    figures = list((root / "_site/reports/demo/pipeline/01-analysis_files").rglob("*.png"))
    assert len(figures) == 2


def test_notebook_blocks_that_scroll_are_in_the_tab_order(built):
    """Code and text outputs scroll sideways rather than wrap: each is a named region a keyboard
    user can focus (and so scroll); the code's highlighting is unchanged."""
    root, _ = built
    nb = (root / "_site/reports/demo/pipeline/01-analysis.html").read_text()
    pres = re.findall(r"<pre\b[^>]*>", nb)
    assert pres, "no code or text output in the demo notebook"
    for tag in pres:
        assert 'tabindex="0"' in tag and 'role="region"' in tag, tag
        assert re.search(r'aria-label="(Code|Output|Output \d+|Error) of cell \d+"', tag), tag
    assert '<pre tabindex="0" role="region" aria-label="Code of cell' in nb
    assert 'class="sourceCode"' in nb


def test_broken_notebook_names_the_file(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    (root / "reports/demo/pipeline/02-broken.ipynb").write_text("{not json")
    with pytest.raises(SiteBuildError, match=r"reports/demo/pipeline/02-broken.ipynb"):
        render_site(root, force_preview=True)
