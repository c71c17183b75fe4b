"""The bad input corpus: each case writes one faulty input (a data file in a real or synthetic
layout, or a settings file) and says what the pipeline does with it: a documented treatment,
counted in the ledger, or a clear error naming the file (and the line or row, the column or
key) and the reason. Never a bare traceback, never a row lost without a count.

``tests/unit/ingest/test_bad_input_corpus.py`` checks every case; ``python
tests/tools/bad_input_corpus.py`` prints each case with what it gets (for the closing note).
A case is data: what is written (``what``), how it is read (``act``: a reader through
:func:`helpers.ingest.read_source`, or the settings through :func:`validate`, which is what
``assess validate`` does), and the expectation: ``error`` (the exception and a pattern of its
message) or the ledger (``counts``: rows read, accepted, excluded, rejected; ``reasons``;
``rejected``: (line, column, reason) of rejected cells).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from openpyxl import Workbook

from helpers.ingest import IngestError, check_sources, read_source
from helpers.ingest import reference as org_ref
from helpers.ingest.ledger import Ingested
from helpers.ingest.readers import record_level as rl
from helpers.settings import ConfigError, LoadedAssessment, Source, load_assessment

Act = Callable[[Path, Path], Any]  # (a scratch folder, the project root) -> what was read


@dataclass(frozen=True)
class Case:
    """One bad input and what it must get (see the module notes)."""

    id: str
    what: str
    act: Act
    error: tuple[type[Exception], str] | None = None
    counts: tuple[int, int, int, int] | None = None
    reasons: tuple[str, ...] = ()
    rejected: tuple[tuple[int, str, str], ...] = ()
    treatment: str = ""
    extra: Callable[[Any], None] | None = field(default=None, repr=False)


# --------------------------------------------------------------------------------------------
# how the inputs are written and read


def read(name: str, text: str | bytes, reader: str, **options: Any) -> Act:
    """Write ``text`` (bytes as they are, text as UTF-8) to ``name`` and read it with ``reader``
    as the pipeline does (:func:`helpers.ingest.read_source`)."""

    def act(folder: Path, root: Path) -> Ingested:
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
        src = Source(path=name, reader=reader, title="t", publisher="p", options=options)
        return read_source("case", src, folder)

    return act


def read_file(name: str, write: Callable[[Path], None], reader: str, **options: Any) -> Act:
    """Like :func:`read`, for a file written by ``write(path)`` (Excel, Parquet, gzip)."""

    def act(folder: Path, root: Path) -> Ingested:
        write(folder / name)
        src = Source(path=name, reader=reader, title="t", publisher="p", options=options)
        return read_source("case", src, folder)

    return act


def validate(path: Path, root: Path) -> LoadedAssessment:
    """What ``assess validate`` does with one settings file."""
    run = load_assessment(path, root)
    check_sources(run)
    return run


BASE_SETTINGS = "config/fast/uec-fast.yml"


def settings(edit: Callable[[dict, Path], None], name: str = "my.yml") -> Act:
    """The fast UEC settings with ``edit(settings, folder)`` applied, written to ``name`` in
    the scratch folder (outside the project), then validated as ``assess validate`` does."""

    def act(folder: Path, root: Path) -> LoadedAssessment:
        data = yaml.safe_load((root / BASE_SETTINGS).read_text(encoding="utf-8"))
        edit(data, folder)
        path = folder / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return validate(path, root)

    return act


def catalogue(edit: Callable[[dict], None]) -> Callable[[dict, Path], None]:
    """A settings edit that points at a copy of the UEC catalogue changed by ``edit``."""

    def change(data: dict, folder: Path) -> None:
        root = Path(__file__).resolve().parents[3]
        cat = yaml.safe_load((root / data["catalogue"]).read_text(encoding="utf-8"))
        edit(cat)
        (folder / "catalogue.yml").write_text(yaml.safe_dump(cat, sort_keys=False))
        data["catalogue"] = str(folder / "catalogue.yml")

    return change


def reference(
    key: str, text: str | None, call: Callable[[LoadedAssessment], Any], drop: tuple[str, ...] = ()
) -> Act:
    """The fast UEC settings with reference ``key`` pointing at a file holding ``text`` (or
    left out when ``text`` is None) and ``drop`` left out, validated, then ``call(run)``."""

    def act(folder: Path, root: Path) -> Any:
        def edit(data: dict, folder: Path) -> None:
            for k in drop:
                data["reference"].pop(k, None)
            if text is None:
                data["reference"].pop(key, None)
                return
            (folder / f"{key}.csv").write_text(text, encoding="utf-8")
            data["reference"][key] = {
                "path": str(folder / f"{key}.csv"),
                "reader": "local_priorities" if key == "local_priorities" else "ods",
                "title": key,
                "publisher": "p",
            }

        return call(settings(edit)(folder, root))

    return act


# --------------------------------------------------------------------------------------------
# valid inputs that the cases break

AE_COLUMNS = (
    "org_code,date,total_attendances,attendances_over_4hours,total_emergency_admissions,"
    "emergency_admissions_over_4hours"
)
AE_ROWS = ("RAA,2024-04-01,1000,200,300,30", "RBB,2024-04-01,800,100,250,20")
TRUST_AE = "nhse_trust_ae_monthly"


def ae(*rows: str, header: str = AE_COLUMNS) -> str:
    """A provider A&E file (``nhse_trust_ae_monthly``) with these data lines."""
    return "\n".join([header, *rows]) + "\n"


SITREP_HEADER = (
    "Period,Org Code,Parent Org,Org name,Total attendances,Attendances over 4hrs,"
    "Patients who have waited 12+ hrs from arrival,Emergency admissions,"
    "Number of patients spending >4 hours from decision to admit to admission"
)
SITREP_TITLE = (
    "SYNTHETIC DATA - not real NHS figures\n"
    '"A&E Attendances and Emergency Admissions, 2024/25"\n'
    "Source: a test\n\n"
)
SITREP_ROWS = (
    'MSitAE-APRIL-2024,ZA1,NHS ENGLAND X,ONE TRUST,"1,544",368,31,"2,107",94',
    "MSitAE-APRIL-2024,ZA2,NHS ENGLAND X,TWO TRUST,900,100,10,300,20",
)
SITREP_FOOT = "\nNote: figures are synthetic.\nNote: another footnote.\n"


def sitrep(*rows: str) -> str:
    return SITREP_TITLE + "\n".join([SITREP_HEADER, *rows]) + "\n" + SITREP_FOOT


def finance_xlsx(path: Path, rows: list[list[Any]] | None = None, sheet: str = "") -> None:
    """The finance workbook (``finance_plan_outturn``): two title rows, a blank, the header,
    data, a blank and two footnotes."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet or "Plan and outturn"
    ws.append(["SYNTHETIC DATA - not real NHS figures"])
    ws.append(["Financial plans and outturn, £000"])
    ws.append([])
    ws.append(
        [
            "Financial Year",
            "Org Code",
            "Org name",
            "Planned surplus/(deficit) £000",
            "Outturn surplus/(deficit) £000",
            "Operating income £000",
        ]
    )
    for r in rows or [
        ["2024/25", "ZA1", "ONE TRUST", -1200, -1500, 350000],
        ["2024/25", "ZA2", "TWO TRUST", 300, 100, 420000],
    ]:
        ws.append(r)
    ws.append([])
    ws.append(["Note: a negative figure is a deficit."])
    ws.append(["Source: a test"])
    wb.save(path)


def rtt_xlsx(path: Path, header: tuple[str, ...] = ("Apr-24", "May-24"), cells: Any = None) -> None:
    """The wide RTT workbook (``nhse_rtt_incomplete_wide``): a sheet per measure, a title row,
    the header, the England total row and two trusts."""
    wb = Workbook()
    wb.remove(wb.active)
    values = cells or {
        "Total incomplete": [[1000, 1100], [2000, 2100]],
        "Within 18 weeks": [[600, "*"], [1500, ""]],
        "Over 52 weeks": [[10, "-"], [20, ".."]],
    }
    for sheet, (a, b) in values.items():
        ws = wb.create_sheet(sheet)
        ws.append(["SYNTHETIC DATA - not real NHS figures"])
        ws.append(["Region Code", "Org Code", "Org Name", *header])
        ws.append(["-", "-", "Total", 3000, 3200])
        ws.append(["Y1", "ZA1", "ONE TRUST", *a])
        ws.append(["Y1", "ZA2", "TWO TRUST", *b])
    wb.save(path)


def gz(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


RTT_MONTHLY = (
    "org_code,org_name,level,region,month,within_18wk,total_incomplete,pct_within_18wk,"
    "waitlist,over_52wk\n"
    "RAA,A TRUST,provider,England,2024-06,70,100,0.7,100,2\n"
    "QAA,AN ICB,icb,England,2024-06,700,1000,0.7,1000,20\n"
)


def extract(rows: int = 40) -> pd.DataFrame:
    """A small valid record-level admissions extract (``record_level_admissions``)."""
    day = pd.Timestamp("2024-04-01")
    out = []
    for i in range(rows):
        adm = day + pd.Timedelta(days=3 * i)
        out.append(
            {
                "spell_id": i + 1,
                "patient_id": 100 + i % 7,
                "provider_code": "RAA" if i % 2 else "RBB",
                "icb_code": "QAA",
                "admission_date": adm.date(),
                "discharge_date": (adm + pd.Timedelta(days=2)).date(),
                "age_band": "70-74" if i % 3 else "45-49",
                "sex": "F" if i % 2 else "M",
                "imd_decile": 1 + i % 10,
                "diagnosis_group": "ACS_COPD" if i % 4 else "OTHER",
                "admission_method": "emergency" if i % 3 else "elective",
                "died": i % 5 == 0,
            }
        )
    return pd.DataFrame(out)


def parquet(frame: pd.DataFrame | None = None, cut: int = 0) -> Callable[[Path], None]:
    """Write ``frame`` (default :func:`extract`) as Parquet, the last ``cut`` bytes cut off."""

    def write(path: Path) -> None:
        table = pa.Table.from_pandas(
            frame if frame is not None else extract(), preserve_index=False
        )
        pq.write_table(table, path)
        if cut:
            path.write_bytes(path.read_bytes()[:-cut])

    return write


def extract_checks(write: Callable[[Path], None]) -> Act:
    """Validate a record-level extract (every row accounted for) without the outcome models."""

    def act(folder: Path, root: Path) -> Ingested:
        path = folder / "admissions.parquet"
        write(path)
        _, ledger, rejected = rl.read_extract(path, "case", file_label="admissions.parquet")
        return Ingested(measures=pd.DataFrame(), ledger=ledger, rejected=rejected)

    return act


def with_extract(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    return parquet(edit(extract()))


def _set(frame: pd.DataFrame, row: int, **values: Any) -> pd.DataFrame:
    frame = frame.copy()
    for k, v in values.items():
        frame[k] = frame[k].astype(object)
        frame.at[row, k] = v
    return frame


# --------------------------------------------------------------------------------------------
# the corpus

NOT_DATE = "not a date in YYYY-MM-DD form"
R = re.escape

CASES: tuple[Case, ...] = (
    # --- columns and the shape of the file ---------------------------------------------------
    Case(
        "missing-column",
        "provider A&E CSV without the column total_attendances",
        read("ae.csv", ae(header=AE_COLUMNS.replace("total_attendances,", "")), TRUST_AE),
        error=(IngestError, r"ae.csv: no header row .*missing column\(s\) \['total_attendances'\]"),
    ),
    Case(
        "renamed-column",
        "provider A&E CSV whose org_code column is headed 'Org Code'",
        read("ae.csv", ae(*AE_ROWS, header=AE_COLUMNS.replace("org_code", "Org Code")), TRUST_AE),
        error=(IngestError, r"ae.csv: no header row .*missing column\(s\) \['org_code'\]; the "),
    ),
    Case(
        "duplicate-column",
        "provider A&E CSV with the column date twice",
        read("ae.csv", ae(AE_ROWS[0] + ",2024-04-01", header=AE_COLUMNS + ",date"), TRUST_AE),
        error=(IngestError, r"ae.csv, row 1: duplicate column\(s\) \['date'\]"),
    ),
    Case(
        "empty-file",
        "a provider A&E CSV of 0 bytes",
        read("ae.csv", "", TRUST_AE),
        error=(IngestError, r"ae.csv: no header row .*the file has no rows"),
    ),
    Case(
        "header-only",
        "a provider A&E CSV with its header line and no data",
        read("ae.csv", ae(), TRUST_AE),
        counts=(0, 0, 0, 0),
        reasons=("header line (not data): 1",),
        treatment="nothing to read: 0 rows in the ledger; the metric's years show 'only 0 of 12 "
        "months reported'",
    ),
    Case(
        "extra-cells",
        "a line of the provider A&E CSV with one cell more than the header",
        read("ae.csv", ae(AE_ROWS[0] + ",99", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "org_code", "wrong number of fields on the line"),),
    ),
    Case(
        "data-after-blank-line",
        "a blank line in the middle of the provider A&E data",
        read("ae.csv", ae(AE_ROWS[0], "", AE_ROWS[1]), TRUST_AE),
        error=(IngestError, r"ae.csv, row 4: a data row after the end of the table .*row 3"),
    ),
    Case(
        "footnotes-flat",
        "two footnote lines after a blank line below the provider A&E data",
        read("ae.csv", ae(*AE_ROWS) + "\nSource: NHS England\nNote: provisional\n", TRUST_AE),
        counts=(2, 2, 0, 0),
        reasons=("blank and footnote lines below the table (not data): 3",),
    ),
    Case(
        "source-is-a-folder",
        "a source path that names a folder",
        settings(lambda d, f: d["sources"]["beds_2022_25"].update(path=str(f))),
        error=(ConfigError, r"my.yml: key 'sources.beds_2022_25.path': not a file"),
    ),
    # --- values ---------------------------------------------------------------------------------
    Case(
        "text-in-count",
        "'1O00' (letter O) in total_attendances",
        read("ae.csv", ae("RAA,2024-04-01,1O00,200,300,30", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "total_attendances", "not a number (and not a missing-value marker)"),),
    ),
    Case(
        "text-in-date",
        "'yesterday' in the date column",
        read("ae.csv", ae("RAA,yesterday,1000,200,300,30", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "date", NOT_DATE),),
    ),
    Case(
        "dates-in-several-formats",
        "dates 2024-04-01, 01/05/2024, 2024-06, June 2024 and 2024-07-01T00:00 in one column",
        read(
            "ae.csv",
            ae(
                "RAA,2024-04-01,1000,200,300,30",
                "RAA,01/05/2024,1000,200,300,30",
                "RAA,2024-06,1000,200,300,30",
                "RAA,June 2024,1000,200,300,30",
                "RAA,2024-07-01T00:00,1000,200,300,30",
            ),
            TRUST_AE,
        ),
        counts=(5, 1, 0, 4),
        rejected=((3, "date", NOT_DATE), (4, "date", NOT_DATE), (5, "date", NOT_DATE)),
        treatment="only the reader's documented form is read; every other row is rejected with "
        "its line, and the run stops unless max_rejected_rows allows them",
    ),
    Case(
        "negative-count",
        "-5 in total_emergency_admissions",
        read("ae.csv", ae("RAA,2024-04-01,1000,200,-5,0", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "total_emergency_admissions", "negative count"),),
    ),
    Case(
        "bracket-negative",
        "'(5)' (accounting negative) in attendances_over_4hours",
        read("ae.csv", ae("RAA,2024-04-01,1000,(5),300,30", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "attendances_over_4hours", "negative count"),),
    ),
    Case(
        "thousands-separators",
        'quoted "1,000" with a thousands separator',
        read("ae.csv", ae('RAA,2024-04-01,"1,000",200,300,30'), TRUST_AE),
        counts=(1, 1, 0, 0),
        treatment="read as 1000",
        extra=lambda r: r.measures.set_index("measure").value["attendances"] == 1000,
    ),
    Case(
        "numerator-over-denominator",
        "more 4-hour breaches (1,200) than attendances (1,000)",
        read("ae.csv", ae("RAA,2024-04-01,1000,1200,300,30", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "attendances_over_4hours", "more 4-hour breaches than attendances"),),
    ),
    Case(
        "zero-denominator",
        "a month with 0 attendances and 0 breaches",
        read("ae.csv", ae("RAA,2024-04-01,0,0,0,0", AE_ROWS[1]), TRUST_AE),
        counts=(2, 2, 0, 0),
        treatment="accepted (a month with no activity); a year whose denominator adds up to 0 "
        "gets no value and the reason 'none reported of the denominator'",
    ),
    Case(
        "duplicate-rows",
        "the same organisation and month twice",
        read("ae.csv", ae(AE_ROWS[0], AE_ROWS[1], AE_ROWS[0]), TRUST_AE),
        counts=(3, 1, 0, 2),
        rejected=(
            (2, "org_code", "duplicate row for date/org_code"),
            (4, "org_code", "duplicate row for date/org_code"),
        ),
        treatment="both rows rejected (neither can be trusted over the other)",
    ),
    Case(
        "blank-org-code",
        "a row with no organisation code",
        read("ae.csv", ae(",2024-04-01,1000,200,300,30", AE_ROWS[1]), TRUST_AE),
        counts=(2, 1, 0, 1),
        rejected=((2, "org_code", "blank organisation code"),),
    ),
    Case(
        "unknown-org-code",
        "an organisation code (ZZZ) in no reference file",
        read("ae.csv", ae("ZZZ,2024-04-01,1000,200,300,30", AE_ROWS[1]), TRUST_AE),
        counts=(2, 2, 0, 0),
        treatment="accepted and counted (readers do not know the organisation list); a code in "
        "no reference file has no organisation type, so it is in no peer group and is not "
        "assessed (a national headline from the same source still counts it)",
    ),
    Case(
        "unknown-icb-ons-code",
        "an ICB A&E row whose ONS code is not in the codes file",
        lambda folder, root: read(
            "icb_ae.csv",
            ae(
                "E54000008,2024-04-01,1000,200,300,30",
                "E99999999,2024-04-01,1000,200,300,30",
                header=AE_COLUMNS.replace("org_code", "icb22_code"),
            ),
            "nhse_icb_ae_monthly",
            codes=str(root / "data/raw/ons_icb_names_codes_dec2024.csv"),
        )(folder, root),
        counts=(2, 1, 0, 1),
        rejected=((3, "icb22_code", "not an ICB ONS code in"),),
    ),
    Case(
        "merged-code",
        "A&E rows published under RW3 and RM2, which merged into R0A (ODS successions)",
        lambda folder, root: _merged(folder, root),
        treatment="read under the published code; reported under the successor R0A (the "
        "successions table), the two contributors' counts added month by month",
        extra=lambda out: set(out) == {"R0A"},
    ),
    # --- missing and suppressed values ---------------------------------------------------------
    Case(
        "suppressed-star",
        "'*' (suppressed small count) in attendances_over_4hours",
        read("ae.csv", ae("RAA,2024-04-01,1000,*,300,30"), TRUST_AE),
        counts=(1, 1, 0, 0),
        reasons=("accepted with 'attendances_over_4hours' suppressed ('*', value missing): 1",),
        treatment="accepted, the value missing (the month counts only when numerator and "
        "denominator are both there)",
    ),
    Case(
        "marker-dash",
        "'-' in attendances_over_4hours",
        read("ae.csv", ae("RAA,2024-04-01,1000,-,300,30"), TRUST_AE),
        counts=(1, 1, 0, 0),
        reasons=("accepted with 'attendances_over_4hours' a missing-value marker",),
    ),
    Case(
        "marker-dots",
        "'..' in total_emergency_admissions",
        read("ae.csv", ae("RAA,2024-04-01,1000,200,..,30"), TRUST_AE),
        counts=(1, 1, 0, 0),
        reasons=("accepted with 'total_emergency_admissions' a missing-value marker",),
    ),
    Case(
        "marker-blank",
        "a blank cell in emergency_admissions_over_4hours",
        read("ae.csv", ae("RAA,2024-04-01,1000,200,300,"), TRUST_AE),
        counts=(1, 1, 0, 0),
        reasons=("accepted with 'emergency_admissions_over_4hours' blank (value missing): 1",),
    ),
    Case(
        "markers-wide-excel",
        "'*', '-', '..' and a blank cell in the wide RTT workbook",
        read_file("rtt.xlsx", rtt_xlsx, "nhse_rtt_incomplete_wide"),
        counts=(18, 11, 7, 0),
        reasons=(
            "accepted suppressed '*' (value missing): 1",
            "accepted with a missing-value marker (value missing): 2",
            "excluded: blank cell (nothing published for the organisation and month): 1",
            "excluded: England total row (not an organisation): 6",
        ),
        treatment="each organisation-month cell is a row: England total rows excluded, a blank "
        "cell excluded, markers accepted as missing",
    ),
    # --- published shapes: titles and footnotes ------------------------------------------------
    Case(
        "title-and-footnotes-csv",
        "an A&E sitrep CSV with three title lines, a blank, and footnotes",
        read("ae_monthly_2024-25.csv", sitrep(*SITREP_ROWS), "nhse_ae_sitrep"),
        counts=(2, 2, 0, 0),
        reasons=(
            "title lines above the header (not data): 4",
            "blank and footnote lines below the table (not data): 3",
        ),
    ),
    Case(
        "excel-title-and-footer",
        "the finance workbook with two title rows, a blank, and footnote rows",
        read_file("finance.xlsx", finance_xlsx, "finance_plan_outturn"),
        counts=(2, 2, 0, 0),
        reasons=(
            "title lines above the header (not data): 3",
            "blank and footnote lines below the table (not data): 3",
        ),
    ),
    Case(
        "excel-missing-sheet",
        "the finance workbook whose sheet is named 'Sheet1'",
        read_file(
            "finance.xlsx", lambda p: finance_xlsx(p, sheet="Sheet1"), "finance_plan_outturn"
        ),
        error=(IngestError, r"finance.xlsx: no sheet 'Plan and outturn' \(found \['Sheet1'\]\)"),
    ),
    Case(
        "excel-not-a-workbook",
        "a CSV saved with the name finance.xlsx",
        read("finance.xlsx", "a,b\n1,2\n", "finance_plan_outturn"),
        error=(IngestError, r"finance.xlsx: cannot be read as an Excel workbook"),
    ),
    Case(
        "excel-text-in-number",
        "'n/a' typed into the finance workbook's income cell",
        read_file(
            "finance.xlsx",
            lambda p: finance_xlsx(p, [["2024/25", "ZA1", "ONE", 1, 2, "n/a"]]),
            "finance_plan_outturn",
        ),
        counts=(1, 0, 0, 1),
        rejected=((5, "Operating income £000", "not a number"),),
    ),
    Case(
        "wide-month-header",
        "an RTT sheet whose month column is headed 'Month five'",
        read_file(
            "rtt.xlsx",
            lambda p: rtt_xlsx(p, header=("Apr-24", "Month five")),
            "nhse_rtt_incomplete_wide",
        ),
        error=(
            IngestError,
            r"rtt.xlsx, sheet 'Total incomplete', row 2, column 'Month five': not a month",
        ),
    ),
    Case(
        "sitrep-missing-count-column",
        "an A&E sitrep CSV without its column 'Patients who have waited 12+ hrs from arrival'",
        read(
            "ae_monthly_2024-25.csv",
            sitrep(*SITREP_ROWS)
            .replace("Patients who have waited 12+ hrs from arrival,", "")
            .replace(",31,", ",")
            .replace(",10,", ","),
            "nhse_ae_sitrep",
        ),
        error=(
            IngestError,
            r"ae_monthly_2024-25.csv: missing column\(s\) \['Patients who have waited 12\+ hrs",
        ),
    ),
    Case(
        "sitrep-period",
        "an A&E sitrep period misspelt MSitAE-SMARCH-2025",
        read(
            "ae_monthly_2024-25.csv",
            sitrep(SITREP_ROWS[0], SITREP_ROWS[1].replace("APRIL-2024", "SMARCH-2025")),
            "nhse_ae_sitrep",
        ),
        counts=(2, 1, 0, 1),
        rejected=((7, "Period", "not a period like MSitAE-APRIL-2024"),),
    ),
    Case(
        "survey-without-year",
        "a patient survey CSV whose name has no financial year",
        read(
            "survey.csv",
            "Org Code,Respondents,Positive responses\nZA1,100,80\n",
            "nhse_patient_survey",
        ),
        error=(IngestError, r"survey.csv: the financial year is neither in the file name"),
    ),
    # --- encodings and quotes -------------------------------------------------------------------
    Case(
        "utf8-bom",
        "a provider A&E CSV saved as UTF-8 with a byte order mark",
        read("ae.csv", "\ufeff".encode() + ae(*AE_ROWS).encode(), TRUST_AE),
        counts=(2, 2, 0, 0),
    ),
    Case(
        "cp1252-in-utf8-reader",
        "a provider A&E CSV saved as cp1252 with 'Hôpital' in a name column",
        read(
            "ae.csv",
            ae(AE_ROWS[0] + ",A", AE_ROWS[1] + ",Hôpital", header=AE_COLUMNS + ",name").encode(
                "cp1252"
            ),
            TRUST_AE,
        ),
        error=(
            IngestError,
            r"ae.csv, line 3 \(byte 0xf4 at character \d+\): not utf-8-sig text; .*'encoding'",
        ),
    ),
    Case(
        "cp1252-with-option",
        "the same cp1252 file with the source option encoding: cp1252",
        read(
            "ae.csv",
            ae(AE_ROWS[0] + ",A", AE_ROWS[1] + ",Hôpital", header=AE_COLUMNS + ",name").encode(
                "cp1252"
            ),
            TRUST_AE,
            encoding="cp1252",
        ),
        counts=(2, 2, 0, 0),
    ),
    Case(
        "cp1252-ukhsa",
        "UKHSA Table S6 in cp1252 (its published encoding) with '[x]' cells",
        lambda folder, root: read(
            "s6.csv",
            (
                "Species,Sustainability transformation partnerships code (NHS),2022 to 2023,"
                "2023 to 2024\nC. difficile ,QYG,[x],20.5\nMSSA,QYG,1.0,2.0\n"
            ).encode("cp1252"),
            "ukhsa_hcai_icb_rates",
            population=str(
                root / "data/raw/nhse_allocations_icb_populations_2023_24_to_2025_26.csv"
            ),
        )(folder, root),
        counts=(4, 1, 3, 0),
        reasons=(
            "organism other than MRSA, C. difficile and E. coli (out of scope): 2",
            "rate not collected ('[x]'): 1",
        ),
    ),
    Case(
        "stray-quote",
        'a stray quote after a quoted cell: "2024-04-01"x',
        read("ae.csv", ae('RAA,"2024-04-01"x,1000,200,300,30', AE_ROWS[1]), TRUST_AE),
        error=(IngestError, r"ae.csv, line 2: stray quote"),
    ),
    Case(
        "unclosed-quote",
        "a quote opened on line 2 and never closed (it would swallow every line after it)",
        read("ae.csv", ae('"RAA,2024-04-01,1000,200,300,30', *AE_ROWS), TRUST_AE),
        error=(IngestError, r"ae.csv, line 2: a quoted cell is never closed"),
    ),
    Case(
        "gzip-not-gzip",
        "plain text saved with the name rtt.csv.gz",
        read("rtt.csv.gz", RTT_MONTHLY, "nhse_rtt_incomplete_monthly"),
        error=(IngestError, r"rtt.csv.gz: cannot be read as CSV"),
    ),
    Case(
        "gzip-truncated",
        "a gzip file cut short",
        read_file(
            "rtt.csv.gz",
            lambda p: p.write_bytes(gzip.compress(RTT_MONTHLY.encode() * 50, mtime=0)[:-40]),
            "nhse_rtt_incomplete_monthly",
        ),
        error=(IngestError, r"rtt.csv.gz: cannot be read as CSV"),
    ),
    # --- rows out of scope and values not allowed -------------------------------------------------
    Case(
        "other-level-and-unknown-level",
        "RTT by provider and ICB with one row of level 'trust'",
        read_file(
            "rtt.csv.gz",
            gz(RTT_MONTHLY + "RCC,C TRUST,trust,England,2024-06,1,2,0.5,2,0\n"),
            "nhse_rtt_incomplete_monthly",
        ),
        counts=(3, 1, 1, 1),
        reasons=("level 'icb' (the source option level is 'provider'): 1",),
        rejected=((4, "level", "not one of ['provider', 'icb']"),),
    ),
    Case(
        "other-department-type",
        "NHS-R A&E rows of department type 2",
        read(
            "ae1619.csv",
            "period,org_code,type,attendances,breaches,admissions\n"
            "2017-03-01,RF4,1,21289,2879,5060\n2017-03-01,RF4,2,813,22,0\n",
            "nhsr_ae_attendances",
        ),
        counts=(2, 1, 1, 0),
        reasons=("department type other than 1 (out of scope): 1",),
    ),
    Case(
        "excluded-months",
        "a month the settings exclude (exclude_months: 2024-05)",
        read(
            "ae.csv",
            ae(AE_ROWS[0], "RAA,2024-05-01,1000,200,300,30"),
            TRUST_AE,
            exclude_months={"2024-05": "a copy of May 2023"},
        ),
        counts=(2, 1, 1, 0),
        reasons=("2024-05 excluded by the settings: a copy of May 2023: 1",),
    ),
    Case(
        "percentage-over-100",
        "a staff survey weighted % of 130",
        read(
            "nss.csv",
            "ODS code,Year,Stress_base,Stress_rate,Burned_out_base,Burned_out_rate,"
            "Enough_staff_base,Enough_staff_rate\nRAA,2023,100,130,100,30,100,40\n"
            "RBB,2023,100,30,100,30,100,40\n",
            "nhs_staff_survey_questions",
        ),
        counts=(2, 1, 0, 1),
        rejected=((2, "Stress_rate", "weighted % outside 0 to 100"),),
    ),
    Case(
        "parts-do-not-add-up",
        "cancer waits where within + breaches is not the total",
        read(
            "cancer_waits.csv",
            "Month,Org Code,Standard,Total,Within Standard,Breaches\n"
            "April 2024,ZA1,62-day,100,80,10\nApril 2024,ZA2,62-day,100,80,20\n",
            "nhse_cancer_waits",
        ),
        counts=(2, 1, 0, 1),
        rejected=((2, "Breaches", "within standard + breaches is not the total"),),
    ),
    Case(
        "plans-header-only",
        "a plans file with only its header line (an organisation with no plans)",
        read("plans.csv", "org_code,metric_id,month,planned_value\n", "plans"),
        counts=(0, 0, 0, 0),
        treatment="no plans: every organisation is shown without plans",
    ),
    # --- record-level extract (Parquet) ----------------------------------------------------------
    Case(
        "parquet-truncated",
        "a record-level Parquet extract with its last 100 bytes cut off",
        read_file("admissions.parquet", parquet(cut=100), "record_level_admissions"),
        error=(IngestError, r"admissions.parquet: cannot be read as Parquet"),
    ),
    Case(
        "parquet-missing-column",
        "a record-level extract without the column died",
        read_file(
            "admissions.parquet",
            with_extract(lambda f: f.drop(columns="died")),
            "record_level_admissions",
        ),
        error=(IngestError, r"admissions.parquet: missing column\(s\) \['died'\]"),
    ),
    Case(
        "parquet-dates-as-text",
        "a record-level extract with its dates written as text ('2024-02-30')",
        read_file(
            "admissions.parquet",
            with_extract(lambda f: f.assign(admission_date=f.admission_date.astype(str))),
            "record_level_admissions",
        ),
        error=(
            IngestError,
            r"admissions.parquet: column type\(s\): 'admission_date' is VARCHAR, not a date",
        ),
    ),
    Case(
        "parquet-impossible-dates",
        "spells discharged before admission, admitted on 1800-01-01 or discharged on 9999-12-31",
        extract_checks(
            with_extract(
                lambda f: _set(
                    _set(
                        _set(f, 0, discharge_date=pd.Timestamp("2024-03-01").date()),
                        1,
                        admission_date=pd.Timestamp("1800-01-01").date(),
                    ),
                    2,
                    discharge_date=pd.Timestamp("9999-12-31").date(),
                )
            )
        ),
        counts=(40, 37, 0, 3),
        rejected=(
            (1, "discharge_date", "discharge before admission"),
            (2, "admission_date", "admission date before 1900 or after 2099"),
            (3, "discharge_date", "discharge date before 1900 or after 2099"),
        ),
    ),
    Case(
        "parquet-duplicate-spell",
        "two spells with the same spell_id",
        extract_checks(with_extract(lambda f: _set(f, 1, spell_id=1))),
        counts=(40, 38, 0, 2),
        rejected=((1, "spell_id", "duplicate spell_id"), (2, "spell_id", "duplicate spell_id")),
    ),
    Case(
        "parquet-bad-codes",
        "a spell of sex 'X', age band '120+' and admission method 'urgent'",
        extract_checks(
            with_extract(lambda f: _set(f, 4, sex="X", age_band="120+", admission_method="urgent"))
        ),
        counts=(40, 39, 0, 1),
        rejected=(
            (5, "age_band", "unknown age band"),
            (5, "sex", "unknown sex (not M or F)"),
            (5, "admission_method", "unknown admission method"),
        ),
    ),
    # --- settings and catalogue: what `assess validate` catches before reading data ---------------
    Case(
        "catalogue-misspelt-key",
        "a catalogue metric with 'polarty:' for 'polarity:'",
        settings(
            catalogue(lambda c: c["metrics"][0].update(polarty=c["metrics"][0].pop("polarity")))
        ),
        error=(
            ConfigError,
            r"catalogue.yml: .*key 'metrics.0.polarty': Extra inputs .*did you mean 'polarity'",
        ),
    ),
    Case(
        "more-than-40-metrics",
        "a catalogue of 41 acute metrics, all selected",
        settings(
            catalogue(
                lambda c: c.update(metrics=[dict(c["metrics"][0], id=f"m{i}") for i in range(41)])
            )
        ),
        error=(ConfigError, r"my.yml: key 'metrics': 41 metrics selected; .*at most 40"),
    ),
    Case(
        "unknown-reader",
        "a source whose reader is 'nhse_beds_ocupancy' (misspelt)",
        settings(lambda d, f: d["sources"]["beds_2022_25"].update(reader="nhse_beds_ocupancy")),
        error=(ConfigError, r"my.yml: key 'sources.beds_2022_25.reader': unknown reader"),
    ),
    Case(
        "unknown-settings-key",
        "a settings file with 'finacial_years:'",
        settings(lambda d, f: d.update(finacial_years=d.pop("financial_years"))),
        error=(
            ConfigError,
            r"my.yml: .*key 'finacial_years': Extra inputs .*did you mean 'financial_years'",
        ),
    ),
    Case(
        "settings-not-yaml",
        "a settings file with a tab-indented line (not YAML)",
        lambda folder, root: validate(_write(folder / "my.yml", "id: x\n\ttitle: y\n"), root),
        error=(ConfigError, r"my.yml: not valid YAML"),
    ),
    Case(
        "settings-not-found",
        "a settings file name that does not exist",
        lambda folder, root: validate(folder / "nope.yml", root),
        error=(ConfigError, r"nope.yml: file not found"),
    ),
    Case(
        "missing-data-file",
        "a source whose file does not exist",
        settings(lambda d, f: d["sources"]["beds_2022_25"].update(path="data/raw/nope.csv")),
        error=(ConfigError, r"my.yml: key 'sources.beds_2022_25.path': file not found"),
    ),
    Case(
        "missing-optional-file-named",
        "the optional successions file named in the settings but not on disk",
        settings(lambda d, f: d["reference"]["successions"].update(path="data/raw/nope.csv")),
        error=(ConfigError, r"my.yml: key 'reference.successions.path': file not found"),
    ),
    Case(
        "missing-optional-files-left-out",
        "settings with no successions, plans or local priorities files",
        reference(
            "successions",
            None,
            lambda run: org_ref.successions(run)[0],
            drop=("successions_supplement",),
        ),
        treatment="the files are optional: no successions (every code is its own), no plans, no "
        "local priorities; assess validate passes and the run completes",
        extra=lambda out: len(out) == 0 and "old_code" in out.columns,
    ),
    Case(
        "successions-header-only",
        "a successions file with only its header line",
        reference(
            "successions", "old_code,new_code,date\n", lambda run: org_ref.successions(run)[0]
        ),
        treatment="no successions (an empty file is the header line alone)",
        extra=lambda out: len(out) == len(_supplement()),
    ),
    Case(
        "successions-missing-column",
        "a successions file without the column new_code",
        reference(
            "successions", "old_code,date\nRW3,2017-04-01\n", lambda r: org_ref.successions(r)
        ),
        error=(IngestError, r"successions.csv: line 1: missing column\(s\) \['new_code'\]"),
    ),
    Case(
        "local-priority-unknown-metric",
        "an ICB local priority naming a metric not in the catalogue",
        reference(
            "local_priorities",
            "icb_code,metric_id,reason\nQAA,no_such_metric,why\n",
            org_ref.local_priorities,
        ),
        error=(
            IngestError,
            r"local_priorities.csv: line 2, column 'metric_id': 'no_such_metric' not in the",
        ),
    ),
    Case(
        "no-organisations",
        "settings with neither an organisations file nor the ODS files",
        settings(lambda d, f: [d["reference"].pop(k) for k in ("trusts", "regions")]),
        error=(ConfigError, r"my.yml: key 'reference': no organisations.*missing: \['regions', "),
    ),
    Case(
        "plan-without-plans-source",
        "a catalogue metric with a plan: block and no plans source in the settings",
        settings(
            catalogue(
                lambda c: c["metrics"][0].update(
                    plan={"measure": "plan_x", "on": "value", "period": "year", "label": "x"}
                )
            )
        ),
        error=(ConfigError, r"key 'plan.source': 'plans' is not a source in my.yml.*`plan:` block"),
    ),
    Case(
        "bad-exclude-months",
        "exclude_months keyed '2025-2' (not YYYY-MM)",
        settings(
            lambda d, f: d["sources"]["beds_2022_25"]["options"].update(
                exclude_months={"2025-2": "copied"}
            )
        ),
        error=(ConfigError, r"key 'sources.beds_2022_25.options': option 'exclude_months'"),
    ),
    Case(
        "unknown-encoding",
        "the source option encoding: latin-9x",
        settings(lambda d, f: d["sources"]["beds_2022_25"]["options"].update(encoding="latin-9x")),
        error=(ConfigError, r"key 'sources.beds_2022_25.options.encoding': 'latin-9x' is not"),
    ),
    Case(
        "missing-required-option",
        "an ICB A&E source without its option codes",
        settings(
            lambda d, f: d["sources"].update(
                icb={
                    "path": "data/raw/icb_ae_monthly_2022_2025.csv",
                    "reader": "nhse_icb_ae_monthly",
                    "title": "t",
                    "publisher": "p",
                }
            )
        ),
        error=(ConfigError, r"key 'sources.icb.options': reader 'nhse_icb_ae_monthly' needs"),
    ),
    Case(
        "option-file-missing",
        "an ICB A&E source whose option codes names a missing file",
        settings(
            lambda d, f: d["sources"].update(
                icb={
                    "path": "data/raw/icb_ae_monthly_2022_2025.csv",
                    "reader": "nhse_icb_ae_monthly",
                    "title": "t",
                    "publisher": "p",
                    "options": {"codes": "data/raw/nope.csv"},
                }
            )
        ),
        error=(ConfigError, r"key 'sources.icb.options.codes': file not found: data/raw/nope.csv"),
    ),
    Case(
        "known-gap-unknown-metric",
        "a known reporting gap naming the metric 'ae_4h_pct' (misspelt)",
        settings(lambda d, f: d["known_gaps"][0].update(metrics=["ae_4h_pct"])),
        error=(ConfigError, r"my.yml: key 'known_gaps\[0\].metrics': \['ae_4h_pct'\] are not"),
    ),
    Case(
        "settings-outside-project",
        "a copy of config/fast/uec-fast.yml in a folder outside the project",
        settings(lambda d, f: None),
        treatment="works: paths inside it are from the project root (or absolute); the run "
        "passes it to the notebooks by its absolute path and provenance records that path and "
        "its SHA-256",
        extra=lambda run: run.settings.id == "uec-fast",
    ),
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _supplement() -> pd.DataFrame:
    root = Path(__file__).resolve().parents[3]
    return pd.read_csv(root / "data/reference/successions_supplement.csv")


def _merged(folder: Path, root: Path) -> set[str]:
    """Read two rows under merged codes and report them under their successor."""
    from helpers.indicators import attach_successors

    res = read("ae.csv", ae("RW3,2016-04-01,10,1,5,0", "RM2,2016-04-01,20,2,5,0"), TRUST_AE)(
        folder, root
    )
    run = load_assessment(BASE_SETTINGS, root)
    mapping, _ = org_ref.successions(run)
    return set(attach_successors(res.measures, mapping).org_code)


def outcome(case: Case, folder: Path, root: Path) -> tuple[str, Any]:
    """``("error", exception)`` or ``("ok", what was read)`` for one case."""
    try:
        return "ok", case.act(folder, root)
    except (IngestError, ConfigError) as exc:
        return "error", exc


def describe(case: Case, kind: str, got: Any) -> str:
    """What the case gets, in one paragraph (the error's message, or the ledger's counts and
    reasons, and the treatment in words)."""
    if kind == "error":
        return f"error ({type(got).__name__}): {got}"
    parts = []
    if isinstance(got, Ingested):
        led = got.ledger
        parts.append(
            f"ledger: read {led['rows_read']}, accepted {led['rows_accepted']}, excluded "
            f"{led['rows_excluded']}, rejected {led['rows_rejected']}"
            + (f" ({led['reasons']})" if led["reasons"] else "")
        )
        for r in got.rejected.drop_duplicates(["line", "column", "reason"]).itertuples():
            parts.append(f"rejected: line {r.line}, column '{r.column}': {r.reason}")
    if case.treatment:
        parts.append(case.treatment)
    return "; ".join(parts) or "read as it is"
