"""The Excel workbook of an assessment (helpers.publish.workbook), written from a small results
folder of real-looking rows: sheet order, README, formats, the data round-trip, hostile text
kept as text, the data dictionary and byte-reproducibility."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from helpers.assess.scores import scoring_rule_text
from helpers.core.files import write_json
from helpers.core.tables import save_table
from helpers.publish.workbook import (
    DECIMAL,
    DICTIONARY,
    OGL_LINE,
    PROBABILITY,
    README,
    WHOLE,
    data_dictionary,
    workbook_in_background,
    write_workbook,
)
from helpers.settings import LoadedAssessment, load_assessment

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A2)"]
ORGS = [
    ("R0A", "Manchester University NHS Foundation Trust", "North West"),
    ("RW6", "Pennine Acute Hospitals NHS Trust", "North West"),
    ("RP6", "Moorfields Eye Hospital NHS Foundation Trust", "London"),
    ("RDU", "Frimley Health NHS Foundation Trust", "South East"),
]


@pytest.fixture(scope="module")
def run(root: Path) -> LoadedAssessment:
    return load_assessment("config/fast/uec-fast.yml", root)


def _tables() -> dict[str, pd.DataFrame]:
    """Small result tables in the columns the pipeline writes."""
    indicators = pd.DataFrame(
        {
            "org_code": [o[0] for o in ORGS],
            "org_name": [o[1] for o in ORGS],
            "org_type": "acute_trust",
            "region": [o[2] for o in ORGS],
            "metric_id": "ae_4hr_pct",
            "period": "2023/24",
            "numerator": [285489.0, 171876.0, np.nan, 120001.0],
            "denominator": [483880.0, 238014.0, np.nan, 160002.0],
            "months_covered": [12, 12, 0, 11],
            "value": [58.999958667438214, 72.21255892510524, np.nan, 75.0],
            "ci95_lower": [58.86130880350999, 72.03224090197419, np.nan, 74.8],
            "ci95_upper": [59.13846563355648, 72.3921599546707, np.nan, 75.2],
            "comparison": ["worse", "better", "not_compared", "better"],
            "meets_standard": [False, False, None, False],
            "peer_rank": [92, 35, None, 20],
            "p_top_quartile": [0.0, 0.043, np.nan, 0.5],
            "reason": ["", "", "not reported", HOSTILE[0]],
        }
    )
    indicators["peer_rank"] = indicators["peer_rank"].astype("Int64")
    assessment = pd.DataFrame(
        {
            "org_code": [o[0] for o in ORGS],
            "org_name": [o[1] for o in ORGS[:3]] + [HOSTILE[1]],
            "period": "2023/24",
            "metrics_scored": [5, 5, 4, 5],
            "average_score": [2.888600, 1.713900, 1.212970, 2.5],
            "segment": [4, 1, 1, 3],
            "specialist": [False, False, True, False],
            "segment_reason": ["quartile 4 of the average score among 134 in the cohort"] * 4,
        }
    )
    league = pd.DataFrame(
        {
            "Region": [o[2] for o in ORGS],
            "Trust_code": [o[0] for o in ORGS],
            "Average_score": [2.89, 1.71, 1.21, 2.5],
            "Likely_range_of_average_score": ["2.80 to 2.95", "1.60 to 1.80", HOSTILE[2], "x"],
            "Segment": [4, 1, 1, 3],
            "P_segment_1": [0.0, 0.9, 1.0, 0.1],
        }
    )
    metric_scores = pd.DataFrame(
        {
            "org_code": ["R0A", "RW6"],
            "metric_id": "ae_4hr_pct",
            "period": "2023/24",
            "value": [58.999958667438214, 72.21255892510524],
            "score": [3.504587, 1.93578],
            "weight": [1.0, 1.0],
        }
    )
    england = pd.DataFrame(
        {
            "metric_id": ["ae_4hr_pct", "ae_4hr_pct"],
            "period": ["2023/24", "2024/25"],
            "benchmark": "England (acute trusts)",
            "numerator": [16001358.0, 16500000.0],
            "value": [69.20119621415087, 70.1],
            "organisations": [124, 122],
        }
    )
    organisations = pd.DataFrame(
        {
            "org_code": [o[0] for o in ORGS],
            "org_name": [o[1] for o in ORGS],
            "is_closed": [False, True, False, False],
            "close_date": ["", "2021-04-01", "", ""],
        }
    )
    ledger = pd.DataFrame(
        {
            "file": ["data/raw/trust_ae_monthly_2021_2025.csv"],
            "sha256": ["1106dece6bce94fbd103038927a370a3ac2815c8e1bec23adf505850253afcc4"],
            "rows_read": [7895],
            "reasons": [HOSTILE[3]],
        }
    )
    trends = pd.DataFrame(
        {"org_code": ["R0A"], "metric_id": ["ae_4hr_pct"], "spc_first_month": ["2022-04"]}
    )
    funnel = pd.DataFrame({"number_seq": [3.0, 518.33], "ll95": [13.9, 53.8]})
    return {
        "indicators": indicators,
        "assessment": assessment,
        "league_table": league,
        "metric_scores": metric_scores,
        "england": england,
        "organisations": organisations,
        "ledger": ledger,
        "trends": trends,
        "funnel_limits": funnel,  # a plotting table: left out of the workbook
        "overdispersion": pd.DataFrame({"metric_id": ["ae_4hr_pct"], "phi": [12.5]}),
    }


EXPECTED_SHEETS = [
    README,
    DICTIONARY,
    "assessment",
    "league_table",
    "metric_scores",
    "indicators",
    "england",
    "organisations",
    "ledger",
    "overdispersion",
    "trends",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("run")
    folder = base / "results"
    for name, df in _tables().items():
        save_table(df, folder, name, parquet=False)
    write_json(
        base / "provenance.json",
        {
            "assessment": "uec-fast",
            "code_version": "0.1.0+gabcdef1234",
            "catalogue": {"file": "config/metrics/uec.yml", "sha256": "ab" * 32, "version": "x1"},
            "inputs": [{"file": "data/raw/a.csv", "sha256": "cd" * 32, "role": "trust_ae"}],
        },
    )
    return folder


@pytest.fixture(scope="module")
def book(run: LoadedAssessment, results: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(run, results, tmp_path_factory.mktemp("out") / "uec-fast.xlsx")


def test_sheet_order(book: Path) -> None:
    assert openpyxl.load_workbook(book).sheetnames == EXPECTED_SHEETS
    assert pd.ExcelFile(book).sheet_names == EXPECTED_SHEETS


def test_readme_names_the_assessment_licence_sources_and_sheets(
    book: Path, run: LoadedAssessment
) -> None:
    ws = openpyxl.load_workbook(book)[README]
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    text = "\n".join(cells)
    assert ws["A1"].value == run.settings.title and ws["A1"].font.b
    # what the assessment is, from the settings: independent, not a decision of any NHS body
    assert ws["A3"].value == run.site.publisher.status_sentence()
    assert "not a decision by any NHS body" in ws["A3"].value
    assert OGL_LINE in text
    for src in run.settings.sources.values():
        assert src.publisher in text
    assert "0.1.0+gabcdef1234" in text and "cd" * 32 in text
    sheet_col = [r[0] for r in ws.iter_rows(values_only=True) if r]
    start = sheet_col.index("Sheet")
    assert sheet_col[start + 1 : start + 1 + len(EXPECTED_SHEETS)] == EXPECTED_SHEETS
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert rows.get("Disclosure control")  # the rule in force (helpers.publish.disclosure)
    readme = pd.read_excel(book, sheet_name=README, header=None)
    assert readme.iloc[0, 0] == run.settings.title
    assert readme.astype(str).apply(lambda c: c.str.contains(OGL_LINE, regex=False)).any().any()


def test_headers_are_bold_frozen_and_filtered(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    for name in EXPECTED_SHEETS[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(c.font.b for c in ws[1])
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1])


def test_number_formats(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["indicators"]
    col = {c.value: c.column for c in ws[1]}
    fmt = {name: ws.cell(2, col[name]).number_format for name in col}
    assert fmt["value"] == DECIMAL and fmt["ci95_lower"] == DECIMAL
    assert fmt["peer_rank"] == WHOLE and fmt["months_covered"] == WHOLE
    assert fmt["numerator"] == WHOLE  # decimals that are all whole: counts
    assert fmt["p_top_quartile"] == PROBABILITY
    scores = openpyxl.load_workbook(book)["metric_scores"]
    assert scores["E1"].value == "score" and scores["E2"].number_format == PROBABILITY
    assert isinstance(ws.cell(2, col["value"]).value, float)
    assert ws.cell(2, col["meets_standard"]).data_type == "b"


def test_data_round_trips(book: Path, results: Path) -> None:
    sheets = pd.read_excel(book, sheet_name=None)
    for name in EXPECTED_SHEETS[2:]:
        expected = pd.read_csv(results / f"{name}.csv")
        got = sheets[name]
        assert list(got.columns) == list(expected.columns), name
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=name)


def test_hostile_text_is_stored_as_text(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value in HOSTILE:
                    found[c.value] = c
    assert sorted(found) == sorted(HOSTILE)
    for value, c in found.items():
        assert c.data_type == "s", value
        assert c.quotePrefix, value  # Excel's leading apostrophe: text even when edited
    with zipfile.ZipFile(book) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    sheets = pd.read_excel(book, sheet_name=None)
    assert sheets["indicators"].reason.iloc[3] == HOSTILE[0]
    assert sheets["assessment"].org_name.iloc[3] == HOSTILE[1]


def test_dictionary_has_a_row_per_catalogue_metric(run: LoadedAssessment, book: Path) -> None:
    d = data_dictionary(run)
    assert list(d.metric_id) == [m.id for m in run.metrics]
    assert d.metric_id.is_unique and d.notna().all().all()
    rules = run.settings.assess
    for m, row in zip(run.metrics, d.itertuples(), strict=True):
        assert row.title == m.title and row.short_title == m.short_title
        assert row.scoring_rule.startswith(scoring_rule_text(m, rules.continuous, rules.ties))
        for definition in m.definitions:
            assert definition.numerator.description in row.definitions
            assert definition.first_year in row.definitions
        assert all(c in row.caveats for c in m.caveats)
        # how it is compared with England, the headline test named
        context = m.polarity == "no_judgement"
        assert row.comparison_with_england.startswith("Context, not judged") == context
        assert "overdispersed funnel's 95% limits" in row.comparison_with_england
    sheet = pd.read_excel(book, sheet_name=DICTIONARY)
    assert list(sheet.metric_id) == list(d.metric_id)
    assert list(sheet.columns) == list(d.columns)
    assert data_dictionary(run).equals(d)  # deterministic


def test_two_writes_give_identical_bytes(
    run: LoadedAssessment, results: Path, book: Path, tmp_path: Path, monkeypatch
) -> None:
    later = time.time() + 3 * 86400  # another day: no clock may reach the file
    monkeypatch.setattr(time, "time", lambda: later)
    again = write_workbook(run, results, tmp_path / "again.xlsx")
    assert again.read_bytes() == book.read_bytes()
    with zipfile.ZipFile(book) as z:
        core = z.read("docProps/core.xml").decode()
    assert time.strftime("%Y-") not in core


def test_the_workbook_written_in_the_background_is_the_same_and_its_error_is_raised(
    run: LoadedAssessment, results: Path, book: Path, tmp_path: Path
) -> None:
    """Notebook 40 writes the workbook in a process of its own while it writes the pages."""
    got = workbook_in_background(run, results, tmp_path / "bg.xlsx").result()
    assert got == tmp_path / "bg.xlsx" and got.read_bytes() == book.read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "huge.csv").write_text("a\n" + "1\n" * 1_048_576, encoding="utf-8")
    with pytest.raises(ValueError, match="do not fit in an Excel sheet"):
        workbook_in_background(run, bad, tmp_path / "bad.xlsx").result()
    assert not (tmp_path / "bad.xlsx").exists()


def test_codes_stay_text_and_the_file_opens_without_provenance(
    run: LoadedAssessment, tmp_path: Path
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "org_code,org_name,value,big,=cmd\n"
        "007,A\x07 trust,inf,12345678901234567890,1\n"
        "010,B trust,1.5,2,2\n",
        encoding="utf-8",
    )
    (folder / "empty.csv").write_text("", encoding="utf-8")
    book = write_workbook(run, folder, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == [README, DICTIONARY, "organisations", "empty"]
    ws = wb["organisations"]
    assert [ws["A2"].value, ws["A3"].value] == ["007", "010"]
    assert ws["B2"].value == "A trust"  # a control character Excel cannot hold is dropped
    assert ws["C2"].value == "inf" and ws["C3"].value == 1.5
    assert ws["D2"].value == "12345678901234567890"  # Excel would round it as a number
    assert ws["E1"].value == "=cmd" and ws["E1"].data_type == "s" and ws["E1"].quotePrefix
    assert ws["E2"].value == 1
    readme = [v for r in wb[README].iter_rows(values_only=True) for v in r if v]
    assert any("no provenance.json" in str(v) for v in readme)
