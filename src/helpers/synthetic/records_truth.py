"""The planted truth of the record-level extract (:mod:`helpers.synthetic.records`): which
providers (and ICBs) were made to differ, and by how much, and the counts the model expects, so
that the pipeline's outcome indicators can be checked against them.

* **Planted effects** (:func:`_planted`): a small random effect for every code and, on about 10%
  of the codes that may be planted, an outlier (half high, half low) that replaces it.
* **Successions** (:func:`succession_roles`, as ``plant.plant``): codes in a merger are never
  planted; in a code change the new code carries the old code's effects.
* **The truth table** (:func:`truth_table`): per acute trust ``shmi_ratio`` and
  ``readmission_30d_pct`` (odds ratios), per ICB ``avoidable_admissions_dsr`` (rate ratio).
* **Expected counts** (:func:`_expected_outcomes`, for ``planted_values.csv``): the model's
  probabilities of each spell, summed as the reader counts; computed from the generator's
  arrays, with no random draw of their own.

No function here draws from a generator it was not given, so the extract is the same whether or
not the truth is collected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the reader's readmission window (helpers.ingest.readers.record_level), for the expected counts
READMISSION_WINDOW_DAYS = 30
TRUTH_COLUMNS = ["org_code", "metric_id", "effect_scale", "effect", "truly_differs"]
_EPOCH = np.datetime64("1970-01-01", "D")


def _planted(
    codes: list[str],
    rng: np.random.Generator,
    high: tuple[float, float],
    low: tuple[float, float],
    sd: float,
    eligible: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Log effects and outlier flags: ~10% outliers (half high, half low), drawn only among the
    ``eligible`` codes (default all); the rest N(0, sd²) truncated at ±2 sd (small, realistic
    overdispersion that should rarely be flagged). An outlier's planted log effect replaces its
    random one. The number of random draws does not depend on ``eligible``."""
    n = len(codes)
    ok = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    log_effect = np.clip(rng.normal(0.0, sd, n), -2 * sd, 2 * sd)
    n_out = max(2, round(0.1 * n)) if n >= 10 else (1 if n >= 4 else 0)
    order = rng.permutation(n)
    chosen = order[ok[order]][:n_out]
    n_high = (len(chosen) + 1) // 2
    log_effect[chosen[:n_high]] = np.log(rng.uniform(*high, n_high))
    log_effect[chosen[n_high:]] = np.log(rng.uniform(*low, len(chosen) - n_high))
    differs = np.zeros(n, dtype=bool)
    differs[chosen] = True
    return log_effect, differs


def _dates(values: pd.Series, blank: str) -> np.ndarray:
    """YYYYMMDD strings (blank or missing: ``blank``) as datetime64[D]."""
    text = values.fillna("").astype(str).str.strip()
    return np.array(
        [
            np.datetime64(f"{c[:4]}-{c[4:6]}-{c[6:8]}", "D")
            if len(c) == 8
            else np.datetime64(blank, "D")
            for c in text
        ],
        dtype="datetime64[D]",
    )


def _successions(orgs: pd.DataFrame, successions: pd.DataFrame | None) -> pd.DataFrame:
    """old_code, new_code, date (datetime64[D]): the table given, else ``successor_code`` and
    the day after ``close_date`` from ``orgs``."""
    if successions is None:
        if "successor_code" not in orgs:
            return pd.DataFrame({"old_code": [], "new_code": [], "date": []})
        rows = orgs[orgs["successor_code"].fillna("").astype(str).str.strip() != ""]
        close = rows["close_date"] if "close_date" in rows else pd.Series("", index=rows.index)
        return pd.DataFrame(
            {
                "old_code": rows["org_code"].astype(str).to_numpy(),
                "new_code": rows["successor_code"].astype(str).str.strip().to_numpy(),
                "date": _dates(close, "9999-12-30") + np.timedelta64(1, "D"),
            }
        )
    return pd.DataFrame(
        {
            "old_code": successions["old_code"].astype(str).to_numpy(),
            "new_code": successions["new_code"].astype(str).to_numpy(),
            "date": pd.to_datetime(successions["date"]).to_numpy().astype("datetime64[D]"),
        }
    )


def succession_roles(
    providers: list[str], open_days: np.ndarray, successions: pd.DataFrame
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Which providers may be planted, and the code changes as (old, new) index pairs.

    A merger (several old codes -> one new code, or an old code -> a code that was already open
    before the succession date) makes every code involved ineligible, as ``generate._plant``
    does. A code change (one old code -> one new code opening at the change) keeps the old code
    eligible and makes the new one ineligible: it copies the old code's effects.
    """
    pos = {c: i for i, c in enumerate(providers)}
    s = successions[successions.old_code.isin(pos) & successions.new_code.isin(pos)]
    eligible = np.ones(len(providers), dtype=bool)
    changes: list[tuple[int, int]] = []
    n_old = s.groupby("new_code").old_code.transform("size")
    for r, k in zip(s.itertuples(), n_old, strict=True):
        i_old, i_new = pos[r.old_code], pos[r.new_code]
        if k == 1 and open_days[i_new] >= np.datetime64(r.date, "D"):
            changes.append((i_old, i_new))
            eligible[i_new] = False
        else:
            eligible[[i_old, i_new]] = False
    return eligible, changes


def _outcome_sums(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per provider and discharge day: spells, spells discharged alive, and the sums of the
    model's probabilities (death with and without the provider's effect; readmission over the
    spells discharged alive)."""
    alive = ~cols["died"]
    return (
        pd.DataFrame(
            {
                "prov": cols["prov"],
                "dis": cols["dis"],
                "alive": alive.astype(float),
                "p_readmit": np.where(alive, cols["p_readmit"], 0.0),
                "p_death": cols["p_death"],
                "p_death0": cols["p_death0"],
            }
        )
        .groupby(["prov", "dis"], as_index=False, sort=True)
        .sum()
    )


def _expected_outcomes(
    providers: list[str],
    icbs: list[str],
    sums: list[pd.DataFrame],
    acs_rates: list[pd.DataFrame],
    last_admission: int,
) -> list[pd.DataFrame]:
    """The expected counts of the record-level measures, as the reader defines them
    (:mod:`helpers.ingest.readers.record_level`, its default period end: the last admission):

    * ``readmissions_30d`` / ``index_spells``: per index provider and discharge month, the
      spells discharged alive at least 30 days before the end, and the sum of their modelled
      readmission probabilities (0 for the last spell of a chain, which is never followed).
      Not exact: an emergency admission that follows a planned (elective) follow-up spell within
      30 days of the index discharge also counts in the reader (rare) and is not in the sum.
    * ``observed_deaths`` / ``expected_deaths``: per provider and discharge month (spells
      discharged by the end), the sum of the modelled death probabilities, over the sum of the
      probabilities without the provider's effect rescaled so that England's ratio is 1 in
      each financial year of discharge (as the reader's case-mix model, fitted each year, makes
      it). Approximate: the reader fits its own model to the drawn deaths.
    * ``acs_admissions`` / ``population``: per ICB and financial year, the standardised rate
      per person over a denominator of 1 (the rate is a weighted sum over age bands, not a
      ratio of two sums).
    """
    if not sums:
        return []
    s = pd.concat(sums, ignore_index=True).groupby(["prov", "dis"], as_index=False).sum()
    days = (_EPOCH + s["dis"].to_numpy().astype("timedelta64[D]")).astype("datetime64[M]")
    s["month"] = pd.to_datetime(days)
    start = s.month.dt.year - (s.month.dt.month < 4).astype(int)
    prov_codes = np.asarray(providers, dtype=object)
    idx = s[s["dis"] <= last_admission - READMISSION_WINDOW_DAYS]
    idx = idx.groupby(["prov", "month"], as_index=False)[["alive", "p_readmit"]].sum()
    dead = s[s["dis"] <= last_admission].assign(fy=start)
    by_fy = dead.groupby("fy")
    scale = by_fy.p_death.transform("sum") / by_fy.p_death0.transform("sum")
    dead = dead.assign(p_death0=dead.p_death0 * scale)
    dead = dead.groupby(["prov", "month"], as_index=False)[["p_death", "p_death0"]].sum()
    acs = pd.concat(acs_rates, ignore_index=True)
    return [
        _expected(
            prov_codes[idx.prov], "readmissions_30d", "index_spells", idx.month, idx.p_readmit,
            idx.alive,
        ),
        _expected(
            prov_codes[dead.prov], "observed_deaths", "expected_deaths", dead.month, dead.p_death,
            dead.p_death0,
        ),
        _expected(
            np.asarray(icbs, dtype=object)[acs.icb], "acs_admissions", "population",
            acs.month, acs.rate, pd.Series(1.0, acs.index),
        ),
    ]  # fmt: skip


def _expected(
    codes: np.ndarray, num: str, den: str, month: pd.Series, x: pd.Series, n: pd.Series
) -> pd.DataFrame:
    """Rows of :data:`helpers.synthetic.expected.EXPECTED_COLUMNS`."""
    return pd.DataFrame(
        {
            "org_code": codes,
            "num_measure": num,
            "den_measure": den,
            "month": month.to_numpy(),
            "num": x.to_numpy(dtype=float),
            "den": n.to_numpy(dtype=float),
        }
    )


def truth_table(
    providers: list[str],
    icbs: list[str],
    death_re: np.ndarray,
    death_out: np.ndarray,
    readmit_re: np.ndarray,
    readmit_out: np.ndarray,
    icb_rr: np.ndarray,
    icb_out: np.ndarray,
) -> pd.DataFrame:
    """The planted truth (:data:`TRUTH_COLUMNS`) from the log effects (providers: death and
    readmission odds) and rate ratios (ICBs) with their outlier flags: ``effect`` is the planted
    ratio, exactly 1 where the code is not an outlier (its small random effect is not part of
    it, as in ``generate._plant``)."""
    truth = pd.concat(
        [
            pd.DataFrame(
                {
                    "org_code": providers,
                    "metric_id": "shmi_ratio",
                    "effect_scale": "odds_ratio",
                    "effect": np.where(death_out, np.exp(death_re), 1.0),
                    "truly_differs": death_out,
                }
            ),
            pd.DataFrame(
                {
                    "org_code": providers,
                    "metric_id": "readmission_30d_pct",
                    "effect_scale": "odds_ratio",
                    "effect": np.where(readmit_out, np.exp(readmit_re), 1.0),
                    "truly_differs": readmit_out,
                }
            ),
            pd.DataFrame(
                {
                    "org_code": icbs,
                    "metric_id": "avoidable_admissions_dsr",
                    "effect_scale": "rate_ratio",
                    "effect": np.where(icb_out, icb_rr, 1.0),
                    "truly_differs": icb_out,
                }
            ),
        ],
        ignore_index=True,
    )
    return truth[TRUTH_COLUMNS]
