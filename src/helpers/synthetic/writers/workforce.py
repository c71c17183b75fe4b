"""Workforce: sickness absence (monthly, all trusts) and the staff survey's engagement score
(one CSV per financial year)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.fy import fy_file_label
from helpers.synthetic.model import by_fy, expit, logit, random_stream, season
from helpers.synthetic.plant import plant
from helpers.synthetic.world import SYNTHETIC
from helpers.synthetic.writers.context import Output

_FTE = {
    "acute_trust": 6000,
    "mental_health_trust": 3500,
    "community_trust": 2500,
    "ambulance_trust": 4000,
}
_ENGAGEMENT_MEAN = {2020: 7.0, 2021: 6.8, 2022: 6.8, 2023: 6.9, 2024: 6.9}


def write_workforce(out: Output) -> None:
    w = out.world
    rng = random_stream(w.seed, 16)
    t = w.orgs[w.orgs.org_type != "icb"]
    codes = t.org_code.tolist()
    us = plant(w, codes, "sickness_absence_pct", "odds_ratio", 0.08, (0.3, 0.4), 17, worse=1)
    ue = plant(w, codes, "staff_engagement_mean", "shift", 0.12, (0.5, 0.7), 18, worse=-1)
    fte = t.org_type.map(_FTE).to_numpy()
    fte = fte * t.size_index.to_numpy()
    act = w.active.loc[codes].to_numpy()
    _sickness_absence(out, rng, t, fte, us, act)
    _staff_survey(out, rng, t, fte, ue, act)


def _sickness_absence(
    out: Output,
    rng: np.random.Generator,
    t: pd.DataFrame,
    fte: np.ndarray,
    us: np.ndarray,
    act: np.ndarray,
) -> None:
    """``sickness_absence.csv``: FTE days lost and available by trust and month."""
    mo = out.world.months
    codes = t.org_code.tolist()
    avail = (
        fte[:, None]
        * mo.days_in_month.to_numpy()[None, :]
        * np.exp(rng.normal(0, 0.01, (len(codes), len(mo))))
    )
    base = logit(by_fy(mo, {2020: 0.055, 2021: 0.057, 2022: 0.056, 2023: 0.051, 2024: 0.050}))
    base = base + season(mo, 0.12, 1)
    p = expit(base[None, :] + us[:, None] + rng.normal(0, 0.03, avail.shape))
    lost = avail * p
    out.expect(
        codes,
        "fte_days_lost",
        "fte_days_available",
        avail * expit(base[None, :] + us[:, None]),
        avail,
        act,
    )
    rows = []
    for m_i, m in enumerate(mo):
        end = m + pd.offsets.MonthEnd(0)
        for o in range(len(codes)):
            if act[o, m_i]:
                rows.append(
                    [
                        SYNTHETIC,
                        end.strftime("%Y-%m-%d"),
                        codes[o],
                        t.org_name.iat[o],
                        t.org_type.iat[o],
                        f"{lost[o, m_i]:.2f}",
                        f"{avail[o, m_i]:.2f}",
                    ]
                )
    out.csv(
        "sickness_absence.csv",
        [
            "Data status",
            "Month",
            "Org Code",
            "Org Name",
            "Org Type",
            "FTE days lost",
            "FTE days available",
        ],
        rows,
    )


def _staff_survey(
    out: Output,
    rng: np.random.Generator,
    t: pd.DataFrame,
    fte: np.ndarray,
    ue: np.ndarray,
    act: np.ndarray,
) -> None:
    """``staff_survey_<yyyy-yy>.csv``: engagement mean score and its spread by trust."""
    w = out.world
    codes = t.org_code.tolist()
    for fy in w.fys:
        col = w.month_indices(fy)[-1]
        resp = rng.poisson(0.4 * fte * np.exp(rng.normal(0, 0.1, len(codes))))
        sd = rng.uniform(1.6, 2.0, len(codes))
        mean = _ENGAGEMENT_MEAN[fy] + ue + rng.normal(0, sd / np.sqrt(np.maximum(resp, 1)))
        # the pipeline's mean is the sum of the scores over the respondents
        out.expect(
            codes,
            "staff_engagement_sum",
            "staff_engagement_n",
            (resp * (_ENGAGEMENT_MEAN[fy] + ue))[:, None],
            resp[:, None],
            act[:, [col]],
            [w.month_indices(fy)[0]],
        )
        rows = [
            [codes[o], t.org_name.iat[o], str(resp[o]), f"{mean[o]:.2f}", f"{sd[o]:.2f}"]
            for o in range(len(codes))
            if act[o, col]
        ]
        out.csv(
            f"staff_survey_{fy_file_label(fy)}.csv",
            ["Org Code", "Org Name", "Respondents", "Engagement mean score", "Standard deviation"],
            rows,
            out.title(f"NHS Staff Survey {fy}, staff engagement (0-10)"),
            ["Note: survey run in the autumn of the financial year."],
        )
