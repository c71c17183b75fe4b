"""The faulty files (``generate(..., faults=True)``): copies of two written files with invalid
cells at known lines, in ``faults/``, and ``faults/expected_rejections.csv`` listing each one
with the reason the ingest must give. The clean files are left alone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import load_workbook

from helpers.core.fy import fy_file_label
from helpers.synthetic.files import save_workbook, write_csv
from helpers.synthetic.writers.context import Output

_REJECTION_COLUMNS = ["file", "line", "column", "value", "reason"]


def write_faults(out: Output) -> None:
    """A separate file set with invalid rows at known lines (call it after the clean files)."""
    fy = out.world.fys[-1]
    expected: list[list[str]] = []
    _ae_faults(out, fy, expected)
    _rtt_faults(out, fy, expected)
    m = write_csv(out.folder / "faults/expected_rejections.csv", _REJECTION_COLUMNS, expected)
    out.done("faults/expected_rejections.csv", m)


def _ae_faults(out: Output, fy: int, expected: list[list[str]]) -> None:
    """The last year's A&E CSV with five bad cells and a duplicated row."""
    src = out.folder / f"ae_monthly_{fy_file_label(fy)}.csv"
    lines = src.read_text(encoding="utf-8").split("\n")
    header_i = next(i for i, s in enumerate(lines) if s.startswith("Period,"))
    cols = next(csv.reader([lines[header_i]]))
    rel = f"faults/ae_monthly_faults_{fy_file_label(fy)}.csv"

    def edit(data_row: int, column: str, value: str, reason: str) -> None:
        i = header_i + data_row
        cells = next(csv.reader([lines[i]]))
        cells[cols.index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        lines[i] = buf.getvalue()
        expected.append([rel, str(i + 1), column, value, reason])

    def total(data_row: int) -> int:
        cells = next(csv.reader([lines[header_i + data_row]]))
        return int(cells[cols.index("Total attendances")].replace(",", ""))

    edit(3, "Total attendances", "-12", "negative count")
    edit(7, "Attendances over 4hrs", str(total(7) + 50), "more 4-hour breaches than attendances")
    edit(11, "Emergency admissions", "12O4", "not a number (and not a missing-value marker)")
    edit(15, "Org Code", "", "blank organisation code")
    edit(19, "Period", "MSitAE-SMARCH-2025", "not a period like MSitAE-APRIL-2024")
    # a duplicated organisation-month row, inserted after data row 23
    dup_i = header_i + 23
    lines.insert(dup_i + 1, lines[dup_i])
    org = next(csv.reader([lines[dup_i]]))[1]
    expected.append([rel, str(dup_i + 1), "Org Code", org, "duplicate row for Period/Org Code"])
    expected.append([rel, str(dup_i + 2), "Org Code", org, "duplicate row for Period/Org Code"])
    path = out.folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    out.done(rel, sum(1 for _ in _data_lines(lines, header_i)))


def _rtt_faults(out: Output, fy: int, expected: list[list[str]]) -> None:
    """The last year's RTT workbook with three bad cells in two sheets."""
    rtt_src = out.folder / f"rtt_incomplete_{fy_file_label(fy)}.xlsx"
    wb = load_workbook(rtt_src)
    xrel = f"faults/rtt_incomplete_faults_{fy_file_label(fy)}.xlsx"
    ws_t, ws_w = wb["Total incomplete"], wb["Within 18 weeks"]
    hdr_row = next(r for r in range(1, 10) if ws_t.cell(row=r, column=2).value == "Org Code")
    r1, r2 = hdr_row + 3, hdr_row + 5  # two organisation rows (the Total row comes first)
    ws_t.cell(row=r1, column=5, value=-40)
    expected.append(
        [
            xrel,
            str(r1),
            str(ws_t.cell(row=hdr_row, column=5).value),
            "-40",
            "sheet 'Total incomplete': negative count",
        ]
    )
    big = int(ws_t.cell(row=r2, column=4).value) + 10
    ws_w.cell(row=r2, column=4, value=big)
    expected.append(
        [
            xrel,
            str(r2),
            str(ws_w.cell(row=hdr_row, column=4).value),
            str(big),
            "sheet 'Within 18 weeks': more pathways within 18 weeks than in total",
        ]
    )
    ws_w.cell(row=r2 + 1, column=6, value="n/k")
    expected.append(
        [
            xrel,
            str(r2 + 1),
            str(ws_w.cell(row=hdr_row, column=6).value),
            "n/k",
            "sheet 'Within 18 weeks': not a number (and not a missing-value marker)",
        ]
    )
    save_workbook(wb, out.folder / xrel)
    out.done(xrel, out.rows[rtt_src.name])


def _data_lines(lines: list[str], header_i: int) -> Iterable[str]:
    """The data lines after the header, up to the first blank line."""
    for s in lines[header_i + 1 :]:
        if not s.strip():
            break
        yield s
