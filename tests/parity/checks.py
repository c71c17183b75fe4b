"""The parity table: every comparison of ``helpers.stats`` with a reference implementation.

One ``Check`` per comparison (fields in ``engine.Check``): the label, the reference file, the
function under test (or an adapter from ``adapters.py``), its arguments (``Col("x")`` a column of
the input table, ``DATA`` the table itself, ``Table(name)`` another table; anything else as it
is), the input table when it is not the reference file, the result and reference columns
compared by position, and the tolerance (``engine`` describes the modes; the READMEs under
``tests/reference/`` give the values). To check a new function, add a row.
"""

from __future__ import annotations

from parity import adapters as a
from parity.adapters import FPR_CONFIGS, G, P
from parity.engine import DATA, SAME, WALDO_TOL, Check, Col, Row, Table, Tables

from helpers.stats import ci, funnel
from helpers.stats import compare as cmp

#: the PHE proportion funnel fixture is rounded to 6 dp (README: abs tol 5e-7)
PHE_FUNNEL_ROUNDED_ABS = 5e-7
#: exact chi-square vs PHE's bisection: documented deviation bound (measured 4.7e-5)
PHE_BISECTION_RTOL = 1e-4
FPR_RTOL = 1e-9
SPC_RTOL = 1e-12
SPC_CATEGORICAL = [
    "x", "f", "rebase_group", "short_group_warning", "outside_limits", "relative_to_mean",
    "close_to_limits", "special_cause_type", "special_cause_flag", "point_type",
]  # fmt: skip

#: our CI columns and PHEindicatormethods' names for them
CI_OUT = ["value", "ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper"]
PHE_2CI = ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]
CI95_OUT = ["value", "ci95_lower", "ci95_upper"]
PHE_95CI = ["value", "lowercl", "uppercl"]

# --------------------------------------------------------------------------------------------
# ci.py: PHEindicatormethods confidence intervals
# --------------------------------------------------------------------------------------------

BW = P + "testdata_Byars_Wilson__testdata_B_W.csv"
DSR = P + "testdata_DSR_ISR__testresults_DSR.csv"
ISR = P + "testdata_DSR_ISR__testresults_ISR.csv"
DSR_OUT = ["area", "total_count", "total_pop", *CI_OUT, "ci_method"]
DSR_EXP = ["area", "total_count", "total_pop", *PHE_2CI, "method"]
ISR_ARGS = (DATA, "count", "pop", "refcount", "refpop", "area")
ISR_HEAD = ["area", "observed", "expected"]
ISR_OUT = {"rate": [*ISR_HEAD, "ref_rate", *CI_OUT, "ci_method"],
           "ratio": [*ISR_HEAD, *CI_OUT, "ci_method"]}  # fmt: skip
ISR_EXP = {"rate": [*ISR_HEAD, "ref_rate", *PHE_2CI, "method"],
           "ratio": [*ISR_HEAD, *PHE_2CI, "method"]}  # fmt: skip
AREA_METHOD = ["area", "method"]

CI: list[Row] = [
    Check("byars_lower/upper", BW, a.limits_by_row, (DATA, ci.byars_lower, ci.byars_upper, "x"),
          rows=slice(0, 6), expected=["lowercl", "uppercl"]),
    Check("wilson_lower/upper", BW, a.limits_by_row,
          (DATA, ci.wilson_lower, ci.wilson_upper, "x", "n"),
          rows=slice(6, 12), expected=["lowercl", "uppercl"]),
    # proportions
    Check("proportion_ci", P + "testdata_Proportion__testdata_Prop.csv", ci.proportion_ci,
          (Col("Numerator"), Col("Denominator"), Col("multiplier")),
          actual=CI_OUT, expected=PHE_2CI),
    Check("proportion_ci (grouped sums)", P + "testdata_Proportion__testdata_Prop_g.csv",
          ci.proportion_ci, (Col("Numerator"), Col("Denominator")),
          inputs="phe:proportion grouped sums", sort="Area", actual=CI95_OUT, expected=PHE_95CI),
    Check("proportion_ci", G + "phe_proportion_grid_mult1_95_998.csv", ci.proportion_ci,
          (Col("x"), Col("n"), 1.0), actual=CI_OUT, expected=PHE_2CI),
    Check("proportion_ci", G + "phe_proportion_grid_mult100_95.csv", ci.proportion_ci,
          (Col("x"), Col("n"), 100.0), actual=CI95_OUT, expected=PHE_95CI),
    # crude rates
    Check("rate_ci", P + "testdata_Rate__testdata_Rate.csv", ci.rate_ci,
          (Col("Numerator"), Col("Denominator"), Col("multiplier")),
          actual=[*CI_OUT, "ci_method"], expected=[*PHE_2CI, "method"], categorical=["method"]),
    Check("rate_ci (grouped sums)", P + "testdata_Rate__testdata_Rate_g.csv", ci.rate_ci,
          (Col("Numerator"), Col("Denominator")), inputs="phe:rate grouped sums", sort="Area",
          actual=[*CI95_OUT, "ci_method"], expected=[*PHE_95CI, "method"],
          categorical=["method"]),
    Check("rate_ci", G + "phe_rate_grid_per100000_95_998.csv", ci.rate_ci,
          (Col("x"), Col("n"), 100_000),
          actual=[*CI_OUT, "ci_method"], expected=[*PHE_2CI, "method"], categorical=["method"]),
    Check("poisson_count_limits (90%)", G + "phe_rate_grid_per1000_90.csv", a.poisson_rate,
          (DATA, 0.90, 1000), expected=[*PHE_95CI, "method"], categorical=["method"]),
    Check("byars_*/exact_poisson_*", G + "byars_and_exact_poisson_count_limits.csv",
          a.count_limits, (Col("x"),),
          expected=[f"{n}_{s}_{lv}" for n in ("byars", "exact") for lv in ("95", "998")
                    for s in ("lower", "upper")]),
    # means
    Check("mean_ci", P + "testdata_Mean__testdata_Mean_results.csv", a.mean_ci,
          (Col("values"), Col("area")), inputs=P + "testdata_Mean__testdata_Mean.csv",
          actual=["value_sum", "value_count", "stdev", *CI_OUT, "ci_method"],
          expected=["value_sum", "value_count", "stdev", *PHE_2CI, "method"],
          categorical=["method"]),
    # directly standardised rates
    *[
        Check(f"dsr_ci (x{mult:g})", DSR, ci.dsr_ci,
              (DATA, "count", "pop", "esp2013", "area", mult),
              inputs="phe:multiarea with esp2013", rows=rows,
              actual=DSR_OUT, expected=DSR_EXP, categorical=AREA_METHOD)
        for rows, mult in [(slice(4, 7), 100_000), (slice(0, 3), 10_000)]
    ],
    Check("dsr_ci (esp1976; 95% only)", DSR, ci.dsr_ci, (DATA, "count", "pop", "esp1976"),
          inputs=P + "testdata_DSR_ISR__testdata_1976.csv", rows=slice(7, 8),
          actual=["total_count", "total_pop", *CI95_OUT],
          expected=["total_count", "total_pop", "value", "lower95_0cl", "upper95_0cl"]),
    Check("dsr_ci (non-independent events)", DSR, ci.dsr_ci,
          (DATA, "persons", "pop", "esp2013", "area"),
          {"independent_events": False, "event_frequency": "freq", "ageband": "ageband"},
          inputs="phe:nonindependent events", rows=slice(8, 12),
          actual=DSR_OUT, expected=DSR_EXP, categorical=AREA_METHOD),
    Check("dsr_ci", G + "calculate_dsr_small_example_output.csv", ci.dsr_ci,
          (DATA, "count", "pop", "esp2013", "area"), inputs=G + "dsr_isr_small_example_input.csv",
          actual=DSR_OUT, expected=DSR_EXP, categorical=AREA_METHOD),
    # indirectly standardised ratios and rates
    *[
        Check(f"isr_ci ({kind}, {kw})", ISR, ci.isr_ci, ISR_ARGS, {"kind": kind, **kw},
              inputs=P + "testdata_DSR_ISR__testdata_multiarea_isr.csv", rows=rows,
              actual=ISR_OUT[kind], expected=ISR_EXP[kind], categorical=AREA_METHOD)
        for rows, kind, kw in [
            (slice(0, 3), "rate", {"multiplier": 100_000}),
            (slice(3, 6), "rate", {"multiplier": 1000}),
            (slice(6, 9), "ratio", {"refvalue": 1}),
            (slice(9, 12), "ratio", {"refvalue": 100}),
        ]
    ],
    Check("isr_ci (ratio, NA x_ref, observed_totals)", ISR, ci.isr_ci, ISR_ARGS,
          {"kind": "ratio", "observed_totals": Table("phe:isr observed totals")},
          inputs="phe:isr multiarea, NA x_ref", rows=slice(6, 9),
          actual=ISR_OUT["ratio"], expected=ISR_EXP["ratio"], categorical=AREA_METHOD),
    *[
        Check(f"isr_ci ({kind}, pop 0 in a band; 95%)", ISR, ci.isr_ci, ISR_ARGS,
              {"kind": kind, **kw}, inputs="phe:isr err2 with reference", rows=rows,
              actual=[*ISR_HEAD, *CI95_OUT, "ci_method"],
              expected=[*ISR_HEAD, "value", "lower95_0cl", "upper95_0cl", "method"],
              categorical=AREA_METHOD)
        for rows, kind, kw in [
            (slice(12, 14), "rate", {"multiplier": 100_000}),
            (slice(14, 16), "ratio", {"refvalue": 100}),
        ]
    ],
    *[
        Check(f"isr_ci ({kind})", G + name, ci.isr_ci,
              (DATA, "count", "pop", "x_ref", "n_ref", "area"), {"kind": kind, **kw},
              inputs="phe:isr small example with reference",
              actual=ISR_OUT[kind], expected=ISR_EXP[kind], categorical=AREA_METHOD)
        for name, kind, kw in [
            ("calculate_ISRatio_small_example_output.csv", "ratio", {"refvalue": 100}),
            ("calculate_ISRate_small_example_output.csv", "rate", {"multiplier": 100_000}),
        ]
    ],
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# compare.py: PHEindicatormethods phe_quantile
# --------------------------------------------------------------------------------------------

COMPARE: list[Row] = [
    Check(f"phe_quantile ({group_set}, {nq})", a.QUANTILES, cmp.phe_quantile,
          (Col("Value"), nq, invert, None if by is None else Col(by)),
          where=f"GroupSet == '{group_set}'", expected=["QuantileInGrp"], mode="exact", tol=0)
    for group_set, by, nq, invert in [
        ("IndSexReg", ("IndSexRef", "ParentCode"), 10, Col("invert")),
        ("IndSex", ("IndSexRef",), 7, Col("invert")),
        ("None", None, 4, True),
    ]
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# funnel.py: PHEindicatormethods funnel limits, significance and points
# --------------------------------------------------------------------------------------------


def _limit_cols(first: str, *per_limit: str) -> list[str]:
    """``first`` then, for the lower/upper 2s/3s limits, the ``per_limit`` columns."""
    return [first] + [
        f"{side}_{s}s_{c}" for s in (2, 3) for side in ("lower", "upper") for c in per_limit
    ]


PROP_IN = P + "testdata_funnel_prop_inputs.csv"
RATIO_IN = P + "testdata_funnel_ratio_inputs.csv"
RATE_IN = a.FUNNEL_RATE_IN
RATE_LIMITS = [*_limit_cols("Events", "population_1_year", "limit"), "baseline"]
POISSON = [("bisection", "waldo", WALDO_TOL), ("exact", "rtol", PHE_BISECTION_RTOL)]
SIGNIFICANCE = {"expected": ["significance"], "mode": "exact", "tol": 0,
                "categorical": ["significance"]}  # fmt: skip

FUNNEL_PHE: list[Row] = [
    Check("phe_funnel_limits (proportion; fixture 6 dp)", P + "testdata_funnel_prop_outputs.csv",
          funnel.phe_funnel_limits, (Col("numerator"), Col("denominator")),
          {"statistic": "proportion", "multiplier": 100}, inputs=PROP_IN,
          mode="abs", tol=PHE_FUNNEL_ROUNDED_ABS),
    Check("phe_funnel_limits (proportion, axis variation)",
          P + "testdata_funnel_prop_outputs_with_axis_variation.csv",
          funnel.phe_funnel_limits, (Col("numerator"), Col("denominator")),
          {"statistic": "proportion", "multiplier": 100}, inputs=PROP_IN,
          where="denominator < 31000"),
    Check("phe_funnel_significance (proportion)", PROP_IN, funnel.phe_funnel_significance,
          (Col("numerator"), Col("denominator")), {"statistic": "proportion"}, **SIGNIFICANCE),
    Check("phe_funnel_significance (ratio)", RATIO_IN, funnel.phe_funnel_significance,
          (Col("obs"), Col("expected")), {"statistic": "ratio"}, **SIGNIFICANCE),
    *[
        Check(f"phe_funnel_limits (ratio {rt}, poisson {method})",
              P + "testdata_funnel_ratio_outputs.csv", funnel.phe_funnel_limits,
              (Col("obs"), Col("expected")),
              {"statistic": "ratio", "multiplier": 100, "ratio_type": rt,
               "poisson_method": method},
              inputs=RATIO_IN, expected=_limit_cols("Observed_events", "exp_events", rt),
              mode=mode, tol=tol)
        for method, mode, tol in POISSON
        for rt in ("count", "isr")
    ],
    *[
        Check(f"phe_funnel_limits (rate dsr, poisson {method})",
              P + "testdata_funnel_rate_outputs.csv", funnel.phe_funnel_limits, (Col("ev"),),
              {"statistic": "rate", "rate": Col("rate"), "multiplier": 1e5, "rate_type": "dsr",
               "years_of_data": 3, "poisson_method": method},
              inputs=RATE_IN, expected=RATE_LIMITS, mode=mode, tol=tol)
        for method, mode, tol in POISSON
    ],
    Check("phe_funnel_limits (rate crude, 0 events, poisson bisection)",
          P + "testdata_funnel_rate_outputs_3.csv", funnel.phe_funnel_limits,
          (Col("ev"), Col("pop")),
          {"statistic": "rate", "rate": Col("rate"), "multiplier": 1e5, "rate_type": "crude",
           "years_of_data": 3, "poisson_method": "bisection"},
          inputs="phe:funnel rate, 0 events at the top", expected=RATE_LIMITS),
    *[
        Check(f"phe_funnel_significance (rate {col})", P + "testdata_funnel_rate_dsr_inputs.csv",
              funnel.phe_funnel_significance, (Col("count"), Col("pop")),
              {"statistic": "rate", "rate": Col(rate_col), "rate_type": rtype,
               "multiplier": mult},
              where="`count` != 0" if drop0 else None,
              **{**SIGNIFICANCE, "expected": [col], "categorical": [col]})
        for col, rate_col, rtype, mult, drop0 in [
            ("dsr_per_100000_with_0", "rate_dsr", "dsr", 1e5, False),
            ("dsr_per_100000_without_0", "rate_dsr", "dsr", 1e5, True),
            ("dsr_per_100_without_0", "rate_dsr", "dsr", 100, True),
            ("crude_per_100000_with_0", "rate_crude_per_100000", "crude", 1e5, False),
            ("crude_per_100_with_0", "rate_crude_per_100", "crude", 100, False),
            ("crude_per_100000_without_0", "rate_crude_per_100000", "crude", 1e5, True),
            ("crude_per_100_without_0", "rate_crude_per_100", "crude", 100, True),
        ]
    ],
    Check("phe_funnel_points (dsr)", RATE_IN, funnel.phe_funnel_points,
          (Col("ev5"), Col("rate")), {"rate_type": "dsr", "years_of_data": 3, "multiplier": 1e5},
          inputs="phe:funnel points inputs", expected=["rate_chart", "denominator_derived"]),
    Check("phe_funnel_points (crude)", RATE_IN, funnel.phe_funnel_points,
          (Col("ev"), Col("rate")), {"rate_type": "crude", "years_of_data": 3, "multiplier": 1e5},
          inputs="phe:funnel points inputs",
          expected=["rate_chart_crude", "denominator_derived_crude"]),
    Check("phe_funnel_points (crude, 0 events, denominator)", RATE_IN,
          funnel.phe_funnel_points, (Col("ev0"), Col("rate")),
          {"denominator": Col("pop"), "rate_type": "crude", "years_of_data": 5,
           "multiplier": 1e5},
          inputs="phe:funnel points inputs",
          expected=["rate_chart_crude_with_denom", "denominator_derived_crude_with_denom"]),
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# funnel.py: FunnelPlotR overdispersed funnels
# --------------------------------------------------------------------------------------------


def fpr_config_rows(t: Tables) -> list[Check]:
    """One row per ``funnel_plot()`` configuration listed in ``FPR_CONFIGS``."""
    return [
        Check(f"od_funnel aggregated ({name})", f"funnelplotr/funnel_{name}__aggregated.csv",
              a.fpr_aggregated, (Table(a.FPR_RESULTS), name), actual=SAME, mode="rtol",
              tol=FPR_RTOL, categorical=["group", "highlight"])
        for name in t[FPR_CONFIGS]["config"]
    ]  # fmt: skip


EFFECTIVE = ["draw_adjusted_effective", "draw_unadjusted_effective"]

FUNNEL_OD: list[Row] = [
    fpr_config_rows,
    Check("od_funnel phi/tau2/outliers", FPR_CONFIGS, a.fpr_summary, (Table(a.FPR_RESULTS),),
          expected=["phi", "tau2", "n_groups", "n_outliers", *EFFECTIVE],
          mode="rtol", tol=FPR_RTOL, categorical=EFFECTIVE),
    *[
        Check("build_limits_lookup", f"funnelplotr/{name}", funnel.build_limits_lookup,
              (Col("number_seq"),), kw, actual=SAME, mode="rtol", tol=FPR_RTOL)
        for name, kw in [
            ("limits_lookup_SR_SHMI_tau2_0.02.csv",
             {"data_type": "SR", "sr_method": "SHMI", "tau2": 0.02}),
            ("limits_lookup_PR_target0.5_tau2_0.csv",
             {"data_type": "PR", "tau2": 0.0, "target": 0.5}),
            ("limits_lookup_SR_CQC_tau2_0.02_mult100.csv",
             {"data_type": "SR", "sr_method": "CQC", "tau2": 0.02, "multiplier": 100}),
        ]
    ],
    Check("build_limits_lookup (unadjusted SR)",
          "funnelplotr/test_inline_poisson_limits_output.csv", funnel.build_limits_lookup,
          (Col("number_seq"),), {"data_type": "SR"}, actual=SAME, mode="rtol", tol=FPR_RTOL),
    Check("od_funnel aggregation (rr)", "funnelplotr/test_inline_aggregate_output.csv",
          a.od_aggregated, (Col("numerator"), Col("denominator"), Col("group")),
          {"draw_adjusted": False, "shmi_rounding": False},
          inputs="funnelplotr/test_inline_aggregate_input.csv",
          actual=["group", "numerator", "denominator", "rr"], mode="rtol", tol=FPR_RTOL,
          categorical=["group"]),
    Check("funnel_outliers", "funnelplotr/test_inline_outliers_output.csv", a.outliers, (DATA,),
          inputs="funnelplotr/test_inline_outliers_input.csv",
          expected=["outlier_unadj95", "outlier_adj95", "outlier_unadj99", "outlier_adj99",
                    "outlier_unadj95_mult100"],
          mode="exact", tol=0),
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# spc.py: NHSRplotthedots XmR points, summaries, rule helpers and assurance
# --------------------------------------------------------------------------------------------

ASSURANCE = ["assurance_increase", "assurance_decrease", "assurance_neutral"]

SPC: list[Row] = [
    *[
        Check(f"spc points ({name})", f"plotthedots/spc_{name}__points.csv", a.spc_points_of,
              (Table(a.SPC_POINTS), name), actual=SAME, mode="rtol", tol=SPC_RTOL,
              categorical=SPC_CATEGORICAL)
        for name in a.SPC_CONFIGS
    ],
    Check("spc_summary", "plotthedots/spc_summaries.csv", a.spc_summaries,
          (Table(a.SPC_POINTS),), actual=SAME,
          expected=["config", "mean_col", "lpl", "upl", "n", "common_cause",
                    "special_cause_improvement", "special_cause_concern", "variation_type",
                    "assurance_type"],
          mode="rtol", tol=SPC_RTOL, categorical=["config", "variation_type", "assurance_type"]),
    *[
        Check("spc (ptd_spc_standard columns)", f"plotthedots/{name}", a.spc_points, (DATA,),
              {"value": col, "date": "x", **kw}, inputs=a.SEED, actual=SAME, mode="rtol",
              tol=SPC_RTOL, categorical=SPC_CATEGORICAL)
        for name, col, kw in [
            ("spc_standard_r1_seed123_screen.csv", "y", {}),
            ("spc_standard_r2_outlier15_screen.csv", "y_outlier15", {}),
            ("spc_standard_r3_outlier15_noscreen.csv", "y_outlier15", {"screen_outliers": False}),
            ("spc_standard_r4_outlier15_screen_fix12.csv", "y_outlier15",
             {"fix_after_n_points": 12}),
        ]
    ],
    Check("spc rule helpers", "plotthedots/rule_helper_test_vectors.csv", a.rule_helpers,
          (DATA,), expected=["expected"], mode="exact", tol=0, categorical=["expected"]),
    Check("assurance_type", "plotthedots/assurance_test_vectors.csv", a.assurance, (DATA,),
          expected=ASSURANCE, mode="exact", tol=0, categorical=ASSURANCE),
]  # fmt: skip

#: the tables, by the part of ``helpers.stats`` they check (``run.py --only``)
FAMILIES: dict[str, list[Row]] = {
    "ci": CI,
    "compare": COMPARE,
    "funnel_phe": FUNNEL_PHE,
    "funnel_od": FUNNEL_OD,
    "spc": SPC,
}
