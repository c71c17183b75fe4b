"""The preview's markdown (helpers.publish.render.preview.markdown): pandoc's rules, Quarto's
syntax, identifiers and shortcodes."""

from __future__ import annotations

import pytest
from render_support import site_fixture

from helpers.publish.render import SiteBuildError, render_site
from helpers.publish.render.preview.markdown import make_markdown, slugify


def test_slugify():
    assert slugify("A&E 4-hour performance") == "ae-4-hour-performance"
    assert slugify("2024/25 results") == "results"


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


def test_missing_include_names_file_and_line(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path)
    page = root / "reports/demo/orgs/RAA.qmd"
    page.write_text('---\ntitle: "A"\n---\n\nText\n\n{{< include _missing.md >}}\n')
    with pytest.raises(SiteBuildError, match=r"reports/demo/orgs/RAA.qmd:7: cannot include"):
        render_site(root, force_preview=True)
    assert not (root / "_site").exists()
    assert not list(root.glob("_site.*"))


def test_raw_html_blocks_pass_through_and_other_formats_are_left_out():
    out = make_markdown().render(
        "```{=html}\n<table data-x='1'><tr><td>a</td></tr></table>\n```\n\n"
        "```{=latex}\n\\newpage\n```\n\n```\n<b>code</b>\n```\n"
    )
    assert "<table data-x='1'><tr><td>a</td></tr></table>" in out  # as written, as Quarto does
    assert "newpage" not in out
    assert "&lt;b&gt;code&lt;/b&gt;" in out and "<b>code</b>" not in out  # code stays escaped
