"""Financial years: April to March, labelled '2024/25' (and '2024-25' in file names).

The one implementation of financial-year logic for the whole package: settings validation, the
generator, the readers, indicators and plans all use these functions.
"""

from __future__ import annotations

import re

import pandas as pd

FY_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")
#: a financial year inside other text, with '/' or '-' ('2024/25', 'rtt_2024-25.xlsx')
FY_IN_TEXT = re.compile(r"(\d{4})[-/](\d{2})")


def check_fy(value: str) -> str:
    """``value`` if it is a financial year label like '2024/25', else ValueError."""
    m = FY_PATTERN.match(value)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"{value!r} is not a financial year like '2024/25'")
    return value


def fy_start(fy: str) -> int:
    """First calendar year of a financial year label: '2024/25' -> 2024."""
    return int(check_fy(fy)[:4])


def fy_label(start: int) -> str:
    """The financial year starting in April of ``start``: 2024 -> '2024/25'."""
    return f"{start}/{(start + 1) % 100:02d}"


def fy_file_label(start: int) -> str:
    """The label used in published file names: 2024 -> '2024-25'."""
    return f"{start}-{(start + 1) % 100:02d}"


def fy_of_month(month: pd.Timestamp) -> int:
    """The start year of the financial year a month falls in: May 2024 -> 2024, Feb 2025 ->
    2024."""
    return month.year if month.month >= 4 else month.year - 1


def fy_in_text(text: str) -> int | None:
    """The start year of the first valid financial year written in ``text`` ('2024-25' or
    '2024/25'), or None."""
    m = FY_IN_TEXT.search(text)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        return None
    return int(m.group(1))


def financial_year(month: pd.Series) -> pd.Series:
    """'2024/25' for any date from April 2024 to March 2025 (vectorised)."""
    m = pd.to_datetime(month)
    start = m.dt.year - (m.dt.month < 4).astype(int)
    return start.astype(str) + "/" + ((start + 1) % 100).map("{:02d}".format)


def fy_first_month(labels: pd.Series) -> pd.Series:
    """'2024-25' or '2024/25' -> 2024-04-01 (annual returns are dated at April); NaT where the
    text is not a financial year."""
    m = labels.astype(str).str.strip().str.extract(r"^(\d{4})[-/](\d{2})$")
    start = pd.to_numeric(m[0], errors="coerce")
    ok = start.notna() & ((start + 1) % 100 == pd.to_numeric(m[1], errors="coerce"))
    return pd.to_datetime(
        start.where(ok).astype("Int64").astype(str) + "-04-01", format="%Y-%m-%d", errors="coerce"
    )
