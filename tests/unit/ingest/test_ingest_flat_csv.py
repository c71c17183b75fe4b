"""Ingestion: every row accounted for; bad input gives a clear error naming file, line, column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import IngestError, expand_source, ingest_sources, read_source
from helpers.settings import Source, load_assessment

AE_HEADER = "period,org_code,type,attendances,breaches,admissions\n"


def source(tmp_path: Path, text: str, reader: str = "nhsr_ae_attendances", **options) -> Source:
    (tmp_path / "in.csv").write_text(text, encoding="utf-8")
    return Source(path="in.csv", reader=reader, title="t", publisher="p", options=options)


def test_real_files_every_row_accounted_for(root):
    run = load_assessment("config/assessments/uec.yml", root)
    measures, ledger, rejected = ingest_sources(run)
    for row in ledger.itertuples():
        raw = len(pd.read_csv(root / row.file))
        assert row.rows_read == raw
        assert row.rows_accepted + row.rows_excluded + row.rows_rejected == raw
    ae = ledger.set_index("role").loc["ae_type1_2016_19"]
    # type 2 and other departments are excluded on purpose, with the reason
    assert ae.rows_excluded > 0 and "department type" in ae.reasons
    assert len(rejected) == 0


def test_type1_totals_match_the_raw_file(root):
    run = load_assessment("config/assessments/uec.yml", root)
    measures, _, _ = ingest_sources(run)
    raw = pd.read_csv(root / "data/raw/ae_attendances_2016_2019.csv", dtype={"type": str})
    t1 = raw[raw.type == "1"]
    m = measures[measures.source == "ae_type1_2016_19"]
    assert m[m.measure == "attendances"].value.sum() == t1.attendances.sum()
    assert m[m.measure == "within_4h"].value.sum() == (t1.attendances - t1.breaches).sum()


def test_non_numeric_value_names_file_line_and_column(tmp_path):
    rows = "2017-03-01,RF4,1,21289,2879,5060\n2017-03-01,RAL,1,12x,10,5\n"
    src = source(tmp_path, AE_HEADER + rows)
    result = read_source("ae", src, tmp_path)
    bad = result.rejected.iloc[0]
    assert (bad.file, bad.line, bad.column) == ("in.csv", 3, "attendances")
    assert "not a number" in bad.reason
    assert result.ledger["rows_rejected"] == 1 and result.ledger["rows_accepted"] == 1


def test_rejected_rows_stop_the_run_with_the_location(tmp_path, root):
    run = load_assessment("config/fast/uec-fast.yml", root)
    bad = tmp_path / "data/raw"
    bad.mkdir(parents=True)
    text = (root / "data/raw/trust_ae_monthly_2021_2025.csv").read_text().splitlines()
    cols = text[1].split(",")
    cols[3] = "-5"  # attendances_over_4hours negative on line 2
    text[1] = ",".join(cols)
    (bad / "trust_ae_monthly_2021_2025.csv").write_text("\n".join(text) + "\n")
    for f in (root / "data/raw").iterdir():
        if not (bad / f.name).exists():
            (bad / f.name).symlink_to(f)
    (tmp_path / "data/reference").symlink_to(root / "data/reference")
    moved = run.model_copy(update={"root": tmp_path})
    with pytest.raises(IngestError) as err:
        ingest_sources(moved)
    msg = str(err.value)
    assert "trust_ae_monthly_2021_2025.csv, line 2, column 'attendances_over_4hours'" in msg
    assert "negative count" in msg and "nothing was published" in msg


def test_missing_column_is_named(tmp_path):
    src = source(tmp_path, "period,org_code,type,attendances,admissions\n2017-03-01,RF4,1,1,1\n")
    with pytest.raises(
        IngestError, match=r"in.csv: no header row .*missing column\(s\) \['breaches'\]"
    ):
        read_source("ae", src, tmp_path)


def test_impossible_counts_and_duplicates_are_rejected(tmp_path):
    text = AE_HEADER + (
        "2017-03-01,RF4,1,100,200,5\n"  # more breaches than attendances
        "2017-04-01,RF4,1,100,10,5\n"
        "2017-04-01,RF4,1,100,10,5\n"  # duplicate
        "2017-04-01,RF4,2,100,10,5\n"  # type 2: excluded, not rejected
        "17/04/2017,RAL,1,100,10,5\n"  # bad date
    )
    res = read_source("ae", source(tmp_path, text), tmp_path)
    reasons = dict(zip(res.rejected.line, res.rejected.reason, strict=True))
    assert reasons[2] == "more 4-hour breaches than attendances"
    assert "duplicate" in reasons[3] and "duplicate" in reasons[4]
    assert "YYYY-MM-DD" in reasons[6]
    led = res.ledger
    assert (led["rows_read"], led["rows_accepted"], led["rows_excluded"], led["rows_rejected"]) == (
        5,
        0,
        1,
        4,
    )


def test_missing_value_markers_are_kept_as_missing(tmp_path):
    text = (
        "org_code,date,total_attendances,attendances_over_4hours,total_emergency_admissions,"
        "emergency_admissions_over_4hours\nRC9,2021-04-01,1000,,300,*\n"
    )
    res = read_source("t", source(tmp_path, text, reader="nhse_trust_ae_monthly"), tmp_path)
    assert res.ledger["rows_accepted"] == 1
    m = res.measures.set_index("measure").value
    assert pd.isna(m["over_4h"]) and pd.isna(m["dta_over_4h"]) and m["attendances"] == 1000
    # one set of markers for every reader: blank is missing, '*' a suppressed count
    assert "'attendances_over_4hours' blank (value missing): 1" in res.ledger["reasons"]
    assert (
        "'emergency_admissions_over_4hours' suppressed ('*', value missing): 1"
        in (res.ledger["reasons"])
    )


def test_unreadable_or_missing_file(tmp_path):
    src = Source(path="nope.csv", reader="nhsr_ae_attendances", title="t", publisher="p")
    with pytest.raises(IngestError, match="nope.csv: file not found"):
        read_source("x", src, tmp_path)


def test_glob_source_matches_relative_and_absolute_paths(tmp_path):
    """A user's settings may name their files by absolute path; a glob there works too."""
    for fy in ("2023-24", "2024-25"):
        (tmp_path / f"ae_{fy}.csv").write_text(AE_HEADER, encoding="utf-8")
    rel = Source(path="ae_*.csv", reader="nhsr_ae_attendances", title="t", publisher="p")
    assert [s.path for s in expand_source(rel, tmp_path)] == ["ae_2023-24.csv", "ae_2024-25.csv"]
    other = tmp_path / "elsewhere"
    other.mkdir()
    absolute = rel.model_copy(update={"path": str(tmp_path / "ae_*.csv")})
    assert [Path(s.path).name for s in expand_source(absolute, other)] == [
        "ae_2023-24.csv",
        "ae_2024-25.csv",
    ]
    with pytest.raises(IngestError, match="no file matches"):
        expand_source(rel.model_copy(update={"path": "none_*.csv"}), tmp_path)
