"""Hostile text from the data and the settings, on every page kind (#13 item 6).

One organisation's name, the assessment's titles and the first metric's title, short title,
description and caveat carry script tags, a markdown link to ``javascript:``, YAML breakers,
backticks, a Quarto shortcode, emphasis and a table pipe. The pages are written and rendered by
the preview; then:

* every page source: its front matter is YAML whose strings are the escaped text, and the
  hostile markup appears nowhere as markup (only escaped, or inside a figure's quoted alt text,
  which both renderers write HTML-escaped);
* every rendered page: no script but the site's own, no ``javascript:`` link, and the text is
  there for a reader, as written;
* an organisation code that could leave its folder is refused before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from site_support import assessment_site, render_pages, retitled

from helpers.publish.render.preview.markdown import split_front_matter

HOSTILE = (
    'Evil <script>alert(1)</script> [click](javascript:alert(2)) ": # `tick` '
    "{{< include /etc/passwd >}} *em* | pipe"
)
#: what must never be markup in a page source (each would become markup or run if left raw):
#: the same characters backslash-escaped are literal text
RAW = (
    re.compile(r"(?<!\\)<script>alert"),
    re.compile(r"(?<!\\)\]\(javascript:"),
    re.compile(r"(?<!\\)\{\{(?<!\\)< include /etc/passwd"),
    re.compile(r"(?<!\\)`tick(?<!\\)`"),
)
#: the scripts a page may load: the preview's and the league table's own files
OWN_SCRIPT = re.compile(r'<script src="[\w./-]*(site_libs/preview/|assets/)[\w./-]+\.js"( defer)?>')


@pytest.fixture(scope="module")
def hostile_site(built, root, tmp_path_factory):
    project = tmp_path_factory.mktemp("hostile")

    def published(latest):
        seg = latest[latest.segment.notna()].sort_values("org_code").org_code
        return sorted({str(seg.iloc[0]), str(seg.iloc[-1])})

    ctx, _ = assessment_site(
        built,
        root,
        project,
        published=published,
        first_name=HOSTILE,
        retitle=lambda r: retitled(r, HOSTILE),
    )
    site = render_pages(project)
    return ctx, project, site.output_dir, ctx.run.settings.org_codes[0]


def _sources(project: Path) -> list[Path]:
    return sorted(p for p in (project / "reports").rglob("*.qmd")) + sorted(
        (project / "reports").glob("*.md")
    )


def test_page_sources_never_carry_the_text_as_markup(hostile_site) -> None:
    ctx, project, _, code = hostile_site
    sources = _sources(project)
    kinds = {p.parent.name if p.parent.name in ("orgs", "metrics", "league") else p.name
             for p in sources}  # fmt: skip
    assert {"orgs", "metrics", "league", "index.qmd", "league.qmd", "methodology.qmd"} <= kinds
    assert (ctx.paths.orgs / f"{code}.qmd").exists()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        meta, body, _ = split_front_matter(text, path)
        # front matter: valid YAML; the hostile text in it is escaped markdown
        for value in meta.values():
            for item in value if isinstance(value, list) else [value]:  # keywords: a list
                if isinstance(item, str) and "Evil" in item:
                    assert "<script>" not in item and "\\<script\\>" in item, (path, item)
        # the body: figure alt texts are quoted attributes (escaped by both renderers); the
        # league tables' raw HTML is escaped by league_html.esc; nothing else may be raw
        prose = re.sub(r'\{fig-alt="(?:[^"\\]|\\.)*"\}', "{fig-alt}", body)
        # raw HTML blocks are not markdown: there the text must be HTML-escaped instead
        for block in re.findall(r"^```\{=html\}\n(.*?)^```$", prose, re.S | re.M):
            assert "<script>alert" not in block, path
        prose = re.sub(r"^```\{=html\}\n.*?^```$", "", prose, flags=re.S | re.M)
        for raw in RAW:
            found = raw.search(prose)
            assert not found, (path.relative_to(project), prose[found.start() - 80 : found.end()])


def test_rendered_pages_run_no_script_of_the_data_and_show_the_text(hostile_site) -> None:
    _, project, site, code = hostile_site
    pages_html = sorted(site.rglob("*.html"))
    assert len(pages_html) > 20
    shown = 0
    for page in pages_html:
        html = page.read_text(encoding="utf-8")
        scripts = re.findall(r"<script\b[^>]*>", html)
        foreign = [s for s in scripts if not OWN_SCRIPT.fullmatch(s) and s != "<script>"]
        assert not foreign, (page.relative_to(site), foreign)
        # inline <script> blocks are the preview's own: none carries the data
        for block in re.findall(r"<script>(.*?)</script>", html, re.S):
            assert "Evil" not in block and "alert(" not in block, page
        assert "alert(1)</script>" not in html.replace("&lt;/script&gt;", "")
        assert 'href="javascript:' not in html.lower()
        if "Evil &lt;script&gt;alert(1)&lt;/script&gt;" in html:
            shown += 1
    assert shown > 10  # the text is on the pages, as written, for readers
    card = (site / "reports" / "uec" / "orgs" / f"{code}.html").read_text(encoding="utf-8")
    title = re.search(r"<h1[^>]*>(.*?)</h1>", card, re.S).group(1)
    assert "&lt;script&gt;" in title and "<script" not in title


def test_front_matter_round_trips_through_yaml(hostile_site) -> None:
    _, project, _, _ = hostile_site
    for path in _sources(project):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---"):
            meta = yaml.safe_load(text.split("---", 2)[1])
            assert isinstance(meta, dict), path


def test_a_code_that_could_leave_its_folder_is_refused(hostile_site, tmp_path) -> None:
    ctx, _, _, _ = hostile_site
    evil = ctx.results.copy()
    evil.loc[evil.org_code == evil.org_code.iloc[0], "org_code"] = "../../escape"
    settings = ctx.run.settings.model_copy(update={"org_codes": None})
    bad = replace(ctx, results=evil, run=ctx.run.model_copy(update={"settings": settings}))
    with pytest.raises(ValueError, match=r"'\.\./\.\./escape'.*letters and digits"):
        bad.published_orgs()
    assert not list(tmp_path.parent.glob("escape*"))
