"""A minimal stand-in geography (organisations and population) for the record-level extract
(:func:`helpers.synthetic.records.write_admissions`) in tests and benchmarks, without building a
whole synthetic England."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synthetic.records import AGE_BANDS

# England-like age structure (share of the population per ESP2013 band) for example data
_AGE_SHARE = np.array(
    [5.6, 6.0, 6.0, 5.7, 6.0, 6.6, 6.9, 6.8, 6.4, 6.2, 6.7, 6.6, 5.8, 5.0, 5.0, 3.8, 2.6, 1.5, 0.8]
)


def example_geography(
    n_icb: int = 42,
    n_acute: int = 125,
    seed: int = 0,
    years: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A minimal stand-in (orgs, population) for tests and benchmarks.

    ``n_icb`` ICBs in 7 regions (or fewer), ``n_acute`` acute trusts spread over the ICBs (one
    of them closing mid-period, merged into a neighbour), and an England-sized population by
    ICB, mid-year, ESP2013 age band and sex.
    """
    rng = np.random.default_rng(seed)
    n_region = min(7, n_icb)
    icbs = [f"Q{i:02d}" for i in range(n_icb)]
    regions = [f"Y{60 + i % n_region}" for i in range(n_icb)]
    icb_of = [icbs[i % n_icb] for i in range(n_acute)]
    trusts = [f"R{i:03d}" for i in range(n_acute)]
    close = [""] * n_acute
    successor = [""] * n_acute
    if n_acute > n_icb:  # the second trust of ICB 0 merges into the first in Oct 2023
        close[n_icb] = "20231001"
        successor[n_icb] = trusts[0]
    region_of = dict(zip(icbs, regions, strict=True))
    orgs = pd.concat(
        [
            pd.DataFrame(
                {
                    "org_code": trusts,
                    "org_name": [f"Trust {t}" for t in trusts],
                    "org_type": "acute_trust",
                    "org_subtype": "acute_general",
                    "region_code": [region_of[c] for c in icb_of],
                    "icb_code": icb_of,
                    "close_date": close,
                    "successor_code": successor,
                }
            ),
            pd.DataFrame(
                {
                    "org_code": icbs,
                    "org_name": [f"ICB {c}" for c in icbs],
                    "org_type": "icb",
                    "org_subtype": "icb",
                    "region_code": regions,
                    "icb_code": icbs,
                    "close_date": "",
                    "successor_code": "",
                }
            ),
        ],
        ignore_index=True,
    )
    size = rng.uniform(0.9, 2.2, n_icb) * 1e6
    share = _AGE_SHARE / _AGE_SHARE.sum()
    female = np.linspace(0.49, 0.65, len(AGE_BANDS))
    rows = []
    for y in years:
        growth = 1 + 0.005 * (y - years[0])
        for i, c in enumerate(icbs):
            for a, band in enumerate(AGE_BANDS):
                total = size[i] * growth * share[a]
                for sex, frac in (("M", 1 - female[a]), ("F", female[a])):
                    rows.append((c, y, band, sex, int(round(total * frac))))
    population = pd.DataFrame(rows, columns=["icb_code", "year", "age_band", "sex", "population"])
    return orgs, population
