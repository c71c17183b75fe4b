"""helpers.synthetic.files: every file says it is SYNTHETIC."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook


def test_every_file_is_labelled_synthetic(small: Path) -> None:
    for p in sorted(small.glob("*.csv")):
        with p.open(encoding="utf-8") as fh:
            first = next(csv.reader(fh))
        assert first[0] in ("SYNTHETIC DATA - not real NHS figures", "synthetic", "Data status"), (
            p.name
        )
    for p in sorted(small.glob("*.xlsx")):
        wb = load_workbook(p)
        assert wb.properties.title.startswith("SYNTHETIC")
        assert all(ws.cell(row=1, column=1).value.startswith("SYNTHETIC") for ws in wb)
