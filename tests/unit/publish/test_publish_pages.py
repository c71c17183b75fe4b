"""The pages of an assessment (helpers.publish.pages), written from the real UEC results: one
per metric and per published organisation, with numbers that agree with the result tables."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from helpers import compare
from helpers.core.paths import RunPaths
from helpers.ingest import ingest_sources, reference_ledger
from helpers.ingest import reference as org_ref
from helpers.pipeline.provenance import build_provenance
from helpers.publish.pages import SiteContext, write_pages
from helpers.publish.templating import md_text
from helpers.publish.text import COMPARISON_BADGE, COMPARISON_LABEL, fmt, lower_first


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    run, _annual, england, results, mapping, splits = built
    codes = sorted(results.org_code.unique())[:3]
    run = run.model_copy(update={"settings": run.settings.model_copy(update={"org_codes": codes})})
    specs = {m.id: m for m in run.metrics}
    results, overdispersion, funnels = compare.add_funnels(results, specs)
    _, ledger, rejected = ingest_sources(run)
    ledger = pd.concat([ledger, reference_ledger(run)], ignore_index=True)
    paths = RunPaths(tmp_path_factory.mktemp("pages")).ensure()
    ctx = SiteContext(
        run=run,
        paths=paths,
        results=compare.order_results(results),
        england=england,
        orgs=org_ref.organisations(run),
        ledger=ledger,
        rejected=rejected,
        successions=mapping,
        splits=splits,
        provenance=build_provenance(run, ledger),
        funnel_limits=compare.funnel_limits_table(funnels),
        overdispersion=overdispersion,
    )
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
    ctx, _, _ = site
    text = (ctx.paths.base / "index.qmd").read_text(encoding="utf-8")
    for m in ctx.run.metrics:
        period = ctx.latest_period(m.id)
        year = ctx.results[(ctx.results.metric_id == m.id) & (ctx.results.period == period)]
        c = year.comparison.value_counts()
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
        assert cells[6] == str(int((year.comparison == "not_compared").sum()))


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
        alt = rest.split("fig-alt=", 1)[1].split("}\n", 1)[0]
        rows = ctx.results[(ctx.results.org_code == code) & ctx.results.value.notna()]
        latest = rows.sort_values("period").groupby("metric_id").tail(1)
        assert f"Spine chart of {len(latest)} metrics" in alt
        context = latest.metric_id.map(lambda m: ctx.specs[m].polarity == "no_judgement")
        for comparison, n in latest[~context].comparison.value_counts().items():
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
