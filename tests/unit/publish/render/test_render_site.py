"""The renderer's entry point (helpers.publish.render): where the site goes, what it reports,
building beside the old site and swapping it in, and Quarto when it is on PATH."""

from __future__ import annotations

import os
import stat

import pytest
from render_support import EXPECTED_PAGES, site_fixture

from helpers.publish.render import SiteBuildError, render_site, summarise_warnings


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


def test_no_hidden_build_folders_left_behind(built):
    root, _ = built
    assert not list(root.glob("._site.*"))  # helpers.core.files.building's temporary folders


def test_refuses_to_build_into_the_project(tmp_path):
    root = site_fixture.make_fixture_project(tmp_path / "project")
    for out in (root, tmp_path):
        with pytest.raises(SiteBuildError, match="it contains the project"):
            render_site(root, out, force_preview=True)


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
    # one `quarto render` of the whole project (the page sets rendered in parallel are
    # tested with their own stand-in in test_quarto_units.py)
    monkeypatch.setenv("QUARTO_JOBS", "0")
    result = render_site(root)
    assert result.kind == "quarto"
    assert (root / "_site/index.html").read_text().strip() == "<html>quarto</html>"
    assert (root / "_site/.preview").read_text().strip() == "quarto"
    assert render_site(root, force_preview=True).kind == "preview"


def test_fixture_builds_without_warnings(built):
    _, result = built
    assert result.warnings == []


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_renderer_warning_fails_the_build_and_keeps_the_previous_site(tmp_path):
    """A heading straight after a paragraph's line is that paragraph's text to pandoc (the
    methodology's "### England here ..." shown as raw text): the build fails, naming the page
    and the line, and the site built before stays as it was."""
    root = site_fixture.make_fixture_project(tmp_path)
    render_site(root, force_preview=True)
    before = _files(root / "_site")
    page = root / "reports/demo/metrics/rtt_18wk_pct.qmd"
    page.write_text(page.read_text() + "\n- **Standards** are met.\n### A heading run on\n\nText\n")
    with pytest.raises(SiteBuildError) as err:
        render_site(root, force_preview=True)
    message = str(err.value)
    assert "1 warning, and a warning fails the build" in message
    assert "reports/demo/metrics/rtt_18wk_pct.qmd: '### A heading run on' continues" in message
    assert "the previous site in" in message
    assert _files(root / "_site") == before
    assert not list(root.glob("._site*"))


def test_a_notebook_figure_without_alt_text_fails_the_build(tmp_path):
    import nbformat

    root = site_fixture.make_fixture_project(tmp_path)
    path = root / "reports/demo/pipeline/01-analysis.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[-1].source = "plot_without_caption()"
    nbformat.write(nb, path)
    with pytest.raises(SiteBuildError, match="figure has no fig-alt/fig-cap"):
        render_site(root, force_preview=True)
    assert not (root / "_site").exists()
    result = render_site(root, force_preview=True, allow_warnings=True)
    assert result.warnings == [
        "reports/demo/pipeline/01-analysis.ipynb: cell 7: figure has no fig-alt/fig-cap"
    ]


def test_summarise_warnings():
    lines = summarise_warnings(["a.qmd: bad", "b.qmd: bad", "b.qmd: bad", "c.qmd: other", "nav"])
    assert lines == ["2 pages, e.g. a.qmd: bad", "c.qmd: other", "nav"]


def test_a_rebuild_with_the_markdown_cache_gives_the_same_site_and_parses_only_what_changed(
    tmp_path, monkeypatch
):
    root = site_fixture.make_fixture_project(tmp_path / "project")
    cache = tmp_path / "md-cache"
    plain = render_site(root, tmp_path / "plain", force_preview=True)
    first = render_site(root, force_preview=True, md_cache=cache)

    def read(result):
        return {
            p.relative_to(result.output_dir).as_posix(): p.read_bytes()
            for p in result.output_dir.rglob("*")
            if p.is_file()
        }

    site = read(first)
    assert site == read(plain)  # the cache changes nothing in what is built
    assert first.warnings == plain.warnings
    from helpers.publish.render.preview.state import BuildState

    parsed, texts = [], set()
    real = BuildState.render_md

    def counting(self, text, page, env, *, whole=False):
        if whole:
            texts.add(text)
            if self.md_cache.get(text) is None:
                parsed.append(page.src.as_posix())
        return real(self, text, page, env, whole=whole)

    monkeypatch.setattr(BuildState, "render_md", counting)
    page = root / "reports/demo/metrics/rtt_18wk_pct.qmd"
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    again = render_site(root, force_preview=True, md_cache=cache)
    assert parsed == ["reports/demo/metrics/rtt_18wk_pct.qmd"]  # the other pages: from the cache
    changed = {k for k, v in read(again).items() if site.get(k) != v}
    assert changed == {"reports/demo/metrics/rtt_18wk_pct.html"}
    html = (again.output_dir / "reports/demo/metrics/rtt_18wk_pct.html").read_text()
    assert "One more sentence." in html
    # one entry per page text of the last build: the page's old text is dropped
    assert len(list(cache.glob("*.json"))) == len(texts)


def test_pages_parsed_in_parallel_give_the_same_site_and_warnings(tmp_path, monkeypatch):
    """The preview parses the pages' markdown in a pool of processes when there are many
    (builder.prerender); the site and its warnings are those of one process."""
    from helpers.publish.render.preview import builder

    root = site_fixture.make_fixture_project(tmp_path / "project")
    serial = render_site(root, tmp_path / "serial", force_preview=True)
    calls = []
    real = builder.prerender

    def spy(texts):
        got = real(texts)
        calls.append((len(texts), len(got)))
        return got

    monkeypatch.setattr(builder, "PARALLEL_FROM", 1)  # every page in a pool of two
    monkeypatch.setattr(builder, "prerender", spy)
    monkeypatch.setattr(builder.os, "cpu_count", lambda: 2)
    parallel = render_site(root, tmp_path / "parallel", force_preview=True)
    assert calls and calls[0][0] > 1 and calls[0][1] == calls[0][0]  # all rendered ahead

    def files(result):
        out = result.output_dir
        return {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
        }

    assert files(parallel) == files(serial)
    assert parallel.warnings == serial.warnings
