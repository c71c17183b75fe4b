"""The assessment on the site (helpers.publish.assessment_views, helpers.publish.pages): the league
page, the report card's assessment section, each metric's scoring rule, the methodology's rules
and NOF reproduction, and the downloads, written from the real UEC results assessed by
helpers.assess (200 draws, so the module runs in seconds). One published organisation carries a
hostile name, which every page must show as text and never as markup."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

import pandas as pd
import pytest
import yaml
from site_support import assessed, assessment_tables, site_context

from helpers import assess
from helpers.assess import nof
from helpers.assess.scores import scoring_rule_text
from helpers.core.paths import RunPaths
from helpers.ingest import reference as org_ref
from helpers.publish import card_pages, figures_metric, pages
from helpers.publish.assessment_views import org_assessment
from helpers.publish.figures_phone import figure_alt
from helpers.publish.league_views import league_cohort_view, league_page_rows, league_view
from helpers.publish.render.preview.markdown import make_markdown, split_front_matter
from helpers.publish.site_index import write_site_index
from helpers.publish.templating import md_text, template_env
from helpers.publish.text import fmt_value, ordinal, unit_words
from helpers.settings import Assumption, FinancialOverride

NOF_EXTRACT = "data/raw/nof_2025_26_q3_trust_segmentation_extract.csv"

HOSTILE = '<script>alert(1)</script> | *x* "q"'


@pytest.fixture(scope="module")
def site(built, built_monthly, tmp_path_factory):
    run, _annual, england, results, mapping, splits = built
    monthly = built_monthly[2]
    orgs = org_ref.organisations(run)
    assessment, scores, years, changes = assessed(run, results, orgs)
    latest = assessment[assessment.period == assessment.period.max()]
    movable = latest[(latest.metrics_that_would_close_gap.fillna(0) > 0)].sort_values("org_code")
    hostile = str(movable.org_code.iloc[0])  # segmented, with metrics that would move it up
    top = str(latest[latest.segment == 1].sort_values("org_code").org_code.iloc[0])
    unsegmented = str(latest[latest.segment.isna()].sort_values("org_code").org_code.iloc[0])
    codes = sorted({hostile, top, unsegmented})

    def rename(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.loc[df.org_code == hostile, "org_name"] = HOSTILE
        return df

    results, orgs, assessment, scores = map(rename, (results, orgs, assessment, scores))
    paths = RunPaths(tmp_path_factory.mktemp("assessment_pages")).ensure()
    ctx = site_context(
        built,
        paths,
        codes,
        results=results,
        orgs=orgs,
        **assessment_tables(assessment, scores, changes),
        monthly=monthly,
    )
    counts = pages.write_pages(ctx)
    return ctx, counts, {"hostile": hostile, "top": top, "unsegmented": unsegmented}


def _read(path) -> str:
    return path.read_text(encoding="utf-8")


def _html(text: str) -> str:
    """The page body as the preview renderer turns it into HTML."""
    _, body, _ = split_front_matter(text, "page.qmd")
    return make_markdown().render(body)


def _latest(ctx) -> pd.DataFrame:
    a = ctx.assessment
    return a[a.period == a.period.max()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cohort_page(ctx, cohort: str, period: str):
    return ctx.paths.base / "league" / f"{_slug(cohort)}-{_slug(period)}.qmd"


def test_every_cohort_and_year_has_a_league_page_whose_rows_agree_with_the_table(site) -> None:
    ctx, counts, _ = site
    a = ctx.assessment
    pairs = sorted(set(zip(a.period, a.cohort, strict=True)))
    assert len(pairs) >= 3 and counts["league_pages"] == 1 + len(pairs)
    hub = _read(ctx.paths.base / "league.qmd")
    n_rows = 0
    for period, cohort in pairs:
        page = _cohort_page(ctx, cohort, period)
        assert f"]({page.relative_to(ctx.paths.base).as_posix()})" in hub
        league = ctx.league[(ctx.league.Reporting_date == period) & (ctx.league.Cohort == cohort)]
        league = league[league.Segment.notna()]
        expected = [
            {
                "rank": str(int(r.Rank)),
                "rank_range": r.Likely_range_of_rank,
                "org_code": r.Trust_code,
                "average_score": f"{r.Average_score:.2f}",
                "score_range": r.Likely_range_of_average_score,
                "segment": str(int(r.Segment)),
            }
            for r in league.itertuples()
        ]
        shown = league_page_rows(_read(page))
        assert shown == expected, (period, cohort)
        n_rows += len(shown)
    assert n_rows > 300


def test_league_pages_have_the_banner_a_figure_filters_and_the_csv(site) -> None:
    ctx, _, codes = site
    hub = _read(ctx.paths.base / "league.qmd")
    period = ctx.assessment.period.max()
    caveats = (
        "What it does not show",
        "Ranks are uncertain",
        "cannot be told apart",
        "The financial override",
        "Cohorts never mix",
        "Most scores are relative to the cohort",
    )
    for cohort in sorted(_latest(ctx).cohort.unique()):
        text = _read(_cohort_page(ctx, cohort, period))
        figure = ctx.paths.figures / f"league_{_slug(cohort)}_{_slug(period)}.png"
        assert figure.exists() and f"](../figures/{figure.name}){{fig-alt=" in text
        for caveat in caveats:
            assert caveat in text and caveat in hub, caveat
        # the table: every row with both interval charts, the filters, DataTables and our script
        body = _html(text)
        n = len(league_page_rows(text))
        assert body.count('<svg class="interval') == 2 * n
        assert body.count('role="img" aria-label="Average score ') == n
        for control in ("Region", "Segment", "Persistent failure"):
            assert f">{control}</label>" in body, control
        assert "../../../assets/vendor/datatables/dataTables.min.js" in body
        assert "../../../assets/league-table.js" in body
        assert 'data-quarto-disable-processing="true"' in body
        if cohort == _latest(ctx).set_index("org_code").loc[codes["unsegmented"]].cohort:
            # the unsegmented organisation is listed with its reason, not ranked
            row = _latest(ctx).set_index("org_code").loc[codes["unsegmented"]]
            reason = md_text(row.segment_reason.removeprefix("not segmented: "))
            assert f"({codes['unsegmented']}): {reason}" in text
            assert codes["unsegmented"] not in {r["org_code"] for r in league_page_rows(text)}
    assert md_text(assess.rules_text(ctx.run)) in hub
    assert "[league_table.csv](results/league_table.csv)" in hub
    # the overview links to it, with the summary in words
    overview = _read(ctx.paths.base / "index.qmd")
    assert "[League table](league.qmd)" in overview
    assert md_text(assess.summary_text(ctx.assessment, unit_words("trust"))) in overview


def test_report_card_shows_segment_score_and_rank_from_the_assessment(site) -> None:
    ctx, _, codes = site
    for code in (codes["hostile"], codes["top"]):
        r = _latest(ctx).set_index("org_code").loc[code]
        card = _read(ctx.paths.orgs / f"{code}.qmd")
        assert f"## Assessment, {r.period}" in card
        k, n = int(r.segment_rule_sets_agree), int(r.segment_rule_sets)
        stability = (
            f"the same under all {n} rule sets tried"
            if k == n
            else f"the same under {k} of {n} rule sets tried"
        )
        assert f"- **Segment:** {int(r.segment)} ({stability}" in card
        assert (
            f"- **League rank:** {ordinal(int(r['rank']))} of {int(r.cohort_size)} in the cohort "
            f"(likely range {int(r.rank_lower)} to {int(r.rank_upper)})."
        ) in card
        assert (
            f"- **Average score:** {r.average_score:.2f} (likely range "
            f"{r.average_score_lower:.2f} to {r.average_score_upper:.2f})."
        ) in card
        p = [f"segment {s}: " for s in (1, 2, 3, 4)]
        assert all(x in card for x in p)
        # its metric scores, one row per metric scored
        mine = ctx.metric_scores[
            (ctx.metric_scores.org_code == code) & (ctx.metric_scores.period == r.period)
        ]
        for m in mine.itertuples():
            spec = ctx.specs[m.metric_id]
            assert f"| [{md_text(spec.short_title)}](../metrics/{spec.id}.qmd) |" in card


def test_report_card_says_what_would_change_the_segment(site) -> None:
    ctx, _, codes = site
    code = codes["hostile"]
    r = _latest(ctx).set_index("org_code").loc[code]
    card = _read(ctx.paths.orgs / f"{code}.qmd")
    assert f"To reach segment {int(r.next_segment)}, its average score would need to be at most " \
        f"**{r.score_for_next_segment:.2f}**" in card  # fmt: skip
    changes = ctx.segment_changes[
        (ctx.segment_changes.org_code == code) & (ctx.segment_changes.period == r.period)
    ].sort_values(["places_to_climb", "metric_id"], na_position="last")
    section = card.split("### What would change the segment", 1)[1].split("###", 1)[0]
    listed = re.findall(r"^\| \[[^\]]*\]\(\.\./metrics/([\w]+)\.qmd\)", section, re.M)
    assert listed == list(changes.metric_id.head(3))


def test_unsegmented_report_card_says_why(site) -> None:
    ctx, _, codes = site
    code = codes["unsegmented"]
    r = _latest(ctx).set_index("org_code").loc[code]
    card = _read(ctx.paths.orgs / f"{code}.qmd")
    reason = md_text(r.segment_reason.removeprefix("not segmented: "))
    assert f"**Not segmented in {r.period}:** {reason}." in card
    assert "- **Segment:**" not in card


def test_hostile_name_is_text_on_the_league_page_and_report_card(site) -> None:
    ctx, _, codes = site
    code = codes["hostile"]
    row = _latest(ctx).set_index("org_code").loc[code]
    league = _read(_cohort_page(ctx, row.cohort, row.period))
    card = _read(ctx.paths.orgs / f"{code}.qmd")
    escaped = md_text(HOSTILE)
    assert f'<a href="../orgs/{code}.qmd">{html.escape(HOSTILE)} ({code})</a>' in league
    for text in (league, card):
        # the name may appear raw only inside a figure's alt text: a quoted attribute value,
        # which both renderers write HTML-escaped
        prose = re.sub(r'\{fig-alt="(?:[^"\\]|\\.)*"\}', "{fig-alt}", text)
        assert HOSTILE not in prose and "<script>" not in prose
        # the only scripts are the league table's own two, by address
        scripts = re.findall(r"<script[^>]*>", _html(text))
        assert all(
            re.fullmatch(r'<script src="\.\./\.\./\.\./assets/[\w./-]+\.js" defer>', t)
            for t in scripts
        ), scripts
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *x* &quot;q&quot;" in _html(league)
    # the league row still reads back whole: the name did not break the table's markup
    row = next(r for r in league_page_rows(league) if r["org_code"] == code)
    assert row["rank"] == str(int(_latest(ctx).set_index("org_code").loc[code]["rank"]))
    # front matter: valid YAML whose title renders as the text, not markup
    meta, _, _ = split_front_matter(card, "card.qmd")
    assert meta["title"] == escaped
    title = make_markdown().renderInline(meta["title"])
    assert "<script" not in title and "&lt;script&gt;" in title
    assert "<script>" not in str(meta) and md_text(HOSTILE) in meta["description"]


def test_metric_page_shows_its_scoring_rule_and_weight(site) -> None:
    ctx, _, _ = site
    rules = ctx.run.settings.assess
    for spec in ctx.run.metrics:
        page = _read(ctx.paths.metrics / f"{spec.id}.qmd")
        section = page.split("## In the assessment", 1)[1].split("\n## ", 1)[0]
        assert md_text(scoring_rule_text(spec, rules.continuous, rules.ties)) in section
        if spec.score_mode == "none":
            assert "Not scored" in section and "**Weight**" not in section
        else:
            weight = rules.weights.get(spec.id, 1.0)
            assert f"**Weight** in the average score: {weight:g} " in section


def test_methodology_explains_the_assessment_with_or_without_nof_files(site) -> None:
    ctx, _, _ = site
    text = _read(ctx.paths.base / "methodology.qmd")
    assert "## How the assessment works" in text
    assert md_text(assess.rules_text(ctx.run)) in text
    for r in assess.scoring_rules_table(ctx.run).itertuples():
        assert f"| [{md_text(r.metric)}](metrics/{r.metric_id}.qmd) |" in text
    assert "Checked against NHS England" not in text  # no NOF files in this run
    # with the files the assessment writes when it is checked against NHS England
    extract = nof.read_nof_extract(ctx.run.root / NOF_EXTRACT)
    reproduction, agreement, cutoffs = nof.reproduce_nof(extract)
    ours = extract[["org_code"]].assign(average_score=extract.domain_score_access * 1.1 + 0.2)
    corr = nof.access_rank_correlation(ours, extract)
    results = ctx.paths.results
    written = nof.write_reproduction(results, reproduction, agreement, cutoffs)
    json_path = results / "nof_rank_correlation.json"
    json_path.write_text(json.dumps(nof.correlation_record(corr, "2024/25", "acute trusts")))
    latest = _latest(ctx)
    comparison = nof.nhse_comparison(latest[latest.segment.notna()], extract)
    summary = nof.comparison_summary(comparison, "2024/25")
    written += nof.write_comparison(results, comparison, summary)
    try:
        text = pages.methodology_page(ctx, template_env(), pages.page_context(ctx))
        downloads = pages.page_context(ctx)["has_nhse_comparison"]
    finally:
        for path in [*written, json_path]:
            path.unlink()
    assert downloads
    section = text.split("### Checked against NHS England", 1)[1].split("\n## ", 1)[0]
    total = agreement[(agreement.reading.str.startswith("cut-offs"))
                      & (agreement.trust_type == "All trusts")].iloc[0]  # fmt: skip
    assert f"for {total.agree} of {total.compared} trusts" in section
    for row in agreement.itertuples():
        assert f"| {md_text(row.reading)} | {md_text(row.trust_type)} | {row.trusts} |" in section
    for c in cutoffs.itertuples():
        assert f"| {c.boundary} | {c.lowest_possible:g} | {c.highest_possible:g} |" in section
    for code in reproduction.org_code[reproduction.reason != ""]:
        assert f"- **{code}** (cut-offs): " in section
    rho = corr["domain_score_access"]["rho"]  # a linear function of the same scores: 1
    assert f"Spearman's rank correlation {rho:.2f} (95% interval" in section
    # the words are this assessment's, not the UEC assessment's copied into every one
    assert "urgent and emergency care metrics" not in section
    n_scored = sum(1 for m in ctx.run.metrics if m.score_mode != "none")
    assert f"this assessment's {n_scored} scored metrics, in access" in section
    # two correlations with NHS England's average score say over which trusts each is
    overall = corr["league_avg_score"]["rho"]
    if summary["trusts"] != corr["domain_score_access"]["n"]:
        assert (
            f"NHS England's overall average score with {overall:.2f} (over these "
            f"{corr['domain_score_access']['n']} trusts; the {summary['spearman']:.2f} above is "
            f"the same comparison over all {summary['trusts']} trusts in both"
        ) in section
    # the whole assessment beside NHS England's: the figures and the cross-table of segments
    assert summary["trusts"] > 100
    assert (
        f"For the {summary['trusts']} trusts in both, this assessment's 2024/25 average scores "
        f"rank them like" in section
    )
    assert (
        f"{summary['same_segment']} of the {summary['trusts']} are in the same segment" in section
    )
    for r in nof.segment_crosstab(comparison).itertuples():
        assert (
            f"| {r.our_segment} | {r.nhse_segment_1} | {r.nhse_segment_2} | {r.nhse_segment_3} "
            f"| {r.nhse_segment_4} | {r.trusts} |" in section
        )
    assert "financial deficit" in section and "CQC" in section


def test_methodology_national_headline_section_is_a_heading_with_no_renderer_warning(site) -> None:
    """The acute and ICB methodology showed "### England here and NHS England's national
    headline" as text: the heading ran on from the list before it."""
    ctx, _, _ = site
    path = ctx.paths.results / "national_headlines.csv"
    pd.DataFrame(
        [
            {
                "metric_id": ctx.run.metrics[0].id,
                "period": "2024/25",
                "england_value": 71.2,
                "national_value": 73.8,
                "difference": -2.6,
                "national_months": 12,
                "national_label": "England, every provider",
                "why": "The headline adds other providers.",
            }
        ]
    ).to_csv(path, index=False)
    try:
        text = pages.methodology_page(ctx, template_env(), pages.page_context(ctx))
    finally:
        path.unlink()
    _, body, _ = split_front_matter(text, "methodology.qmd")
    env: dict = {}
    out = make_markdown().render(body, env)
    assert not env.get("warnings"), env.get("warnings")
    assert re.search(
        r"<h3[^>]*>England here and NHS England(&#x27;|')s national headline</h3>", out
    )
    assert "### England" not in re.sub(r"<[^>]+>", "", out)


def test_each_scoring_rule_is_written_once_on_the_methodology_and_the_league_hub(site) -> None:
    """The same rank rule was printed once per metric (ten times on the acute methodology)."""
    ctx, _, _ = site
    table = assess.scoring_rules_table(ctx.run)
    generic = [re.sub(r" \((higher|lower) is better\)", "", r) for r in table.rule]
    shared = {g for g in generic if generic.count(g) > 1}
    assert shared, "the UEC metrics share the rank rule"
    for name in ("methodology.qmd", "league.qmd"):
        text = _read(ctx.paths.base / name)
        for r, g in zip(table.itertuples(), generic, strict=True):
            assert text.count(md_text(g if g in shared else r.rule)) == 1, (name, r.metric_id)
            if g in shared:
                direction = re.search(r"(higher|lower) is better", r.rule)
                cell = "The rule above" + (f"; {direction.group(0)}" if direction else "")
                assert f"| {md_text(cell)} |" in text, (name, r.metric_id)


def test_league_pages_state_the_metrics_scored_in_each_year(site) -> None:
    """The ICB hub said "8 scored metrics" where 2024/25 scores 5: the hub states the metrics
    scored per year when they differ, each cohort page the metrics scored in its own year."""
    from helpers.assess.common_metrics import metrics_by_period

    ctx, _, _ = site
    by = metrics_by_period(ctx.metric_scores)
    hub = _read(ctx.paths.base / "league.qmd")
    if len({tuple(sorted(v)) for v in by.values()}) > 1:
        assert "How each trust did on the scored metrics of this assessment (" in hub
        for period, ms in by.items():
            assert re.search(rf"{len(ms)} in [^;)]*{re.escape(period)}", hub), period
        assert "A year is compared with the one before on the metrics both years share." in hub
    a = ctx.assessment
    for (cohort, period), g in a.groupby(["cohort", "period"]):
        page = _read(_cohort_page(ctx, cohort, period))
        n = int(g.metrics_in_cohort.max())
        words = f"{n} metric{'s' if n != 1 else ''} scored in {period}"
        assert f"How each trust did on the {words}, relative" in page


def test_part_years_are_labelled_wherever_a_value_of_one_is_shown(site) -> None:
    """A&E 2024/25 covers 10 months (February and March 2025 left out): the metric page, the
    report card (In brief, scores, latest values), the spine chart and the league table say so;
    a goal note says what was missed, not "Goal: Not met (78.0%) 10 of 12 months"."""
    ctx, _, _ = site
    r = ctx.results
    ae = r[(r.metric_id == "ae_4hr_pct") & (r.period == "2024/25") & r.value.notna()]
    months = int(ae.months_covered.max())
    assert months == 10
    part = f"2024/25 ({months} of 12 months)"
    page = _read(ctx.paths.metrics / "ae_4hr_pct.qmd")
    assert f"In **{part}** England" in page and f"## All trusts, {part}" in page
    assert "Goal: " not in page and "Goal 78.0%: not met" in page
    assert not re.search(r"\| \d+ of 12 months \|", page)
    for row in ae[ae.months_covered < months].itertuples():
        assert re.search(
            rf"\({row.org_code}\) \|.*value from {int(row.months_covered)} of 12 months \|", page
        )
    note = md_text("In 2024/25, A&E 4-hour performance")
    cards = [p for p in sorted(ctx.paths.orgs.glob("*.qmd")) if p.stem != "index"]
    shown = 0
    for path in cards:
        card = _read(path)
        mine = ae[ae.org_code == path.stem]
        if mine.empty or "## In brief" not in card:
            continue
        shown += 1
        brief = card.split("## In brief", 1)[1].split(":::", 1)[0]
        assert note in brief and "of 12 months" in brief, path.stem
        assert f"| {part} | " in card or "of 12 months)" in card
    assert shown >= 1
    jobs = card_pages._spine_jobs(ctx, sorted(ae.org_code)[:3], r, ctx.orgs.set_index("org_code"))
    texts = [
        row.value_text for j in jobs for row in j.rows if row.label == "A&E 4-hour performance"
    ]
    assert texts and all(t.endswith(f"(2024/25, {months} of 12 months)") for t in texts)
    for path in (ctx.paths.base / "league").glob("*2024-25.qmd"):
        assert note in _read(path)
    assert note in _read(ctx.paths.base / "league.qmd")


def test_downloads_list_every_result_table_with_what_it_holds(site, tmp_path) -> None:
    from helpers.core.tables import save_table
    from helpers.publish.workbook import SHEET_TEXT, result_tables

    ctx, _, _ = site
    for name in ("assessment", "metric_scores", "segment_changes"):
        save_table(getattr(ctx, name), tmp_path, name)
    save_table(ctx.league, tmp_path, "league_table", parquet=False)
    save_table(ctx.league.head(0), tmp_path, "an_unknown_table", parquet=False)
    tables = result_tables(tmp_path, "trust")
    assert [t["stem"] for t in tables][:2] == ["assessment", "league_table"]  # workbook order
    text = (
        template_env()
        .get_template("downloads.qmd.j2")
        .render(tables=tables, **pages.page_context(ctx))
    )
    for name in ("assessment", "metric_scores", "segment_changes"):
        row = f"| `{name}` | [CSV](results/{name}.csv) · [Parquet](results/{name}.parquet) |"
        assert row in text, name
    assert "| `league_table` | [CSV](results/league_table.csv) |" in text
    assert SHEET_TEXT["segment_changes"].format(unit="trust") in text
    assert "The result table an_unknown_table.csv." in text


def test_league_chart_alt_text_is_written_from_the_data(tmp_path) -> None:
    d = pd.DataFrame(
        {
            "org_code": list("ABCDE"),
            "segment": [1, 1, 2, 3, 4],
            "rank": [1, 2, 3, 4, 5],
            "rank_lower": [1, 1, 2, 3, 3],
            "rank_upper": [2, 4, 4, 5, 5],
            "confidently_top_quartile": [True, False, False, False, False],
            "confidently_bottom_quartile": [False, False, False, False, True],
            "indistinguishable_group": [1, 1, 1, 2, 2],
        }
    )
    fig = figures_metric.league_chart(d, "Acute trusts", "2024/25", tmp_path / "league.png")
    assert fig.path.exists() and fig.path.stat().st_size > 0
    assert "5 organisations (Acute trusts) in 2024/25" in fig.alt
    assert "segment 1: 2, segment 2: 1, segment 3: 1, segment 4: 1" in fig.alt
    assert "median likely range spans 2 places and the widest 3" in fig.alt
    assert "1 organisations are confidently in the top quartile and 1 confidently" in fig.alt
    assert "2 groups" in fig.alt


def test_sidebar_lists_the_league_table_only_when_the_run_has_one(tmp_path) -> None:
    for rid, league in (("with", True), ("without", False)):
        base = tmp_path / "reports" / rid
        (base / "results").mkdir(parents=True)
        summary = {"short_title": rid, "title": rid, "metrics": [], "notebooks": []}
        summary |= {"summary": "", "headlines": []}
        (base / "results" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        prov = {"code_version": "v", "inputs": []}
        (base / "provenance.json").write_text(json.dumps(prov), encoding="utf-8")
        if league:
            (base / "league.qmd").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    write_site_index(tmp_path)
    nav = yaml.safe_load((tmp_path / "reports" / "_website.yml").read_text(encoding="utf-8"))

    def flat(items: list) -> list:
        return [h for c in items for h in ([c.get("href")] + flat(c.get("contents", [])))]

    hrefs = {s["section"]: flat(s["contents"]) for s in nav["website"]["sidebar"]["contents"]}
    assert "reports/with/league.qmd" in hrefs["with"]
    assert not any("league" in (h or "") for h in hrefs["without"])
    home = (tmp_path / "reports" / "_home.md").read_text(encoding="utf-8")
    assert "[League table](reports/with/league.qmd)" in home
    assert "reports/without/league.qmd" not in home


def test_financial_override_is_explained_on_the_card_and_the_league_row(site) -> None:
    ctx, _, codes = site
    code, metric = codes["top"], ctx.run.metrics[0]
    fo = FinancialOverride(metric=metric.id, deficit_below=200.0)  # every value is below it
    rules = ctx.run.settings.assess.model_copy(update={"financial_override": fo})
    settings = ctx.run.settings.model_copy(update={"assess": rules})
    a = ctx.assessment.copy()
    hit = (a.org_code == code) & (a.period == a.period.max())
    a.loc[hit, ["segment", "in_deficit"]] = [3, True]
    capped = replace(ctx, run=ctx.run.model_copy(update={"settings": settings}), assessment=a)
    view = org_assessment(capped, code, {code})
    assert view["segment"] == 3 and view["unadjusted"] == 1 and view["overridden"]
    value = ctx.results[
        (ctx.results.org_code == code)
        & (ctx.results.metric_id == metric.id)
        & (ctx.results.period == a.period.max())
    ].value.iloc[0]
    assert view["deficit_words"] == (
        f"{metric.short_title} was {fmt_value(value, metric)}, below {fmt_value(200.0, metric)}"
    )
    hub = league_view(capped, unit_words("trust"))
    cohort = a[hit].cohort.iloc[0]
    page = league_cohort_view(capped, cohort, a.period.max(), {code}, ctx.paths.base / "tmp_fig")
    row = next(r for r in page["rows"] if r["code"] == code)
    assert row["segment"] == 3 and row["segment_note"] == "1 before the financial override"
    assert row["deficit"] == "Yes" and hub["has_override"]


def test_report_cards_show_the_change_since_last_year_and_the_consequence(site) -> None:
    ctx, _, codes = site
    a = ctx.assessment
    latest = a[(a.period == a.period.max()) & a.segment.notna() & a.change_since_last_year.notna()]
    shown = 0
    for r in latest.itertuples():
        path = ctx.paths.orgs / f"{r.org_code}.qmd"
        if not path.exists():
            continue
        text = _read(path)
        change = round(r.change_since_last_year, 2)
        words = (
            "did not change"
            if change == 0
            else f"{'improved' if change < 0 else 'worsened'} by {abs(change):.2f}"
        )  # a lower average score is better: the direction in words, no signed number
        assert f"**Average score {words}** (95% interval from " in text
        assert not re.search(r"changed by [-+]|\(lower is better\): more than", text)
        word = (
            "more than chance would explain" if r.change_significant else "within what chance alone"
        )
        assert word in text
        assert f"(rule: {r.consequence_rule.replace('_', ' ')})" in text
        if r.persistent_failure:
            assert f"failing in consecutive years ({md_text(r.persistent_failure_reason)})" in text
        else:
            assert "Persistent failure" not in text
        shown += 1
    assert shown >= 1


def test_methodology_shows_the_sensitivity_table_when_there_is_one(site) -> None:
    ctx, _, _ = site
    results = ctx.paths.results
    sens = pd.DataFrame(
        {"scenario": ["x"], "description": ["segments | by *thresholds*"], "period": ["all years"],
         "organisations": [10], "changed_segment": [3], "changed_pct": [30.0], "moved_up": [1],
         "moved_down": [2]}
    )  # fmt: skip
    sens.to_csv(results / "sensitivity.csv", index=False)
    try:
        text = pages.methodology_page(ctx, template_env(), pages.page_context(ctx))
    finally:
        (results / "sensitivity.csv").unlink()
    assert "| segments \\| by \\*thresholds\\* | 10 | 3 | 30% | 1 | 2 |" in text


def test_no_sentence_of_the_headline_claims_what_is_not_significant(site) -> None:
    """Every report card's "In brief" is checked against the assessment table: the segment
    and likely rank are the published ones; a quartile is claimed only when the whole likely
    range lies in it; a change is called more than chance only when its interval excludes 0."""
    ctx, _, _ = site
    a = _latest(ctx).set_index("org_code")
    seen = 0
    for path in sorted(ctx.paths.orgs.glob("*.qmd")):
        if path.stem not in a.index:
            continue
        r = a.loc[path.stem]
        text = _read(path)
        if "## In brief" not in text:
            assert pd.isna(r.segment), path.stem
            continue
        brief = text.split("## In brief", 1)[1].split(":::", 1)[0]
        if pd.isna(r.segment):
            assert "Not segmented" in brief
            continue
        seen += 1
        assert f"It is in segment {int(r.segment)} " in brief
        assert f"likely league rank is {int(r.rank_lower)}" in brief
        # the rule stability is the published one, and said plainly when the rules matter
        k, n = r.segment_rule_sets_agree, r.segment_rule_sets
        if pd.notna(n):
            stable = f"under all {int(n)} reasonable rule sets" in brief
            assert stable == (k == n), path.stem
            if k != n:
                assert f"only {int(k)} of the {int(n)} reasonable rule sets" in brief
                assert "depends on the rules chosen" in brief
        assert not re.search(r"\b(100|0)%", brief), path.stem  # never certain
        assert "not a decision by any NHS body" in brief  # the status sentence
        claims_top = "confidently in the top quarter" in brief
        claims_bottom = "confidently in the bottom quarter" in brief
        assert claims_top == bool(r.confidently_top_quartile), path.stem
        assert claims_bottom == bool(r.confidently_bottom_quartile), path.stem
        if "more than chance" in brief:
            assert bool(r.change_significant), path.stem
        if pd.notna(r.change_significant) and not r.change_significant:
            assert "within what chance alone could explain" in brief, path.stem
    assert seen >= 1


def test_overview_shows_segments_by_cohort_and_region_and_the_movements(site) -> None:
    ctx, _, _ = site
    text = _read(ctx.paths.base / "index.qmd")
    latest = _latest(ctx)
    seg = latest[latest.segment.notna()]
    period = latest.period.iat[0]
    for cohort, g in seg.groupby("cohort"):
        counts = " | ".join(str(int((g.segment == s).sum())) for s in (1, 2, 3, 4))
        assert f"| {md_text(cohort)} | {len(g)} | {counts} |" in text
    section = text.split(f"### By region, {period}", 1)[1].split("###", 1)[0]
    region = dict(zip(ctx.orgs.org_code, ctx.orgs.region, strict=False))
    by_region = seg.assign(region=seg.org_code.map(region)).groupby("region")
    for name, g in by_region:
        counts = " | ".join(str(int((g.segment == s).sum())) for s in (1, 2, 3, 4))
        pf = int(g.persistent_failure.fillna(False).sum())
        assert f"| {md_text(name)} | {len(g)} | {counts} | {pf} |" in section, name
    moves = text.split("### Movements since", 1)[1]
    both = seg[seg.previous_segment.notna()]
    assert f"{int((both.previous_segment == both.segment).sum())} of the {len(both)}" in moves
    rows = [line for line in moves.splitlines() if re.match(r"^\| [1-4] \| \d", line)]
    assert len(rows) == 4
    cells = [c.strip() for r in rows for c in r.strip().strip("|").split("|")[1:]]
    assert sum(int(c) for c in cells if c) == len(both)


def test_methodology_has_the_assumptions_log_with_ratings_in_words(site) -> None:
    ctx, _, _ = site
    log = [
        Assumption(assumption=HOSTILE, quality="red", impact="amber", note="n | 1"),
        Assumption(assumption="Counts are whole", quality="green", impact="green"),
    ]
    run = ctx.run.model_copy(
        update={"settings": ctx.run.settings.model_copy(update={"assumptions": log})}
    )
    text = pages.methodology_page(
        replace(ctx, run=run), template_env(), pages.page_context(replace(ctx, run=run))
    )
    section = text.split("## Assumptions and caveats log", 1)[1].split("\n## ", 1)[0]
    assert f"| {md_text(HOSTILE)} | ■ Red | ▲ Amber | n \\| 1 |" in section
    assert "| Counts are whole | ● Green | ● Green |" in section
    assert "<script>" not in _html(section)
    none = ctx.run.model_copy(
        update={"settings": ctx.run.settings.model_copy(update={"assumptions": []})}
    )
    bare = pages.methodology_page(
        replace(ctx, run=none), template_env(), pages.page_context(replace(ctx, run=none))
    )
    assert "## Assumptions and caveats log" not in bare  # none in the settings


def test_every_report_card_has_the_sections_of_a_verdict_in_order(site) -> None:
    """Headline, spine chart, the assessment with each metric's score, SPC charts of the key
    metrics, delivery against its own plan (where it has plans), change since last year (where
    there is a last year) and the caveats, in that order; the SPC chart loaded from its file."""
    ctx, counts, codes = site
    keys = card_pages.key_spc_metrics(ctx)
    assert keys[:2] == ["ae_4hr_pct", "ae_dta_over_4h_pct"]  # the UEC trigger's core metrics
    checked = 0
    for path in sorted(ctx.paths.orgs.glob("*.qmd")):
        if path.stem == "index":
            continue
        text = _read(path)
        row = _latest(ctx).set_index("org_code").loc[path.stem]
        order = ["## In brief", "## At a glance", "## Assessment, "]
        if pd.notna(row.segment):
            order.append("### Scores by metric, ")
        order.append("## Change over time: statistical process control")
        if "## Delivery against its own plan" in text:
            order.append("## Delivery against its own plan")
        if pd.notna(row.change_since_last_year):
            order.append(f"## Change since {row.previous_period}")
        order.append("## Caveats")
        at = [text.find(h) for h in order]
        assert -1 not in at and at == sorted(at), (path.stem, dict(zip(order, at, strict=True)))
        spc = ctx.paths.figures / "orgs" / f"{path.stem}_spc.png"
        alt = figure_alt(text, spc.name)
        assert spc.exists() and alt
        # the alt text is written from the data: the charted metrics with their mean and limits
        assert any(f"{ctx.specs[k].short_title}: " in alt for k in keys) and ", mean " in alt
        checked += 1
    assert checked == len(codes)
