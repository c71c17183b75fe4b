"""The planted truth of the assessment (helpers.synthetic.truth): ``planted_values.csv`` holds
the noise-free value of every metric, which the values the pipeline computes from the generated
files scatter around by no more than their sampling error (and month-to-month variation), and
``planted_assessment.csv`` is the assessment of those values (one row per organisation and
year, ranks 1..N within each cohort and year, segments 1-4), the same on every generation.

Observed values are built here from the generated files with the pipeline's readers, as
``helpers.indicators.build`` builds them: codes under their current successor, a month counts
when both numerator and denominator were reported, ``aggregate_to: host_icb`` adds up each
ICB's providers (here month by month per provider, numerator and denominator together)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.assess.engine import score_values
from helpers.assess.plans import PLANS_ID, PLANS_SPEC
from helpers.core.fy import financial_year
from helpers.indicators.dsr import annual_dsr
from helpers.ingest.derive import derive_measures
from helpers.ingest.readers.record_level import read_record_level
from helpers.settings import AssessmentRules, FinancialOverride, MetricSpec
from helpers.synthetic.generate import DEFAULT_SEED, generate
from helpers.synthetic.readback import SimpleSource, read_synthetic_folder
from helpers.synthetic.records import write_admissions
from helpers.synthetic.truth import DEFICIT_METRIC, catalogue_metrics
from helpers.synthetic.world import FAILING_SHIFT, build_world

SEED = DEFAULT_SEED
PLANTED = ("planted_values.csv", "planted_assessment.csv")
#: metrics whose only chance variation is the sampling draw (or nearly: the patient survey's
#: year-level and the 62-day standard's month-level deviations are small beside it)
SAMPLING_ONLY = {
    "ae_admission_conversion_pct",
    "cancer_62d_pct",
    "patient_experience_pct",
    "mrsa_rate",
    "cdiff_rate",
    "ecoli_rate",
    "staff_engagement_score",
    "flu_vaccination_pct",
    "readmission_30d_pct",
    "icb_readmission_30d_pct",
    "shmi_ratio",
    "avoidable_admissions_dsr",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small data set with the record-level extract."""
    out = tmp_path_factory.mktemp("planted_small")
    generate("small", SEED, out)
    return out


@pytest.fixture(scope="module")
def specs() -> dict[str, MetricSpec]:
    """The catalogue's metrics and promises kept (scored from the organisations' own plans)."""
    return {**{m.id: m for m in catalogue_metrics()}, PLANS_ID: PLANS_SPEC}


@pytest.fixture(scope="module")
def compared(folder: Path, specs: dict[str, MetricSpec]) -> pd.DataFrame:
    """planted_values joined to the observed annual values, with each value's z score."""
    truth = pd.read_csv(folder / "planted_values.csv")
    truth = truth[truth.metric_id != PLANS_ID]  # not a value the pipeline builds from data
    j = truth.merge(_observed(folder, specs), on=["org_code", "metric_id", "period"], how="left")
    j["se_sampling"] = _se(j, specs)
    return j.assign(z=(j.obs - j.true_value) / j.se_sampling)


def _measures(folder: Path) -> pd.DataFrame:
    m = read_synthetic_folder(folder)[0]
    bed = m.measure == "occupied_bed_days"
    variance = {"differences": {"finance_variance_k": ["outturn_surplus_k", "plan_surplus_k"]}}
    admissions = SimpleSource(
        "record_level/admissions.parquet",
        "record_level_admissions",
        {"population": "population_icb_age_sex.csv"},
    )
    return pd.concat(
        [
            derive_measures(m[~bed], variance),
            derive_measures(m[bed], {"spread_quarters": True}),
            read_record_level("admissions", admissions, folder).measures,
        ],
        ignore_index=True,
    )


def _observed(folder: Path, specs: dict[str, MetricSpec]) -> pd.DataFrame:
    """``org_code, metric_id, period, obs, num, den, se_months, se_mean`` of every metric."""
    orgs = pd.read_csv(folder / "organisations.csv", dtype=str, keep_default_na=False)
    succ = pd.read_csv(folder / "successions.csv", dtype=str)
    step = dict(zip(succ.old_code, succ.new_code, strict=True))
    current = {c: step.get(c, c) for c in orgs.org_code}
    host = dict(zip(orgs.org_code, orgs.icb_code, strict=True))
    m = _measures(folder)
    m = m[m.value.notna()]  # suppressed or blank: not reported
    m = m.assign(org_code=m.org_code_published.map(current).fillna(m.org_code_published))
    m = m.assign(period=financial_year(m.month))
    out = []
    for spec in specs.values():
        d = spec.definitions[0]
        num, den = d.numerator.measure, d.denominator.measure
        if spec.statistic == "dsr":
            ds = annual_dsr(m[m.measure.isin([num, den])], multiplier=spec.multiplier)
            out.append(
                ds.assign(
                    metric_id=spec.id,
                    obs=ds.value,
                    num=ds.numerator,
                    den=ds.denominator,
                    se_dsr=(ds.ci95_upper - ds.ci95_lower) / 3.92,
                )
            )
            continue
        keys = ["org_code", "month", "period"]
        w = m[m.measure.isin([num, den])].pivot_table(
            index=keys, columns="measure", values="value", aggfunc="sum"
        )
        w = w.reindex(columns=[num, den]).dropna().set_axis(["num", "den"], axis=1).reset_index()
        sumsq = m[m.measure == "staff_engagement_sumsq"].groupby(keys).value.sum()
        w = w.join(sumsq.rename("sumsq"), on=keys)  # used by the mean only
        if d.aggregate_to == "host_icb":
            w = w.assign(org_code=w.org_code.map(host)).groupby(keys, as_index=False).sum()
        # month-to-month: each month against the peer group's month (the uncertainty model)
        w["v"] = w.num / w.den * spec.multiplier
        peer = w.groupby("month")[["num", "den"]].transform("sum")
        w["resid"] = w.v - peer.num / peer.den * spec.multiplier
        w["w2"] = (w.den / w.groupby(["org_code", "period"]).den.transform("sum")) ** 2
        a = (
            w.groupby(["org_code", "period"])
            .agg(
                num=("num", "sum"),
                den=("den", "sum"),
                months=("num", "size"),
                s=("resid", "std"),
                w2=("w2", "sum"),
                sumsq=("sumsq", "sum"),
            )
            .reset_index()
        )
        a = a[(a.months >= spec.min_months) & (a.den > 0)]
        a = a.assign(
            metric_id=spec.id,
            obs=a.num / a.den * spec.multiplier,
            se_months=np.where(a.months >= 3, a.s * np.sqrt(a.w2), np.nan),
        )
        if spec.statistic == "mean":
            a["se_mean"] = np.sqrt((a.sumsq - a.num**2 / a.den) / (a.den - 1) / a.den)
        out.append(a)
    cols = ["org_code", "metric_id", "period", "obs", "num", "den", "se_months", "se_mean"]
    return pd.concat(out, ignore_index=True).reindex(columns=[*cols, "se_dsr"])


def _se(j: pd.DataFrame, specs: dict[str, MetricSpec]) -> pd.Series:
    """The sampling standard error at the true value (proportions: binomial; rates and
    standardised ratios: Poisson; means: from the spread of the scores; DSR: Dobson)."""
    stat = j.metric_id.map({k: s.statistic for k, s in specs.items()})
    mult = j.metric_id.map({k: s.multiplier for k, s in specs.items()})
    p = j.true_value / mult
    se = pd.Series(np.nan, index=j.index)
    prop, poisson = stat == "proportion", stat.isin(["rate", "isr"])
    se[prop] = np.sqrt(p[prop] * (1 - p[prop]) / j.den[prop]) * mult[prop]
    se[poisson] = np.sqrt(p[poisson] * j.den[poisson]) / j.den[poisson] * mult[poisson]
    se[stat == "mean"] = j.se_mean[stat == "mean"]
    se[stat == "dsr"] = j.se_dsr[stat == "dsr"]
    return se


def test_every_metric_of_the_catalogue_has_a_true_value(
    folder: Path, specs: dict[str, MetricSpec], compared: pd.DataFrame
) -> None:
    v = pd.read_csv(folder / "planted_values.csv", dtype={"true_value": str})
    assert list(v.columns) == [
        "synthetic", "org_code", "org_type", "metric_id", "period", "true_value"
    ]  # fmt: skip
    assert (v.synthetic == "SYNTHETIC").all()
    # every catalogue metric, and promises kept (the truth of the assessment's plans metric)
    assert set(v.metric_id) == set(specs)
    v = v[v.metric_id != PLANS_ID]
    assert v.true_value.str.fullmatch(r"-?\d+\.\d{6}").all()
    assert not v.duplicated(["org_code", "metric_id", "period"]).any()
    assert set(v.period) == {"2022/23", "2023/24", "2024/25"}
    types = {k: set(s.org_types) for k, s in specs.items()}
    assert all(t in types[m] for m, t in zip(v.metric_id, v.org_type, strict=True))
    # the same organisations and years as the pipeline's values (successors only)
    assert compared.obs.notna().all(), compared[compared.obs.isna()].head()
    succ = pd.read_csv(folder / "successions.csv")
    assert not set(v.org_code) & set(succ.old_code)


def test_accounts_are_their_generated_values(
    compared: pd.DataFrame, specs: dict[str, MetricSpec]
) -> None:
    acc = compared[compared.metric_id.map(lambda m: specs[m].ci_method == "none")]
    assert set(acc.metric_id) == {
        "finance_variance_pct",
        "finance_outturn_margin_pct",
        "finance_planned_margin_pct",
        "cost_index",
    }
    assert (acc.obs - acc.true_value).abs().max() < 1e-6


def test_sampled_values_scatter_around_the_truth_by_their_sampling_error(
    compared: pd.DataFrame,
) -> None:
    """|observed - true| / se: about 0.8 on average (half-normal), rarely beyond 2.58."""
    s = compared[compared.metric_id.isin(SAMPLING_ONLY)]
    assert set(s.metric_id) == SAMPLING_ONLY and len(s) > 600
    z = s.z.abs()
    assert 0.65 < z.mean() < 0.95, z.groupby(s.metric_id).mean()
    assert (z > 2.58).mean() < 0.05
    assert abs(s.z.mean()) < 0.15  # no bias overall
    by_metric = z.groupby(s.metric_id).mean()
    assert by_metric.between(0.5, 1.2).all(), by_metric


def test_other_values_scatter_within_their_sampling_and_month_to_month_error(
    compared: pd.DataFrame, specs: dict[str, MetricSpec]
) -> None:
    """Metrics with month-level deviations (noise to the assessment, not part of the truth):
    within the larger of the sampling error and the months' spread, as the assessment's
    uncertainty model draws them."""
    sampled = compared[compared.metric_id.map(lambda m: specs[m].ci_method != "none")]
    s = sampled[~sampled.metric_id.isin(SAMPLING_ONLY)]
    se = np.fmax(s.se_sampling, s.se_months)
    z = (s.obs - s.true_value).abs() / se
    assert len(s) > 600
    assert 0.5 < z.mean() < 1.0, z.groupby(s.metric_id).mean()
    assert (z > 2.58).mean() < 0.1
    assert (z.groupby(s.metric_id).mean() < 1.3).all(), z.groupby(s.metric_id).mean()


def test_one_assessment_row_per_organisation_and_year(
    folder: Path, specs: dict[str, MetricSpec]
) -> None:
    a = pd.read_csv(folder / "planted_assessment.csv")
    v = pd.read_csv(folder / "planted_values.csv")
    assert list(a.columns) == [
        "synthetic", "org_code", "org_type", "cohort", "period", "true_average_score",
        "true_rank", "true_segment", "true_segment_unadjusted", "metrics_scored",
        "true_plan_delivery", "planted_failing", "persistently_failing",
        "true_persistent_lowest",
    ]  # fmt: skip
    scored = v[v.metric_id.map(lambda m: specs[m].score_mode != "none")]
    keys = ["org_code", "period"]
    assert not a.duplicated(keys).any()
    assert a[keys].sort_values(keys).values.tolist() == (
        scored[keys].drop_duplicates().sort_values(keys).values.tolist()
    )
    n_scored = scored.groupby(keys).size()
    assert (a.set_index(keys).metrics_scored == n_scored.reindex(a.set_index(keys).index)).all()
    assert set(a.cohort) == {
        "Acute trusts",
        "Specialist acute trusts",  # their own cohort, as the assessment's default rule says
        "Mental health trusts",
        "Community trusts",
        "Ambulance trusts",
        "Integrated care boards",
    }
    assert a.true_rank.notna().all() and a.true_average_score.between(1, 4).all()
    assert set(a.true_segment) <= {1, 2, 3, 4} and set(a.true_segment_unadjusted) <= {1, 2, 3, 4}
    for _, g in a.groupby(["cohort", "period"]):
        n = len(g)
        key = g.true_segment * 10 + g.true_average_score
        assert g.true_rank.between(1, n).all() and g.true_rank.min() == 1
        # rank = 1 + the organisations ahead (by segment, then average score); ties share
        ahead = [(key < k).sum() + 1 for k in key]
        assert g.true_rank.tolist() == ahead
        order = g.sort_values("true_average_score")
        assert order.true_segment_unadjusted.is_monotonic_increasing  # quartiles of the average


def test_the_financial_override_caps_trusts_in_deficit(folder: Path) -> None:
    a = pd.read_csv(folder / "planted_assessment.csv")
    v = pd.read_csv(folder / "planted_values.csv")
    margin = v[v.metric_id == DEFICIT_METRIC].set_index(["org_code", "period"]).true_value
    a = a.join(margin.rename("margin"), on=["org_code", "period"])
    capped = a.true_segment != a.true_segment_unadjusted
    assert capped.any()
    assert (a.margin[capped] < 0).all() and (a.true_segment[capped] == 3).all()
    deficit = a.margin < 0
    assert (a.true_segment[deficit] >= 3).all()
    assert (a.true_segment[~deficit] == a.true_segment_unadjusted[~deficit]).all()
    icb = a[a.org_type == "icb"]
    assert icb.margin.isna().all() and (icb.true_segment == icb.true_segment_unadjusted).all()


def test_the_assessment_is_score_values_of_the_values_as_written(
    folder: Path, specs: dict[str, MetricSpec]
) -> None:
    v = pd.read_csv(folder / "planted_values.csv").rename(columns={"true_value": "value"})
    a = pd.read_csv(folder / "planted_assessment.csv")
    v = v.merge(a[["org_code", "period", "cohort"]], on=["org_code", "period"])
    trusts = v[v.org_type != "icb"]
    margin = trusts[trusts.metric_id == DEFICIT_METRIC]
    deficit = margin[["org_code", "period"]].assign(in_deficit=margin.value < 0)
    rules = AssessmentRules(financial_override=FinancialOverride(metric=DEFICIT_METRIC))
    got = pd.concat(
        [
            score_values(trusts, specs, rules, deficit),
            score_values(v[v.org_type == "icb"], specs, AssessmentRules()),
        ]
    ).set_index(["org_code", "period"])
    a = a.set_index(["org_code", "period"]).loc[got.index]
    assert np.allclose(a.true_average_score, got.average_score, atol=1e-6)
    assert (a.true_rank == got["rank"]).all() and (a.true_segment == got.segment).all()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_deterministic_and_in_the_manifest(folder: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate("small", SEED, again)
    for name in PLANTED:
        assert _sha(again / name) == _sha(folder / name), name
    files = {
        f["path"]: f for f in json.loads((folder / "generator_manifest.json").read_text())["files"]
    }
    for name in PLANTED:
        assert files[name]["sha256"] == _sha(folder / name)
        assert files[name]["rows"] == len(pd.read_csv(folder / name))


def test_collecting_the_truth_draws_no_random_number(folder: Path, tmp_path: Path) -> None:
    """The record-level extract is the same whether its expected counts are collected or not
    (the aggregate files are checked byte for byte by test_synthetic_generate)."""
    world = build_world("small", SEED)
    years = sorted(pd.read_csv(folder / "planted_values.csv").period.unique())
    write_admissions(
        world.orgs,
        world.population,
        years,
        SEED,
        "small",
        tmp_path,
        world.successions,
        failing=world.failing,
        failing_shift=FAILING_SHIFT,
    )
    path = Path("record_level") / "admissions.parquet"
    assert _sha(tmp_path / path) == _sha(folder / path)


def test_the_failing_organisations_are_planted_and_persist(folder: Path) -> None:
    """5% of each organisation type with at least four (at least one), never a specialist trust
    or a code that changes; persistently failing = planted and truly in the lowest segment in
    this year and the one before; the noise-free rule holds for those too."""
    world = build_world("small", SEED)
    a = pd.read_csv(folder / "planted_assessment.csv")
    planted = set(a.org_code[a.planted_failing])
    assert planted == set(world.failing)
    orgs = world.orgs.set_index("org_code")
    assert set(orgs.org_type[list(planted)]) == {
        "acute_trust",
        "mental_health_trust",
        "community_trust",
        "icb",
    }  # fmt: skip  (the small world's 2 ambulance trusts are too few for a lowest quartile)
    assert not (orgs.org_subtype[list(planted)] == "specialist").any()
    changed = set(world.successions.old_code) | set(world.successions.new_code)
    assert not planted & changed
    pf = a[a.persistently_failing]
    assert pf.planted_failing.all() and pf.true_persistent_lowest.all()
    first = a.period.min()
    assert not a.persistently_failing[a.period == first].any()
    # the planted failing organisations are truly in the lowest segment most of the time
    assert (a.true_segment[a.planted_failing] == 4).mean() >= 0.75
