"""Views of results shown beside an assessment but never scored: NHS England's SHMI (one
rolling year, with its banding reproduced, :mod:`helpers.assess.shmi`) and the checks of NHS
England's acute NOF results (:mod:`helpers.assess.nof_acute`).

Every string from the data is left plain here and escaped where it lands (``| md`` and ``| alt``
in the templates).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib.ticker
import numpy as np
import pandas as pd

from helpers.assess.nof_acute import CHECK_COLUMNS
from helpers.assess.shmi import CAVEAT, LIMITS, shmi_card_line
from helpers.publish.figures import Figure, _new_figure, _save
from helpers.stats.shmi import BANDING_WORDS, shmi_limits_at

SHMI_TABLE = "shmi.csv"
SHMI_SUMMARY = "shmi.json"
SHMI_FIGURE = "shmi_funnel.png"
ACUTE_CHECKS = "nof_acute_checks.csv"
#: NHS England's banding -> (colour, marker); shape carries the same meaning as colour
_BAND_STYLE = {1: ("#D55E00", "^"), 2: ("#7f7f7f", "o"), 3: ("#0072B2", "v")}


def _read_shmi(results: Path) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    table, summary = results / SHMI_TABLE, results / SHMI_SUMMARY
    if not (table.exists() and summary.exists()):
        return None
    t = pd.read_csv(table, dtype={"org_code": str, "org_name": str, "period": str})
    return t, json.loads(summary.read_text(encoding="utf-8"))


def shmi_card_lines(results: Path) -> dict[str, str]:
    """Each trust's report-card line (:func:`helpers.assess.shmi.shmi_card_line`) by code;
    empty when the assessment shows no SHMI."""
    got = _read_shmi(results)
    if got is None:
        return {}
    return {str(r.org_code): shmi_card_line(r) for r in got[0].itertuples()}


def shmi_funnel(t: pd.DataFrame, s: dict[str, Any], path: Path) -> Figure:
    """SHMI against expected deaths with NHS England's published limits (each trust's, as
    points joined in order of expected deaths) and ours (curves), marked by NHS England's
    banding."""
    d = t.sort_values(["expected", "org_code"])
    grid = np.geomspace(d.expected.min() * 0.9, d.expected.max() * 1.1, 200)
    ours = shmi_limits_at(grid, float(s["tau2"]))
    fig = _new_figure(9, 4.6, layout="constrained")
    ax = fig.subplots()
    ax.axhline(1.0, color="#009E73", lw=1, ls=":", label="SHMI 1 (deaths as expected)")
    ax.plot(grid, ours.od_ll, color="#000000", lw=1.2, label="Our 95% limits (overdispersion)")
    ax.plot(grid, ours.od_ul, color="#000000", lw=1.2)
    ax.plot(grid, ours.po_ll, color="#444444", lw=1, ls="--", label="Our 99.8% Poisson limits")
    ax.plot(grid, ours.po_ul, color="#444444", lw=1, ls="--")
    for c in ("nhse_od_ll", "nhse_od_ul", "nhse_po_ll", "nhse_po_ul"):
        label = "NHS England's published limits" if c == "nhse_od_ll" else None
        ax.scatter(d.expected, d[c], s=6, marker="s", color="#E69F00", zorder=2, label=label)
    for band, (colour, marker) in _BAND_STYLE.items():
        sub = d[d.nhse_banding == band]
        if len(sub):
            ax.scatter(
                sub.expected,
                sub.shmi,
                marker=marker,
                s=26,
                color=colour,
                edgecolor="#222222",
                linewidth=0.3,
                zorder=3,
                label=f"{BANDING_WORDS[band].capitalize()} ({len(sub)})",
            )
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("Expected deaths (log scale)")
    ax.set_ylabel("SHMI (observed ÷ expected deaths)")
    ax.set_title(f"SHMI, {s['period']}: NHS England's limits and ours")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=True)
    _save(fig, path)
    n = s["nhse_bandings"]
    diff = max(float(s[f"{c}_max_abs_diff"]) for c in LIMITS)
    alt = (
        f"Funnel plot of the SHMI of {s['trusts']} non-specialist acute trusts, {s['period']}, "
        f"against expected deaths. NHS England bands {n['higher than expected']} higher than "
        f"expected, {n['as expected']} as expected and {n['lower than expected']} lower than "
        f"expected. Our control limits, recomputed from observed and expected deaths, lie on NHS "
        f"England's published ones (largest difference {diff:.4f}); the bandings agree for "
        f"{s['bandings_agree']} of {s['trusts']} trusts."
    )
    caption = (
        f"SHMI, {s['period']} (a single rolling year outside the years scored). Each marker is a "
        "trust, shaped and coloured by NHS England's banding; solid lines are our 95% limits "
        "allowing for real variation between trusts (overdispersion), dashed lines our 99.8% "
        "Poisson limits, small squares NHS England's published limits."
    )
    return Figure(path, alt, caption)


def shmi_view(results: Path, figures_dir: Path) -> dict | None:
    """The methodology page's SHMI section (figure drawn into ``figures_dir``), or ``None``."""
    got = _read_shmi(results)
    if got is None:
        return None
    t, s = got
    return {
        "s": s,
        "caveat": CAVEAT.format(period=s["period"]),
        "figure": shmi_funnel(t, s, figures_dir / SHMI_FIGURE),
        "limits": [
            {
                "name": c.upper(),
                "agree": s[f"{c}_agree_4dp"],
                "within": s[f"{c}_within_rounding"],
                "max_diff": f"{float(s[f'{c}_max_abs_diff']):.4f}",
                "counts_only": s[f"{c}_agree_4dp_counts_only"],
            }
            for c in LIMITS
        ],
        "tau2": f"{float(s['tau2']):.7f}",
        "tau2_counts": f"{float(s['tau2_counts_only']):.7f}",
        "tau2_lo": f"{float(s['tau2_nhse_lowest']):.7f}",
        "tau2_hi": f"{float(s['tau2_nhse_highest']):.7f}",
        "phi": f"{float(s['phi']):.1f}",
        "file": SHMI_TABLE,
    }


def acute_checks_view(results: Path) -> dict | None:
    """The methodology page's table of acute checks, or ``None`` when not written."""
    path = results / ACUTE_CHECKS
    if not path.exists():
        return None
    d = pd.read_csv(path, keep_default_na=False)[CHECK_COLUMNS]
    return {"rows": d.to_dict("records"), "file": ACUTE_CHECKS}
