"""Every claim the built site makes about a named organisation, checked against the assessment
table it was built from (``results/assessment.csv``): the report cards (segment, rule stability,
persistent failure, segment 5 candidacy, what the rules imply, pay), the league rows and the
overview's regional counts. The site is the fast UEC build of a fresh copy of the repository
(the ``pipeline_runs`` fixture, before either renderer); no browser is needed."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.publish.assessment_views import stability_text


@pytest.fixture(scope="module")
def run_folders(pipeline_runs: Path) -> list[Path]:
    """The finished runs the site is built from (the pages' markdown: the same for both
    renderers, which test_renderers_agree.py shows publish the same text)."""
    reports = pipeline_runs / "reports"
    folders = [p for p in reports.iterdir() if (p / "results" / "assessment.csv").is_file()]
    assert folders, "no assessment was published"
    return folders


def _assessment(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "results" / "assessment.csv", dtype={"period": str})


def _flag(v: object) -> bool:
    return v is not None and not pd.isna(v) and str(v) == "True"


def card_claims(text: str, row: pd.Series) -> list[str]:
    """What a report card's markdown claims that its assessment row contradicts (empty: none)."""
    wrong = []

    def says(claim: str, truth: bool, what: str) -> None:
        if claim != truth:
            wrong.append(f"{what}: the card says {claim}, the table {truth}")

    segmented = pd.notna(row.segment)
    says("**Persistent failure:**" in text, _flag(row.persistent_failure), "persistent")
    says(
        "candidate for review for segment 5" in text or "segment 5 candidate" in text.lower(),
        _flag(row.segment_5_candidate),
        "segment 5 candidate",
    )
    rule = str(row.consequence_rule) if isinstance(row.consequence_rule, str) else ""
    says("What the rules imply:" in text, bool(rule), "a consequence")
    if rule:
        says(f"(rule: {rule.replace('_', ' ')})" in text, True, "the consequence's rule")
    people = row.consequence_people if isinstance(row.consequence_people, str) else ""
    says("pay uplift" in text, "pay uplift" in people, "pay")
    if segmented and int(row.segment) <= 4:
        says(f"It is in segment {int(row.segment)} " in text, True, "the segment")
        stability = stability_text(row)
        if stability:
            says(stability in text, True, f"rule stability {stability!r}")
    for line in text.splitlines():  # a probability is never printed as 0% or 100%
        if "probabilit" in line.lower():
            for match in re.finditer(r"(?<![\d.])(?:100|0)%", line):
                wrong.append(f"a probability printed as certain: {match.group(0)!r}")
    return wrong


def test_every_report_card_claims_only_what_the_assessment_table_says(run_folders) -> None:
    checked = 0
    for folder in run_folders:
        a = _assessment(folder)
        for card in sorted((folder / "orgs").glob("*.qmd")):
            if card.stem == "index":
                continue
            text = card.read_text(encoding="utf-8")
            m = re.search(r"^## Assessment, (\S+)$", text, re.M)
            if not m:
                continue
            row = a[(a.org_code == card.stem) & (a.period == m.group(1))]
            assert len(row) == 1, card
            assert card_claims(text, row.iloc[0]) == [], card
            checked += 1
    assert checked >= 5


def test_the_checker_catches_a_card_that_contradicts_the_table(run_folders) -> None:
    """The claims check can fail: a card claiming candidacy or pay for an organisation the
    table does not flag, or a probability of 100%, is caught."""
    folder = run_folders[0]
    a = _assessment(folder)
    row = a[a.segment.notna() & ~a.segment_5_candidate.map(_flag)].iloc[0]
    text = f"It is in segment {int(row.segment)} under all rules"
    assert any("segment 5" in w for w in card_claims(text + " a segment 5 candidate", row))
    assert any("pay" in w for w in card_claims(text + " no pay uplift", row))
    certain = text + "\n- **Probability of each segment:** segment 1: 100%; segment 2: 0%."
    assert sum("certain" in w for w in card_claims(certain, row)) == 2


def test_the_overview_counts_turnaround_and_candidates_as_the_table_does(run_folders) -> None:
    for folder in run_folders:
        a = _assessment(folder)
        latest = a[(a.period == a.period.max()) & a.segment.notna()]
        text = (folder / "index.qmd").read_text(encoding="utf-8")
        if "### By region" not in text:
            continue
        section = text.split("### By region", 1)[1].split("###", 1)[0]
        rows = [r for r in section.splitlines() if r.startswith("| ") and "---" not in r][1:]
        turnaround = sum(int(r.strip("| ").split(" | ")[-2]) for r in rows)
        candidates = sum(int(r.strip("| ").split(" | ")[-1]) for r in rows)
        assert turnaround == int((latest.consequence_rule == "turnaround").sum())
        assert candidates == int(latest.segment_5_candidate.fillna(False).astype(bool).sum())
