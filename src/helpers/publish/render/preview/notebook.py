"""Executed Jupyter notebooks as preview pages: front matter and title from the first cells,
markdown and raw cells, and code cells with Quarto's cell options (``#| echo: false``...) and their
saved outputs (markdown, HTML, images written beside the page, text, streams, errors)."""

from __future__ import annotations

import copy
import html
import re
from base64 import b64decode
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import yaml
from nbconvert.filters.ansi import strip_ansi

from helpers.publish.render.errors import SiteBuildError
from helpers.publish.render.preview.markdown import (
    expand_shortcodes,
    highlight_code,
    split_front_matter,
)
from helpers.publish.render.preview.state import BuildState, Page
from helpers.publish.render.project import page_options

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


def _scrolls(block: str, label: str) -> str:
    """Make the first ``<pre>`` of ``block`` (code or text, which scrolls sideways rather than
    wrap) a named region in the tab order, so that a keyboard user can scroll it (WCAG 2.1.1)."""
    attrs = f'<pre tabindex="0" role="region" aria-label="{html.escape(label, quote=True)}"'
    return block.replace("<pre", attrs, 1)


def _output_label(n: int, m: int) -> str:
    return f"Output of cell {n}" if m == 1 else f"Output {m} of cell {n}"


def render_notebook(state: BuildState, page: Page) -> None:
    """Render the notebook ``page`` (its title, options and body)."""
    path = state.root / page.src
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
    page.opts = page_options(state.config, front)
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
    page.title = state.title_html(title)
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
                state.root,
                page.opts,
                state.variables,
                warnings=state.warnings,
            )
            parts.append(state.render_md(text, page, env))
        elif cell.cell_type == "raw":
            mime = cell.metadata.get("raw_mimetype") or cell.metadata.get("format") or ""
            if mime in ("text/html", "html"):
                parts.append(cell.source)
            elif mime in ("", "text/markdown", "markdown"):
                parts.append(state.render_md(cell.source, page, env))
        elif cell.cell_type == "code":
            parts.append(_code_cell(state, cell, n, page, lang, env))
    page.body = "\n".join(p for p in parts if p)


def _code_cell(
    state: BuildState, cell: Any, n: int, page: Page, lang: str, env: dict[str, Any]
) -> str:
    try:
        opts, code = cell_options(cell.source)
    except (yaml.YAMLError, ValueError) as exc:
        raise SiteBuildError(f"cell {n}: invalid #| options: {exc}", path=page.src) from exc
    keys = ("echo", "output", "warning", "include", "error")
    execute = page.opts.get("execute") if isinstance(page.opts.get("execute"), dict) else {}
    eff = {k: v for k, v in execute.items() if k in keys}
    eff.update({k: page.opts[k] for k in (*keys, "code-fold", "code-summary") if k in page.opts})
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
        block = _scrolls(highlight_code(code, lang), f"Code of cell {n}")
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
            rendered, is_fig = _output(state, output, n, m, figures, eff, asis, page, env)
            figures += is_fig
            if rendered:
                out.append(rendered)
    if not out:
        return ""
    label = eff.get("label")
    id_attr = f' id="{html.escape(str(label))}"' if label else ""
    return f'<div class="cell"{id_attr}>\n' + "\n".join(out) + "\n</div>"


def _output(
    state: BuildState,
    output: Any,
    n: int,
    m: int,
    figures: int,
    eff: dict[str, Any],
    asis: bool,
    page: Page,
    env: dict[str, Any],
) -> tuple[str, int]:
    otype = output.get("output_type")
    label = _output_label(n, m)
    if otype == "stream":
        if output.get("name") == "stderr" and eff.get("warning") is False:
            return "", 0
        text = "".join(output.get("text", ""))
        if asis:
            return state.render_md(text, page, env), 0
        cls = "cell-output-stderr" if output.get("name") == "stderr" else "cell-output-stdout"
        text = html.escape(strip_ansi(text))
        return _scrolls(f'<pre class="cell-output {cls}"><code>{text}</code></pre>', label), 0
    if otype == "error":
        if eff.get("error") is False:
            return "", 0
        text = strip_ansi("\n".join(output.get("traceback") or [output.get("evalue", "")]))
        block = f'<pre class="cell-output cell-output-error"><code>{html.escape(text)}</code></pre>'
        return _scrolls(block, f"Error of cell {n}"), 0
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
            f"{state.render_md(value, page, env)}</div>",
            0,
        )
    if mime == "text/html":
        if "<table" in value:
            return (
                '<div class="cell-output cell-output-display table-wrap" role="region" '
                f'aria-label="Table, {label.lower()}" tabindex="0">\n{value}\n</div>'
            ), 0
        return f'<div class="cell-output cell-output-display">\n{value}\n</div>', 0
    if mime.startswith("image/"):
        ext = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}[mime]
        rel = Path(f"{page.src.stem}_files") / "figure-html" / f"cell-{n}-output-{m}.{ext}"
        target = state.out_dir / page.src.parent / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if ext == "svg":
            target.write_text(value, encoding="utf-8")
        else:
            target.write_bytes(b64decode(value))
        cap = _nth(eff.get("fig-cap"), figures)
        alt = _nth(eff.get("fig-alt"), figures) or cap or "Figure"
        if alt == "Figure":
            state.warnings.append(f"{page.src.as_posix()}: cell {n}: figure has no fig-alt/fig-cap")
        img = (
            f'<img src="{quote(rel.as_posix())}" alt="{html.escape(str(alt), quote=True)}"'
            ' class="figure-img">'
        )
        if cap:
            img = (
                f'<figure class="figure">\n{img}\n<figcaption>'
                f"{state.md.renderInline(str(cap))}</figcaption>\n</figure>"
            )
        return f'<div class="cell-output cell-output-display">\n{img}\n</div>', 1
    if mime == "text/latex":
        block = f"<pre>{html.escape(value)}</pre>"
        return f'<div class="cell-output cell-output-display">{_scrolls(block, label)}</div>', 0
    text = html.escape(strip_ansi(value))
    block = f'<pre class="cell-output cell-output-display"><code>{text}</code></pre>'
    return _scrolls(block, label), 0
