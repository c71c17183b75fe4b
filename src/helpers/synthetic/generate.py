"""Generate a deterministic, clearly labelled SYNTHETIC England: organisations, population and
the published-statistics files NHS England analysts receive, in their real shapes.

``generate(scale, seed, out)`` writes every file under ``out`` and returns a summary. The same
seed gives byte-identical files (CSV with fixed number formatting; Excel workbooks with fixed
document properties and fixed zip timestamps). Every organisation, code and figure is invented:
trust codes are ``Z`` + two characters, ICB codes ``QZ``/``QQ`` + a letter and region codes
``Y9`` + a digit, so they never collide with real ODS codes. ``data/SYNTHETIC.md`` is the data
contract for the file shapes and lists the quirks planted on purpose.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from helpers.config import MANIFEST_NAME, fy_label
from helpers.ingest import sha256

GENERATOR_VERSION = "1.1.0"
SYNTHETIC_LABEL = "SYNTHETIC DATA - not real NHS figures"
SYNTHETIC = "SYNTHETIC"
FIXED_TIME = datetime(2026, 4, 1, 0, 0, 0)
ZIP_TIME = (2026, 4, 1, 0, 0, 0)
DEFAULT_SEED = 20260401
Scale = Literal["small", "england"]

ESP_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
# England-like share of the population in each ESP2013 age band (sums to 1 after normalising).
_AGE_SHARE = np.array(
    [5.6, 6.0, 6.1, 5.7, 5.9, 6.6, 6.8, 6.8, 6.4, 6.5, 6.9, 6.9, 6.1, 5.4, 5.3, 4.0, 2.9, 1.8, 0.9]
)
PROVIDER_FILES_NOTE = "Source: annual-assessment synthetic England generator, seed {seed}"


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

_REGION_NAMES = [
    "Northern Fells", "Western Marches", "Central Vales", "Eastern Fenlands",
    "Capital Reach", "Southern Downs", "Far Westlands",
]
_SYL1 = [
    "Ash", "Brack", "Cal", "Dun", "Elm", "Fen", "Gar", "Hol", "Kel", "Lar", "Mar", "Oak", "Pen",
    "Quen", "Ros", "Thorn", "Ulls", "Ver", "Wen", "Yar", "Brin", "Cor", "Dal", "Fal", "Gil",
    "Kest", "Lin", "Mel", "Orr", "Pil", "Rav", "Stan", "Ald", "Bel", "Cran", "Eld", "Fox",
    "Hazel", "Ivel", "Lox", "Nett", "Pell", "Rook", "Sedge", "Tarn", "Whin",
]
_SYL2 = [
    "bourne", "mere", "wick", "stow", "combe", "thwaite", "hurst", "leigh", "wold", "brook",
    "dale", "holt", "croft", "marsh", "ridge", "cote", "garth", "ham", "by", "well",
]
_WORD3 = ["", "", "", " Vale", " Moor", " Heath", " Downs", " Water", " Fields", " Cross"]
_ACUTE_PATTERNS = [
    "{p} Hospitals NHS Foundation Trust", "{p} University Hospitals NHS Trust",
    "{p} Healthcare NHS Trust", "{p} General Hospital NHS Foundation Trust",
    "{p} and District Hospitals NHS Trust",
]
_SPECIALIST_PATTERNS = [
    "{p} Heart and Lung NHS Foundation Trust", "{p} Children's Hospital NHS Foundation Trust",
    "{p} Orthopaedic Hospital NHS Foundation Trust", "{p} Eye Hospital NHS Foundation Trust",
    "{p} Cancer Centre NHS Foundation Trust",
]
_MH_PATTERNS = [
    "{p} Partnership NHS Foundation Trust", "{p} Mental Health NHS Foundation Trust",
    "{p} Care NHS Trust",
]
_COMMUNITY_PATTERNS = [
    "{p} Community Healthcare NHS Trust", "{p} Community Health Services NHS Trust",
]

ORG_COLUMNS = [
    "synthetic", "org_code", "org_name", "org_type", "org_subtype", "region_code", "region_name",
    "icb_code", "open_date", "close_date", "successor_code", "size_index", "covers_icb_codes",
]
TRUTH_COLUMNS = ["org_code", "metric_id", "effect_scale", "effect", "truly_differs"]


# --------------------------------------------------------------------------------------------
# small utilities


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent random stream per component, so adding one never changes another."""
    return np.random.default_rng([seed, *stream])


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float | np.ndarray) -> Any:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def fy_file_label(start: int) -> str:
    """2024 -> '2024-25' (as used in file names)."""
    return f"{start}-{(start + 1) % 100:02d}"


def _thousands(v: int) -> str:
    return f"{v:,}"


def _write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: Sequence[str] = (),
    footnotes: Sequence[str] = (),
) -> int:
    """Write a CSV with optional title lines (then a blank line) and footnotes (after a blank
    line). Cells must already be strings or ints. Returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        for t in title:
            w.writerow([t])
        if title:
            w.writerow([])
        w.writerow(header)
        for r in rows:
            w.writerow(r)
            n += 1
        if footnotes:
            w.writerow([])
            for f in footnotes:
                w.writerow([f])
    return n


def _save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed document properties and fixed zip timestamps: byte-identical reruns."""
    wb.properties.creator = "annual-assessment synthetic generator"
    wb.properties.title = SYNTHETIC_LABEL
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "annual-assessment synthetic generator"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))


def _title_rows(ws: Any, lines: Sequence[str]) -> int:
    """Write title lines in column A and a blank row; return the next free row number."""
    for i, t in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=t)
    return len(lines) + 2


# --------------------------------------------------------------------------------------------
# organisations


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

    def trusts(self, *types: str, subtype: str | None = None) -> pd.DataFrame:
        t = self.orgs[self.orgs.org_type.isin(types)]
        if subtype is not None:
            t = t[t.org_subtype == subtype]
        return t

    def fy_of(self, month: pd.Timestamp) -> int:
        return month.year if month.month >= 4 else month.year - 1


def _place_names(rng: np.random.Generator, n: int) -> list[str]:
    combos = [a + b for a in _SYL1 for b in _SYL2]
    order = rng.permutation(len(combos))
    words = rng.integers(0, len(_WORD3), size=len(combos))
    out: list[str] = []
    for i in order[:n]:
        out.append(combos[i] + _WORD3[words[i]])
    return out


def _trust_codes(rng: np.random.Generator, n: int) -> list[str]:
    chars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    codes = [f"Z{a}{b}" for a in chars for b in chars if not (a.isdigit() and b.isdigit())]
    return [codes[i] for i in rng.permutation(len(codes))[:n]]


def _icb_codes(n: int) -> list[str]:
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    codes = [f"QZ{c}" for c in letters] + [f"QQ{c}" for c in letters]
    return codes[:n]


def _date8(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y%m%d")


def build_world(scale: Scale, seed: int) -> World:
    """Organisations, successions, activity sizes and the ICB population (no files)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    spec = SCALES[scale]
    rng = _rng(seed, 1)
    fys = [spec.first_fy + i for i in range(spec.n_fys)]
    months = pd.date_range(f"{fys[0]}-04-01", periods=12 * len(fys), freq="MS")
    n_trusts = spec.acute + spec.mental_health + spec.community + spec.ambulance
    places = _place_names(rng, n_trusts + spec.icbs + 4)
    codes = _trust_codes(rng, n_trusts + 4)
    regions = [(f"Y9{i}", f"NHS {_REGION_NAMES[i]} Region") for i in range(spec.regions)]
    icb_codes = _icb_codes(spec.icbs)
    icb_region = [regions[i * spec.regions // spec.icbs] for i in range(spec.icbs)]
    rows: list[dict[str, Any]] = []
    icb_open = "20220701"
    for i, code in enumerate(icb_codes):
        rows.append({
            "org_code": code, "org_name": f"NHS {places[n_trusts + i]} Integrated Care Board",
            "org_type": "icb", "org_subtype": "icb", "region_code": icb_region[i][0],
            "region_name": icb_region[i][1], "icb_code": code, "open_date": icb_open,
            "size_index": 1.0,
        })
    # trusts: type, subtype, host ICB, size
    kinds = (
        [("acute_trust", "specialist")] * spec.specialist
        + [("acute_trust", "general")] * (spec.acute - spec.specialist)
        + [("mental_health_trust", "mental_health")] * spec.mental_health
        + [("community_trust", "community")] * spec.community
        + [("ambulance_trust", "ambulance")] * spec.ambulance
    )
    general = [k for k in range(len(kinds)) if kinds[k] == ("acute_trust", "general")]
    host = np.empty(len(kinds), dtype=int)
    host[general] = np.resize(rng.permutation(spec.icbs), len(general))  # >= 1 per ICB
    others = [k for k in range(len(kinds)) if k not in set(general)]
    host[others] = rng.integers(0, spec.icbs, size=len(others))
    # ambulance trusts: spread over regions, each covering that region's ICBs (or a share)
    amb = [k for k in range(len(kinds)) if kinds[k][0] == "ambulance_trust"]
    amb_cover: dict[int, list[str]] = {}
    region_icbs = {r: [icb_codes[i] for i in range(spec.icbs) if icb_region[i][0] == r]
                   for r, _ in regions}
    amb_regions = [regions[j % spec.regions][0] for j in range(len(amb))]
    for j, k in enumerate(amb):
        r = amb_regions[j]
        sharing = [jj for jj in range(len(amb)) if amb_regions[jj] == r]
        pos = sharing.index(j)
        icbs = region_icbs[r][pos::len(sharing)]
        amb_cover[k] = icbs
        host[k] = icb_codes.index(icbs[0])
    sigma = {"acute_trust": 0.45, "mental_health_trust": 0.35, "community_trust": 0.35,
             "ambulance_trust": 0.25}
    for k, (otype, sub) in enumerate(kinds):
        size = float(np.exp(rng.normal(0, sigma[otype])))
        if sub == "specialist":
            size *= 0.35
        pat = {
            "general": _ACUTE_PATTERNS, "specialist": _SPECIALIST_PATTERNS,
            "mental_health": _MH_PATTERNS, "community": _COMMUNITY_PATTERNS,
        }.get(sub)
        if pat is None:
            name = f"{places[k]} Ambulance Service NHS Trust"
        else:
            name = pat[int(rng.integers(0, len(pat)))].format(p=places[k])
        icb = icb_codes[host[k]]
        reg = icb_region[host[k]]
        opened = pd.Timestamp("1992-04-01") + pd.DateOffset(months=int(rng.integers(0, 250)))
        rows.append({
            "org_code": codes[k], "org_name": name, "org_type": otype, "org_subtype": sub,
            "region_code": reg[0], "region_name": reg[1], "icb_code": icb,
            "open_date": _date8(opened), "size_index": round(size, 4),
            "covers_icb_codes": ";".join(amb_cover.get(k, [])),
        })
    orgs = pd.DataFrame(rows)
    # two mergers (two general acute trusts in one ICB -> a new code) and one code change
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
        extra.append({
            **pa.to_dict(), "org_code": new,
            "org_name": f"{pl_a} and {pl_b} University Hospitals NHS Foundation Trust",
            "open_date": _date8(when),
            "size_index": round(float(pa.size_index) + float(pb.size_index), 4),
        })
        for old in (a, b):
            idx = orgs.index[orgs.org_code == old][0]
            orgs.loc[idx, "close_date"] = _date8(when - pd.Timedelta(days=1))
            orgs.loc[idx, "successor_code"] = new
            succ.append({"old_code": old, "new_code": new, "date": when.strftime("%Y-%m-%d")})
    cand = acute_g[~acute_g.org_code.isin(used)].org_code.tolist()
    old = cand[0]
    new = codes[n_trusts + 2]
    po = orgs.loc[orgs.org_code == old].iloc[0]
    extra.append({**po.to_dict(), "org_code": new, "open_date": _date8(change_month)})
    idx = orgs.index[orgs.org_code == old][0]
    orgs.loc[idx, "close_date"] = _date8(change_month - pd.Timedelta(days=1))
    orgs.loc[idx, "successor_code"] = new
    succ.append({"old_code": old, "new_code": new, "date": change_month.strftime("%Y-%m-%d")})
    orgs = pd.concat([orgs, pd.DataFrame(extra)], ignore_index=True)
    orgs["synthetic"] = SYNTHETIC
    orgs = orgs.reindex(columns=ORG_COLUMNS).fillna("")
    orgs["size_index"] = orgs["size_index"].astype(float)
    trusts = orgs[orgs.org_type != "icb"]
    opened = pd.to_datetime(trusts.open_date, format="%Y%m%d")
    closed = pd.to_datetime(trusts.close_date.replace("", "2999-12-31"), format="mixed")
    active = pd.DataFrame(
        (opened.to_numpy()[:, None] <= months.to_numpy()[None, :])
        & (closed.to_numpy()[:, None] >= months.to_numpy()[None, :]),
        index=trusts.org_code.to_numpy(), columns=months,
    )
    successions = pd.DataFrame(succ, columns=["old_code", "new_code", "date"])
    quirks = [
        {"file": "organisations.csv", "org_code": s["new_code"],
         "description": f"succeeds {s['old_code']} from {s['date']}"
         + (" (merger)" if s["new_code"] != new else " (code change, same organisation)")}
        for s in succ
    ]
    world = World(scale, seed, spec, fys, months, orgs, active, successions,
                  pd.DataFrame(), quirks, [])
    world.population = _population(world)
    return world


def _population(world: World) -> pd.DataFrame:
    rng = _rng(world.seed, 2)
    icbs = world.orgs[world.orgs.org_type == "icb"].org_code.tolist()
    years = world.fys
    share = _AGE_SHARE / _AGE_SHARE.sum()
    sex_f = np.r_[np.full(15, 0.495), 0.52, 0.55, 0.6, 0.68]
    rows = []
    for icb in icbs:
        total = float(np.exp(rng.normal(np.log(1.3e6), 0.4)))
        tilt = rng.normal(0, 0.15)  # older or younger than England
        ages = np.arange(len(ESP_BANDS))
        prof = share * np.exp(tilt * (ages - 9) / 9)
        prof = prof / prof.sum()
        growth = rng.normal(0.006, 0.003)
        for y_i, year in enumerate(years):
            pop = total * (1 + growth) ** y_i * prof
            for b, band in enumerate(ESP_BANDS):
                f = int(round(pop[b] * sex_f[b]))
                m = int(round(pop[b] * (1 - sex_f[b])))
                rows.append((SYNTHETIC, icb, year, band, "M", m))
                rows.append((SYNTHETIC, icb, year, band, "F", f))
    return pd.DataFrame(
        rows, columns=["synthetic", "icb_code", "year", "age_band", "sex", "population"]
    )


# --------------------------------------------------------------------------------------------
# planted effects


def _plant(
    world: World,
    codes: Sequence[str],
    metric_id: str,
    effect_scale: str,
    tau: float,
    magnitude: tuple[float, float],
    stream: int,
) -> np.ndarray:
    """Random effect (sd ``tau``) for every organisation plus planted outliers on ~10% of them
    (never on merging or merged codes; a code change keeps the same effect). Records the truth:
    ``effect`` is the planted part only (odds or rate ratio ``exp(planted)``, or the shift),
    1 (0 for a shift) when nothing is planted; the random effect is not part of it.
    Returns the whole effect (random + planted) on the linear scale (log odds, log rate or
    shift)."""
    rng = _rng(world.seed, 100 + stream)
    codes = list(codes)
    u = rng.normal(0, tau, size=len(codes))
    succ = world.successions
    mergers = set(succ.new_code[succ.new_code.duplicated(keep=False)]) | set(
        succ.old_code[succ.new_code.duplicated(keep=False)]
    )
    eligible = [i for i, c in enumerate(codes) if c not in mergers]
    n_out = max(1, int(round(0.1 * len(codes))))
    if len(codes) >= 15:
        n_out = max(2, n_out)
    chosen = sorted(rng.choice(eligible, size=min(n_out, len(eligible)), replace=False).tolist())
    signs = np.where(np.arange(len(chosen)) % 2 == 0, 1.0, -1.0)[rng.permutation(len(chosen))]
    planted = np.zeros(len(codes))
    for j, i in enumerate(chosen):
        planted[i] = signs[j] * rng.uniform(*magnitude)
    # a code change: the new code is the same organisation
    change = succ[~succ.new_code.duplicated(keep=False)]
    for r in change.itertuples():
        if r.old_code in codes and r.new_code in codes:
            i_old, i_new = codes.index(r.old_code), codes.index(r.new_code)
            u[i_new] = u[i_old]
            planted[i_new] = planted[i_old]
    for c, p in zip(codes, planted, strict=True):
        if effect_scale == "shift":
            eff = round(float(p), 4)
        else:
            eff = round(float(np.exp(p)), 4)
        world.truth.append({
            "org_code": c, "metric_id": metric_id, "effect_scale": effect_scale,
            "effect": eff, "truly_differs": bool(p != 0),
        })
    return u + planted


def _season(months: pd.DatetimeIndex, amplitude: float, peak_month: int) -> np.ndarray:
    m = months.month.to_numpy()
    return amplitude * np.cos(2 * np.pi * (m - peak_month) / 12)


def _by_fy(world: World, levels: dict[int, float]) -> np.ndarray:
    return np.array([levels[world.fy_of(m)] for m in world.months], dtype=float)


def _plan_ramp(world: World) -> np.ndarray:
    """Fraction of the year's planned improvement due by each month (1/12 .. 12/12)."""
    m = world.months.month.to_numpy()
    return (((m - 4) % 12) + 1) / 12.0


# --------------------------------------------------------------------------------------------
# the files


class Writer:
    """Writes every file of one synthetic England and keeps the row counts."""

    def __init__(self, world: World, out: Path) -> None:
        self.w = world
        self.out = out
        self.rows: dict[str, int] = {}
        self.plans: list[pd.DataFrame] = []
        self.note = PROVIDER_FILES_NOTE.format(seed=world.seed)

    def title(self, what: str) -> list[str]:
        return [SYNTHETIC_LABEL, what, self.note]

    def done(self, rel: str, n: int) -> None:
        self.rows[rel] = n

    def _plan_frame(
        self, codes: Sequence[str], metric_id: str, values: np.ndarray, decimals: int
    ) -> None:
        act = self.w.active.loc[list(codes)].to_numpy()
        o, m = np.nonzero(act)
        v = np.round(values[o, m], decimals)
        self.plans.append(pd.DataFrame({
            "org_code": np.asarray(codes)[o],
            "metric_id": metric_id,
            "month": self.w.months[m].strftime("%Y-%m-01"),
            "planned_value": [f"{x:.{decimals}f}" for x in v],
        }))

    # reference files -----------------------------------------------------------------------
    def organisations(self) -> None:
        o = self.w.orgs.copy()
        o["size_index"] = o["size_index"].map(lambda x: f"{x:.4f}")
        o.to_csv(self.out / "organisations.csv", index=False, lineterminator="\n")
        self.done("organisations.csv", len(o))
        s = self.w.successions.copy()
        s.insert(0, "synthetic", SYNTHETIC)
        s.to_csv(self.out / "successions.csv", index=False, lineterminator="\n")
        self.done("successions.csv", len(s))

    def population(self) -> None:
        p = self.w.population
        p.to_csv(self.out / "population_icb_age_sex.csv", index=False, lineterminator="\n")
        self.done("population_icb_age_sex.csv", len(p))

    # access --------------------------------------------------------------------------------
    def ae(self) -> None:
        w = self.w
        rng = _rng(w.seed, 10)
        t = w.trusts("acute_trust", subtype="general")
        codes = t.org_code.tolist()
        mo = w.months
        u4 = _plant(w, codes, "ae_4hr_pct", "odds_ratio", 0.2, (0.7, 1.0), 10)
        u12 = _plant(w, codes, "ae_12hr_pct", "odds_ratio", 0.2, (0.7, 1.0), 11)
        att_mu = 11000 * t.size_index.to_numpy()[:, None] * (1 + _season(mo, 0.05, 6))[None, :]
        att_mu = att_mu * _by_fy(w, {2020: 0.78, 2021: 0.97, 2022: 1.0, 2023: 1.03, 2024: 1.05})
        att = rng.poisson(att_mu * np.exp(rng.normal(0, 0.03, att_mu.shape)))
        base4 = _logit(_by_fy(w, {2020: .83, 2021: .74, 2022: .70, 2023: .71, 2024: .74}))
        base4 = base4 + _season(mo, -0.25, 1)
        # plans: optimistic improvement each year; trusts deliver a share d of it
        ramp = _plan_ramp(w)
        opt = rng.uniform(0.15, 0.45, size=(len(codes), 1))
        deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
        lin4 = base4[None, :] + u4[:, None] + deliver * opt * ramp[None, :]
        p4 = _expit(lin4 + rng.normal(0, 0.05, att.shape))
        within = rng.binomial(att, p4)
        self._plan_frame(codes, "ae_4hr_pct",
                         100 * _expit(base4[None, :] + u4[:, None] + opt * ramp[None, :]), 1)
        base12 = _logit(_by_fy(w, {2020: .015, 2021: .035, 2022: .05, 2023: .048, 2024: .045}))
        base12 = base12 + _season(mo, 0.3, 1)
        opt12 = rng.uniform(0.15, 0.5, size=(len(codes), 1))
        p12 = _expit(base12[None, :] + u12[:, None] - deliver * opt12 * ramp[None, :]
                     + rng.normal(0, 0.08, att.shape))
        over12 = rng.binomial(att, p12)
        self._plan_frame(codes, "ae_12hr_pct",
                         100 * _expit(base12[None, :] + u12[:, None] - opt12 * ramp[None, :]), 2)
        adm = rng.binomial(att, 0.18)
        dta = rng.binomial(adm, _expit(_logit(0.33) + 0.6 * u12[:, None]
                                       + rng.normal(0, 0.05, att.shape)))
        act = w.active.loc[codes].to_numpy()
        # quirk: one trust does not submit one month
        miss_o = int(rng.integers(0, len(codes)))
        miss_m = int(rng.integers(2, len(mo) - 2))
        while not act[miss_o, miss_m]:
            miss_o = (miss_o + 1) % len(codes)
        act = act.copy()
        act[miss_o, miss_m] = False
        w.quirks.append({
            "file": f"ae_monthly_{fy_file_label(w.fy_of(mo[miss_m]))}.csv",
            "org_code": codes[miss_o],
            "description": f"no row for {mo[miss_m]:%Y-%m} (month not submitted)",
        })
        names = t.org_name.str.upper().tolist()
        parents = ("NHS ENGLAND " + t.region_name.str.replace("NHS ", "").str.replace(
            " Region", "").str.upper()).tolist()
        header = [
            "Period", "Org Code", "Parent Org", "Org name", "Total attendances",
            "Attendances over 4hrs", "Patients who have waited 12+ hrs from arrival",
            "Emergency admissions",
            "Number of patients spending >4 hours from decision to admit to admission",
        ]
        foot = [
            "Note: figures are synthetic and include all A&E department types.",
            "Note: 12-hour waits are measured from arrival; trusts that did not submit a month "
            "have no row for it.",
            "Note: generated by the annual-assessment synthetic England generator.",
        ]
        for fy in w.fys:
            rows = []
            for m_i, m in enumerate(mo):
                if w.fy_of(m) != fy:
                    continue
                period = f"MSitAE-{m.strftime('%B').upper()}-{m.year}"
                for o in range(len(codes)):
                    if not act[o, m_i]:
                        continue
                    vals = [int(att[o, m_i]), int(att[o, m_i] - within[o, m_i]),
                            int(over12[o, m_i]), int(adm[o, m_i]), int(dta[o, m_i])]
                    sep = (o + m_i) % 9 == 4
                    cells = [_thousands(v) if sep and v >= 1000 else str(v) for v in vals]
                    rows.append([period, codes[o], parents[o], names[o], *cells])
            rel = f"ae_monthly_{fy_file_label(fy)}.csv"
            title = self.title(f"A&E Attendances and Emergency Admissions, {fy_label(fy)}")
            self.done(rel, _write_csv(self.out / rel, header, rows, title, foot))

    def rtt(self) -> None:
        w = self.w
        rng = _rng(w.seed, 11)
        t = w.trusts("acute_trust")
        codes = t.org_code.tolist()
        mo = w.months
        u18 = _plant(w, codes, "rtt_18wk_pct", "odds_ratio", 0.2, (0.7, 1.0), 12)
        base_n = _by_fy(w, {2020: 38000, 2021: 45000, 2022: 55000, 2023: 60000, 2024: 58000})
        total = rng.poisson(base_n[None, :] * t.size_index.to_numpy()[:, None]
                            * np.exp(rng.normal(0, 0.02, (len(codes), len(mo)))))
        base18 = _logit(_by_fy(w, {2020: .62, 2021: .64, 2022: .59, 2023: .58, 2024: .59}))
        ramp = _plan_ramp(w)
        opt = rng.uniform(0.1, 0.35, size=(len(codes), 1))
        deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
        within = rng.binomial(total, _expit(base18[None, :] + u18[:, None]
                                            + deliver * opt * ramp[None, :]
                                            + rng.normal(0, 0.03, total.shape)))
        self._plan_frame(codes, "rtt_18wk_pct",
                         100 * _expit(base18[None, :] + u18[:, None] + opt * ramp[None, :]), 1)
        base52 = _by_fy(w, {2020: .05, 2021: .05, 2022: .05, 2023: .045, 2024: .035})
        u52 = rng.normal(0, 1.0, size=(len(codes), 1))  # some trusts have almost none
        # specialist trusts: very few long waiters, so small counts are suppressed ('*')
        u52 = u52 + np.where(t.org_subtype.to_numpy() == "specialist", -5.5, 0.0)[:, None]
        lam52 = base52[None, :] * np.exp(u52 - 0.5) * (1 - 0.5 * deliver * ramp[None, :])
        over52 = np.minimum(rng.poisson(total * lam52), total - within)
        plan52 = total * base52[None, :] * np.exp(u52 - 0.5) * (1 - 0.5 * ramp[None, :])
        self._plan_frame(codes, "rtt_52wk_count", plan52, 0)
        act = w.active.loc[codes].to_numpy()
        sheets = {"Total incomplete": total, "Within 18 weeks": within, "Over 52 weeks": over52}
        foot = [
            "Note: incomplete pathways at month end. * = suppressed (1 to 4 pathways).",
            "Note: blank = not submitted or organisation not open in the month.",
        ]
        for fy in w.fys:
            cols = [i for i, m in enumerate(mo) if w.fy_of(m) == fy]
            wb = Workbook()
            wb.remove(wb.active)
            for sheet, mat in sheets.items():
                ws = wb.create_sheet(sheet)
                r = _title_rows(ws, [
                    SYNTHETIC_LABEL,
                    f"Referral to Treatment (RTT) Waiting Times - Incomplete pathways, "
                    f"{fy_label(fy)}",
                    f"{sheet}. {self.note}",
                ])
                header = ["Region Code", "Org Code", "Org Name"] + [
                    mo[i].strftime("%b-%y") for i in cols
                ]
                for c, h in enumerate(header, start=1):
                    ws.cell(row=r, column=c, value=h)
                r += 1
                tot_row = ["-", "-", "Total"] + [
                    int(mat[:, i][act[:, i]].sum()) for i in cols
                ]
                for c, v in enumerate(tot_row, start=1):
                    ws.cell(row=r, column=c, value=v)
                r += 1
                n = 0
                for o in range(len(codes)):
                    if not act[o, cols].any():
                        continue
                    ws.cell(row=r, column=1, value=t.region_code.iat[o])
                    ws.cell(row=r, column=2, value=codes[o])
                    ws.cell(row=r, column=3, value=t.org_name.iat[o])
                    for c, i in enumerate(cols, start=4):
                        if not act[o, i]:
                            continue
                        v = int(mat[o, i])
                        ws.cell(row=r, column=c, value="*" if 1 <= v <= 4 else v)
                    r += 1
                    n += 1
                r += 1
                for f in foot:
                    ws.cell(row=r, column=1, value=f)
                    r += 1
            rel = f"rtt_incomplete_{fy_file_label(fy)}.xlsx"
            _save_workbook(wb, self.out / rel)
            self.done(rel, n * 3)

    def cancer(self) -> None:
        w = self.w
        rng = _rng(w.seed, 12)
        t = w.trusts("acute_trust")
        codes = t.org_code.tolist()
        mo = w.months
        u62 = _plant(w, codes, "cancer_62d_pct", "odds_ratio", 0.2, (0.7, 1.0), 13)
        u28 = rng.normal(0, 0.2, size=len(codes))
        size = t.size_index.to_numpy()[:, None]
        n62 = rng.poisson(160 * size * np.ones((1, len(mo))))
        n28 = rng.poisson(2000 * size * np.ones((1, len(mo))))
        ramp = _plan_ramp(w)
        opt = rng.uniform(0.1, 0.4, size=(len(codes), 1))
        deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
        b62 = _logit(_by_fy(w, {2020: .73, 2021: .68, 2022: .62, 2023: .66, 2024: .68}))
        w62 = rng.binomial(n62, _expit(b62[None, :] + u62[:, None] + deliver * opt * ramp
                                       + rng.normal(0, 0.05, n62.shape)))
        self._plan_frame(codes, "cancer_62d_pct",
                         100 * _expit(b62[None, :] + u62[:, None] + opt * ramp), 1)
        b28 = _logit(_by_fy(w, {2020: .75, 2021: .74, 2022: .72, 2023: .74, 2024: .77}))
        w28 = rng.binomial(n28, _expit(b28[None, :] + u28[:, None]
                                       + rng.normal(0, 0.05, n28.shape)))
        act = w.active.loc[codes].to_numpy()
        fds_start = pd.Timestamp("2021-04-01")
        rows = []
        for m_i, m in enumerate(mo):
            label = m.strftime("%B %Y")
            for o in range(len(codes)):
                if not act[o, m_i]:
                    continue
                for std, n, k in (("28-day FDS", n28, w28), ("62-day", n62, w62)):
                    if std == "28-day FDS" and m < fds_start:
                        continue
                    tot, ok = int(n[o, m_i]), int(k[o, m_i])
                    br = tot - ok
                    sup = ok < 5 or br < 5
                    rows.append([label, codes[o], std, str(tot),
                                 "*" if sup else str(ok), "*" if sup else str(br)])
        foot = [
            "Note: * = suppressed: fewer than 5 patients within the standard or breaching it.",
            "Note: the 28-day Faster Diagnosis Standard is published from April 2021.",
        ]
        n = _write_csv(self.out / "cancer_waits.csv",
                       ["Month", "Org Code", "Standard", "Total", "Within Standard", "Breaches"],
                       rows, self.title("Cancer Waiting Times, provider level"), foot)
        self.done("cancer_waits.csv", n)

    def diagnostics(self) -> None:
        w = self.w
        rng = _rng(w.seed, 13)
        t = w.trusts("acute_trust")
        codes = t.org_code.tolist()
        mo = w.months
        u6 = _plant(w, codes, "diagnostics_6wk_pct", "odds_ratio", 0.2, (0.7, 1.0), 14)
        total = rng.poisson(12800 * t.size_index.to_numpy()[:, None]
                            * np.exp(rng.normal(0, 0.03, (len(codes), len(mo)))))
        ramp = _plan_ramp(w)
        opt = rng.uniform(0.15, 0.5, size=(len(codes), 1))
        deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
        b6 = _logit(_by_fy(w, {2020: .30, 2021: .25, 2022: .27, 2023: .24, 2024: .21}))
        b6 = b6 + _season(mo, 0.1, 1)
        over = rng.binomial(total, _expit(b6[None, :] + u6[:, None] - deliver * opt * ramp
                                          + rng.normal(0, 0.05, total.shape)))
        self._plan_frame(codes, "diagnostics_6wk_pct",
                         100 * _expit(b6[None, :] + u6[:, None] - opt * ramp), 1)
        act = w.active.loc[codes].to_numpy()
        wb = Workbook()
        wb.remove(wb.active)
        n = 0
        for fy in w.fys:
            cols = [i for i, m in enumerate(mo) if w.fy_of(m) == fy]
            ws = wb.create_sheet(fy_file_label(fy))
            r = _title_rows(ws, [
                SYNTHETIC_LABEL, f"Diagnostic Waiting Times and Activity (DM01), {fy_label(fy)}",
                self.note,
            ])
            for block, mat in (("Total waiting list", total), ("Waiting 6+ weeks", over)):
                ws.cell(row=r, column=1, value=block)
                r += 1
                header = ["Region Code", "Org Code", "Org Name"] + [
                    mo[i].strftime("%b-%y") for i in cols
                ]
                for c, h in enumerate(header, start=1):
                    ws.cell(row=r, column=c, value=h)
                r += 1
                for c, v in enumerate(
                    ["-", "-", "Total"] + [int(mat[:, i][act[:, i]].sum()) for i in cols],
                    start=1,
                ):
                    ws.cell(row=r, column=c, value=v)
                r += 1
                for o in range(len(codes)):
                    if not act[o, cols].any():
                        continue
                    ws.cell(row=r, column=1, value=t.region_code.iat[o])
                    ws.cell(row=r, column=2, value=codes[o])
                    ws.cell(row=r, column=3, value=t.org_name.iat[o])
                    for c, i in enumerate(cols, start=4):
                        if act[o, i]:
                            ws.cell(row=r, column=c, value=int(mat[o, i]))
                    r += 1
                    n += 1
                r += 1
            ws.cell(row=r, column=1, value="Note: waiting list at month end, 15 key tests.")
            ws.cell(row=r + 1, column=1, value="Note: blank = organisation not open.")
        _save_workbook(wb, self.out / "diagnostics_dm01.xlsx")
        self.done("diagnostics_dm01.xlsx", n)

    # effectiveness and experience ----------------------------------------------------------
    def patient_survey(self) -> None:
        w = self.w
        rng = _rng(w.seed, 14)
        t = w.trusts("acute_trust", "mental_health_trust", "community_trust")
        codes = t.org_code.tolist()
        u = _plant(w, codes, "patient_survey_positive_pct", "odds_ratio", 0.15, (0.6, 0.8), 15)
        survey = t.org_type.map({
            "acute_trust": "Adult inpatient", "mental_health_trust": "Community mental health",
            "community_trust": "Community services",
        }).tolist()
        n_base = t.org_type.map({"acute_trust": 560, "mental_health_trust": 260,
                                 "community_trust": 380}).to_numpy()
        field_o = int(rng.integers(0, len(codes)))
        field_fy = w.fys[0]
        for fy in w.fys:
            col = [i for i, m in enumerate(w.months) if w.fy_of(m) == fy][0]
            act = w.active.loc[codes].iloc[:, col].to_numpy()
            resp = rng.poisson(n_base * np.exp(rng.normal(0, 0.15, len(codes))))
            pos = rng.binomial(resp, _expit(_logit(0.80) + u + rng.normal(0, 0.03, len(codes))))
            rows = []
            for o in range(len(codes)):
                if not act[o]:
                    continue
                if o == field_o and fy == field_fy:
                    rows.append([codes[o], t.org_name.iat[o], survey[o], "", ""])
                    continue
                rows.append([codes[o], t.org_name.iat[o], survey[o], str(resp[o]), str(pos[o])])
            rel = f"patient_survey_{fy_file_label(fy)}.csv"
            n = _write_csv(
                self.out / rel,
                ["Org Code", "Org Name", "Survey", "Respondents", "Positive responses"],
                rows, self.title(f"Patient surveys, positive responses, {fy_label(fy)}"),
                ["Note: blank = field-test trust (survey methods tested; results not published)."],
            )
            self.done(rel, n)
        w.quirks.append({
            "file": f"patient_survey_{fy_file_label(field_fy)}.csv", "org_code": codes[field_o],
            "description": "field-test trust: blank respondents and positive responses",
        })

    # safety ----------------------------------------------------------------------------------
    def hcai(self) -> None:
        w = self.w
        rng = _rng(w.seed, 15)
        t = w.trusts("acute_trust")
        codes = t.org_code.tolist()
        mo = w.months
        ucd = _plant(w, codes, "hcai_cdiff_rate", "rate_ratio", 0.12, (0.75, 1.0), 16)
        act = w.active.loc[codes].to_numpy()
        obd_m = (800 * 0.9 * t.size_index.to_numpy()[:, None] * mo.days_in_month.to_numpy()
                 * np.exp(rng.normal(0, 0.02, (len(codes), len(mo)))))
        obd_m = np.round(obd_m)
        rates = {
            "MRSA": _by_fy(w, {2020: 1.0, 2021: 1.1, 2022: 1.0, 2023: 1.1, 2024: 1.0}),
            "C. difficile": _by_fy(w, {2020: 25, 2021: 28, 2022: 30, 2023: 32, 2024: 33}),
            "E. coli": _by_fy(w, {2020: 20, 2021: 21, 2022: 22, 2023: 22, 2024: 23}),
        }
        cases = {}
        for org, base in rates.items():
            eff = ucd if org == "C. difficile" else rng.normal(0, 0.12, len(codes))
            cases[org] = rng.poisson(obd_m / 1e5 * base[None, :] * np.exp(eff)[:, None])
        rows = []
        for m_i, m in enumerate(mo):
            for o in range(len(codes)):
                if act[o, m_i]:
                    for org in rates:
                        rows.append([m.strftime("%Y-%m"), codes[o], org, str(cases[org][o, m_i])])
        n = _write_csv(self.out / "hcai_monthly.csv", ["Month", "Org Code", "Organism", "Cases"],
                       rows, self.title("Healthcare associated infections, trust apportioned"),
                       ["Note: counts of hospital-onset cases apportioned to the trust."])
        self.done("hcai_monthly.csv", n)
        rows = []
        for fy in w.fys:
            for q in range(4):
                cols = [i for i, m in enumerate(mo)
                        if w.fy_of(m) == fy and ((m.month - 4) % 12) // 3 == q]
                for o in range(len(codes)):
                    if act[o, cols].any():
                        v = int(obd_m[o, cols][act[o, cols]].sum())
                        rows.append([fy_file_label(fy), f"Q{q + 1}", codes[o],
                                     t.org_name.iat[o], str(v)])
        n = _write_csv(self.out / "occupied_bed_days_quarterly.csv",
                       ["Year", "Quarter", "Org Code", "Org Name", "Occupied bed days"], rows,
                       self.title("Bed availability and occupancy (KH03-like), general and acute"),
                       ["Note: Q1 = April to June. Occupied bed-days in the quarter."])
        self.done("occupied_bed_days_quarterly.csv", n)

    # people ----------------------------------------------------------------------------------
    def workforce(self) -> None:
        w = self.w
        rng = _rng(w.seed, 16)
        t = w.orgs[w.orgs.org_type != "icb"]
        codes = t.org_code.tolist()
        mo = w.months
        us = _plant(w, codes, "sickness_absence_pct", "odds_ratio", 0.08, (0.3, 0.4), 17)
        ue = _plant(w, codes, "staff_engagement_mean", "shift", 0.12, (0.5, 0.7), 18)
        fte = t.org_type.map({"acute_trust": 6000, "mental_health_trust": 3500,
                              "community_trust": 2500, "ambulance_trust": 4000}).to_numpy()
        fte = fte * t.size_index.to_numpy()
        act = w.active.loc[codes].to_numpy()
        avail = (fte[:, None] * mo.days_in_month.to_numpy()[None, :]
                 * np.exp(rng.normal(0, 0.01, (len(codes), len(mo)))))
        base = _logit(_by_fy(w, {2020: .055, 2021: .057, 2022: .056, 2023: .051, 2024: .050}))
        base = base + _season(mo, 0.12, 1)
        p = _expit(base[None, :] + us[:, None] + rng.normal(0, 0.03, avail.shape))
        lost = avail * p
        rows = []
        for m_i, m in enumerate(mo):
            end = m + pd.offsets.MonthEnd(0)
            for o in range(len(codes)):
                if act[o, m_i]:
                    rows.append([SYNTHETIC, end.strftime("%Y-%m-%d"), codes[o], t.org_name.iat[o],
                                 t.org_type.iat[o], f"{lost[o, m_i]:.2f}", f"{avail[o, m_i]:.2f}"])
        n = _write_csv(self.out / "sickness_absence.csv",
                       ["Data status", "Month", "Org Code", "Org Name", "Org Type",
                        "FTE days lost", "FTE days available"], rows)
        self.done("sickness_absence.csv", n)
        emean = {2020: 7.0, 2021: 6.8, 2022: 6.8, 2023: 6.9, 2024: 6.9}
        for fy in w.fys:
            col = [i for i, m in enumerate(mo) if w.fy_of(m) == fy][-1]
            resp = rng.poisson(0.4 * fte * np.exp(rng.normal(0, 0.1, len(codes))))
            sd = rng.uniform(1.6, 2.0, len(codes))
            mean = emean[fy] + ue + rng.normal(0, sd / np.sqrt(np.maximum(resp, 1)))
            rows = [[codes[o], t.org_name.iat[o], str(resp[o]), f"{mean[o]:.2f}", f"{sd[o]:.2f}"]
                    for o in range(len(codes)) if act[o, col]]
            rel = f"staff_survey_{fy_file_label(fy)}.csv"
            n = _write_csv(self.out / rel,
                           ["Org Code", "Org Name", "Respondents", "Engagement mean score",
                            "Standard deviation"], rows,
                           self.title(f"NHS Staff Survey {fy}, staff engagement (0-10)"),
                           ["Note: survey run in the autumn of the financial year."])
            self.done(rel, n)

    # finance ---------------------------------------------------------------------------------
    def finance(self) -> None:
        w = self.w
        rng = _rng(w.seed, 17)
        t = w.orgs[w.orgs.org_type != "icb"]
        codes = t.org_code.tolist()
        uc = _plant(w, codes, "cost_index", "rate_ratio", 0.03, (0.12, 0.16), 19)
        inc0 = t.org_type.map({"acute_trust": 500000, "mental_health_trust": 250000,
                               "community_trust": 180000, "ambulance_trust": 300000}).to_numpy()
        inc0 = inc0 * t.size_index.to_numpy()
        mo = w.months
        wb = Workbook()
        ws = wb.active
        ws.title = "Plan and outturn"
        r = _title_rows(ws, [SYNTHETIC_LABEL, "Provider financial plans and outturn, £000",
                             self.note])
        header = ["Financial Year", "Org Code", "Org Name", "Org Type",
                  "Planned surplus/(deficit) £000", "Outturn surplus/(deficit) £000",
                  "Operating income £000"]
        for c, h in enumerate(header, start=1):
            ws.cell(row=r, column=c, value=h)
        r += 1
        n = 0
        cost_rows = []
        plan_parts = []
        act = w.active.loc[codes]
        for y, fy in enumerate(w.fys):
            cols = [i for i, m in enumerate(mo) if w.fy_of(m) == fy]
            months_open = act.iloc[:, cols].to_numpy().sum(axis=1)
            income = inc0 * (1.05 ** y) * months_open / 12 * np.exp(rng.normal(0, 0.01, len(codes)))
            plan = income * rng.normal(0.002, 0.006, len(codes))
            outturn = plan + income * rng.normal(-0.003, 0.008, len(codes))  # most fall short
            expected = income * 0.96
            actual = expected * np.exp(uc + rng.normal(0, 0.01, len(codes)))
            for o in range(len(codes)):
                if months_open[o] == 0:
                    continue
                vals = [fy_label(fy), codes[o], t.org_name.iat[o], t.org_type.iat[o],
                        int(round(plan[o])), int(round(outturn[o])), int(round(income[o]))]
                for c, v in enumerate(vals, start=1):
                    cell = ws.cell(row=r, column=c, value=v)
                    if c >= 5:
                        cell.number_format = "#,##0;(#,##0)"
                r += 1
                n += 1
                cost_rows.append([fy_label(fy), codes[o], t.org_name.iat[o],
                                  str(int(round(actual[o]))), str(int(round(expected[o])))])
            monthly = np.repeat((plan / np.maximum(months_open, 1))[:, None], len(cols), axis=1)
            plan_parts.append(monthly)
        r += 1
        ws.cell(row=r, column=1, value="Note: (brackets) = deficit. Year-end outturn.")
        _save_workbook(wb, self.out / "finance_plan_outturn.xlsx")
        self.done("finance_plan_outturn.xlsx", n)
        self._plan_frame(codes, "finance_surplus_k", np.concatenate(plan_parts, axis=1), 0)
        n = _write_csv(self.out / "cost_index.csv",
                       ["Financial Year", "Org Code", "Org Name", "Actual cost £000",
                        "Expected cost £000"], cost_rows,
                       self.title("Cost collection: actual cost and expected (national tariff) "
                                  "cost"),
                       ["Note: cost index = 100 x actual / expected."])
        self.done("cost_index.csv", n)

    # ICB commissioner metrics ----------------------------------------------------------------
    def icb_metrics(self) -> None:
        w = self.w
        rng = _rng(w.seed, 18)
        icbs = w.orgs[w.orgs.org_type == "icb"]
        codes = icbs.org_code.tolist()
        mo = w.months
        um = _plant(w, codes, "mh_access_pct", "odds_ratio", 0.1, (0.45, 0.6), 20)
        uf = _plant(w, codes, "flu_vaccination_pct", "odds_ratio", 0.1, (0.45, 0.6), 21)
        pop = w.population
        by = ["icb_code", "year"]
        adult = pop[~pop.age_band.isin(ESP_BANDS[:4])].groupby(by).population.sum()
        old = pop[pop.age_band.isin(ESP_BANDS[13:])].groupby(by).population.sum()
        rows = []
        base = _logit(0.13) + 0.01 * np.arange(len(mo))
        for m_i, m in enumerate(mo):
            fy = w.fy_of(m)
            for o, c in enumerate(codes):
                prev = int(round(0.165 * adult[(c, fy)]))
                people = rng.binomial(prev, _expit(base[m_i] + um[o] + rng.normal(0, 0.02)))
                rows.append([m.strftime("%Y-%m-%d"), c, icbs.org_name.iat[o], str(people),
                             str(prev)])
        n = _write_csv(self.out / "mh_access_icb.csv",
                       ["Month", "ICB Code", "ICB Name", "People in contact",
                        "Estimated prevalence"], rows,
                       self.title("Mental health services: people in contact, by ICB"),
                       ["Note: prevalence = estimated adults with a common mental health "
                        "condition (16.5% of adults)."])
        self.done("mh_access_icb.csv", n)
        flu = {2020: .81, 2021: .82, 2022: .80, 2023: .77, 2024: .75}
        rows = []
        for fy in w.fys:
            for o, c in enumerate(codes):
                elig = int(old[(c, fy)])
                vac = rng.binomial(elig, _expit(_logit(flu[fy]) + uf[o]))
                rows.append([fy_file_label(fy), c, icbs.org_name.iat[o], "65 and over",
                             str(vac), str(elig)])
        n = _write_csv(self.out / "flu_vaccination_icb.csv",
                       ["Season", "ICB Code", "ICB Name", "Cohort", "Vaccinated", "Eligible"],
                       rows, self.title("Seasonal influenza vaccine uptake, by ICB"),
                       ["Note: season 2024-25 = September 2024 to February 2025."])
        self.done("flu_vaccination_icb.csv", n)

    # plans, priorities, truth ----------------------------------------------------------------
    def write_plans(self) -> None:
        p = pd.concat(self.plans, ignore_index=True)
        p = p.sort_values(["metric_id", "org_code", "month"], kind="stable")
        p.insert(0, "synthetic", SYNTHETIC)
        p.to_csv(self.out / "plans.csv", index=False, lineterminator="\n")
        self.done("plans.csv", len(p))

    def local_priorities(self) -> None:
        w = self.w
        rng = _rng(w.seed, 19)
        icbs = w.orgs[w.orgs.org_type == "icb"].org_code.tolist()
        n = 2 if w.scale == "small" else 6
        options = [
            ("mh_access_pct", "Local priority: access to community mental health services"),
            ("flu_vaccination_pct", "Local priority: uptake among people aged 65 and over"),
            ("icb_ae_12hr_pct", "Local priority: long waits in emergency departments"),
            ("icb_cancer_62d_pct", "Local priority: cancer treatment within 62 days"),
            ("avoidable_admissions_dsr", "Local priority: admissions avoidable with "
             "better primary and community care"),
        ]  # ICB metrics of the catalogue (config/metrics/synthetic.yml)
        rows = []
        for i in sorted(rng.choice(len(icbs), size=n, replace=False).tolist()):
            for j in sorted(rng.choice(len(options), size=2, replace=False).tolist()):
                rows.append([SYNTHETIC, icbs[i], options[j][0], options[j][1]])
        m = _write_csv(self.out / "local_priorities.csv",
                       ["synthetic", "icb_code", "metric_id", "reason"], rows)
        self.done("local_priorities.csv", m)

    def write_truth(self, extra: pd.DataFrame | None) -> None:
        t = pd.DataFrame(self.w.truth, columns=TRUTH_COLUMNS)
        if extra is not None and len(extra):
            t = pd.concat([t, extra[TRUTH_COLUMNS]], ignore_index=True)
        t["effect"] = t["effect"].map(lambda x: f"{float(x):.4f}")
        t["truly_differs"] = t["truly_differs"].map(lambda x: "true" if bool(x) else "false")
        t.insert(0, "synthetic", SYNTHETIC)
        t.to_csv(self.out / "planted_truth.csv", index=False, lineterminator="\n")
        self.done("planted_truth.csv", len(t))

    # faults ------------------------------------------------------------------------------------
    def faults(self) -> None:
        """A separate file set with invalid rows at known lines (only when faults=True)."""
        w = self.w
        fy = w.fys[-1]
        src = self.out / f"ae_monthly_{fy_file_label(fy)}.csv"
        lines = src.read_text(encoding="utf-8").split("\n")
        header_i = next(i for i, s in enumerate(lines) if s.startswith("Period,"))
        cols = next(csv.reader([lines[header_i]]))
        expected: list[list[str]] = []
        rel = f"faults/ae_monthly_faults_{fy_file_label(fy)}.csv"

        def edit(data_row: int, column: str, value: str, reason: str) -> None:
            i = header_i + data_row
            cells = next(csv.reader([lines[i]]))
            cells[cols.index(column)] = value
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(cells)
            lines[i] = buf.getvalue()
            expected.append([rel, str(i + 1), column, value, reason])

        def total(data_row: int) -> int:
            cells = next(csv.reader([lines[header_i + data_row]]))
            return int(cells[cols.index("Total attendances")].replace(",", ""))

        edit(3, "Total attendances", "-12", "negative count")
        edit(7, "Attendances over 4hrs", str(total(7) + 50),
             "more 4-hour breaches than attendances")
        edit(11, "Emergency admissions", "12O4", "not a number (and not a missing-value marker)")
        edit(15, "Org Code", "", "blank organisation code")
        edit(19, "Period", "MSitAE-SMARCH-2025", "not a period like MSitAE-APRIL-2024")
        # a duplicated organisation-month row, inserted after data row 23
        dup_i = header_i + 23
        lines.insert(dup_i + 1, lines[dup_i])
        org = next(csv.reader([lines[dup_i]]))[1]
        expected.append([rel, str(dup_i + 1), "Org Code", org, "duplicate row for Period/Org Code"])
        expected.append([rel, str(dup_i + 2), "Org Code", org, "duplicate row for Period/Org Code"])
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        self.done(rel, sum(1 for _ in self._data_lines(lines, header_i)))
        # an Excel workbook with bad cells
        from openpyxl import load_workbook

        rtt_src = self.out / f"rtt_incomplete_{fy_file_label(fy)}.xlsx"
        wb = load_workbook(rtt_src)
        xrel = f"faults/rtt_incomplete_faults_{fy_file_label(fy)}.xlsx"
        ws_t, ws_w = wb["Total incomplete"], wb["Within 18 weeks"]
        hdr_row = next(r for r in range(1, 10) if ws_t.cell(row=r, column=2).value == "Org Code")
        r1, r2 = hdr_row + 3, hdr_row + 5  # two organisation rows (the Total row comes first)
        ws_t.cell(row=r1, column=5, value=-40)
        expected.append([xrel, str(r1), str(ws_t.cell(row=hdr_row, column=5).value), "-40",
                         "sheet 'Total incomplete': negative count"])
        big = int(ws_t.cell(row=r2, column=4).value) + 10
        ws_w.cell(row=r2, column=4, value=big)
        expected.append([xrel, str(r2), str(ws_w.cell(row=hdr_row, column=4).value), str(big),
                         "sheet 'Within 18 weeks': more pathways within 18 weeks than in total"])
        ws_w.cell(row=r2 + 1, column=6, value="n/k")
        expected.append([xrel, str(r2 + 1), str(ws_w.cell(row=hdr_row, column=6).value), "n/k",
                         "sheet 'Within 18 weeks': not a number (and not a missing-value marker)"])
        _save_workbook(wb, self.out / xrel)
        self.done(xrel, self.rows[rtt_src.name])
        m = _write_csv(self.out / "faults/expected_rejections.csv",
                       ["file", "line", "column", "value", "reason"], expected)
        self.done("faults/expected_rejections.csv", m)

    @staticmethod
    def _data_lines(lines: list[str], header_i: int) -> Iterable[str]:
        for s in lines[header_i + 1:]:
            if not s.strip():
                break
            yield s


# --------------------------------------------------------------------------------------------
# entry points


def _records(world: World, out: Path) -> tuple[pd.DataFrame | None, str]:
    try:
        from helpers.synthetic.records import write_admissions
    except ImportError as exc:
        return None, f"skipped: helpers.synthetic.records not available ({exc})"
    truth = write_admissions(
        world.orgs, world.population, [fy_label(y) for y in world.fys], world.seed,
        world.scale, out, successions=world.successions,
    )
    return truth, "written by helpers.synthetic.records.write_admissions"


def _rows(path: Path) -> int | None:
    """Rows of a file another module wrote (parquet from its metadata; CSV lines - 1)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if path.suffix == ".csv":
        with path.open("rb") as fh:
            return max(sum(1 for _ in fh) - 1, 0)
    return None


def generate(
    scale: Scale,
    seed: int = DEFAULT_SEED,
    out: Path | str = Path("data/synthetic"),
    faults: bool = False,
    records: bool = True,
) -> dict[str, Any]:
    """Write a SYNTHETIC England under ``out``; return a summary.

    ``faults=True`` adds ``out/faults/`` (files with invalid rows at known lines, listed in
    ``faults/expected_rejections.csv``); the clean files are the same either way.
    ``records=False`` skips the record-level admissions even when that module exists.
    Returns ``{"scale", "seed", "out", "files": {relative path: data rows}, "rows",
    "records", "seconds"}`` (files include those the record-level module wrote).
    """
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(scale, seed)
    wr = Writer(world, out)
    wr.organisations()
    wr.population()
    wr.ae()
    wr.rtt()
    wr.cancer()
    wr.diagnostics()
    wr.patient_survey()
    wr.hcai()
    wr.workforce()
    wr.finance()
    wr.icb_metrics()
    wr.write_plans()
    wr.local_priorities()
    if records:
        truth, records_note = _records(world, out)
    else:
        truth, records_note = None, "skipped: records=False"
    wr.write_truth(truth)
    if faults:
        wr.faults()
    files = []
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and rel != MANIFEST_NAME:
            files.append({"path": rel, "sha256": sha256(p), "rows": wr.rows.get(rel, _rows(p))})
    manifest = {
        "statement": "SYNTHETIC DATA: every organisation, code, name and figure in these files "
                     "is invented by the annual-assessment synthetic England generator. They are "
                     "not NHS data and must never be presented as real.",
        "generator": "helpers.synthetic.generate",
        "version": GENERATOR_VERSION,
        "scale": scale,
        "seed": seed,
        "financial_years": [fy_label(y) for y in world.fys],
        "faults": faults,
        "records": records_note,
        "quirks": world.quirks,
        "files": files,
    }
    (out / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {
        "scale": scale,
        "seed": seed,
        "out": str(out),
        "files": {f["path"]: f["rows"] for f in files},
        "rows": int(sum(f["rows"] or 0 for f in files)),
        "records": records_note,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def cli_demo_data(
    scale: Scale = "small", seed: int = DEFAULT_SEED, out: Path | str | None = None,
    faults: bool = False,
) -> dict[str, Any]:
    """Generate and print a one-screen summary (for ``assess demo-data``). The default folder
    is ``data/synthetic/<scale>`` under the project root."""
    if out is None:
        from helpers.paths import project_root

        out = project_root() / "data" / "synthetic" / scale
    out = Path(out)
    summary = generate(scale, seed, out, faults=faults)
    print(f"SYNTHETIC England ({scale}, seed {seed}) written to {out}")
    for rel, n in summary["files"].items():
        print(f"  {rel}: {n:,} rows" if n is not None else f"  {rel}")
    print(f"  records: {summary['records']}")
    print(f"{summary['rows']:,} rows in {summary['seconds']:.1f} s")
    return summary


def demo_data_main(argv: list[str] | None = None) -> int:
    """``assess demo-data [--scale small|england] [--seed N] [--out DIR] [--faults]``."""
    ap = argparse.ArgumentParser(
        prog="assess demo-data",
        description="Write a deterministic, clearly labelled SYNTHETIC England (not NHS data).",
    )
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=None,
                    help="output folder (default <project>/data/synthetic/<scale>)")
    ap.add_argument("--faults", action="store_true",
                    help="also write faults/ (invalid rows at known lines, for testing)")
    args = ap.parse_args(argv)
    cli_demo_data(args.scale, args.seed, args.out, args.faults)
    return 0


if __name__ == "__main__":
    raise SystemExit(demo_data_main())
