"""End-to-end: build the site, serve it, and use it in headless Chromium like a reader would.

* ``test_pipeline_site``: a fresh copy of the repository (the files ``git ls-files`` lists, and
  nothing else) runs ``assess run config/fast/uec-fast.yml`` and ``assess render`` (the session
  fixture ``pipeline_site`` of conftest.py, shared with test_accessibility.py).
* ``test_fixture_site``: the small fixture project of the unit tests, rendered by the preview
  renderer, also served from a sub-path and opened from ``file://``.

In both, following links (clicks, not ``goto``) from the home page must reach a metric page (from
the sidebar section "Metrics"), the league table (pipeline site) and a report card (from the
"Report cards" page); on every page visited every image must have loaded and have alt text,
with no console errors and no failed requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e_support import StaticServer
from site_fixture import make_fixture_project

pytestmark = pytest.mark.e2e


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.publish.render import render_site

    root = make_fixture_project(tmp_path_factory.mktemp("fixture"))
    result = render_site(root, force_preview=True)
    return result.output_dir


# --------------------------------------------------------------------------------------------
# browsing
# --------------------------------------------------------------------------------------------


@dataclass
class Problems:
    """Console errors, page errors and failed requests seen since the last ``take()``."""

    items: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: m.type == "error" and self.items.append(f"console error: {m.text}"),
        )
        page.on("pageerror", lambda e: self.items.append(f"page error: {e}"))
        page.on(
            "requestfailed",
            lambda r: self.items.append(f"request failed: {r.url} ({r.failure})"),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and self.items.append(f"HTTP {r.status}: {r.url}"),
        )

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


def check_page(page: Any, problems: Problems, what: str) -> int:
    """Assert the page is healthy; return how many images it has."""
    page.wait_for_load_state("load")
    banner = page.locator('.preview-banner[role="note"]')
    if banner.count():  # the preview labels itself; a Quarto build has no banner
        assert banner.first.is_visible(), f"{what}: preview banner not visible"
        assert "Preview build" in banner.first.inner_text()
    assert page.title().strip(), f"{what}: empty <title>"
    assert page.locator("main h1").first.inner_text().strip(), f"{what}: no page heading"
    images = page.eval_on_selector_all(
        "img",
        "els => els.map(e => ({src: e.currentSrc || e.src, complete: e.complete,"
        " width: e.naturalWidth, alt: (e.getAttribute('alt') || '').trim()}))",
    )
    for img in images:
        assert img["complete"] and img["width"] > 0, f"{what}: image did not load: {img['src']}"
        assert img["alt"], f"{what}: image without alt text: {img['src']}"
    seen = problems.take()
    assert not seen, f"{what} ({page.url}):\n" + "\n".join(seen)
    return len(images)


def follow(page: Any, locator: Any, what: str) -> None:
    assert locator.count(), f"no link for {what} on {page.url}"
    with page.expect_navigation():
        locator.first.click()


def open_card(page: Any, problems: Problems, links_at: str, is_card: Any) -> int:
    """Open the first link (of ``links_at``) whose href ``is_card``; check the report card it
    opens and return its images."""
    links = page.locator(links_at)
    hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    index = next((i for i, h in enumerate(hrefs) if is_card(h)), None)
    assert index is not None, f"no organisation link on {page.url}: {hrefs[:10]}"
    with page.expect_navigation():
        links.nth(index).click()
    return check_page(page, problems, "report card")


def _watched_page(browser: Any) -> tuple[Any, Any, Problems]:
    """A new page in its own context, its console errors and failed requests collected."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = Problems()
    problems.attach(page)
    return context, page, problems


def browse(browser: Any, home_url: str) -> dict[str, str]:
    """Home -> sidebar Metrics -> a metric page; -> Report cards -> an organisation."""
    context, page, problems = _watched_page(browser)
    visited: dict[str, str] = {}
    images = 0
    try:
        page.goto(home_url)
        images += check_page(page, problems, "home page")
        assert page.locator('.preview-banner[role="note"]').count() == 1, "no preview banner"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        visited["home"] = page.url

        metrics = page.locator("nav.sidebar details:has(> summary:text-is('Metrics'))").first
        assert metrics.count(), "no 'Metrics' section in the sidebar"
        if not metrics.evaluate("d => d.open"):
            metrics.locator(":scope > summary").click()
        follow(page, metrics.locator(":scope > ul a[href]"), "a metric")
        assert "/metrics/" in page.url, page.url
        images += check_page(page, problems, "metric page")
        current = page.locator('nav.sidebar a[aria-current="page"]')
        assert current.count() == 1, "the sidebar does not mark the current page"
        visited["metric"] = page.url

        # this assessment's league link (the sidebar lists every assessment's sections)
        here = re.search(r"/reports/[^/]+/", page.url)
        assert here, page.url
        own = page.locator("nav.sidebar a", has_text="League table").evaluate_all(
            "els => els.map(e => e.href)"
        )
        mine = [i for i, href in enumerate(own) if here.group(0) in href]
        league = page.locator("nav.sidebar a", has_text="League table").nth(mine[0] if mine else 0)
        if mine:  # an assessment run (notebook 35) has a league table page
            # the link is in a sidebar section of its own ("League tables"): open the closed
            # sections it sits in, innermost last, as a reader clicks them
            closed = league.locator("xpath=ancestor::details[not(@open)]")
            for i in range(closed.count()):
                closed.nth(i).locator(":scope > summary").click()
            follow(page, league, "League table")
            images += check_page(page, problems, "league table")
            visited["league"] = page.url

        follow(page, page.locator("nav.sidebar a", has_text="Report cards"), "Report cards")
        images += check_page(page, problems, "report cards page")
        visited["report cards"] = page.url
        images += open_card(
            page,
            problems,
            "main .content a[href]",
            lambda h: h.endswith(".html") and "/" not in h and h != "index.html",
        )
        visited["report card"] = page.url
        assert images > 0, "no images on any page visited"
    finally:
        context.close()
    return visited


def reveal(page: Any, link: Any) -> None:
    """Open the collapsed Quarto sidebar sections ``link`` sits in, outermost first, by clicking
    their toggles as a reader does."""
    ids = link.evaluate(
        "a => { const ids = []; for (let e = a.parentElement; e; e = e.parentElement)"
        " if (e.matches('ul.collapse:not(.show)')) ids.unshift(e.id); return ids; }"
    )
    for section in ids:
        page.locator(f"#quarto-sidebar a.sidebar-item-text[data-bs-target='#{section}']").click()
        page.locator(f"#{section}.show").wait_for()


def browse_quarto(browser: Any, home_url: str) -> dict[str, str]:
    """``browse`` on the Quarto build: its sidebar's collapsible sections, its active link."""
    context, page, problems = _watched_page(browser)
    visited: dict[str, str] = {}
    images = 0
    sidebar = "#quarto-sidebar"
    try:
        page.goto(home_url)
        images += check_page(page, problems, "home page")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        visited["home"] = page.url

        section = page.locator(f"{sidebar} a.sidebar-item-text", has_text="Metrics").first
        reveal(page, section)
        section.click()
        metric = page.locator(f"{sidebar} a.sidebar-link[href*='/metrics/']").first
        reveal(page, metric)
        follow(page, metric, "a metric")
        assert "/metrics/" in page.url, page.url
        images += check_page(page, problems, "metric page")
        assert page.locator(f"{sidebar} a.sidebar-link.active").count() == 1
        visited["metric"] = page.url

        league = page.locator(f"{sidebar} a.sidebar-link[href$='uec-fast/league.html']").first
        reveal(page, league)
        follow(page, league, "League tables")
        images += check_page(page, problems, "league table")
        visited["league"] = page.url

        # Quarto's script drops "index.html" from links served over HTTP
        cards = page.locator(
            f"{sidebar} a.sidebar-link[href$='uec-fast/orgs/index.html'],"
            f" {sidebar} a.sidebar-link[href$='uec-fast/orgs/']"
        ).first
        reveal(page, cards)
        follow(page, cards, "Report cards")
        images += check_page(page, problems, "report cards page")
        visited["report cards"] = page.url
        images += open_card(
            page, problems, "main a[href]", lambda h: bool(re.search(r"/orgs/[A-Z0-9]+\.html$", h))
        )
        visited["report card"] = page.url
        assert images > 0, "no images on any page visited"
    finally:
        context.close()
    return visited


# --------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------


def test_pipeline_site(browser, pipeline_site, renderer):
    assert (pipeline_site / ".preview").read_text(encoding="utf-8").strip() == renderer
    walk = browse_quarto if renderer == "quarto" else browse
    with StaticServer(pipeline_site) as server:
        visited = walk(browser, server.url + "/index.html")
    assert "/orgs/" in visited["report card"]
    assert visited.get("league", "").endswith("/league.html"), visited


def test_fixture_site(browser, fixture_site):
    with StaticServer(fixture_site) as server:
        visited = browse(browser, server.url + "/")
    assert visited["metric"].endswith("/reports/demo/metrics/ae_4hr_pct.html")
    assert visited["report card"].endswith("/reports/demo/orgs/RAA.html")

    # relative links: the same site works from a sub-path ...
    with StaticServer(fixture_site.parent) as server:
        visited = browse(browser, f"{server.url}/{fixture_site.name}/index.html")
    assert f"/{fixture_site.name}/reports/demo/orgs/" in visited["report card"]

    # ... and straight from the file system
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((fixture_site / "index.html").as_uri())
        with page.expect_navigation():
            page.locator("header nav a", has_text="About this assessment").first.click()
        assert page.url.endswith("/about.html")
        assert page.locator("main h1").inner_text() == "About this assessment"
        assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"  # CSS loaded
    finally:
        context.close()


def test_search_finds_an_organisation_from_any_page(browser, pipeline_site, preview_only):
    """The search box of every page lists report cards by name or code, from the file system
    too; choosing one opens it; a hostile query is shown as text."""
    context = browser.new_context()
    try:
        page = context.new_page()
        start = next((pipeline_site / "reports" / "uec-fast" / "metrics").glob("*.html"))
        page.goto(start.as_uri())  # a page two folders down, opened from the file system
        box = page.locator("#org-search")
        box.fill("frimley")
        first = page.locator("#org-search-results a").first
        assert "Frimley" in first.inner_text() and "(RDU)" in first.inner_text()
        box.fill("rdu")  # a code, lower case
        assert "(RDU)" in page.locator("#org-search-results a").first.inner_text()
        box.press("Enter")
        page.wait_for_url("**/orgs/RDU.html")
        assert "Frimley" in page.locator("main h1").inner_text()
        box = page.locator("#org-search")
        box.fill("<b>zz</b>")
        assert (
            page.locator("#org-search-results li").inner_text().startswith("No report card matches")
        )
        assert page.locator("#org-search-results b").count() == 0
    finally:
        context.close()


def test_quarto_search_finds_an_organisation_by_name_code_and_hospital(
    browser, pipeline_site, quarto_only
):
    """Quarto's own search (its overlay in the navbar; it reads search.json, so over HTTP) finds
    a report card by the organisation's name, by its code and by one of its hospitals, and
    choosing the result opens the card: by a click, and by the arrow keys and Enter (the
    results are options without links inside, quarto_pages.py)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        with StaticServer(pipeline_site) as server:
            page.goto(f"{server.url}/index.html", wait_until="networkidle")
            for query, card in (("Frimley", "RDU"), ("RDU", "RDU"), ("Addenbrooke", "RGT")):
                page.locator("#quarto-header #quarto-search .aa-DetachedSearchButton").click()
                page.locator("input.aa-Input").fill(query)
                hit = page.locator(f".aa-Item a[data-href*='/orgs/{card}.html']").first
                hit.wait_for()
                assert query.lower() in hit.inner_text().lower() or card == query
                page.keyboard.press("Escape")
            page.locator("#quarto-header #quarto-search .aa-DetachedSearchButton").click()
            page.locator("input.aa-Input").fill("Frimley")
            hit = page.locator(".aa-Item a[data-href*='/orgs/RDU.html']").first
            assert hit.get_attribute("href") is None  # an option, not a link inside one
            with page.expect_navigation():
                hit.click()
            assert "/orgs/RDU.html" in page.url
            assert "Frimley" in page.locator("main h1").first.inner_text()
            page.goto(f"{server.url}/index.html", wait_until="networkidle")
            page.locator("#quarto-header #quarto-search .aa-DetachedSearchButton").click()
            page.locator("input.aa-Input").fill("RGT")
            page.locator(".aa-Item a[data-href*='/orgs/RGT.html']").first.wait_for()
            selected = page.locator(".aa-Item[aria-selected='true'] a").first
            target = re.split(r"[#?]", selected.get_attribute("data-href") or "")[0]
            assert target.endswith(".html"), target
            with page.expect_navigation():
                page.keyboard.press("Enter")  # Quarto's own navigation to the selected result
            assert re.split(r"[#?]", page.url)[0].endswith(target.lstrip("./"))
    finally:
        context.close()


def test_search_finds_a_trust_by_its_hospital(browser, pipeline_site, preview_only):
    """People know hospitals, not trusts: typing "Addenbrooke" (or the name with its apostrophe,
    or without it) lists Cambridge University Hospitals' report card and says which hospital
    matched; choosing it opens the card, which names its hospitals and their towns."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((pipeline_site / "index.html").as_uri())
        box = page.locator("#org-search")
        for query in ("Addenbrooke", "Addenbrooke's", "addenbrookes"):
            box.fill(query)
            results = page.locator("#org-search-results a")
            assert results.count() == 1, query
            text = results.first.inner_text()
            assert "Cambridge University Hospitals" in text and "(RGT)" in text, text
            assert text.endswith("\u2014 Addenbrooke's"), text
        box.press("Enter")
        page.wait_for_url("**/orgs/RGT.html")
        hospitals = page.locator("main p:has(strong:text-is('Hospitals'))").inner_text()
        assert "Addenbrooke\u2019s (Cambridge)" in hospitals or "Addenbrooke's (Cambridge)" in (
            hospitals
        )
        assert "Rosie Hospital (Cambridge)" in hospitals
    finally:
        context.close()


def test_keyboard_only_and_print(browser, pipeline_site, preview_only):
    """From the top of a report card, the keyboard alone reaches the skip link, then the search
    box, a result and the card it opens; printed on A4, navigation and search are left out."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((pipeline_site / "reports" / "uec-fast" / "orgs" / "RDU.html").as_uri())
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
        for _ in range(80):
            if page.evaluate("document.activeElement.id") == "org-search":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "org-search"
        page.keyboard.type("Manchester University")
        page.keyboard.press("Tab")
        assert "(R0A)" in page.evaluate("document.activeElement.textContent")
        page.keyboard.press("Enter")
        page.wait_for_url("**/orgs/R0A.html")
        page.emulate_media(media="print")
        for hidden in (".sidebar", "#org-search", ".preview-banner"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert page.locator("main h1").is_visible()
        main = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
        assert main > 0.9 * page.viewport_size["width"] - 40
        assert page.pdf(format="A4").startswith(b"%PDF")
    finally:
        context.close()
