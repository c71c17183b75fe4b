"""The commissioners' metrics, by ICB: access to mental health services (monthly) and flu
vaccination uptake among people aged 65 and over (by season)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.fy import fy_file_label, fy_of_month
from helpers.stats.esp2013 import ESP2013_BANDS
from helpers.synthetic.model import expit, logit, random_stream
from helpers.synthetic.plant import plant
from helpers.synthetic.writers.context import Output

_FLU_UPTAKE = {2020: 0.81, 2021: 0.82, 2022: 0.80, 2023: 0.77, 2024: 0.75}


def write_icb_metrics(out: Output) -> None:
    """``mh_access_icb.csv`` and ``flu_vaccination_icb.csv``."""
    w = out.world
    rng = random_stream(w.seed, 18)
    icbs = w.orgs[w.orgs.org_type == "icb"]
    codes = icbs.org_code.tolist()
    um = plant(w, codes, "mh_access_pct", "odds_ratio", 0.1, (0.45, 0.6), 20, worse=-1)
    uf = plant(w, codes, "flu_vaccination_pct", "odds_ratio", 0.1, (0.45, 0.6), 21, worse=-1)
    pop = w.population
    by = ["icb_code", "year"]
    adult = pop[~pop.age_band.isin(ESP2013_BANDS[:4])].groupby(by).population.sum()
    old = pop[pop.age_band.isin(ESP2013_BANDS[13:])].groupby(by).population.sum()
    _mh_access(out, rng, icbs, um, adult)
    _flu_vaccination(out, rng, icbs, uf, old)


def _mh_access(
    out: Output, rng: np.random.Generator, icbs: pd.DataFrame, um: np.ndarray, adult: pd.Series
) -> None:
    """People in contact with mental health services and the estimated prevalence."""
    mo = out.world.months
    codes = icbs.org_code.tolist()
    rows = []
    base = logit(0.13) + 0.01 * np.arange(len(mo))
    prevs = np.zeros((len(codes), len(mo)))
    for m_i, m in enumerate(mo):
        fy = fy_of_month(m)
        for o, c in enumerate(codes):
            prev = int(round(0.165 * adult[(c, fy)]))
            people = rng.binomial(prev, expit(base[m_i] + um[o] + rng.normal(0, 0.02)))
            rows.append([m.strftime("%Y-%m-%d"), c, icbs.org_name.iat[o], str(people), str(prev)])
            prevs[o, m_i] = prev
    out.expect(
        codes,
        "mh_access_people",
        "mh_prevalence",
        prevs * expit(base[None, :] + um[:, None]),
        prevs,
        np.ones(prevs.shape, dtype=bool),
    )
    out.csv(
        "mh_access_icb.csv",
        ["Month", "ICB Code", "ICB Name", "People in contact", "Estimated prevalence"],
        rows,
        out.title("Mental health services: people in contact, by ICB"),
        [
            "Note: prevalence = estimated adults with a common mental health "
            "condition (16.5% of adults)."
        ],
    )


def _flu_vaccination(
    out: Output, rng: np.random.Generator, icbs: pd.DataFrame, uf: np.ndarray, old: pd.Series
) -> None:
    """Vaccinated and eligible people aged 65 and over, by season."""
    codes = icbs.org_code.tolist()
    fys = out.world.fys
    rows = []
    eligible = np.zeros((len(codes), len(fys)))
    for y, fy in enumerate(fys):
        for o, c in enumerate(codes):
            elig = int(old[(c, fy)])
            vac = rng.binomial(elig, expit(logit(_FLU_UPTAKE[fy]) + uf[o]))
            eligible[o, y] = elig
            rows.append(
                [fy_file_label(fy), c, icbs.org_name.iat[o], "65 and over", str(vac), str(elig)]
            )
    uptake = np.array([logit(_FLU_UPTAKE[fy]) for fy in fys])
    out.expect(
        codes,
        "flu_vaccinated",
        "flu_eligible",
        eligible * expit(uptake[None, :] + uf[:, None]),
        eligible,
        np.ones(eligible.shape, dtype=bool),
        [out.world.month_indices(fy)[0] for fy in fys],
    )
    out.csv(
        "flu_vaccination_icb.csv",
        ["Season", "ICB Code", "ICB Name", "Cohort", "Vaccinated", "Eligible"],
        rows,
        out.title("Seasonal influenza vaccine uptake, by ICB"),
        ["Note: season 2024-25 = September 2024 to February 2025."],
    )
