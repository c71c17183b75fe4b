"""Quality: patient surveys (one CSV per financial year), healthcare associated infections
(monthly) and occupied bed days (quarterly, the infections' denominator)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.fy import fy_file_label, fy_label, fy_of_month
from helpers.synthetic.model import by_fy, expit, logit, random_stream
from helpers.synthetic.plant import plant
from helpers.synthetic.world import FAILING_SHIFT
from helpers.synthetic.writers.context import Output


# effectiveness and experience ------------------------------------------------------------
def write_patient_survey(out: Output) -> None:
    """``patient_survey_<yyyy-yy>.csv``; one field-test trust has blank results one year."""
    w = out.world
    rng = random_stream(w.seed, 14)
    t = w.trusts("acute_trust", "mental_health_trust", "community_trust")
    codes = t.org_code.tolist()
    u = plant(w, codes, "patient_survey_positive_pct", "odds_ratio", 0.15, (0.6, 0.8), 15, worse=-1)
    survey = t.org_type.map(
        {
            "acute_trust": "Adult inpatient",
            "mental_health_trust": "Community mental health",
            "community_trust": "Community services",
        }
    ).tolist()
    n_base = t.org_type.map(
        {"acute_trust": 560, "mental_health_trust": 260, "community_trust": 380}
    ).to_numpy()
    field_o = int(rng.integers(0, len(codes)))
    field_fy = w.fys[0]
    for fy in w.fys:
        col = w.month_indices(fy)[0]
        act = w.active.loc[codes].iloc[:, col].to_numpy()
        resp = rng.poisson(n_base * np.exp(rng.normal(0, 0.15, len(codes))))
        pos = rng.binomial(resp, expit(logit(0.80) + u + rng.normal(0, 0.03, len(codes))))
        shown = act & ~((np.arange(len(codes)) == field_o) & (fy == field_fy))
        out.expect(
            codes,
            "survey_positive",
            "survey_respondents",
            (resp * expit(logit(0.80) + u))[:, None],
            resp[:, None],
            shown[:, None],
            [col],
        )
        rows = []
        for o in range(len(codes)):
            if not act[o]:
                continue
            if o == field_o and fy == field_fy:
                rows.append([codes[o], t.org_name.iat[o], survey[o], "", ""])
                continue
            rows.append([codes[o], t.org_name.iat[o], survey[o], str(resp[o]), str(pos[o])])
        out.csv(
            f"patient_survey_{fy_file_label(fy)}.csv",
            ["Org Code", "Org Name", "Survey", "Respondents", "Positive responses"],
            rows,
            out.title(f"Patient surveys, positive responses, {fy_label(fy)}"),
            ["Note: blank = field-test trust (survey methods tested; results not published)."],
        )
    w.quirks.append(
        {
            "file": f"patient_survey_{fy_file_label(field_fy)}.csv",
            "org_code": codes[field_o],
            "description": "field-test trust: blank respondents and positive responses",
        }
    )


# safety ----------------------------------------------------------------------------------
#: the measure each organism's cases are read as
_HCAI_MEASURES = {"MRSA": "hcai_mrsa", "C. difficile": "hcai_cdiff", "E. coli": "hcai_ecoli"}


def write_hcai(out: Output) -> None:
    """``hcai_monthly.csv`` (cases by organism) and ``occupied_bed_days_quarterly.csv``."""
    w = out.world
    rng = random_stream(w.seed, 15)
    t = w.trusts("acute_trust")
    codes = t.org_code.tolist()
    mo = w.months
    ucd = plant(w, codes, "hcai_cdiff_rate", "rate_ratio", 0.12, (0.75, 1.0), 16, worse=1)
    act = w.active.loc[codes].to_numpy()
    # MRSA and E. coli carry no planted effect, but the failing organisations fare worse
    fail = np.array([FAILING_SHIFT * 0.12 if c in w.failing else 0.0 for c in codes])
    obd_m = (
        800
        * 0.9
        * t.size_index.to_numpy()[:, None]
        * mo.days_in_month.to_numpy()
        * np.exp(rng.normal(0, 0.02, (len(codes), len(mo))))
    )
    obd_m = np.round(obd_m)
    rates = {
        "MRSA": by_fy(mo, {2020: 1.0, 2021: 1.1, 2022: 1.0, 2023: 1.1, 2024: 1.0}),
        "C. difficile": by_fy(mo, {2020: 25, 2021: 28, 2022: 30, 2023: 32, 2024: 33}),
        "E. coli": by_fy(mo, {2020: 20, 2021: 21, 2022: 22, 2023: 22, 2024: 23}),
    }
    cases = {}
    for org, base in rates.items():
        eff = ucd if org == "C. difficile" else rng.normal(0, 0.12, len(codes)) + fail
        cases[org] = rng.poisson(obd_m / 1e5 * base[None, :] * np.exp(eff)[:, None])
        # the Poisson mean is the expected count (no month-level deviation in this model)
        expected = obd_m / 1e5 * base[None, :] * np.exp(eff)[:, None]
        out.expect(codes, _HCAI_MEASURES[org], "occupied_bed_days", expected, obd_m, act)
    rows = []
    for m_i, m in enumerate(mo):
        for o in range(len(codes)):
            if act[o, m_i]:
                for org in rates:
                    rows.append([m.strftime("%Y-%m"), codes[o], org, str(cases[org][o, m_i])])
    out.csv(
        "hcai_monthly.csv",
        ["Month", "Org Code", "Organism", "Cases"],
        rows,
        out.title("Healthcare associated infections, trust apportioned"),
        ["Note: counts of hospital-onset cases apportioned to the trust."],
    )
    _bed_days(out, t, obd_m, act)


def _bed_days(out: Output, t: pd.DataFrame, obd_m: np.ndarray, act: np.ndarray) -> None:
    """``occupied_bed_days_quarterly.csv`` from the monthly bed days (trusts x months)."""
    w = out.world
    codes = t.org_code.tolist()
    rows = []
    for fy in w.fys:
        for q in range(4):
            cols = [
                i
                for i, m in enumerate(w.months)
                if fy_of_month(m) == fy and ((m.month - 4) % 12) // 3 == q
            ]
            for o in range(len(codes)):
                if act[o, cols].any():
                    v = int(obd_m[o, cols][act[o, cols]].sum())
                    rows.append(
                        [fy_file_label(fy), f"Q{q + 1}", codes[o], t.org_name.iat[o], str(v)]
                    )
    out.csv(
        "occupied_bed_days_quarterly.csv",
        ["Year", "Quarter", "Org Code", "Org Name", "Occupied bed days"],
        rows,
        out.title("Bed availability and occupancy (KH03-like), general and acute"),
        ["Note: Q1 = April to June. Occupied bed-days in the quarter."],
    )
