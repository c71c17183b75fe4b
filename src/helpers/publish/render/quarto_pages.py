"""What ``quarto render`` writes, made self-contained and accessible, then checked.

Quarto 1.9 gives every page of a notebook with an HTML output (a pandas table) RequireJS and
jQuery from ``cdn.jsdelivr.net`` (for Jupyter widgets, which the pipeline's notebooks never
have), and its collapsible callouts and wide notebook outputs fail axe-core. :func:`finish_pages`
rewrites the rendered pages in place, in a fixed order (the same render gives the same bytes):

* the widget scripts are removed from pages without a widget;
* an empty icon, as the preview's pages have (else every browser asks the server for a
  ``/favicon.ico`` the site does not have, a 404 in its log and the console);
* a skip link to the main content is the first thing Tab reaches (Quarto writes none; WCAG 2.4.1);
* a collapsible callout's header (a ``div`` Bootstrap toggles) becomes a button for assistive
  technology and the keyboard: ``role="button"``, ``tabindex="0"``, named by its title rather
  than "Toggle callout", and a small inline script opens it with Enter or Space;
* a markdown table (Quarto's ``caption-top table``) is wrapped, as the preview wraps it, in a
  region that scrolls sideways and takes the focus, named by its caption, so that a wide table
  does not widen the page on a phone;
* a notebook's output (a table or text that scrolls sideways on a phone; not its markdown, which
  is prose) can take the keyboard focus, so that it can be scrolled without a mouse
  (``tabindex="0"``, a region named after its cell; ``theme.scss`` makes the output, not the
  ``pre`` inside it, the part that scrolls);
* the results of Quarto's search (options of a listbox, each holding a link: axe-core's
  ``nested-interactive``, since an option must not contain another control) lose their ``href``
  to a ``data-href`` as they appear, and a click on a result opens it as the link did (with
  Ctrl or Cmd in a new tab); Enter on the selected result was already Quarto's own navigation
  (:data:`_SEARCH_RESULTS`); the panel of results, which scrolls, takes the focus (a region
  "Search results"), so that it can be scrolled from the keyboard as well as by the arrow keys
  in the search box;
* Quarto's own page script (``site_libs/quarto-html/quarto.js``, an ES module importing
  ``tabsets/tabsets.js``) becomes one classic deferred script (:func:`classic_quarto_js`):
  a browser refuses module scripts from ``file://``, so a site opened from a folder (a
  reviewer's copy, an offline archive) would otherwise lose the sidebar, the table of contents
  and the callouts' behaviour, with an error in the console on every page;

and returns a warning for each request a page or a stylesheet would still make to another host
(a script, stylesheet, image, frame or font), which fails the build as Quarto's own warnings do:
the published site must not hand its readers' addresses to third parties.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

#: what Quarto adds for Jupyter widgets (core/jupyter/widgets.ts), matched as written
_WIDGET_SCRIPTS = re.compile(
    r'<script src="https://cdn\.jsdelivr\.net/npm/(?:requirejs@[\d.]+/require\.min\.js|'
    r'jquery@[\d.]+/dist/jquery\.min\.js)"[^>]*></script>\n?'
    r"|<script type=\"application/javascript\">define\('jquery', \[\],function\(\) "
    r"\{return window\.jQuery;\}\)</script>\n?"
)
_WIDGET = "application/vnd.jupyter.widget"
_BODY = re.compile(r"<body\b[^>]*>\n?")
_MAIN_ID = re.compile(r'<main\b[^>]*\bid="([^"]+)"')
_SKIP_LINK = '<a class="skip-link" href="#{}">Skip to main content</a>\n'
_CALLOUT_TOGGLE = re.compile(
    r'<div class="callout-header ([^"]*)" data-bs-toggle="collapse" (data-bs-target="[^"]*" '
    r'aria-controls="[^"]*" aria-expanded="(?:true|false)") aria-label="Toggle callout">'
)
#: Enter or Space on a callout's header toggles it, as a click does (Bootstrap listens to clicks)
_CALLOUT_KEYS = (
    "<script>document.addEventListener('keydown',function(e){var t=e.target;"
    "if((e.key==='Enter'||e.key===' ')&&t.matches&&"
    "t.matches('.callout-header[data-bs-toggle=\"collapse\"]')){e.preventDefault();t.click();}});"
    "</script>\n"
)
#: the search results as options without links inside (see the module); the observer looks at
#: the page only while a search panel is open
_SEARCH_RESULTS = (
    "<script>(function(){var S='.aa-Item a.search-result-link';"
    "function unlink(){var p=document.querySelector('.aa-Panel');if(!p)return;"
    "if(!p.hasAttribute('tabindex')){p.setAttribute('tabindex','0');"
    "p.setAttribute('role','region');p.setAttribute('aria-label','Search results');}"
    "document.querySelectorAll(S+'[href]').forEach(function(a){"
    "a.setAttribute('data-href',a.getAttribute('href'));a.removeAttribute('href');});}"
    "new MutationObserver(unlink).observe(document.documentElement,"
    "{childList:true,subtree:true,attributes:true,attributeFilter:['href']});"
    "document.addEventListener('click',function(e){"
    "var a=e.target.closest&&e.target.closest(S+'[data-href]');if(!a)return;"
    "e.preventDefault();var u=a.getAttribute('data-href');"
    "if(e.ctrlKey||e.metaKey){window.open(u,'_blank','noopener');}"
    "else{window.location.assign(u);}});})();</script>\n"
)
_CELL_OUTPUT = re.compile(
    r'<div class="cell-output cell-output-(display|stdout|stderr)"( data-execution_count="(\d+)")?>'
)
_TABLE = re.compile(r'<table class="caption-top table">.*?</table>', re.DOTALL)
_CAPTION = re.compile(r"<caption>(.*?)</caption>", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
#: Quarto's module scripts, as it writes them into every page
_QUARTO_MODULE = re.compile(
    r'<script src="((?:\.\./)*)site_libs/quarto-html/quarto\.js" type="module"></script>'
)
_TABSETS_MODULE = re.compile(
    r'<script src="(?:\.\./)*site_libs/quarto-html/tabsets/tabsets\.js" type="module">'
    r"</script>\n?"
)
QUARTO_JS = "site_libs/quarto-html/quarto.js"
TABSETS_JS = "site_libs/quarto-html/tabsets/tabsets.js"
_IMPORT_TABSETS = 'import * as tabsets from "./tabsets/tabsets.js";\n'
_CLASSIC_MARK = "/* quarto.js as a classic script (annual-assessment: quarto_pages.py) */\n"


#: a request the browser makes by itself: scripts, images, frames, media; stylesheets, icons and
#: preloads (a plain link to another site is not a request)
_SRC = re.compile(
    r'<(?:script|img|iframe|source|audio|video|embed|track)\b[^>]*?\s(?:src|srcset)="'
    r'((?:https?:)?//[^"]*)"',
    re.IGNORECASE,
)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_LOADED_REL = re.compile(r'\srel="[^"]*\b(?:stylesheet|preload|modulepreload|icon)\b', re.I)
_EXTERNAL_HREF = re.compile(r'\shref="((?:https?:)?//[^"]*)"', re.IGNORECASE)
_CSS_REQUEST = re.compile(
    r"@import\s*(?:url\()?\s*[\"']?((?:https?:)?//[^\"')\s;]+)"
    r"|url\(\s*[\"']?((?:https?:)?//[^\"')\s]+)"
)


def _callout_button(m: re.Match[str]) -> str:
    return (
        f'<div class="callout-header {m.group(1)}" data-bs-toggle="collapse" {m.group(2)} '
        'role="button" tabindex="0">'
    )


def _cell_output(m: re.Match[str]) -> str:
    label = f"Output of cell {m.group(3)}" if m.group(3) else "Cell output"
    return (
        f'<div class="cell-output cell-output-{m.group(1)}"{m.group(2) or ""} tabindex="0" '
        f'role="region" aria-label="{label}">'
    )


def _table_wrap(m: re.Match[str]) -> str:
    caption = _CAPTION.search(m.group(0))
    words = " ".join(html.unescape(_TAGS.sub("", caption.group(1))).split()) if caption else ""
    label = html.escape(words or "Table", quote=True)
    return (
        f'<div class="table-wrap" role="region" aria-label="{label}" tabindex="0">'
        f"{m.group(0)}</div>"
    )


def finish_page(text: str) -> str:
    """One page's HTML, rewritten as :func:`finish_pages` says."""
    if _WIDGET not in text:
        text = _WIDGET_SCRIPTS.sub("", text)
    if 'rel="icon"' not in text and "</head>" in text:
        text = text.replace("</head>", '<link rel="icon" href="data:,">\n</head>', 1)
    main = _MAIN_ID.search(text)
    body = _BODY.search(text)
    if main and body and 'class="skip-link"' not in text:
        link = _SKIP_LINK.format(main.group(1))
        text = text[: body.end()] + link + text[body.end() :]
    text, toggles = _CALLOUT_TOGGLE.subn(_callout_button, text)
    if toggles and _CALLOUT_KEYS not in text:
        text = text.replace("</body>", _CALLOUT_KEYS + "</body>", 1)
    if 'id="quarto-search"' in text and _SEARCH_RESULTS not in text:
        text = text.replace("</body>", _SEARCH_RESULTS + "</body>", 1)
    if 'class="table-wrap"' not in text:
        text = _TABLE.sub(_table_wrap, text)
    text = _TABSETS_MODULE.sub("", text)
    text = _QUARTO_MODULE.sub(
        r'<script src="\1site_libs/quarto-html/quarto.js" defer></script>', text
    )
    return _CELL_OUTPUT.sub(_cell_output, text)


def classic_quarto_js(quarto_js: str, tabsets_js: str) -> str:
    """Quarto's ``quarto.js`` module (which imports ``tabsets.js``) as one classic script with
    the same behaviour: the import becomes an inline object holding the tabsets' ``init``, and
    the whole runs inside a strict function (a module's scope, not the page's globals). Loaded
    with ``defer``, it runs when a module would: after the page is parsed, before
    ``DOMContentLoaded``. Raises ``ValueError`` when Quarto's files are not as expected (a new
    Quarto version): the build then fails rather than ship a broken page script."""
    if quarto_js.startswith(_CLASSIC_MARK):
        return quarto_js
    if _IMPORT_TABSETS not in quarto_js or re.search(
        r"^\s*(?:import|export)\b", quarto_js.replace(_IMPORT_TABSETS, "", 1), re.M
    ):
        raise ValueError(f"{QUARTO_JS} is not the module this step knows (one tabsets import)")
    exports = re.findall(r"^export function (\w+)", tabsets_js, re.M)
    if exports != ["init"] or re.search(r"^\s*import\b", tabsets_js, re.M):
        raise ValueError(f"{TABSETS_JS} is not the module this step knows (one init export)")
    tabsets = tabsets_js.replace("export function init", "function init", 1)
    body = quarto_js.replace(
        _IMPORT_TABSETS,
        f"const tabsets = (function () {{\n{tabsets}\nreturn {{ init: init }};\n}})();\n",
        1,
    )
    return f'{_CLASSIC_MARK}(function () {{\n"use strict";\n{body}\n}})();\n'


def external_requests(text: str, *, css: bool = False) -> list[str]:
    """The addresses on other hosts a page (or, with ``css``, a stylesheet) would load."""
    if css:
        return [a or b for a, b in _CSS_REQUEST.findall(text)]
    found = _SRC.findall(text)
    for tag in _LINK.findall(text):
        href = _EXTERNAL_HREF.search(tag)
        if href and _LOADED_REL.search(tag):
            found.append(href.group(1))
    return found


def _replace(path: Path, text: str) -> None:
    """Write a new file in place of ``path`` (never through it: the unchanged pages of an
    incremental render are hard links to the previous site, which must stay as it was)."""
    tmp = path.with_name(path.name + ".finishing")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def finish_pages(out_dir: Path) -> list[str]:
    """Rewrite every HTML page under ``out_dir`` (see the module); return one warning per
    request to another host left in a page or a stylesheet ("<file>: ..."), sorted."""
    warnings = []
    quarto_js, tabsets_js = out_dir / QUARTO_JS, out_dir / TABSETS_JS
    if quarto_js.is_file() and tabsets_js.is_file():
        text = quarto_js.read_text(encoding="utf-8")
        try:
            classic = classic_quarto_js(text, tabsets_js.read_text(encoding="utf-8"))
        except ValueError as exc:
            warnings.append(f"{QUARTO_JS}: {exc}")
        else:
            if classic != text:
                _replace(quarto_js, classic)
    for path in sorted(out_dir.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        done = finish_page(text)
        if done != text:
            _replace(path, done)
        rel = path.relative_to(out_dir).as_posix()
        for url in external_requests(done):
            warnings.append(
                f"{rel}: loads {url} from another host (the site must be self-contained)"
            )
    for path in sorted(out_dir.rglob("*.css")):
        rel = path.relative_to(out_dir).as_posix()
        for url in external_requests(path.read_text(encoding="utf-8", errors="replace"), css=True):
            warnings.append(
                f"{rel}: loads {url} from another host (the site must be self-contained)"
            )
    return warnings
