"""The mortality case-mix model behind the SHMI-like ratio of the record-level reader.

A logistic regression (statsmodels GLM, binomial, logit link) of ``died`` on age band, sex, IMD
decile (as categories), diagnosis group and admission method, main effects, fitted **separately
for each financial year of discharge** on the distinct covariate-pattern cells (deaths and
survivors per cell: exact, and fast). Separate fits mean the expected deaths sum to the observed
deaths in every year (the intercept property) and the case-mix coefficients may drift between
years, as SHMI's re-estimation each period does. Reference levels are the most common level of
each factor. Warnings from the fit are kept in the fit table; a fit that does not converge stops
the run (:class:`CaseMixError`). The provider is not in the model: observed over expected
compares each provider with what the national model predicts for its patients.

:mod:`helpers.ingest.readers.record_level` counts the cells with DuckDB, calls
:func:`fit_case_mix` and applies the coefficients to every spell in SQL.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.ingest.ledger import IngestError

CASE_MIX_FACTORS: tuple[str, ...] = (
    "age_band",
    "sex",
    "imd_decile",
    "diagnosis_group",
    "admission_method",
)
#: a model term ((factor, level), or ("(Intercept)", "")) and its coefficient
Term = tuple[tuple[str, str], float]
MAX_ITERATIONS = 100


class CaseMixError(IngestError):
    """The case-mix model could not be fitted (it did not converge); the run stops."""


@dataclass
class CaseMixModel:
    """The fitted mortality case-mix model(s), for the methodology page."""

    coefficients: pd.DataFrame  # year, term, estimate, std_error, z, p_value, odds_ratio
    #: year, spells, deaths, cells, parameters, c_statistic, deviance, converged,
    #: events_per_parameter, warnings (the fit's warnings, kept rather than silenced)
    fit: pd.DataFrame
    reference_levels: dict[str, dict[str, str]] = field(default_factory=dict)  # year -> factor


def c_statistic(p: np.ndarray, deaths: np.ndarray, spells: np.ndarray) -> float:
    """Area under the ROC curve from covariate-pattern cells (ties count a half).

    ``p``: the cell's predicted probability; ``deaths`` and ``spells``: counts in the cell.
    """
    p = np.asarray(p, dtype=float)
    pos = np.asarray(deaths, dtype=float)
    neg = np.asarray(spells, dtype=float) - pos
    order = np.argsort(p, kind="stable")
    p, pos, neg = p[order], pos[order], neg[order]
    uniq, start = np.unique(p, return_index=True)
    pos_g = np.add.reduceat(pos, start)
    neg_g = np.add.reduceat(neg, start)
    below = np.cumsum(neg_g) - neg_g
    total = pos.sum() * neg.sum()
    if total == 0:
        return float("nan")
    return float(((below + 0.5 * neg_g) * pos_g).sum() / total)


def design(cells: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]], dict[str, str]]:
    """Intercept + treatment dummies; the reference level of a factor is its most common."""
    columns = [np.ones(len(cells))]
    terms: list[tuple[str, str]] = [("(Intercept)", "")]
    refs: dict[str, str] = {}
    for f in CASE_MIX_FACTORS:
        values = cells[f].astype(str)
        by_level = cells.groupby(values)["spells"].sum()
        ref = str(by_level.sort_values(ascending=False, kind="stable").index[0])
        refs[f] = ref
        for level in sorted(by_level.index):
            if level != ref:
                columns.append((values == level).to_numpy(dtype=float))
                terms.append((f, level))
    return np.column_stack(columns), terms, refs


def fit_case_mix(cells: pd.DataFrame) -> tuple[dict[str, list[Term]], CaseMixModel]:
    """Fit the logistic case-mix model separately for each financial year of ``cells``
    (columns ``fy``, the :data:`CASE_MIX_FACTORS`, ``spells`` and ``deaths``: one row per
    covariate pattern). Returns each year's coefficients by term, and the model tables."""
    sm = importlib.import_module("statsmodels.api")  # loaded here: only step 1 fits (0.5 s)

    coef_rows = []
    fit_rows = []
    coefs: dict[str, list[Term]] = {}
    refs_by_year: dict[str, dict[str, str]] = {}
    for year, c in cells.groupby("fy", sort=True):
        c = c.reset_index(drop=True)
        x, terms, refs = design(c)
        y = np.column_stack([c["deaths"], c["spells"] - c["deaths"]]).astype(float)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = sm.GLM(y, x, family=sm.families.Binomial()).fit(maxiter=MAX_ITERATIONS)
        notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        if not result.converged:
            raise CaseMixError(
                f"the mortality case-mix model for {year} did not converge in "
                f"{MAX_ITERATIONS} iterations ({'; '.join(notes) or 'no warning'}): expected "
                "deaths cannot be computed. Check for factor levels with very few spells or "
                "no deaths in the extract."
            )
        params = np.asarray(result.params)
        bse = np.asarray(result.bse)
        p_hat = np.asarray(result.predict(x))
        coefs[str(year)] = list(zip(terms, params, strict=True))
        refs_by_year[str(year)] = refs
        for (factor, level), b, se, z, pv in zip(
            terms,
            params,
            bse,
            np.asarray(result.tvalues),
            np.asarray(result.pvalues),
            strict=True,
        ):
            coef_rows.append(
                (str(year), factor if not level else f"{factor}[{level}]", b, se, z, pv, np.exp(b))
            )
        fit_rows.append(
            (
                str(year),
                int(c["spells"].sum()),
                int(c["deaths"].sum()),
                len(c),
                len(params),
                c_statistic(p_hat, c["deaths"].to_numpy(), c["spells"].to_numpy()),
                float(result.deviance),
                bool(result.converged),
                float(c["deaths"].sum()) / len(params),
                "; ".join(notes),
            )
        )
    model = CaseMixModel(
        coefficients=pd.DataFrame(
            coef_rows,
            columns=["year", "term", "estimate", "std_error", "z", "p_value", "odds_ratio"],
        ),
        fit=pd.DataFrame(
            fit_rows,
            columns=[
                "year",
                "spells",
                "deaths",
                "cells",
                "parameters",
                "c_statistic",
                "deviance",
                "converged",
                "events_per_parameter",
                "warnings",
            ],
        ),
        reference_levels=refs_by_year,
    )
    return coefs, model
