"""The site builder (helpers.site): the preview renderer on a small fixture Quarto project."""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers.site import (
    BANNER_TEXT,
    SiteBuildError,
    cell_options,
    deep_merge,
    find_pages,
    load_project,
    make_markdown,
    render_site,
    slugify,
    summarise_warnings,
)

_spec = importlib.util.spec_from_file_location(
    "site_fixture", Path(__file__).parents[1] / "e2e" / "site_fixture.py"
)
site_fixture = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("site_fixture", site_fixture)
_spec.loader.exec_module(site_fixture)

EXPECTED_PAGES = {
    "index.html",
    "about.html",
    "reports/demo/index.html",
    "reports/demo/metrics/ae_4hr_pct.html",
    "reports/demo/metrics/rtt_18wk_pct.html",
    "reports/demo/orgs/index.html",
    "reports/demo/orgs/RAA.html",
    "reports/demo/orgs/RBB.html",
    "reports/demo/pipeline/01-analysis.html",
}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.imgs: list[dict[str, str | None]] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "img":
            self.imgs.append(a)
        if a.get("aria-current") == "page":
            self.current.append(a.get("href") or "")


def parse(path: Path) -> _Collect:
    c = _Collect()
    c.feed(path.read_text(encoding="utf-8"))
    return c


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = site_fixture.make_fixture_project(tmp_path_factory.mktemp("project"))
    result = render_site(root, force_preview=True)
    return root, result


def test_pages_at_their_paths(built):
    root, result = built
    site = root / "_site"
    assert result.kind == "preview"
    assert result.output_dir == site
    assert {p.relative_to(site).as_posix() for p in result.pages} == EXPECTED_PAGES
    assert {p.relative_to(site).as_posix() for p in site.rglob("*.html")} == EXPECTED_PAGES
    assert (site / ".preview").read_text().strip() == "preview"
    assert not (site / "reports/_scratch").exists()  # _-prefixed folders are not rendered
    assert not list(root.glob("_site.*"))  # no temporary or old folders left behind


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


def test_broken_page_names_the_file_and_keeps_the_old_site(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    render_site(root, force_preview=True)
    before = {p: p.read_bytes() for p in (root / "_site").rglob("*") if p.is_file()}
    page = root / "reports/demo/metrics/rtt_18wk_pct.qmd"
    page.write_text('---\ntitle: "RTT\nsubtitle: [unclosed\n---\n\nText\n')
    with pytest.raises(SiteBuildError) as err:
        render_site(root, force_preview=True)
    assert "reports/demo/metrics/rtt_18wk_pct.qmd" in str(err.value)
    assert err.value.line is not None
    after = {p: p.read_bytes() for p in (root / "_site").rglob("*") if p.is_file()}
    assert after == before
    assert not list(root.glob("_site.*"))


def test_missing_include_names_file_and_line(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    page = root / "reports/demo/orgs/RAA.qmd"
    page.write_text('---\ntitle: "A"\n---\n\nText\n\n{{< include _missing.md >}}\n')
    with pytest.raises(SiteBuildError, match=r"reports/demo/orgs/RAA.qmd:7: cannot include"):
        render_site(root, force_preview=True)
    assert not (root / "_site").exists()
    assert not list(root.glob("_site.*"))


def test_broken_notebook_names_the_file(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    (root / "reports/demo/pipeline/02-broken.ipynb").write_text("{not json")
    with pytest.raises(SiteBuildError, match=r"reports/demo/pipeline/02-broken.ipynb"):
        render_site(root, force_preview=True)


def test_rebuild_replaces_the_site(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    render_site(root, force_preview=True)
    (root / "_site/stale.html").write_text("old")
    result = render_site(root, force_preview=True)
    assert not (root / "_site/stale.html").exists()
    assert len(result.pages) == len(EXPECTED_PAGES)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_custom_output_dir(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path / "project")
    out = tmp_path / "public"
    result = render_site(root, out, force_preview=True)
    assert result.output_dir == out and (out / "index.html").is_file()
    assert not (root / "_site").exists()


def test_uses_quarto_when_available(tmp_path, monkeypatch):
    root = site_fixture.make_fixture_project(tmp_path / "project")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"
    fake.write_text(
        "#!/bin/sh\n# fake quarto: quarto render <dir> --output-dir <rel>\n"
        'mkdir -p "$2/$4" && echo "<html>quarto</html>" > "$2/$4/index.html"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = render_site(root)
    assert result.kind == "quarto"
    assert (root / "_site/index.html").read_text().strip() == "<html>quarto</html>"
    assert (root / "_site/.preview").read_text().strip() == "quarto"
    assert render_site(root, force_preview=True).kind == "preview"


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
    opts, code = cell_options("#| echo: false\n#| fig-cap: 'A: b'\nx = 1\n#| not an option")
    assert opts == {"echo": False, "fig-cap": "A: b"}
    assert code == "x = 1\n#| not an option"
    assert slugify("A&E 4-hour performance") == "ae-4-hour-performance"
    assert slugify("2024/25 results") == "results"


def test_fixture_builds_without_unexpected_warnings(built):
    _, result = built
    assert result.warnings == [
        "reports/demo/pipeline/01-analysis.ipynb: cell 7: figure has no fig-alt/fig-cap"
    ]


@pytest.mark.parametrize(
    ("source", "block"),
    [
        ("Text\n## Heading\n", "<h2"),
        ("Text\n- item\n", "<ul>"),
        ("Text\n| a |\n|---|\n| 1 |\n", "<table>"),
        ("Text\n::: {.callout-note}\nNote\n:::\n", 'class="callout'),
        ("- item\n::: {.callout-note}\nNote\n:::\n", 'class="callout'),
    ],
)
def test_blocks_need_a_blank_line_before_them_as_in_pandoc(source, block):
    env: dict = {}
    assert block not in make_markdown().render(source, env)  # the line continues the paragraph
    assert "continues the paragraph" in env["warnings"][0]
    with_blank = source.replace("\n", "\n\n", 1)
    env = {}
    assert block in make_markdown().render(with_blank, env)
    assert not env.get("warnings")


def test_markdown_features():
    md = make_markdown()
    out = md.render(
        "- a\n- b\n  - c\n\n"
        ':::: {.callout-tip collapse="true" title="Hint"}\n'
        "::: {#inner .panel}\nx\n:::\n::::\n\n"
        "## Heading {#sec-h .unlisted}\n\n[span]{.smallcaps} ~~gone~~\n\n"
        "```{python}\nx = 1\n```\n",
        {},
    )
    assert out.count("<li>") == 3
    assert '<details class="callout callout-tip">' in out and "Hint" in out
    assert '<div id="inner" class="panel">' in out
    assert '<h2 id="sec-h" class="unlisted">Heading</h2>' in out
    assert '<span class="smallcaps">span</span>' in out and "<s>gone</s>" in out
    assert '<code class="language-python">' in out


def test_summarise_warnings():
    lines = summarise_warnings(["a.qmd: bad", "b.qmd: bad", "b.qmd: bad", "c.qmd: other", "nav"])
    assert lines == ["2 pages, e.g. a.qmd: bad", "c.qmd: other", "nav"]
