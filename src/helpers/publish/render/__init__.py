"""Build the website: ``quarto render`` when Quarto is installed, otherwise a labelled preview.

The preview renderer reads the same Quarto project (``_quarto.yml``, its ``metadata-files``, the
``project.render`` list and ``project.resources``) and renders the same pages with the same
navigation, so that the site can be built and checked on machines without Quarto. Every preview
page carries a visible banner saying so.

Both renderers build into a hidden temporary sibling folder (``._site.tmp-*``, see
:func:`helpers.core.files.building`) and only swap it into place when every page rendered; on
failure :class:`SiteBuildError` names the page (and line where known), the previous site is left
untouched and the temporary folder is removed; a file that cannot be written (a full disk, no
permission) is a :class:`SiteBuildError` too, naming the path and the reason. A renderer
warning (a heading that runs on from a paragraph and would show as raw ``###``, a link to no
page, an image without alt text, Quarto's ``WARN`` lines) fails the build the same way: the
error lists the warnings and the previous site is kept. A build killed
meanwhile leaves the previous site as it was, and its temporary folder is removed by the next.

Supported in the preview (the subset of Quarto the pipeline's pages use):

* ``.qmd``/``.md``: YAML front matter (``title``, ``subtitle``, ``description``, ``author``,
  ``date``, ``toc``...), CommonMark with pipe tables (and ``: caption`` lines), strikethrough,
  footnotes, raw HTML (inline and ```` ```{=html} ```` blocks), ``{#id .class key=value}``
  attributes on images, links, spans and headings,
  pandoc fenced divs (nested, ``::: {.callout-*}`` with a ``## Title`` or ``title=`` and
  ``collapse=``), implicit figures (an image alone in a paragraph with a caption), ``fig-alt``,
  the ``include``, ``meta``, ``var`` and ``pagebreak`` shortcodes, links to ``.qmd``/``.ipynb``
  rewritten to ``.html``.
* ``.ipynb``: executed outputs (markdown, HTML, PNG/JPEG/SVG, text, streams, errors) and the cell
  options ``include``, ``echo``, ``output`` (incl. ``asis``), ``warning``, ``code-fold``,
  ``code-summary``, ``fig-cap``, ``fig-alt``, ``label`` plus the ``remove-*`` cell tags.
* Navigation: ``website.title``, ``navbar`` (``left``/``right``, ``menu``), ``sidebar`` (nested
  sections, ``collapse-level``, several sidebars), ``page-navigation``, ``page-footer``, the
  table of contents (``toc``, ``toc-depth``, ``toc-title``).

Not supported (ignored): themes (a small accessible stylesheet replaces ``cosmo``), search,
cross-references and numbering (``@fig-x``), tabsets and column/margin layouts (their divs are
kept as plain ``<div>``\\ s), code execution (``execute.enabled`` is assumed false), listings,
``sidebar: auto`` contents, math rendering (TeX is left as text), code tools and annotations.

Modules (dependencies flow down this list, never up):

* :mod:`.errors`: :class:`SiteBuildError`.
* :mod:`.project`: reading the Quarto project, its pages and resources, a page's options.
* :mod:`.quarto`: running ``quarto render``.
* :mod:`.quarto_units`: Quarto in independent page sets, in parallel, only what changed.
* :mod:`.quarto_pages`: Quarto's pages made self-contained and accessible (no request to
  another host: any left is a warning).
* :mod:`.vendor`: the front-end files from npm the site ships (``assets/vendor.json``).
* :mod:`.preview.state`: the pages and what the preview build collects (shared by the stages).
* :mod:`.preview.markdown`: pandoc-flavoured markdown, front matter and shortcodes.
* :mod:`.preview.notebook`: executed notebooks and Quarto's cell options.
* :mod:`.preview.nav`: navbar, sidebars, previous/next links and the navigation check.
* :mod:`.preview.builder`: the page loop, links and resources, and the page template
  (``preview/templates/``).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core.files import building, describe_os_error
from helpers.publish.render.errors import SiteBuildError
from helpers.publish.render.preview.builder import Preview
from helpers.publish.render.project import load_project
from helpers.publish.render.quarto import quarto_render
from helpers.publish.render.quarto_pages import finish_pages
from helpers.publish.render.quarto_units import canonical_search, default_jobs_env, render_units
from helpers.publish.render.vendor import install_vendor

__all__ = ["RenderResult", "SiteBuildError", "render_site", "summarise_warnings"]

log = logging.getLogger(__name__)


@dataclass
class RenderResult:
    """What a build produced: ``kind`` is "quarto" or "preview"; ``pages`` are the HTML files."""

    kind: str
    output_dir: Path
    pages: list[Path]
    warnings: list[str] = field(default_factory=list)


def render_site(
    root: Path,
    output_dir: Path | None = None,
    *,
    force_preview: bool = False,
    profile: str | None = None,
    md_cache: Path | None = None,
    allow_warnings: bool = False,
) -> RenderResult:
    """Render the Quarto website project at ``root`` into ``output_dir`` (default: the project's
    ``output-dir``, ``_site``). Uses ``quarto render`` when Quarto is on PATH and
    ``force_preview`` is false, else the preview renderer; ``profile`` as Quarto's. The preview
    keeps the rendered markdown of every page in ``md_cache`` (a folder) when given, so that the
    pages that did not change are not parsed again. Any warning of the renderer raises
    :class:`SiteBuildError` (listing them) and keeps the previous site, unless
    ``allow_warnings`` (then they are logged and returned)."""
    root = Path(root).resolve()
    config = load_project(root, profile)
    project = config.get("project") or {}
    out = Path(output_dir) if output_dir else root / project.get("output-dir", "_site")
    out = out.resolve()
    if out == root or out in root.parents:
        raise SiteBuildError(f"refusing to build into {out}: it contains the project")
    try:
        install_vendor(root)  # npm's pinned front-end files (assets/vendor.json), before any page
        with building(out) as tmp:
            quarto = None if force_preview else shutil.which("quarto")
            if quarto:
                kind, warnings = "quarto", _quarto(quarto, root, tmp, profile, out)
                warnings += finish_pages(tmp)  # self-contained and accessible, or a warning
                pages = sorted(p.relative_to(tmp) for p in tmp.rglob("*.html"))
            else:
                kind = "preview"
                pages, warnings = Preview(root, config, tmp, md_cache).build()
            if warnings and not allow_warnings:  # before the swap: the old site stays
                raise SiteBuildError(warnings_failure(warnings, out))
            (tmp / ".preview").write_text(kind + "\n", encoding="utf-8")
    except OSError as exc:  # a full disk, an unwritable folder: one line, the path and why
        raise SiteBuildError(
            f"{describe_os_error(exc, out)}; the previous site in {out} was left as it was"
        ) from None
    for line in summarise_warnings(warnings):
        log.warning("%s", line)
    return RenderResult(kind, out, [out / p for p in pages], warnings)


def _quarto(quarto: str, root: Path, tmp: Path, profile: str | None, out: Path) -> list[str]:
    """Quarto's render into ``tmp``: in page sets, in parallel, reusing the unchanged sets of
    the site in ``out`` (:mod:`.quarto_units`); ``QUARTO_JOBS=0`` renders the whole project in
    one ``quarto render`` (as Quarto alone does)."""
    if default_jobs_env() == 0:
        warnings = quarto_render(quarto, root, tmp, profile)
        canonical_search(root, tmp, profile)
        return warnings
    warnings, rendered = render_units(quarto, root, tmp, profile, previous=out)
    log.info("Quarto rendered %d page sets: %s", len(rendered), ", ".join(rendered) or "none")
    return warnings


def warnings_failure(warnings: Sequence[str], out: Path) -> str:
    """The message of a build failed by its renderer's warnings: how many, one line per kind."""
    lines = "\n".join(f"  {line}" for line in summarise_warnings(warnings))
    n = len(warnings)
    return (
        f"the renderer gave {n} warning{'s' if n != 1 else ''}, and a warning fails the build "
        f"(the previous site in {out} was left as it was):\n{lines}"
    )


def summarise_warnings(warnings: Sequence[str], limit: int = 20) -> list[str]:
    """One line per distinct message ("<page>: <message>" grouped over pages)."""
    groups: dict[str, dict[str, None]] = {}
    for w in warnings:
        page, sep, message = w.partition(": ")
        if not sep or "/" not in page and "." not in page:
            page, message = "", w
        groups.setdefault(message, {})[page] = None
    lines = []
    for message, found in groups.items():
        pages = list(found)
        where = pages[0] if len(pages) == 1 else f"{len(pages)} pages, e.g. {pages[0]}"
        lines.append(f"{where}: {message}" if where else message)
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more kinds of warning"]
    return lines
