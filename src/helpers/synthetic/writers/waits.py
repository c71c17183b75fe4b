"""Waiting times: referral to treatment (one workbook per financial year, a sheet per measure,
wide month columns), cancer (one long CSV) and diagnostics (DM01, one workbook with a sheet
per financial year)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import Workbook

from helpers.core.fy import fy_file_label, fy_label
from helpers.synthetic.files import (
    SYNTHETIC_LABEL,
    save_workbook,
    title_rows,
    wide_month_block,
)
from helpers.synthetic.model import by_fy, expit, logit, plan_ramp, random_stream, season
from helpers.synthetic.plant import plant
from helpers.synthetic.writers.context import Output

_RTT_FOOTNOTES = [
    "Note: incomplete pathways at month end. * = suppressed (1 to 4 pathways).",
    "Note: blank = not submitted or organisation not open in the month.",
]
_CANCER_FOOTNOTES = [
    "Note: * = suppressed: fewer than 5 patients within the standard or breaching it.",
    "Note: the 28-day Faster Diagnosis Standard is published from April 2021.",
]


# referral to treatment -----------------------------------------------------------------------
def write_rtt(out: Output) -> None:
    w = out.world
    rng = random_stream(w.seed, 11)
    t = w.trusts("acute_trust")
    sheets = _rtt_counts(out, rng, t)
    act = w.active.loc[t.org_code.tolist()].to_numpy()
    for fy in w.fys:
        _rtt_workbook(out, fy, t, sheets, act)


def _rtt_counts(out: Output, rng: np.random.Generator, t: pd.DataFrame) -> dict[str, np.ndarray]:
    """Incomplete pathways in total, within 18 weeks and over 52 weeks (trusts x months);
    collects the 18-week and 52-week plans."""
    w = out.world
    codes = t.org_code.tolist()
    mo = w.months
    u18 = plant(w, codes, "rtt_18wk_pct", "odds_ratio", 0.2, (0.7, 1.0), 12, worse=-1)
    base_n = by_fy(mo, {2020: 38000, 2021: 45000, 2022: 55000, 2023: 60000, 2024: 58000})
    total = rng.poisson(
        base_n[None, :]
        * t.size_index.to_numpy()[:, None]
        * np.exp(rng.normal(0, 0.02, (len(codes), len(mo))))
    )
    base18 = logit(by_fy(mo, {2020: 0.62, 2021: 0.64, 2022: 0.59, 2023: 0.58, 2024: 0.59}))
    ramp = plan_ramp(mo)
    opt = rng.uniform(0.1, 0.35, size=(len(codes), 1))
    deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
    within = rng.binomial(
        total,
        expit(
            base18[None, :]
            + u18[:, None]
            + deliver * opt * ramp[None, :]
            + rng.normal(0, 0.03, total.shape)
        ),
    )
    out.plan(
        codes, "rtt_18wk_pct", 100 * expit(base18[None, :] + u18[:, None] + opt * ramp[None, :]), 1
    )
    base52 = by_fy(mo, {2020: 0.05, 2021: 0.05, 2022: 0.05, 2023: 0.045, 2024: 0.035})
    u52 = rng.normal(0, 1.0, size=(len(codes), 1))  # some trusts have almost none
    # specialist trusts: very few long waiters, so small counts are suppressed ('*')
    u52 = u52 + np.where(t.org_subtype.to_numpy() == "specialist", -5.5, 0.0)[:, None]
    lam52 = base52[None, :] * np.exp(u52 - 0.5) * (1 - 0.5 * deliver * ramp[None, :])
    over52 = np.minimum(rng.poisson(total * lam52), total - within)
    plan52 = total * base52[None, :] * np.exp(u52 - 0.5) * (1 - 0.5 * ramp[None, :])
    out.plan(codes, "rtt_52wk_count", plan52, 0)
    # expected counts: the 52-week share is capped (noise-free) at the share not within 18 weeks
    p18 = expit(base18[None, :] + u18[:, None] + deliver * opt * ramp[None, :])
    act = w.active.loc[codes].to_numpy()
    shown = act & _published(total)
    out.expect(codes, "rtt_within_18w", "rtt_total", total * p18, total, shown & _published(within))
    out.expect(
        codes,
        "rtt_over_52w",
        "rtt_total",
        total * np.minimum(lam52, 1 - p18),
        total,
        shown & _published(over52),
    )
    return {"Total incomplete": total, "Within 18 weeks": within, "Over 52 weeks": over52}


def _published(counts: np.ndarray) -> np.ndarray:
    """Cells of a wide RTT sheet that are not suppressed ('*' for 1 to 4)."""
    return ~((counts >= 1) & (counts <= 4))


def _rtt_workbook(
    out: Output, fy: int, t: pd.DataFrame, sheets: dict[str, np.ndarray], act: np.ndarray
) -> None:
    """``rtt_incomplete_<yyyy-yy>.xlsx``: a sheet per measure, one column per month."""
    cols = out.world.month_indices(fy)
    wb = Workbook()
    wb.remove(wb.active)
    n = 0
    for sheet, mat in sheets.items():
        ws = wb.create_sheet(sheet)
        r = title_rows(
            ws,
            [
                SYNTHETIC_LABEL,
                f"Referral to Treatment (RTT) Waiting Times - Incomplete pathways, {fy_label(fy)}",
                f"{sheet}. {out.note}",
            ],
        )
        r, n = wide_month_block(ws, r, t, mat, act, cols, out.world.months, suppress_small=True)
        r += 1
        for f in _RTT_FOOTNOTES:
            ws.cell(row=r, column=1, value=f)
            r += 1
    rel = f"rtt_incomplete_{fy_file_label(fy)}.xlsx"
    save_workbook(wb, out.folder / rel)
    out.done(rel, n * 3)


# cancer ----------------------------------------------------------------------------------
def write_cancer(out: Output) -> None:
    w = out.world
    rng = random_stream(w.seed, 12)
    t = w.trusts("acute_trust")
    codes = t.org_code.tolist()
    mo = w.months
    u62 = plant(w, codes, "cancer_62d_pct", "odds_ratio", 0.2, (0.7, 1.0), 13, worse=-1)
    u28 = rng.normal(0, 0.2, size=len(codes))
    size = t.size_index.to_numpy()[:, None]
    n62 = rng.poisson(160 * size * np.ones((1, len(mo))))
    n28 = rng.poisson(2000 * size * np.ones((1, len(mo))))
    ramp = plan_ramp(mo)
    opt = rng.uniform(0.1, 0.4, size=(len(codes), 1))
    deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
    b62 = logit(by_fy(mo, {2020: 0.73, 2021: 0.68, 2022: 0.62, 2023: 0.66, 2024: 0.68}))
    w62 = rng.binomial(
        n62,
        expit(b62[None, :] + u62[:, None] + deliver * opt * ramp + rng.normal(0, 0.05, n62.shape)),
    )
    out.plan(codes, "cancer_62d_pct", 100 * expit(b62[None, :] + u62[:, None] + opt * ramp), 1)
    b28 = logit(by_fy(mo, {2020: 0.75, 2021: 0.74, 2022: 0.72, 2023: 0.74, 2024: 0.77}))
    w28 = rng.binomial(n28, expit(b28[None, :] + u28[:, None] + rng.normal(0, 0.05, n28.shape)))
    act = w.active.loc[codes].to_numpy()
    fds_start = pd.Timestamp("2021-04-01")
    # expected counts where within and breaches are published (both '*' when either is < 5)
    out.expect(
        codes,
        "cancer_62d_within",
        "cancer_62d_total",
        n62 * expit(b62[None, :] + u62[:, None] + deliver * opt * ramp),
        n62,
        act & (w62 >= 5) & (n62 - w62 >= 5),
    )
    out.expect(
        codes,
        "cancer_28d_within",
        "cancer_28d_total",
        n28 * expit(b28[None, :] + u28[:, None]),
        n28,
        act & (w28 >= 5) & (n28 - w28 >= 5) & (mo >= fds_start)[None, :],
    )
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
                rows.append(
                    [
                        label,
                        codes[o],
                        std,
                        str(tot),
                        "*" if sup else str(ok),
                        "*" if sup else str(br),
                    ]
                )
    out.csv(
        "cancer_waits.csv",
        ["Month", "Org Code", "Standard", "Total", "Within Standard", "Breaches"],
        rows,
        out.title("Cancer Waiting Times, provider level"),
        _CANCER_FOOTNOTES,
    )


# diagnostics -------------------------------------------------------------------------------
def write_diagnostics(out: Output) -> None:
    w = out.world
    rng = random_stream(w.seed, 13)
    t = w.trusts("acute_trust")
    codes = t.org_code.tolist()
    mo = w.months
    u6 = plant(w, codes, "diagnostics_6wk_pct", "odds_ratio", 0.2, (0.7, 1.0), 14, worse=1)
    total = rng.poisson(
        12800
        * t.size_index.to_numpy()[:, None]
        * np.exp(rng.normal(0, 0.03, (len(codes), len(mo))))
    )
    ramp = plan_ramp(mo)
    opt = rng.uniform(0.15, 0.5, size=(len(codes), 1))
    deliver = 1.5 * rng.beta(2, 2, size=(len(codes), 1))  # share of the plan delivered
    b6 = logit(by_fy(mo, {2020: 0.30, 2021: 0.25, 2022: 0.27, 2023: 0.24, 2024: 0.21}))
    b6 = b6 + season(mo, 0.1, 1)
    over = rng.binomial(
        total,
        expit(b6[None, :] + u6[:, None] - deliver * opt * ramp + rng.normal(0, 0.05, total.shape)),
    )
    out.plan(codes, "diagnostics_6wk_pct", 100 * expit(b6[None, :] + u6[:, None] - opt * ramp), 1)
    act = w.active.loc[codes].to_numpy()
    out.expect(
        codes,
        "dm01_over_6w",
        "dm01_total",
        total * expit(b6[None, :] + u6[:, None] - deliver * opt * ramp),
        total,
        act,
    )
    _dm01_workbook(out, t, total, over, act)


def _dm01_workbook(
    out: Output, t: pd.DataFrame, total: np.ndarray, over: np.ndarray, act: np.ndarray
) -> None:
    """``diagnostics_dm01.xlsx``: a sheet per financial year with two wide monthly tables."""
    w = out.world
    wb = Workbook()
    wb.remove(wb.active)
    n = 0
    for fy in w.fys:
        cols = w.month_indices(fy)
        ws = wb.create_sheet(fy_file_label(fy))
        r = title_rows(
            ws,
            [
                SYNTHETIC_LABEL,
                f"Diagnostic Waiting Times and Activity (DM01), {fy_label(fy)}",
                out.note,
            ],
        )
        for block, mat in (("Total waiting list", total), ("Waiting 6+ weeks", over)):
            ws.cell(row=r, column=1, value=block)
            r += 1
            r, k = wide_month_block(ws, r, t, mat, act, cols, w.months, suppress_small=False)
            n += k
            r += 1
        ws.cell(row=r, column=1, value="Note: waiting list at month end, 15 key tests.")
        ws.cell(row=r + 1, column=1, value="Note: blank = organisation not open.")
    save_workbook(wb, out.folder / "diagnostics_dm01.xlsx")
    out.done("diagnostics_dm01.xlsx", n)
