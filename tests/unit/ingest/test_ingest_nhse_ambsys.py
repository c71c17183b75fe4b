"""The reader of NHS England's AmbSYS file (Ambulance Quality Indicators, system indicators):
two real files whole (NHS England's download of August 2017 - January 2021, byte-identical, and
the April 2026 lines of the series to April 2026), values checked by hand in the files, the
files' own arithmetic (mean = total response time / incidents, all incidents = hear and treat +
face to face, England and regions = sums of their trusts), and bad input named by file, line and
column."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from helpers.ingest.ledger import IngestError
from helpers.ingest.readers import get_reader
from helpers.ingest.readers.nhse_ambsys import COLUMNS, MEASURES, VALUES, read_ambsys

FULL_2021 = "data/raw/nhse_ambsys_aug2017_jan2021.csv"
APR_2026 = "data/raw/nhse_ambsys_apr2026_extract.csv"
TRUSTS = {"R1F", "RRU", "RX6", "RX7", "RX8", "RX9", "RYA", "RYC", "RYD", "RYE", "RYF"}
MEANS = [("c1", "A24", "A8", "A25"), ("c2", "A30", "A10", "A31")]
MEANS += [("c3", "A33", "A11", "A34"), ("c4", "A36", "A12", "A37")]


def _lines(root: Path, name: str) -> list[str]:
    return (root / name).read_text(encoding="utf-8").splitlines()


def test_reads_every_row_of_the_published_file(root):
    d = read_ambsys(root / FULL_2021)
    assert len(d) == len(_lines(root, FULL_2021)) - 1 == 798
    assert d.line.tolist() == list(range(2, 800))
    assert (d.month.min(), d.month.max()) == (
        pd.Timestamp("2017-08-01"),
        pd.Timestamp("2021-01-01"),
    )
    assert d.level.value_counts().to_dict() == {"trust": 462, "region": 294, "england": 42}
    assert set(d.org_code[d.level == "trust"]) == TRUSTS  # 11 trusts x 42 months
    assert d[d.level == "trust"].groupby("org_code").size().eq(42).all()


def test_a_trust_month_checked_by_hand(root):
    """Line 371: East Midlands Ambulance Service, March 2019, as the file has it."""
    line = _lines(root, FULL_2021)[370]
    assert line.startswith("2019,3,Y60,RX9,EAST MIDLANDS AMBULANCE SERVICE NHS TRUST,85476,")
    d = read_ambsys(root / FULL_2021)
    r = d[d.line == 371].iloc[0]
    assert (r.org_code, r.month, r.level, r.region) == (
        "RX9",
        pd.Timestamp("2019-03-01"),
        "trust",
        "Y60",
    )
    assert (r.incidents, r.c1_incidents, r.c2_incidents, r.c3_incidents, r.c4_incidents) == (
        63143,
        6251,
        36529,
        12608,
        765,
    )
    assert (r.c1_total_s, r.c1_mean_s, r.c1_p90_s) == (2809282, 449, 809)
    assert (r.c2_mean_s, r.c2_p90_s, r.c3_p90_s, r.c4_p90_s) == (1591, 3273, 9880, 10417)
    assert (r.hear_and_treat, r.see_and_treat, r.conveyed_ed, r.face_to_face) == (
        3784,
        17185,
        39132,
        59359,
    )
    assert r.hear_and_treat_share == pytest.approx(3784 / 63143)
    assert r.see_and_treat_share == pytest.approx(17185 / 63143)


def test_the_april_2026_lines(root):
    d = read_ambsys(root / APR_2026)
    assert len(d) == 19 and d.reported.all()
    assert set(d.org_code[d.level == "trust"]) == TRUSTS
    las = d[d.org_code == "RRU"].iloc[0]
    assert (las.c1_mean_s, las.c1_p90_s, las.c2_mean_s, las.c2_p90_s) == (405, 697, 1492, 3080)
    assert (las.c3_p90_s, las.c4_p90_s, las.c2_incidents) == (10447, 16879, 58270)
    eng = d[d.level == "england"].iloc[0]
    assert (eng.org_code, eng.c1_mean_s, eng.c2_mean_s) == ("Eng", 460, 1467)


@pytest.mark.parametrize("name", [FULL_2021, APR_2026])
@pytest.mark.parametrize(("cat", "total", "count", "mean"), MEANS)
def test_a_mean_is_total_response_time_over_incidents(root, name, cat, total, count, mean):
    """AmbSYS publishes the mean rounded to a second and the total it comes from."""
    d = read_ambsys(root / name)
    t, n, m = (d[VALUES[c]] for c in (total, count, mean))
    both = t.notna() & n.gt(0) & m.notna()
    off = (t / n - m).abs() > 0.5
    assert both.sum() >= (19 if name == APR_2026 else 750)
    # East of England Nov/Dec 2017 (C2-C4) and South Western Dec 2017 (C3, C4) are the
    # published exceptions, up to 9 s (recorded in data/README.md)
    known = {(68, "RYC"), (87, "RYC"), (94, "RYF")}
    assert set(zip(d.line[both & off], d.org_code[both & off], strict=True)) <= known


@pytest.mark.parametrize("name", [FULL_2021, APR_2026])
def test_incidents_are_hear_and_treat_plus_face_to_face(root, name):
    d = read_ambsys(root / name)
    cols = ["incidents", "hear_and_treat", "face_to_face", "conveyed_ed", "conveyed_not_ed"]
    trusts = d[d.level == "trust"].dropna(subset=[*cols, "see_and_treat"])
    assert len(trusts) >= (11 if name == APR_2026 else 420)
    assert (trusts.incidents == trusts.hear_and_treat + trusts.face_to_face).all()
    f2f = trusts.conveyed_ed + trusts.conveyed_not_ed + trusts.see_and_treat
    assert (trusts.face_to_face == f2f).all()


def test_england_and_regions_are_their_trusts_summed(root):
    d = read_ambsys(root / APR_2026)
    counts = [
        "incidents",
        "c1_incidents",
        "c2_incidents",
        "c1_total_s",
        "c2_total_s",
        "hear_and_treat",
    ]
    trusts = d[d.level == "trust"]
    assert (d[d.level == "england"][counts].iloc[0] == trusts[counts].sum()).all()
    by_region = trusts.groupby("region")[counts].sum()
    regions = d[d.level == "region"].set_index("org_code")[counts]
    pd.testing.assert_frame_equal(regions.sort_index(), by_region.sort_index(), check_names=False)


def test_ambsys_no_value_mark(root):
    """'.' is AmbSYS's 'no value': Isle of Wight publishes nothing before it joined (August
    2017 - March 2018 here), and the row is kept, marked unreported."""
    d = read_ambsys(root / FULL_2021)
    iow = d[d.org_code == "R1F"]
    assert (~iow.reported).sum() == 8 and iow[~iow.reported].month.max() == pd.Timestamp(
        "2018-03-01"
    )
    assert iow[~iow.reported][list(VALUES.values())].isna().all().all()


@dataclass
class _Source:
    path: str
    options: dict[str, Any] = field(default_factory=dict)


def test_as_a_source_every_row_is_counted(root):
    got = get_reader("nhse_ambsys").read("ambsys", _Source(FULL_2021), root)
    led = got.ledger
    assert led["rows_read"] == 798
    assert led["rows_accepted"] == 462 - 29  # trust rows with something published
    assert led["rows_excluded"] == 42 + 294 + 29 and led["rows_rejected"] == 0
    m = got.measures
    assert set(m.measure) <= set(MEASURES) and set(m.org_code_published) == TRUSTS
    one = m[(m.org_code_published == "RX9") & (m.month == "2019-03-01")].set_index("measure").value
    assert one["c1_mean_s"] == 449 and one["c2_p90_s"] == 3273
    assert one["c2_p90_s_x_incidents"] == 3273 * 36529 and one["incidents"] == 63143


HEADER = _lines(Path(__file__).resolve().parents[3], APR_2026)[0]
ROW = _lines(Path(__file__).resolve().parents[3], APR_2026)[3]  # London Ambulance Service


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "ambsys.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def _cell(row: str, code: str, value: str) -> str:
    cells = row.split(",")
    cells[HEADER.split(",").index(code)] = value
    return ",".join(cells)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (_cell(ROW, "A25", "n/a"), "A25"),
        (_cell(ROW, "A31", ""), "A31"),  # empty is not AmbSYS's '.'
        (_cell(ROW, "A8", "-3"), "A8"),
        (_cell(ROW, "A26", "697.5"), "A26"),
        (_cell(ROW, "Month", "13"), "Month"),
        (_cell(ROW, "Year", "FY"), "Year"),
        (_cell(ROW, "Org Code", "XYZ"), "Org Code"),
        (ROW, "Org Code"),  # the same trust and month twice
    ],
)
def test_bad_rows_name_file_line_and_column(tmp_path, row, column):
    path = _write(tmp_path, ROW, row)
    with pytest.raises(IngestError) as e:
        read_ambsys(path)
    msg = str(e.value)
    assert str(path) in msg and "line 3" in msg and repr(column) in msg


def test_missing_column_and_missing_file(tmp_path):
    header = HEADER.replace(",A31,", ",A31x,")
    with pytest.raises(IngestError, match="line 1.*'A31'"):
        read_ambsys(_write(tmp_path, ROW, header=header))
    with pytest.raises(IngestError, match="file not found"):
        read_ambsys(tmp_path / "nope.csv")
    assert set(COLUMNS) <= set(HEADER.split(","))


def test_the_draft_ambulance_catalogue_asks_only_for_what_the_reader_writes(root):
    from helpers.settings import load_catalogue

    reader = get_reader("nhse_ambsys")
    for m in load_catalogue(root / "config/metrics/ambulance.yml").metrics:
        for d in m.definitions:
            assert d.source == "ambsys"
            for q in (d.numerator, d.denominator):
                assert q.measure in reader.measures(), (m.id, q.measure)
