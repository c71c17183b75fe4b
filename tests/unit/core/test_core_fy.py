"""Financial years (helpers.core.fy): the one implementation the whole package uses."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import fy


def test_financial_year():
    months = pd.Series(["2024-03-01", "2024-04-01", "2025-03-01", "2016-12-01"])
    assert fy.financial_year(months).tolist() == ["2023/24", "2024/25", "2024/25", "2016/17"]


def test_labels_and_starts_round_trip():
    assert fy.fy_label(2024) == "2024/25" and fy.fy_file_label(1999) == "1999-00"
    assert fy.fy_start("2024/25") == 2024 and fy.fy_label(fy.fy_start("2099/00")) == "2099/00"
    assert fy.fy_of_month(pd.Timestamp("2025-03-31")) == 2024
    assert fy.fy_of_month(pd.Timestamp("2025-04-01")) == 2025


@pytest.mark.parametrize("bad", ["2024/26", "2024-25", "24/25", "2024/2025", ""])
def test_check_fy_rejects_what_is_not_a_financial_year(bad):
    with pytest.raises(ValueError, match="not a financial year like '2024/25'"):
        fy.check_fy(bad)


def test_years_in_text_and_first_months():
    assert fy.fy_in_text("rtt_incomplete_2024-25.xlsx") == 2024
    assert fy.fy_in_text("survey 2024/26.csv") is None and fy.fy_in_text("none") is None
    got = fy.fy_first_month(pd.Series(["2024-25", "2023/24", "2024-26", "x"]))
    assert got.tolist()[:2] == [pd.Timestamp("2024-04-01"), pd.Timestamp("2023-04-01")]
    assert got.isna().tolist() == [False, False, True, True]
