"""Accessibility of every kind of page of the built site (the session fixture ``pipeline_site`` of
conftest.py: the fast UEC assessment), in headless Chromium.

* axe-core (from npm, pinned in package.json; ``make env`` runs ``npm ci``) checks each page kind
  at a desktop and a phone width against WCAG 2.0, 2.1 and 2.2 (levels A and AA): no violation
  may be serious or critical. Also with every menu and sidebar section open and search results
  shown.
* The keyboard alone (Tab) reaches every visible control of a report card and of the overview,
  focus never lands on something that cannot be seen, and the focused control is always marked
  (an outline or a ring).
* A full-page screenshot of each page kind, at both widths, goes to ``$SCREENSHOT_DIR`` (else a
  pytest temporary folder, named at the end of the run), after checking that what the page is
  for is on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from e2e_support import REPO, StaticServer

pytestmark = pytest.mark.e2e

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
ASSESSMENT = "reports/uec-fast"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}
KINDS = (
    "home",
    "overview",
    "league table",
    "metric page",
    "report cards",
    "report card",
    "methodology",
    "downloads",
    "notebook",
    "about",
    "framework overview",
    "framework league table",
    "framework report card",
    "framework methodology",
)
#: the framework assessment (NHS England's Oversight Framework recomputed): its own page kinds
FRAMEWORK = "reports/mental-health-community"
FRAMEWORK_CARD = "RAT"  # capped for a deficit in two quarters, and moves segment over the year
REPORT_CARD = "RDU"  # Frimley Health: a field-test site, so a report card with a known gap


# --------------------------------------------------------------------------------------------
# fixtures: the served site and the pages of each kind
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(
            f"{AXE.relative_to(REPO)} is missing: run `make env` (npm ci installs axe-core, "
            "pinned in package.json)",
            pytrace=False,
        )
    return AXE


@pytest.fixture(scope="module")
def site_url(pipeline_site: Path) -> Iterator[str]:
    with StaticServer(pipeline_site) as server:
        yield server.url + "/"


@pytest.fixture(scope="module")
def pages(browser: Any, site_url: str, pipeline_site: Path) -> dict[str, list[str]]:
    """The URLs of each page kind. The league table is what the sidebar's "League table" link
    of the overview leads to, and the first page it links to in ``league/`` if there is one."""
    base = pipeline_site / ASSESSMENT

    def first(folder: str, pattern: str = "*.html") -> list[str]:
        found = sorted(p for p in (base / folder).glob(pattern) if p.name != "index.html")
        assert found, f"no {pattern} in {ASSESSMENT}/{folder}"
        return [site_url + p.relative_to(pipeline_site).as_posix() for p in found]

    kinds = {
        "home": [site_url + "index.html"],
        "about": [site_url + "about.html"],
        "overview": [f"{site_url}{ASSESSMENT}/index.html"],
        "metric page": first("metrics")[:1],
        "report cards": [f"{site_url}{ASSESSMENT}/orgs/index.html"],
        "report card": [f"{site_url}{ASSESSMENT}/orgs/{REPORT_CARD}.html"],
        "methodology": [f"{site_url}{ASSESSMENT}/methodology.html"],
        "downloads": [f"{site_url}{ASSESSMENT}/downloads.html"],
        "notebook": first("pipeline"),
        "framework overview": [f"{site_url}{FRAMEWORK}/index.html"],
        "framework league table": [
            f"{site_url}{FRAMEWORK}/league.html",
            *sorted(
                site_url + p.relative_to(pipeline_site).as_posix()
                for p in (pipeline_site / FRAMEWORK / "league").glob("*.html")
            )[-1:],
        ],
        "framework report card": [f"{site_url}{FRAMEWORK}/orgs/{FRAMEWORK_CARD}.html"],
        "framework methodology": [f"{site_url}{FRAMEWORK}/methodology.html"],
    }
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(kinds["overview"][0])
        # the sidebar's link to this assessment's league hub (Quarto's sidebar also has a
        # section "League tables" that is a toggle, not a link)
        hrefs = page.locator("nav.sidebar a[href]", has_text="League table").evaluate_all(
            "els => els.map(e => e.href)"
        )
        own = [h for h in hrefs if f"/{ASSESSMENT}/league" in h]
        assert own, f"no 'League table' link in the sidebar of {page.url}: {hrefs}"
        hub = own[0]
        page.goto(hub)
        into = page.locator("main a[href*='league/']")
        kinds["league table"] = [hub]
        if into.count():
            kinds["league table"].append(urljoin(hub, into.first.get_attribute("href") or ""))
    finally:
        context.close()
    return kinds


def open_page(browser: Any, url: str, viewport: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url, wait_until="networkidle")
    return context, page


# --------------------------------------------------------------------------------------------
# axe
# --------------------------------------------------------------------------------------------


def run_axe(page: Any, axe_source: Path) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now (WCAG A and AA)."""
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']})""",
        AXE_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict[str, Any]], where: str, nodes: int = 3) -> list[str]:
    """One entry per blocking violation: rule, impact, help, and where on the page."""
    lines = []
    for v in violations:
        if v.get("impact") not in BLOCKING:
            continue
        lines.append(
            f"{where}: {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s); "
            f"{v['helpUrl']}]"
        )
        for node in v["nodes"][:nodes]:
            target = " ".join(str(t) for t in node["target"])
            html = re.sub(r"\s+", " ", node["html"])[:160]
            summary = re.sub(r"\s+", " ", node.get("failureSummary") or "")[:240]
            lines.append(f"    {target}\n      {html}\n      {summary}")
    return lines


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("kind", KINDS)
def test_no_serious_axe_violations(
    browser: Any, pages: dict[str, list[str]], axe_source: Path, kind: str, viewport: str
) -> None:
    problems: list[str] = []
    for url in pages[kind]:
        context, page = open_page(browser, url, viewport)
        try:
            problems += describe(run_axe(page, axe_source), f"{kind} {url} ({viewport})")
        finally:
            context.close()
    assert not problems, "serious or critical axe-core violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_no_serious_axe_violations_with_menus_open_and_search_results(
    browser: Any, pages: dict[str, list[str]], axe_source: Path, viewport: str, renderer: str
) -> None:
    """What only shows on demand: every <details> open (sidebar sections, navbar menus, folded
    code; Quarto's collapsed sidebar sections and callouts), and the search's results (the
    preview's list of report cards; Quarto's search overlay)."""
    problems: list[str] = []
    for url in pages["overview"] + pages["notebook"][:1]:
        context, page = open_page(browser, url, viewport)
        try:
            opened = page.evaluate(
                "() => { const d = [...document.querySelectorAll('details:not([open])')];"
                " d.forEach(e => e.open = true);"
                " const c = [...document.querySelectorAll('.sidebar .collapse:not(.show),"
                " .callout .collapse:not(.show)')]; c.forEach(e => e.classList.add('show'));"
                " return d.length + c.length; }"
            )
            assert opened, f"nothing to open on {url}"
            if renderer == "quarto":
                page.locator("#quarto-header #quarto-search .aa-DetachedSearchButton").click()
                page.locator("input.aa-Input").fill("fr")
                page.locator(".aa-Item a[data-href]").first.wait_for()
            else:
                page.locator("#org-search").fill("fr")
                assert page.locator("#org-search-results a").count(), "no search results for 'fr'"
            problems += describe(run_axe(page, axe_source), f"{url} ({viewport}, all open)")
        finally:
            context.close()
    assert not problems, "serious or critical axe-core violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_no_serious_axe_violations_with_league_details_open(
    browser: Any, pages: dict[str, list[str]], axe_source: Path, viewport: str
) -> None:
    """A league table with the first rows' details open (DataTables child rows)."""
    tables = [u for u in pages["league table"] if "/league/" in u]
    assert tables, "no cohort-and-year league table"
    context, page = open_page(browser, tables[0], viewport)
    try:
        buttons = page.locator("button.league-detail-toggle")
        for i in range(3):
            buttons.nth(i).click()
        assert page.locator("tr.league-detail-row").count() == 3
        problems = describe(run_axe(page, axe_source), f"{tables[0]} ({viewport}, details open)")
    finally:
        context.close()
    assert not problems, "serious or critical axe-core violations:\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------
# keyboard
# --------------------------------------------------------------------------------------------

_CONTROLS = """() => {
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  const found = [];
  for (const el of document.querySelectorAll(controls + ', [tabindex]')) {
    // an element that is not a control and is taken out of the tab order (main, the skip
    // link's target) is focused from script only
    if (!el.matches(controls) && el.tabIndex < 0) continue;
    if (el.disabled) continue;
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility({visibilityProperty: true}) || box.width * box.height === 0) continue;
    el.dataset.keyboardTest = String(found.length);
    found.push(el.outerHTML.replace(/\\s+/g, ' ').slice(0, 140));
  }
  window.focusLog = [];
  document.addEventListener('focusin', ev => {
    const el = ev.target, style = getComputedStyle(el);
    window.focusLog.push({
      id: el.dataset ? el.dataset.keyboardTest ?? null : null,
      html: (el.outerHTML || String(el)).replace(/\\s+/g, ' ').slice(0, 140),
      marked: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
              || style.boxShadow !== 'none',
    });
  }, true);
  return found;
}"""


def tab_through(page: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The page's visible controls, and what Tab focused, in order, pressing it once per control
    and a few more times."""
    controls: list[str] = page.evaluate(_CONTROLS)
    page.locator("body").focus()
    for _ in range(len(controls) + 5):
        page.keyboard.press("Tab")
    return controls, page.evaluate("window.focusLog")


@pytest.mark.parametrize("kind", ["report card", "overview"])
def test_keyboard_reaches_every_control_with_visible_focus(
    browser: Any, pages: dict[str, list[str]], kind: str
) -> None:
    context, page = open_page(browser, pages[kind][0], "desktop")
    try:
        controls, focused = tab_through(page)
    finally:
        context.close()
    assert len(controls) > 10, f"{kind}: only {len(controls)} controls found: {controls}"
    reached = {f["id"] for f in focused if f["id"] is not None}
    missed = [html for i, html in enumerate(controls) if str(i) not in reached]
    assert not missed, f"{kind}: Tab never reaches {len(missed)} control(s):\n" + "\n".join(
        missed[:10]
    )
    unseen = [f["html"] for f in focused if f["id"] is None]
    assert not unseen, f"{kind}: Tab focuses what cannot be seen:\n" + "\n".join(unseen[:10])
    unmarked = [f["html"] for f in focused if not f["marked"]]
    assert not unmarked, f"{kind}: focus is not marked on:\n" + "\n".join(unmarked[:10])
    assert controls[0].startswith('<a class="skip-link"'), controls[0]


# --------------------------------------------------------------------------------------------
# screenshots, and what each page kind is for
# --------------------------------------------------------------------------------------------


def loaded(image: Any) -> bool:
    return bool(image.evaluate("i => i.complete && i.naturalWidth > 0"))


def check_home(page: Any) -> None:
    # Quarto's script drops "index.html" from links served over HTTP
    link = page.locator(f"main a[href$='{ASSESSMENT}/index.html'], main a[href$='{ASSESSMENT}/']")
    assert link.count(), "no link to the assessment's overview"


def check_overview(page: Any) -> None:
    assert page.locator("main h3", has_text=re.compile(r"^Segments, \d{4}/\d{2}$")).count()
    table = (
        page.locator("main table")
        .filter(has=page.locator("th", has_text=re.compile(r"^Cohort$")))
        .filter(has=page.locator("th", has_text=re.compile(r"^Segment 1$")))
    )
    assert table.count(), "no segment distribution table (Cohort, Segment 1, ...)"
    assert table.first.locator("tbody tr").count() >= 1


def check_league(page: Any) -> None:
    assert page.locator("main table tbody tr").count(), "no table rows"


def check_metric(page: Any) -> None:
    charts = page.locator("main img[src*='_funnel.'], main img[src*='_ranked.']")
    assert charts.count(), "no funnel or ranked chart"
    assert any(loaded(charts.nth(i)) for i in range(charts.count())), "chart did not load"


def check_report_cards(page: Any) -> None:
    assert page.locator(f"main a[href$='{REPORT_CARD}.html']").count(), "no link to a card"


def check_report_card(page: Any) -> None:
    title = page.locator(".callout-title, .callout-title-container", has_text="In brief")
    brief = page.locator(".callout").filter(has=title)
    assert brief.count() == 1, "no 'In brief' headline"
    assert "segment" in brief.locator(".callout-body").inner_text()
    spine = page.locator("main img[src*='_spine.']")
    assert spine.count() == 1 and loaded(spine), "spine chart missing or not loaded"
    assert spine.get_attribute("alt", timeout=1000)


def check_methodology(page: Any) -> None:
    assert page.locator("main h2", has_text="Assumptions and caveats log").count()
    log = page.locator("main table").filter(
        has=page.locator("th", has_text=re.compile(r"^Assumption$"))
    )
    assert log.count() == 1, "no assumptions log table"
    ratings = log.locator("tbody td:nth-child(2)").all_inner_texts()
    assert ratings and all(re.fullmatch(r"[●▲■] (Green|Amber|Red)", r) for r in ratings), ratings


def check_downloads(page: Any) -> None:
    link = page.locator("main a[href$='.xlsx']")
    assert link.count(), "no link to the Excel workbook"
    response = page.request.get(urljoin(page.url, link.first.get_attribute("href") or ""))
    assert response.ok and response.body()[:2] == b"PK", "the workbook link does not serve it"


def check_notebook(page: Any) -> None:
    assert page.locator("main .cell .cell-code pre.sourceCode").count(), "no code cell"
    outputs = page.locator("main .cell .cell-output")
    assert outputs.count() and outputs.first.is_visible(), "no visible output"


def check_about(page: Any) -> None:
    assert page.locator("main h1").inner_text() == "About this assessment"


def check_framework_overview(page: Any) -> None:
    main = page.locator("main").inner_text()
    title = page.locator("main h1").inner_text().replace("\u2019", "'")  # Quarto's ’
    assert "NHS England's Oversight Framework" in title
    assert "recomputed within 0.01" in main and "Segments across the year" in main


def check_framework_league(page: Any) -> None:
    if page.url.endswith("league.html"):
        assert page.locator("main table a[href*='league/']").count() >= 4
        return
    rows = page.locator("table.league-table tbody tr")
    assert rows.count() == 61, rows.count()
    assert "likely range" in page.locator("main").inner_text().lower()


def check_framework_card(page: Any) -> None:
    main = page.locator("main").inner_text()
    assert "NHS England published segment" in main and "Quarter by quarter" in main
    assert "capped" in main  # RAT was capped at segment 3 for a deficit in Q2 and Q3


def check_framework_methodology(page: Any) -> None:
    heads = page.locator("main h2").all_inner_texts()
    assert any("Likely ranges" in h for h in heads) and any("recomputed" in h for h in heads)


CHECKS: dict[str, Callable[[Any], None]] = {
    "home": check_home,
    "overview": check_overview,
    "league table": check_league,
    "metric page": check_metric,
    "report cards": check_report_cards,
    "report card": check_report_card,
    "methodology": check_methodology,
    "downloads": check_downloads,
    "notebook": check_notebook,
    "about": check_about,
    "framework overview": check_framework_overview,
    "framework league table": check_framework_league,
    "framework report card": check_framework_card,
    "framework methodology": check_framework_methodology,
}


@pytest.mark.parametrize("kind", KINDS)
def test_screenshot_of_each_page_kind(
    browser: Any, pages: dict[str, list[str]], screenshot_dir: Path, kind: str
) -> None:
    for url in pages[kind]:
        name = kind.replace(" ", "-")
        if len(pages[kind]) > 1:
            name += "-" + Path(url).stem
        context, page = open_page(browser, url, "desktop")
        try:
            assert page.locator("main h1").first.inner_text().strip(), f"{url}: no heading"
            images = page.locator("main img")
            broken = [
                images.nth(i).get_attribute("src")
                for i in range(images.count())
                if not loaded(images.nth(i))
            ]
            assert not broken, f"{url}: images did not load: {broken}"
            CHECKS[kind](page)
            for viewport in ("desktop", "phone"):
                page.set_viewport_size(VIEWPORTS[viewport])
                path = screenshot_dir / f"{name}{'' if viewport == 'desktop' else '-phone'}.png"
                png = page.screenshot(path=path, full_page=True)
                assert png[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000, path
        finally:
            context.close()
