"""The one engine that validates a table and accounts for every row.

A reader declares *what* its file holds as a :class:`TableSpec` (the columns, how the period is
written, which columns are counts, the row checks, the key, rows out of scope) and the engine
does the rest the same way for every reader:

1. find the table in the file (title rows above, footnotes below: :mod:`helpers.ingest.parse`);
2. parse organisation codes, periods and numbers, keeping missing and suppressed values as
   missing;
3. set aside rows out of scope (``exclude``) with their reason, then reject invalid rows, naming
   file, line, column, value and reason: a malformed line, a blank organisation code, an
   unreadable period, a value not allowed, a non-number, a negative count (unless the column is
   ``signed``), a failed row check (only on rows otherwise valid), a duplicate key;
4. turn the accepted rows into long monthly measures (``spec.measures``) and write the ledger
   row: read = accepted + excluded + rejected, with the reasons.

Wide layouts (one column per month, as RTT and DM01 publish them) are melted into one cell per
organisation and month and validated by :func:`finish_cells`, with the same ledger contract.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core.files import sha256
from helpers.ingest.ledger import (
    Ingested,
    IngestError,
    Rejects,
    RowCheck,
    SourceLike,
    empty_measures,
    ledger_row,
    rejected_reasons,
)
from helpers.ingest.parse import (
    DEFAULT_ENCODING,
    MISSING,
    SUPPRESSED,
    Table,
    csv_rows,
    excel_sheets,
    find_table,
    month_from_header,
    numbers,
)

#: A reader's measures: (measure name, or a Series of names per row; values).
MeasureList = list[tuple[str | pd.Series, pd.Series]]


def _no_reason(_options: Mapping[str, Any]) -> str:
    return "excluded"


@dataclass(frozen=True)
class TableSpec:
    """How to read and validate one kind of published table (a row per organisation and
    period).

    ``required``: columns the header must have (the header row is found by them).
    ``org`` and ``month``: the organisation column, and the column blamed for an unreadable
    period; ``parse_month(raw) -> Series`` reads the period (first of the month).
    ``numeric``: count columns (negative counts are rejected unless the column is ``signed``).
    ``measures(accepted) -> MeasureList``: the long measures of the accepted rows.
    ``checks``: row checks, applied to rows that are otherwise valid.
    ``key``: columns that identify a row (``org`` and ``month`` stand for the parsed values);
    duplicated keys are rejected. ``allowed``: column -> the values it may take.
    ``exclude(raw, options) -> Series``: rows out of scope (never validated), counted in the
    ledger under ``exclude_reason(options)``; or, when rows are out of scope for different
    reasons, a text Series of each row's reason (blank: in scope), counted per reason.
    ``org_map``: published organisation code -> the code to report under (e.g. an ICB's ONS code
    -> its ODS code); a code not in it is rejected with ``org_map_error``.
    ``header_of``: for a wide table melted into one row per cell, value column -> the column
    holding each cell's original header, which rejections name instead (the ledger counts each
    cell of such a table once, under its first reason).
    Blank cells and the markers :data:`helpers.ingest.parse.MISSING` (or the source option
    ``missing_markers``) are missing values, ``*`` a suppressed count; the ledger counts both.
    """

    required: tuple[str, ...]
    org: str
    month: str
    parse_month: Callable[[pd.DataFrame], pd.Series]
    month_error: str
    numeric: tuple[str, ...]
    measures: Callable[[pd.DataFrame], MeasureList]
    checks: tuple[RowCheck, ...] = ()
    key: tuple[str, ...] = ()
    signed: tuple[str, ...] = ()
    allowed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: Callable[[pd.DataFrame, Mapping[str, Any]], pd.Series] | None = None
    exclude_reason: Callable[[Mapping[str, Any]], str] = _no_reason
    org_map: Mapping[str, str] | None = None
    org_map_error: str = "organisation code not in the code lookup"
    header_of: Mapping[str, str] = field(default_factory=dict)


def read_table(
    key: str, source: SourceLike, root: Path, spec: TableSpec, sheet: str | None = None
) -> Ingested:
    """Read one CSV file (or one sheet of an Excel workbook: ``sheet``, default the first) with
    ``spec`` and validate it."""
    path = root / source.path
    where = source.path
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = excel_sheets(path, source.path)
        name = sheet if sheet is not None else next(iter(sheets), "")
        if name not in sheets:
            raise IngestError(f"{source.path}: no sheet {name!r} (found {list(sheets)})")
        rows = sheets[name]
        where = f"{source.path}, sheet '{name}'"
    else:
        encoding = str((source.options or {}).get("encoding", DEFAULT_ENCODING))
        rows = csv_rows(path, source.path, encoding)
    table = find_table(rows, spec.required, where)
    return finish(key, source, path, table, spec)


_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_exclude_months(drop: object, where: str) -> None:
    """The source option ``exclude_months`` maps months ``"YYYY-MM"`` to a reason; raise
    :class:`IngestError` naming ``where`` (the file, or the settings key) otherwise."""
    if not isinstance(drop, Mapping):
        raise IngestError(
            f"{where}: option 'exclude_months' must map months 'YYYY-MM' to a reason (not {drop!r})"
        )
    wrong = [m for m in drop if not (isinstance(m, str) and _YEAR_MONTH.match(m))]
    if wrong:
        raise IngestError(f"{where}: option 'exclude_months': {wrong} are not months 'YYYY-MM'")


def _excluded_months(
    source: SourceLike,
    month: pd.Series,
    excluded: pd.Series,
    bad: pd.Series,
    excluded_by: dict[str, int],
) -> tuple[pd.Series, dict[str, int]]:
    """The source option ``exclude_months`` (``{"YYYY-MM": reason}``): every row of those
    months is excluded with the reason (e.g. a month the published file repeats from a year
    before). A key that is not a month stops the run with the file named."""
    drop = (source.options or {}).get("exclude_months") or {}
    if not drop:
        return excluded, excluded_by
    check_exclude_months(drop, source.path)
    ym = pd.to_datetime(month, errors="coerce").dt.strftime("%Y-%m")
    out = dict(excluded_by)
    hit = pd.Series(False, index=month.index)
    for reason in dict.fromkeys(drop[m] for m in sorted(drop)):
        months = sorted(m for m in drop if drop[m] == reason)
        rows = ym.isin(months) & ~excluded & ~bad  # a rejected row stays rejected
        if rows.any():
            when = (
                ", ".join(months)
                if len(months) <= 3
                else (f"{months[0]} to {months[-1]} ({len(months)} months)")
            )
            out[f"{when} excluded by the settings: {reason}"] = int(rows.sum())
        hit |= rows
    return excluded | hit, out


def finish(key: str, source: SourceLike, path: Path, table: Table, spec: TableSpec) -> Ingested:
    """Validate the rows of a located table with ``spec`` (see the module notes)."""
    raw = table.rows
    options: Mapping[str, Any] = source.options or {}
    keys = [c for c in spec.key if c not in ("org", "month")]
    read = [spec.org, spec.month, *spec.numeric, *spec.allowed, *keys, *spec.header_of.values()]
    missing = [c for c in dict.fromkeys(read) if c not in raw.columns]
    if missing:  # columns the reader reads beyond those that found the header
        raise IngestError(f"{source.path}: missing column(s) {missing} in the header")
    rej = Rejects(source.path)
    line = raw["_line"]
    excluded = pd.Series(False, index=raw.index)
    excluded_by: dict[str, int] = {}
    if spec.exclude is not None:
        out = spec.exclude(raw, options)
        if pd.api.types.infer_dtype(out, skipna=True) == "string":  # a reason per row
            why = out.fillna("").astype(str)
            excluded = why != ""
            excluded_by = {str(r): int(n) for r, n in why[excluded].value_counts().items()}
        else:
            excluded = out.fillna(False).astype(bool)
            excluded_by = {spec.exclude_reason(options): int(excluded.sum())}
    bad = pd.Series(False, index=raw.index)
    first_reason = pd.Series("", index=raw.index, dtype=object)

    def reject(mask: pd.Series, column: str, reason: str) -> None:
        nonlocal bad
        mask = mask.fillna(False).astype(bool) & ~excluded
        if mask.any():
            vals = raw.loc[mask, column] if column in raw else pd.Series("", index=raw[mask].index)
            named = raw.loc[mask, spec.header_of[column]] if column in spec.header_of else None
            rej.add(line[mask], column if named is None else named.to_numpy(), vals, reason)
            first_reason[mask & ~bad] = reason
            bad = bad | mask

    reject(~raw["_width_ok"].astype(bool), spec.org, "wrong number of fields on the line")
    data = pd.DataFrame(index=raw.index)
    data["org"] = raw[spec.org].astype(str).str.strip()
    reject(data["org"] == "", spec.org, "blank organisation code")
    if spec.org_map is not None:
        mapped = data["org"].map(dict(spec.org_map))
        reject(mapped.isna() & (data["org"] != ""), spec.org, spec.org_map_error)
        data["org"] = mapped.fillna(data["org"])
    data["month"] = spec.parse_month(raw)
    reject(data["month"].isna(), spec.month, spec.month_error)
    excluded, excluded_by = _excluded_months(source, data["month"], excluded, bad, excluded_by)
    for col, allowed in spec.allowed.items():
        reject(~raw[col].isin(allowed), col, f"not one of {list(allowed)}")
    missing_markers = frozenset(options.get("missing_markers", MISSING))
    for col in spec.numeric:
        num, sup, miss, nan = numbers(raw[col], missing_markers, SUPPRESSED)
        reject(nan, col, "not a number (and not a missing-value marker)")
        if col not in spec.signed:
            reject(num < 0, col, "negative count")
        data[col] = num
        data[f"_sup_{col}"] = sup
        blank = raw[col].fillna("").astype(str).str.strip() == ""
        data[f"_miss_{col}"] = miss & blank
        data[f"_mark_{col}"] = miss & ~blank
    for check in spec.checks:  # only on rows whose values are otherwise valid
        reject(check.bad(data) & ~bad, check.column, check.reason)
    if spec.key:
        k = pd.DataFrame({c: (data[c] if c in data else raw[c]) for c in spec.key})
        dup = k.duplicated(keep=False) & ~bad & ~excluded
        label = "/".join({"month": spec.month, "org": spec.org}.get(c, c) for c in spec.key)
        reject(dup, spec.org, f"duplicate row for {label}")
    accepted = data[~bad & ~excluded].copy()

    reasons: dict[str, int] = dict(table.skipped)
    if excluded.any():
        reasons.update(excluded_by)
    for col in spec.numeric:
        reasons[f"accepted with '{col}' suppressed ('*', value missing)"] = int(
            accepted[f"_sup_{col}"].sum()
        )
        reasons[f"accepted with '{col}' blank (value missing)"] = int(
            accepted[f"_miss_{col}"].sum()
        )
        reasons[
            f"accepted with '{col}' a missing-value marker ('-', '..', 'NA'; value missing)"
        ] = int(accepted[f"_mark_{col}"].sum())
    rejected = rej.frame()
    if line.duplicated().any():  # cells of a melted wide table: each cell under its first reason
        per = first_reason[bad].value_counts()
        reasons.update({f"rejected: {r}": int(n) for r, n in per.items()})
    else:
        reasons.update(rejected_reasons(rejected))

    acc_raw = raw.loc[accepted.index]
    for c in raw.columns:
        if c not in accepted and not c.startswith("_"):
            accepted[c] = acc_raw[c]
    parts = []
    for measure, values in spec.measures(accepted):
        parts.append(
            pd.DataFrame(
                {
                    "source": key,
                    "org_code_published": accepted["org"].to_numpy(),
                    "month": accepted["month"].to_numpy(),
                    "measure": measure.to_numpy() if isinstance(measure, pd.Series) else measure,
                    "value": values.to_numpy(dtype=float),
                }
            )
        )
    measures = pd.concat(parts, ignore_index=True) if parts else empty_measures()
    measures = measures.dropna(subset=["measure"]).reset_index(drop=True)
    ledger = ledger_row(
        source.path,
        sha256(path),
        key,
        len(raw),
        len(accepted),
        int(excluded.sum()),
        int(bad.sum()),
        reasons,
    )
    return Ingested(measures=measures, ledger=ledger, rejected=rejected)


# --------------------------------------------------------------------------------------------
# wide layouts: one column per month, one cell per organisation and month

#: the identifying columns left of the month columns in NHS England's wide sheets
ID_COLUMNS = ("Region Code", "Org Code", "Org Name")


def melt_block(
    frame: pd.DataFrame, sheet: str, measure: str, where: str, header_line: int
) -> pd.DataFrame:
    """One row per organisation and month column of a wide block (the month parsed from the
    column header; an unreadable header is an error naming its row and column)."""
    months = [c for c in frame.columns if c not in ID_COLUMNS and not c.startswith("_")]
    if not months:
        raise IngestError(f"{where}, row {header_line}: no month columns after {ID_COLUMNS}")
    parsed = {}
    for c in months:
        ts = month_from_header(c)
        if ts is None:
            raise IngestError(
                f"{where}, row {header_line}, column '{c}': not a month like 'Apr-24'"
            )
        parsed[c] = ts
    long = frame.melt(
        id_vars=["Org Code", "Org Name", "_line", "_width_ok"],
        value_vars=months,
        var_name="_column",
        value_name="text",
    )
    long["month"] = long["_column"].map(parsed)
    long["measure"] = measure
    long["sheet"] = sheet
    return long


def finish_cells(
    key: str,
    source: SourceLike,
    path: Path,
    cells: pd.DataFrame,
    skipped: dict[str, int],
    parts_of: list[tuple[str, str, str]],
    sheet_rows: int,
) -> Ingested:
    """Validate melted cells. ``parts_of``: (part measure, whole measure, reason) checks."""
    cells = cells.reset_index(drop=True)
    rej = Rejects(source.path)
    bad = pd.Series(False, index=cells.index)

    def reject(mask: pd.Series, reason: str) -> None:
        nonlocal bad
        mask = mask.fillna(False).astype(bool) & ~bad
        if mask.any():
            sub = cells[mask]
            for sheet, g in sub.groupby("sheet", sort=False):
                rej.add(
                    g["_line"], g["_column"].to_numpy(), g["text"], f"sheet '{sheet}': {reason}"
                )
            bad = bad | mask

    reasons = dict(skipped)
    reasons[
        f"wide layout: each organisation-month cell counts as a row ({sheet_rows} sheet rows)"
    ] = len(cells)
    org = cells["Org Code"].astype(str).str.strip()
    is_total = (org == "-") | cells["Org Name"].astype(str).str.strip().str.lower().isin(
        {"total", "england", "england total"}
    )
    num, sup, miss, nan = numbers(cells["text"])
    excl_total = is_total
    excl_blank = ~is_total & miss & (cells["text"].astype(str).str.strip() == "")
    excluded = excl_total | excl_blank
    live = ~excluded
    reject(live & (org == ""), "blank organisation code")
    reject(live & ~cells["_width_ok"].astype(bool), "wrong number of cells on the row")
    reject(live & nan, "not a number (and not a missing-value marker)")
    reject(live & (num < 0), "negative count")
    cells["value"] = num
    cells["org"] = org
    for part, whole, reason in parts_of:
        p = cells[(cells.measure == part) & live & ~bad]
        w = cells[(cells.measure == whole) & live & ~bad][["org", "month", "value"]]
        m = p.reset_index().merge(w, on=["org", "month"], suffixes=("", "_whole"))
        over = m[m["value"].notna() & m["value_whole"].notna() & (m["value"] > m["value_whole"])]
        reject(pd.Series(cells.index.isin(over["index"]), index=cells.index), reason)
    dup = cells[live & ~bad].duplicated(["org", "month", "measure"], keep=False)
    reject(
        pd.Series(cells.index.isin(dup[dup].index), index=cells.index),
        "duplicate organisation-month cell",
    )
    accepted = cells[live & ~bad]
    reasons["excluded: England total row (not an organisation)"] = int(excl_total.sum())
    reasons["excluded: blank cell (nothing published for the organisation and month)"] = int(
        excl_blank.sum()
    )
    reasons["accepted suppressed '*' (value missing)"] = int(sup[accepted.index].sum())
    reasons["accepted with a missing-value marker (value missing)"] = int(
        miss[accepted.index].sum()
    )
    rejected = rej.frame()
    if len(rejected):  # each cell counted once, under its first reason
        per = rejected.groupby("reason").size()
        reasons.update({f"rejected: {r}": int(n) for r, n in per.items()})
    measures = (
        pd.DataFrame(
            {
                "source": key,
                "org_code_published": accepted["org"].to_numpy(),
                "month": pd.to_datetime(accepted["month"]).to_numpy(),
                "measure": accepted["measure"].to_numpy(),
                "value": accepted["value"].to_numpy(float),
            }
        )
        .sort_values(["measure", "org_code_published", "month"], kind="stable")
        .reset_index(drop=True)
    )
    ledger = ledger_row(
        source.path,
        sha256(path),
        key,
        len(cells),
        len(accepted),
        int(excluded.sum()),
        int(bad.sum()),
        reasons,
    )
    return Ingested(measures=measures, ledger=ledger, rejected=rejected)


__all__ = [
    "ID_COLUMNS",
    "check_exclude_months",
    "MeasureList",
    "TableSpec",
    "finish",
    "finish_cells",
    "melt_block",
    "read_table",
]
