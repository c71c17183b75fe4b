"""NHS England's SHMI control limits and banding, reproduced from observed and expected deaths.

Reads NHS England's published trust-level file (Feb 2025 – Jan 2026, 118 trusts) and compares our
limits (:mod:`helpers.stats.shmi`) with its ``PO_LL``/``PO_UL``/``OD_LL``/``OD_UL`` and
``SHMI_BANDING``. What is exact and what is documented:

* the banding: all 118 exactly, from the counts alone or through the published SHMI;
* the limits: NHS England computed them from the unrounded counts and publishes ``OBSERVED``
  and ``EXPECTED`` rounded to the nearest 5. Each Poisson limit is asserted to lie within the
  range ours takes over E ± 2.5 (118 of 118 for both); the overdispersion-adjusted limits also
  depend on τ², estimated from the rounded counts: ours is asserted within 0.05% of the interval
  of τ² that fits NHS England's limits, and with a τ² in that interval every published OD limit
  lies within the E ± 2.5 range. Every limit is within 0.00025 of NHS England's; how many agree
  to the 4th decimal is asserted as a floor and written, with each difference's reason, into
  ``results/shmi.csv`` (:func:`helpers.assess.shmi.shmi_reproduction`).
* the method was found, not assumed: the tests below show that other levels and transforms do
  not fit the published limits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.assess.shmi import shmi_card_line, shmi_reproduction
from helpers.ingest.readers.nhse_shmi import read_shmi_trust_level
from helpers.stats.funnel import FUNNELPLOTR_Z95
from helpers.stats.shmi import (
    AS_EXPECTED,
    HIGHER,
    LOWER,
    implied_tau2,
    shmi_banding,
    shmi_limit_span,
    shmi_limits,
    shmi_limits_at,
)

SHMI_FILE = "data/raw/shmi_trust_level_feb2025_jan2026.csv"
LIMITS = ("po_ll", "po_ul", "od_ll", "od_ul")


@pytest.fixture(scope="module")
def published(root) -> pd.DataFrame:
    return read_shmi_trust_level(root / SHMI_FILE)


@pytest.fixture(scope="module")
def ours(published):
    return shmi_limits(published.observed, published.expected, ratio=published.shmi)


def _within_span(published: pd.DataFrame, span: pd.DataFrame, c: str) -> np.ndarray:
    return (
        (published[c] >= span[f"{c}_min"].round(4)) & (published[c] <= span[f"{c}_max"].round(4))
    ).to_numpy()


def test_the_published_file_is_read_whole(published):
    assert len(published) == 118
    assert published.org_code.is_unique
    # the counts are published rounded to the nearest 5 (why the limits differ in the 4th dp)
    assert (published[["observed", "expected", "spells"]] % 5 == 0).all().all()


def test_bandings_agree_for_every_trust(published, ours):
    assert (ours.table.banding.to_numpy() == published.banding.to_numpy()).all()
    counts_only = shmi_limits(published.observed, published.expected)
    assert (counts_only.table.banding.to_numpy() == published.banding.to_numpy()).all()
    # all three bandings occur, so the test can fail both ways
    assert set(published.banding) == {HIGHER, AS_EXPECTED, LOWER}


def test_poisson_limits_within_the_rounding_of_the_expected_count(published, ours):
    span = shmi_limit_span(published.expected, ours.tau2)
    for c in ("po_ll", "po_ul"):
        assert _within_span(published, span, c).all(), c
        assert np.abs(ours.table[c] - published[c]).max() < 0.00025, c
    agree = {c: int((ours.table[c].round(4) == published[c]).sum()) for c in ("po_ll", "po_ul")}
    assert agree["po_ll"] >= 81 and agree["po_ul"] >= 86, agree


def test_overdispersion_tau2_and_limits(published, ours):
    lo, hi = implied_tau2(published.expected, published.od_ll, published.od_ul)
    assert lo <= hi  # one τ² fits all 236 published OD limits
    assert ours.kept == 96  # 11 truncated at each end of 118
    assert lo * (1 - 5e-4) <= ours.tau2 <= hi * (1 + 5e-4)
    for c in ("od_ll", "od_ul"):
        assert np.abs(ours.table[c] - published[c]).max() < 0.0001, c
    agree = {c: int((ours.table[c].round(4) == published[c]).sum()) for c in ("od_ll", "od_ul")}
    assert agree["od_ll"] >= 94 and agree["od_ul"] >= 92, agree
    # with NHS England's τ², every remaining difference is the rounding of the expected count
    span = shmi_limit_span(published.expected, (lo + hi) / 2)
    for c in ("od_ll", "od_ul"):
        assert _within_span(published, span, c).all(), c


def test_the_method_was_found_not_assumed(published):
    e = published.expected.to_numpy()
    # OD: symmetric on the log scale at 95% fits one τ² for every trust; at 99.8% it cannot
    log_lo, log_hi = np.log(published.od_ll), np.log(published.od_ul)
    np.testing.assert_allclose(-log_lo, log_hi, atol=2e-4)
    z998 = stats.norm.ppf(0.999)
    t998 = (log_hi / z998) ** 2 - 1 / e
    assert t998.max() - t998.min() > 5e-4
    # PO: symmetric normal limits (log or square-root scale, 99.8%) miss by far more than the
    # rounding; the exact Poisson limits do not
    z = z998
    for lower, upper in (
        (np.exp(-z / np.sqrt(e)), np.exp(z / np.sqrt(e))),
        ((1 - z / 2 / np.sqrt(e)) ** 2, (1 + z / 2 / np.sqrt(e)) ** 2),
    ):
        miss = max(np.abs(lower - published.po_ll).max(), np.abs(upper - published.po_ul).max())
        assert miss > 0.0008
    exact = shmi_limits_at(e, 0.0)
    assert np.abs(exact.po_ul - published.po_ul).max() < 0.00025
    # 95% Poisson limits are far off
    lo95 = stats.chi2.ppf(0.025, 2 * e) / 2 / e
    assert np.abs(lo95 - published.po_ll).min() > 0.01


def test_banding_rule_at_the_limits():
    band = shmi_banding([1.2, 1.1, 0.8, 0.85, np.nan], [0.85] * 5, [1.1] * 5)
    assert band.tolist() == [HIGHER, AS_EXPECTED, LOWER, AS_EXPECTED, 0]


def test_limits_are_symmetric_in_log_and_reuse_funnelplotr_z():
    lim = shmi_limits_at([1000.0], 0.006)
    sd = np.sqrt(1 / 1000 + 0.006)
    assert lim.od_ul[0] == pytest.approx(np.exp(FUNNELPLOTR_Z95 * sd))
    assert lim.od_ll[0] * lim.od_ul[0] == pytest.approx(1.0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same length"):
        shmi_limits([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="above 0"):
        shmi_limits([0, 5, 6], [4, 5, 6])


def test_reproduction_table_explains_every_difference(published):
    table, summary = shmi_reproduction(published, "Feb 2025 – Jan 2026")
    assert summary["bandings_agree"] == 118
    assert table.org_code.is_monotonic_increasing
    for c in LIMITS:
        differs = ~table[f"{c}_agree"]
        assert table.loc[differs, "note"].str.contains(c.upper()).all(), c
        assert summary[f"{c}_agree_4dp"] == int((~differs).sum())
    # every difference is explained: each part of a note (one per limit) ends by showing that
    # the rounding of the published counts (and, for OD, NHS England's τ²) gives its value
    parts = [p for n in table.note[table.note != ""] for p in n.split(" | ")]
    assert len(parts) == sum(int((~table[f"{c}_agree"]).sum()) for c in LIMITS)
    assert all(p.endswith("which includes NHS England's") for p in parts)
    row = table[table.org_code == "RCF"].iloc[0]  # Airedale: SHMI 0.9396, banding 2
    assert shmi_card_line(row) == (
        "SHMI 0.94 (Feb 2025 – Jan 2026): as expected, NHS England's banding"
    )
