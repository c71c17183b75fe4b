"""What the methodology shows of the assessment beyond its rules: the reproduction of NHS
England's Oversight Framework (``nof_*`` files, written for the real UEC assessment only), the
national figures beside the trusts', the comparison with NHS England's published segments, and
how the segments move under other rule sets (``sensitivity.csv``). Absent files give no view.

Views hold plain text taken from the data; the templates escape it for where it lands
(``md``, ``yaml_str``: :mod:`helpers.publish.templating`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.publish.assessment_views import _int, _num
from helpers.publish.text import fixed, fmt_value

#: the optional files of the NOF reproduction (written for the real UEC assessment only)
NOF_AGREEMENT = "nof_agreement.csv"


NOF_CORRELATION = "nof_rank_correlation.json"


NOF_CUTOFFS = "nof_cutoffs.csv"


NOF_REPRODUCTION = "nof_reproduction.csv"


NHSE_COMPARISON = "nhse_comparison.csv"


NHSE_CROSSTAB = "nhse_segment_crosstab.csv"


NHSE_SUMMARY = "nhse_comparison.json"


def sensitivity_view(results: Path) -> list[dict] | None:
    """The sensitivity table (all years), when ``results/sensitivity.csv`` exists."""
    path = results / "sensitivity.csv"
    if not path.exists():
        return None
    t = pd.read_csv(path, dtype={"period": str})
    t = t[t.period == "all years"]
    return [{k: _cell_text(v) for k, v in row.items()} for row in t.to_dict("records")]


def _cell_text(v: Any) -> str:
    if v is None or (not isinstance(v, str | list | dict) and pd.isna(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "Yes" if v else "No"
    if isinstance(v, float | np.floating):
        x = float(v)
        if x.is_integer():
            return f"{x:,.0f}"
        return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x) >= 0.001 else f"{x:.2g}"
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def nof_view(results: Path) -> dict | None:
    """The check against NHS England (:mod:`helpers.assess.nof`), when its files exist: the
    agreement by reading and trust type, the cut-offs, every disagreement with its reason, and
    the rank correlation of our scores with NHS England's."""
    table_path, corr_path = results / NOF_AGREEMENT, results / NOF_CORRELATION
    cut_path, repro_path = results / NOF_CUTOFFS, results / NOF_REPRODUCTION
    if not table_path.exists() and not corr_path.exists():
        return None
    view: dict[str, Any] = {
        "agreement": None,
        "correlation": None,
        "cutoffs": None,
        "disagreements": [],
        "comparison": comparison_view(results),
    }
    if table_path.exists():
        t = pd.read_csv(table_path)
        cols = [c for c in ("reading", "trust_type", "trusts", "compared", "agree",
                            "agreement_pct", "note") if c in t.columns]  # fmt: skip
        view["agreement"] = {
            "file": NOF_AGREEMENT,
            "columns": cols,
            "rows": [[_cell_text(v) for v in row] for row in t[cols].itertuples(index=False)],
        }
        total = t[(t.get("trust_type") == "All trusts")] if "trust_type" in t else t.iloc[0:0]
        view["primary"] = (
            {k: _cell_text(v) for k, v in total.iloc[0].items()} if len(total) else None
        )
    if cut_path.exists():
        c = pd.read_csv(cut_path)
        view["cutoffs"] = [
            {k: _cell_text(v) for k, v in row.items()} for row in c.to_dict("records")
        ]
    if repro_path.exists():
        r = pd.read_csv(repro_path, dtype=str, keep_default_na=False)
        for col in ("reason", "reason_quartiles"):
            if col in r:
                # trusts whose segment could not be recomputed are counted in the table
                shown = (r[col] != "") & ~r[col].str.startswith("not reproducible")
                for row in r[shown].itertuples():
                    view["disagreements"].append(
                        {
                            "reading": "cut-offs" if col == "reason" else "quartiles",
                            "code": row.org_code,
                            "reason": getattr(row, col),
                        }
                    )
    if corr_path.exists():
        data = json.loads(corr_path.read_text(encoding="utf-8"))
        data = data if isinstance(data, dict) else {}
        view["correlation"] = {
            "file": NOF_CORRELATION,
            "rho": _num(data.get("spearman")),
            "lo": _num(data.get("ci_lower")),
            "hi": _num(data.get("ci_upper")),
            "n": _int(data.get("n")),
            "rho_all": _num(data.get("spearman_with_average_score")),
            "period": str(data.get("period", "")),
            "cohort": str(data.get("cohort", "")),
            "against": str(data.get("against", "")),
        }
    return view


def national_view(results: Path, specs: dict) -> list[dict]:
    """This assessment's England value beside NHS England's national headline, by metric and
    year, when ``results/national_headlines.csv`` has rows
    (:func:`helpers.compare.national_headlines`)."""
    path = results / "national_headlines.csv"
    if not path.exists():
        return []
    t = pd.read_csv(path, dtype={"period": str})
    rows = []
    for r in t.to_dict("records"):
        spec = specs.get(r["metric_id"])
        if spec is None:
            continue
        rows.append(
            {
                "metric": spec.short_title,
                "metric_id": spec.id,
                "period": r["period"],
                "ours": fmt_value(_num(r["england_value"]), spec),
                "national": fmt_value(_num(r["national_value"]), spec),
                "difference": (
                    fixed(_num(r["difference"]), spec.decimals, signed=True)
                    if np.isfinite(_num(r["difference"]))
                    else "n/a"
                ),
                "months": _int(r["national_months"]),
                "label": str(r["national_label"]),
                "why": str(r["why"]),
            }
        )
    return rows


def comparison_view(results: Path) -> dict | None:
    """The whole assessment against NHS England's (:func:`helpers.assess.nof.nhse_comparison`),
    when its files exist: the summary figures and the cross-table of segments."""
    summary_path, cross_path = results / NHSE_SUMMARY, results / NHSE_CROSSTAB
    if not summary_path.exists() or not cross_path.exists():
        return None
    data = json.loads(summary_path.read_text(encoding="utf-8"))
    data = data if isinstance(data, dict) else {}
    cross = pd.read_csv(cross_path)
    segs = [c for c in cross.columns if c.startswith("nhse_segment_")]
    return {
        "file": NHSE_COMPARISON,
        "crosstab_file": NHSE_CROSSTAB,
        "period": str(data.get("period", "")),
        "against": str(data.get("against", "")),
        "trusts": _int(data.get("trusts")),
        "rho": _num(data.get("spearman")),
        "lo": _num(data.get("ci_lower")),
        "hi": _num(data.get("ci_upper")),
        "same": _int(data.get("same_segment")),
        "within_one": _int(data.get("within_one_segment")),
        "better": _int(data.get("ours_better")),
        "worse": _int(data.get("ours_worse")),
        "deficit": _int(data.get("nhse_in_deficit")),
        "same_solvent": _int(data.get("same_segment_not_in_deficit")),
        "solvent": _int(data.get("trusts_not_in_deficit")),
        "segments": [c.removeprefix("nhse_segment_") for c in segs],
        "rows": [
            {
                "ours": _cell_text(r["our_segment"]),
                "counts": [_cell_text(r[c]) for c in segs],
                "total": _cell_text(r["trusts"]),
            }
            for r in cross.to_dict("records")
        ],  # fmt: skip
    }
