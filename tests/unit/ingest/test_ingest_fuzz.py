"""Fuzzing the readers (hypothesis): valid input files are mutated (lines dropped, duplicated,
cut short or blanked, cells replaced by hostile values, raw text and bytes inserted) and every
reader must either account for every row in the ledger or raise the project's own
:class:`IngestError` naming the file; never another exception.

Checked on every mutated file: read = accepted + excluded + rejected; for the long CSV layouts
every physical record is a data row or a counted non-data line (title, header, footnote); every
rejected row is listed with its line; accepted rows give their measures. Deterministic
(``derandomize=True``, no example database) and bounded (``max_examples``), so CI sees the same
examples every time in a few seconds per reader (``FUZZ_EXAMPLES`` for more by hand).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from helpers.ingest import IngestError, read_source
from helpers.ingest.ledger import Ingested
from helpers.ingest.parse import csv_rows
from helpers.settings import Source

#: examples per reader; ``FUZZ_EXAMPLES=2000 pytest tests/unit/ingest/test_ingest_fuzz.py`` digs
#: deeper by hand (still derandomized: the same number gives the same examples)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: cell values a published file might hold by mistake
HOSTILE = (
    "",
    " ",
    "*",
    "-",
    "..",
    "NA",
    "n/a",
    "0",
    "-5",
    "(3)",
    "1,000",
    "1e3",
    " 7 ",
    "12O4",
    "nan",
    "inf",
    "99999999999999999999",
    "2024-13-01",
    "2024-02-30",
    "April 2024",
    '"',
    'a"b',
    ",",
    "\n",
    "\ufeff",
    "Hôpital",
    "=SUM(A1)",
    "<b>x</b>",
)
cell_values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8))
#: what an Excel cell can hold (no control characters)
excel_values = st.one_of(
    st.sampled_from([v for v in HOSTILE if v != "\n"]),
    st.integers(-10, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8),
)


@st.composite
def mutations(draw: st.DrawFn, n_lines: int) -> list[tuple]:
    """One to four edits of a file of ``n_lines`` lines (line numbers drawn within range)."""
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("drop", "dup", "cell", "cell", "cut", "blank", "raw")))
        i = draw(st.integers(0, n_lines - 1))
        if kind == "cell":
            ops.append((kind, i, draw(st.integers(0, 9)), draw(cell_values)))
        elif kind in ("cut", "raw"):
            ops.append((kind, i, draw(st.integers(0, 60)), draw(cell_values)))
        else:
            ops.append((kind, i))
    return ops


def mutate(lines: list[str], ops: list[tuple]) -> list[str]:
    out = list(lines)
    for op in ops:
        if not out:
            break
        i = op[1] % len(out)
        if op[0] == "drop":
            del out[i]
        elif op[0] == "dup":
            out.insert(i, out[i])
        elif op[0] == "blank":
            out.insert(i, "")
        elif op[0] == "cut":
            out[i] = out[i][: op[2]]
        elif op[0] == "raw":  # unquoted text: commas, quotes and newlines as they come
            k = op[2] % (len(out[i]) + 1)
            out[i] = out[i][:k] + op[3] + out[i][k:]
        elif op[0] == "cell":  # a properly quoted cell value
            try:
                cells = next(csv.reader([out[i]])) if out[i] else [""]
            except csv.Error:  # a line an earlier edit broke: left as it is
                continue
            cells[op[2] % len(cells)] = op[3]
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(cells)
            out[i] = buf.getvalue()
    return out


def _non_data(reasons: str) -> int:
    """The lines the ledger counts as not data (title, header, blank and footnote lines)."""
    return sum(int(n) for n in re.findall(r"\(not data\): (\d+)", reasons))


def check_ledger(res: Ingested, name: str, records: int | None = None) -> None:
    led = res.ledger
    read = led["rows_read"]
    assert read == led["rows_accepted"] + led["rows_excluded"] + led["rows_rejected"]
    assert min(read, led["rows_accepted"], led["rows_excluded"], led["rows_rejected"]) >= 0
    assert led["file"] == name
    if records is not None:  # long layouts: every record is a data row or a counted line
        assert read + _non_data(led["reasons"]) == records, (read, led["reasons"], records)
        lines = set(res.rejected.line.astype(int)) if len(res.rejected) else set()
        assert len(lines) == led["rows_rejected"]


def read_text(name: str, data: bytes, reader: str, **options: object) -> tuple[object, int | None]:
    """Read ``data`` written as ``name``: ``(Ingested or IngestError, CSV records)``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            records = len(csv_rows(path, name))
        except IngestError:
            records = None
        src = Source(path=name, reader=reader, title="t", publisher="p", options=dict(options))
        try:
            return read_source("fuzz", src, Path(tmp)), records
        except IngestError as exc:
            assert str(exc).startswith(name), f"the error does not name the file: {exc}"
            return exc, records


def check_fuzzed_csv(
    name: str,
    lines: list[str],
    reader: str,
    ops: list[tuple],
    measures_per_row: int | None = None,
    compress: bool = False,
    **options: object,
) -> None:
    text = "\n".join(mutate(lines, ops)) + "\n"
    data = gzip.compress(text.encode("utf-8"), mtime=0) if compress else text.encode("utf-8")
    got, records = read_text(name, data, reader, **options)
    if isinstance(got, Ingested):
        check_ledger(got, name, records)
        if measures_per_row is not None:
            assert len(got.measures) == measures_per_row * got.ledger["rows_accepted"]


TRUST_AE = [
    "org_code,date,total_attendances,attendances_over_4hours,total_emergency_admissions,"
    "emergency_admissions_over_4hours",
    "RAA,2024-04-01,1000,200,300,30",
    "RBB,2024-04-01,800,100,250,20",
    "RAA,2024-05-01,1100,*,310,",
    "RBB,2024-05-01,850,-,..,21",
    'RCC,2024-05-01,"1,850",300,400,50',
]
SITREP = [
    "SYNTHETIC DATA - not real NHS figures",
    '"A&E Attendances and Emergency Admissions, 2024/25"',
    "",
    "Period,Org Code,Parent Org,Org name,Total attendances,Attendances over 4hrs,"
    "Patients who have waited 12+ hrs from arrival,Emergency admissions,"
    "Number of patients spending >4 hours from decision to admit to admission",
    'MSitAE-APRIL-2024,ZA1,NHS ENGLAND X,ONE TRUST,"1,544",368,31,"2,107",94',
    "MSitAE-APRIL-2024,ZA2,NHS ENGLAND X,TWO TRUST,900,100,10,300,20",
    "MSitAE-MAY-2024,ZA1,NHS ENGLAND X,ONE TRUST,1000,*,1,200,9",
    "",
    "Note: figures are synthetic.",
]
CANCER = [
    "Month,Org Code,Standard,Total,Within Standard,Breaches",
    "April 2024,ZA1,62-day,100,80,20",
    "April 2024,ZA1,28-day FDS,200,150,50",
    "April 2024,ZA2,62-day,4,*,*",
    "May 2024,ZA2,62-day,90,70,20",
]
RTT_MONTHLY = [
    "org_code,org_name,level,region,month,within_18wk,total_incomplete,pct_within_18wk,"
    "waitlist,over_52wk",
    "RAA,A TRUST,provider,England,2024-06,70,100,0.7,100,2",
    "QAA,AN ICB,icb,England,2024-06,700,1000,0.7,1000,20",
    "RAA,A TRUST,provider,England,2024-07,75,110,0.68,110,3",
]
PLANS = [
    "org_code,metric_id,month,planned_value",
    "ZA1,ae_4hr_pct,2024-04-01,76.5",
    "ZA1,finance_surplus_k,2024-04-01,-1200",
    "ZA2,ae_4hr_pct,2024-04-01,80",
]


@FUZZ
@given(mutations(len(TRUST_AE)))
def test_fuzz_flat_provider_ae(ops: list[tuple]) -> None:
    check_fuzzed_csv("ae.csv", TRUST_AE, "nhse_trust_ae_monthly", ops, measures_per_row=5)


@FUZZ
@given(mutations(len(SITREP)))
def test_fuzz_published_csv_with_titles_and_footnotes(ops: list[tuple]) -> None:
    check_fuzzed_csv("ae_monthly_2024-25.csv", SITREP, "nhse_ae_sitrep", ops, measures_per_row=6)


@FUZZ
@given(mutations(len(CANCER)))
def test_fuzz_cancer_waits(ops: list[tuple]) -> None:
    check_fuzzed_csv("cancer_waits.csv", CANCER, "nhse_cancer_waits", ops, measures_per_row=3)


@FUZZ
@given(mutations(len(RTT_MONTHLY)))
def test_fuzz_gzip_rtt_by_level(ops: list[tuple]) -> None:
    check_fuzzed_csv(
        "rtt.csv.gz", RTT_MONTHLY, "nhse_rtt_incomplete_monthly", ops, 3, compress=True
    )


@FUZZ
@given(mutations(len(PLANS)))
def test_fuzz_plans(ops: list[tuple]) -> None:
    check_fuzzed_csv("plans.csv", PLANS, "plans", ops, measures_per_row=1)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=6),
    st.sampled_from(("utf-8-sig", "cp1252")),
)
def test_fuzz_bytes_and_encodings(flips: list[tuple[int, int]], encoding: str) -> None:
    """Raw bytes overwritten anywhere (broken UTF-8, NUL, stray quotes and separators)."""
    data = bytearray(("\n".join(TRUST_AE) + "\n").encode("utf-8"))
    for pos, byte in flips:
        data[pos % len(data)] = byte
    got, records = read_text("ae.csv", bytes(data), "nhse_trust_ae_monthly", encoding=encoding)
    if isinstance(got, Ingested):
        check_ledger(got, "ae.csv", records)


# --- wide Excel sheets ---------------------------------------------------------------------

RTT_SHEETS = ("Total incomplete", "Within 18 weeks", "Over 52 weeks")
RTT_GRID = [[1000, 1100, 1200], [600, 700, 800], [10, 20, 30]]


@settings(FUZZ, max_examples=max(1, EXAMPLES * 5 // 12))
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), excel_values),
        max_size=5,
    ),
    st.lists(st.tuples(st.integers(0, 2), st.sampled_from(("drop", "dup"))), max_size=2),
)
def test_fuzz_wide_excel(cells: list[tuple], rows: list[tuple]) -> None:
    """The wide RTT workbook with cells replaced and organisation rows dropped or repeated:
    each organisation-month cell is a row of the ledger."""
    grid = {s: [list(RTT_GRID[k]) for _ in ("ZA1", "ZA2", "ZA3")] for k, s in enumerate(RTT_SHEETS)}
    for sheet, org, month, value in cells:
        grid[RTT_SHEETS[sheet]][org][month] = value
    orgs = [["Y1", code, f"TRUST {code}"] for code in ("ZA1", "ZA2", "ZA3")]
    with tempfile.TemporaryDirectory() as tmp:
        wb = Workbook()
        wb.remove(wb.active)
        n_rows = 0
        for sheet in RTT_SHEETS:
            ws = wb.create_sheet(sheet)
            ws.append(["SYNTHETIC DATA"])
            ws.append(["Region Code", "Org Code", "Org Name", "Apr-24", "May-24", "Jun-24"])
            body = [orgs[i] + grid[sheet][i] for i in range(3)]
            for i, op in rows:
                if op == "drop":
                    body.pop(i % len(body)) if len(body) > 1 else None
                else:
                    body.insert(i % len(body), body[i % len(body)])
            for r in body:
                ws.append(r)
            n_rows += len(body)
            ws.append([])
            ws.append(["Note: synthetic"])
        wb.save(Path(tmp) / "rtt.xlsx")
        src = Source(path="rtt.xlsx", reader="nhse_rtt_incomplete_wide", title="t", publisher="p")
        try:
            got = read_source("fuzz", src, Path(tmp))
        except IngestError as exc:
            assert str(exc).startswith("rtt.xlsx"), exc
            return
    check_ledger(got, "rtt.xlsx")
    assert got.ledger["rows_read"] == 3 * n_rows  # every organisation-month cell
    assert len(got.measures) == got.ledger["rows_accepted"]


# --- record-level extract (Parquet) ------------------------------------------------------------


def _extract(rows: int = 60) -> pd.DataFrame:
    day = pd.Timestamp("2023-04-01")
    return pd.DataFrame(
        {
            "spell_id": range(1, rows + 1),
            "patient_id": [100 + i % 9 for i in range(rows)],
            "provider_code": ["RAA" if i % 2 else "RBB" for i in range(rows)],
            "icb_code": ["QAA"] * rows,
            "admission_date": [(day + pd.Timedelta(days=5 * i)).date() for i in range(rows)],
            "discharge_date": [(day + pd.Timedelta(days=5 * i + 2)).date() for i in range(rows)],
            "age_band": ["70-74" if i % 3 else "45-49" for i in range(rows)],
            "sex": ["F" if i % 2 else "M" for i in range(rows)],
            "imd_decile": [1 + i % 10 for i in range(rows)],
            "diagnosis_group": ["ACS_COPD" if i % 4 else "OTHER" for i in range(rows)],
            "admission_method": ["emergency" if i % 3 else "elective" for i in range(rows)],
            "died": [i % 6 == 0 for i in range(rows)],
        }
    )


BAD_VALUES = {
    "spell_id": st.sampled_from([None, 1, 2]),
    "patient_id": st.sampled_from([None, 100]),
    "provider_code": st.sampled_from([None, "", " ", "ZZZ", "RAA"]),
    "icb_code": st.sampled_from([None, "", "QBB"]),
    "admission_date": st.sampled_from([None, "1800-01-01", "2024-02-29", "9999-12-31"]),
    "discharge_date": st.sampled_from([None, "1800-01-01", "2023-01-01", "9999-12-31"]),
    "age_band": st.sampled_from([None, "", "120+", "90+", "0-4"]),
    "sex": st.sampled_from([None, "X", "f", "M"]),
    "imd_decile": st.sampled_from([None, 0, 11, -1, 5]),
    "diagnosis_group": st.sampled_from([None, "", "ACS_UTI", "Z"]),
    "admission_method": st.sampled_from([None, "urgent", "emergency", "elective"]),
    "died": st.sampled_from([None, True, False]),
}


@st.composite
def extract_edits(draw: st.DrawFn) -> list[tuple]:
    ops = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(("drop", "dup", "cell", "cell")))
        i = draw(st.integers(0, 59))
        if kind == "cell":
            col = draw(st.sampled_from(sorted(BAD_VALUES)))
            ops.append((kind, i, col, draw(BAD_VALUES[col])))
        else:
            ops.append((kind, i))
    return ops


@settings(FUZZ, max_examples=max(1, EXAMPLES * 5 // 12))
@given(extract_edits())
def test_fuzz_record_level_extract(ops: list[tuple]) -> None:
    """Rows dropped, duplicated or given missing and invalid values (within the column types):
    every spell is accepted or rejected with its row, and the outcome measures are built from
    the accepted ones (or the case-mix model's own IngestError says why not)."""
    frame = _extract()
    for op in ops:
        i = op[1] % len(frame)
        if op[0] == "drop" and len(frame) > 1:
            frame = frame.drop(frame.index[i]).reset_index(drop=True)
        elif op[0] == "dup":
            frame = pd.concat([frame, frame.iloc[[i]]], ignore_index=True)
        elif op[0] == "cell":
            col, value = op[2], op[3]
            if col.endswith("_date") and value is not None:
                value = pd.Timestamp(value).date()
            frame[col] = frame[col].astype(object)
            frame.at[i, col] = value
    schema = pa.schema(
        [
            ("spell_id", pa.int64()),
            ("patient_id", pa.int64()),
            ("provider_code", pa.string()),
            ("icb_code", pa.string()),
            ("admission_date", pa.date32()),
            ("discharge_date", pa.date32()),
            ("age_band", pa.string()),
            ("sex", pa.string()),
            ("imd_decile", pa.int64()),
            ("diagnosis_group", pa.string()),
            ("admission_method", pa.string()),
            ("died", pa.bool_()),
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(
            pa.Table.from_pandas(frame, schema=schema, preserve_index=False),
            Path(tmp) / "a.parquet",
        )
        src = Source(path="a.parquet", reader="record_level_admissions", title="t", publisher="p")
        try:
            got = read_source("fuzz", src, Path(tmp))
        except IngestError as exc:  # e.g. a case-mix model that cannot be fitted, named
            assert "model" in str(exc) or str(exc).startswith("a.parquet"), exc
            return
    check_ledger(got, "a.parquet")
    led = got.ledger
    assert led["rows_read"] == len(frame)
    assert got.rejected.line.nunique() == led["rows_rejected"]
    m = got.measures
    spells = m[m.measure == "index_spells"].value.sum()
    deaths = m[m.measure == "observed_deaths"].value.sum()
    assert spells <= led["rows_accepted"] and deaths <= led["rows_accepted"]
