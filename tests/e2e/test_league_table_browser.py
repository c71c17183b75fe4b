"""End-to-end: a league table page of the pipeline site (``assess run config/fast/uec-fast.yml``)
in headless Chromium, used with the mouse and with the keyboard alone, served over HTTP and
opened from ``file://``.

Reached by links from the hub (``league.html``), the latest year's table must be populated,
sortable by its headings and filterable by segment and region (DataTables, from npm), with every
row's interval charts drawn, no console errors and no failed requests.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from e2e_support import StaticServer

pytestmark = pytest.mark.e2e

ROWS = "table.league-table tbody tr"


def _errors(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: m.type == "error" and seen.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: seen.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and seen.append(f"HTTP {r.status}: {r.url}"))
    return seen


def _column(page: Any, key: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{ROWS} .col-{key}", "els => els.map(e => e.textContent.trim())"
    )


def _scores(page: Any) -> list[float]:
    return [float(t.split()[0]) for t in _column(page, "score")]


def _sorted_by(page: Any, key: str, direction: str) -> None:
    """Wait until DataTables says the column is sorted that way (it redraws asynchronously)."""
    page.wait_for_function(
        f"document.querySelector('table.league-table thead th.col-{key}')"
        f".getAttribute('aria-sort') === '{direction}'"
    )


def _filtered(page: Any, key: str, value: str) -> None:
    """Wait until every row shown has ``value`` (first word) in column ``key``."""
    page.wait_for_function(
        "([sel, v]) => { const c = [...document.querySelectorAll(sel)];"
        " return c.length > 0 && c.every(e => e.textContent.trim().split(' ')[0] === v); }",
        arg=[f"{ROWS} .col-{key}", value],
    )


def _open_latest_table(page: Any, hub_url: str) -> None:
    page.goto(hub_url)
    links = page.locator("main a[href*='league/']")  # Quarto writes ../../reports/x/league/
    assert links.count() >= 2, "the hub links no cohort-and-year table"
    with page.expect_navigation():
        links.first.click()  # the hub lists the latest year first
    page.wait_for_selector(".dt-search input")  # DataTables started
    # load the lazy figure above the table now, so that it cannot move the table under a click
    page.evaluate(
        "Promise.all([...document.images].map(i => { i.loading = 'eager';"
        " return i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; }); }))"
    )


def test_league_table_sorts_and_filters(browser, pipeline_site: Path) -> None:
    with StaticServer(pipeline_site) as server:
        page = browser.new_page()
        errors = _errors(page)
        _open_latest_table(page, f"{server.url}/reports/uec-fast/league.html")
        assert "/league/" in page.url and "League table: " in page.title()
        n = page.locator(ROWS).count()
        assert n >= 20
        # every row draws both intervals, with a text alternative
        assert page.locator(f"{ROWS} svg.interval[role=img][aria-label]").count() == 2 * n
        # the page opens in league order: segment, then average score
        segments = [int(s.split()[0]) for s in _column(page, "segment")]
        assert segments == sorted(segments)
        # sorting by a heading: the average score descending, then ascending
        heading = page.locator("table.league-table thead th.col-score")
        heading.click()
        _sorted_by(page, "score", "ascending")
        first = _scores(page)
        heading.click()
        _sorted_by(page, "score", "descending")
        second = _scores(page)
        assert first == sorted(first) and second == sorted(first, reverse=True)
        assert second[0] > second[-1], "the average score column did not sort"
        # filtering by segment shows exactly that segment's rows
        expected = segments.count(4)
        page.select_option("select[id$='-filter-segment']", "4")
        _filtered(page, "segment", "4")
        shown = [int(s.split()[0]) for s in _column(page, "segment")]
        assert shown and set(shown) == {4} and len(shown) == expected
        page.select_option("select[id$='-filter-segment']", "")
        page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === {n}")
        # filtering by region, then the search box, narrow the rows further
        region = page.locator("select[id$='-filter-region'] option").nth(1).get_attribute("value")
        page.select_option("select[id$='-filter-region']", region)
        page.wait_for_function(f"document.querySelectorAll('{ROWS}').length < {n}")
        regions = page.eval_on_selector_all(ROWS, "rs => rs.map(r => r.dataset.fRegion)")
        assert regions and set(regions) == {region}
        page.fill(".dt-search input", "zzz-no-such-trust")
        page.wait_for_selector(f"{ROWS} td.dt-empty")
        assert "No organisation matches" in page.locator(ROWS).first.inner_text()
        assert not errors, "\n".join(errors)
        page.close()


def test_league_table_by_keyboard_alone(browser, pipeline_site: Path) -> None:
    with StaticServer(pipeline_site) as server:
        page = browser.new_page()
        _open_latest_table(page, f"{server.url}/reports/uec-fast/league.html")
        n = page.locator(ROWS).count()
        reached: list[str] = []
        for _ in range(400):  # Tab through the page until the table's first organisation link
            page.keyboard.press("Tab")
            reached.append(
                page.evaluate(
                    "(() => { const e = document.activeElement;"
                    " return e.tagName + '#' + (e.id || e.className || e.textContent.trim()); })()"
                )
            )
            if page.evaluate("document.activeElement.closest('tbody') !== null"):
                break
        text = " ".join(reached)
        for control in ("-filter-region", "-filter-segment", "dt-search"):
            assert control in text, f"Tab never reached {control}: {reached[-30:]}"
        # every column heading but the details' is a sort control in the tab order
        headings = page.locator("table.league-table thead th:not([data-dt-order=disable])")
        assert headings.count() >= 5
        assert text.count("dt-column-order") == headings.count(), reached[-30:]
        # a segment chosen with the keyboard filters the table
        page.focus("select[id$='-filter-segment']")
        page.keyboard.press("ArrowDown")  # "All" -> the first segment
        chosen = page.eval_on_selector("select[id$='-filter-segment']", "s => s.value")
        _filtered(page, "segment", chosen)
        assert chosen and 0 < page.locator(ROWS).count() < n
        assert {s.split()[0] for s in _column(page, "segment")} == {chosen}
        # a heading sorts with Enter
        page.focus("thead th.col-score [tabindex='0'], thead th.col-score[tabindex='0']")
        before = _scores(page)
        page.keyboard.press("Enter")
        _sorted_by(page, "score", "ascending")
        page.keyboard.press("Enter")
        _sorted_by(page, "score", "descending")
        after = _scores(page)
        assert after == sorted(before, reverse=True) and after[0] > after[-1]
        page.close()


def test_league_table_works_from_file(browser, pipeline_site: Path) -> None:
    page = browser.new_page()
    errors = _errors(page)
    hub = pipeline_site / "reports" / "uec-fast" / "league.html"
    _open_latest_table(page, hub.as_uri())
    assert page.locator(ROWS).count() >= 20
    assert re.search(r"Showing \d+ organisations", page.locator(".dt-info").inner_text())
    assert not errors, "\n".join(errors)
    page.close()
