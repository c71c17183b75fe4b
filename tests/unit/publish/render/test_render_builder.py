"""The preview's pages (helpers.publish.render.preview.builder): links, images, content, layout
and resources of the fixture project."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from render_support import parse

from helpers.publish.render.preview.builder import BANNER_TEXT


def test_every_local_link_resolves(built):
    root, _ = built
    site = root / "_site"
    checked = 0
    for page in site.rglob("*.html"):
        for link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("#", "//")):
                continue
            assert not link.startswith("/"), f"{page}: absolute link {link}"
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {link} does not exist"
            checked += 1
    assert checked > 50


def test_qmd_and_ipynb_links_rewritten(built):
    root, _ = built
    site = root / "_site"
    for page in site.rglob("*.html"):
        for link in parse(page).links:
            path = urlsplit(link).path
            assert not path.endswith((".qmd", ".ipynb")), f"{page}: {link}"
    demo = parse(site / "reports/demo/index.html").links
    assert "metrics/ae_4hr_pct.html" in demo
    assert "pipeline/01-analysis.html#results" in demo
    assert "results/indicators.csv" in demo
    assert "../../about.html" in demo  # from the included file


def test_every_image_has_alt_text(built):
    root, _ = built
    imgs = [img for page in (root / "_site").rglob("*.html") for img in parse(page).imgs]
    assert len(imgs) >= 5
    assert all((img.get("alt") or "").strip() for img in imgs)
    demo = (root / "_site/reports/demo/index.html").read_text()
    assert 'alt="Dot plot of A&amp;E 4-hour performance for 3 trusts"' in demo
    assert "<figcaption>Share of patients seen within 4 hours, by organisation</figcaption>" in demo
    assert "fig-alt" not in demo


def test_page_content(built):
    root, _ = built
    demo = (root / "_site/reports/demo/index.html").read_text()
    assert '<h1 class="title">Demo assessment</h1>' in demo
    assert "Urgent and emergency care, 2024/25" in demo
    assert "comes from an <strong>included</strong> file" in demo
    assert "{{&lt;" not in demo and "{{<" not in demo
    assert 'class="callout callout-warning"' in demo and "Data quality" in demo
    assert '<h2 id="data-quality"' not in demo  # the callout's heading became its title
    assert "<caption>Organisations and their values</caption>" in demo
    assert 'class="table-wrap"' in demo and 'style="text-align:right"' in demo
    assert '<a href="#results">Results</a>' in demo  # table of contents
    assert 'class="footnotes"' in demo


def test_banner_and_language_on_every_page(built):
    root, _ = built
    for page in (root / "_site").rglob("*.html"):
        text = page.read_text()
        assert '<html lang="en-GB">' in text
        assert f'<div class="preview-banner" role="note">{BANNER_TEXT}</div>' in text
        assert '<a class="skip-link" href="#main">' in text


def test_resources_copied(built):
    root, _ = built
    site = root / "_site"
    assert (site / "reports/demo/results/indicators.csv").is_file()
    assert (site / "reports/demo/provenance.json").is_file()
    assert (site / "reports/demo/figures/chart.png").is_file()
    assert (site / "site_libs/preview/site.css").is_file()
    assert not (site / "reports/demo/_intro.md").exists()


def test_head_title_names_the_page_then_the_site_once(built):
    """The home page's title is the site's: "Fixture assessment", not "Fixture assessment –
    Fixture assessment" (as "NHS annual assessment – NHS annual assessment" was)."""
    root, _ = built
    site = root / "_site"
    assert "<title>Fixture assessment</title>" in (site / "index.html").read_text()
    about = (site / "about.html").read_text()
    assert "<title>About this assessment \u2013 Fixture assessment</title>" in about
