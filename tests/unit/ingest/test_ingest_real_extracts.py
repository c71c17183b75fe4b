"""Readers of the real extracts in data/raw (RTT and cancer waits by provider and ICB, the staff
survey's question rates, UKHSA's ICB infection rates, ICB A&E, IMD 2025 by ICB): every row
accounted for, values checked by hand against the raw lines, and bad rows in small samples
rejected with file, line and column."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import IngestError, read_source
from helpers.ingest.ledger import Ingested
from helpers.settings import Source

RAW = "data/raw/"
RTT = "rtt_incomplete_provider_icb_monthly_2022_2026.csv.gz"
CANCER = "cancer_waits_provider_icb_monthly_2022_2026.csv.gz"
STAFF = "nhs_staff_survey_org_question_rates_2021_2024.csv"
HCAI = "ukhsa_hcai_icb_rates_per_100k_2009_2024.csv"
ICB_AE = "icb_ae_monthly_2022_2025.csv"
IMD = "imd2025_england_icb24.csv"
CODES = {"codes": RAW + "ons_icb_names_codes_dec2024.csv"}
POPULATION = {"population": RAW + "nhse_allocations_icb_populations_2023_24_to_2025_26.csv"}


def read(root: Path, path: str, reader: str, **options) -> Ingested:
    src = Source(path=path, reader=reader, title="t", publisher="p", options=options)
    return read_source("x", src, root)


def counts(res: Ingested) -> tuple[int, int, int, int]:
    led = res.ledger
    read_, acc, exc, rej = (
        led["rows_read"],
        led["rows_accepted"],
        led["rows_excluded"],
        led["rows_rejected"],
    )
    assert acc + exc + rej == read_
    return read_, acc, exc, rej


def values(res: Ingested, org: str, month: str) -> dict[str, float]:
    m = res.measures
    one = m[(m.org_code_published == org) & (m.month == pd.Timestamp(month))]
    assert not one.measure.duplicated().any()
    return dict(zip(one.measure, one.value, strict=True))


def rows_in(root: Path, name: str, **kw) -> int:
    return len(pd.read_csv(root / RAW / name, dtype=str, **kw))


@pytest.fixture(scope="module")
def rtt(root: Path) -> Ingested:
    return read(root, RAW + RTT, "nhse_rtt_incomplete_monthly")


@pytest.fixture(scope="module")
def cancer(root: Path) -> Ingested:
    return read(root, RAW + CANCER, "nhse_cancer_waits_monthly")


@pytest.fixture(scope="module")
def hcai(root: Path) -> Ingested:
    return read(root, RAW + HCAI, "ukhsa_hcai_icb_rates", **POPULATION)


# --------------------------------------------------------------------------------------------
# the real files


def test_rtt_provider_rows_and_a_trust_month_by_hand(root, rtt):
    assert counts(rtt) == (rows_in(root, RTT), 22675, 2052, 0)
    assert "level 'icb' (the source option level is 'provider'): 2052" in rtt.ledger["reasons"]
    # line 19177: RJ1, 2024-03, within_18wk 77835, total_incomplete 143843, over_52wk 5328
    assert values(rtt, "RJ1", "2024-03-01") == {
        "rtt_total": 143843,
        "rtt_within_18w": 77835,
        "rtt_over_52w": 5328,
    }
    assert len(rtt.measures) == 3 * 22675


def test_rtt_icb_level(root):
    res = read(root, RAW + RTT, "nhse_rtt_incomplete_monthly", level="icb")
    assert counts(res) == (24727, 2052, 22675, 0)
    # line 16116: QYG, 2024-03
    assert values(res, "QYG", "2024-03-01") == {
        "rtt_total": 365755,
        "rtt_within_18w": 204877,
        "rtt_over_52w": 15236,
    }


def test_cancer_standards_give_their_own_measures(root, cancer):
    assert counts(cancer) == (rows_in(root, CANCER), 20175, 7280, 0)
    reasons = cancer.ledger["reasons"]
    assert "level 'icb' (the source option level is 'provider'): 7133" in reasons
    assert "the England total (level 'national'), not an organisation: 147" in reasons
    # lines 15744, 15793, 15842: RJ1, April 2024, FDS28 1824/2607, CMB31 835/1053, CMB62 110/274
    assert values(cancer, "RJ1", "2024-04-01") == {
        "cancer_28d_total": 2607,
        "cancer_28d_within": 1824,
        "cancer_28d_breaches": 783,
        "cancer_31d_total": 1053,
        "cancer_31d_within": 835,
        "cancer_31d_breaches": 218,
        "cancer_62d_total": 274,
        "cancer_62d_within": 110,
        "cancer_62d_breaches": 164,
    }
    # each accepted row gives exactly its standard's three measures, none missing
    assert len(cancer.measures) == 3 * 20175 and not cancer.measures.value.isna().any()


def test_cancer_icb_level_keeps_england_out(root):
    res = read(root, RAW + CANCER, "nhse_cancer_waits_monthly", level="icb")
    assert counts(res) == (27455, 7133, 20322, 0)
    assert "ENG" not in set(res.measures.org_code_published)


def test_staff_survey_questions(root):
    res = read(root, RAW + STAFF, "nhs_staff_survey_questions")
    assert counts(res) == (rows_in(root, STAFF), 1075, 0, 0)
    # line 667: RJ1, survey year 2023 -> October 2023 (financial year 2023/24)
    got = values(res, "RJ1", "2023-10-01")
    assert got["staff_stress_respondents"] == 8826
    assert got["staff_stress_yes"] == pytest.approx(47.854736620901 * 8826 / 100)
    assert got["staff_burnout_respondents"] == 8859
    assert got["staff_burnout_yes"] == pytest.approx(34.3452247337319 * 8859 / 100)
    assert got["staff_enough_staff_yes"] == pytest.approx(36.2231769261461 * 8843 / 100)
    assert set(res.measures.month.dt.month) == {10}
    assert "01T/01V" in set(res.measures.org_code_published)  # merged CCG-era code, as given


def test_hcai_estimated_cases_from_rate_and_population(root, hcai):
    cells = rows_in(root, HCAI, encoding="cp1252") * 15  # 252 organism-ICB lines x 15 years
    assert counts(hcai) == (cells, 1764, 2016, 0)
    reasons = hcai.ledger["reasons"]
    assert "organism other than MRSA, C. difficile and E. coli (out of scope): 1890" in reasons
    assert "rate not collected ('[x]'): 126" in reasons  # E. coli 2009/10 to 2011/12
    # line 128: MRSA, QYG, 2023/24 rate 1.3; QYG's 2023/24 allocation population 2727995.289...
    got = values(hcai, "QYG", "2023-04-01")
    assert got["hcai_mrsa"] == pytest.approx(1.3 * 2727995.2891305834 / 1e5)
    assert got["population"] == pytest.approx(2727995.2891305834)
    assert got["hcai_cdiff"] == pytest.approx(36.4 * 2727995.2891305834 / 1e5)
    # the population once per ICB and year; E. coli starts in 2012/13
    m = hcai.measures
    assert (m.measure == "population").sum() == 42 * 15
    assert m[m.measure == "hcai_ecoli"].month.min() == pd.Timestamp("2012-04-01")


def test_icb_ae_maps_ons_codes_to_ods(root):
    res = read(root, RAW + ICB_AE, "nhse_icb_ae_monthly", **CODES)
    assert counts(res) == (rows_in(root, ICB_AE), 1680, 0, 0)
    ods = set(pd.read_csv(root / CODES["codes"]).ICB24CDH)
    assert set(res.measures.org_code_published) == ods
    # line 1167: E54000052 (Surrey Heartlands' 2022 ONS code) -> QXU, July 2024
    assert values(res, "QXU", "2024-07-01") == {
        "attendances": 34182,
        "over_4h": 7464,
        "within_4h": 34182 - 7464,
        "emergency_admissions": 11177,
        "dta_over_4h": 1912,
    }


def test_imd_context_for_one_year(root):
    res = read(root, RAW + IMD, "imd_icb", **CODES)
    assert counts(res) == (42, 42, 0, 0)
    # line 2: E54000008 (QYG) average score 25.531, proportion in the most deprived 10% 0.2011
    got = values(res, "QYG", "2024-04-01")
    assert got["imd_average_score"] == 25.531
    assert got["imd_pct_most_deprived_decile"] == pytest.approx(20.11)
    other = read(root, RAW + IMD, "imd_icb", year="2023/24", **CODES)
    assert set(other.measures.month) == {pd.Timestamp("2023-04-01")}
    with pytest.raises(IngestError, match="source option 'year'"):
        read(root, RAW + IMD, "imd_icb", year="2024", **CODES)


# --------------------------------------------------------------------------------------------
# small samples with bad rows

RTT_HEADER = "org_code,org_name,level,region,month,within_18wk,total_incomplete,pct_within_18wk,"
RTT_HEADER += "waitlist,over_52wk,over_65wk,over_78wk,over_104wk,data_status\n"


def test_rtt_bad_rows_in_a_gzip_sample(tmp_path):
    text = RTT_HEADER + (
        "RJ1,A,provider,London,2024-03,77835,143843,0.54,143843,5328,0,0,0,final\n"
        "RJ2,B,provider,London,2024-03,900,800,1.1,800,0,0,0,0,final\n"  # within > total
        "RJ3,C,provider,London,2024-03,10,20,0.5,20,12x,0,0,0,final\n"  # not a number
        "QYG,D,icb,England,2024-03,10,20,0.5,20,1,0,0,0,final\n"  # other level: excluded
        "RJ4,E,trust,London,2024-03,10,20,0.5,20,1,0,0,0,final\n"  # unknown level
        "RJ5,F,provider,London,03/2024,10,20,0.5,20,1,0,0,0,final\n"  # bad month
    )
    with gzip.open(tmp_path / "rtt.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(text)
    res = read(tmp_path, "rtt.csv.gz", "nhse_rtt_incomplete_monthly")
    assert counts(res) == (6, 1, 1, 4)
    rej = res.rejected.set_index("line")
    assert rej.loc[3, "column"] == "within_18wk" and "within 18 weeks" in rej.loc[3, "reason"]
    assert (rej.loc[4, "file"], rej.loc[4, "column"]) == ("rtt.csv.gz", "over_52wk")
    assert "not a number" in rej.loc[4, "reason"]
    assert rej.loc[6, "column"] == "level" and "not one of" in rej.loc[6, "reason"]
    assert rej.loc[7, "column"] == "month"
    with pytest.raises(IngestError, match="source option 'level'"):
        read(tmp_path, "rtt.csv.gz", "nhse_rtt_incomplete_monthly", level="trust")


def test_cancer_bad_rows(tmp_path):
    head = "org_code,org_name,level,region,standard,month,within_standard,total,performance,"
    (tmp_path / "c.csv").write_text(
        head + "data_status\n"
        "RJ1,A,provider,London,FDS28,2024-04,1824,2607,0.7,final\n"
        "RJ1,A,provider,London,CMB99,2024-04,1,2,0.5,final\n"  # unknown standard
        "RJ1,A,provider,London,CMB62,2024-04,300,274,1.1,final\n"  # within > total
        "ENG,England,national,England,FDS28,2024-04,1,2,0.5,final\n"  # England: excluded
        "RJ1,A,provider,London,FDS28,2024-04,1,2,0.5,final\n",  # duplicate key
        encoding="utf-8",
    )
    res = read(tmp_path, "c.csv", "nhse_cancer_waits_monthly")
    assert counts(res) == (5, 0, 1, 4)
    rej = res.rejected.drop_duplicates("line").set_index("line")
    assert rej.loc[3, "column"] == "standard"
    assert rej.loc[4, "column"] == "within_standard"
    assert "duplicate" in rej.loc[2, "reason"] and "duplicate" in rej.loc[6, "reason"]


def test_staff_survey_bad_rows(tmp_path):
    cols = ["ODS code", "Year"] + [
        f"{q}_{x}" for q in ("Stress", "Burned_out", "Enough_staff") for x in ("base", "rate")
    ]
    (tmp_path / "s.csv").write_text(
        ",".join(cols) + "\n"
        "RJ1,2023,100,40,100,30,100,35\n"
        "RJ2,2023,100,140,100,30,100,35\n"  # weighted % above 100
        ",2023,100,40,100,30,100,35\n"  # blank code
        "RJ3,2023/24,100,40,100,30,100,35\n",  # not a survey year
        encoding="utf-8",
    )
    res = read(tmp_path, "s.csv", "nhs_staff_survey_questions")
    assert counts(res) == (4, 1, 0, 3)
    rej = res.rejected.set_index("line")
    assert rej.loc[3, "column"] == "Stress_rate" and "0 to 100" in rej.loc[3, "reason"]
    assert rej.loc[4, "column"] == "ODS code" and rej.loc[5, "column"] == "Year"
    assert values(res, "RJ1", "2023-10-01")["staff_stress_yes"] == 40


def test_hcai_bad_cells_name_their_year_column(tmp_path, root):
    years = ",".join(f"{y} to {y + 1}" for y in (2021, 2022, 2023))
    code = "Sustainability transformation partnerships code"
    text = (
        f"Species,{code} (ONS),{code} (NHS),Integrated care board (ICB),{years}\r\n"
        "Methicillin-resistant Staphylococcus aureus\xa0(MRSA),E54000008,QYG,C&M,1.3,1.2x,1.1\r\n"
        "C. difficile ,E54000999,QZZ,Nowhere,10.0,11.0,[x]\r\n"  # ICB without a population
        "MSSA,E54000008,QYG,C&M,20.0,21.0,22.0\r\n"  # out of scope
        "Staphylococcus epidermidis,E54000008,QYG,C&M,1.0,1.0,1.0\r\n"  # unknown organism
    )
    (tmp_path / "h.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "pop.csv").write_bytes((root / POPULATION["population"]).read_bytes())
    res = read(tmp_path, "h.csv", "ukhsa_hcai_icb_rates", population="pop.csv")
    assert counts(res) == (12, 2, 4, 6)
    rej = res.rejected
    bad = rej[(rej.line == 2)].iloc[0]
    assert (bad.file, bad.column, bad.value) == ("h.csv", "2022 to 2023", "1.2x")
    assert set(rej[rej.line == 3].column) == {"population"}  # QZZ: two cells, [x] excluded
    assert set(rej[rej.line == 5].column) == {"Species"}
    reasons = res.ledger["reasons"]  # each cell counted once, under its first reason
    assert "rejected: no population for the ICB in the file of the source option population: 2" in (
        reasons
    )
    assert "rejected: not a number (and not a missing-value marker): 1" in reasons
    assert values(res, "QYG", "2021-04-01")["hcai_mrsa"] == pytest.approx(
        1.3 * 2727995.2891305834 / 1e5
    )
    with pytest.raises(IngestError, match="source option 'population'"):
        read(tmp_path, "h.csv", "ukhsa_hcai_icb_rates")


def test_icb_codes_not_in_the_lookup_are_rejected(tmp_path, root):
    (tmp_path / "codes.csv").write_bytes((root / CODES["codes"]).read_bytes())
    (tmp_path / "a.csv").write_text(
        "icb22_code,date,total_attendances,attendances_over_4hours,total_emergency_admissions,"
        "emergency_admissions_over_4hours\n"
        "E54000008,2023-01-01,112240,30652,27715,9783\n"
        "E54000999,2023-01-01,100,10,10,1\n",
        encoding="utf-8",
    )
    res = read(tmp_path, "a.csv", "nhse_icb_ae_monthly", codes="codes.csv")
    assert counts(res) == (2, 1, 0, 1)
    bad = res.rejected.iloc[0]
    assert (bad.line, bad.column, bad.value) == (3, "icb22_code", "E54000999")
    assert "not an ICB ONS code in codes.csv" in bad.reason
    assert values(res, "QYG", "2023-01-01")["within_4h"] == 112240 - 30652
    with pytest.raises(IngestError, match="source option 'codes'"):
        read(tmp_path, "a.csv", "nhse_icb_ae_monthly")


def test_months_the_settings_exclude_are_counted_with_their_reason(root):
    """``exclude_months``: the trust A&E file repeats February and March 2024 as 2025; those
    months are excluded (every row accounted for), with the reason, grouped by reason."""
    path = "data/raw/trust_ae_monthly_2021_2025.csv"
    whole = read(root, path, "nhse_trust_ae_monthly")
    copies = {"2025-02": "a copy of February 2024", "2025-03": "a copy of March 2024"}
    res = read(root, path, "nhse_trust_ae_monthly", exclude_months=copies)
    n, acc, exc, rej = counts(res)
    in_months = pd.read_csv(root / path, dtype=str).date.str[:7].isin(copies)
    assert n == counts(whole)[0] and rej == counts(whole)[3]
    assert exc == counts(whole)[2] + int(in_months.sum()) and acc == counts(whole)[1] - exc
    assert not res.measures.month.isin(pd.to_datetime(["2025-02-01", "2025-03-01"])).any()
    reasons = res.ledger["reasons"]
    assert "2025-02 excluded by the settings: a copy of February 2024" in reasons
    many = {f"2022-{m:02d}": "field test" for m in range(4, 13)}
    res = read(root, path, "nhse_trust_ae_monthly", exclude_months=many)
    assert (
        "2022-04 to 2022-12 (9 months) excluded by the settings: field test"
        in (res.ledger["reasons"])
    )
    with pytest.raises(ValueError, match="exclude_months.*2025-2"):
        read(root, path, "nhse_trust_ae_monthly", exclude_months={"2025-2": "typo"})
