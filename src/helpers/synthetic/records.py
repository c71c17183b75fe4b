"""A synthetic, HES-like record-level extract of hospital admissions (one row per spell).

:func:`write_admissions` writes ``record_level/admissions.parquet`` for the acute trusts of a
synthetic England and returns the *planted truth*: which providers (and ICBs) were made to
differ, and by how much, so the pipeline's outcome indicators can be checked against it.

How the records are made (all vectorised numpy, one financial year at a time):

* **First spells.** For every ICB of residence, age band and sex, a Poisson number of spells
  proportional to the population and an age-specific admission rate, in two streams: ordinary
  spells (non-ACS diagnosis groups, emergency or elective by group) and emergency admissions
  for ambulatory-care-sensitive conditions (``ACS_*`` groups), the latter multiplied by the ICB's
  planted rate ratio. Dates follow a mild winter peak; IMD deciles follow an ICB-specific
  deprivation profile.
* **Provider.** 88% of spells go to an acute trust of the ICB of residence that is open in the
  month (weighted by trust size), the rest to any open trust of the region (any open trust in
  England when the region has none). A trust is open in a month when ``open_date`` <= the
  first of the month < ``close_date`` (blank: no limit), the rule of ``world.build_world``
  (whose close dates are month ends), so a successor code has spells only from the month it
  opens. The ordinary stream's diagnosis group follows a provider-specific case mix
  (specialist centres see more cancer, and so on).
* **Outcomes.** ``died`` (in hospital or within 30 days of discharge) and the 30-day emergency
  readmission are Bernoulli draws from logistic models on age band, sex, IMD decile, diagnosis
  group and admission method, plus the provider's log odds ratio: a small random effect
  (N(0, 0.05²) truncated at ±0.1) for most providers and, for about 10% of them (separately
  for mortality and readmission, half high and half low), a planted odds ratio that replaces
  the random effect: mortality 1.6-1.9 or 0.5-0.6, readmission 1.5-1.8 or 0.55-0.65. ICBs get
  a rate ratio for emergency ACS admissions: N(0, 0.03²) truncated at ±0.06 on the log scale,
  or 1.3-1.5 / 0.67-0.77 for about 10% of them.
* **Successions** (as ``plant.plant``): codes in a merger (several old codes sharing one
  new code, or an old code folded into a code that was already open) are never planted; in a
  code change (one old code -> one new code that opens at the change) the new code is the same
  organisation and gets the old code's effects (random and planted), activity size and case
  mix. So every code that the pipeline folds into one successor carries the same truth.
* **Chains.** A spell whose patient survives is followed (at most three times in a chain) by
  one next spell of the same patient: an emergency readmission 0-30 days after discharge (by
  the readmission model), else a planned elective spell 7-30 days after discharge (3%), else a
  later emergency admission 31-365 days after discharge (15%). Later spells keep the patient's
  ICB, age band, sex and IMD decile, go to the same provider 80% of the time, and draw a
  non-ACS diagnosis group. A death ends the chain, so ``died`` belongs to the patient's last
  spell, as SHMI attributes it. Spells admitted after the last financial year are dropped.

* **Expected counts** (``write_admissions(..., expected=[])``, for ``planted_values.csv``): the
  model's probabilities of each spell, summed as the reader counts (see
  :func:`helpers.synthetic.records_truth._expected_outcomes`); computed from the same arrays,
  with no extra random draw.

The planted truth (effects, succession roles, the truth table, the expected counts) is
:mod:`helpers.synthetic.records_truth`; a small stand-in geography for tests and benchmarks is
:func:`helpers.synthetic.records_example.example_geography`.

The row count is set by ``scale`` (``england``: about 1.15 million spells a year, i.e. a
sample of England's activity; ``small``: about 85,000 a year), so rates per 100,000 are
proportionally lower than real ones.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.core.fy import fy_start
from helpers.stats.esp2013 import ESP2013_BANDS, ESP2013_WEIGHTS
from helpers.synthetic.records_truth import (
    _EPOCH,
    _dates,
    _expected_outcomes,
    _outcome_sums,
    _planted,
    _successions,
    succession_roles,
    truth_table,
)

AGE_BANDS: tuple[str, ...] = ESP2013_BANDS
SEXES: tuple[str, ...] = ("M", "F")

#: Ambulatory-care-sensitive condition groups (emergency admissions for these are "avoidable").
ACS_GROUPS: tuple[str, ...] = (
    "ACS_COPD",
    "ACS_ASTHMA",
    "ACS_DIABETES",
    "ACS_HEART_FAILURE",
    "ACS_ANGINA",
    "ACS_HYPERTENSION",
    "ACS_EPILEPSY",
    "ACS_UTI",
    "ACS_CELLULITIS",
)
# name: (share of the ordinary stream, share elective, log-odds death, log-odds readmission)
_OTHER_GROUPS: dict[str, tuple[float, float, float, float]] = {
    "SEPSIS": (0.04, 0.0, 1.6, 0.2),
    "PNEUMONIA": (0.06, 0.0, 1.3, 0.3),
    "STROKE": (0.03, 0.0, 1.2, 0.0),
    "AMI": (0.03, 0.05, 0.8, 0.1),
    "FRACTURED_NECK_OF_FEMUR": (0.02, 0.0, 0.7, 0.0),
    "GI_BLEED": (0.03, 0.1, 0.6, 0.2),
    "ACUTE_KIDNEY_INJURY": (0.03, 0.0, 1.0, 0.4),
    "CANCER_LUNG": (0.03, 0.5, 1.4, 0.5),
    "CANCER_COLORECTAL": (0.03, 0.6, 0.5, 0.3),
    "CANCER_OTHER": (0.08, 0.6, 0.6, 0.3),
    "ARRHYTHMIA": (0.04, 0.3, -0.3, 0.0),
    "ABDOMINAL_PAIN": (0.09, 0.1, -1.8, -0.1),
    "CHEST_PAIN": (0.07, 0.0, -2.2, -0.3),
    "ALCOHOL_LIVER": (0.02, 0.05, 0.9, 0.7),
    "OTHER_CIRCULATORY": (0.06, 0.5, -0.2, -0.1),
    "OTHER_RESPIRATORY": (0.05, 0.2, 0.3, 0.1),
    "OTHER": (0.29, 0.55, -0.8, -0.2),
}
# name: (share of the ACS stream, log-odds death, log-odds readmission)
_ACS: dict[str, tuple[float, float, float]] = {
    "ACS_COPD": (0.20, 0.6, 0.5),
    "ACS_ASTHMA": (0.08, -1.6, 0.0),
    "ACS_DIABETES": (0.08, -0.3, 0.3),
    "ACS_HEART_FAILURE": (0.14, 0.9, 0.5),
    "ACS_ANGINA": (0.08, -1.2, 0.0),
    "ACS_HYPERTENSION": (0.04, -1.0, -0.2),
    "ACS_EPILEPSY": (0.08, -1.0, 0.2),
    "ACS_UTI": (0.22, -0.2, 0.2),
    "ACS_CELLULITIS": (0.08, -0.9, 0.0),
}
OTHER_GROUPS: tuple[str, ...] = tuple(_OTHER_GROUPS)
DIAGNOSIS_GROUPS: tuple[str, ...] = OTHER_GROUPS + ACS_GROUPS

# age-specific relative admission rates (ordinary stream, ACS stream), length of stay, effects
_RATE_ORDINARY = np.array(
    [
        0.6,
        0.25,
        0.25,
        0.35,
        0.4,
        0.45,
        0.5,
        0.55,
        0.6,
        0.7,
        0.85,
        1.0,
        1.2,
        1.5,
        1.9,
        2.4,
        3.0,
        3.5,
        3.8,
    ]
)
_RATE_ACS = np.array(
    [
        0.5,
        0.2,
        0.15,
        0.12,
        0.12,
        0.13,
        0.15,
        0.18,
        0.22,
        0.3,
        0.4,
        0.55,
        0.75,
        1.0,
        1.4,
        2.0,
        2.8,
        3.5,
        4.0,
    ]
)
_AGE_DEATH = np.array(
    [
        -1.0,
        -1.6,
        -1.6,
        -1.4,
        -1.3,
        -1.2,
        -1.0,
        -0.8,
        -0.6,
        -0.4,
        -0.2,
        0.0,
        0.2,
        0.45,
        0.7,
        0.95,
        1.2,
        1.45,
        1.7,
    ]
)
_AGE_READMIT = np.linspace(-0.3, 0.4, len(AGE_BANDS))
_DEATH_INTERCEPT = -4.1
_READMIT_INTERCEPT = -2.35
_MALE_DEATH, _MALE_READMIT = 0.1, 0.05
_ELECTIVE_DEATH, _ELECTIVE_READMIT = -1.5, -0.6
_IMD_DEATH = 0.03  # per decile more deprived than 10
_IMD_READMIT = 0.04

SCALES: dict[str, int] = {"england": 800_000, "small": 60_000}  # first spells a year
LOCAL_SHARE = 0.88
SAME_PROVIDER_NEXT = 0.80
P_ELECTIVE_FOLLOW_UP = 0.03
P_LATER_EMERGENCY = 0.15
MAX_CHAIN = 3
RANDOM_EFFECT_SD = 0.05
ICB_RANDOM_EFFECT_SD = 0.03
ROW_GROUP_SIZE = 1_000_000

SCHEMA = pa.schema(
    [
        ("spell_id", pa.int64()),
        ("patient_id", pa.int64()),
        ("provider_code", pa.string()),
        ("icb_code", pa.string()),
        ("admission_date", pa.date32()),
        ("discharge_date", pa.date32()),
        ("age_band", pa.string()),
        ("sex", pa.string()),
        ("imd_decile", pa.int8()),
        ("diagnosis_group", pa.string()),
        ("admission_method", pa.string()),
        ("died", pa.bool_()),
    ]
)


def _fy_start(year: str) -> np.datetime64:
    return np.datetime64(f"{fy_start(year)}-04-01", "D")


def _draw(keys: np.ndarray, cum: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row from row ``keys[i]`` of the cumulative table ``cum``.

    ``cum`` is (K, J) with each row non-decreasing and ending at 1. Fully vectorised: the rows
    are laid end to end with offsets 0, 1, 2, ... so one ``searchsorted`` serves every key.
    """
    k, j = cum.shape
    flat = (cum + np.arange(k)[:, None]).ravel()
    u = rng.random(len(keys))
    idx = np.searchsorted(flat, keys + u, side="right") - keys * j
    return np.minimum(idx, j - 1)


def _cumulative(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    total = w.sum(axis=-1, keepdims=True)
    cum = np.cumsum(w, axis=-1) / np.where(total > 0, total, 1.0)
    cum[..., -1] = 1.0
    return cum


def _population_cube(population: pd.DataFrame, icbs: list[str], year: int) -> np.ndarray:
    """Population as an (ICB, age band, sex) array for the mid-year nearest ``year``."""
    pop = population.copy()
    pop["year"] = pop["year"].astype(int)
    years = np.array(sorted(pop["year"].unique()))
    nearest = int(years[np.argmin(np.abs(years - year))])
    pop = pop[pop["year"] == nearest]
    cube = (
        pop.groupby(["icb_code", "age_band", "sex"])["population"]
        .sum()
        .reindex(pd.MultiIndex.from_product([icbs, AGE_BANDS, SEXES]), fill_value=0)
        .to_numpy(dtype=float)
        .reshape(len(icbs), len(AGE_BANDS), len(SEXES))
    )
    return cube


class _Geography:
    """Index arrays for the ICBs, acute trusts and months of the extract."""

    def __init__(self, orgs: pd.DataFrame, population: pd.DataFrame, years: list[str]) -> None:
        acute = orgs[orgs["org_type"] == "acute_trust"].sort_values("org_code")
        if acute.empty:
            raise ValueError("orgs has no acute trusts (org_type 'acute_trust')")
        self.providers: list[str] = acute["org_code"].astype(str).tolist()
        self.icbs: list[str] = sorted(population["icb_code"].astype(str).unique())
        icb_pos = {c: i for i, c in enumerate(self.icbs)}
        # region of each ICB: from the ICB rows of orgs, else from any organisation in it
        region: dict[str, str] = {}
        for r in orgs.itertuples():
            if r.org_type == "icb":
                region[str(r.org_code)] = str(r.region_code)
        for r in orgs.itertuples():
            region.setdefault(str(r.icb_code), str(r.region_code))
        regions = sorted({region.get(c, "") for c in self.icbs})
        self.icb_region = np.array([regions.index(region.get(c, "")) for c in self.icbs])
        self.prov_icb = np.array([icb_pos.get(str(c), -1) for c in acute["icb_code"]])
        self.prov_region = np.array(
            [regions.index(str(r)) if str(r) in regions else -1 for r in acute["region_code"]]
        )
        self.years = years
        self.start = _fy_start(years[0])
        self.end = np.datetime64(f"{fy_start(years[-1]) + 1}-03-31", "D")
        first_month = self.start.astype("datetime64[M]")
        self.n_months = len(years) * 12 + 13  # room for chains running past the end
        month_starts = (first_month + np.arange(self.n_months)).astype("datetime64[D]")
        blank = pd.Series("", index=acute.index)
        self.open_days = _dates(acute.get("open_date", blank), "1900-01-01")
        close_days = _dates(acute.get("close_date", blank), "9999-12-31")
        # open in the month: opened on or before the first of the month, not closed by then
        self.open = (self.open_days[None, :] <= month_starts[:, None]) & (
            month_starts[:, None] < close_days[None, :]
        )  # (month, provider)
        self.first_month = first_month

    def provider_cum(self, size: np.ndarray) -> np.ndarray:
        """Cumulative provider choice table per (ICB, month): (n_icb * n_months, n_prov)."""
        n_icb, n_prov = len(self.icbs), len(self.providers)
        local = (self.prov_icb[None, :] == np.arange(n_icb)[:, None]).astype(float)
        regional = (self.prov_region[None, :] == self.icb_region[:, None]).astype(float)
        w = np.zeros((n_icb, self.n_months, n_prov))
        for m in range(self.n_months):
            open_m = self.open[m].astype(float) * size
            lw = local * open_m
            rw = regional * open_m
            nw = np.broadcast_to(open_m, (n_icb, n_prov))
            ls = lw.sum(1, keepdims=True)
            rs = rw.sum(1, keepdims=True)
            ns = nw.sum(1, keepdims=True)
            elsewhere = np.where(rs > 0, rw / np.where(rs > 0, rs, 1), nw / np.where(ns > 0, ns, 1))
            mix = np.where(
                ls > 0,
                LOCAL_SHARE * lw / np.where(ls > 0, ls, 1) + (1 - LOCAL_SHARE) * elsewhere,
                elsewhere,
            )
            w[:, m, :] = mix
        return _cumulative(w.reshape(n_icb * self.n_months, n_prov))


def _month_index(days: np.ndarray, first_month: np.datetime64) -> np.ndarray:
    months = (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]")
    return (months - first_month).astype(np.int64)


def _logit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class _Models:
    """Coefficient lookups by diagnosis group index (ordinary groups first, then ACS)."""

    def __init__(self) -> None:
        self.death = np.array(
            [v[2] for v in _OTHER_GROUPS.values()] + [v[1] for v in _ACS.values()]
        )
        self.readmit = np.array(
            [v[3] for v in _OTHER_GROUPS.values()] + [v[2] for v in _ACS.values()]
        )
        self.elective_share = np.array([v[1] for v in _OTHER_GROUPS.values()])
        self.other_share = np.array([v[0] for v in _OTHER_GROUPS.values()])
        self.acs_share = np.array([v[0] for v in _ACS.values()])


def _outcomes(
    rng: np.random.Generator,
    models: _Models,
    age: np.ndarray,
    male: np.ndarray,
    imd: np.ndarray,
    diag: np.ndarray,
    elective: np.ndarray,
    prov: np.ndarray,
    death_re: np.ndarray,
    readmit_re: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    deprivation = (10 - imd).astype(float)
    eta_d = (
        _DEATH_INTERCEPT
        + _AGE_DEATH[age]
        + _MALE_DEATH * male
        + _IMD_DEATH * deprivation
        + models.death[diag]
        + _ELECTIVE_DEATH * elective
        + death_re[prov]
    )
    eta_r = (
        _READMIT_INTERCEPT
        + _AGE_READMIT[age]
        + _MALE_READMIT * male
        + _IMD_READMIT * deprivation
        + models.readmit[diag]
        + _ELECTIVE_READMIT * elective
        + readmit_re[prov]
    )
    died = rng.random(len(age)) < _logit(eta_d)
    readmit = rng.random(len(age)) < _logit(eta_r)
    # the model's probabilities (no draw): death with and without the provider's effect
    probs = {
        "p_death": _logit(eta_d),
        "p_death0": _logit(eta_d - death_re[prov]),
        "p_readmit": _logit(eta_r),
    }
    return died, readmit, probs


def _follow_up_window() -> float:
    """Probability that an emergency readmission after a planned follow-up spell falls within
    30 days of the first discharge: gap 7-30 days (uniform), the follow-up's length of stay
    (elective: a day case 60% of the time, else geometric with mean 1.5 days, as :func:`_los`)
    and the readmission gap (0-30 days, weights ``exp(-t / 10)``) add up to at most 30."""
    gap1 = np.full(24, 1 / 24)  # 7..30 days
    los = np.r_[0.6 + 0.4 * 0.4, 0.4 * 0.4 * 0.6 ** np.arange(1, 31)]  # 0..30 days
    w = np.exp(-np.arange(31) / 10.0)
    gap2 = w / w.sum()  # 0..30 days
    total = np.convolve(np.convolve(np.r_[np.zeros(7), gap1], los), gap2)
    return float(total[:31].sum())


_FOLLOW_UP_IN_WINDOW = _follow_up_window()


def _follow_up_readmission(
    models: _Models,
    diag_cum: np.ndarray,
    spells: dict[str, np.ndarray],
    death_re: np.ndarray,
    readmit_re: np.ndarray,
) -> np.ndarray:
    """For each spell, the probability that a planned follow-up spell of the same patient is
    survived and followed by an emergency readmission, averaged over the follow-up's diagnosis
    groups (the provider's case mix). The follow-up is taken to be at the same provider (80%
    of them are; the others go to another provider of the ICB, so this is approximate)."""
    prov = spells["prov"]
    deprivation = (10 - spells["imd"]).astype(float)
    male = spells["sex"] == 0
    share = np.diff(diag_cum, axis=1, prepend=0.0)  # providers x ordinary groups
    eta_d = (
        _DEATH_INTERCEPT
        + _AGE_DEATH[spells["age"]]
        + _MALE_DEATH * male
        + _IMD_DEATH * deprivation
        + _ELECTIVE_DEATH
        + death_re[prov]
    )
    eta_r = (
        _READMIT_INTERCEPT
        + _AGE_READMIT[spells["age"]]
        + _MALE_READMIT * male
        + _IMD_READMIT * deprivation
        + _ELECTIVE_READMIT
        + readmit_re[prov]
    )
    out = np.zeros(len(prov))
    for g in range(share.shape[1]):
        survive = 1 - _logit(eta_d + models.death[g])
        out += share[prov, g] * survive * _logit(eta_r + models.readmit[g])
    return out


def _los(rng: np.random.Generator, age: np.ndarray, elective: np.ndarray) -> np.ndarray:
    mean = np.where(elective, 1.5, 1.5 + 0.35 * age)
    los = rng.geometric(1.0 / (mean + 1.0)) - 1
    day_case = elective & (rng.random(len(age)) < 0.6)
    return np.where(day_case, 0, los).astype(np.int64)


def _year(
    rng: np.random.Generator,
    geo: _Geography,
    models: _Models,
    year_index: int,
    pop: np.ndarray,
    base_rate: float,
    icb_rr: np.ndarray,
    imd_cum: np.ndarray,
    prov_cum: np.ndarray,
    diag_cum: np.ndarray,
    death_re: np.ndarray,
    readmit_re: np.ndarray,
) -> dict[str, np.ndarray]:
    """All spells whose chains start in one financial year (numpy columns)."""
    n_icb = len(geo.icbs)
    fy0 = _fy_start(geo.years[year_index])
    n_days = int(
        (np.datetime64(f"{fy_start(geo.years[year_index]) + 1}-04-01", "D") - fy0).astype(int)
    )
    # first spells: Poisson counts per (stream, ICB, age band, sex)
    lam_o = pop * _RATE_ORDINARY[None, :, None] * base_rate
    lam_a = pop * _RATE_ACS[None, :, None] * base_rate * 0.16 * icb_rr[:, None, None]
    cells = np.arange(n_icb * len(AGE_BANDS) * len(SEXES))
    n_o = rng.poisson(lam_o.ravel())
    n_a = rng.poisson(lam_a.ravel())
    cell = np.concatenate([np.repeat(cells, n_o), np.repeat(cells, n_a)])
    is_acs = np.concatenate([np.zeros(n_o.sum(), bool), np.ones(n_a.sum(), bool)])
    n = len(cell)
    icb, rest = np.divmod(cell, len(AGE_BANDS) * len(SEXES))
    age, sex = np.divmod(rest, len(SEXES))
    # dates: mild winter peak (cosine over the year, highest in January)
    day_w = 1.0 + 0.12 * np.cos(2 * np.pi * (np.arange(n_days) - 275) / n_days)
    day = _draw(np.zeros(n, np.int64), _cumulative(day_w[None, :]), rng)
    adm = (fy0 - _EPOCH).astype(np.int64) + day
    month = _month_index(adm, geo.first_month)
    prov = _draw(icb * geo.n_months + month, prov_cum, rng)
    imd = (_draw(icb, imd_cum, rng) + 1).astype(np.int64)
    n_other = len(OTHER_GROUPS)
    diag = np.where(
        is_acs,
        n_other + _draw(np.zeros(n, np.int64), _cumulative(models.acs_share[None, :]), rng),
        _draw(prov, diag_cum, rng),
    )
    elective = ~is_acs & (rng.random(n) < models.elective_share[np.minimum(diag, n_other - 1)])
    patient = np.arange(n, dtype=np.int64)
    cols = {
        "patient": patient,
        "prov": prov,
        "icb": icb,
        "adm": adm,
        "age": age,
        "sex": sex,
        "imd": imd,
        "diag": diag,
        "elective": elective,
    }
    parts = []
    current = cols
    for step in range(MAX_CHAIN + 1):
        m = len(current["adm"])
        if m == 0:
            break
        los = _los(rng, current["age"], current["elective"])
        died, readmit, probs = _outcomes(
            rng,
            models,
            current["age"],
            current["sex"] == 0,
            current["imd"],
            current["diag"],
            current["elective"],
            current["prov"],
            death_re,
            readmit_re,
        )
        current["dis"] = current["adm"] + los
        current["died"] = died
        current.update(probs)
        if step == MAX_CHAIN:  # the last spell of a chain is never followed by another
            current["p_readmit"] = np.zeros(m)
        elif step <= MAX_CHAIN - 2:  # or readmitted after a planned follow-up spell
            p = probs["p_readmit"]
            via = _follow_up_readmission(models, diag_cum, current, death_re, readmit_re)
            current["p_readmit"] = p + (1 - p) * P_ELECTIVE_FOLLOW_UP * _FOLLOW_UP_IN_WINDOW * via
        parts.append(current)
        if step == MAX_CHAIN:
            break
        # the next spell of each surviving patient
        u = rng.random(m)
        alive = ~died
        emergency_soon = alive & readmit
        elective_soon = alive & ~readmit & (u < P_ELECTIVE_FOLLOW_UP)
        later = (
            alive
            & ~readmit
            & (u >= P_ELECTIVE_FOLLOW_UP)
            & (u < P_ELECTIVE_FOLLOW_UP + P_LATER_EMERGENCY)
        )
        gap_soon = _draw(
            np.zeros(m, np.int64), _cumulative(np.exp(-np.arange(31) / 10.0)[None, :]), rng
        )
        gap = np.where(
            emergency_soon,
            gap_soon,
            np.where(elective_soon, rng.integers(7, 31, m), rng.integers(31, 366, m)),
        )
        nxt = emergency_soon | elective_soon | later
        new_adm = current["dis"] + gap
        keep = nxt & (_month_index(new_adm, geo.first_month) < geo.n_months)
        idx = np.flatnonzero(keep)
        k = len(idx)
        n_month = _month_index(new_adm[idx], geo.first_month)
        other_prov = _draw(current["icb"][idx] * geo.n_months + n_month, prov_cum, rng)
        same = (rng.random(k) < SAME_PROVIDER_NEXT) & geo.open[n_month, current["prov"][idx]]
        n_prov = np.where(same, current["prov"][idx], other_prov)
        current = {
            "patient": current["patient"][idx],
            "prov": n_prov,
            "icb": current["icb"][idx],
            "adm": new_adm[idx],
            "age": current["age"][idx],
            "sex": current["sex"][idx],
            "imd": current["imd"][idx],
            "diag": _draw(n_prov, diag_cum, rng),
            "elective": elective_soon[idx],
        }
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    last_day = (geo.end - _EPOCH).astype(np.int64)
    inside = out["adm"] <= last_day
    out = {key: v[inside] for key, v in out.items()}
    order = np.lexsort((out["patient"], out["prov"], out["adm"]))
    return {key: v[order] for key, v in out.items()}


def _acs_rates(
    geo: _Geography, pop: np.ndarray, base_rate: float, icb_rr: np.ndarray, fy: str
) -> pd.DataFrame:
    """The expected directly standardised rate (per person, ESP2013) of emergency ACS
    admissions per ICB in one financial year: the Poisson means of the first spells (the only
    ACS spells; all admitted in the year) over the population they are drawn from."""
    lam = (pop * _RATE_ACS[None, :, None] * base_rate * 0.16 * icb_rr[:, None, None]).sum(axis=2)
    people = pop.sum(axis=2)
    w = np.asarray(ESP2013_WEIGHTS, dtype=float)[None, :] * (people > 0)
    rate = np.where(people > 0, lam / np.where(people > 0, people, 1.0), 0.0)
    return pd.DataFrame(
        {
            "icb": np.arange(len(geo.icbs)),
            "month": pd.Timestamp(f"{fy_start(fy)}-04-01"),
            "rate": (w * rate).sum(axis=1) / w.sum(axis=1),
        }
    )


def _strings(index: np.ndarray, labels: list[str] | tuple[str, ...]) -> pa.Array:
    dictionary = pa.array(list(labels), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)), dictionary).cast(
        pa.string()
    )


def write_admissions(
    orgs: pd.DataFrame,
    population: pd.DataFrame,
    years: list[str],
    seed: int,
    scale: str,
    out_dir: Path,
    successions: pd.DataFrame | None = None,
    expected: list[pd.DataFrame] | None = None,
    failing: Collection[str] = (),
    failing_shift: float = 0.0,
) -> pd.DataFrame:
    """Write ``out_dir/record_level/admissions.parquet`` and return the planted truth.

    ``orgs``: org_code, org_name, org_type, org_subtype, region_code, icb_code, open_date and
    close_date (YYYYMMDD or ''; ``open_date`` optional), successor_code; spells go to
    ``acute_trust`` rows open in the month (``open_date`` <= first of the month < ``close_date``).
    ``successions``: old_code, new_code, date (YYYY-MM-DD), as ``successions.csv``; default:
    from ``successor_code`` and ``close_date``. Merging codes are never planted and a code
    change's new code carries the old code's effects (see the module docstring).
    ``population``: icb_code, year (mid-year), age_band (ESP2013 bands), sex (M/F), population.
    ``years``: financial years such as ``["2023/24", "2024/25"]``. ``scale``: ``"england"``
    (about 1.15 million spells a year) or ``"small"`` (about 85,000 a year). The same seed gives
    a byte-identical file.

    Returns the truth table (columns ``org_code, metric_id, effect_scale, effect,
    truly_differs``): per acute trust ``shmi_ratio`` and ``readmission_30d_pct`` (odds ratios),
    per ICB ``avoidable_admissions_dsr`` (rate ratio of emergency ACS admissions). ``effect`` is
    the *planted* odds or rate ratio, exactly 1 when ``truly_differs`` is false: the small
    random effect every provider and ICB also carries is not part of it (as in
    ``generate._plant``).

    ``failing``: codes of organisations planted to fail persistently; their random effects
    (death and readmission odds, ICB avoidable admissions) are moved ``failing_shift`` standard
    deviations towards worse, in every year (not part of the truth's ``effect``).

    ``expected`` (a list): the model's expected counts are appended to it, as frames of
    :data:`helpers.synthetic.expected.EXPECTED_COLUMNS` (see
    :func:`helpers.synthetic.records_truth._expected_outcomes`); no
    random number is drawn for them, so the extract is the same with or without.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    if not years:
        raise ValueError("years must name at least one financial year")
    geo = _Geography(orgs, population, list(years))
    models = _Models()
    rng = np.random.default_rng([seed, 0])
    n_prov, n_icb = len(geo.providers), len(geo.icbs)
    eligible, changes = succession_roles(
        geo.providers, geo.open_days, _successions(orgs, successions)
    )
    size = rng.lognormal(0.0, 0.25, n_prov)
    death_re, death_out = _planted(
        geo.providers, rng, (1.6, 1.9), (0.5, 0.6), RANDOM_EFFECT_SD, eligible
    )
    readmit_re, readmit_out = _planted(
        geo.providers, rng, (1.5, 1.8), (0.55, 0.65), RANDOM_EFFECT_SD, eligible
    )
    icb_log_rr, icb_out = _planted(geo.icbs, rng, (1.3, 1.5), (0.67, 0.77), ICB_RANDOM_EFFECT_SD)
    # IMD profile per ICB: deciles tilted towards a random deprivation level
    tilt = rng.normal(0.0, 0.12, n_icb)
    imd_w = np.exp(tilt[:, None] * (np.arange(10)[None, :] - 4.5))
    imd_cum = _cumulative(imd_w)
    # provider case mix: the ordinary groups' shares, perturbed per provider
    mix = models.other_share[None, :] * rng.lognormal(0.0, 0.3, (n_prov, len(OTHER_GROUPS)))
    # a code change is the same organisation: same effects, size and case mix under both codes
    for i_old, i_new in changes:
        for arr in (death_re, death_out, readmit_re, readmit_out, size, mix):
            arr[i_new] = arr[i_old]
    diag_cum = _cumulative(mix)
    prov_cum = geo.provider_cum(size)
    is_p, is_i = np.isin(geo.providers, list(failing)), np.isin(geo.icbs, list(failing))
    # a failing organisation's planted outlier is towards worse (more deaths, readmissions,
    # avoidable admissions)
    for effect, out_flag, is_f in (
        (death_re, death_out, is_p),
        (readmit_re, readmit_out, is_p),
        (icb_log_rr, icb_out, is_i),
    ):
        effect[out_flag & is_f] = np.abs(effect[out_flag & is_f])
    fail_p, fail_i = failing_shift * is_p, failing_shift * is_i
    death_used = death_re + fail_p * RANDOM_EFFECT_SD
    readmit_used = readmit_re + fail_p * RANDOM_EFFECT_SD
    icb_used = np.exp(icb_log_rr + fail_i * ICB_RANDOM_EFFECT_SD)
    icb_rr = np.exp(icb_log_rr)

    path = Path(out_dir) / "record_level" / "admissions.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    next_spell = 1
    next_patient = 1
    sums: list[pd.DataFrame] = []  # outcome probabilities by provider and discharge day
    acs_rates: list[pd.DataFrame] = []  # expected standardised ACS admission rates
    last_admission = np.iinfo(np.int64).min
    writer = pq.ParquetWriter(
        path, SCHEMA, compression="zstd", use_dictionary=True, write_statistics=True
    )
    try:
        for yi, fy in enumerate(years):
            pop = _population_cube(population, geo.icbs, fy_start(fy))
            total = float((pop * _RATE_ORDINARY[None, :, None]).sum())
            base_rate = SCALES[scale] / total if total > 0 else 0.0
            yrng = np.random.default_rng([seed, yi + 1])
            cols = _year(
                yrng,
                geo,
                models,
                yi,
                pop,
                base_rate,
                icb_used,
                imd_cum,
                prov_cum,
                diag_cum,
                death_used,
                readmit_used,
            )
            n = len(cols["adm"])
            if expected is not None:
                sums.append(_outcome_sums(cols))
                acs_rates.append(_acs_rates(geo, pop, base_rate, icb_used, fy))
                if n:
                    last_admission = max(last_admission, int(cols["adm"].max()))
            patient_ids = np.unique(cols["patient"], return_inverse=True)[1]
            table = pa.table(
                {
                    "spell_id": pa.array(np.arange(next_spell, next_spell + n, dtype=np.int64)),
                    "patient_id": pa.array(next_patient + patient_ids.astype(np.int64)),
                    "provider_code": _strings(cols["prov"], geo.providers),
                    "icb_code": _strings(cols["icb"], geo.icbs),
                    "admission_date": pa.array(cols["adm"].astype(np.int32)).cast(pa.date32()),
                    "discharge_date": pa.array(cols["dis"].astype(np.int32)).cast(pa.date32()),
                    "age_band": _strings(cols["age"], AGE_BANDS),
                    "sex": _strings(cols["sex"], SEXES),
                    "imd_decile": pa.array(cols["imd"].astype(np.int8)),
                    "diagnosis_group": _strings(cols["diag"], DIAGNOSIS_GROUPS),
                    "admission_method": _strings(
                        cols["elective"].astype(np.int64), ("emergency", "elective")
                    ),
                    "died": pa.array(cols["died"]),
                },
                schema=SCHEMA,
            )
            writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
            next_spell += n
            next_patient += int(patient_ids.max()) + 1 if n else 0
    finally:
        writer.close()
    if expected is not None:
        expected.extend(
            _expected_outcomes(geo.providers, geo.icbs, sums, acs_rates, last_admission)
        )

    return truth_table(
        geo.providers, geo.icbs, death_re, death_out, readmit_re, readmit_out, icb_rr, icb_out
    )
