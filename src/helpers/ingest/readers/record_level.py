"""Outcome indicators from a record-level admissions extract (one row per spell), with DuckDB
(the default) or Spark.

The extract (``record_level/admissions.parquet``, columns as :data:`REQUIRED_COLUMNS`) is read
by DuckDB straight from Parquet; only aggregated tables reach pandas. The indicator definitions
are SQL written once (DuckDB's dialect) over a table named ``spells`` (:func:`readmission_sql`,
:func:`case_mix_cells_sql`, :func:`expected_deaths_sql`, :func:`acs_admissions_sql`) and run
unchanged on DuckDB or, translated by SQLGlot, on Spark (:mod:`helpers.ingest.record_engine`).
Steps:

1. :func:`read_extract` validates every row and accounts for it in a ledger row (the shape of
   :data:`helpers.ingest.ledger.LEDGER_COLUMNS`); rejected rows are named by their row number in the
   file (1-based) and column.
2. :func:`readmission_measures`, :func:`mortality_measures` and
   :func:`avoidable_admission_measures` turn the accepted spells into long monthly measures
   (``source, org_code_published, month, measure, value, stratum``), the pipeline's ingest
   format plus ``stratum`` ('' when not stratified).
3. :func:`read_record_level` is the reader (``reader: record_level_admissions``): it runs the
   steps above and keeps the fitted case-mix model (:mod:`helpers.ingest.casemix`) for the
   methodology page. The validation always runs on DuckDB; the measures run on the engine
   ``$ASSESS_RECORD_ENGINE`` names (``duckdb`` by default, or ``spark``: there the accepted
   rows are selected again by :func:`accepted_sql`, the same checks as SQL, and their count
   must equal the ledger's). :func:`helpers.indicators.dsr.annual_dsr` later sums the avoidable
   admissions over each financial year into directly age-standardised rates.

Measures:

============================ ================ ==============================================
function                     measure          meaning
============================ ================ ==============================================
readmission_measures         index_spells     spells discharged alive (``died`` false) in the
                                              month, with a full 30-day follow-up
readmission_measures         readmissions_30d those followed by an emergency admission of the
                                              same patient (any provider) 0-30 days after
                                              discharge; attributed to the index provider
                                              and discharge month
mortality_measures           observed_deaths  spells with ``died`` (in hospital or within 30
                                              days of discharge), by provider, discharge month
mortality_measures           expected_deaths  sum of the case-mix model's death probabilities
avoidable_admission_measures acs_admissions   emergency admissions for ACS conditions, by ICB
                                              of residence, admission month; stratum = age band
avoidable_admission_measures population       ICB population (both sexes), stratum = age band,
                                              month = April of the mid-year (the FY it serves)
============================ ================ ==============================================

Choices (for the methodology page):

* **Readmission index spells.** ``died`` cannot tell a death in hospital from one within 30
  days of discharge, so every spell with ``died`` true is excluded as an index spell (the
  patient either could not be readmitted or died soon after discharge; SHMI attributes the
  death to the last spell of the chain, so a spell followed by a readmission is not flagged).
  Elective and emergency index spells both count. Index spells discharged less than 30 days
  before the end of the extract (its last admission date, or ``period_end``) are excluded:
  their follow-up is incomplete. A readmission is an emergency admission of the same patient
  on or after the index discharge date and at most 30 days after it (day 30 counts, day 31
  does not), other than the index spell itself, at any provider; an index spell counts once
  however many readmissions follow it.
* **Mortality model.** Expected deaths come from a logistic case-mix model fitted for each
  financial year of discharge on covariate-pattern cells; see :mod:`helpers.ingest.casemix`.
  Spells discharged after the end of the extract are left out.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pandas as pd

from helpers.core.files import sha256
from helpers.ingest.casemix import CASE_MIX_FACTORS, CaseMixModel, Term, fit_case_mix
from helpers.ingest.ledger import MEASURE_COLUMNS as LEDGER_MEASURE_COLUMNS
from helpers.ingest.ledger import (
    REJECT_COLUMNS,
    Ingested,
    IngestError,
    SourceLike,
    ledger_row,
)
from helpers.ingest.record_engine import (
    DuckDBEngine,
    SparkEngine,
    SpellsEngine,
    duckdb_connection,
    engine_choice,
)
from helpers.stats.esp2013 import ESP2013_BANDS

REQUIRED_COLUMNS: tuple[str, ...] = (
    "spell_id",
    "patient_id",
    "provider_code",
    "icb_code",
    "admission_date",
    "discharge_date",
    "age_band",
    "sex",
    "imd_decile",
    "diagnosis_group",
    "admission_method",
    "died",
)
#: the ingest measure columns plus ``stratum`` ("" when a measure is not stratified)
MEASURE_COLUMNS = [*LEDGER_MEASURE_COLUMNS, "stratum"]
#: Emergency admissions for these diagnosis groups are ambulatory-care-sensitive ("avoidable").
ACS_GROUPS: tuple[str, ...] = (
    "ACS_COPD",
    "ACS_ASTHMA",
    "ACS_DIABETES",
    "ACS_HEART_FAILURE",
    "ACS_ANGINA",
    "ACS_HYPERTENSION",
    "ACS_EPILEPSY",
    "ACS_UTI",
    "ACS_CELLULITIS",
)
#: The column types the checks and aggregations need (DuckDB's names): a date written as text,
#: a flag as a number, ... is a structural error naming the column, its type and the one expected.
_INTS = tuple("TINYINT SMALLINT INTEGER BIGINT HUGEINT UTINYINT USMALLINT UINTEGER UBIGINT".split())
_INTEGER = ("an integer", _INTS)
_ID = ("an integer or text", (*_INTS, "VARCHAR"))
_TEXT = ("text (VARCHAR)", ("VARCHAR",))
_DATES = ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")
_DATE = ("a date (DATE or TIMESTAMP)", (*_DATES, "TIMESTAMP WITH TIME ZONE"))
COLUMN_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "spell_id": _ID,
    "patient_id": _ID,
    "provider_code": _TEXT,
    "icb_code": _TEXT,
    "admission_date": _DATE,
    "discharge_date": _DATE,
    "age_band": _TEXT,
    "sex": _TEXT,
    "imd_decile": _INTEGER,
    "diagnosis_group": _TEXT,
    "admission_method": _TEXT,
    "died": ("a boolean", ("BOOLEAN",)),
}
MAX_REJECTED_DETAIL = 1000
_TABLE_IDS = itertools.count(1)
READMISSION_WINDOW_DAYS = 30
#: what the measure functions read: a DuckDB relation of spells, or a Parquet file's path
Extract = duckdb.DuckDBPyRelation | Path | str
#: the type of ``month`` in the measures, whichever engine computed them
MONTH_DTYPE = "datetime64[us]"


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _in_list(values: object) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


#: dates outside these are impossible in an admissions extract (placeholders such as 1800-01-01
#: or 9999-12-31 stand for a missing date)
_FIRST_DAY, _LAST_DAY = "DATE '1900-01-01'", "DATE '2099-12-31'"


#: true for a provider code missing from the organisation list of :func:`read_extract`
_UNKNOWN_PROVIDER = "provider_code NOT IN (SELECT code FROM _known_providers)"


# (column, reason, SQL predicate that is true for a bad row); the first true one is the row's
# reason in the ledger, and every true one is listed in the rejected-row detail.
def _checks(known: bool, unknown_provider: str = _UNKNOWN_PROVIDER) -> list[tuple[str, str, str]]:
    checks = [
        ("spell_id", "missing spell id", "spell_id IS NULL"),
        ("patient_id", "missing patient id", "patient_id IS NULL"),
        (
            "provider_code",
            "blank provider code",
            "provider_code IS NULL OR trim(provider_code) = ''",
        ),
    ]
    if known:
        checks.append(
            (
                "provider_code",
                "provider code not in the organisation list",
                unknown_provider,
            )
        )
    checks += [
        ("icb_code", "blank ICB of residence", "icb_code IS NULL OR trim(icb_code) = ''"),
        ("admission_date", "missing admission date", "admission_date IS NULL"),
        ("discharge_date", "missing discharge date", "discharge_date IS NULL"),
        (
            "admission_date",
            "admission date before 1900 or after 2099 (a placeholder for a missing date?)",
            f"admission_date NOT BETWEEN {_FIRST_DAY} AND {_LAST_DAY}",
        ),
        (
            "discharge_date",
            "discharge date before 1900 or after 2099 (a placeholder for a missing date?)",
            f"discharge_date NOT BETWEEN {_FIRST_DAY} AND {_LAST_DAY}",
        ),
        ("discharge_date", "discharge before admission", "discharge_date < admission_date"),
        (
            "age_band",
            "unknown age band",
            f"age_band IS NULL OR age_band NOT IN {_in_list(ESP2013_BANDS)}",
        ),
        ("sex", "unknown sex (not M or F)", "sex IS NULL OR sex NOT IN ('M', 'F')"),
        (
            "imd_decile",
            "IMD decile not 1-10",
            "imd_decile IS NULL OR imd_decile < 1 OR imd_decile > 10",
        ),
        (
            "diagnosis_group",
            "blank diagnosis group",
            "diagnosis_group IS NULL OR trim(diagnosis_group) = ''",
        ),
        (
            "admission_method",
            "unknown admission method (not emergency or elective)",
            "admission_method IS NULL OR admission_method NOT IN ('emergency', 'elective')",
        ),
        ("died", "missing died flag", "died IS NULL"),
    ]
    return checks


DUPLICATE = ("spell_id", "duplicate spell_id", "")


def accepted_sql(known_providers: set[str] | None = None) -> str:
    """Engine-neutral SQL for the rows :func:`read_extract` accepts, read from a table named
    ``extract`` (the file as it is): every check of the validation, and no ``spell_id`` shared
    by two rows otherwise valid. The Spark engine selects its ``spells`` with it."""
    if known_providers is None:
        checks = _checks(False)
    elif known_providers:
        checks = _checks(True, f"provider_code NOT IN {_in_list(sorted(known_providers))}")
    else:  # an empty organisation list: no provider code is known
        checks = _checks(True, "true")
    bad = " OR ".join(f"coalesce({pred}, false)" for _, _, pred in checks)
    cols = ", ".join(REQUIRED_COLUMNS)
    return (
        f"WITH valid AS (SELECT {cols} FROM extract WHERE NOT ({bad})) "
        f"SELECT {cols} FROM valid WHERE spell_id NOT IN "
        f"(SELECT spell_id FROM valid GROUP BY spell_id HAVING count(*) > 1)"
    )


def read_extract(
    path: Path,
    role: str,
    known_providers: set[str] | None = None,
    *,
    file_label: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[duckdb.DuckDBPyRelation, dict, pd.DataFrame]:
    """Validate a record-level extract and return ``(accepted, ledger, rejected)``.

    ``accepted`` is a DuckDB relation of the accepted spells (the columns of
    :data:`REQUIRED_COLUMNS`) on ``con`` (by default a new connection from
    :func:`helpers.ingest.record_engine.duckdb_connection`: bounded memory, out of core): a view
    of the file, not a copy, so each query on it reads the file again. Rows are rejected for a
    discharge before admission, an unknown age band, sex, IMD decile or admission method, a
    missing value, a blank provider code, a provider code not in ``known_providers`` (when
    given) and a duplicated ``spell_id`` (every row sharing it, among rows otherwise valid).
    ``ledger`` is a ledger row (:func:`helpers.ingest.ledger.ledger_row`; exact counts, each
    rejected row counted under its first reason). ``rejected`` (columns
    :data:`helpers.ingest.ledger.REJECT_COLUMNS`; ``line`` = row number in the file, 1-based)
    lists every failing check for the first :data:`MAX_REJECTED_DETAIL` rejected rows only.

    A missing file or column raises :class:`helpers.ingest.ledger.IngestError`.
    """
    path = Path(path)
    label = file_label if file_label is not None else str(path)
    if not path.exists():
        raise IngestError(f"{label}: file not found")
    con = con if con is not None else duckdb_connection()
    src = f"read_parquet({_q(str(path))}, file_row_number = true)"
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"{label}: cannot be read as Parquet: {_first_line(exc)}") from None
    types = {c[0]: str(c[1]) for c in described if c[0] != "file_row_number"}
    columns = list(types)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise IngestError(f"{label}: missing column(s) {missing}; found {columns}")
    wrong = [
        f"'{c}' is {types[c]}, not {what}"
        for c, (what, ok) in COLUMN_TYPES.items()
        if types[c] not in ok
    ]
    if wrong:
        raise IngestError(f"{label}: column type(s): {'; '.join(wrong)}")
    try:
        return _validate(con, src, label, path, role, known_providers)
    except duckdb.Error as exc:  # a damaged page found while reading the rows
        raise IngestError(f"{label}: cannot be read as Parquet: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _validate(
    con: duckdb.DuckDBPyConnection,
    src: str,
    label: str,
    path: Path,
    role: str,
    known_providers: set[str] | None,
) -> tuple[duckdb.DuckDBPyRelation, dict, pd.DataFrame]:
    """The checks of :func:`read_extract` on a readable file with the required columns.

    Nothing is copied out of the file: a view gives each row its line and first failing check
    (``_bad``); one pass counts the rows by reason and the distinct ``spell_id`` values among
    rows otherwise valid; only when those are fewer than the rows does a second pass collect
    the shared values (a small table). The accepted rows are a view of the file, read again
    (out of core) by each measure query.
    """
    n = next(_TABLE_IDS)  # names of this call: earlier relations stay valid
    known = known_providers is not None
    unknown_provider = _UNKNOWN_PROVIDER
    if known:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _known_providers_{n} AS "
            "SELECT unnest(?::VARCHAR[]) AS code",
            [sorted(known_providers or ())],
        )
        unknown_provider = f"provider_code NOT IN (SELECT code FROM _known_providers_{n})"
    checks = _checks(known, unknown_provider)
    first_bad = " ".join(
        f"WHEN coalesce({pred}, false) THEN {i}" for i, (_, _, pred) in enumerate(checks)
    )
    cols = ", ".join(REQUIRED_COLUMNS)
    rows, dups = f"_rows_{n}", f"_duplicates_{n}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {rows} AS SELECT {cols}, file_row_number + 1 AS _line, "
        f"CASE {first_bad} ELSE NULL END::INTEGER AS _bad FROM {src}"
    )
    by_reason = con.execute(
        f"SELECT _bad, count(*), count(DISTINCT spell_id) FROM {rows} GROUP BY _bad"
    ).fetchall()
    counts = {bad: int(k) for bad, k, _ in by_reason}
    distinct_valid = sum(int(ids) for bad, _, ids in by_reason if bad is None)
    dup = len(checks)
    n_duplicated = 0
    if distinct_valid < counts.get(None, 0):  # a spell_id shared by rows otherwise valid
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {dups} AS SELECT spell_id, count(*) AS n "
            f"FROM {rows} WHERE _bad IS NULL GROUP BY spell_id HAVING count(*) > 1"
        )
        n_duplicated = int(con.execute(f"SELECT sum(n) FROM {dups}").fetchall()[0][0])
        counts[None] -= n_duplicated
        counts[dup] = n_duplicated
    in_dups = f"spell_id IN (SELECT spell_id FROM {dups})" if n_duplicated else "false"
    n_read = int(sum(counts.values()))
    n_rejected = int(sum(v for k, v in counts.items() if k is not None))
    all_checks = [*checks, DUPLICATE]
    reasons = {f"rejected: {all_checks[k][1]}": int(v) for k, v in counts.items() if k is not None}

    rows_ = []
    if n_rejected:
        bad = f"coalesce(_bad, CASE WHEN {in_dups} THEN {dup} END)"
        detail = con.execute(
            f"SELECT _line, {bad} AS _b, "
            + ", ".join(f"coalesce({pred}, false)" for _, _, pred in checks)
            + ", "
            + ", ".join(f"CAST({c} AS VARCHAR)" for c in REQUIRED_COLUMNS)
            + f" FROM {rows} WHERE {bad} IS NOT NULL ORDER BY _line LIMIT {MAX_REJECTED_DETAIL}"
        ).fetchall()
        for rec in detail:
            line, first = rec[0], rec[1]
            flags = rec[2 : 2 + len(checks)]
            values = dict(zip(REQUIRED_COLUMNS, rec[2 + len(checks) :], strict=True))
            failing = [i for i, f in enumerate(flags) if f] or [first]
            for i in failing:
                column, reason, _ = all_checks[i]
                rows_.append((label, int(line), column, values[column] or "", reason))
    rejected = pd.DataFrame(rows_, columns=REJECT_COLUMNS)

    ledger = ledger_row(
        label, sha256(path), role, n_read, n_read - n_rejected, 0, n_rejected, reasons
    )
    if n_rejected:
        accepted = con.sql(f"SELECT {cols} FROM {rows} WHERE _bad IS NULL AND NOT {in_dups}")
    else:  # every row accepted: the file as it is
        accepted = con.sql(f"SELECT {cols} FROM {src}")
    return accepted, ledger, rejected


def _engine(extract: Extract | None, engine: SpellsEngine | None) -> SpellsEngine:
    """The engine that runs a measure function's queries: ``engine``, or DuckDB over
    ``extract`` (exactly one of the two is given)."""
    if engine is not None and extract is None:
        return engine
    if extract is not None and engine is None:
        return DuckDBEngine(extract)
    raise TypeError("give the extract (run on DuckDB) or an engine, not both or neither")


def _fy_start_sql(date_col: str) -> str:
    """The first calendar year of a date column's financial year (2024 for 2024/25), as SQL."""
    return f"(year({date_col}) - CASE WHEN month({date_col}) < 4 THEN 1 ELSE 0 END)"


def _fy_label_sql(start: str) -> str:
    """The financial year ('2024/25') starting in the year ``start`` (SQL), as SQL."""
    return (
        f"(CAST({start} AS VARCHAR) || '/' || lpad(CAST(({start} + 1) % 100 AS VARCHAR), 2, '0'))"
    )


def _end_sql(period_end: str | pd.Timestamp | None) -> str:
    if period_end is None:
        return "(SELECT max(admission_date) FROM spells)"
    return f"DATE {_q(pd.Timestamp(period_end).strftime('%Y-%m-%d'))}"


def _long(
    wide: pd.DataFrame, source: str, org: str, measures: list[str], stratum: str | None = None
) -> pd.DataFrame:
    parts = []
    for m in measures:
        parts.append(
            pd.DataFrame(
                {
                    "source": source,
                    "org_code_published": wide[org].astype(str).to_numpy(),
                    "month": pd.to_datetime(wide["month"]).astype(MONTH_DTYPE).to_numpy(),
                    "measure": m,
                    "value": wide[m].to_numpy(dtype=float),
                    "stratum": wide[stratum].astype(str).to_numpy() if stratum else "",
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(
        ["org_code_published", "month", "measure", "stratum"], ignore_index=True
    )[MEASURE_COLUMNS]


def readmission_sql(
    window_days: int = READMISSION_WINDOW_DAYS, period_end: str | pd.Timestamp | None = None
) -> str:
    """Index spells and 30-day emergency readmissions per provider and discharge month, as
    engine-neutral SQL over ``spells`` (columns ``provider_code, month, index_spells,
    readmissions_30d``); see the module notes for the definition."""
    w = int(window_days)
    return f"""
        WITH idx AS (
            SELECT spell_id, patient_id, provider_code, discharge_date FROM spells
            WHERE NOT died AND discharge_date <= {_end_sql(period_end)} - {w}
        ),
        em AS (
            SELECT spell_id, patient_id, admission_date FROM spells
            WHERE admission_method = 'emergency'
        ),
        hit AS (  -- a semi join: each index spell once, however many readmissions
            SELECT i.spell_id FROM idx i SEMI JOIN em e
              ON e.patient_id = i.patient_id AND e.spell_id <> i.spell_id
             AND e.admission_date >= i.discharge_date
             AND e.admission_date <= i.discharge_date + {w}
        )
        SELECT i.provider_code, date_trunc('month', i.discharge_date) AS month,
               count(*) AS index_spells, count(h.spell_id) AS readmissions_30d
        FROM idx i LEFT JOIN hit h ON h.spell_id = i.spell_id
        GROUP BY i.provider_code, date_trunc('month', i.discharge_date)
        ORDER BY provider_code, month
    """


def readmission_measures(
    extract: Extract | None = None,
    *,
    engine: SpellsEngine | None = None,
    source: str = "record_level_admissions",
    window_days: int = READMISSION_WINDOW_DAYS,
    period_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """30-day emergency readmissions per index provider and discharge month (long measures).

    Measures ``index_spells`` (denominator) and ``readmissions_30d`` (numerator); see the
    module notes for the definition. ``period_end`` (default: the last admission date in the
    extract) bounds the follow-up: index spells discharged after ``period_end - window_days``
    are left out. The spells are ``extract`` (read with DuckDB) or those of ``engine``
    (:mod:`helpers.ingest.record_engine`).
    """
    wide = _engine(extract, engine).sql(readmission_sql(window_days, period_end))
    return _long(wide, source, "provider_code", ["index_spells", "readmissions_30d"])


def _eta_sql(coefs: dict[str, list[Term]]) -> str:
    """SQL for the linear predictor, with each year's coefficients."""
    years = []
    for year, terms in coefs.items():
        parts = []
        by_factor: dict[str, list[tuple[str, float]]] = {}
        for (factor, level), b in terms:
            if factor == "(Intercept)":
                parts.append(repr(float(b)))
            else:
                by_factor.setdefault(factor, []).append((level, b))
        for factor, levels in by_factor.items():
            whens = " ".join(f"WHEN {_q(lv)} THEN {float(b)!r}" for lv, b in levels)
            parts.append(f"(CASE CAST({factor} AS VARCHAR) {whens} ELSE 0 END)")
        years.append(f"WHEN {_q(year)} THEN " + " + ".join(parts))
    return f"(CASE fy {' '.join(years)} END)"


def _scored_spells_sql(period_end: str | pd.Timestamp | None) -> str:
    """The spells discharged by ``period_end``, with the first year of their financial year of
    discharge ``fy_start`` (a number: the label '2024/25' is made for the few cells, not for
    every spell)."""
    return (
        f"SELECT *, {_fy_start_sql('discharge_date')} AS fy_start FROM spells "
        f"WHERE discharge_date <= {_end_sql(period_end)}"
    )


def case_mix_cells_sql(period_end: str | pd.Timestamp | None = None) -> str:
    """The covariate-pattern cells the case-mix model is fitted on, as engine-neutral SQL over
    ``spells``: spells and deaths per financial year of discharge (``fy``, '2024/25') and
    combination of the :data:`helpers.ingest.casemix.CASE_MIX_FACTORS`, in a fixed order (the
    fit depends on it in the last digits)."""
    keys = ", ".join(CASE_MIX_FACTORS)
    return (
        f"WITH s AS ({_scored_spells_sql(period_end)}) "
        f"SELECT {_fy_label_sql('fy_start')} AS fy, {keys}, spells, deaths FROM ("
        f"SELECT fy_start, {keys}, count(*) AS spells, "
        f"CAST(sum(CAST(died AS INTEGER)) AS BIGINT) AS deaths FROM s "
        f"GROUP BY fy_start, {keys}) AS cells ORDER BY fy, {keys}"
    )


def expected_deaths_sql(
    coefs: dict[str, list[Term]], period_end: str | pd.Timestamp | None = None
) -> str:
    """Observed deaths and the case-mix model's expected deaths (``coefs``: each financial
    year's coefficients) per provider and discharge month, as engine-neutral SQL over
    ``spells`` (columns ``provider_code, month, observed_deaths, expected_deaths``).

    The model's probability is computed once per covariate pattern (financial year and
    factors: tens of thousands, not millions of spells) and joined to the spells; it is the
    same expression on the same values, so the same number as computed spell by spell.
    """
    eta = _eta_sql(coefs)
    keys = ("fy_start", *CASE_MIX_FACTORS)
    month = "date_trunc('month', s.discharge_date)"
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM p.{k}" for k in keys)
    return (
        f"WITH s AS ({_scored_spells_sql(period_end)}), "
        f"p AS (SELECT {', '.join(keys)}, "
        # summed as exact decimals: DuckDB adds doubles in a thread-dependent order, which
        # changed the last digits of expected deaths from one run to the next
        f"CAST(1.0 / (1.0 + exp(-{eta})) AS DECIMAL(38, 18)) AS p FROM ("
        f"SELECT *, {_fy_label_sql('fy_start')} AS fy "
        f"FROM (SELECT DISTINCT {', '.join(keys)} FROM s) AS distinct_patterns) AS patterns) "
        f"SELECT s.provider_code, {month} AS month, "
        f"sum(CAST(s.died AS INTEGER)) AS observed_deaths, "
        f"CAST(sum(p.p) AS DOUBLE) AS expected_deaths FROM s JOIN p ON {on} "
        f"GROUP BY s.provider_code, {month} ORDER BY provider_code, month"
    )


def mortality_measures(
    extract: Extract | None = None,
    *,
    engine: SpellsEngine | None = None,
    source: str = "record_level_admissions",
    period_end: str | pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, CaseMixModel]:
    """Observed and case-mix-expected deaths per provider and discharge month (SHMI-like).

    Returns ``(measures, model)``: long measures ``observed_deaths`` and ``expected_deaths``
    (the pipeline computes O/E with exact/Byar's limits, e.g. ``isr``), and the fitted
    :class:`helpers.ingest.casemix.CaseMixModel` (coefficients and c-statistic per financial
    year). Spells discharged after ``period_end`` (default: the end of the extract) are left
    out. The spells are ``extract`` (read with DuckDB) or those of ``engine``.
    """
    run = _engine(extract, engine)
    cells = run.sql(case_mix_cells_sql(period_end))
    cells = cells.astype({"fy": str, "spells": "int64", "deaths": "int64"})
    coefs, model = fit_case_mix(cells)
    if not coefs:
        return pd.DataFrame(columns=MEASURE_COLUMNS), model
    wide = run.sql(expected_deaths_sql(coefs, period_end))
    measures = _long(wide, source, "provider_code", ["observed_deaths", "expected_deaths"])
    return measures, model


POPULATION_COLUMNS = ("icb_code", "year", "age_band", "sex", "population")


def _population_frame(population: pd.DataFrame | Path | str, label: str = "") -> pd.DataFrame:
    """The ICB population table (``label``: how the file is named in errors)."""
    if isinstance(population, pd.DataFrame):
        return population
    label = label or str(population)
    if not Path(population).is_file():
        raise IngestError(f"{label} (source option 'population'): file not found")
    try:
        pop = pd.read_csv(population, dtype={"icb_code": str, "age_band": str, "sex": str})
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{label}: cannot be read as CSV: {_first_line(exc)}") from None
    missing = [c for c in POPULATION_COLUMNS if c not in pop.columns]
    if missing:
        raise IngestError(f"{label}: line 1: missing column(s) {missing}")
    for col in ("year", "population"):
        bad = pd.to_numeric(pop[col], errors="coerce").isna()
        if bad.any():
            line = int(bad.to_numpy().argmax()) + 2
            raise IngestError(
                f"{label}: line {line}, column '{col}': {pop[col].iloc[line - 2]!r} is not a number"
            )
    return pop


def acs_admissions_sql(acs_groups: tuple[str, ...] = ACS_GROUPS) -> str:
    """Emergency admissions for the ACS diagnosis groups ``acs_groups`` per ICB of residence,
    admission month and age band, as engine-neutral SQL over ``spells`` (columns ``icb_code,
    month, age_band, acs_admissions``)."""
    month = "date_trunc('month', admission_date)"
    return (
        f"SELECT icb_code, {month} AS month, age_band, count(*) AS acs_admissions "
        f"FROM spells WHERE admission_method = 'emergency' "
        f"AND diagnosis_group IN {_in_list(acs_groups)} "
        f"GROUP BY icb_code, {month}, age_band ORDER BY icb_code, month, age_band"
    )


def avoidable_admission_measures(
    extract: Extract | None,
    population: pd.DataFrame | Path | str,
    *,
    engine: SpellsEngine | None = None,
    source: str = "record_level_admissions",
    acs_groups: tuple[str, ...] = ACS_GROUPS,
    population_label: str = "",
) -> pd.DataFrame:
    """Emergency ACS admissions by ICB of residence, admission month and age band, plus the
    ICB population by year and age band (both sexes), as long measures with ``stratum``.

    ``acs_admissions``: one row per ICB, month and age band with at least one admission (absent
    cells are zero). ``population``: one row per ICB, mid-year and age band, dated 1 April of
    the mid-year (the financial year it serves). ``population`` is the population table or CSV
    (icb_code, year, age_band, sex, population). The spells are ``extract`` (read with DuckDB;
    None when ``engine`` is given) or those of ``engine``.
    """
    wide = _engine(extract, engine).sql(acs_admissions_sql(acs_groups))
    acs = _long(wide, source, "icb_code", ["acs_admissions"], stratum="age_band")
    pop = _population_frame(population, population_label)
    pop = (
        pop.assign(year=pop["year"].astype(int))
        .groupby(["icb_code", "year", "age_band"], as_index=False)["population"]
        .sum()
    )
    pop["month"] = pd.to_datetime(pop["year"].astype(str) + "-04-01").astype(acs["month"].dtype)
    pop_long = _long(pop, source, "icb_code", ["population"], stratum="age_band")
    return pd.concat([acs, pop_long], ignore_index=True)[MEASURE_COLUMNS]


def record_engine(
    path: Path, accepted: duckdb.DuckDBPyRelation, ledger: dict, label: str
) -> SpellsEngine:
    """The engine of the reader's measures (``$ASSESS_RECORD_ENGINE``): DuckDB over the
    ``accepted`` rows of :func:`read_extract`, or Spark over the file at ``path`` with the
    accepted rows selected again by :func:`accepted_sql`; their count must equal the ledger's
    (``label`` names the file in the error if not)."""
    if engine_choice() != "spark":
        return DuckDBEngine(accepted)
    engine = SparkEngine(path, spells_sql=accepted_sql())
    n = int(engine.sql("SELECT count(*) AS n FROM spells")["n"].iloc[0])
    if n != ledger["rows_accepted"]:
        raise IngestError(
            f"{label}: Spark selects {n:,d} accepted rows, the validation "
            f"{ledger['rows_accepted']:,d}"
        )
    return engine


def read_record_level(key: str, source: SourceLike, root: Path) -> Ingested:
    """A record-level admissions extract (Parquet, one row per spell), validated with DuckDB
    and aggregated (with DuckDB, or Spark: :func:`record_engine`) into the outcome measures:
    30-day emergency readmissions, observed and case-mix-expected deaths (SHMI-like), and
    emergency admissions for ambulatory-care-sensitive conditions by ICB of residence and age
    band, with the ICB population (``options.population``)."""
    path = root / source.path
    relation, ledger, rejected = read_extract(path, key, file_label=source.path)
    engine = record_engine(path, relation, ledger, source.path)
    parts = [readmission_measures(engine=engine, source=key)]
    mortality, model = mortality_measures(engine=engine, source=key)
    parts.append(mortality)
    if "population" in source.options:
        rel = str(source.options["population"])
        parts.append(
            avoidable_admission_measures(
                None, root / rel, engine=engine, source=key, population_label=rel
            )
        )
    measures = pd.concat(parts, ignore_index=True)
    ingested = Ingested(measures=measures, ledger=ledger, rejected=rejected)
    ingested.extra["case_mix_model"] = model
    return ingested
