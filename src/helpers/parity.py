"""Parity of ``helpers.stats`` with the reference implementations' own numbers.

Run ``python -m helpers.parity`` (optionally ``--reference DIR``). For each function it reads
the reference CSVs under ``tests/reference/``, computes the same quantities, and prints one
line per comparison: function, reference file, rows compared, largest absolute error, largest
relative error, tolerance and PASS/FAIL. The exit status is 1 if any comparison fails.

Tolerances follow the READMEs next to the reference files:

* ``waldo``: testthat 3e ``expect_equal`` (PHEindicatormethods) – per numeric column, drop exact
  matches, then ``mean|a-e| / mean|e| < 1.49e-8``; NaN positions must agree.
* ``abs``: absolute tolerance for fixtures rounded to a number of decimal places.
* ``rtol``: element-wise relative tolerance (FunnelPlotR ~1e-9, NHSRplotthedots 1e-12).
* ``exact``: categorical columns must be identical.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from helpers.stats import ci, funnel, spc
from helpers.stats import compare as cmp

WALDO_TOL: float = float(np.sqrt(np.finfo(float).eps))  # 1.4901161193847656e-08
Mode = Literal["waldo", "abs", "rtol", "exact"]
ESP2013: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip


def default_reference_dir() -> Path:
    """``tests/reference`` of the repository this module sits in."""
    return Path(__file__).resolve().parents[2] / "tests" / "reference"


@dataclass(frozen=True)
class CheckResult:
    """One comparison of computed values with a reference table."""

    function: str
    reference: str
    rows: int
    max_abs: float
    max_rel: float
    tolerance: str
    passed: bool
    detail: str = ""


def _labels(s: pd.Series) -> list[str]:
    """Categorical values as strings; NA, None and "" all become "<NA>"; 1.0 becomes "1"."""
    out = []
    for v in s.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v == "":
            out.append("<NA>")
        elif isinstance(v, (bool, np.bool_)):
            out.append(str(bool(v)).upper())
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out


def compare(
    function: str,
    reference: str,
    actual: pd.DataFrame | dict[str, Iterable],
    expected: pd.DataFrame | dict[str, Iterable],
    mode: Mode = "waldo",
    tol: float = WALDO_TOL,
    categorical: Iterable[str] = (),
) -> CheckResult:
    """Compare ``actual`` with ``expected`` column by column (positions, not index labels)."""
    a = pd.DataFrame(actual).reset_index(drop=True)
    e = pd.DataFrame(expected).reset_index(drop=True)
    detail: list[str] = []
    if a.shape != e.shape:
        return CheckResult(
            function,
            reference,
            len(e),
            np.inf,
            np.inf,
            f"{mode} {tol:g}",
            False,
            f"shape {a.shape} != {e.shape}",
        )
    passed = True
    max_abs = 0.0
    max_rel = 0.0
    cat = set(categorical)
    for ca, ce in zip(a.columns, e.columns, strict=True):
        if ce in cat or ca in cat:
            sa, se = _labels(a[ca]), _labels(e[ce])
            if sa != se:
                passed = False
                bad = sum(x != y for x, y in zip(sa, se, strict=True))
                detail.append(f"{ce}: {bad} categorical mismatches")
            continue
        xa = pd.to_numeric(a[ca], errors="coerce").to_numpy(dtype=float)
        xe = pd.to_numeric(e[ce], errors="coerce").to_numpy(dtype=float)
        if not np.array_equal(np.isnan(xa), np.isnan(xe)):
            passed = False
            detail.append(f"{ce}: NaN positions differ")
            both = ~(np.isnan(xa) | np.isnan(xe))
        else:
            both = ~np.isnan(xe)
        xa, xe = xa[both], xe[both]
        if xa.size == 0:
            continue
        err = np.abs(xa - xe)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(err == 0, 0.0, err / np.abs(xe))
        max_abs = max(max_abs, float(err.max()))
        max_rel = max(max_rel, float(np.nanmax(rel)) if rel.size else 0.0)
        if mode == "waldo":
            diff = err != 0
            if diff.any():
                score = err[diff].mean() / np.abs(xe[diff]).mean()
                if not score < tol:
                    passed = False
                    detail.append(f"{ce}: waldo {score:.3g}")
        elif mode == "abs":
            if not (err <= tol).all():
                passed = False
                detail.append(f"{ce}: max abs {err.max():.3g}")
        elif mode == "rtol":
            if not (err <= tol * np.abs(xe) + 1e-300).all():
                passed = False
                detail.append(f"{ce}: max rel {np.nanmax(rel):.3g}")
        elif mode == "exact":
            if not (err == 0).all():
                passed = False
                detail.append(f"{ce}: not identical")
    return CheckResult(
        function, reference, len(e), max_abs, max_rel, f"{mode} {tol:g}", passed, "; ".join(detail)
    )


CI_OUT = ["value", "ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper"]
PHE_2CI = ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]


def _read(ref: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(ref / name, keep_default_na=True)


# --------------------------------------------------------------------------------------------
# ci.py
# --------------------------------------------------------------------------------------------


def checks_ci(ref: Path) -> list[CheckResult]:
    """PHEindicatormethods confidence intervals."""
    p = ref / "phe_indicator_methods"
    out: list[CheckResult] = []
    f = "phe_indicator_methods/testdata_Byars_Wilson__testdata_B_W.csv"
    bw = _read(ref, f)
    rows = bw.iloc[0:6]
    conf = np.where(rows["confidence"] == "95%", 0.95, 0.998)
    act = {
        "lowercl": [float(ci.byars_lower([x], c)[0]) for x, c in zip(rows.x, conf, strict=True)],
        "uppercl": [float(ci.byars_upper([x], c)[0]) for x, c in zip(rows.x, conf, strict=True)],
    }
    out.append(compare("byars_lower/upper", f, act, rows[["lowercl", "uppercl"]]))
    rows = bw.iloc[6:12]
    conf = np.where(rows["confidence"] == "95%", 0.95, 0.998)
    act = {
        "lowercl": [
            float(ci.wilson_lower(x, n, c)) for x, n, c in zip(rows.x, rows.n, conf, strict=True)
        ],
        "uppercl": [
            float(ci.wilson_upper(x, n, c)) for x, n, c in zip(rows.x, rows.n, conf, strict=True)
        ],
    }
    out.append(compare("wilson_lower/upper", f, act, rows[["lowercl", "uppercl"]]))

    # proportions
    f = "phe_indicator_methods/testdata_Proportion__testdata_Prop.csv"
    prop = _read(ref, f)
    res = ci.proportion_ci(prop.Numerator, prop.Denominator, prop.multiplier.to_numpy())
    out.append(compare("proportion_ci", f, res[CI_OUT], prop[PHE_2CI]))
    f = "phe_indicator_methods/testdata_Proportion__testdata_Prop_g.csv"
    g = _read(ref, f)
    summed = (
        prop.iloc[:19].groupby("Area", sort=True)[["Numerator", "Denominator"]].sum(min_count=1)
    )
    res = ci.proportion_ci(summed.Numerator, summed.Denominator)
    g = g.sort_values("Area").reset_index(drop=True)
    out.append(
        compare(
            "proportion_ci (grouped sums)",
            f,
            res[["value", "ci95_lower", "ci95_upper"]],
            g[["value", "lowercl", "uppercl"]],
        )
    )
    for name, cols, res_cols in [
        ("generated/phe_proportion_grid_mult1_95_998.csv", PHE_2CI, CI_OUT),
        (
            "generated/phe_proportion_grid_mult100_95.csv",
            ["value", "lowercl", "uppercl"],
            ["value", "ci95_lower", "ci95_upper"],
        ),
    ]:
        grid = pd.read_csv(p / name)
        mult = 100.0 if "mult100" in name else 1.0
        res = ci.proportion_ci(grid.x, grid.n, mult)
        out.append(
            compare(
                "proportion_ci",
                f"phe_indicator_methods/{name}",
                res[res_cols],
                grid[cols],
            )
        )

    # crude rates
    f = "phe_indicator_methods/testdata_Rate__testdata_Rate.csv"
    rate = _read(ref, f)
    res = ci.rate_ci(rate.Numerator, rate.Denominator, rate.multiplier.to_numpy())
    out.append(
        compare(
            "rate_ci",
            f,
            res[[*CI_OUT, "ci_method"]],
            rate[[*PHE_2CI, "method"]],
            categorical=["method"],
        )
    )
    f = "phe_indicator_methods/testdata_Rate__testdata_Rate_g.csv"
    g = _read(ref, f).sort_values("Area").reset_index(drop=True)
    summed = (
        rate.iloc[:19].groupby("Area", sort=True)[["Numerator", "Denominator"]].sum(min_count=1)
    )
    summed = pd.concat([summed, rate.iloc[19:20].set_index("Area")[["Numerator", "Denominator"]]])
    summed = summed.sort_index()
    res = ci.rate_ci(summed.Numerator, summed.Denominator)
    out.append(
        compare(
            "rate_ci (grouped sums)",
            f,
            res[["value", "ci95_lower", "ci95_upper", "ci_method"]],
            g[["value", "lowercl", "uppercl", "method"]],
            categorical=["method"],
        )
    )
    name = "generated/phe_rate_grid_per100000_95_998.csv"
    grid = pd.read_csv(p / name)
    res = ci.rate_ci(grid.x, grid.n, 100_000)
    out.append(
        compare(
            "rate_ci",
            f"phe_indicator_methods/{name}",
            res[[*CI_OUT, "ci_method"]],
            grid[[*PHE_2CI, "method"]],
            categorical=["method"],
        )
    )
    name = "generated/phe_rate_grid_per1000_90.csv"
    grid = pd.read_csv(p / name)
    lo, hi, method = ci.poisson_count_limits(grid.x, 0.90)
    act = {
        "value": grid.x / grid.n * 1000,
        "lo": lo / grid.n * 1000,
        "hi": hi / grid.n * 1000,
        "method": method,
    }
    out.append(
        compare(
            "poisson_count_limits (90%)",
            f"phe_indicator_methods/{name}",
            act,
            grid[["value", "lowercl", "uppercl", "method"]],
            categorical=["method"],
        )
    )
    name = "generated/byars_and_exact_poisson_count_limits.csv"
    grid = pd.read_csv(p / name)
    act = {
        "bl95": ci.byars_lower(grid.x, 0.95),
        "bu95": ci.byars_upper(grid.x, 0.95),
        "bl998": ci.byars_lower(grid.x, 0.998),
        "bu998": ci.byars_upper(grid.x, 0.998),
        "el95": ci.exact_poisson_lower(grid.x, 0.95),
        "eu95": ci.exact_poisson_upper(grid.x, 0.95),
        "el998": ci.exact_poisson_lower(grid.x, 0.998),
        "eu998": ci.exact_poisson_upper(grid.x, 0.998),
    }
    out.append(
        compare("byars_*/exact_poisson_*", f"phe_indicator_methods/{name}", act, grid.iloc[:, 1:])
    )

    # means
    f = "phe_indicator_methods/testdata_Mean__testdata_Mean_results.csv"
    exp = _read(ref, f)
    data = _read(ref, "phe_indicator_methods/testdata_Mean__testdata_Mean.csv")
    grouped = ci.mean_ci(data["values"], data["area"])
    whole = ci.mean_ci(data["values"])
    res = pd.concat([grouped, whole])
    cols = ["value_sum", "value_count", "stdev", *CI_OUT, "ci_method"]
    out.append(
        compare("mean_ci", f, res[cols], exp[[*exp.columns[1:9], "method"]], categorical=["method"])
    )

    out.extend(_checks_dsr(ref))
    out.extend(_checks_isr(ref))
    return out


def _checks_dsr(ref: Path) -> list[CheckResult]:
    out: list[CheckResult] = []
    f = "phe_indicator_methods/testdata_DSR_ISR__testresults_DSR.csv"
    exp = _read(ref, f)
    multi = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__testdata_multiarea.csv")
    multi["esp2013"] = np.tile(ESP2013, len(multi) // len(ESP2013))
    cols = ["area", "total_count", "total_pop", *CI_OUT, "ci_method"]
    for rows, mult in [(slice(4, 7), 100_000), (slice(0, 3), 10_000)]:
        res = ci.dsr_ci(multi, "count", "pop", "esp2013", "area", mult)
        e = exp.iloc[rows]
        out.append(
            compare(
                f"dsr_ci (x{mult:g})",
                f,
                res[cols],
                e[["area", "total_count", "total_pop", *PHE_2CI, "method"]],
                categorical=["area", "method"],
            )
        )
    d1976 = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__testdata_1976.csv")
    res = ci.dsr_ci(d1976, "count", "pop", "esp1976")
    out.append(
        compare(
            "dsr_ci (esp1976; 95% only)",
            f,
            res[["total_count", "total_pop", "value", "ci95_lower", "ci95_upper"]],
            exp.iloc[7:8][["total_count", "total_pop", "value", "lower95_0cl", "upper95_0cl"]],
        )
    )
    ni = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__testdata_nonindepe.csv")
    ni["esp2013"] = np.tile(ESP2013, len(ni) // len(ESP2013))
    long = ni.melt(
        id_vars=["area", "ageband", "pop", "esp2013"],
        value_vars=["f1", "f2", "f3", "f4"],
        var_name="freq",
        value_name="persons",
    )
    long["freq"] = long["freq"].str[1].astype(int)
    # LoadTestdata drops frequency 4 for the dummy, small and tiny areas
    long = long[~((long["freq"] == 4) & (long["area"] != "testdata_nonind_big"))]
    res = ci.dsr_ci(
        long,
        "persons",
        "pop",
        "esp2013",
        "area",
        independent_events=False,
        event_frequency="freq",
        ageband="ageband",
    )
    out.append(
        compare(
            "dsr_ci (non-independent events)",
            f,
            res[cols],
            exp.iloc[8:12][["area", "total_count", "total_pop", *PHE_2CI, "method"]],
            categorical=["area", "method"],
        )
    )
    gen = "phe_indicator_methods/generated/calculate_dsr_small_example_output.csv"
    small = _read(ref, "phe_indicator_methods/generated/dsr_isr_small_example_input.csv")
    res = ci.dsr_ci(small, "count", "pop", "esp2013", "area")
    e = _read(ref, gen)
    out.append(
        compare(
            "dsr_ci",
            gen,
            res[cols],
            e[["area", "total_count", "total_pop", *PHE_2CI, "method"]],
            categorical=["area", "method"],
        )
    )
    return out


def _checks_isr(ref: Path) -> list[CheckResult]:
    out: list[CheckResult] = []
    f = "phe_indicator_methods/testdata_DSR_ISR__testresults_ISR.csv"
    exp = _read(ref, f)
    own = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__testdata_multiarea_isr.csv")
    head = ["area", "observed", "expected"]
    for rows, kind, kw in [
        (slice(0, 3), "rate", {"multiplier": 100_000}),
        (slice(3, 6), "rate", {"multiplier": 1000}),
        (slice(6, 9), "ratio", {"refvalue": 1}),
        (slice(9, 12), "ratio", {"refvalue": 100}),
    ]:
        res = ci.isr_ci(own, "count", "pop", "refcount", "refpop", "area", kind=kind, **kw)
        extra = ["ref_rate"] if kind == "rate" else []
        e = exp.iloc[rows]
        label = f"isr_ci ({kind}, {kw})"
        out.append(
            compare(
                label,
                f,
                res[[*head, *extra, *CI_OUT, "ci_method"]],
                e[[*head, *extra, *PHE_2CI, "method"]],
                categorical=["area", "method"],
            )
        )
    # x_ref NA where refcount is 0 gives the same answer; observed_totals from a lookup too
    own_na = own.copy()
    own_na.loc[own_na["refcount"] == 0, "refcount"] = np.nan
    lookup = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__testdata_multiarea_lookup.csv")
    res = ci.isr_ci(
        own_na,
        "count",
        "pop",
        "refcount",
        "refpop",
        "area",
        kind="ratio",
        observed_totals=lookup.set_index("area")["total_count"],
    )
    out.append(
        compare(
            "isr_ci (ratio, NA x_ref, observed_totals)",
            f,
            res[[*head, *CI_OUT, "ci_method"]],
            exp.iloc[6:9][[*head, *PHE_2CI, "method"]],
            categorical=["area", "method"],
        )
    )
    err2 = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__testdata_err2.csv")
    refdata = _read(ref, "phe_indicator_methods/testdata_DSR_ISR__refdata.csv")
    err2["refcount"] = np.tile(refdata["refcount"].to_numpy(), 2)
    err2["refpop"] = np.tile(refdata["refpop"].to_numpy(), 2)
    for rows, kind, kw in [
        (slice(12, 14), "rate", {"multiplier": 100_000}),
        (slice(14, 16), "ratio", {"refvalue": 100}),
    ]:
        res = ci.isr_ci(err2, "count", "pop", "refcount", "refpop", "area", kind=kind, **kw)
        e = exp.iloc[rows]
        out.append(
            compare(
                f"isr_ci ({kind}, pop 0 in a band; 95%)",
                f,
                res[[*head, "value", "ci95_lower", "ci95_upper", "ci_method"]],
                e[[*head, "value", "lower95_0cl", "upper95_0cl", "method"]],
                categorical=["area", "method"],
            )
        )
    small = _read(ref, "phe_indicator_methods/generated/dsr_isr_small_example_input.csv")
    refs = _read(ref, "phe_indicator_methods/generated/isr_small_example_reference.csv")
    small = small.merge(refs.rename(columns={"x": "x_ref", "n": "n_ref"}), on="ageband")
    for gen, kind, kw in [
        ("calculate_ISRatio_small_example_output.csv", "ratio", {"refvalue": 100}),
        ("calculate_ISRate_small_example_output.csv", "rate", {"multiplier": 100_000}),
    ]:
        res = ci.isr_ci(small, "count", "pop", "x_ref", "n_ref", "area", kind=kind, **kw)
        e = _read(ref, f"phe_indicator_methods/generated/{gen}")
        extra = ["ref_rate"] if kind == "rate" else []
        out.append(
            compare(
                f"isr_ci ({kind})",
                f"phe_indicator_methods/generated/{gen}",
                res[[*head, *extra, *CI_OUT, "ci_method"]],
                e[[*head, *extra, *PHE_2CI, "method"]],
                categorical=["area", "method"],
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# compare.py
# --------------------------------------------------------------------------------------------


def checks_compare(ref: Path) -> list[CheckResult]:
    """PHEindicatormethods ``phe_quantile``."""
    f = "phe_indicator_methods/testdata_Quantiles__testdata_Quantiles.csv"
    q = pd.read_csv(ref / f, keep_default_na=False, na_values={"Value": [""]})
    q = q[q["Test"].astype(str).str.startswith("Good")].copy()
    q["invert"] = q["Polarity"].map(
        {"RAG - High is good": False, "RAG - Low is good": True, "FALSE": False, "TRUE": True}
    )
    out: list[CheckResult] = []
    for group_set, by, nq, invert in [
        ("IndSexReg", ["IndSexRef", "ParentCode"], 10, "field"),
        ("IndSex", ["IndSexRef"], 7, "field"),
        ("None", None, 4, True),
    ]:
        d = q[q["GroupSet"] == group_set]
        inv = d["invert"].to_numpy() if invert == "field" else invert
        keys = None if by is None else d[by]
        res = cmp.phe_quantile(d["Value"], nq, inv, keys)
        out.append(
            compare(
                f"phe_quantile ({group_set}, {nq})",
                f,
                {"quantile": res},
                {"quantile": d["QuantileInGrp"]},
                mode="exact",
                tol=0,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# funnel.py
# --------------------------------------------------------------------------------------------

#: the PHE proportion funnel fixture is rounded to 6 dp (README: abs tol 5e-7)
PHE_FUNNEL_ROUNDED_ABS = 5e-7
#: exact chi-square vs PHE's bisection: documented deviation bound (measured 4.7e-5)
PHE_BISECTION_RTOL = 1e-4


def checks_funnel_phe(ref: Path) -> list[CheckResult]:
    """PHEindicatormethods funnel limits, significance and points."""
    out: list[CheckResult] = []
    f = "phe_indicator_methods/testdata_funnel_prop_inputs.csv"
    inp = _read(ref, f)
    lim = funnel.phe_funnel_limits(
        inp.numerator, inp.denominator, statistic="proportion", multiplier=100
    )
    g = "phe_indicator_methods/testdata_funnel_prop_outputs.csv"
    out.append(
        compare(
            "phe_funnel_limits (proportion; fixture 6 dp)",
            g,
            lim,
            _read(ref, g),
            mode="abs",
            tol=PHE_FUNNEL_ROUNDED_ABS,
        )
    )
    sub = inp[inp.denominator < 31000]
    lim = funnel.phe_funnel_limits(
        sub.numerator, sub.denominator, statistic="proportion", multiplier=100
    )
    g = "phe_indicator_methods/testdata_funnel_prop_outputs_with_axis_variation.csv"
    out.append(compare("phe_funnel_limits (proportion, axis variation)", g, lim, _read(ref, g)))
    sig = funnel.phe_funnel_significance(inp.numerator, inp.denominator, statistic="proportion")
    out.append(
        compare(
            "phe_funnel_significance (proportion)",
            f,
            {"s": sig},
            {"s": inp.significance},
            mode="exact",
            tol=0,
            categorical=["s"],
        )
    )
    f = "phe_indicator_methods/testdata_funnel_ratio_inputs.csv"
    rin = _read(ref, f)
    sig = funnel.phe_funnel_significance(rin.obs, rin.expected, statistic="ratio")
    out.append(
        compare(
            "phe_funnel_significance (ratio)",
            f,
            {"s": sig},
            {"s": rin.significance},
            mode="exact",
            tol=0,
            categorical=["s"],
        )
    )
    g = "phe_indicator_methods/testdata_funnel_ratio_outputs.csv"
    rout = _read(ref, g)
    for method, mode, tol in [
        ("bisection", "waldo", WALDO_TOL),
        ("exact", "rtol", PHE_BISECTION_RTOL),
    ]:
        for rt in ("count", "isr"):
            lim = funnel.phe_funnel_limits(
                rin.obs,
                rin.expected,
                statistic="ratio",
                multiplier=100,
                ratio_type=rt,
                poisson_method=method,
            )
            exp = rout[
                [c for c in rout.columns if not c.endswith("count" if rt == "isr" else "isr")]
            ]
            out.append(
                compare(
                    f"phe_funnel_limits (ratio {rt}, poisson {method})",
                    g,
                    lim,
                    exp,
                    mode=mode,
                    tol=tol,
                )
            )
    fin = _read(ref, "phe_indicator_methods/testdata_funnel_rate_input_funnels.csv")
    g = "phe_indicator_methods/testdata_funnel_rate_outputs.csv"
    rexp = _read(ref, g)
    num_cols = [c for c in rexp.columns if c not in ("statistic", "method")]
    for method, mode, tol in [
        ("bisection", "waldo", WALDO_TOL),
        ("exact", "rtol", PHE_BISECTION_RTOL),
    ]:
        lim = funnel.phe_funnel_limits(
            fin.ev,
            statistic="rate",
            rate=fin.rate,
            multiplier=1e5,
            rate_type="dsr",
            years_of_data=3,
            poisson_method=method,
        )
        out.append(
            compare(
                f"phe_funnel_limits (rate dsr, poisson {method})",
                g,
                lim,
                rexp[num_cols],
                mode=mode,
                tol=tol,
            )
        )
    g = "phe_indicator_methods/testdata_funnel_rate_outputs_3.csv"
    rexp = _read(ref, g)
    d3 = fin[["ev", "rate"]].copy()
    d3["pop"] = 1e5 * d3.ev / d3.rate
    top = d3.ev == d3.ev.max()
    d3.loc[top, "rate"] = 0
    d3.loc[top, "ev"] = 0
    d3 = d3[d3["pop"] > d3["pop"].max() / 2]
    lim = funnel.phe_funnel_limits(
        d3.ev,
        d3["pop"],
        statistic="rate",
        rate=d3.rate,
        multiplier=1e5,
        rate_type="crude",
        years_of_data=3,
        poisson_method="bisection",
    )
    out.append(
        compare(
            "phe_funnel_limits (rate crude, 0 events, poisson bisection)", g, lim, rexp[num_cols]
        )
    )
    f = "phe_indicator_methods/testdata_funnel_rate_dsr_inputs.csv"
    rd = _read(ref, f)
    for col, rate_col, rtype, mult, drop0 in [
        ("dsr_per_100000_with_0", "rate_dsr", "dsr", 1e5, False),
        ("dsr_per_100000_without_0", "rate_dsr", "dsr", 1e5, True),
        ("dsr_per_100_without_0", "rate_dsr", "dsr", 100, True),
        ("crude_per_100000_with_0", "rate_crude_per_100000", "crude", 1e5, False),
        ("crude_per_100_with_0", "rate_crude_per_100", "crude", 100, False),
        ("crude_per_100000_without_0", "rate_crude_per_100000", "crude", 1e5, True),
        ("crude_per_100_without_0", "rate_crude_per_100", "crude", 100, True),
    ]:
        d = rd[rd["count"] != 0] if drop0 else rd
        sig = funnel.phe_funnel_significance(
            d["count"],
            d["pop"],
            statistic="rate",
            rate=d[rate_col],
            rate_type=rtype,
            multiplier=mult,
        )
        out.append(
            compare(
                f"phe_funnel_significance (rate {col})",
                f,
                {"s": sig},
                {"s": d[col]},
                mode="exact",
                tol=0,
                categorical=["s"],
            )
        )
    g = "phe_indicator_methods/testdata_funnel_rate_input_funnels.csv"
    ev5 = fin.ev.where(fin.ev != fin.ev.max(), 5)
    pts = funnel.phe_funnel_points(ev5, fin.rate, rate_type="dsr", years_of_data=3, multiplier=1e5)
    out.append(
        compare("phe_funnel_points (dsr)", g, pts, fin[["rate_chart", "denominator_derived"]])
    )
    pts = funnel.phe_funnel_points(
        fin.ev, fin.rate, rate_type="crude", years_of_data=3, multiplier=1e5
    )
    out.append(
        compare(
            "phe_funnel_points (crude)",
            g,
            pts,
            fin[["rate_chart_crude", "denominator_derived_crude"]],
        )
    )
    ev0 = fin.ev.where(fin.ev != fin.ev.max(), 0)
    pts = funnel.phe_funnel_points(
        ev0, fin.rate, denominator=fin["pop"], rate_type="crude", years_of_data=5, multiplier=1e5
    )
    out.append(
        compare(
            "phe_funnel_points (crude, 0 events, denominator)",
            g,
            pts,
            fin[["rate_chart_crude_with_denom", "denominator_derived_crude_with_denom"]],
        )
    )
    return out


FPR_RTOL = 1e-9
FPR_CONFIGS = "funnelplotr/funnel_configs_summary.csv"


def checks_funnel_od(ref: Path) -> list[CheckResult]:
    """FunnelPlotR 0.6.0 overdispersed funnels."""
    out: list[CheckResult] = []
    cfg = _read(ref, FPR_CONFIGS)
    dt6 = _read(ref, "funnelplotr/test_inline_dt6_input.csv")
    medpar = pd.read_csv(ref / "funnelplotr/medpar_with_prds.csv", dtype={"provnum": str})
    byprov = pd.read_csv(ref / "funnelplotr/medpar_by_provider.csv", dtype={"provnum": str})
    summary_rows = []
    for _, c in cfg.iterrows():
        name = c["config"]
        if name.startswith("dt6"):
            data = dt6
        elif c["data_type"] == "SR":
            data = medpar
        else:
            data = byprov
        if c["data_type"] == "RC":
            data = data[data["survived"] > 0]
        res = funnel.od_funnel(
            data[c["numerator"]],
            data[c["denominator"]],
            data[c["group"]],
            data_type=c["data_type"],
            sr_method=c["sr_method"],
            trim_by=c["trim_by"],
            limit=int(c["limit"]),
            multiplier=c["multiplier"],
            draw_adjusted=c["draw_adjusted_arg"] == "TRUE" or c["draw_adjusted_arg"] is True,
            draw_unadjusted=c["draw_unadjusted_arg"] == "TRUE" or c["draw_unadjusted_arg"] is True,
            shmi_rounding=c["SHMI_rounding"] == "TRUE" or c["SHMI_rounding"] is True,
            highlight=["a"] if name == "dt6_c_CQC_trim0.05_mult100_lim95" else None,
        )
        g = f"funnelplotr/funnel_{name}__aggregated.csv"
        exp = pd.read_csv(ref / g, dtype={"group": str, "highlight": str})
        act = res.aggregated[list(exp.columns)]
        out.append(
            compare(
                f"od_funnel aggregated ({name})",
                g,
                act,
                exp,
                mode="rtol",
                tol=FPR_RTOL,
                categorical=["group", "highlight"],
            )
        )
        summary_rows.append(
            {
                "phi": res.phi,
                "tau2": res.tau2,
                "n_groups": len(act),
                "n_outliers": int(act["outlier"].sum()),
                "adj": str(res.draw_adjusted).upper(),
                "unadj": str(res.draw_unadjusted).upper(),
            }
        )
    exp = cfg[
        [
            "phi",
            "tau2",
            "n_groups",
            "n_outliers",
            "draw_adjusted_effective",
            "draw_unadjusted_effective",
        ]
    ]
    out.append(
        compare(
            "od_funnel phi/tau2/outliers",
            FPR_CONFIGS,
            pd.DataFrame(summary_rows),
            exp,
            mode="rtol",
            tol=FPR_RTOL,
            categorical=["adj", "unadj", "draw_adjusted_effective", "draw_unadjusted_effective"],
        )
    )
    for g, kw in [
        (
            "funnelplotr/limits_lookup_SR_SHMI_tau2_0.02.csv",
            {"data_type": "SR", "sr_method": "SHMI", "tau2": 0.02},
        ),
        (
            "funnelplotr/limits_lookup_PR_target0.5_tau2_0.csv",
            {"data_type": "PR", "tau2": 0.0, "target": 0.5},
        ),
        (
            "funnelplotr/limits_lookup_SR_CQC_tau2_0.02_mult100.csv",
            {"data_type": "SR", "sr_method": "CQC", "tau2": 0.02, "multiplier": 100},
        ),
    ]:
        exp = _read(ref, g)
        lk = funnel.build_limits_lookup(exp["number_seq"], **kw)
        out.append(
            compare("build_limits_lookup", g, lk[list(exp.columns)], exp, mode="rtol", tol=FPR_RTOL)
        )
    g = "funnelplotr/test_inline_poisson_limits_output.csv"
    exp = _read(ref, g)
    lk = funnel.build_limits_lookup(exp["number_seq"], data_type="SR")
    out.append(
        compare(
            "build_limits_lookup (unadjusted SR)",
            g,
            lk[list(exp.columns)],
            exp,
            mode="rtol",
            tol=FPR_RTOL,
        )
    )
    g = "funnelplotr/test_inline_aggregate_output.csv"
    inp = _read(ref, "funnelplotr/test_inline_aggregate_input.csv")
    res = funnel.od_funnel(
        inp.numerator, inp.denominator, inp.group, draw_adjusted=False, shmi_rounding=False
    )
    exp = _read(ref, g)
    out.append(
        compare(
            "od_funnel aggregation (rr)",
            g,
            res.aggregated[["group", "numerator", "denominator", "rr"]],
            exp,
            mode="rtol",
            tol=FPR_RTOL,
            categorical=["group"],
        )
    )
    g = "funnelplotr/test_inline_outliers_output.csv"
    inp = _read(ref, "funnelplotr/test_inline_outliers_input.csv")
    exp = _read(ref, g)
    act = {
        "u95": funnel.funnel_outliers(inp.rr, inp.LCL95, inp.UCL95),
        "a95": funnel.funnel_outliers(inp.rr, inp.OD95LCL, inp.OD95UCL),
        "u99": funnel.funnel_outliers(inp.rr, inp.LCL99, inp.UCL99),
        "a99": funnel.funnel_outliers(inp.rr, inp.OD99LCL, inp.OD99UCL),
        "u95m": funnel.funnel_outliers(inp.rr, inp.LCL95, inp.UCL95, multiplier=100),
    }
    out.append(compare("funnel_outliers", g, act, exp.iloc[:, 1:], mode="exact", tol=0))
    return out


# --------------------------------------------------------------------------------------------
# spc.py
# --------------------------------------------------------------------------------------------

SPC_RTOL = 1e-12
SPC_CATEGORICAL = [
    "x", "f", "rebase_group", "short_group_warning", "outside_limits", "relative_to_mean",
    "close_to_limits", "special_cause_type", "special_cause_flag", "point_type",
]  # fmt: skip


def spc_configs(ref: Path) -> dict[str, tuple[pd.DataFrame, dict]]:
    """The reference configurations: name -> (input table, keyword arguments for ``spc``)."""
    seed = _read(ref, "plotthedots/spc_standard_seed123_input.csv")
    seed_facet = seed.assign(facet=np.repeat([0, 1], len(seed) // 2))
    synth = _read(ref, "plotthedots/spc_synthetic_input.csv")
    a = synth[synth.team == "A"]
    opp = _read(ref, "plotthedots/spc_twointhree_opposite_input.csv")
    base = {"value": "y", "date": "x"}
    syn = {"value": "value", "date": "date"}
    return {
        "seed123_default": (seed, base),
        "seed123_rebase_2020-01-01": (seed, {**base, "rebase": ["2020-01-01"]}),
        "seed123_facet": (seed_facet, {**base, "facet": "facet"}),
        "seed123_target0.5": (seed, {**base, "target": 0.5}),
        "twointhree_opposite": (opp, {"value": "data", "date": "date"}),
        "synth_A_increase": (a, syn),
        "synth_A_decrease_target52": (
            a, {**syn, "improvement_direction": "decrease", "target": 52}
        ),
        "synth_A_neutral": (a, {**syn, "improvement_direction": "neutral"}),
        "synth_A_noscreen": (a, {**syn, "screen_outliers": False}),
        "synth_A_fix20": (a, {**syn, "fix_after_n_points": 20}),
        "synth_A_rebase_2021-01-28": (a, {**syn, "rebase": ["2021-01-28"]}),
        "synth_AB_facet_increase_target": (
            synth, {**syn, "facet": "team", "target": {"A": 52, "B": 95}}
        ),
        "synth_AB_facet_rebase_list_trajectory": (
            synth,
            {
                **syn, "facet": "team", "rebase": {"A": ["2021-02-10"], "B": ["2021-02-05"]},
                "trajectory": "trajectory", "improvement_direction": "decrease",
            },
        ),
    }  # fmt: skip


def checks_spc(ref: Path) -> list[CheckResult]:
    """NHSRplotthedots 0.2.2 XmR points, summaries, rule helpers and assurance."""
    out: list[CheckResult] = []
    configs = spc_configs(ref)
    summaries = _read(ref, "plotthedots/spc_summaries.csv")
    got_summaries = []
    for name, (data, kw) in configs.items():
        pts = spc.spc(data, **kw)
        pts["x"] = pd.to_datetime(pts["x"]).dt.strftime("%Y-%m-%d")
        g = f"plotthedots/spc_{name}__points.csv"
        exp = pd.read_csv(ref / g, dtype={"f": str})
        out.append(
            compare(
                f"spc points ({name})", g, pts[list(exp.columns)], exp, mode="rtol",
                tol=SPC_RTOL, categorical=SPC_CATEGORICAL,
            )
        )  # fmt: skip
        summ = spc.spc_summary(pts, kw.get("improvement_direction", "increase"))
        summ.insert(0, "config", name)
        got_summaries.append(summ)
    got = pd.concat(got_summaries, ignore_index=True)
    cols = [
        "config", "mean_col", "lpl", "upl", "n", "common_cause", "special_cause_improvement",
        "special_cause_concern", "variation_type", "assurance_type",
    ]  # fmt: skip
    out.append(
        compare(
            "spc_summary", "plotthedots/spc_summaries.csv", got[cols], summaries[cols],
            mode="rtol", tol=SPC_RTOL,
            categorical=["config", "variation_type", "assurance_type"],
        )
    )  # fmt: skip
    seed = _read(ref, "plotthedots/spc_standard_seed123_input.csv")
    for g, col, kw in [
        ("plotthedots/spc_standard_r1_seed123_screen.csv", "y", {}),
        ("plotthedots/spc_standard_r2_outlier15_screen.csv", "y_outlier15", {}),
        ("plotthedots/spc_standard_r3_outlier15_noscreen.csv", "y_outlier15",
         {"screen_outliers": False}),
        ("plotthedots/spc_standard_r4_outlier15_screen_fix12.csv", "y_outlier15",
         {"fix_after_n_points": 12}),
    ]:  # fmt: skip
        pts = spc.spc(seed, col, "x", **kw)
        pts["x"] = pd.to_datetime(pts["x"]).dt.strftime("%Y-%m-%d")
        exp = pd.read_csv(ref / g, dtype={"f": str})
        out.append(
            compare(
                "spc (ptd_spc_standard columns)", g, pts[list(exp.columns)], exp, mode="rtol",
                tol=SPC_RTOL, categorical=SPC_CATEGORICAL,
            )
        )  # fmt: skip
    g = "plotthedots/rule_helper_test_vectors.csv"
    vec = pd.read_csv(ref / g, keep_default_na=False)

    def parse(text: str) -> np.ndarray:
        return np.array([float(v) for v in text.split(";")]) if text else np.array([])

    got_rules, exp_rules = [], []
    for _, r in vec.iterrows():
        a1, a2 = parse(r.arg1), parse(r.arg2)
        fn = {
            "ptd_seven_point_one_side_mean": lambda a, b: spc.seven_point_one_side_mean(a),
            "ptd_part_of_seven_trend": lambda a, b: spc.part_of_seven_trend(a),
            "ptd_seven_point_trend": lambda a, b: spc.seven_point_trend(a),
            "ptd_two_in_three": lambda a, b: spc.two_in_three(a, b),
            "ptd_part_of_two_in_three": lambda a, b: spc.part_of_two_in_three(a, b),
        }[r.func]
        got_rules.append(";".join(str(int(v)) for v in fn(a1, a2)))
        exp_rules.append(r.expected)
    out.append(
        compare("spc rule helpers", g, {"v": got_rules}, {"v": exp_rules}, mode="exact", tol=0,
                categorical=["v"])
    )  # fmt: skip
    g = "plotthedots/assurance_test_vectors.csv"
    av = _read(ref, g)
    act = {
        d: spc.assurance_type(av.lpl, av.upl, av.target, d)
        for d in ("increase", "decrease", "neutral")
    }
    out.append(
        compare(
            "assurance_type", g, act,
            av[["assurance_increase", "assurance_decrease", "assurance_neutral"]],
            mode="exact", tol=0, categorical=list(act) + ["assurance_increase",
            "assurance_decrease", "assurance_neutral"],
        )
    )  # fmt: skip
    return out


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[Path], list[CheckResult]]] = {
    "ci": checks_ci,
    "compare": checks_compare,
    "funnel_phe": checks_funnel_phe,
    "funnel_od": checks_funnel_od,
    "spc": checks_spc,
}


def run_all(ref: Path | None = None, only: Iterable[str] | None = None) -> list[CheckResult]:
    """Run every registered comparison (or those named in ``only``)."""
    ref = ref or default_reference_dir()
    results: list[CheckResult] = []
    for name, fn in CHECKS.items():
        if only is not None and name not in set(only):
            continue
        results.extend(fn(ref))
    return results


def format_table(results: list[CheckResult]) -> str:
    """A plain-text table of the results."""
    header = ["function", "reference", "rows", "max_abs_err", "max_rel_err", "tolerance", "result"]
    rows = [
        [
            r.function,
            r.reference,
            str(r.rows),
            f"{r.max_abs:.3g}",
            f"{r.max_rel:.3g}",
            r.tolerance,
            ("PASS" if r.passed else "FAIL") + (f" ({r.detail})" if r.detail else ""),
        ]
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the parity table; return 1 if any comparison fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=None, help="reference folder")
    parser.add_argument("--only", nargs="*", choices=sorted(CHECKS), help="modules to check")
    args = parser.parse_args(argv)
    results = run_all(args.reference, args.only)
    print(format_table(results))
    failed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)}/{len(results)} comparisons pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
