"""The pages of the framework assessment (NHS England's Oversight Framework recomputed), written
from tables built in memory from NHS England's published files: what they say agrees with the
tables, nothing prints more certainty than the rules allow, and hostile text from the data is
escaped where it lands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.assess import nof_assessment as na
from helpers.assess import nof_framework as nf
from helpers.assess.nof_uncertainty import compare_methods, range_paragraphs
from helpers.assess.nof_uncertainty import ranges_reproduction as ranges_summary
from helpers.core.paths import RunPaths
from helpers.core.tables import save_table
from helpers.ingest import ingest_sources
from helpers.ingest.readers.nhse_nof import read_nof_league_table, read_nof_metric_file
from helpers.pipeline.provenance import build_provenance
from helpers.publish import framework_words as fwords
from helpers.publish.framework_pages import (
    fmt2,
    load_framework_context,
    quarter_href,
    rank_range,
    score_range,
    write_framework_pages,
)
from helpers.publish.league_views import league_page_rows
from helpers.settings import NofUncertainty, load_assessment

CONFIG = "config/assessments/mental-health-community.yml"
HOSTILE = "Evil <script>alert(1)</script> **Trust** [x](http://e.vil) {{< include x >}} | $1"


def build(root: Path, out: Path, values: pd.DataFrame, by_subtype: bool = False) -> RunPaths:
    """What notebooks 20 and 30 do, in memory, with few draws (``by_subtype``: the setting
    ``framework.cohort: by_subtype``)."""
    run = load_assessment(CONFIG, root)
    fw, settings = run.framework, run.settings.framework
    league = read_nof_league_table(root / run.settings.sources["nof_league"].path)
    paths = RunPaths(out).ensure()
    results = {
        "values": nf.score_framework(values, fw),
        "determined": nf.score_determined(values, fw),
    }
    repro = pd.concat([nf.reproduction_metrics(values, r, fw) for r in results.values()])
    summary = nf.reproduction_summary(repro)
    main = results["determined"]
    if by_subtype:
        main = na.score_by_subtype(values, fw)
    trusts = na.trusts_table(main, values, fw, "" if by_subtype else na.cohort_label(fw))
    inputs = na.average_inputs(main, fw)
    unc = NofUncertainty(draws=400)
    trusts = na.with_ranges(trusts, inputs, fw, unc)
    trusts = na.with_ranges(
        trusts, inputs, fw, unc.model_copy(update={"method": "quarter_variation"}), "other_"
    )
    last = trusts[trusts.quarter_number == 4].set_index("org_code")
    theirs = last[[c for c in last.columns if c.startswith("other_")]]
    theirs = theirs.rename(columns=lambda c: c.removeprefix("other_")).assign(
        segment=last.segment, rank=last["rank"], average_score=last.average_score
    )
    mine = last[[c for c in last.columns if not c.startswith("other_")]]
    methods = compare_methods(mine, theirs).reset_index()
    fit = ranges_summary(last, league.set_index("org_code"))
    movement = na.segment_movement(trusts)
    alt = na.subtype_alternative(
        trusts, na.trusts_table(na.score_by_subtype(values, fw), values, fw, "")
    )
    for name, t in {
        "framework_trusts": trusts,
        "framework_domains": na.domains_table(main, values, fw),
        "framework_metric_scores": na.metric_table(main, values, fw),
        "segment_movement": movement,
        "nof_reproduction_summary": summary,
    }.items():
        save_table(t, paths.results, name, parquet=False)
    latest = "Q4 2025/26"
    words = fwords.page_words(
        fw, trusts, summary, repro, movement, alt, methods, fit, latest,
        range_paragraphs(unc), unc.method,
    )  # fmt: skip
    _, ledger, _ = ingest_sources(run)
    prov = build_provenance(run, ledger)
    assert settings is not None
    ctx = load_framework_context(run, paths, prov, json.loads(json.dumps(words)))
    write_framework_pages(ctx)
    return paths


@pytest.fixture(scope="module")
def values(root) -> pd.DataFrame:
    return read_nof_metric_file(root / "data/raw/nof_2025_26_mh_community_trust_data_q1_q4.csv")


@pytest.fixture(scope="module")
def built(root, values, tmp_path_factory) -> RunPaths:
    return build(root, tmp_path_factory.mktemp("mh"), values)


def test_a_card_per_trust_and_league_pages_that_agree_with_the_table(built) -> None:
    trusts = pd.read_csv(built.results / "framework_trusts.csv")
    cards = sorted(p.stem for p in built.orgs.glob("*.qmd") if p.stem != "index")
    assert cards == sorted(trusts.org_code.unique()) and len(cards) == 61
    for q, table in trusts.groupby("quarter"):
        table = table.sort_values(["rank", "org_code"], kind="stable")
        rows = league_page_rows((built.base / quarter_href(q)).read_text(encoding="utf-8"))
        assert [(r["org_code"], r["rank"], r["segment"]) for r in rows] == [
            (t.org_code, str(t.rank), str(t.segment)) for t in table.itertuples()
        ]
        assert [r["rank_range"] for r in rows] == [
            rank_range(t.rank_lower, t.rank_upper) for t in table.itertuples()
        ]
        assert [r["score_range"] for r in rows] == [
            score_range(t.average_lower, t.average_upper) for t in table.itertuples()
        ]
        assert [r["average_score"] for r in rows] == [
            fmt2(t.average_score) for t in table.itertuples()
        ]


def test_every_published_segment_is_reproduced_and_the_page_says_how_many(built) -> None:
    trusts = pd.read_csv(built.results / "framework_trusts.csv")
    assert (trusts.segment == trusts.nhse_segment).all()  # 244 trust-quarters
    overview = (built.base / "index.qmd").read_text(encoding="utf-8")
    assert f"**{len(trusts)} of {len(trusts)} segments**" in overview


def test_no_page_prints_a_missing_value_or_false_certainty(built) -> None:
    for page in built.base.rglob("*.qmd"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\bnan\b|\bNaN\b|\bNone\b", text), page
        assert "100% of NHS England's" not in text, page  # the metric headline counts what it can


def test_the_metric_headline_counts_only_the_scores_the_values_determine(built, values) -> None:
    overview = (built.base / "index.qmd").read_text(encoding="utf-8")
    m = re.search(
        r"\*\*([\d,]+) of the ([\d,]+) metric scores the published values determine", overview
    )
    assert m, overview[:2000]
    within, n = (int(x.replace(",", "")) for x in m.groups())
    assert within == n and 1000 < n < 2793  # the file cannot determine the wider-cohort scores
    assert "NHS England's own scores are used for them" in overview


def test_hostile_names_are_escaped_where_they_land(root, values, tmp_path) -> None:
    evil = values.copy()
    evil.loc[evil.org_code == "RAT", "org_name"] = HOSTILE
    paths = build(root, tmp_path / "evil", evil)
    card = (paths.orgs / "RAT.qmd").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---", 2)[1])
    assert "<script>" not in front["title"].replace("\\<script\\>", "")
    assert "<script>" not in card  # markdown-escaped in prose, front matter and tables
    assert "{{< include x >}}" not in card
    league = (paths.base / quarter_href("Q4 2025/26")).read_text(encoding="utf-8")
    assert "<script>alert" not in league and "&lt;script&gt;alert(1)&lt;/script&gt;" in league
    index = (paths.orgs / "index.qmd").read_text(encoding="utf-8")
    assert "\\<script\\>" in index and "[x](http" not in index


def test_tables_by_subtype_rank_each_subtype_in_a_league_page_of_its_own(
    root, values, tmp_path
) -> None:
    paths = build(root, tmp_path / "by-subtype", values, by_subtype=True)
    trusts = pd.read_csv(paths.results / "framework_trusts.csv")
    assert set(trusts.cohort) == set(values.trust_subtype)
    for (q, cohort), table in trusts.groupby(["quarter", "cohort"]):
        page = paths.base / quarter_href(q, cohort)
        rows = league_page_rows(page.read_text(encoding="utf-8"))
        assert len(rows) == len(table) and min(int(r["rank"]) for r in rows) == 1
        assert max(int(r["rank"]) for r in rows) <= len(table)
    hub = (paths.base / "league.qmd").read_text(encoding="utf-8")
    assert hub.count("](league/") == trusts.groupby(["quarter", "cohort"]).ngroups
    card = (paths.orgs / "RAT.qmd").read_text(encoding="utf-8")
    assert "](../league/mental-health-and-learning-disability-q4-2025-26.qmd)" in card
