"""The reader of NHS England's trust-level SHMI file: the published file whole, and bad input
named by file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.ingest.ledger import IngestError
from helpers.ingest.readers.nhse_shmi import COLUMNS, read_shmi_trust_level

SHMI_FILE = "data/raw/shmi_trust_level_feb2025_jan2026.csv"
HEADER = ",".join(COLUMNS)
ROW = "I00699,RCF,AIREDALE NHS FOUNDATION TRUST,0.9396,2,32845,985,1045,0.9072,1.0992,0.8463,1.1816"
ROW2 = 'I00699,RTK,"ASHFORD, ST PETER\'S",0.8859,2,61025,1470,1660,0.9259,1.0782,0.8498,1.1768'


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "shmi.csv"
    p.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def test_reads_the_published_file(root):
    d = read_shmi_trust_level(root / SHMI_FILE)
    assert len(d) == 118
    first = d.iloc[0]
    assert first.org_code == "RCF" and first.line == 2
    assert first.shmi == pytest.approx(0.9396) and first.banding == 2
    assert first.banding_words == "as expected"
    assert d.banding.value_counts().to_dict() == {2: 98, 1: 12, 3: 8}


def test_quoted_names_and_bom(tmp_path):
    d = read_shmi_trust_level(_write(tmp_path, ROW, ROW2))
    assert d.org_name.tolist()[1] == "ASHFORD, ST PETER'S"
    assert d.columns[1] == "indicator_code"  # the BOM is not part of the first column's name


@pytest.mark.parametrize(
    ("row", "line", "column"),
    [
        (ROW.replace(",985,", ",n/a,"), 3, "OBSERVED"),
        (ROW.replace(",1045,", ",0,"), 3, "EXPECTED"),
        (ROW.replace(",0.9396,2,", ",0.9396,4,"), 3, "SHMI_BANDING"),
        (ROW.replace("0.8463,1.1816", "1.2,1.1816"), 3, "OD_LL"),
        (ROW.replace(",RCF,", ",,"), 3, "PROVIDER_CODE"),
        (ROW, 3, "PROVIDER_CODE"),  # the same trust twice
    ],
)
def test_bad_rows_name_file_line_and_column(tmp_path, row, line, column):
    path = _write(tmp_path, ROW, row)
    with pytest.raises(IngestError) as e:
        read_shmi_trust_level(path)
    msg = str(e.value)
    assert str(path) in msg and f"line {line}" in msg and repr(column) in msg


def test_missing_column_and_missing_file(tmp_path):
    path = _write(tmp_path, ROW, header=HEADER.replace(",OD_UL", ""))
    with pytest.raises(IngestError, match="line 1.*'OD_UL'"):
        read_shmi_trust_level(path)
    with pytest.raises(IngestError, match="file not found"):
        read_shmi_trust_level(tmp_path / "nope.csv")
