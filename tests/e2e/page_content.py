"""What a reader gets from a built page, whichever renderer built it: the visible text of its main
content (whitespace normalised), its headings, links, and images with their alt text; and the
short, documented allowance of what the preview and Quarto may do differently.

Used by test_renderers_agree.py."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

#: never shown
HIDDEN = {"script", "style", "template", "noscript", "head"}
VOID = {"br", "img", "hr", "meta", "link", "input", "source", "col", "wbr", "area", "base"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
#: a word ends where one of these starts or ends (inline elements, such as the spans of
#: highlighted code, do not break a word)
BLOCKS = {
    *HEADINGS, "p", "li", "td", "th", "div", "figcaption", "caption", "dt", "dd", "blockquote",
    "summary", "details", "br", "tr", "section", "header", "footer", "nav", "pre", "figure",
    "table", "thead", "tbody", "ul", "ol", "dl", "hr", "img", "aside", "article", "main",
}  # fmt: skip

#: THE ALLOWANCE: the parts of <main> each renderer adds of its own and the other shows
#: elsewhere or not at all. Each is (tag, attribute, a word of its value, a word of the parent's
#: class or ""); nothing else may differ.
ALLOWANCE: dict[str, list[tuple[str, str, str, str]]] = {
    "preview": [
        # the table of contents: inside <main> in the preview, in Quarto's margin (nav#TOC)
        ("nav", "class", "toc", ""),
        # the previous and next links: inside <main> in the preview, after it in Quarto
        ("nav", "class", "page-navigation", ""),
        # a callout's kind for screen readers: "Note: " here, "Note" in Quarto (below)
        ("span", "class", "visually-hidden", "callout-title"),
    ],
    "quarto": [
        # Quarto's own buttons (copy code, a callout's toggle icon) and screen-reader-only
        # duplicates of what the page already says
        ("button", "", "", ""),
        ("span", "class", "screen-reader-only", "callout-title-container"),
        # the breadcrumbs of the sidebar's sections above the title (the preview has the sidebar)
        ("nav", "class", "quarto-page-breadcrumbs", ""),
        # its title block's metadata row (empty labels for author/date the pages do not set)
        ("div", "class", "quarto-title-meta", ""),
        # a report card's keywords (its hospitals and towns, for search), which Quarto's title
        # block would list: theme.scss hides them (the card names its hospitals in its text)
        ("div", "class", "keywords", ""),
    ],
}


@dataclass
class PageContent:
    text: str = ""
    headings: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)


def _skipped(renderer: str, tag: str, attrs: dict[str, str | None], parent: str) -> bool:
    for t, attr, word, in_class in ALLOWANCE[renderer]:
        if t != tag or (in_class and in_class not in parent.split()):
            continue
        if not attr or word in (attrs.get(attr) or "").split():
            return True
    return False


class _Main(HTMLParser):
    def __init__(self, renderer: str, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.renderer = renderer
        self.page = page
        self.stack: list[tuple[str, bool, str]] = []  # (tag, hidden, class)
        self.in_main = False
        self.parts: list[str] = []
        self.heading: list[str] | None = None
        self.out = PageContent()

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if tag == "main" and not self.in_main:
            self.in_main = True
            self.stack = [("main", False, "")]
            return
        if not self.in_main:
            return
        hidden = (
            self.hidden
            or tag in HIDDEN
            or "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or _skipped(self.renderer, tag, attrs, self.stack[-1][2])
        )
        if not hidden:
            if tag == "a" and attrs.get("href"):
                self.out.links.append(self.address(attrs["href"] or ""))
            if tag == "img":
                self.out.images.append(
                    (self.address(attrs.get("src") or ""), attrs.get("alt") or "")
                )
            if tag in HEADINGS:
                self.heading = []
            if tag in BLOCKS:
                self.parts.append(" ")
        if tag not in VOID:
            self.stack.append((tag, hidden, attrs.get("class") or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.in_main:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.in_main or tag in VOID:
            return
        if tag == "main" and len(self.stack) == 1:
            self.in_main = False
            self.stack = []
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                hidden = self.stack[i][1]
                del self.stack[i:]
                if not hidden:
                    if tag in BLOCKS:
                        self.parts.append(" ")
                    if tag in HEADINGS and self.heading is not None:
                        self.out.headings.append(" ".join("".join(self.heading).split()))
                        self.heading = None
                break

    def handle_data(self, data: str) -> None:
        if self.in_main and not self.hidden:
            self.parts.append(data)
            if self.heading is not None:
                self.heading.append(data)

    def address(self, href: str) -> str:
        """Where a relative link or image leads from this page (site-relative, with its
        fragment); other addresses as written."""
        if re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", href, re.IGNORECASE):
            return href
        path, sep, fragment = href.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.page), path))
        return target + sep + fragment


#: pandoc's smart punctuation, back to what the source says
SMART = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def page_content(site: Path, page: str, renderer: str) -> PageContent:
    """What a reader gets from ``page`` (relative to ``site``) as ``renderer`` built it."""
    reader = _Main(renderer, page)
    reader.feed((site / page).read_text(encoding="utf-8"))
    reader.close()
    out = reader.out
    out.text = " ".join("".join(reader.parts).split()).translate(SMART)
    out.headings = [h.translate(SMART) for h in out.headings]
    out.images = [(src, alt.translate(SMART)) for src, alt in out.images]
    return out
