"""The preview's navigation: the navbar and sidebar trees of each page (the current page marked,
sections opened to ``collapse-level``), the previous/next page links and the check that every
navigation entry exists."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote

from helpers.publish.render.preview.state import SCHEME, BuildState, Page, strip_tags
from helpers.publish.render.project import PAGE_SUFFIXES

Node = dict[str, Any]  # text, href, current, children (+ section, open, menu, separator...)


def nav_target(state: BuildState, href: str) -> str | None:
    """Project-relative output path of a navigation href, or None when external."""
    if SCHEME.match(href) or href.startswith("#"):
        return None
    path = PurePosixPath(os.path.normpath(unquote(href.split("#")[0]).lstrip("/")))
    key = path.as_posix()
    if key in state.pages:
        return state.pages[key].out.as_posix()
    if path.suffix in PAGE_SUFFIXES:
        return path.with_suffix(".html").as_posix()
    return key


def nav_item(state: BuildState, item: Any, page: Page) -> Node | None:
    """One navigation entry (a path or a mapping with ``href``/``file`` and ``text``) as seen
    from ``page``; a bare page path takes the page's title."""
    if isinstance(item, str):
        item = {"href": item}
    if not isinstance(item, dict):
        return None
    href = item.get("href") or item.get("file")
    text = item.get("text")
    node: Node = {"text": "", "href": None, "current": False, "children": []}
    if item.get("text") == "---" or item.get("text", "").startswith("---"):
        node["separator"] = True
        return node
    if href:
        target = nav_target(state, str(href))
        if target is None:
            node["href"] = str(href)
        else:
            frag = "#" + str(href).split("#", 1)[1] if "#" in str(href) else ""
            node["href"] = quote(state.relative(target, page)) + frag
            node["current"] = target == page.out.as_posix()
            source = str(href).lstrip("/")
            if not text and source in state.pages:
                target_page = state.pages[source]
                text = strip_tags(target_page.title) or PurePosixPath(source).stem
    node["text"] = str(text or item.get("section") or href or "")
    return node


def navbar(state: BuildState, items: Any, page: Page) -> list[Node]:
    """One side (``left``/``right``) of the navbar; a ``menu`` entry gets its items."""
    nodes = []
    for item in items or []:
        if isinstance(item, dict) and "menu" in item:
            node = nav_item(state, {"text": item.get("text") or "Menu"}, page) or {}
            node["menu"] = [n for n in (nav_item(state, i, page) for i in item["menu"]) if n]
            node["current"] = any(n.get("current") for n in node["menu"])
            nodes.append(node)
        else:
            node = nav_item(state, item, page)
            if node:
                nodes.append(node)
    return nodes


def _tree(state: BuildState, items: Any, page: Page, depth: int, collapse: int) -> list[Node]:
    nodes = []
    for item in items or []:
        if isinstance(item, dict) and ("section" in item or "contents" in item):
            node = (
                nav_item(
                    state,
                    {"href": item.get("href"), "text": item.get("section") or item.get("text")},
                    page,
                )
                or {}
            )
            node["children"] = _tree(state, item.get("contents"), page, depth + 1, collapse)
            node["section"] = True
            node["contains_current"] = node.get("current") or any(
                c.get("current") or c.get("contains_current") for c in node["children"]
            )
            node["open"] = depth + 1 < collapse or node["contains_current"]
            nodes.append(node)
        elif item == "auto" or (isinstance(item, dict) and item.get("auto")):
            continue
        else:
            node = nav_item(state, item, page)
            if node:
                nodes.append(node)
    return nodes


def _sidebars(website: dict[str, Any]) -> list[dict[str, Any]]:
    sidebar = website.get("sidebar")
    if not sidebar:
        return []
    return [s for s in (sidebar if isinstance(sidebar, list) else [sidebar]) if isinstance(s, dict)]


def sidebar_for(state: BuildState, page: Page) -> tuple[list[Node], str]:
    """(tree, title) of the sidebar that contains ``page``, else of the first sidebar."""
    bars = _sidebars(state.website)
    if not bars:
        return [], ""
    trees = []
    for bar in bars:
        collapse = int(bar.get("collapse-level", 2))
        tree = _tree(state, bar.get("contents"), page, 0, collapse)
        trees.append((tree, str(bar.get("title") or "")))
        if any(n.get("current") or n.get("contains_current") for n in tree):
            return trees[-1]
    return trees[0]


def page_links(state: BuildState, sidebar: list[Node]) -> tuple[Node | None, Node | None]:
    """The previous and next pages of the sidebar (with ``website.page-navigation``)."""
    flat = [n for n in _flatten(sidebar) if n.get("href") and not SCHEME.match(n["href"])]
    prev_link = next_link = None
    if state.website.get("page-navigation", False):
        idx = next((i for i, n in enumerate(flat) if n.get("current")), None)
        if idx is not None:
            prev_link = flat[idx - 1] if idx > 0 else None
            next_link = flat[idx + 1] if idx + 1 < len(flat) else None
    return prev_link, next_link


def _flatten(nodes: list[Node]) -> Iterable[Node]:
    for node in nodes:
        if node.get("href"):
            yield node
        yield from _flatten(node.get("children") or [])


def check_nav(state: BuildState) -> None:
    """Warn about navbar and sidebar entries that are neither rendered pages nor files (those
    files are copied as resources)."""

    def walk(items: Any) -> Iterable[str]:
        for item in items or []:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                if item.get("href"):
                    yield str(item["href"])
                yield from walk(item.get("contents"))
                yield from walk(item.get("menu"))

    navbar_items = state.website.get("navbar") or {}
    hrefs = list(walk(navbar_items.get("left"))) + list(walk(navbar_items.get("right")))
    for bar in _sidebars(state.website):
        hrefs += list(walk(bar.get("contents")))
    for href in hrefs:
        if href == "auto":
            continue
        target = nav_target(state, href)
        if target is None:
            continue
        if not target.endswith(".html"):
            if (state.root / target).is_file():
                state.resources.add(Path(target))
            else:
                state.warnings.append(f"navigation: {href!r} not found")
        elif href.split("#")[0].lstrip("/") not in state.pages:
            state.warnings.append(f"navigation: {href!r} is not a rendered page")
