"""Deterministic files in NHS England's published shapes: CSV with title rows and footnotes, and
Excel workbooks with fixed document properties and zip timestamps (byte-identical reruns),
including the wide layout of one column per month."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

SYNTHETIC_LABEL = "SYNTHETIC DATA - not real NHS figures"
FIXED_TIME = datetime(2026, 4, 1, 0, 0, 0)
ZIP_TIME = (2026, 4, 1, 0, 0, 0)


def thousands(v: int) -> str:
    return f"{v:,}"


def write_table(df: pd.DataFrame, path: Path) -> None:
    """A plain CSV of a frame (no index, '\\n' line ends)."""
    df.to_csv(path, index=False, lineterminator="\n")


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: Sequence[str] = (),
    footnotes: Sequence[str] = (),
) -> int:
    """Write a CSV with optional title lines (then a blank line) and footnotes (after a blank
    line). Cells must already be strings or ints. Returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        for t in title:
            w.writerow([t])
        if title:
            w.writerow([])
        w.writerow(header)
        for r in rows:
            w.writerow(r)
            n += 1
        if footnotes:
            w.writerow([])
            for f in footnotes:
                w.writerow([f])
    return n


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed document properties and fixed zip timestamps: byte-identical reruns."""
    wb.properties.creator = "annual-assessment synthetic generator"
    wb.properties.title = SYNTHETIC_LABEL
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "annual-assessment synthetic generator"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))


def title_rows(ws: Any, lines: Sequence[str]) -> int:
    """Write title lines in column A and a blank row; return the next free row number."""
    for i, t in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=t)
    return len(lines) + 2


def write_row(ws: Any, row: int, values: Sequence[Any]) -> None:
    """Write ``values`` into ``row`` from column A on."""
    for c, v in enumerate(values, start=1):
        ws.cell(row=row, column=c, value=v)


def wide_month_block(
    ws: Any,
    row: int,
    orgs: pd.DataFrame,
    values: np.ndarray,
    active: np.ndarray,
    cols: list[int],
    months: pd.DatetimeIndex,
    suppress_small: bool,
) -> tuple[int, int]:
    """One table of a wide monthly sheet from ``row`` on: a header row (region, code, name, one
    column per month of ``cols``), a Total row over the open organisations, then one row per
    organisation open in any of those months (blank where it is not open; ``suppress_small``:
    '*' for 1 to 4). ``values`` and ``active`` are organisations x months. Returns the next
    free row and the number of organisation rows."""
    codes = orgs.org_code.tolist()
    write_row(
        ws,
        row,
        ["Region Code", "Org Code", "Org Name"] + [months[i].strftime("%b-%y") for i in cols],
    )
    row += 1
    write_row(ws, row, ["-", "-", "Total"] + [int(values[:, i][active[:, i]].sum()) for i in cols])
    row += 1
    n = 0
    for o in range(len(codes)):
        if not active[o, cols].any():
            continue
        ws.cell(row=row, column=1, value=orgs.region_code.iat[o])
        ws.cell(row=row, column=2, value=codes[o])
        ws.cell(row=row, column=3, value=orgs.org_name.iat[o])
        for c, i in enumerate(cols, start=4):
            if not active[o, i]:
                continue
            v = int(values[o, i])
            ws.cell(row=row, column=c, value="*" if suppress_small and 1 <= v <= 4 else v)
        row += 1
        n += 1
    return row, n
