"""The synthetic England's pages show what a reader needs beyond the comparison with England:
delivery against each organisation's own plan, ICBs' local priorities, and the caveat that
comes with a small peer group. Runs the real pipeline (papermill) in a fresh copy."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.pipeline.run import run_assessment
from helpers.publish.text import STATUS_TEXT

#: a quick acute assessment: every plan metric, report cards for a few trusts only
PLAN_METRICS = [
    "ae_4hr_pct",
    "ae_12hr_pct",
    "rtt_18wk_pct",
    "rtt_52wk_pct",
    "cancer_62d_pct",
    "diagnostics_6wk_pct",
    "finance_outturn_margin_pct",
]


@pytest.fixture(scope="module")
def acute(project_copy: Path) -> Path:
    from helpers.synthetic.ensure import ensure_synthetic_data

    settings = project_copy / "config/tests/plans-test.yml"  # not among config/assessments
    settings.parent.mkdir(parents=True, exist_ok=True)
    ensure_synthetic_data("config/assessments/synthetic-acute.yml", project_copy)
    orgs = pd.read_csv(project_copy / "data/synthetic/small/organisations.csv", dtype=str)
    open_general = orgs[
        (orgs.org_type == "acute_trust")
        & (orgs.org_subtype == "general")
        & orgs.close_date.fillna("").eq("")
    ]
    spec = {
        "extends": "../assessments/synthetic-acute.yml",
        "id": "plans-test",
        "metrics": PLAN_METRICS,
        "org_codes": sorted(open_general.org_code)[:3],
    }
    settings.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return run_assessment(settings, project_copy, log=lambda _m: None).output_dir


@pytest.fixture(scope="module")
def icb(project_copy: Path) -> Path:
    return run_assessment(
        "config/assessments/synthetic-icb.yml", project_copy, log=lambda _m: None
    ).output_dir


def test_plan_delivery_table_has_every_outcome(acute: Path):
    d = pd.read_csv(acute / "results/plan_delivery.csv", dtype={"period": str})
    assert set(d.metric_id) == set(PLAN_METRICS)
    assert set(d.status) == set(STATUS_TEXT)  # delivered, missed within chance, missed
    counts = d.groupby("plan_on").ci95_lower.apply(lambda s: s.notna().mean())
    assert counts["value"] == 1.0 and counts["numerator"] == 0.0  # counts have no interval


def test_report_card_sets_the_latest_year_against_the_plan(acute: Path):
    d = pd.read_csv(acute / "results/plan_delivery.csv", dtype={"period": str})
    cards = sorted(p for p in (acute / "orgs").glob("*.qmd") if p.stem != "index")
    assert len(cards) == 3
    for card in cards:
        text = card.read_text(encoding="utf-8")
        assert "## Delivery against its own plan" in text
        mine = d[d.org_code == card.stem]
        latest = mine[mine.period == mine.period.max()]
        section = text.split("## Delivery against its own plan")[1].split("\n## ")[0]
        rows = [ln for ln in section.splitlines() if ln.startswith("| [")]
        assert len(rows) == len(mine.metric_id.unique())
        shown = sorted(s for row in rows for s in STATUS_TEXT.values() if row.endswith(f"{s} |"))
        assert shown == sorted(STATUS_TEXT[s] for s in latest.status)
        n = len(latest)
        delivered = int((latest.status == "delivered").sum())
        assert f"it delivered {delivered} of its {n} plans" in section


def test_metric_page_and_overview_count_delivery(acute: Path):
    d = pd.read_csv(acute / "results/plan_delivery.csv", dtype={"period": str})
    page = (acute / "metrics/ae_4hr_pct.qmd").read_text(encoding="utf-8")
    year = d[(d.metric_id == "ae_4hr_pct") & (d.period == d.period.max())]
    m = re.search(
        r"Of (\d+) trusts with a plan and an actual figure, \*\*(\d+) delivered\*\*.*?"
        r"(\d+) fell short.*?\*\*(\d+) missed\*\*",
        page,
    )
    assert m, "no delivery summary on the metric page"
    assert [int(x) for x in m.groups()] == [
        len(year),
        (year.status == "delivered").sum(),
        (year.status == "missed_within_chance").sum(),
        (year.status == "missed").sum(),
    ]
    overview = (acute / "index.qmd").read_text(encoding="utf-8")
    assert "## Delivery against their own plans" in overview
    assert "A small peer group" not in overview  # 22 acute trusts


def test_icb_cards_show_local_priorities_and_small_group_caveat(icb: Path, project_copy: Path):
    pri = pd.read_csv(project_copy / "data/synthetic/small/local_priorities.csv")
    assert len(pri)
    for code, rows in pri.groupby("icb_code"):
        text = (icb / "orgs" / f"{code}.qmd").read_text(encoding="utf-8")
        section = text.split("## Local priorities")[1].split("\n## ")[0]
        for r in rows.itertuples():
            assert f"(../metrics/{r.metric_id}.qmd)" in section and r.reason in section
    others = set(
        pd.read_csv(icb / "results/organisations.csv").query("org_type == 'icb'").org_code
    ) - set(pri.icb_code)
    for code in others:
        assert "## Local priorities" not in (icb / "orgs" / f"{code}.qmd").read_text()
    assert "## A small peer group: 6 ICBs" in (icb / "index.qmd").read_text(encoding="utf-8")
    metric = pri.metric_id.iloc[0]
    page = (icb / "metrics" / f"{metric}.qmd").read_text(encoding="utf-8")
    assert "## A local priority" in page and "## A small peer group" in page
    led = pd.read_csv(icb / "results/ledger.csv")
    assert (led.role == "reference: local_priorities").sum() == 1
