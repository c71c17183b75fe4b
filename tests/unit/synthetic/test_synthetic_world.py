"""helpers.synthetic.world and names: organisations, fictional names and codes, population."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers.stats.esp2013 import ESP2013_BANDS
from helpers.synthetic.generate import DEFAULT_SEED
from helpers.synthetic.world import build_world

SEED = DEFAULT_SEED


def test_small_scale_counts(small: Path) -> None:
    orgs = pd.read_csv(small / "organisations.csv", dtype=str, keep_default_na=False)
    assert (orgs.synthetic == "SYNTHETIC").all()
    assert orgs.region_code.nunique() == 2
    assert (orgs.org_type == "icb").sum() == 6
    types = orgs[orgs.org_type != "icb"].org_type.value_counts()
    assert types["acute_trust"] >= 20
    assert types["mental_health_trust"] >= 6
    assert types["community_trust"] >= 3
    assert types["ambulance_trust"] >= 2
    assert 36 <= types.sum() <= 45
    assert (orgs.org_subtype == "specialist").sum() >= 1
    assert orgs.org_code.is_unique
    icbs = set(orgs[orgs.org_type == "icb"].org_code)
    assert set(orgs.icb_code) <= icbs
    amb = orgs[orgs.org_type == "ambulance_trust"]
    assert all(len(c.split(";")) >= 2 for c in amb.covers_icb_codes)


def test_england_scale_world_shape() -> None:
    w = build_world("england", SEED)
    orgs = w.orgs
    assert orgs.region_code.nunique() == 7
    assert (orgs.org_type == "icb").sum() == 42
    trusts = orgs[orgs.org_type != "icb"]
    assert 200 <= len(trusts) <= 215
    n = trusts.org_type.value_counts()
    assert 120 <= n["acute_trust"] <= 135 and 45 <= n["mental_health_trust"] <= 55
    assert 12 <= n["community_trust"] <= 18 and n["ambulance_trust"] == 10
    assert (trusts.org_subtype == "specialist").sum() == 15
    assert len(w.months) == 60 and w.months[0] == pd.Timestamp("2020-04-01")
    assert orgs.org_code.is_unique
    assert orgs.org_name.duplicated().sum() == 1  # the code change keeps its name


def test_codes_and_names_are_fictional(small: Path, root: Path) -> None:
    orgs = pd.read_csv(small / "organisations.csv", dtype=str, keep_default_na=False)
    trusts = orgs[orgs.org_type != "icb"]
    assert trusts.org_code.str.fullmatch(r"Z[A-Z0-9]{2}").all()
    assert orgs[orgs.org_type == "icb"].org_code.str.fullmatch(r"Q[ZQ][A-Z]").all()
    assert orgs.region_code.str.fullmatch(r"Y9\d").all()
    real = pd.read_csv(root / "data/raw/ods_etr_nhs_trusts.csv", dtype=str, keep_default_na=False)
    real_icbs = pd.read_csv(root / "data/raw/ons_icb_names_codes_dec2024.csv", dtype=str)
    assert not set(orgs.org_code) & (set(real.org_code) | set(real_icbs.ICB24CDH))
    real_names = [n.upper() for n in real.org_name if n]
    tokens = {t for n in real_names for t in re.findall(r"[A-Z']+", n)}
    for name in orgs.org_name:
        up = name.upper()
        assert not any(r in up for r in real_names), name
        place = re.sub(r"^NHS ", "", name).split()[0].upper()
        assert place not in tokens, f"{name}: {place} appears in a real trust name"


def test_population_file(small: Path) -> None:
    pop = pd.read_csv(small / "population_icb_age_sex.csv", dtype={"age_band": str})
    assert list(pop.columns) == ["synthetic", "icb_code", "year", "age_band", "sex", "population"]
    bands = list(ESP2013_BANDS)
    assert list(pop.age_band.drop_duplicates()) == bands and len(bands) == 19
    assert set(pop.sex) == {"M", "F"} and sorted(pop.year.unique()) == [2022, 2023, 2024]
    assert (pop.population > 0).all()
    per_icb = pop[pop.year == 2024].groupby("icb_code").population.sum()
    assert per_icb.between(3e5, 6e6).all()
