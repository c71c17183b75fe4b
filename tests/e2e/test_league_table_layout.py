"""End-to-end: the league table as people read it (issue 22, item 8), on the pipeline site
(``assess run config/fast/uec-fast.yml``) in headless Chromium.

* In a 1280 px window the table fits without sideways scrolling, draws at most seven columns,
  and no row is taller than about 60 px.
* A row's details open and close from the keyboard alone (a button with ``aria-expanded``), show
  the probability of each segment as ``assessment.csv`` has it (printed by ``fmt_probability``),
  and stay under their row when the table is sorted.
* In a 375 px window every row is a card of labelled fields, with no sideways scrolling.

Screenshots of both widths, closed and with a row's details open, go to ``$SCREENSHOT_DIR``
(else a pytest temporary folder, named at the end of the run).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from e2e_support import StaticServer

from helpers.publish.assessment_views import SEGMENTS, fmt_probability

pytestmark = pytest.mark.e2e

ROWS = "table.league-table tbody tr:not(.league-detail-row)"
ASSESSMENT = "reports/uec-fast"
#: "rows at most about 60 px high" at 1280 px
MAX_ROW_PX = 62

_MEASURE = """() => {
  const table = document.querySelector('table.league-table');
  const wrap = table.closest('.league-wrap');
  const rows = [...table.querySelectorAll('tbody tr:not(.league-detail-row)')];
  const visible = [...table.querySelectorAll('thead th')].filter(th => th.offsetParent !== null);
  return {
    wrapScroll: wrap.scrollWidth, wrapClient: wrap.clientWidth,
    pageScroll: document.documentElement.scrollWidth, window: window.innerWidth,
    tableRight: table.getBoundingClientRect().right,
    heights: rows.map(r => r.getBoundingClientRect().height),
    displays: [...new Set(rows.map(r => getComputedStyle(r).display))],
    columns: visible.length,
  };
}"""


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".dt-search input")  # DataTables started
    page.wait_for_selector("button.league-detail-toggle")  # the details' buttons made


def _latest_table_url(site: Path, server_url: str) -> tuple[str, str, str]:
    """The latest year's table of the first cohort: its address, cohort and year."""
    a = pd.read_csv(site / ASSESSMENT / "results" / "assessment.csv", dtype={"period": str})
    period = a.period.max()
    cohort = sorted(a[a.period == period].cohort.unique())[0]

    def slug(t: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")

    return f"{server_url}/{ASSESSMENT}/league/{slug(cohort)}-{slug(period)}.html", cohort, period


def _tab_to_first_details(page: Any) -> None:
    """From the search box, Tab (past the headings and the first organisation) to the first
    row's Details button."""
    page.focus(".dt-search input")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('button.league-detail-toggle')"):
            return
    raise AssertionError("Tab never reached a row's Details button")


def _shot(page: Any, folder: Path, name: str) -> None:
    """A screenshot of the window from the table's caption down."""
    page.evaluate(
        "window.scrollTo(0, document.querySelector('table.league-table caption')"
        ".getBoundingClientRect().top + window.scrollY - 8)"
    )
    path = folder / name
    png = page.screenshot(path=path)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000


def test_league_table_fits_1280_px_and_its_details_open_by_keyboard(
    browser: Any, pipeline_site: Path, screenshot_dir: Path
) -> None:
    assessment = pd.read_csv(
        pipeline_site / ASSESSMENT / "results" / "assessment.csv", dtype={"period": str}
    )
    with StaticServer(pipeline_site) as server:
        url, cohort, period = _latest_table_url(pipeline_site, server.url)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        _open(page, url)
        m = page.evaluate(_MEASURE)
        n = len(m["heights"])
        assert n >= 20
        # no sideways scroll: neither the table's own region nor the page
        assert m["wrapScroll"] <= m["wrapClient"], m
        assert m["pageScroll"] <= m["window"] and m["tableRight"] <= m["window"], m
        assert m["displays"] == ["table-row"] and m["columns"] <= 7, m
        assert max(m["heights"]) <= MAX_ROW_PX, sorted(m["heights"])[-5:]
        _shot(page, screenshot_dir, "league-table-1280.png")

        # the first row's details, by keyboard alone: Enter opens them, in a row of their own
        _tab_to_first_details(page)
        button = page.locator("button.league-detail-toggle").first
        assert button.get_attribute("aria-expanded") == "false"
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        detail = page.locator("tr.league-detail-row")
        assert detail.count() == 1 and detail.first.is_visible()
        text = detail.first.inner_text()
        # the probability of each segment, as assessment.csv has it
        code = re.search(r"\(([^()]+)\)(?:, specialist)?$", page.locator(
            f"{ROWS} .col-organisation").first.inner_text().strip()).group(1)  # fmt: skip
        r = assessment[
            (assessment.org_code == code)
            & (assessment.period == period)
            & (assessment.cohort == cohort)
        ].iloc[0]
        shown = "; ".join(f"{s}: {fmt_probability(r[f'p_segment_{s}'])}" for s in SEGMENTS)
        assert "Probability of each segment" in text and shown in text, (shown, text)
        # what the rules imply, worded as an implication with its rule, never as a decision
        c = str(r.consequence)
        implied = (
            f"In line for: {c[:1].lower()}{c[1:]} (rule: {r.consequence_rule.replace('_', ' ')})"
        )
        assert "not a decision" in text and implied in text, (implied, text)
        # still no sideways scroll with the details open
        m = page.evaluate(_MEASURE)
        assert m["wrapScroll"] <= m["wrapClient"] and m["pageScroll"] <= m["window"], m
        _shot(page, screenshot_dir, "league-table-1280-details.png")
        # sorted, the details stay under their own row
        page.locator("table.league-table thead th.col-score").click()
        page.wait_for_function(
            "document.querySelector('table.league-table thead th.col-score')"
            ".getAttribute('aria-sort') === 'ascending'"
        )
        page.locator("table.league-table thead th.col-score").click()
        page.wait_for_function(
            "document.querySelector('table.league-table thead th.col-score')"
            ".getAttribute('aria-sort') === 'descending'"
        )
        above = page.evaluate(
            "document.querySelector('tr.league-detail-row').previousElementSibling"
            ".querySelector('.col-organisation').textContent"
        )
        assert f"({code})" in above
        # Space closes them again
        button = page.locator(ROWS).filter(has_text=f"({code})").locator("button")
        button.focus()
        page.keyboard.press("Space")
        assert button.get_attribute("aria-expanded") == "false"
        assert page.locator("tr.league-detail-row").count() == 0
        context.close()


def test_league_table_reads_as_cards_at_375_px(
    browser: Any, pipeline_site: Path, screenshot_dir: Path
) -> None:
    with StaticServer(pipeline_site) as server:
        url, _, _ = _latest_table_url(pipeline_site, server.url)
        context = browser.new_context(viewport={"width": 375, "height": 812})
        page = context.new_page()
        _open(page, url)
        m = page.evaluate(_MEASURE)
        assert m["wrapScroll"] <= m["wrapClient"], m
        assert m["pageScroll"] <= m["window"] == 375, m
        assert "table-row" not in m["displays"], m  # each row a block of its own: a card
        card = page.evaluate(
            """() => {
              const tr = document.querySelector('table.league-table tbody tr');
              const box = e => e.getBoundingClientRect();
              const f = k => tr.querySelector('.col-' + k);
              const label = k => getComputedStyle(f(k), '::before').content;
              return {
                card: box(tr), border: getComputedStyle(tr).borderTopStyle,
                rank: box(f('rank')), org: box(f('organisation')), score: box(f('score')),
                rankRange: box(f('rank_range')), segment: box(f('segment')),
                labels: ['segment', 'score', 'rank_range'].map(label),
                rankLabel: getComputedStyle(f('rank'), '::before').content,
              };
            }"""
        )
        # rank and name on the card's first line; each field below, across the card, labelled
        assert card["border"] != "none"
        assert abs(card["rank"]["top"] - card["org"]["top"]) < 2
        for field in ("segment", "score", "rankRange"):
            assert card[field]["top"] >= card["org"]["bottom"] - 1, card
            assert card[field]["width"] >= 0.9 * card["card"]["width"] - 20, card
            assert card[field]["right"] <= card["card"]["right"] + 0.5, card
        assert "Segment" in card["labels"][0] and "Average score" in card["labels"][1]
        assert "Likely range of rank" in card["labels"][2] and "Rank" in card["rankLabel"]
        _shot(page, screenshot_dir, "league-table-375.png")
        page.locator("button.league-detail-toggle").first.click()
        detail = page.locator("tr.league-detail-row")
        assert detail.count() == 1 and "Probability of each segment" in detail.inner_text()
        m = page.evaluate(_MEASURE)
        assert m["wrapScroll"] <= m["wrapClient"] and m["pageScroll"] <= 375, m
        _shot(page, screenshot_dir, "league-table-375-details.png")
        context.close()
