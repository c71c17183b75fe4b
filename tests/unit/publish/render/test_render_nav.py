"""Navigation in the preview (helpers.publish.render.preview.nav): navbar, sidebar, page links."""

from __future__ import annotations

from render_support import parse


def test_navigation(built):
    root, _ = built
    site = root / "_site"
    metric = site / "reports/demo/metrics/ae_4hr_pct.html"
    doc = parse(metric)
    assert "../../../index.html" in doc.links and "../../../about.html" in doc.links
    assert "../index.html" in doc.links and "../orgs/index.html" in doc.links
    assert "ae_4hr_pct.html" in doc.current  # sidebar marks the current page
    html = metric.read_text()
    assert "RTT 18 weeks" in html  # sidebar entry given as a bare path takes the page title
    assert 'rel="next"' in html and 'rel="prev"' in html  # page navigation
    assert "Contains public sector information" in html  # footer
    assert '<a href="https://example.org/ogl">OGL</a>' in html
