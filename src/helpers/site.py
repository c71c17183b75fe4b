"""Build the website: ``quarto render`` when Quarto is installed, otherwise a labelled preview.

The preview renderer reads the same Quarto project (``_quarto.yml``, its ``metadata-files``, the
``project.render`` list and ``project.resources``) and renders the same pages with the same
navigation, so that the site can be built and checked on machines without Quarto. Every preview
page carries a visible banner saying so.

Both renderers build into a temporary sibling folder (``_site.tmp-*``) and only swap it into place
when every page rendered; on failure :class:`SiteBuildError` names the page (and line where
known), the previous site is left untouched and the temporary folder is removed.

Supported in the preview (the subset of Quarto the pipeline's pages use):

* ``.qmd``/``.md``: YAML front matter (``title``, ``subtitle``, ``description``, ``author``,
  ``date``, ``toc``...), CommonMark with pipe tables (and ``: caption`` lines), strikethrough,
  footnotes, raw HTML, ``{#id .class key=value}`` attributes on images, links, spans and headings,
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
"""

from __future__ import annotations

import contextlib
import copy
import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from base64 import b64decode
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import quote, unquote

import yaml

log = logging.getLogger(__name__)

PAGE_SUFFIXES = (".qmd", ".md", ".ipynb")
TEMPLATES = Path(__file__).parent / "templates" / "site"
CSS_PATH = "site_libs/preview/site.css"
BANNER_TEXT = (
    "Preview build: rendered without Quarto by helpers.site from the same pages and navigation. "
    "The published site is rendered with <code>quarto render</code>."
)
CALLOUT_LABELS = {
    "note": ("Note", "i"),
    "tip": ("Tip", "\u2713"),
    "important": ("Important", "!"),
    "warning": ("Warning", "\u26a0"),
    "caution": ("Caution", "\u26a0"),
}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


class SiteBuildError(RuntimeError):
    """The site could not be built; ``path`` (and ``line``) say where, when known."""

    def __init__(
        self, message: str, path: Path | str | None = None, line: int | None = None
    ) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(where + message)
        self.path = Path(path) if path is not None else None
        self.line = line


@dataclass
class RenderResult:
    """What a build produced: ``kind`` is "quarto" or "preview"; ``pages`` are the HTML files."""

    kind: str
    output_dir: Path
    pages: list[Path]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------


def render_site(
    root: Path,
    output_dir: Path | None = None,
    *,
    force_preview: bool = False,
    profile: str | None = None,
) -> RenderResult:
    """Render the Quarto website project at ``root`` into ``output_dir`` (default: the project's
    ``output-dir``, ``_site``). Uses ``quarto render`` when Quarto is on PATH and
    ``force_preview`` is false, else the preview renderer; ``profile`` as Quarto's."""
    root = Path(root).resolve()
    config = load_project(root, profile)
    project = config.get("project") or {}
    out = Path(output_dir) if output_dir else root / project.get("output-dir", "_site")
    out = out.resolve()
    if out == root or out in root.parents:
        raise SiteBuildError(f"refusing to build into {out}: it contains the project")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        quarto = None if force_preview else shutil.which("quarto")
        if quarto:
            kind, warnings = "quarto", _quarto_render(quarto, root, tmp, profile)
            pages = sorted(p.relative_to(tmp) for p in tmp.rglob("*.html"))
        else:
            kind = "preview"
            pages, warnings = _Preview(root, config, tmp).build()
        (tmp / ".preview").write_text(kind + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_into_place(tmp, out)
    for line in summarise_warnings(warnings):
        log.warning("%s", line)
    return RenderResult(kind, out, [out / p for p in pages], warnings)


def summarise_warnings(warnings: Sequence[str], limit: int = 20) -> list[str]:
    """One line per distinct message ("<page>: <message>" grouped over pages)."""
    groups: dict[str, list[str]] = {}
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


def swap_into_place(new: Path, out: Path) -> None:
    """Move ``new`` to ``out``; the old ``out`` is removed only once the new one is in place."""
    old = None
    if out.exists():
        old = out.with_name(f"{out.name}.old-{os.getpid()}-{new.name.rsplit('-', 1)[-1]}")
        out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        shutil.rmtree(new, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _quarto_render(quarto: str, root: Path, tmp: Path, profile: str | None = None) -> list[str]:
    rel = os.path.relpath(tmp, root)
    cmd = [quarto, "render", str(root), "--output-dir", rel]
    if profile:
        cmd += ["--profile", profile]
    log.info("running %s", " ".join(cmd))
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-30:])
        raise SiteBuildError(f"quarto render failed (exit {proc.returncode}):\n{tail}", path=root)
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("WARN")]


# --------------------------------------------------------------------------------------------
# project configuration
# --------------------------------------------------------------------------------------------


def deep_merge(base: Any, over: Any, lists: Literal["concat", "replace"] = "concat") -> Any:
    """Merge like Quarto's configuration merge: mappings recursively, lists concatenated (without
    duplicates; ``lists="replace"``: replaced), anything else replaced by ``over``."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = (
                deep_merge(base[key], value, lists) if key in base else copy.deepcopy(value)
            )
        return merged
    if lists == "concat" and isinstance(base, list) and isinstance(over, list):
        merged_list = list(base)
        merged_list.extend(v for v in over if v not in base)
        return merged_list
    return copy.deepcopy(over)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SiteBuildError("file not found", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SiteBuildError(
            f"invalid YAML: {exc}", path=path, line=mark.line + 1 if mark else None
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SiteBuildError("expected a YAML mapping", path=path)
    return data


def load_project(root: Path, profile: str | None = None) -> dict[str, Any]:
    """``_quarto.yml`` merged with its ``metadata-files`` (in order), then with the profile's
    ``_quarto-<profile>.yml`` when it exists (as ``quarto render --profile``)."""
    root = Path(root)
    config = _read_yaml(root / "_quarto.yml")
    for name in config.get("metadata-files") or []:
        config = deep_merge(config, _read_yaml(root / name))
    if profile and (root / f"_quarto-{profile}.yml").exists():
        config = deep_merge(config, _read_yaml(root / f"_quarto-{profile}.yml"))
    return config


def _hidden(rel: PurePosixPath) -> bool:
    return any(part.startswith(("_", ".")) for part in rel.parts)


def _expand(root: Path, patterns: Iterable[str], *, skip_hidden: bool = True) -> list[Path]:
    """Expand project-relative globs (``!pattern`` excludes) to sorted relative file paths."""
    include: dict[str, Path] = {}
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.lstrip("/")
        if any(c in pat for c in "*?["):
            matches = [p for p in root.glob(pat)]
        else:
            matches = [root / pat] if (root / pat).exists() else []
        for match in matches:
            files = sorted(match.rglob("*")) if match.is_dir() else [match]
            for f in files:
                if not f.is_file():
                    continue
                rel = f.relative_to(root)
                if (
                    skip_hidden
                    and any(c in pat for c in "*?[")
                    and _hidden(PurePosixPath(rel.as_posix()))
                ):
                    continue
                if negate:
                    include.pop(rel.as_posix(), None)
                else:
                    include[rel.as_posix()] = rel
    return [include[k] for k in sorted(include)]


def find_pages(root: Path, config: dict[str, Any]) -> list[Path]:
    """The pages Quarto would render: ``project.render`` (or every page file), relative to root,
    skipping names that start with ``_`` or ``.``."""
    project = config.get("project") or {}
    patterns = project.get("render") or ["**/*" + s for s in PAGE_SUFFIXES]
    out = project.get("output-dir", "_site")
    pages = []
    for rel in _expand(root, patterns):
        posix = PurePosixPath(rel.as_posix())
        if rel.suffix not in PAGE_SUFFIXES or _hidden(posix) or posix.parts[0] == out:
            continue
        pages.append(rel)
    return pages


def page_options(config: dict[str, Any], front: dict[str, Any]) -> dict[str, Any]:
    """Effective options of one page: project-level keys, ``format.html``, then the page's own
    front matter (and its ``format.html``)."""
    opts: dict[str, Any] = {
        k: v
        for k, v in config.items()
        if k not in ("project", "website", "format", "metadata-files")
    }
    fmt = (config.get("format") or {}).get("html")
    if isinstance(fmt, dict):
        opts = deep_merge(opts, fmt)
    page = {k: v for k, v in front.items() if k != "format"}
    opts = deep_merge(opts, page)
    pfmt = (
        (front.get("format") or {}).get("html") if isinstance(front.get("format"), dict) else None
    )
    if isinstance(pfmt, dict):
        opts = deep_merge(opts, pfmt)
    return opts


# --------------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------------


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any], str, int]:
    """(metadata, body, number of lines removed) of a document with optional YAML front matter."""
    if not text.startswith("---"):
        return {}, text, 0
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return {}, text, 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "".join(lines[1:i])
            try:
                meta = yaml.safe_load(raw) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = mark.line + 2 if mark else 1
                raise SiteBuildError(f"invalid YAML front matter: {exc}", path, line) from exc
            if not isinstance(meta, dict):
                raise SiteBuildError("front matter is not a YAML mapping", path, 1)
            return meta, "".join(lines[i + 1 :]), i + 1
    raise SiteBuildError("front matter is not closed by ---", path, 1)


def slugify(text: str) -> str:
    """Pandoc's auto identifiers (so anchors match Quarto's)."""
    text = re.sub(r"<[^>]+>|\[\^[^\]]*\]|[*_`]", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(c for c in text if c.isalnum() or c in "_-. \n\t")
    text = re.sub(r"\s+", "-", text.strip())
    text = re.sub(r"^[^a-z]+", "", text)
    return text or "section"


def _parse_attrs(text: str) -> dict[str, str]:
    """``{#id .a .b key=value}`` -> attributes (classes joined)."""
    from mdit_py_plugins.attrs.parse import ParseError, parse

    try:
        _, attrs = parse(text)
    except ParseError as exc:
        raise ValueError(f"malformed attributes {text!r}: {exc}") from exc
    return dict(attrs)


def _div_opener(line: str) -> tuple[int, dict[str, str]] | None:
    """Fenced div opener ``::: {.a #b}`` / ``::: name`` -> (colons, attributes)."""
    m = re.match(r"^(:{3,})\s*(.*?)\s*:*\s*$", line)
    if not m or not m.group(2):
        return None
    spec = m.group(2)
    if spec.startswith("{"):
        if not spec.endswith("}"):
            return None
        try:
            return len(m.group(1)), _parse_attrs(spec)
        except ValueError:
            return None
    if re.fullmatch(r"[\w-]+", spec):
        return len(m.group(1)), {"class": spec}
    return None


def _fenced_div_rule(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    first = state.src[
        state.bMarks[start_line] + state.tShift[start_line] : state.eMarks[start_line]
    ]
    opened = _div_opener(first)
    if opened is None:
        return False
    if silent:
        return True
    depth, fence, line = 0, None, start_line
    closed = False
    while True:
        line += 1
        if line >= end_line:
            break
        begin = state.bMarks[line] + state.tShift[line]
        text = state.src[begin : state.eMarks[line]]
        if begin < state.eMarks[line] and state.sCount[line] < state.blkIndent:
            break
        if fence:
            if text.startswith(fence):
                fence = None
            continue
        m = re.match(r"^(`{3,}|~{3,})", text)
        if m:
            fence = m.group(1)
            continue
        if _div_opener(text):
            depth += 1
        elif re.fullmatch(r":{3,}\s*", text):
            if depth == 0:
                closed = True
                break
            depth -= 1
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "fenced_div"
    state.lineMax = line
    token = state.push("fenced_div_open", "div", 1)
    token.block = True
    token.map = [start_line, line]
    token.meta["attrs"] = opened[1]
    state.md.block.tokenize(state, start_line + 1, line)
    token = state.push("fenced_div_close", "div", -1)
    token.block = True
    state.parentType, state.lineMax = old_parent, old_max
    state.line = line + (1 if closed else 0)
    return True


def _core_headings(state: Any) -> None:
    """Heading ``{#id .class}`` attributes and pandoc identifiers (before inline parsing)."""
    ids: set[str] = state.env.setdefault("ids", set())
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        m = re.search(r"\s*(\{[^{}]*\})\s*$", inline.content)
        attrs: dict[str, str] = {}
        if m:
            with contextlib.suppress(ValueError):
                attrs = _parse_attrs(m.group(1))
                inline.content = inline.content[: m.start()]
        ident = attrs.pop("id", None)
        if not ident:
            base = slugify(inline.content)
            ident, n = base, 0
            while ident in ids:
                n += 1
                ident = f"{base}-{n}"
        ids.add(ident)
        tok.attrSet("id", ident)
        for key, value in attrs.items():
            tok.attrSet(key, value)


def _core_blocks(state: Any) -> None:
    """Callout titles, table captions and implicit figures (after inline parsing)."""
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "fenced_div_open":
            classes = tok.meta["attrs"].get("class", "").split()
            if any(c.startswith("callout-") for c in classes) and i + 3 < len(tokens):
                if tokens[i + 1].type == "heading_open":
                    tok.meta["title"] = tokens[i + 2]
                    del tokens[i + 1 : i + 4]
        elif tok.type == "table_close" and i + 3 < len(tokens):
            para, inline = tokens[i + 1], tokens[i + 2]
            m = re.match(r"^(?:Table)?:\s+(.*)$", inline.content or "", re.S)
            if para.type == "paragraph_open" and inline.type == "inline" and m:
                depth, j = 0, i
                while j >= 0:  # find the matching table_open
                    depth += tokens[j].nesting
                    if tokens[j].type == "table_open" and depth == 0:
                        break
                    j -= 1
                caption = m.group(1).strip()
                cap_attrs: dict[str, str] = {}
                cm = re.search(r"\s*(\{[^{}]*\})\s*$", caption)
                if cm:
                    with contextlib.suppress(ValueError):
                        cap_attrs = _parse_attrs(cm.group(1))
                        caption = caption[: cm.start()]
                tokens[j].meta["caption"] = caption
                if "id" in cap_attrs:
                    tokens[j].attrSet("id", cap_attrs["id"])
                del tokens[i + 1 : i + 4]
        elif tok.type == "paragraph_open" and i + 2 < len(tokens):
            inline = tokens[i + 1]
            kids = [
                c
                for c in (inline.children or [])
                if not (c.type in ("softbreak", "text") and not c.content.strip())
            ]
            if len(kids) == 1 and kids[0].type == "image" and kids[0].children:
                kids[0].meta["figure"] = True
                tok.meta["figure"] = kids[0]
                tokens[i + 2].meta["figure"] = True
        i += 1


_BLOCK_START = re.compile(r"^(#{1,6}\s|:{3,}|[-*+]\s|\d+[.)]\s|>|\|)")


def _pandoc_paragraphs(md: Any) -> None:
    """Pandoc's markdown, unlike CommonMark, needs a blank line before a heading, block quote,
    list, table or fenced div: without one the line continues the paragraph. Do the same, so that
    the preview shows what Quarto will, and warn about such lines."""
    from markdown_it.rules_block import list_block

    def list_rule(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
        if silent and state.parentType == "paragraph" and state.listIndent < 0:
            return False  # outside a list, a list cannot interrupt a paragraph
        return list_block(state, start_line, end_line, silent)

    for rule in md.block.ruler.__rules__:
        if rule.name in ("heading", "blockquote", "table", "fenced_div"):
            rule.alt = [a for a in rule.alt if a != "paragraph"]
    md.block.ruler.at("list", list_rule, {"alt": ["paragraph", "reference", "blockquote"]})
    md.block.ruler.__cache__ = None

    def warn_run_on(state: Any) -> None:
        tokens = state.tokens
        for i, tok in enumerate(tokens):
            if tok.type != "inline" or i == 0 or tokens[i - 1].type != "paragraph_open":
                continue
            for line in tok.content.splitlines()[1:]:
                if _BLOCK_START.match(line.strip()):
                    state.env.setdefault("warnings", []).append(
                        f"{line.strip()[:40]!r} continues the paragraph before it "
                        "(pandoc needs a blank line before a heading, list, table or div)"
                    )
                    break

    md.core.ruler.after("block", "pandoc_run_on", warn_run_on)


def _image_attrs(tok: Any, caption_text: str) -> tuple[str, dict[str, str]]:
    attrs = {k: str(v) for k, v in tok.attrs.items()}
    alt = attrs.pop("fig-alt", "") or caption_text or ""
    for key in ("fig-align", "fig-cap", "fig-env", "fig-pos", "alt"):
        attrs.pop(key, None)
    styles = [attrs.pop("style")] if "style" in attrs else []
    for dim in ("width", "height"):
        value = attrs.get(dim)
        if value and not value.isdigit():
            styles.append(f"{dim}:{attrs.pop(dim)}")
    if styles:
        attrs["style"] = ";".join(styles)
    return alt, attrs


def _render_attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items())


def _highlight(code: str, lang: str, _attrs: Any = None) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    lang = (lang or "").strip().strip("{}").lstrip(".").split(",")[0].split()[0:1]
    name = lang[0] if lang else ""
    cls = f' class="language-{html.escape(name)}"' if name else ""
    try:
        body = highlight(code, get_lexer_by_name(name), HtmlFormatter(nowrap=True))
    except ClassNotFound:
        body = html.escape(code)
    return f'<pre class="sourceCode"><code{cls}>{body}</code></pre>\n'


def make_markdown() -> Any:
    """The markdown-it parser configured for Quarto's pandoc markdown (the subset we use)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.attrs import attrs_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(attrs_plugin, spans=True)
    md.block.ruler.before(
        "fence",
        "fenced_div",
        _fenced_div_rule,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    _pandoc_paragraphs(md)
    md.core.ruler.after("block", "quarto_headings", _core_headings)
    md.core.ruler.push("quarto_blocks", _core_blocks)

    def render_div_open(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        attrs = dict(tok.meta["attrs"])
        classes = attrs.get("class", "").split()
        kind = next((c[len("callout-") :] for c in classes if c.startswith("callout-")), None)
        if kind is None:
            out = {
                k if k in ("id", "class", "style", "lang", "dir") else f"data-{k}": v
                for k, v in attrs.items()
            }
            return f"<div{_render_attrs(out)}>\n"
        label, icon = CALLOUT_LABELS.get(kind, (kind.title(), "i"))
        title_tok = tok.meta.get("title")
        n = env["callouts"] = env.get("callouts", 0) + 1
        head_id = f"callout-{n}-title"
        if title_tok is not None:
            title = self.renderInline(title_tok.children or [], options, env)
        elif attrs.get("title"):
            title = html.escape(attrs["title"])
        else:
            title = ""
        text = f'<span class="visually-hidden">{label}: </span>{title}' if title else label
        header = (
            f'<span class="callout-icon" aria-hidden="true">{icon}</span>'
            f'<span class="callout-title">{text}</span>'
        )
        div_attrs = {
            "class": " ".join(
                [
                    "callout",
                    f"callout-{kind}",
                    *[c for c in classes if not c.startswith("callout-")],
                ]
            )
        }
        if "id" in attrs:
            div_attrs["id"] = attrs["id"]
        collapse = str(attrs.get("collapse", "")).lower()
        env.setdefault("div_stack", []).append(
            "details" if collapse in ("true", "false") else "div"
        )
        if collapse in ("true", "false"):
            open_attr = " open" if collapse == "false" else ""
            return (
                f"<details{_render_attrs(div_attrs)}{open_attr}>\n"
                f'<summary class="callout-header" id="{head_id}">{header}</summary>\n'
                '<div class="callout-body">\n'
            )
        return (
            f'<div{_render_attrs(div_attrs)} role="note" aria-labelledby="{head_id}">\n'
            f'<div class="callout-header" id="{head_id}">{header}</div>\n'
            '<div class="callout-body">\n'
        )

    def render_div_close(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
        # find the matching opener to know whether it was a callout
        depth = 0
        for j in range(idx, -1, -1):
            depth += tokens[j].nesting if tokens[j].type.startswith("fenced_div") else 0
            if depth == 0 and tokens[j].type == "fenced_div_open":
                classes = tokens[j].meta["attrs"].get("class", "").split()
                if any(c.startswith("callout-") for c in classes):
                    tag = env.get("div_stack", ["div"]).pop()
                    return f"</div>\n</{tag}>\n"
                break
        return "</div>\n"

    def render_paragraph_open(
        self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any
    ) -> str:
        image = tokens[idx].meta.get("figure")
        if image is not None:
            fig_id = image.attrs.pop("id", None)
            return f'<figure class="figure"{_render_attrs({"id": fig_id}) if fig_id else ""}>\n'
        return self.renderToken(tokens, idx, options, env)

    def render_paragraph_close(
        self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any
    ) -> str:
        if tokens[idx].meta.get("figure"):
            return "</figure>\n"
        return self.renderToken(tokens, idx, options, env)

    def render_image(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
        tok = tokens[idx]
        caption_text = self.renderInlineAsText(tok.children or [], options, env).strip()
        alt, attrs = _image_attrs(tok, caption_text)
        if not alt:
            alt = "Figure"
            env.setdefault("warnings", []).append(f"image {attrs.get('src')} has no alt text")
        src = attrs.pop("src", "")
        img = f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}"'
        img += _render_attrs(attrs) + ">"
        if tok.meta.get("figure"):
            caption = self.renderInline(tok.children or [], options, env)
            return f"{img}\n<figcaption>{caption}</figcaption>"
        return img

    def render_table_open(
        self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any
    ) -> str:
        caption = tokens[idx].meta.get("caption")
        label = html.escape(caption or "Table", quote=True)
        tid = tokens[idx].attrGet("id")
        id_attr = f' id="{html.escape(str(tid))}"' if tid else ""
        out = f'<div class="table-wrap" role="region" aria-label="{label}" tabindex="0"{id_attr}>'
        out += "\n<table>\n"
        if caption:
            out += f"<caption>{md.renderInline(caption, {})}</caption>\n"
        return out

    def render_table_close(
        self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any
    ) -> str:
        return "</table>\n</div>\n"

    md.add_render_rule("fenced_div_open", render_div_open)
    md.add_render_rule("fenced_div_close", render_div_close)
    md.add_render_rule("paragraph_open", render_paragraph_open)
    md.add_render_rule("paragraph_close", render_paragraph_close)
    md.add_render_rule("image", render_image)
    md.add_render_rule("table_open", render_table_open)
    md.add_render_rule("table_close", render_table_close)
    return md


_SHORTCODE = re.compile(r"(\{)?\{\{<\s*([\w-]+)\s*(.*?)\s*>\}\}(\})?")


def expand_shortcodes(
    text: str,
    path: Path,
    root: Path,
    meta: dict[str, Any],
    variables: dict[str, Any],
    *,
    first_line: int = 1,
    depth: int = 0,
    warnings: list[str] | None = None,
) -> str:
    """Resolve ``include`` (relative to the including file; ``/x`` is project-relative), ``meta``,
    ``var`` and ``pagebreak``; ``{{{< x >}}}`` escapes a shortcode."""
    if depth > 20:
        raise SiteBuildError("includes nested too deeply (a cycle?)", path, first_line)
    rel = _display(path, root)
    out = []
    for n, line in enumerate(text.splitlines(keepends=True), start=first_line):
        if "{{<" not in line:
            out.append(line)
            continue

        def replace(m: re.Match[str], n: int = n) -> str:
            if m.group(1) and m.group(4):  # escaped
                return m.group(0)[1:-1]
            name, args = m.group(2), m.group(3).strip().strip("\"'")
            lead, trail = m.group(1) or "", m.group(4) or ""
            if name == "include":
                target = (root / args.lstrip("/")) if args.startswith("/") else path.parent / args
                try:
                    included = target.read_text(encoding="utf-8")
                except OSError as exc:
                    raise SiteBuildError(
                        f"cannot include {args!r}: {exc.strerror}", rel, n
                    ) from exc
                _, body, skipped = split_front_matter(included, _display(target, root))
                body = expand_shortcodes(
                    body,
                    target,
                    root,
                    meta,
                    variables,
                    first_line=skipped + 1,
                    depth=depth + 1,
                    warnings=warnings,
                )
                return lead + body.rstrip("\n") + trail
            if name in ("meta", "var"):
                value: Any = meta if name == "meta" else variables
                for key in args.split("."):
                    value = value.get(key) if isinstance(value, dict) else None
                if value is None:
                    if warnings is not None:
                        warnings.append(f"{rel}:{n}: {name} {args!r} is not defined")
                    return lead + f"?{name}:{args}" + trail
                return lead + str(value) + trail
            if name == "pagebreak":
                return lead + trail
            if warnings is not None:
                warnings.append(f"{rel}:{n}: unsupported shortcode {name!r} left as is")
            return m.group(0)

        out.append(_SHORTCODE.sub(replace, line))
    return "".join(out)


def _display(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# notebooks
# --------------------------------------------------------------------------------------------

_OPTION_LINE = re.compile(r"^#\|\s?(.*)$")
_MIME_ORDER = (
    "text/markdown",
    "text/html",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/latex",
    "text/plain",
)


def cell_options(source: str) -> tuple[dict[str, Any], str]:
    """Quarto ``#| key: value`` options at the top of a code cell -> (options, remaining code)."""
    lines = source.splitlines()
    opts, i = [], 0
    while i < len(lines):
        m = _OPTION_LINE.match(lines[i])
        if not m:
            break
        opts.append(m.group(1))
        i += 1
    parsed = yaml.safe_load("\n".join(opts)) if opts else {}
    if parsed is None:
        parsed = {}
    if not isinstance(parsed, dict):
        raise ValueError("cell options are not a YAML mapping")
    return parsed, "\n".join(lines[i:]).strip("\n")


def _nth(value: Any, n: int) -> Any:
    if isinstance(value, list):
        return value[n] if n < len(value) else None
    return value if n == 0 else None


def _truthy(value: Any) -> bool:
    return value not in (False, "false", "False", None)


# --------------------------------------------------------------------------------------------
# the preview renderer
# --------------------------------------------------------------------------------------------


@dataclass
class _Page:
    src: Path  # relative to the project root
    out: Path  # relative to the output folder
    opts: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # HTML
    body: str = ""


class _Preview:
    def __init__(self, root: Path, config: dict[str, Any], build: Path) -> None:
        self.root, self.config, self.out_dir = root, config, build
        self.website = config.get("website") or {}
        self.md = make_markdown()
        self.warnings: list[str] = []
        self.resources: set[Path] = set()
        var_file = root / "_variables.yml"
        self.variables = _read_yaml(var_file) if var_file.exists() else {}
        self.sources = find_pages(root, config)
        self.pages = {s.as_posix(): _Page(s, s.with_suffix(".html")) for s in self.sources}

    # ---------------------------------------------------------------- build
    def build(self) -> tuple[list[Path], list[str]]:
        if not self.sources:
            raise SiteBuildError("project.render matched no pages", path=self.root / "_quarto.yml")
        for page in self.pages.values():
            try:
                if page.src.suffix == ".ipynb":
                    self._render_notebook(page)
                else:
                    self._render_markdown(page)
                page.body = self._postprocess(page.body, page)
            except SiteBuildError:
                raise
            except Exception as exc:  # noqa: BLE001 - name the page whatever went wrong
                raise SiteBuildError(f"{type(exc).__name__}: {exc}", path=page.src) from exc
        self._check_nav()
        template = self._template()
        for page in self.pages.values():
            try:
                text = template.render(**self._context(page))
            except Exception as exc:  # noqa: BLE001
                raise SiteBuildError(f"layout failed: {exc}", path=page.src) from exc
            target = self.out_dir / page.out
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self._copy_resources()
        css = self.out_dir / CSS_PATH
        css.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES / "site.css", css)
        return [p.out for p in self.pages.values()], self.warnings

    def _template(self) -> Any:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=jinja2.select_autoescape(["html", "j2"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        return env.get_template("page.html.j2")

    # ---------------------------------------------------------------- pages
    def _md(self, text: str, page: _Page, env: dict[str, Any]) -> str:
        out = self.md.render(text, env)
        for w in env.pop("warnings", []):
            self.warnings.append(f"{page.src.as_posix()}: {w}")
        return out

    def _render_markdown(self, page: _Page) -> None:
        path = self.root / page.src
        front, body, skipped = split_front_matter(path.read_text(encoding="utf-8"), page.src)
        page.opts = page_options(self.config, front)
        body = expand_shortcodes(
            body,
            path,
            self.root,
            page.opts,
            self.variables,
            first_line=skipped + 1,
            warnings=self.warnings,
        )
        page.title = self._title_html(page.opts.get("title"))
        page.body = self._md(body, page, {})

    def _title_html(self, title: Any) -> str:
        return self.md.renderInline(str(title)) if title not in (None, "") else ""

    def _render_notebook(self, page: _Page) -> None:
        import nbformat

        path = self.root / page.src
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as exc:  # noqa: BLE001
            raise SiteBuildError(f"not a readable notebook: {exc}", path=page.src) from exc
        cells = list(nb.cells)
        front: dict[str, Any] = {}
        if cells and cells[0].cell_type in ("raw", "markdown"):
            meta, rest, skipped = split_front_matter(cells[0].source, f"{page.src} (cell 1)")
            if skipped:
                front = meta
                cells[0] = copy.deepcopy(cells[0])
                cells[0].source = rest
                if cells[0].cell_type == "raw" or not rest.strip():
                    cells = cells[1:]
        page.opts = page_options(self.config, front)
        title = page.opts.get("title")
        if not title:  # the first level-1 heading becomes the title (as Quarto does)
            for i, cell in enumerate(cells):
                if cell.cell_type != "markdown":
                    continue
                m = re.match(r"^\s*#\s+(.+?)\s*#*\s*$", cell.source.split("\n", 1)[0])
                if m:
                    title = m.group(1)
                    cells[i] = copy.deepcopy(cell)
                    cells[i].source = cell.source.split("\n", 1)[1] if "\n" in cell.source else ""
                break
        page.opts["title"] = title or ""
        page.title = self._title_html(title)
        lang = (nb.metadata.get("kernelspec") or {}).get("language") or (
            nb.metadata.get("language_info") or {}
        ).get("name", "python")
        env: dict[str, Any] = {}
        parts = []
        for n, cell in enumerate(cells, start=1):
            if cell.cell_type == "markdown":
                text = expand_shortcodes(
                    cell.source,
                    path,
                    self.root,
                    page.opts,
                    self.variables,
                    warnings=self.warnings,
                )
                parts.append(self._md(text, page, env))
            elif cell.cell_type == "raw":
                mime = cell.metadata.get("raw_mimetype") or cell.metadata.get("format") or ""
                if mime in ("text/html", "html"):
                    parts.append(cell.source)
                elif mime in ("", "text/markdown", "markdown"):
                    parts.append(self._md(cell.source, page, env))
            elif cell.cell_type == "code":
                parts.append(self._code_cell(cell, n, page, lang, env))
        page.body = "\n".join(p for p in parts if p)

    def _code_cell(self, cell: Any, n: int, page: _Page, lang: str, env: dict[str, Any]) -> str:
        try:
            opts, code = cell_options(cell.source)
        except (yaml.YAMLError, ValueError) as exc:
            raise SiteBuildError(f"cell {n}: invalid #| options: {exc}", path=page.src) from exc
        keys = ("echo", "output", "warning", "include", "error")
        execute = page.opts.get("execute") if isinstance(page.opts.get("execute"), dict) else {}
        eff = {k: v for k, v in execute.items() if k in keys}
        eff.update(
            {k: page.opts[k] for k in (*keys, "code-fold", "code-summary") if k in page.opts}
        )
        eff.update(opts)
        tags = set(cell.metadata.get("tags") or [])
        if "remove-cell" in tags or "hide-cell" in tags or eff.get("include") is False:
            return ""
        if tags & {"remove-input", "hide-input"}:
            eff["echo"] = False
        if tags & {"remove-output", "hide-output"}:
            eff["output"] = False
        out = []
        if _truthy(eff.get("echo", True)) and code.strip():
            block = _highlight(code, lang)
            fold = eff.get("code-fold")
            if fold in (True, "true", "show"):
                summary = html.escape(str(eff.get("code-summary") or "Code"))
                opened = " open" if fold == "show" else ""
                block = (
                    f'<details class="code-fold"{opened}><summary>{summary}</summary>\n'
                    f"{block}</details>"
                )
            out.append(f'<div class="cell-code">{block}</div>')
        if eff.get("output", True) is not False and str(eff.get("output")).lower() != "false":
            asis = eff.get("output") == "asis"
            figures = 0
            for m, output in enumerate(cell.get("outputs", []), start=1):
                rendered, is_fig = self._output(output, n, m, figures, eff, asis, page, env)
                figures += is_fig
                if rendered:
                    out.append(rendered)
        if not out:
            return ""
        label = eff.get("label")
        id_attr = f' id="{html.escape(str(label))}"' if label else ""
        return f'<div class="cell"{id_attr}>\n' + "\n".join(out) + "\n</div>"

    def _output(
        self,
        output: Any,
        n: int,
        m: int,
        figures: int,
        eff: dict[str, Any],
        asis: bool,
        page: _Page,
        env: dict[str, Any],
    ) -> tuple[str, int]:
        from nbconvert.filters.ansi import strip_ansi

        otype = output.get("output_type")
        if otype == "stream":
            if output.get("name") == "stderr" and eff.get("warning") is False:
                return "", 0
            text = "".join(output.get("text", ""))
            if asis:
                return self._md(text, page, env), 0
            cls = "cell-output-stderr" if output.get("name") == "stderr" else "cell-output-stdout"
            return (
                f'<pre class="cell-output {cls}"><code>'
                f"{html.escape(strip_ansi(text))}</code></pre>",
                0,
            )
        if otype == "error":
            if eff.get("error") is False:
                return "", 0
            text = strip_ansi("\n".join(output.get("traceback") or [output.get("evalue", "")]))
            return (
                '<pre class="cell-output cell-output-error"><code>'
                f"{html.escape(text)}</code></pre>",
                0,
            )
        if otype not in ("display_data", "execute_result"):
            return "", 0
        data = output.get("data") or {}
        mime = next((k for k in _MIME_ORDER if k in data), None)
        if mime is None:
            return "", 0
        value = data[mime]
        value = "".join(value) if isinstance(value, list) else value
        if mime == "text/markdown" or (asis and mime == "text/plain"):
            return (
                '<div class="cell-output cell-output-display">\n'
                f"{self._md(value, page, env)}</div>",
                0,
            )
        if mime == "text/html":
            if "<table" in value:
                return (
                    '<div class="cell-output cell-output-display table-wrap" role="region" '
                    f'aria-label="Table" tabindex="0">\n{value}\n</div>'
                ), 0
            return f'<div class="cell-output cell-output-display">\n{value}\n</div>', 0
        if mime.startswith("image/"):
            ext = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}[mime]
            rel = Path(f"{page.src.stem}_files") / "figure-html" / f"cell-{n}-output-{m}.{ext}"
            target = self.out_dir / page.src.parent / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if ext == "svg":
                target.write_text(value, encoding="utf-8")
            else:
                target.write_bytes(b64decode(value))
            cap = _nth(eff.get("fig-cap"), figures)
            alt = _nth(eff.get("fig-alt"), figures) or cap or "Figure"
            if alt == "Figure":
                self.warnings.append(
                    f"{page.src.as_posix()}: cell {n}: figure has no fig-alt/fig-cap"
                )
            img = (
                f'<img src="{quote(rel.as_posix())}" alt="{html.escape(str(alt), quote=True)}"'
                ' class="figure-img">'
            )
            if cap:
                img = (
                    f'<figure class="figure">\n{img}\n<figcaption>'
                    f"{self.md.renderInline(str(cap))}</figcaption>\n</figure>"
                )
            return f'<div class="cell-output cell-output-display">\n{img}\n</div>', 1
        if mime == "text/latex":
            return (
                '<div class="cell-output cell-output-display">'
                f"<pre>{html.escape(value)}</pre></div>",
                0,
            )
        return (
            '<pre class="cell-output cell-output-display"><code>'
            f"{html.escape(strip_ansi(value))}</code></pre>"
        ), 0

    # ---------------------------------------------------------------- links and resources
    def _resolve(self, url: str, page: _Page) -> str:
        """Rewrite one local href/src of ``page``; record resources to copy."""
        if not url or url.startswith(("#", "data:", "mailto:")) or _SCHEME.match(url):
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
            self.warnings.append(f"{page.src.as_posix()}: link {url!r} leaves the project")
            return url
        key = target.as_posix()
        if raw.endswith("/") or (self.root / key).is_dir():
            for index in ("index.qmd", "index.md", "index.ipynb"):
                if (PurePosixPath(key) / index).as_posix() in self.pages:
                    key = (PurePosixPath(key) / index).as_posix()
                    break
        if key in self.pages or PurePosixPath(key).suffix in (".qmd", ".ipynb"):
            if key not in self.pages:
                self.warnings.append(
                    f"{page.src.as_posix()}: link {url!r} points to a page that is not rendered"
                )
            new = PurePosixPath(key).with_suffix(".html").as_posix()
        else:
            if (self.root / key).is_file():
                self.resources.add(Path(key))
            elif not (self.out_dir / key).is_file():
                self.warnings.append(f"{page.src.as_posix()}: link target {url!r} not found")
            new = key
        return quote(self._relative(new, page)) + suffix

    def _relative(self, target: str, page: _Page) -> str:
        start = PurePosixPath(page.out.as_posix()).parent.as_posix() or "."
        return os.path.relpath(target, start).replace(os.sep, "/")

    _TAG = re.compile(
        r"<(a|img|source|video|audio|track|iframe|embed|link|script|object)\b([^>]*)>", re.I | re.S
    )
    _ATTR = re.compile(r"(\s)(href|src|poster|data)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)

    def _postprocess(self, body: str, page: _Page) -> str:
        def fix_attr(m: re.Match[str]) -> str:
            value = html.unescape(m.group(3)[1:-1])
            return (
                f'{m.group(1)}{m.group(2)}="{html.escape(self._resolve(value, page), quote=True)}"'
            )

        def fix_tag(m: re.Match[str]) -> str:
            name, attrs = m.group(1), m.group(2)
            attrs = self._ATTR.sub(fix_attr, attrs)
            if name.lower() == "img" and not re.search(r"\salt\s*=", attrs, re.I):
                attrs = ' alt="Figure"' + attrs
                self.warnings.append(f"{page.src.as_posix()}: an <img> had no alt text")
            return f"<{name}{attrs}>"

        return self._TAG.sub(fix_tag, body)

    def _copy_resources(self) -> None:
        project = self.config.get("project") or {}
        for rel in _expand(self.root, project.get("resources") or []):
            self.resources.add(rel)
        out_name = project.get("output-dir", "_site")
        for rel in sorted(self.resources):
            if rel.parts and rel.parts[0] == out_name:
                continue
            target = self.out_dir / rel
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.root / rel, target)

    # ---------------------------------------------------------------- navigation
    def _nav_target(self, href: str) -> str | None:
        """Project-relative output path of a navigation href, or None when external."""
        if _SCHEME.match(href) or href.startswith("#"):
            return None
        path = PurePosixPath(os.path.normpath(unquote(href.split("#")[0]).lstrip("/")))
        key = path.as_posix()
        if key in self.pages:
            return self.pages[key].out.as_posix()
        if path.suffix in PAGE_SUFFIXES:
            return path.with_suffix(".html").as_posix()
        return key

    def _nav_item(self, item: Any, page: _Page) -> dict[str, Any] | None:
        if isinstance(item, str):
            item = {"href": item}
        if not isinstance(item, dict):
            return None
        href = item.get("href") or item.get("file")
        text = item.get("text")
        node: dict[str, Any] = {"text": "", "href": None, "current": False, "children": []}
        if item.get("text") == "---" or item.get("text", "").startswith("---"):
            node["separator"] = True
            return node
        if href:
            target = self._nav_target(str(href))
            if target is None:
                node["href"] = str(href)
            else:
                frag = "#" + str(href).split("#", 1)[1] if "#" in str(href) else ""
                node["href"] = quote(self._relative(target, page)) + frag
                node["current"] = target == page.out.as_posix()
                source = str(href).lstrip("/")
                if not text and source in self.pages:
                    target_page = self.pages[source]
                    text = _strip_tags(target_page.title) or PurePosixPath(source).stem
        node["text"] = str(text or item.get("section") or href or "")
        return node

    def _tree(self, items: Any, page: _Page, depth: int, collapse: int) -> list[dict[str, Any]]:
        nodes = []
        for item in items or []:
            if isinstance(item, dict) and ("section" in item or "contents" in item):
                node = (
                    self._nav_item(
                        {"href": item.get("href"), "text": item.get("section") or item.get("text")},
                        page,
                    )
                    or {}
                )
                node["children"] = self._tree(item.get("contents"), page, depth + 1, collapse)
                node["section"] = True
                node["contains_current"] = node.get("current") or any(
                    c.get("current") or c.get("contains_current") for c in node["children"]
                )
                node["open"] = depth + 1 < collapse or node["contains_current"]
                nodes.append(node)
            elif item == "auto" or (isinstance(item, dict) and item.get("auto")):
                continue
            else:
                node = self._nav_item(item, page)
                if node:
                    nodes.append(node)
        return nodes

    def _sidebars(self) -> list[dict[str, Any]]:
        sidebar = self.website.get("sidebar")
        if not sidebar:
            return []
        return [
            s for s in (sidebar if isinstance(sidebar, list) else [sidebar]) if isinstance(s, dict)
        ]

    def _sidebar_for(self, page: _Page) -> tuple[list[dict[str, Any]], str]:
        bars = self._sidebars()
        if not bars:
            return [], ""
        trees = []
        for bar in bars:
            collapse = int(bar.get("collapse-level", 2))
            tree = self._tree(bar.get("contents"), page, 0, collapse)
            trees.append((tree, str(bar.get("title") or "")))
            if any(n.get("current") or n.get("contains_current") for n in tree):
                return trees[-1]
        return trees[0]

    def _check_nav(self) -> None:
        def walk(items: Any) -> Iterable[str]:
            for item in items or []:
                if isinstance(item, str):
                    yield item
                elif isinstance(item, dict):
                    if item.get("href"):
                        yield str(item["href"])
                    yield from walk(item.get("contents"))
                    yield from walk(item.get("menu"))

        navbar = self.website.get("navbar") or {}
        hrefs = list(walk(navbar.get("left"))) + list(walk(navbar.get("right")))
        for bar in self._sidebars():
            hrefs += list(walk(bar.get("contents")))
        for href in hrefs:
            if href == "auto":
                continue
            target = self._nav_target(href)
            if target is None:
                continue
            if not target.endswith(".html"):
                if (self.root / target).is_file():
                    self.resources.add(Path(target))
                else:
                    self.warnings.append(f"navigation: {href!r} not found")
            elif href.split("#")[0].lstrip("/") not in self.pages:
                self.warnings.append(f"navigation: {href!r} is not a rendered page")

    def _context(self, page: _Page) -> dict[str, Any]:
        opts = page.opts
        navbar = self.website.get("navbar") or {}

        def bar(items: Any) -> list[dict[str, Any]]:
            nodes = []
            for item in items or []:
                if isinstance(item, dict) and "menu" in item:
                    node = self._nav_item({"text": item.get("text") or "Menu"}, page) or {}
                    node["menu"] = [n for n in (self._nav_item(i, page) for i in item["menu"]) if n]
                    node["current"] = any(n.get("current") for n in node["menu"])
                    nodes.append(node)
                else:
                    node = self._nav_item(item, page)
                    if node:
                        nodes.append(node)
            return nodes

        sidebar, sidebar_title = self._sidebar_for(page)
        flat = [n for n in _flatten(sidebar) if n.get("href") and not _SCHEME.match(n["href"])]
        prev_link = next_link = None
        if self.website.get("page-navigation", False):
            idx = next((i for i, n in enumerate(flat) if n.get("current")), None)
            if idx is not None:
                prev_link = flat[idx - 1] if idx > 0 else None
                next_link = flat[idx + 1] if idx + 1 < len(flat) else None
        toc = []
        if opts.get("toc"):
            depth = int(opts.get("toc-depth", 3))
            for m in re.finditer(r"<h([1-6])\b([^>]*)>(.*?)</h\1>", page.body, re.S):
                attrs = m.group(2)
                idm = re.search(r'\sid="([^"]+)"', attrs)
                if not idm or int(m.group(1)) > depth or "unlisted" in attrs:
                    continue
                toc.append(
                    {"level": int(m.group(1)), "id": idm.group(1), "text": _strip_tags(m.group(3))}
                )
        footer = self.website.get("page-footer")
        if isinstance(footer, str):
            footer = {"center": footer}
        footer = {
            k: self.md.renderInline(str(v))
            for k, v in (footer or {}).items()
            if k in ("left", "center", "right") and v
        }
        site_title = str(self.website.get("title") or self.config.get("title") or "")
        title_text = _strip_tags(page.title)
        home = "index.html" if "index.qmd" in self.pages or "index.md" in self.pages else None
        desc = opts.get("description")
        return {
            "lang": str(opts.get("lang") or "en"),
            "head_title": " \u2013 ".join(t for t in (title_text, site_title) if t)
            or page.src.stem,
            "site_title": site_title,
            "home_href": self._relative(home, page) if home else None,
            "css_href": self._relative(CSS_PATH, page),
            "meta_description": str(desc or self.website.get("description") or ""),
            "banner": BANNER_TEXT,
            "navbar_left": bar(navbar.get("left")),
            "navbar_right": bar(navbar.get("right")),
            "sidebar": sidebar,
            "sidebar_title": sidebar_title,
            "title": page.title,
            "subtitle": self.md.renderInline(str(opts["subtitle"])) if opts.get("subtitle") else "",
            "description": self.md.renderInline(str(desc)) if desc else "",
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


def _authors(value: Any) -> str:
    if not value:
        return ""
    items = value if isinstance(value, list) else [value]
    names = [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in items]
    return ", ".join(n for n in names if n)


def _flatten(nodes: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for node in nodes:
        if node.get("href"):
            yield node
        yield from _flatten(node.get("children") or [])


def _strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or "")).strip()
