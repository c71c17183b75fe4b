"""End-to-end: a report card's charts on a phone (issue 22, item 8), on the pipeline site
(``assess run config/fast/uec-fast.yml``) in headless Chromium.

In a 375 px window the card shows each chart's phone layout (the ``<picture>``'s source), and
the smallest text of each, measured as shown (its size in the image's pixels, from the phone
layout's type size and dpi, times the width the browser draws the image at over the image's own
width), is at least 11 CSS px; the page does not scroll sideways. In a 1280 px window the card
shows the desktop charts. A screenshot of the card's charts at 375 px goes to
``$SCREENSHOT_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import StaticServer

from helpers.publish.figures_phone import MIN_CSS_PX, PHONE_DPI, PHONE_MIN_PT

pytestmark = pytest.mark.e2e

CARD = "reports/uec-fast/orgs/RDU.html"  # Frimley Health: a card with all three charts
CHARTS = "main picture img"

_SHOWN = """els => Promise.all(els.map(async i => {
  i.scrollIntoView();
  if (!i.complete) await new Promise(r => { i.onload = i.onerror = r; });
  const box = i.getBoundingClientRect();
  return {src: i.currentSrc.split('/').pop(), natural: i.naturalWidth, shown: box.width,
          right: box.right};
}))"""


def _charts(browser: Any, url: str, width: int) -> tuple[list[dict], Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 812})
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    return page.eval_on_selector_all(CHARTS, _SHOWN), page, context


def test_card_charts_are_legible_on_a_375_px_phone(
    browser: Any, pipeline_site: Path, screenshot_dir: Path
) -> None:
    with StaticServer(pipeline_site) as server:
        charts, page, context = _charts(browser, f"{server.url}/{CARD}", 375)
        try:
            kinds = sorted(c["src"].removesuffix("_phone.png").split("_")[-1] for c in charts)
            assert kinds == ["spc", "spine", "trend"], charts
            for c in charts:
                assert c["src"].endswith("_phone.png") and c["natural"] > 0, c
                smallest = PHONE_MIN_PT * PHONE_DPI / 72 * c["shown"] / c["natural"]
                assert smallest >= MIN_CSS_PX, (c, round(smallest, 1))
                assert c["right"] <= 375, c
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            spine = page.locator("main .card-figure").first
            spine.scroll_into_view_if_needed()
            path = screenshot_dir / "report-card-spine-375.png"
            png = spine.screenshot(path=path)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000
        finally:
            context.close()
        charts, _, context = _charts(browser, f"{server.url}/{CARD}", 1280)
        context.close()
        assert charts and not any(c["src"].endswith("_phone.png") for c in charts), charts
