"""Reading tables out of files as NHS England publishes them.

Published CSV and Excel files often carry title rows above the header, footnotes below the
table, wide month columns, thousands separators, ``(brackets)`` for negatives and markers for
missing or suppressed values. The functions here find the table, keep each data row's physical
line (or Excel row) number for the ledger, and parse numbers, months and financial years; the
engine (:mod:`helpers.ingest.engine`) validates what they return.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from helpers.core.fy import FY_IN_TEXT, fy_first_month, fy_in_text
from helpers.ingest.ledger import IngestError, SourceLike

#: Markers of a value that is missing (not published). A source may set its own with the
#: option ``missing_markers``.
MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "-", ".."})
#: The marker of a small count suppressed for disclosure control (kept as missing, and counted
#: apart in the ledger).
SUPPRESSED = "*"
FOOTNOTE = re.compile(r"^\s*(note|notes|source|footnote|\*)\b", re.IGNORECASE)


@dataclass
class Table:
    """Data rows (strings, header names as columns, ``_line``) and the skipped non-data lines."""

    rows: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.strftime("%b-%y")
    return str(v).strip()


def is_end(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells) or bool(FOOTNOTE.match(cells[0] if cells else ""))


def locate(
    rows: list[tuple[int, list[str]]], required: tuple[str, ...], where: str, start: int = 0
) -> int:
    for i in range(start, len(rows)):
        names = {c.strip() for c in rows[i][1]}
        if set(required) <= names:
            return i
    first = next(((n, cells) for n, cells in rows[start:] if any(c.strip() for c in cells)), None)
    found = (
        f"; the first row (line {first[0]}) has {[c.strip() for c in first[1]]}"
        if first
        else "; the file has no rows"
    )
    missing = [c for c in required if first is None or c not in {x.strip() for x in first[1]}]
    raise IngestError(
        f"{where}: no header row with the column(s) {list(required)}: "
        f"missing column(s) {missing}{found} (searched {len(rows) - start} rows from row "
        f"{rows[start][0] if rows else 1})"
    )


def block(rows: list[tuple[int, list[str]]], header_i: int, where: str) -> tuple[pd.DataFrame, int]:
    """Data rows after the header at ``header_i`` up to the first blank or footnote row.
    Returns the frame (with ``_line`` and ``_width_ok``) and the index after the block."""
    header = [c.strip() for c in rows[header_i][1]]
    while header and header[-1] == "":
        header.pop()
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise IngestError(f"{where}, row {rows[header_i][0]}: duplicate column(s) {dupes}")
    data: list[list[str]] = []
    lines: list[int] = []
    width_ok: list[bool] = []
    i = header_i + 1
    while i < len(rows) and not is_end(rows[i][1]):
        cells = [c.strip() for c in rows[i][1]]
        extra = cells[len(header) :]
        width_ok.append(not any(extra))
        cells = (cells + [""] * len(header))[: len(header)]
        data.append(cells)
        lines.append(rows[i][0])
        i += 1
    frame = (
        pd.DataFrame(data, columns=header, dtype=object)
        if data
        else pd.DataFrame(columns=header, dtype=object)
    )
    frame["_line"] = lines
    frame["_width_ok"] = width_ok
    return frame, i


#: The text encoding of CSV files unless the source option ``encoding`` says otherwise (a byte
#: order mark is allowed and dropped).
DEFAULT_ENCODING = "utf-8-sig"


def _open_text(path: Path, encoding: str) -> Any:
    """``path`` as text (gzip-compressed when its name ends ``.gz``)."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def _undecodable_line(path: Path, encoding: str) -> str:
    """Where a file stops being ``encoding`` text: 'line N (byte 0xNN at character C)'."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                return f"line {n} (byte 0x{raw[exc.start]:02x} at character {exc.start + 1})"
    return "a line"  # pragma: no cover - the decoder failed on the whole file only


def csv_rows(path: Path, rel: str, encoding: str = DEFAULT_ENCODING) -> list[tuple[int, list[str]]]:
    """The rows of a CSV file (gzip-compressed if its name ends ``.gz``) with the physical line
    each ends on. Quotes are read strictly: a stray quote, or a quoted cell that is never
    closed (which would swallow every line after it into one cell), stops with the file and line
    named; so does text that is not in ``encoding``."""
    if not path.exists():
        raise IngestError(f"{rel}: file not found")
    rows: list[tuple[int, list[str]]] = []
    try:
        with _open_text(path, encoding) as fh:
            reader = csv.reader(fh, strict=True)
            for row in reader:
                rows.append((reader.line_num, row))
    except UnicodeDecodeError:
        raise IngestError(
            f"{rel}, {_undecodable_line(path, encoding)}: not {encoding} text; save the file "
            "as UTF-8, or give its encoding in the source option 'encoding' (e.g. cp1252)"
        ) from None
    except LookupError as exc:
        raise IngestError(f"{rel}: source option 'encoding': {exc}") from None
    except csv.Error as exc:
        start = rows[-1][0] + 1 if rows else 1
        if "unexpected end of data" in str(exc):
            raise IngestError(
                f"{rel}, line {start}: a quoted cell is never closed (the quote runs to the "
                f"end of the file, line {reader.line_num}); a quote inside a cell must be doubled"
            ) from None
        raise IngestError(
            f"{rel}, line {reader.line_num}: stray quote ({exc}); a quote inside a cell must "
            "be doubled and a quoted cell must end at a comma"
        ) from None
    except (OSError, EOFError) as exc:
        raise IngestError(f"{rel}: cannot be read as CSV: {exc}") from None
    return rows


def excel_sheets(path: Path, rel: str) -> dict[str, list[tuple[int, list[str]]]]:
    if not path.exists():
        raise IngestError(f"{rel}: file not found")
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure, reported with the file name
        raise IngestError(f"{rel}: cannot be read as an Excel workbook: {exc}") from exc
    out: dict[str, list[tuple[int, list[str]]]] = {}
    for ws in wb.worksheets:
        rows = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append((r, cells))
        out[ws.title] = rows
    return out


def _rows_after_the_end(
    rows: list[tuple[int, list[str]]], end: int, width: int, where: str
) -> None:
    """A table ends at its first blank or footnote line; a line further down that looks like
    a data row (at least half the header's cells filled, two at least) would be lost, so it
    stops the run with both lines named."""
    fill = max(2, width // 2)
    for n, cells in rows[end + 1 :]:
        filled = sum(1 for c in cells if c.strip())
        if filled >= fill and not FOOTNOTE.match(cells[0] if cells else ""):
            first = rows[end][0] if end < len(rows) else n
            raise IngestError(
                f"{where}, row {n}: a data row after the end of the table (the table ends at "
                f"the blank or footnote row {first}); remove that row, or the rows after it "
                "would be lost"
            )


def find_table(rows: list[tuple[int, list[str]]], required: tuple[str, ...], where: str) -> Table:
    h = locate(rows, required, where)
    frame, end = block(rows, h, where)
    _rows_after_the_end(rows, end, len([c for c in frame.columns if not c.startswith("_")]), where)
    skipped = {}
    if h:
        skipped["title lines above the header (not data)"] = h
    skipped["header line (not data)"] = 1
    after = sum(1 for _, cells in rows[end:] if any(c.strip() for c in cells))
    blank = len(rows) - end - after
    if after or blank:
        skipped["blank and footnote lines below the table (not data)"] = after + blank
    return Table(frame, skipped)


# --------------------------------------------------------------------------------------------
# values


def numbers(
    text: pd.Series,
    missing: Collection[str] = MISSING,
    suppressed: str | None = SUPPRESSED,
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse counts: thousands separators, (brackets) for negatives. Returns
    ``(value, suppressed, missing, bad)``: the numbers (NaN where missing, suppressed or bad),
    and masks of the suppressed marker, the missing-value markers and the unreadable cells."""
    t = text.fillna("").astype(str).str.strip()
    is_suppressed = (t == suppressed) if suppressed is not None else pd.Series(False, index=t.index)
    is_missing = t.isin(missing)
    neg = t.str.match(r"^\(.*\)$")
    clean = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(",", "", regex=False)
    num = pd.to_numeric(clean.where(~(is_suppressed | is_missing)), errors="coerce")
    num = num.where(~neg, -num)
    bad = num.isna() & ~is_suppressed & ~is_missing
    return num.astype(float), is_suppressed, is_missing, bad


def month_from_text(values: pd.Series, fmt: str) -> pd.Series:
    """Parse dates with ``fmt`` and return the first of the month (NaT where it fails)."""
    parsed = pd.to_datetime(values.astype(str).str.strip(), format=fmt, errors="coerce")
    return parsed.dt.to_period("M").dt.to_timestamp()


def month_from_sitrep(values: pd.Series) -> pd.Series:
    """'MSitAE-APRIL-2024' -> 2024-04-01."""
    m = values.astype(str).str.strip().str.extract(r"^MSitAE-([A-Za-z]+)-(\d{4})$")
    return month_from_text(m[0].str.title() + " " + m[1], "%B %Y")


def month_from_header(label: str) -> pd.Timestamp | None:
    """'Apr-24' (or 'Apr-2024', '2024-04') -> 2024-04-01; None if not a month."""
    for fmt in ("%b-%y", "%b-%Y", "%Y-%m", "%Y-%m-%d"):
        try:
            return pd.Timestamp(datetime.strptime(label.strip(), fmt)).to_period("M").to_timestamp()
        except ValueError:
            continue
    return None


def month_from_fy(values: pd.Series) -> pd.Series:
    """'2024-25' or '2024/25' -> 2024-04-01 (annual returns are dated at April)."""
    return fy_first_month(values)


def fy_of_file(path: Path, source: SourceLike) -> pd.Timestamp:
    """April of the financial year an annual file is for: from the source option
    ``financial_year``, else from the file name (like '2024-25')."""
    fy = str(source.options.get("financial_year", "")) if source.options else ""
    start = fy_in_text(fy if FY_IN_TEXT.search(fy) else path.name)
    if start is None:
        raise IngestError(
            f"{source.path}: the financial year is neither in the file name (like '2024-25') "
            "nor in the source option 'financial_year'"
        )
    return pd.Timestamp(f"{start}-04-01")
