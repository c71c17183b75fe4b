"""What a year holds, in words (helpers.publish.periods): the metrics scored each year, and what
a change since last year is measured on when they differ."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from helpers.publish.periods import scored_metrics_view, shared_change_text

ICB_LIKE = pd.DataFrame(
    [
        {"org_code": o, "period": p, "metric_id": m, "score": 2.0}
        for o in ("QOP", "QHM")
        for p in ("2022/23", "2023/24", "2024/25")
        for m in ("ae", "rtt", "cancer", "mrsa", "cdiff")
        if not (p == "2024/25" and m in ("mrsa", "cdiff"))
    ]
)
SPECS = {
    m: SimpleNamespace(short_title=t)
    for m, t in (("mrsa", "MRSA bacteraemia rate"), ("cdiff", "C. difficile rate"))
}


def test_the_metrics_scored_each_year_are_stated_when_they_differ() -> None:
    """The ICB hub said "8 scored metrics" where 2024/25 scores 5."""
    v = scored_metrics_view(ICB_LIKE, SPECS)
    assert v["by_period"] == {"2022/23": 5, "2023/24": 5, "2024/25": 3}
    assert v["counts"] == "5 in 2022/23 and 2023/24; 3 in 2024/25" and not v["same"]
    assert v["text"] == (
        "Metrics scored: 5 in 2022/23 and 2023/24; 3 in 2024/25. In 2024/25, not MRSA "
        "bacteraemia rate and C. difficile rate (no data that year). A year is compared with "
        "the one before on the metrics both years share."
    )
    same = scored_metrics_view(ICB_LIKE[ICB_LIKE.period != "2024/25"], SPECS)
    assert same["same"] and same["counts"] == "5" and same["text"] == ""


def test_a_change_says_what_it_is_measured_on_when_the_metrics_differ() -> None:
    mine = ICB_LIKE[ICB_LIKE.org_code == "QOP"]
    assert shared_change_text(mine, "2024/25", "2023/24") == (
        "on the 3 metrics scored in both years (2023/24 also scored 2 others)"
    )
    assert shared_change_text(mine, "2023/24", "2022/23") == ""
    assert shared_change_text(None, "2024/25", "2023/24") == ""


def _results(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"org_code": o, "metric_id": m, "period": p, "value": 1.0, "months_covered": n}
         for o, m, p, n in rows]
    )  # fmt: skip


def test_part_years_are_labelled_and_annual_figures_are_not_months() -> None:
    """A&E 2024/25 covers 10 months (February and March 2025 left out); the staff survey is
    one figure a year ("Months: 1" read as one month of twelve)."""
    from helpers.publish.periods import coverage

    cov = coverage(
        _results(
            [
                ("A", "ae", "2023/24", 12),
                ("A", "ae", "2024/25", 10),
                ("B", "ae", "2024/25", 9),
                ("A", "staff", "2023/24", 1),
                ("A", "staff", "2024/25", 1),
            ]
        )  # fmt: skip
    )
    assert cov.annual == {"staff"}
    assert cov.label("ae", "2024/25") == "2024/25 (10 of 12 months)"
    assert cov.label("ae", "2024/25", 9) == "2024/25 (9 of 12 months)"
    assert cov.label("ae", "2023/24") == "2023/24" and cov.label("staff", "2024/25", 1) == "2024/25"
    assert cov.part_text("ae", "2024/25") == "10 of 12 months" and cov.part_text("staff", "x") == ""
    assert (
        cov.months_text("staff", 1) == "annual figure" and cov.months_text("ae", 10) == "10 of 12"
    )
    names = {"ae": "A&E 4-hour performance", "staff": "Staff survey"}
    assert (
        cov.note("2024/25", names) == "In 2024/25, A&E 4-hour performance covers 10 of 12 months."
    )
    assert cov.note("2023/24", names) == ""


def test_the_league_tables_type_column_is_words_not_a_code() -> None:
    """The synthetic trusts' subtypes are codes ("general", "specialist", "mental_health"): the
    league table's Type column and its filter show their words."""
    from helpers.assess import tables
    from helpers.publish.league_views import _league_rows

    row = {c: None for c in tables.ASSESSMENT_COLUMNS}
    row |= {"org_code": "ZPW", "org_name": "A Trust", "period": "2024/25", "rank": 1,
            "rank_lower": 1, "rank_upper": 2, "indistinguishable_group": 1, "segment": 1,
            "average_score": 1.5, "average_score_lower": 1.2, "average_score_upper": 1.9,
            "specialist": False}  # fmt: skip
    for code, words in (
        ("mental_health", "Mental health trust"),
        ("general", "General acute trust"),
    ):
        year = pd.DataFrame([row | {"org_subtype": code}])
        (out,) = _league_rows(year, set())
        assert out["subtype_filter"] == words
