"""NHS England's Oversight Framework files, read exactly as published (UTF-8 BOM, NHS England's
column names, ranges as text), and a file that does not fit named by file, line and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest.ledger import IngestError
from helpers.ingest.readers import get_reader
from helpers.ingest.readers.nhse_nof import (
    quarter_start,
    read_nof_league_table,
    read_nof_metric_file,
)

VALUES = "data/raw/nof_2025_26_mh_community_trust_data_q1_q4.csv"
LEAGUE = "data/raw/nof_2025_26_q4_mh_community_league_table.csv"


def test_the_published_metric_file_is_read_whole(root) -> None:
    d = read_nof_metric_file(root / VALUES)
    assert len(d) == 8771  # every row of the file (data/README.md)
    assert d.org_code.nunique() == 61
    assert d.groupby("quarter").metric_id.nunique().tolist() == [41, 41, 39, 38]
    assert set(d.quarter_number) == {1, 2, 3, 4} and set(d.financial_year) == {"2025/26"}
    trusts = d.drop_duplicates("org_code").trust_subtype.value_counts().to_dict()
    assert trusts == {"Mental Health and Learning Disability": 44, "Community": 14, "Care Trust": 3}
    first = d.iloc[0]
    assert (first.line, first.org_code, first.metric_id, first.value) == (2, "R1A", "OF0005", 9.03)


def test_the_published_league_table_ranges_are_parsed(root) -> None:
    d = read_nof_league_table(root / LEAGUE)
    assert len(d) == 61 and d.quarter.unique().tolist() == ["Q4 2025/26"]
    kent = d.set_index("org_code").loc["RYY"]
    assert (kent.likely_range_of_average_score_lower, kent.likely_range_of_average_score_upper) == (
        1.2,
        1.89,
    )
    assert (kent.likely_range_of_rank_lower, kent.likely_range_of_rank_upper) == (1, 11)
    assert d.in_deficit.sum() == 12  # 'Yes' for the 12 trusts under the override in Q4
    assert (d.likely_range_of_rank_lower <= d["rank"]).all()
    assert (d["rank"] <= d.likely_range_of_rank_upper).all()


def test_quarters_start_in_april_july_october_and_january() -> None:
    got = quarter_start(pd.Series(["Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26"]))
    assert [str(x.date()) for x in got] == ["2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01"]


def _copy(root: Path, tmp_path: Path, name: str, edit) -> Path:
    lines = (root / name).read_text(encoding="utf-8-sig").splitlines()
    lines = edit(lines)
    out = tmp_path / Path(name).name
    out.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda ls: [ls[0].replace("Metric_ID", "MetricID"), *ls[1:]], r"line 1 \(header\)"),
        (
            lambda ls: [ls[0], ls[1].replace("Q1 2025/26", "Q5 2025/26", 1), *ls[2:]],
            "line 2, column 'Quarter'",
        ),
        (
            lambda ls: [ls[0], ls[1].replace(",%,9.03,", ",%,n/a,"), *ls[2:]],
            "line 2, column 'Value'",
        ),
        (lambda ls: [*ls[:5], ls[2], *ls[5:]], "line 6, column 'Metric_ID'"),
    ],
)
def test_a_metric_file_that_does_not_fit_is_named_by_line_and_column(
    root, tmp_path, edit, where
) -> None:
    bad = _copy(root, tmp_path, VALUES, edit)
    with pytest.raises(IngestError, match=where) as err:
        read_nof_metric_file(bad)
    assert str(bad) in str(err.value)


def test_a_league_range_that_is_not_a_range_is_named(root, tmp_path) -> None:
    bad = _copy(
        root,
        tmp_path,
        LEAGUE,
        lambda ls: [ls[0], ls[1].replace("1.2 to 1.89", "1.2-1.89"), *ls[2:]],
    )
    with pytest.raises(IngestError, match="line 2, column 'Likely_range_of_average_score'"):
        read_nof_league_table(bad)
    flag = _copy(
        root, tmp_path, LEAGUE, lambda ls: [ls[0], ls[1].replace(",No,", ",Maybe,"), *ls[2:]]
    )
    with pytest.raises(IngestError, match="line 2, column 'Trust_in_financial_deficit'"):
        read_nof_league_table(flag)


def test_the_registered_readers_account_for_every_row(root) -> None:
    class Src:
        path = VALUES
        options: dict = {}

    got = get_reader("nhse_nof_metrics").read("nof", Src, root)
    assert got.ledger["rows_read"] == got.ledger["rows_accepted"] == len(got.measures) == 8771
    assert got.measures.measure.str.match(r"^OF\d{4}$").all()

    class League:
        path = LEAGUE
        options: dict = {}

    got = get_reader("nhse_nof_league_table").read("league", League, root)
    assert got.ledger["rows_read"] == 61
    assert set(got.measures.measure) >= {"average_score", "likely_range_of_rank_upper"}
