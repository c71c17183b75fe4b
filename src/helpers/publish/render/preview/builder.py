"""The preview build: render every page (markdown or notebook), rewrite its links, lay it out in
the page template with its navigation, then copy the resources and the stylesheet."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote

import jinja2

from helpers.publish.render.errors import SiteBuildError
from helpers.publish.render.preview.markdown import (
    expand_shortcodes,
    make_markdown,
    split_front_matter,
)
from helpers.publish.render.preview.nav import check_nav, navbar, page_links, sidebar_for
from helpers.publish.render.preview.notebook import render_notebook
from helpers.publish.render.preview.state import (
    SCHEME,
    BuildState,
    MarkdownCache,
    Page,
    strip_tags,
)
from helpers.publish.render.project import find_pages, find_resources, page_options, read_yaml

TEMPLATES = Path(__file__).parent / "templates"
CSS_PATH = "site_libs/preview/site.css"
SEARCH_JS = "site_libs/preview/search.js"
SEARCH_INDEX = "site_libs/preview/org-index.js"
_REPORT_CARD = re.compile(r"^reports/[^/]+/orgs/(?!index\.)[^/]+\.qmd$")
_CARD_CODE = re.compile(r"Report card: (\S+)")
#: a backslash escape of markdown (helpers.publish.templating.md_text), undone for the index
_MD_ESCAPE = re.compile(r"\\(.)")
BANNER_TEXT = (
    "Preview build: rendered without Quarto by helpers.publish.render from the same pages and "
    "navigation. The published site is rendered with <code>quarto render</code>."
)
_TAG = re.compile(
    r"<(a|img|source|video|audio|track|iframe|embed|link|script|object)\b([^>]*)>", re.I | re.S
)
_ATTR = re.compile(r"(\s)(href|src|poster|data)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)


#: below this many pages to parse, one process does it (a pool costs more than it saves)
PARALLEL_FROM = 16
_WORKER_MD: list[Any] = []  # the parser of a pool process, made once


def _render_text(text: str) -> tuple[str, list[str]]:
    if not _WORKER_MD:
        _WORKER_MD.append(make_markdown())
    env: dict[str, Any] = {}
    out = _WORKER_MD[0].render(text, env)
    return out, list(env.pop("warnings", []))


def prerender(texts: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Whole pages' markdown rendered to HTML (with the parser's warnings), by text: in
    processes forked for the purpose, one per core, when there are many (parsing is most of a
    build's time, and the last step of ``assess site`` has every core to itself). The parser is
    deterministic: the HTML is the same as from :meth:`BuildState.render_md`."""
    workers = min(os.cpu_count() or 1, max(1, len(texts) // PARALLEL_FROM))
    if workers <= 1:
        return {}  # rendered one by one, as the pages are laid out
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        return dict(zip(texts, pool.map(_render_text, texts, chunksize=4), strict=True))


class Preview:
    """Build the project at ``root`` (its merged ``config``) into the folder ``build``."""

    def __init__(
        self, root: Path, config: dict[str, Any], build: Path, md_cache: Path | None = None
    ) -> None:
        md = make_markdown()
        var_file = root / "_variables.yml"
        variables = read_yaml(var_file) if var_file.exists() else {}
        self.sources = find_pages(root, config)
        pages = {s.as_posix(): Page(s, s.with_suffix(".html")) for s in self.sources}
        self.state = BuildState(root, config, build, md, variables, pages)
        if md_cache is not None:  # rendered markdown of unchanged pages, kept between builds
            self.state.md_cache = MarkdownCache(md_cache)
        self.project_css = self._project_css()

    def build(self) -> tuple[list[Path], list[str]]:
        """Render every page; return the pages written (relative to ``build``) and the
        warnings."""
        state = self.state
        if not self.sources:
            raise SiteBuildError("project.render matched no pages", path=state.root / "_quarto.yml")
        bodies = self._prepare_markdown()
        for page in state.pages.values():
            try:
                if page.src.suffix == ".ipynb":
                    render_notebook(state, page)
                else:
                    self._render_markdown(page, *bodies[page.src.as_posix()])
                page.body = self._postprocess(page.body, page)
            except SiteBuildError:
                raise
            except Exception as exc:  # noqa: BLE001 - name the page whatever went wrong
                raise SiteBuildError(f"{type(exc).__name__}: {exc}", path=page.src) from exc
        check_nav(state)
        template = _template()
        for page in state.pages.values():
            try:
                text = template.render(**self._context(page))
            except Exception as exc:  # noqa: BLE001
                raise SiteBuildError(f"layout failed: {exc}", path=page.src) from exc
            target = state.out_dir / page.out
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self._copy_resources()
        css = state.out_dir / CSS_PATH
        css.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES / "site.css", css)
        shutil.copyfile(TEMPLATES / "search.js", state.out_dir / SEARCH_JS)
        for name in self.project_css:
            target = state.out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)  # a resource linked there already
            shutil.copyfile(state.root / name, target)
        (state.out_dir / SEARCH_INDEX).write_text(
            "window.ORG_INDEX = " + json.dumps(self._org_index(), ensure_ascii=True) + ";\n",
            encoding="utf-8",
        )
        if state.md_cache is not None:
            state.md_cache.prune()
        return [p.out for p in state.pages.values()], state.warnings

    def _project_css(self) -> list[str]:
        """The project's own stylesheets (``format.html.css`` of ``_quarto.yml``, a path or a
        list), linked from every page as Quarto links them; a missing file stops the build."""
        html_opts = ((self.state.config.get("format") or {}).get("html")) or {}
        css = html_opts.get("css") if isinstance(html_opts, dict) else None
        names = [css] if isinstance(css, str) else list(css or [])
        for name in names:
            if not (self.state.root / name).is_file():
                raise SiteBuildError(f"format.html.css: {name} not found", path=self.state.root)
        return [str(PurePosixPath(n)) for n in names]

    def _org_index(self) -> list[dict[str, str | list[str]]]:
        """Every report card for the search box: name, code, assessment, the page (relative
        to the site root) and the card's ``keywords`` (its hospitals and their towns, markdown
        escapes undone), sorted by page, the primary verdicts before the topic views. Written
        as JSON in a script of its own (the site opens from
        the file system, where a page cannot fetch a JSON file); the names are data, shown by
        the script as text only."""
        state = self.state
        out = []
        for key, page in sorted(state.pages.items()):
            if not _REPORT_CARD.match(key):
                continue
            code = _CARD_CODE.search(str(page.opts.get("subtitle") or ""))
            assessment = state.pages.get(str(PurePosixPath(key).parent.parent / "index.qmd"))
            topic = page.opts.get("assessment-role") == "topic"
            keywords = page.opts.get("keywords") or []
            out.append(
                (
                    topic,  # a primary verdict before a topic view of the same organisation
                    {
                        "t": strip_tags(page.title),
                        "c": code.group(1) if code else page.src.stem,
                        "a": strip_tags(assessment.title) if assessment else "",
                        "u": page.out.as_posix(),
                        "k": [
                            _MD_ESCAPE.sub(r"\1", str(k))
                            for k in ([keywords] if isinstance(keywords, str) else keywords)
                        ],
                    },
                )
            )
        return [entry for _, entry in sorted(out, key=lambda e: e[0])]

    # ---------------------------------------------------------------- pages
    def _prepare_markdown(self) -> dict[str, tuple[str, list[str]]]:
        """Every markdown page's options, title and body (shortcodes expanded), with the
        warnings of its shortcodes; then the bodies the markdown cache does not have are
        rendered ahead, in parallel (:func:`prerender`)."""
        state = self.state
        bodies: dict[str, tuple[str, list[str]]] = {}
        for key, page in state.pages.items():
            if page.src.suffix == ".ipynb":
                continue
            try:
                bodies[key] = self._markdown_body(page)
            except SiteBuildError:
                raise
            except Exception as exc:  # noqa: BLE001 - name the page whatever went wrong
                raise SiteBuildError(f"{type(exc).__name__}: {exc}", path=page.src) from exc
        cache = state.md_cache
        todo = [b for b, _w in bodies.values() if cache is None or not cache.has(b)]
        state.rendered.update(prerender(list(dict.fromkeys(todo))))
        return bodies

    def _markdown_body(self, page: Page) -> tuple[str, list[str]]:
        state = self.state
        path = state.root / page.src
        front, body, skipped = split_front_matter(path.read_text(encoding="utf-8"), page.src)
        page.opts = page_options(state.config, front)
        warnings: list[str] = []
        body = expand_shortcodes(
            body,
            path,
            state.root,
            page.opts,
            state.variables,
            first_line=skipped + 1,
            warnings=warnings,
        )
        page.title = state.title_html(page.opts.get("title"))
        return body, warnings

    def _render_markdown(self, page: Page, body: str, warnings: list[str]) -> None:
        self.state.warnings.extend(warnings)  # the shortcodes' first, as they were found
        page.body = self.state.render_md(body, page, {}, whole=True)

    # ---------------------------------------------------------------- links and resources
    def _resolve(self, url: str, page: Page) -> str:
        """Rewrite one local href/src of ``page``; record resources to copy."""
        state = self.state
        if not url or url.startswith(("#", "data:", "mailto:")) or SCHEME.match(url):
            return url
        m = re.match(r"^([^?#]*)(.*)$", url, re.S)
        path_part, suffix = m.group(1), m.group(2)
        if not path_part:
            return url
        raw = unquote(path_part)
        base = PurePosixPath(page.src.as_posix()).parent
        joined = PurePosixPath(raw.lstrip("/")) if raw.startswith("/") else base / raw
        target = PurePosixPath(os.path.normpath(joined.as_posix()))
        if target.parts and target.parts[0] == "..":
            state.warnings.append(f"{page.src.as_posix()}: link {url!r} leaves the project")
            return url
        key = target.as_posix()
        if raw.endswith("/") or (state.root / key).is_dir():
            for index in ("index.qmd", "index.md", "index.ipynb"):
                if (PurePosixPath(key) / index).as_posix() in state.pages:
                    key = (PurePosixPath(key) / index).as_posix()
                    break
        if key in state.pages or PurePosixPath(key).suffix in (".qmd", ".ipynb"):
            if key not in state.pages:
                state.warnings.append(
                    f"{page.src.as_posix()}: link {url!r} points to a page that is not rendered"
                )
            new = PurePosixPath(key).with_suffix(".html").as_posix()
        else:
            if (state.root / key).is_file():
                state.resources.add(Path(key))
            elif not (state.out_dir / key).is_file():
                state.warnings.append(f"{page.src.as_posix()}: link target {url!r} not found")
            new = key
        return quote(state.relative(new, page)) + suffix

    def _postprocess(self, body: str, page: Page) -> str:
        """Resolve every local link of ``body``; give an ``<img>`` without alt text one."""

        def fix_attr(m: re.Match[str]) -> str:
            value = html.unescape(m.group(3)[1:-1])
            return (
                f'{m.group(1)}{m.group(2)}="{html.escape(self._resolve(value, page), quote=True)}"'
            )

        def fix_tag(m: re.Match[str]) -> str:
            name, attrs = m.group(1), m.group(2)
            attrs = _ATTR.sub(fix_attr, attrs)
            if name.lower() == "img" and not re.search(r"\salt\s*=", attrs, re.I):
                attrs = ' alt="Figure"' + attrs
                self.state.warnings.append(f"{page.src.as_posix()}: an <img> had no alt text")
            return f"<{name}{attrs}>"

        return _TAG.sub(fix_tag, body)

    def _copy_resources(self) -> None:
        state = self.state
        for rel in find_resources(state.root, state.config):
            state.resources.add(rel)
        out_name = (state.config.get("project") or {}).get("output-dir", "_site")
        for rel in sorted(state.resources):
            if rel.parts and rel.parts[0] == out_name:
                continue
            target = state.out_dir / rel
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:  # a hard link: no copy of the figures (nothing rewrites a published file)
                os.link(state.root / rel, target)
            except OSError:  # another file system, or links not allowed
                shutil.copy2(state.root / rel, target)

    # ---------------------------------------------------------------- layout
    def _context(self, page: Page) -> dict[str, Any]:
        """The page template's variables for ``page``."""
        state = self.state
        opts = page.opts
        website = state.website
        navbar_items = website.get("navbar") or {}
        sidebar, sidebar_title = sidebar_for(state, page)
        prev_link, next_link = page_links(state, sidebar)
        toc = _toc(page.body, int(opts.get("toc-depth", 3))) if opts.get("toc") else []
        footer = website.get("page-footer")
        if isinstance(footer, str):
            footer = {"center": footer}
        footer = {
            k: state.md.renderInline(str(v))
            for k, v in (footer or {}).items()
            if k in ("left", "center", "right") and v
        }
        announcement = website.get("announcement")
        if isinstance(announcement, dict):
            announcement = announcement.get("content")
        announcement = (  # Quarto's site-wide banner; its links resolved like the page's own
            self._postprocess(state.md.renderInline(str(announcement)), page)
            if announcement
            else ""
        )
        site_title = str(website.get("title") or state.config.get("title") or "")
        title_text = strip_tags(page.title)
        home = "index.html" if "index.qmd" in state.pages or "index.md" in state.pages else None
        desc = opts.get("description")
        subtitle = opts.get("subtitle")
        return {
            "lang": str(opts.get("lang") or "en"),
            # the page's title, then the site's, once ("Home – Site", never "Site – Site")
            "head_title": " \u2013 ".join(dict.fromkeys(t for t in (title_text, site_title) if t))
            or page.src.stem,
            "site_title": site_title,
            "home_href": state.relative(home, page) if home else None,
            "css_href": state.relative(CSS_PATH, page),
            "project_css": [state.relative(n, page) for n in self.project_css],
            "search_js": state.relative(SEARCH_JS, page),
            "search_index": state.relative(SEARCH_INDEX, page),
            "site_root": state.relative("index.html", page).removesuffix("index.html"),
            "meta_description": str(desc or website.get("description") or ""),
            "banner": BANNER_TEXT,
            "announcement": announcement,
            "navbar_left": navbar(state, navbar_items.get("left"), page),
            "navbar_right": navbar(state, navbar_items.get("right"), page),
            "sidebar": sidebar,
            "sidebar_title": sidebar_title,
            "title": page.title,
            "subtitle": state.md.renderInline(str(subtitle)) if subtitle else "",
            "description": state.md.renderInline(str(desc)) if desc else "",
            "author": _authors(opts.get("author")),
            "date": str(opts.get("date") or ""),
            "toc": toc if len(toc) >= 1 else [],
            "toc_title": str(opts.get("toc-title") or "On this page"),
            "body": page.body,
            "prev_link": prev_link,
            "next_link": next_link,
            "footer": footer,
            "source": page.src.as_posix(),
        }


def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("page.html.j2")


def _toc(body: str, depth: int) -> list[dict[str, Any]]:
    """The table of contents: headings with an id down to ``depth``, except ``.unlisted``."""
    toc = []
    for m in re.finditer(r"<h([1-6])\b([^>]*)>(.*?)</h\1>", body, re.S):
        attrs = m.group(2)
        idm = re.search(r'\sid="([^"]+)"', attrs)
        if not idm or int(m.group(1)) > depth or "unlisted" in attrs:
            continue
        toc.append({"level": int(m.group(1)), "id": idm.group(1), "text": strip_tags(m.group(3))})
    return toc


def _authors(value: Any) -> str:
    if not value:
        return ""
    items = value if isinstance(value, list) else [value]
    names = [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in items]
    return ", ".join(n for n in names if n)
