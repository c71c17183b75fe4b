"""The reader of NHS England's monthly A&E CSV (``MSitAE-…``): the real May 2026 file whole,
NHS England's headline sums checked against the file's own TOTAL row, and bad input named by
file, line and column."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.ingest.ledger import IngestError
from helpers.ingest.readers import get_reader, produces
from helpers.ingest.readers.nhse_ae_msitae import COLUMNS, COUNTS, read_msitae_file

AE_FILE = "data/raw/nhse_ae_monthly_msitae_may_2026.csv"
SHA256 = "9422af5fccfbac95902d94487a081396cb33e6d0331f3e1d350b14ad437b7b18"
HEADER = ",".join(COLUMNS)
DTA_4_12 = "Patients who have waited 4-12 hs from DTA to admission"
# two rows of the real file (lines 190 and 191), and a TOTAL row of the two
RXK = (
    "MSitAE-MAY-2026,RXK,NHS ENGLAND MIDLANDS ,SANDWELL AND WEST BIRMINGHAM HOSPITALS NHS TRUST,"
    "11768,1086,8725,371,0,0,4842,136,85,130,0,0,825,269,2735,0,29,78"
)
RDU = (
    "MSitAE-MAY-2026,RDU,NHS ENGLAND SOUTH EAST ,FRIMLEY HEALTH NHS FOUNDATION TRUST,"
    "24282,866,11819,0,0,0,9082,4,113,0,0,0,1148,756,6597,0,0,167"
)
TOTAL = (
    "TOTAL ,TOTAL ,TOTAL ,TOTAL ,"
    "36050,1952,20544,371,0,0,13924,140,198,130,0,0,1973,1025,9332,0,29,245"
)


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "MSitAE.csv"
    p.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode())
    return p


def _source(path: str, **options: object) -> SimpleNamespace:
    return SimpleNamespace(path=path, options=options)


def _total_row(root: Path) -> dict[str, int]:
    """The file's own TOTAL row, read with the csv module (not the reader)."""
    with open(root / AE_FILE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    (total,) = [r for r in rows if r["Org Code"].strip() == "TOTAL"]
    return {c: int(total[c]) for c in COUNTS}


def test_the_committed_file_is_byte_identical(root):
    assert hashlib.sha256((root / AE_FILE).read_bytes()).hexdigest() == SHA256


def test_reads_every_row_of_the_published_file(root):
    d = read_msitae_file(root / AE_FILE)
    assert len(d) == 192  # 193 data lines: 192 providers and the TOTAL row
    assert d.attrs["total_line"] == 194
    assert d["line"].tolist() == list(range(2, 194))
    assert (d["month"] == pd.Timestamp("2026-05-01")).all()
    assert d["org_code"].is_unique
    assert d["parent_org"].iloc[0] == "NHS ENGLAND NORTH EAST AND YORKSHIRE"  # trailing space
    rxk = d[d.org_code == "RXK"].iloc[0]
    assert rxk.line == 190
    # types 1, 2, other and booked appointments summed, as on the file's line 190
    assert rxk.attendances == 11768 + 1086 + 8725 + 371 + 0 + 0
    assert rxk.over_4h == 4842 + 136 + 85 + 130 + 0 + 0
    assert rxk.within_4h == rxk.attendances - rxk.over_4h
    assert rxk.dta_over_4h == 825 + 269 and rxk.dta_over_12h == 269
    assert rxk.emergency_admissions == 2735 + 0 + 29 + 78 and rxk.admissions_via_ae == 2735 + 29
    assert rxk.attendances_type1 == 11768 + 371 and rxk.over_4h_type1 == 4842 + 130


def test_england_headline_from_the_file_total_row(root):
    """England (every provider) as NHS England's headline counts it, from the TOTAL row."""
    t = _total_row(root)
    att = sum(v for c, v in t.items() if c.startswith("A&E attendances"))
    o4 = sum(v for c, v in t.items() if c.startswith("Attendances over 4hrs"))
    assert (att, o4) == (2_457_398, 597_323)
    ing = get_reader("nhse_ae_msitae").read("ae", _source(AE_FILE), root)
    by = ing.measures.groupby("measure")["value"].sum()
    assert by["attendances"] == att
    assert by["over_4h"] == o4
    assert by["within_4h"] == att - o4
    assert round(100 * by["within_4h"] / by["attendances"], 1) == 75.7  # May 2026, England
    assert by["dta_over_4h"] == t[COUNTS[12]] + t[COUNTS[13]] == 78_378 + 50_212
    assert by["emergency_admissions"] == 395_328 + 1_417 + 5_088 + 131_447
    assert set(ing.measures["month"]) == {pd.Timestamp("2026-05-01")}
    assert ing.measures["org_code_published"].nunique() == 192
    led = ing.ledger
    assert (led["rows_read"], led["rows_accepted"], led["rows_excluded"]) == (193, 192, 1)
    assert led["rows_rejected"] == 0 and led["sha256"] == SHA256
    assert "TOTAL row" in led["reasons"]


def test_registered_with_the_measures_of_the_sitrep_reader():
    reader = get_reader("nhse_ae_msitae")
    sitrep = get_reader("nhse_ae_sitrep").measures()
    # every measure of nhse_ae_sitrep but 12 hours from arrival, which the file does not carry
    assert {m for m in sitrep if m != "over_12h_from_arrival"} <= set(reader.measures())
    assert not produces(reader, "over_12h_from_arrival")


def test_excluded_months_are_counted_with_their_reason(root):
    src = _source(AE_FILE, exclude_months={"2026-05": "a test reason"})
    ing = get_reader("nhse_ae_msitae").read("ae", src, root)
    assert len(ing.measures) == 0
    assert (ing.ledger["rows_accepted"], ing.ledger["rows_excluded"]) == (0, 193)
    assert "2026-05 excluded by the settings: a test reason: 192" in ing.ledger["reasons"]


def test_small_file_with_total_and_full_month_name(tmp_path):
    d = read_msitae_file(_write(tmp_path, RXK, RDU.replace("-MAY-", "-APRIL-"), TOTAL))
    assert d["month"].tolist() == [pd.Timestamp("2026-05-01"), pd.Timestamp("2026-04-01")]
    d = read_msitae_file(_write(tmp_path, RXK, RDU))  # no TOTAL row: nothing to check it by
    assert d.attrs["total_line"] is None and len(d) == 2


@pytest.mark.parametrize(
    ("rows", "line", "column"),
    [
        ((RXK, RDU.replace(",24282,", ",n/a,")), 3, "A&E attendances Type 1"),
        ((RXK, RDU.replace(",24282,", ",,")), 3, "A&E attendances Type 1"),
        ((RXK.replace(",825,", ",-1,"), RDU), 2, DTA_4_12),
        ((RXK.replace(",825,", ",8.5,"), RDU), 2, DTA_4_12),
        ((RXK, RDU.replace("MSitAE-MAY-2026", "MSitAE-MAI-2026")), 3, "Period"),
        ((RXK, RDU.replace("MSitAE-MAY-2026", "2026-05")), 3, "Period"),
        ((RXK, RDU.replace(",RDU,", ",,")), 3, "Org Code"),
        ((RXK, RXK), 3, "Org Code"),  # the same provider twice
        ((RXK, RDU.replace(",9082,", ",99999,")), 3, "Attendances over 4hrs Type 1"),
        ((RXK, RDU.replace(",1148,756,", ",9000,756,")), 3, DTA_4_12),
        ((RXK, RDU, TOTAL.replace(",36050,", ",36051,")), 4, "A&E attendances Type 1"),
        ((RXK, RDU, TOTAL, TOTAL), 5, "Org Code"),
    ],
)
def test_bad_input_names_file_line_and_column(tmp_path, rows, line, column):
    path = _write(tmp_path, *rows)
    with pytest.raises(IngestError) as e:
        read_msitae_file(path)
    msg = str(e.value)
    assert str(path) in msg and f"line {line}," in msg and repr(column) in msg


def test_missing_column_and_missing_file(tmp_path):
    header = HEADER.replace(",Patients who have waited 12+ hrs from DTA to admission", "")
    row = RXK.replace(",825,269,", ",825,")
    with pytest.raises(IngestError, match="line 1.*'Patients who have waited 12\\+ hrs"):
        read_msitae_file(_write(tmp_path, row, header=header))
    with pytest.raises(IngestError, match="file not found"):
        read_msitae_file(tmp_path / "nope.csv")
