"""What the rows of ``checks.py`` need beyond a plain call: inputs that the reference packages'
tests prepare in code (``DERIVED``, by name), how some files must be read (``READ_OPTIONS``), and
small adapters for functions whose result is not one table. One section per reference package;
see the README next to each folder of ``tests/reference/``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from parity.engine import Tables

from helpers.stats import ci, funnel, spc

# --------------------------------------------------------------------------------------------
# PHEindicatormethods 2.1.0
# --------------------------------------------------------------------------------------------

P = "phe_indicator_methods/"
G = P + "generated/"
ESP2013: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip
QUANTILES = P + "testdata_Quantiles__testdata_Quantiles.csv"
FUNNEL_RATE_IN = P + "testdata_funnel_rate_input_funnels.csv"


def with_esp2013(name: str) -> Callable[[Tables], pd.DataFrame]:
    """A test data set with the 2013 European Standard Population repeated for each area."""

    def build(t: Tables) -> pd.DataFrame:
        d = t[name]
        return d.assign(esp2013=np.tile(ESP2013, len(d) // len(ESP2013)))

    return build


def grouped_sums(name: str, extra_rows: slice | None = None) -> Callable[[Tables], pd.DataFrame]:
    """Numerator and denominator of the first 19 rows summed by area (plus ``extra_rows``)."""

    def build(t: Tables) -> pd.DataFrame:
        d = t[name]
        cols = ["Numerator", "Denominator"]
        summed = d.iloc[:19].groupby("Area", sort=True)[cols].sum(min_count=1)
        if extra_rows is None:
            return summed
        return pd.concat([summed, d.iloc[extra_rows].set_index("Area")[cols]]).sort_index()

    return build


def dsr_nonindependent(t: Tables) -> pd.DataFrame:
    """One row per area, age band and event frequency, as LoadTestdata builds it."""
    ni = t["phe:nonindependent with esp2013"]
    long = ni.melt(
        id_vars=["area", "ageband", "pop", "esp2013"],
        value_vars=["f1", "f2", "f3", "f4"],
        var_name="freq",
        value_name="persons",
    )
    long["freq"] = long["freq"].str[1].astype(int)
    # LoadTestdata drops frequency 4 for the dummy, small and tiny areas
    return long[~((long["freq"] == 4) & (long["area"] != "testdata_nonind_big"))]


def isr_na_refcount(t: Tables) -> pd.DataFrame:
    """x_ref NA where refcount is 0 (gives the same answer)."""
    own = t[P + "testdata_DSR_ISR__testdata_multiarea_isr.csv"].copy()
    own.loc[own["refcount"] == 0, "refcount"] = np.nan
    return own


def isr_err2(t: Tables) -> pd.DataFrame:
    """The areas with a population of 0 in one band, with the reference counts and populations."""
    refdata = t[P + "testdata_DSR_ISR__refdata.csv"]
    return t[P + "testdata_DSR_ISR__testdata_err2.csv"].assign(
        refcount=np.tile(refdata["refcount"].to_numpy(), 2),
        refpop=np.tile(refdata["refpop"].to_numpy(), 2),
    )


def isr_small(t: Tables) -> pd.DataFrame:
    refs = t[G + "isr_small_example_reference.csv"].rename(columns={"x": "x_ref", "n": "n_ref"})
    return t[G + "dsr_isr_small_example_input.csv"].merge(refs, on="ageband")


def quantiles(t: Tables) -> pd.DataFrame:
    """The "Good" tests of the quantile fixture, with the polarity as an ``invert`` flag."""
    q = t.read(QUANTILES, keep_default_na=False, na_values={"Value": [""]})
    q = q[q["Test"].astype(str).str.startswith("Good")].copy()
    q["invert"] = q["Polarity"].map(
        {"RAG - High is good": False, "RAG - Low is good": True, "FALSE": False, "TRUE": True}
    )
    return q


def funnel_rate_zero_top(t: Tables) -> pd.DataFrame:
    """The rate funnel inputs with 0 events (and rate) for the largest area, larger half only."""
    d3 = t[FUNNEL_RATE_IN][["ev", "rate"]].copy()
    d3["pop"] = 1e5 * d3.ev / d3.rate
    top = d3.ev == d3.ev.max()
    d3.loc[top, "rate"] = 0
    d3.loc[top, "ev"] = 0
    return d3[d3["pop"] > d3["pop"].max() / 2]


def funnel_points_inputs(t: Tables) -> pd.DataFrame:
    """The rate funnel inputs with the largest event count replaced by 5 (``ev5``) and 0."""
    fin = t[FUNNEL_RATE_IN]
    top = fin.ev == fin.ev.max()
    return fin.assign(ev5=fin.ev.where(~top, 5), ev0=fin.ev.where(~top, 0))


def limits_by_row(data: pd.DataFrame, lower, upper, *cols: str) -> dict[str, list[float]]:
    """Lower and upper limits one row at a time, at the row's confidence ("95%" or "99.8%")."""
    conf = np.where(data["confidence"] == "95%", 0.95, 0.998)
    rows = list(zip(*(data[c] for c in cols), conf, strict=True))
    return {
        "lowercl": [float(np.ravel(lower(*r))[0]) for r in rows],
        "uppercl": [float(np.ravel(upper(*r))[0]) for r in rows],
    }


def poisson_rate(data: pd.DataFrame, confidence: float, multiplier: float) -> dict:
    """A crude rate from ``poisson_count_limits`` on the counts."""
    lo, hi, method = ci.poisson_count_limits(data.x, confidence)
    return {
        "value": data.x / data.n * multiplier,
        "lowercl": lo / data.n * multiplier,
        "uppercl": hi / data.n * multiplier,
        "method": method,
    }


def count_limits(x: pd.Series) -> dict:
    """Byars and exact Poisson limits of counts at 95% and 99.8%."""
    fns = {"byars": (ci.byars_lower, ci.byars_upper),
           "exact": (ci.exact_poisson_lower, ci.exact_poisson_upper)}  # fmt: skip
    return {
        f"{name}_{side}_{level}": fn(x, conf)
        for name, (lower, upper) in fns.items()
        for level, conf in (("95", 0.95), ("998", 0.998))
        for side, fn in (("lower", lower), ("upper", upper))
    }


def mean_ci(values: pd.Series, by: pd.Series) -> pd.DataFrame:
    """The grouped means followed by the mean of all values."""
    return pd.concat([ci.mean_ci(values, by), ci.mean_ci(values)])


# --------------------------------------------------------------------------------------------
# FunnelPlotR 0.6.0
# --------------------------------------------------------------------------------------------

#: one row per ``funnel_plot()`` configuration: its arguments and phi, tau2, outliers
FPR_CONFIGS = "funnelplotr/funnel_configs_summary.csv"
FPR_RESULTS = "fpr:od_funnel of each configuration"


def _true(v: object) -> bool:
    return v == "TRUE" or v is True


def fpr_config_results(t: Tables) -> dict[str, funnel.ODFunnel]:
    """``od_funnel`` run once for each configuration of the summary file."""
    out = {}
    for _, c in t[FPR_CONFIGS].iterrows():
        name = c["config"]
        if name.startswith("dt6"):
            data = t["funnelplotr/test_inline_dt6_input.csv"]
        elif c["data_type"] == "SR":
            data = t["funnelplotr/medpar_with_prds.csv"]
        else:
            data = t["funnelplotr/medpar_by_provider.csv"]
        if c["data_type"] == "RC":
            data = data[data["survived"] > 0]
        out[name] = funnel.od_funnel(
            data[c["numerator"]],
            data[c["denominator"]],
            data[c["group"]],
            data_type=c["data_type"],
            sr_method=c["sr_method"],
            trim_by=c["trim_by"],
            limit=int(c["limit"]),
            multiplier=c["multiplier"],
            draw_adjusted=_true(c["draw_adjusted_arg"]),
            draw_unadjusted=_true(c["draw_unadjusted_arg"]),
            shmi_rounding=_true(c["SHMI_rounding"]),
            highlight=["a"] if name == "dt6_c_CQC_trim0.05_mult100_lim95" else None,
        )
    return out


def fpr_aggregated(results: dict[str, funnel.ODFunnel], name: str) -> pd.DataFrame:
    return results[name].aggregated


def fpr_summary(results: dict[str, funnel.ODFunnel]) -> pd.DataFrame:
    """phi, tau2, group and outlier counts and the effective draw flags of each configuration."""
    return pd.DataFrame(
        [
            {
                "phi": res.phi,
                "tau2": res.tau2,
                "n_groups": len(res.aggregated),
                "n_outliers": int(res.aggregated["outlier"].sum()),
                "adj": str(res.draw_adjusted).upper(),
                "unadj": str(res.draw_unadjusted).upper(),
            }
            for res in results.values()
        ]
    )


def od_aggregated(*args: object, **kwargs: object) -> pd.DataFrame:
    return funnel.od_funnel(*args, **kwargs).aggregated


def outliers(d: pd.DataFrame) -> dict:
    """``funnel_outliers`` against each pair of limits of the FunnelPlotR test."""
    return {
        "outlier_unadj95": funnel.funnel_outliers(d.rr, d.LCL95, d.UCL95),
        "outlier_adj95": funnel.funnel_outliers(d.rr, d.OD95LCL, d.OD95UCL),
        "outlier_unadj99": funnel.funnel_outliers(d.rr, d.LCL99, d.UCL99),
        "outlier_adj99": funnel.funnel_outliers(d.rr, d.OD99LCL, d.OD99UCL),
        "outlier_unadj95_mult100": funnel.funnel_outliers(d.rr, d.LCL95, d.UCL95, multiplier=100),
    }


# --------------------------------------------------------------------------------------------
# NHSRplotthedots 0.2.2
# --------------------------------------------------------------------------------------------

SEED = "plotthedots/spc_standard_seed123_input.csv"
SYNTH = "plotthedots/spc_synthetic_input.csv"
SPC_POINTS = "ptd:spc points of each configuration"
_BASE = {"value": "y", "date": "x"}
_SYN = {"value": "value", "date": "date"}
#: the ``ptd_spc()`` configurations behind ``spc_<name>__points.csv`` and ``spc_summaries.csv``:
#: name -> (input table, keyword arguments for ``spc``)
SPC_CONFIGS: dict[str, tuple[str, dict]] = {
    "seed123_default": (SEED, _BASE),
    "seed123_rebase_2020-01-01": (SEED, {**_BASE, "rebase": ["2020-01-01"]}),
    "seed123_facet": ("ptd:seed123 with a facet", {**_BASE, "facet": "facet"}),
    "seed123_target0.5": (SEED, {**_BASE, "target": 0.5}),
    "twointhree_opposite": ("plotthedots/spc_twointhree_opposite_input.csv",
                            {"value": "data", "date": "date"}),
    "synth_A_increase": ("ptd:synthetic team A", _SYN),
    "synth_A_decrease_target52": (
        "ptd:synthetic team A", {**_SYN, "improvement_direction": "decrease", "target": 52}
    ),
    "synth_A_neutral": ("ptd:synthetic team A", {**_SYN, "improvement_direction": "neutral"}),
    "synth_A_noscreen": ("ptd:synthetic team A", {**_SYN, "screen_outliers": False}),
    "synth_A_fix20": ("ptd:synthetic team A", {**_SYN, "fix_after_n_points": 20}),
    "synth_A_rebase_2021-01-28": ("ptd:synthetic team A", {**_SYN, "rebase": ["2021-01-28"]}),
    "synth_AB_facet_increase_target": (
        SYNTH, {**_SYN, "facet": "team", "target": {"A": 52, "B": 95}}
    ),
    "synth_AB_facet_rebase_list_trajectory": (
        SYNTH,
        {
            **_SYN, "facet": "team", "rebase": {"A": ["2021-02-10"], "B": ["2021-02-05"]},
            "trajectory": "trajectory", "improvement_direction": "decrease",
        },
    ),
}  # fmt: skip


def spc_points(data: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """``spc`` with the dates written as R writes them."""
    pts = spc.spc(data, **kwargs)
    pts["x"] = pd.to_datetime(pts["x"]).dt.strftime("%Y-%m-%d")
    return pts


def spc_config_points(t: Tables) -> dict[str, pd.DataFrame]:
    """``spc_points`` run once for each configuration."""
    return {name: spc_points(t[inp], **kw) for name, (inp, kw) in SPC_CONFIGS.items()}


def spc_points_of(points: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    return points[name]


def spc_summaries(points: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``spc_summary`` of each configuration, one row per configuration and facet."""
    out = []
    for name, (_, kw) in SPC_CONFIGS.items():
        summ = spc.spc_summary(points[name], kw.get("improvement_direction", "increase"))
        summ.insert(0, "config", name)
        out.append(summ)
    return pd.concat(out, ignore_index=True)


_RULES = {
    "ptd_seven_point_one_side_mean": lambda a, b: spc.seven_point_one_side_mean(a),
    "ptd_part_of_seven_trend": lambda a, b: spc.part_of_seven_trend(a),
    "ptd_seven_point_trend": lambda a, b: spc.seven_point_trend(a),
    "ptd_two_in_three": lambda a, b: spc.two_in_three(a, b),
    "ptd_part_of_two_in_three": lambda a, b: spc.part_of_two_in_three(a, b),
}


def rule_helpers(vec: pd.DataFrame) -> list[str]:
    """Each rule helper on its ";"-separated arguments, the flags joined by ";"."""

    def parse(text: str) -> np.ndarray:
        return np.array([float(v) for v in text.split(";")]) if text else np.array([])

    return [
        ";".join(str(int(v)) for v in _RULES[r.func](parse(r.arg1), parse(r.arg2)))
        for r in vec.itertuples()
    ]


def assurance(av: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        f"assurance_{d}": spc.assurance_type(av.lpl, av.upl, av.target, d)
        for d in ("increase", "decrease", "neutral")
    }


# --------------------------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------------------------

DERIVED: dict[str, Callable[[Tables], object]] = {
    "phe:proportion grouped sums": grouped_sums(P + "testdata_Proportion__testdata_Prop.csv"),
    "phe:rate grouped sums": grouped_sums(P + "testdata_Rate__testdata_Rate.csv", slice(19, 20)),
    "phe:multiarea with esp2013": with_esp2013(P + "testdata_DSR_ISR__testdata_multiarea.csv"),
    "phe:nonindependent with esp2013": with_esp2013(P + "testdata_DSR_ISR__testdata_nonindepe.csv"),
    "phe:nonindependent events": dsr_nonindependent,
    "phe:isr multiarea, NA x_ref": isr_na_refcount,
    "phe:isr observed totals": lambda t: t[
        P + "testdata_DSR_ISR__testdata_multiarea_lookup.csv"
    ].set_index("area")["total_count"],
    "phe:isr err2 with reference": isr_err2,
    "phe:isr small example with reference": isr_small,
    QUANTILES: quantiles,
    "phe:funnel rate, 0 events at the top": funnel_rate_zero_top,
    "phe:funnel points inputs": funnel_points_inputs,
    FPR_RESULTS: fpr_config_results,
    "ptd:seed123 with a facet": lambda t: t[SEED].assign(
        facet=np.repeat([0, 1], len(t[SEED]) // 2)
    ),
    "ptd:synthetic team A": lambda t: t[SYNTH][t[SYNTH].team == "A"],
    SPC_POINTS: spc_config_points,
}

READ_OPTIONS = {
    "funnelplotr/medpar_*.csv": {"dtype": {"provnum": str}},
    "funnelplotr/funnel_*__aggregated.csv": {"dtype": {"group": str, "highlight": str}},
    "plotthedots/spc_*__points.csv": {"dtype": {"f": str}},
    "plotthedots/spc_standard_r*.csv": {"dtype": {"f": str}},
    "plotthedots/rule_helper_test_vectors.csv": {"keep_default_na": False},
}
