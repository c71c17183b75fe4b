"""The random-effects comparison (helpers.stats.compare.compare_random_effects) and the
square-root-scale limits of a ratio (helpers.stats.funnel.sqrt_sr_limits), against FunnelPlotR's
published outputs (tests/reference/funnelplotr)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from parity.adapters import FPR_CONFIGS
from stats_refs import REF, read_ref

from helpers.stats import compare as cmp
from helpers.stats import funnel

CONFIGS = read_ref(FPR_CONFIGS).set_index("config")


def aggregated(config: str) -> pd.DataFrame:
    return read_ref(f"funnelplotr/funnel_{config}__aggregated.csv", dtype={"group": str})


@pytest.mark.parametrize(
    "config", ["medpar_PR_died_lim95", "medpar_SR_SHMI_lim95_noround", "medpar_SR_SHMI_lim99"]
)
def test_random_effects_test_flags_funnelplotr_outliers(config: str) -> None:
    """An organisation differs by the random-effects test exactly when FunnelPlotR puts it
    outside its overdispersed limits: same transformed value, standard error, target and tau².

    One documented exception, for proportions: where ``asin(sqrt(target)) + z·sd`` passes π/2
    (a denominator of 1 here), FunnelPlotR's ``sin²`` upper limit folds back below 100% and it
    flags a 100% as an outlier; on the arcsine scale nothing can lie above such a limit, so the
    test does not."""
    agg = aggregated(config)
    row = CONFIGS.loc[config]
    z = funnel.FUNNELPLOTR_Z95 if row.limit == 95 else funnel.FUNNELPLOTR_Z998
    labels = cmp.compare_random_effects(
        agg.Y, agg.s, agg.target_transformed, row.tau2, "higher_is_better", z=z
    )
    flagged = (labels != "similar").astype(int)
    folded = np.zeros(len(agg), dtype=bool)
    if row.data_type == "PR":
        hi = agg.target_transformed + z * np.sqrt(agg.s**2 + row.tau2)
        folded = ((hi > np.pi / 2) & (agg.rr == 1)).to_numpy()
        assert folded.sum() == 1 and (agg.outlier[folded] == 1).all()
    assert flagged[~folded].tolist() == agg.outlier[~folded].tolist()
    assert (flagged[folded] == 0).all() and flagged.sum() > 0
    # the direction follows the side of the target
    above = (agg.Y > agg.target_transformed).to_numpy()
    assert (labels[(flagged == 1) & above] == "better").all()
    assert (labels[(flagged == 1) & ~above] == "worse").all()


def test_without_overdispersion_it_is_the_plain_funnel_test() -> None:
    """tau² = 0: FunnelPlotR's unadjusted PR limits (arcsine scale, no overdispersion), but for
    the folded 100% at a denominator of 1 (see above)."""
    agg = aggregated("medpar_PR_died_lim95")
    v = agg.rr
    plain = ((v < agg.LCL95) | (v > agg.UCL95)).astype(int).to_numpy()
    labels = cmp.compare_random_effects(agg.Y, agg.s, agg.target_transformed, 0.0, "no_judgement")
    folded = (agg.target_transformed + funnel.FUNNELPLOTR_Z95 * agg.s > np.pi / 2) & (v == 1)
    folded = folded.to_numpy()
    assert folded.sum() == 1
    assert (labels != "similar").astype(int)[~folded].tolist() == plain[~folded].tolist()
    assert set(labels) == {"higher", "similar", "lower"}


def test_random_effects_labels_polarity_and_missing() -> None:
    y = np.array([2.5, 2.5, -2.5, 0.5, np.nan, -np.inf])
    s = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    got = cmp.compare_random_effects(
        y,
        s,
        0.0,
        0.0,
        [
            "higher_is_better",
            "lower_is_better",
            "higher_is_better",
            "higher_is_better",
            "higher_is_better",
            "lower_is_better",
        ],
    )
    assert got.tolist() == ["better", "worse", "worse", "similar", "not_compared", "better"]
    # the between-organisation variance widens the test: 2.5 / sqrt(1 + 1) < 1.96
    assert cmp.compare_random_effects([2.5], [1.0], 0.0, 1.0, "higher_is_better")[0] == "similar"
    # exactly on the limit counts as inside, as FunnelPlotR's bounds
    on = cmp.compare_random_effects([1.959964], [1.0], 0.0, 0.0, "higher_is_better")
    assert on.tolist() == ["similar"]
    with pytest.raises(ValueError, match="tau2"):
        cmp.compare_random_effects([1.0], [1.0], 0.0, -0.1, "higher_is_better")


@pytest.mark.parametrize("config", ["medpar_SR_CQC_lim99", "medpar_SR_CQC_trim0.05_lim95_mult100"])
def test_sqrt_limits_are_funnelplotr_cqc_limits_squared_back(config: str) -> None:
    """FunnelPlotR's CQC method estimates tau² on the square-root scale and draws 1 ± z·sd
    there; the ratio limits are those squared (Spiegelhalter 2005)."""
    agg = aggregated(config)
    row = CONFIGS.loc[config]
    m = float(row.multiplier)
    lim = funnel.sqrt_sr_limits(agg.denominator, row.tau2)
    np.testing.assert_allclose(lim.s, agg.s, rtol=1e-12)
    for ours, theirs in (
        ("odul95", "OD95UCL"),
        ("odul998", "OD99UCL"),
        ("odll95", "OD95LCL"),
        ("odll998", "OD99LCL"),
    ):
        ref = agg[theirs].to_numpy() / m
        pos = ref > 0
        np.testing.assert_allclose(np.sqrt(lim[ours].to_numpy()[pos]), ref[pos], rtol=1e-9)
        assert (lim[ours].to_numpy()[~pos] == 0).all()


def test_cqc_overdispersion_estimate_matches_funnelplotr() -> None:
    """phi and tau² on the square-root scale, as the rate funnels estimate them."""
    by = pd.read_csv(REF / "funnelplotr/medpar_by_provider.csv", dtype={"provnum": str})
    for config, trim in (
        ("medpar_SR_CQC_lim99", 0.1),
        ("medpar_SR_CQC_trim0.05_lim95_mult100", 0.05),
    ):
        f = funnel.od_funnel(
            by.los, by.prds, by.provnum, data_type="SR", sr_method="CQC", trim_by=trim
        )
        assert f.phi == pytest.approx(CONFIGS.loc[config].phi, rel=1e-9)
        assert f.tau2 == pytest.approx(CONFIGS.loc[config].tau2, rel=1e-9)
