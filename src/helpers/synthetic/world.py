"""The synthetic world before any file is written: regions, ICBs and trusts with their sizes,
two mergers and a code change, which trust is open in which month, and the ICB population by
age band and sex. Every figure of the files is drawn on top of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from helpers.core.fy import fy_of_month
from helpers.stats.esp2013 import ESP2013_BANDS
from helpers.synthetic.model import random_stream
from helpers.synthetic.names import (
    icb_codes,
    place_names,
    region_name,
    trust_codes,
    trust_name,
)

SYNTHETIC = "SYNTHETIC"
Scale = Literal["small", "england"]


@dataclass(frozen=True)
class ScaleSpec:
    regions: int
    icbs: int
    acute: int
    specialist: int  # of which specialist (org_subtype "specialist")
    mental_health: int
    community: int
    ambulance: int
    first_fy: int
    n_fys: int


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(2, 6, 24, 3, 7, 4, 2, 2022, 3),
    "england": ScaleSpec(7, 42, 128, 15, 52, 17, 10, 2020, 5),
}

# England-like share of the population in each ESP2013 age band (sums to 1 after normalising).
_AGE_SHARE = np.array(
    [5.6, 6.0, 6.1, 5.7, 5.9, 6.6, 6.8, 6.8, 6.4, 6.5, 6.9, 6.9, 6.1, 5.4, 5.3, 4.0, 2.9, 1.8, 0.9]
)
# spread of the log size of each trust type
_SIZE_SIGMA = {
    "acute_trust": 0.45,
    "mental_health_trust": 0.35,
    "community_trust": 0.35,
    "ambulance_trust": 0.25,
}
ORG_COLUMNS = [
    "synthetic",
    "org_code",
    "org_name",
    "org_type",
    "org_subtype",
    "region_code",
    "region_name",
    "icb_code",
    "open_date",
    "close_date",
    "successor_code",
    "size_index",
    "covers_icb_codes",
]
POPULATION_COLUMNS = ["synthetic", "icb_code", "year", "age_band", "sex", "population"]


@dataclass
class World:
    """Everything the file writers share."""

    scale: str
    seed: int
    spec: ScaleSpec
    fys: list[int]
    months: pd.DatetimeIndex
    orgs: pd.DataFrame  # one row per organisation (trusts and ICBs), ORG_COLUMNS
    active: pd.DataFrame  # bool, index org_code (trusts), columns months
    successions: pd.DataFrame
    population: pd.DataFrame
    quirks: list[dict[str, str]]
    truth: list[dict[str, Any]]
    #: the organisations planted to fail persistently (:func:`failing_organisations`)
    failing: frozenset[str] = frozenset()

    def trusts(self, *types: str, subtype: str | None = None) -> pd.DataFrame:
        t = self.orgs[self.orgs.org_type.isin(types)]
        if subtype is not None:
            t = t[t.org_subtype == subtype]
        return t

    def month_indices(self, fy: int) -> list[int]:
        """Positions in :attr:`months` of the months of the financial year starting in ``fy``."""
        return [i for i, m in enumerate(self.months) if fy_of_month(m) == fy]


@dataclass(frozen=True)
class _Geography:
    """Regions (code, name) and the ICBs with the region each belongs to."""

    regions: list[tuple[str, str]]
    icb_codes: list[str]
    icb_region: list[tuple[str, str]]


def _date8(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y%m%d")


def build_world(scale: Scale, seed: int) -> World:
    """Organisations, successions, activity sizes and the ICB population (no files)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    spec = SCALES[scale]
    rng = random_stream(seed, 1)
    fys = [spec.first_fy + i for i in range(spec.n_fys)]
    months = pd.date_range(f"{fys[0]}-04-01", periods=12 * len(fys), freq="MS")
    n_trusts = spec.acute + spec.mental_health + spec.community + spec.ambulance
    places = place_names(rng, n_trusts + spec.icbs + 4)
    codes = trust_codes(rng, n_trusts + 4)
    regions = [(f"Y9{i}", region_name(i)) for i in range(spec.regions)]
    icbs = icb_codes(spec.icbs)
    geo = _Geography(
        regions, icbs, [regions[i * spec.regions // spec.icbs] for i in range(spec.icbs)]
    )
    rows = _icb_rows(geo, places[n_trusts:])
    kinds = _trust_kinds(spec)
    host, amb_cover = _hosts(rng, spec, kinds, geo)
    rows += _trust_rows(rng, kinds, host, amb_cover, places, codes, geo)
    orgs, succ = _successions(pd.DataFrame(rows), months, places, codes, n_trusts)
    orgs["synthetic"] = SYNTHETIC
    orgs = orgs.reindex(columns=ORG_COLUMNS).fillna("")
    orgs["size_index"] = orgs["size_index"].astype(float)
    successions = pd.DataFrame(succ, columns=["old_code", "new_code", "date"])
    world = World(
        scale,
        seed,
        spec,
        fys,
        months,
        orgs,
        _active(orgs, months),
        successions,
        pd.DataFrame(),
        _succession_quirks(succ),
        [],
    )
    world.population = _population(world)
    world.failing = failing_organisations(world)
    return world


#: share of each organisation type planted to fail persistently
FAILING_SHARE = 0.05
#: how far a failing organisation's effect on every metric is moved towards worse, in standard
#: deviations of that metric's random effect (each metric alone stays within the usual spread)
FAILING_SHIFT = 1.0


def failing_organisations(world: World) -> frozenset[str]:
    """The organisations planted to fail persistently: ``FAILING_SHARE`` of each trust type with
    at least four organisations (the fewest with a lowest quartile; at least one; never a
    specialist trust, nor a code in a merger or code change) and as many ICBs, chosen among the
    hosts of the failing acute trusts first, those hosting the fewest acute trusts first (a
    system in difficulty). Every metric the generator plants an effect on is moved
    ``FAILING_SHIFT`` random-effect standard deviations towards worse for them, in every year,
    and any planted outlier they carry points towards worse."""
    rng = random_stream(world.seed, 300)
    succ = world.successions
    changed = set(succ.old_code) | set(succ.new_code)
    orgs = world.orgs[~world.orgs.org_code.isin(changed)]
    chosen: list[str] = []
    for org_type in ("acute_trust", "mental_health_trust", "community_trust", "ambulance_trust"):
        pool = orgs[(orgs.org_type == org_type) & (orgs.org_subtype != "specialist")]
        codes = sorted(pool.org_code)
        if len(codes) >= 4:
            n = max(1, round(FAILING_SHARE * len(codes)))
            chosen += sorted(rng.choice(codes, size=n, replace=False).tolist())
    icbs = sorted(orgs.org_code[orgs.org_type == "icb"])
    if len(icbs) >= 4:
        acute = world.orgs[world.orgs.org_type == "acute_trust"]
        hosted = acute.groupby("icb_code").size()
        hosts = set(acute.icb_code[acute.org_code.isin(chosen)]) & set(icbs)
        order = sorted(icbs, key=lambda c: (c not in hosts, hosted.get(c, 0), rng.random()))
        chosen += sorted(order[: max(1, round(FAILING_SHARE * len(icbs)))])
    return frozenset(chosen)


def _icb_rows(geo: _Geography, places: list[str]) -> list[dict[str, Any]]:
    """One row per ICB, named after ``places[i]``; all opened in July 2022."""
    rows: list[dict[str, Any]] = []
    icb_open = "20220701"
    for i, code in enumerate(geo.icb_codes):
        rows.append(
            {
                "org_code": code,
                "org_name": f"NHS {places[i]} Integrated Care Board",
                "org_type": "icb",
                "org_subtype": "icb",
                "region_code": geo.icb_region[i][0],
                "region_name": geo.icb_region[i][1],
                "icb_code": code,
                "open_date": icb_open,
                "size_index": 1.0,
            }
        )
    return rows


def _trust_kinds(spec: ScaleSpec) -> list[tuple[str, str]]:
    """(org_type, org_subtype) of every trust, specialist acute trusts first."""
    return (
        [("acute_trust", "specialist")] * spec.specialist
        + [("acute_trust", "general")] * (spec.acute - spec.specialist)
        + [("mental_health_trust", "mental_health")] * spec.mental_health
        + [("community_trust", "community")] * spec.community
        + [("ambulance_trust", "ambulance")] * spec.ambulance
    )


def _hosts(
    rng: np.random.Generator, spec: ScaleSpec, kinds: list[tuple[str, str]], geo: _Geography
) -> tuple[np.ndarray, dict[int, list[str]]]:
    """The host ICB (position) of every trust, at least one general acute trust per ICB, and
    the ICBs each ambulance trust covers (its region's ICBs, or a share when the region has
    more than one ambulance trust)."""
    general = [k for k in range(len(kinds)) if kinds[k] == ("acute_trust", "general")]
    host = np.empty(len(kinds), dtype=int)
    host[general] = np.resize(rng.permutation(spec.icbs), len(general))  # >= 1 per ICB
    others = [k for k in range(len(kinds)) if k not in set(general)]
    host[others] = rng.integers(0, spec.icbs, size=len(others))
    # ambulance trusts: spread over regions, each covering that region's ICBs (or a share)
    amb = [k for k in range(len(kinds)) if kinds[k][0] == "ambulance_trust"]
    amb_cover: dict[int, list[str]] = {}
    region_icbs = {
        r: [geo.icb_codes[i] for i in range(spec.icbs) if geo.icb_region[i][0] == r]
        for r, _ in geo.regions
    }
    amb_regions = [geo.regions[j % spec.regions][0] for j in range(len(amb))]
    for j, k in enumerate(amb):
        r = amb_regions[j]
        sharing = [jj for jj in range(len(amb)) if amb_regions[jj] == r]
        pos = sharing.index(j)
        icbs = region_icbs[r][pos :: len(sharing)]
        amb_cover[k] = icbs
        host[k] = geo.icb_codes.index(icbs[0])
    return host, amb_cover


def _trust_rows(
    rng: np.random.Generator,
    kinds: list[tuple[str, str]],
    host: np.ndarray,
    amb_cover: dict[int, list[str]],
    places: list[str],
    codes: list[str],
    geo: _Geography,
) -> list[dict[str, Any]]:
    """One row per trust: size, name, host ICB and opening date (drawn in that order)."""
    rows: list[dict[str, Any]] = []
    for k, (otype, sub) in enumerate(kinds):
        size = float(np.exp(rng.normal(0, _SIZE_SIGMA[otype])))
        if sub == "specialist":
            size *= 0.35
        name = trust_name(rng, sub, places[k])
        icb = geo.icb_codes[host[k]]
        reg = geo.icb_region[host[k]]
        opened = pd.Timestamp("1992-04-01") + pd.DateOffset(months=int(rng.integers(0, 250)))
        rows.append(
            {
                "org_code": codes[k],
                "org_name": name,
                "org_type": otype,
                "org_subtype": sub,
                "region_code": reg[0],
                "region_name": reg[1],
                "icb_code": icb,
                "open_date": _date8(opened),
                "size_index": round(size, 4),
                "covers_icb_codes": ";".join(amb_cover.get(k, [])),
            }
        )
    return rows


def _successions(
    orgs: pd.DataFrame,
    months: pd.DatetimeIndex,
    places: list[str],
    codes: list[str],
    n_trusts: int,
) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """Two mergers (two general acute trusts in one ICB -> a new code) and then one code change:
    the old codes closed, the new ones added. Returns the organisations and the successions
    (the code change last)."""
    n = len(months)
    merger_months = [months[n // 3 + 3], months[(2 * n) // 3 + 3]]
    change_month = months[n // 2]
    acute_g = orgs[(orgs.org_subtype == "general")]
    by_icb = acute_g.groupby("icb_code").org_code.apply(list)
    pairs_icbs = [i for i in sorted(by_icb.index) if len(by_icb[i]) >= 2][:2]
    succ: list[dict[str, str]] = []
    extra: list[dict[str, Any]] = []
    used: set[str] = set()
    for j, icb in enumerate(pairs_icbs):
        a, b = by_icb[icb][:2]
        used |= {a, b}
        new = codes[n_trusts + j]
        pa = orgs.loc[orgs.org_code == a].iloc[0]
        pb = orgs.loc[orgs.org_code == b].iloc[0]
        pl_a = places[list(codes).index(a)]
        pl_b = places[list(codes).index(b)]
        when = merger_months[j]
        extra.append(
            {
                **pa.to_dict(),
                "org_code": new,
                "org_name": f"{pl_a} and {pl_b} University Hospitals NHS Foundation Trust",
                "open_date": _date8(when),
                "size_index": round(float(pa.size_index) + float(pb.size_index), 4),
            }
        )
        for old in (a, b):
            _close(orgs, old, new, when)
            succ.append({"old_code": old, "new_code": new, "date": when.strftime("%Y-%m-%d")})
    cand = acute_g[~acute_g.org_code.isin(used)].org_code.tolist()
    old = cand[0]
    new = codes[n_trusts + 2]
    po = orgs.loc[orgs.org_code == old].iloc[0]
    extra.append({**po.to_dict(), "org_code": new, "open_date": _date8(change_month)})
    _close(orgs, old, new, change_month)
    succ.append({"old_code": old, "new_code": new, "date": change_month.strftime("%Y-%m-%d")})
    return pd.concat([orgs, pd.DataFrame(extra)], ignore_index=True), succ


def _close(orgs: pd.DataFrame, old: str, new: str, when: pd.Timestamp) -> None:
    """Close ``old`` the day before ``when`` with successor ``new`` (in place)."""
    idx = orgs.index[orgs.org_code == old][0]
    orgs.loc[idx, "close_date"] = _date8(when - pd.Timedelta(days=1))
    orgs.loc[idx, "successor_code"] = new


def _succession_quirks(succ: list[dict[str, str]]) -> list[dict[str, str]]:
    """The quirks list entries of the successions (the last one is the code change)."""
    change = succ[-1]["new_code"]
    return [
        {
            "file": "organisations.csv",
            "org_code": s["new_code"],
            "description": f"succeeds {s['old_code']} from {s['date']}"
            + (" (merger)" if s["new_code"] != change else " (code change, same organisation)"),
        }
        for s in succ
    ]


def _active(orgs: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Whether each trust is open in each month (index org_code, columns months)."""
    trusts = orgs[orgs.org_type != "icb"]
    opened = pd.to_datetime(trusts.open_date, format="%Y%m%d")
    closed = pd.to_datetime(trusts.close_date.replace("", "2999-12-31"), format="mixed")
    return pd.DataFrame(
        (opened.to_numpy()[:, None] <= months.to_numpy()[None, :])
        & (closed.to_numpy()[:, None] >= months.to_numpy()[None, :]),
        index=trusts.org_code.to_numpy(),
        columns=months,
    )


def _population(world: World) -> pd.DataFrame:
    """ICB population by year, ESP2013 age band and sex."""
    rng = random_stream(world.seed, 2)
    icbs = world.orgs[world.orgs.org_type == "icb"].org_code.tolist()
    years = world.fys
    share = _AGE_SHARE / _AGE_SHARE.sum()
    sex_f = np.r_[np.full(15, 0.495), 0.52, 0.55, 0.6, 0.68]
    rows = []
    for icb in icbs:
        total = float(np.exp(rng.normal(np.log(1.3e6), 0.4)))
        tilt = rng.normal(0, 0.15)  # older or younger than England
        ages = np.arange(len(ESP2013_BANDS))
        prof = share * np.exp(tilt * (ages - 9) / 9)
        prof = prof / prof.sum()
        growth = rng.normal(0.006, 0.003)
        for y_i, year in enumerate(years):
            pop = total * (1 + growth) ** y_i * prof
            for b, band in enumerate(ESP2013_BANDS):
                f = int(round(pop[b] * sex_f[b]))
                m = int(round(pop[b] * (1 - sex_f[b])))
                rows.append((SYNTHETIC, icb, year, band, "M", m))
                rows.append((SYNTHETIC, icb, year, band, "F", f))
    return pd.DataFrame(rows, columns=POPULATION_COLUMNS)
