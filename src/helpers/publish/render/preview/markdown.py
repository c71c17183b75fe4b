"""Markdown as Quarto's pandoc reads it (the subset the pipeline's pages use), for the preview.

* :func:`split_front_matter`: YAML front matter of a page or included file.
* :func:`make_markdown`: the markdown-it parser with pipe tables (and ``: caption`` lines),
  strikethrough, footnotes, ``{#id .class key=value}`` attributes, pandoc fenced divs and callouts,
  pandoc identifiers on headings (:func:`slugify`), implicit figures and pandoc's rule that a
  heading, list, table or div needs a blank line before it.
* :func:`expand_shortcodes`: the ``include``, ``meta``, ``var`` and ``pagebreak`` shortcodes.
* :func:`highlight_code`: code blocks highlighted with Pygments.
"""

from __future__ import annotations

import contextlib
import html
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_block import list_block
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attributes
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from helpers.publish.render.errors import SiteBuildError

CALLOUT_LABELS = {
    "note": ("Note", "i"),
    "tip": ("Tip", "\u2713"),
    "important": ("Important", "!"),
    "warning": ("Warning", "\u26a0"),
    "caution": ("Caution", "\u26a0"),
}


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
    try:
        _, attrs = parse_attributes(text)
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


def _pandoc_paragraphs(md: MarkdownIt) -> None:
    """Pandoc's markdown, unlike CommonMark, needs a blank line before a heading, block quote,
    list, table or fenced div: without one the line continues the paragraph. Do the same, so that
    the preview shows what Quarto will, and warn about such lines."""

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
    # pandoc reads \" and \\ in a quoted attribute as " and \; the attrs plugin keeps them
    alt = re.sub(r"\\([\\\"])", r"\1", attrs.pop("fig-alt", "")) or caption_text or ""
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


def highlight_code(code: str, lang: str, _attrs: Any = None) -> str:
    """A highlighted ``<pre class="sourceCode">`` block (escaped only, for an unknown language)."""
    lang = (lang or "").strip().strip("{}").lstrip(".").split(",")[0].split()[0:1]
    name = lang[0] if lang else ""
    cls = f' class="language-{html.escape(name)}"' if name else ""
    try:
        body = highlight(code, get_lexer_by_name(name), HtmlFormatter(nowrap=True))
    except ClassNotFound:
        body = html.escape(code)
    return f'<pre class="sourceCode"><code{cls}>{body}</code></pre>\n'


def _render_div_open(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
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
    env.setdefault("div_stack", []).append("details" if collapse in ("true", "false") else "div")
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


def _render_div_close(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
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


def _render_paragraph_open(
    self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any
) -> str:
    image = tokens[idx].meta.get("figure")
    if image is not None:
        fig_id = image.attrs.pop("id", None)
        return f'<figure class="figure"{_render_attrs({"id": fig_id}) if fig_id else ""}>\n'
    return self.renderToken(tokens, idx, options, env)


def _render_paragraph_close(
    self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any
) -> str:
    if tokens[idx].meta.get("figure"):
        return "</figure>\n"
    return self.renderToken(tokens, idx, options, env)


def _render_image(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
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


def _render_table_close(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    return "</table>\n</div>\n"


def _raw_fence(default: Any) -> Any:
    """Pandoc's raw blocks: a ```` ```{=html} ```` fence passes through as HTML (as in Quarto); a
    raw block for another format is left out; any other fence is code."""

    def render(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
        info = tokens[idx].info.strip().replace(" ", "")
        if info.startswith("{=") and info.endswith("}"):
            return tokens[idx].content if info == "{=html}" else ""
        return default(tokens, idx, options, env)

    return render


def make_markdown() -> MarkdownIt:
    """The markdown-it parser configured for Quarto's pandoc markdown (the subset we use)."""
    md = MarkdownIt("commonmark", {"html": True, "highlight": highlight_code})
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

    md.add_render_rule("fenced_div_open", _render_div_open)
    md.add_render_rule("fenced_div_close", _render_div_close)
    md.add_render_rule("paragraph_open", _render_paragraph_open)
    md.add_render_rule("paragraph_close", _render_paragraph_close)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("table_open", render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("fence", _raw_fence(md.renderer.rules["fence"]))
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
                if not target.resolve().is_relative_to(root.resolve()):
                    raise SiteBuildError(
                        f"cannot include {args!r}: it is outside the project", rel, n
                    )
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
