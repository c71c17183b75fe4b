"""Disclosure control end to end: the fast UEC build with every metric controlled and a
threshold of 100, so that real A&E counts below it stand in for small numbers, run by papermill
and rendered (preview) in a fresh copy of the project. What is withheld is logged but never
published; no published table, workbook sheet, page or figure text shows a withheld cell; and
no withheld count can be worked out by subtracting the published cells from England's sums."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.pipeline.cli import cmd_render
from helpers.pipeline.run import run_assessment
from helpers.publish import disclosure as dc
from helpers.publish.figures_phone import figure_alt
from helpers.publish.templating import md_text
from helpers.publish.text import SUPPRESSED
from helpers.settings import load_assessment

ID = "uec-fast-disclosure"
MIN_COUNT = 100
SETTINGS = f"""\
# The fast UEC build with every metric under disclosure control and a threshold of {MIN_COUNT}
# (tests/integration/test_disclosure.py), report cards for trusts it withholds
extends: uec-fast.yml
id: {ID}
disclosure: {{min_count: {MIN_COUNT}, metrics: all}}
org_codes: [RBS, RJN, RPC, RXC, RCU, RQ3, R0A]
"""
KEYS = ["org_code", "metric_id", "period"]
#: the columns of a published table that would show a withheld cell's figures
FIGURES = {
    "numerator", "denominator", "value", "ci95_lower", "ci95_upper", "ci998_lower",
    "ci998_upper", "meets_standard", "meets_goal", "peer_rank", "peer_quartile", "rank_lower",
    "rank_upper", "p_top_quartile", "p_bottom_quartile", "confidently_top_quartile",
    "confidently_bottom_quartile", "score", "score_lower", "score_upper", "metric_rank",
    "metric_rank_lower", "metric_rank_upper", "se_sampling", "se_months", "actual",
    "planned_change", "actual_change", "value_needed", "change_needed",
}  # fmt: skip


@pytest.fixture(scope="module")
def built(project_copy: Path):
    settings = project_copy / "config" / "fast" / f"{ID}.yml"
    settings.write_text(SETTINGS, encoding="utf-8")
    result = run_assessment(f"config/fast/{ID}.yml", project_copy, log=lambda s: None)
    cmd_render(project_copy, True, only=[ID])
    out = result.output_dir
    log = pd.read_csv(out / "_private" / dc.LOG_NAME, dtype={"period": str})
    yield project_copy, out, log
    shutil.rmtree(out, ignore_errors=True)  # other tests render every finished run
    settings.unlink()


def withheld_years(log: pd.DataFrame) -> pd.DataFrame:
    return log[log.table == "indicators"]


def test_the_log_names_primary_and_secondary_cells_and_is_never_published(built) -> None:
    root, out, log = built
    cells = withheld_years(log)
    assert {"primary", "secondary"} <= set(cells.suppression)
    primary = cells[cells.suppression == "primary"]
    assert (primary.rule.str.contains(f"below {MIN_COUNT}")).all()
    assert set(log.table) >= {"indicators", "spc_chart"}
    assert (out / "_private" / "README.txt").exists()
    site = root / "_site"
    assert (site / "reports" / ID / "methodology.html").exists()
    leaked = [p for p in site.rglob("*") if "_private" in p.parts or "_interim" in p.parts]
    assert not leaked and not list(site.rglob(dc.LOG_NAME))
    link = re.compile(r"""(href|src)=["'][^"']*(_private|_interim|disclosure_log)""")
    for path in site.rglob("*.html"):  # the pipeline page may name the log, never link it
        assert not link.search(path.read_text(encoding="utf-8")), path


def published_tables(out: Path) -> dict[str, pd.DataFrame]:
    tables = {
        f"results/{p.name}": pd.read_csv(p, dtype={"period": str})
        for p in sorted((out / "results").glob("*.csv"))
    }
    tables |= {
        f"results/{p.name}": pd.read_parquet(p) for p in sorted((out / "results").glob("*.parquet"))
    }
    sheets = pd.read_excel(out / "results" / f"{ID}.xlsx", sheet_name=None, dtype={"period": str})
    tables |= {f"workbook sheet {name}": df for name, df in sheets.items()}
    return {k: v for k, v in tables.items() if set(KEYS) <= set(v.columns)}


def test_no_published_table_or_sheet_shows_a_withheld_cell(built) -> None:
    _root, out, log = built
    cells = withheld_years(log)
    keys = set(zip(cells.org_code, cells.metric_id, cells.period, strict=True))
    tables = published_tables(out)
    assert {"results/indicators.csv", "results/metric_scores.parquet"} <= set(tables)
    assert any(k.startswith("workbook sheet") for k in tables)
    for name, df in tables.items():
        rows = df[[k in keys for k in zip(df.org_code, df.metric_id, df.period, strict=True)]]
        shown = rows[[c for c in rows.columns if c in FIGURES]]
        assert shown.isna().all(axis=None), (name, shown.dropna(axis=1, how="all").head())
        if "reason" in rows:
            assert rows.reason.str.contains(SUPPRESSED, regex=False).all(), name
        if "score_mode" in rows:
            assert (rows.score_mode == dc.SUPPRESSED_MODE).all(), name
    ind = tables["results/indicators.csv"]
    assert ind.reason.str.contains(SUPPRESSED, regex=False).sum() == len(cells)
    # the year after a withheld one does not give it away by its change
    plans = pd.read_csv(out / "results" / "plan_delivery.csv", dtype={"period": str})
    for r in plans.itertuples():
        previous = f"{int(r.period[:4]) - 1}/{r.period[2:4]}"
        if (r.org_code, r.metric_id, previous) in keys:
            assert np.isnan(r.previous_actual) and np.isnan(r.actual_change)


def test_no_withheld_count_can_be_derived_from_englands_sums(built) -> None:
    """England's numerator and denominator minus every published cell of the year: the rest
    is spread over two or more withheld cells and is never small, nor any one cell's count."""
    _root, out, log = built
    true = withheld_years(log).set_index(KEYS)
    ind = pd.read_csv(out / "results" / "indicators.csv", dtype={"period": str})
    eng = pd.read_csv(out / "results" / "england.csv", dtype={"period": str})
    eng = eng.set_index(["metric_id", "period"])
    # England's sums are over the organisations with a value, or withheld only for being small
    summed = ind[(ind.reason.fillna("") == "") | (ind.reason == SUPPRESSED)]
    checked = 0
    for (metric, period), year in summed.groupby(["metric_id", "period"]):
        hidden = year[year.reason == SUPPRESSED]
        if hidden.empty:
            continue
        assert len(hidden) >= 2, (metric, period, hidden.org_code.tolist())
        e = eng.loc[(metric, period)]
        rest = {
            "numerator": e.numerator - year.numerator.sum(),
            "denominator": e.denominator - year.denominator.sum(),
        }
        rest["complement"] = rest["denominator"] - rest["numerator"]
        for kind, value in rest.items():
            assert value >= MIN_COUNT, (metric, period, kind, value)
            for org in hidden.org_code:
                t = true.loc[(org, metric, period)]
                count = t.denominator - t.numerator if kind == "complement" else t[kind]
                assert not np.isclose(value, count), (metric, period, org, kind)
        checked += 1
    assert checked >= 2


def card_section(card: str, title: str) -> str:
    start = card.index(f"\n### {title}\n")
    end = card.find("\n### ", start + 1)
    return card[start : end if end > 0 else len(card)]


def test_pages_and_figure_texts_show_no_withheld_figure(built) -> None:
    root, out, log = built
    run = load_assessment(f"config/fast/{ID}.yml", root)
    specs = {m.id: m for m in run.metrics}
    cards = {p.stem: p.read_text(encoding="utf-8") for p in (out / "orgs").glob("*.qmd")}
    checked = {"metric page": 0, "card": 0, "spc": 0}
    for r in withheld_years(log).itertuples():
        spec = specs[r.metric_id]
        page = (out / "metrics" / f"{r.metric_id}.qmd").read_text(encoding="utf-8")
        # the latest year, "2024/25 (10 of 12 months)" when its values cover part of it
        latest = re.search(r"In \*\*(\d{4}/\d{2})( \(\d+ of 12 months\))?\*\* England's", page)[1]
        row = [line for line in page.splitlines() if f"({r.org_code}) |" in line]
        if r.period == latest:  # the metric page's table is its latest year
            assert "| n/a | n/a |" in row[0] and SUPPRESSED in row[0], row
            checked["metric page"] += 1
        card = cards.get(r.org_code)
        if card is None:
            continue
        history = card_section(card, md_text(spec.short_title))
        year = next(line for line in history.splitlines() if line.startswith(f"| {r.period} |"))
        assert "| n/a | n/a |" in year and SUPPRESSED in year, year
        # the trend chart's text gives the latest published value, never a withheld one
        alt = figure_alt(card, f"{r.org_code}_trend.png")
        assert not re.search(rf"{re.escape(spec.short_title)}: [^;]* in {r.period}", alt), alt
        checked["card"] += 1
    for r in log[log.table == "spc_chart"].itertuples():
        card = cards.get(r.org_code)
        spc = figure_alt(card or "", f"{r.org_code}_spc.png")
        if spc:  # its monthly series is not charted (the others are, by title)
            assert "months from" in spc
            assert f"{specs[r.metric_id].short_title}: " not in spc
            checked["spc"] += 1
    assert all(checked.values()), checked
    methodology = (out / "methodology.qmd").read_text(encoding="utf-8")
    n = len(withheld_years(log))
    assert "## Disclosure control" in methodology
    assert f"In this assessment {n} trust-metric-years are withheld" in methodology
    assert "use every trust's true values" in methodology
