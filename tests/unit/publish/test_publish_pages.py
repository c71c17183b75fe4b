"""The pages of an assessment (helpers.publish.pages), written from the real UEC results: one
per metric and per published organisation, with numbers that agree with the result tables."""

from __future__ import annotations

import json
import re

import pytest
from site_support import site_context

from helpers.core.paths import RunPaths
from helpers.publish.figures_phone import figure_alt
from helpers.publish.pages import write_pages
from helpers.publish.summary import run_summary
from helpers.publish.templating import md_text
from helpers.publish.text import (
    COMPARISON_BADGE,
    COMPARISON_LABEL,
    COMPARISON_TEST_SHORT,
    fmt,
    lower_first,
)


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    codes = sorted(built[3].org_code.unique())[:3]
    ctx = site_context(built, RunPaths(tmp_path_factory.mktemp("pages")).ensure(), codes)
    counts = write_pages(ctx)
    return ctx, counts, codes


def test_a_page_per_metric_and_a_card_per_published_organisation(site) -> None:
    ctx, counts, codes = site
    p = ctx.paths
    assert counts == {"metric_pages": len(ctx.run.metrics), "report_cards": len(codes)}
    assert sorted(f.stem for f in p.orgs.glob("*.qmd") if f.stem != "index") == codes
    for name in ("index.qmd", "methodology.qmd", "downloads.qmd", "_provenance.md"):
        assert (p.base / name).exists()
    for m in ctx.run.metrics:
        assert (p.metrics / f"{m.id}.qmd").exists() and (p.figures / f"{m.id}_ranks.png").exists()


def test_overview_counts_agree_with_the_results(site) -> None:
    """The overview's headline table counts the headline comparison and names its test; the
    plain test's counts stand beside them."""
    ctx, _, _ = site
    text = (ctx.paths.base / "index.qmd").read_text(encoding="utf-8")
    for m in ctx.run.metrics:
        period = ctx.latest_period(m.id)
        year = ctx.results[(ctx.results.metric_id == m.id) & (ctx.results.period == period)]
        c = year.comparison_headline.value_counts()
        p = year.comparison.value_counts()
        england = ctx.england[(ctx.england.metric_id == m.id) & (ctx.england.period == period)]
        row = next(
            line
            for line in text.splitlines()
            if line.startswith(f"| [{md_text(m.short_title)}](metrics/{m.id}.qmd)")
        )
        cells = [x.strip() for x in row.strip("|").split("|")]
        assert cells[1] == period and cells[2] == fmt(float(england.value.iloc[0]), m)
        neutral = m.polarity == "no_judgement"  # "higher"/"lower", no judgement made
        assert cells[3] == str(c.get("better", 0) + c.get("higher", 0)) + (
            " higher" if neutral else ""
        )
        assert cells[4] == str(c.get("similar", 0))
        assert cells[5] == str(c.get("worse", 0) + c.get("lower", 0)) + (
            " lower" if neutral else ""
        )
        assert cells[6] == str(int((year.comparison_headline == "not_compared").sum()))
        tests = set(year.comparison_test) - {""}
        named = ", ".join(COMPARISON_TEST_SHORT[t] for t in sorted(tests))
        assert cells[7].lower().endswith(named.lower()) and named
        assert cells[7].startswith("Context, not judged") == neutral
        plain = [p.get(a, 0) + p.get(b, 0) for a, b in (("better", "higher"), ("similar", ""))]
        plain.append(p.get("worse", 0) + p.get("lower", 0))
        assert cells[8] == " / ".join(map(str, plain))


def test_report_card_shows_each_latest_comparison_with_its_symbol(site) -> None:
    ctx, _, codes = site
    card = (ctx.paths.orgs / f"{codes[0]}.qmd").read_text(encoding="utf-8")
    rows = ctx.results[(ctx.results.org_code == codes[0]) & ctx.results.value.notna()]
    for metric_id, g in rows.groupby("metric_id"):
        latest = g.sort_values("period").iloc[-1]
        assert COMPARISON_BADGE[latest.comparison] in card, metric_id


def test_every_page_names_the_code_version_settings_packages_and_input_hashes(site) -> None:
    ctx, _, _ = site
    prov = (ctx.paths.base / "_provenance.md").read_text(encoding="utf-8")
    p = ctx.provenance
    assert p["code_version"] in prov and p["settings"]["sha256"][:12] in prov
    assert f"Python {p['python']}" in prov
    for name, version in p["packages"].items():
        assert f"{name} {version}" in prov, name
    for f in p["inputs"]:
        assert f["sha256"][:16] in prov
    base = ctx.paths.base
    pages = [*base.glob("*.qmd"), *base.glob("*/*.qmd")]
    assert len(pages) > 10
    for page in pages:
        assert re.search(r"_provenance\.md", page.read_text(encoding="utf-8")), page.name


def test_report_card_opens_with_a_spine_chart_written_from_the_data(site) -> None:
    """Each card has a spine chart (one row per metric in its latest year) whose alt text counts
    the metrics better, similar and worse than England as the results do."""
    ctx, _, codes = site
    for code in codes:
        card = (ctx.paths.orgs / f"{code}.qmd").read_text(encoding="utf-8")
        assert (ctx.paths.figures / "orgs" / f"{code}_spine.png").exists()
        head, _, rest = card.partition("## At a glance")
        assert rest and "## Latest values" in rest and "## Latest values" not in head
        alt = figure_alt(rest, f"{code}_spine.png")
        rows = ctx.results[(ctx.results.org_code == code) & ctx.results.value.notna()]
        latest = rows.sort_values("period").groupby("metric_id").tail(1)
        assert f"Spine chart of {len(latest)} metrics" in alt
        context = latest.metric_id.map(lambda m: ctx.specs[m].polarity == "no_judgement")
        for comparison, n in latest[~context].comparison_headline.value_counts().items():
            label = lower_first(COMPARISON_LABEL[comparison])
            assert f"{label} on {n} (" in alt, (code, comparison)
        for m in latest[context].metric_id:  # context metrics: drawn apart, not judged
            assert f"{ctx.specs[m].short_title}: context, not judged" in alt


def test_overview_says_its_intro_once_and_its_headlines_once(site) -> None:
    """The summary is the page's description (shown under the title): the body does not print
    it again; the headline table is not repeated as a list."""
    ctx, _, _ = site
    text = (ctx.paths.base / "index.qmd").read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    summary = md_text(ctx.run.settings.summary)
    assert json.dumps(summary) in front and summary not in body
    for m in ctx.run.metrics:
        assert not re.search(rf"^- \*\*{re.escape(md_text(m.short_title))}\*\* \(", body, re.M)
        assert body.count(f"[{md_text(m.short_title)}](metrics/{m.id}.qmd)") == 1


FUNNEL_WORDS = "allowing for the variation between trusts (overdispersed funnel, 95%)"


def test_metric_page_counts_name_their_test_and_keep_the_plain_test_beside(site) -> None:
    """A&E 4-hour is overdispersed: its page counts the headline comparison, says which test
    made it, says the limits were widened, and gives the plain test's counts too."""
    ctx, _, _ = site
    page = (ctx.paths.metrics / "ae_4hr_pct.qmd").read_text(encoding="utf-8")
    period = ctx.latest_period("ae_4hr_pct")
    year = ctx.results[(ctx.results.metric_id == "ae_4hr_pct") & (ctx.results.period == period)]
    h, p = year.comparison_headline.value_counts(), year.comparison.value_counts()
    assert set(year.comparison_test) - {""} == {"overdispersed_funnel_95"}
    assert (
        f"{h.get('better', 0)} were better than England, {h.get('similar', 0)} similar and "
        f"{h.get('worse', 0)} worse, judged {FUNNEL_WORDS}." in page
    )
    assert f"{p.get('better', 0)} were better, {p.get('similar', 0)} similar" in page
    assert "**Limits widened for overdispersion:**" in page
    assert "## Two comparisons with England" in page
    # the table: the headline badge beside the plain one, for every trust
    assert "| Compared with England | Own 95% interval | 99.8% test |" in page


def test_context_metric_says_context_not_judged(site) -> None:
    """Emergency admission conversion makes no judgement: its page, the overview and the home
    summary say it is context, not judged, and never call a trust better or worse on it."""
    ctx, _, _ = site
    page = (ctx.paths.metrics / "ae_admission_conversion_pct.qmd").read_text(encoding="utf-8")
    assert "this metric is shown for context, not judged" in page
    overview = (ctx.paths.base / "index.qmd").read_text(encoding="utf-8")
    row = next(
        x for x in overview.splitlines() if "(metrics/ae_admission_conversion_pct.qmd) |" in x
    )
    assert "Context, not judged" in row
    summary = run_summary(ctx.run, ctx.results, ctx.england, [])
    line = next(h for h in summary["headlines"] if "Emergency admission conversion" in h)
    assert "context, not judged: " in line and "better" not in line
    judged = next(h for h in summary["headlines"] if "4-hour" in h)
    assert f"judged {FUNNEL_WORDS}" in judged


def test_report_card_counts_and_spine_chart_name_the_test(site) -> None:
    ctx, _, codes = site
    for code in codes:
        card = (ctx.paths.orgs / f"{code}.qmd").read_text(encoding="utf-8")
        rows = ctx.results[(ctx.results.org_code == code) & ctx.results.value.notna()]
        latest = rows.sort_values("period").groupby("metric_id").tail(1)
        judged = latest[latest.metric_id != "ae_admission_conversion_pct"]
        better = int((judged.comparison_headline == "better").sum())
        worse = int((judged.comparison_headline == "worse").sum())
        assert (
            f"this trust was better than England on {better} metric{'' if better == 1 else 's'} "
            f"and worse on {worse} of the {len(judged)} judged here, {FUNNEL_WORDS}" in card
        ), code
        if "ae_admission_conversion_pct" in set(latest.metric_id):
            assert "1 metric shown for context, not judged." in card
        spine = card.split("## At a glance", 1)[1]
        assert f"comparison with England, {FUNNEL_WORDS}." in spine.split("](", 1)[0]
