"""Every count of better, similar and worse names the test behind it (helpers.publish.text);
context metrics say they are not judged instead of counting nothing."""

from __future__ import annotations

from spec_support import metric_spec

from helpers.publish.text import (
    CONTEXT_TEXT,
    comparison_split,
    counts_sentence,
    judged_by_words,
    org_counts_sentence,
)

JUDGED = metric_spec("ae", polarity="higher_is_better")
CONTEXT = metric_spec("imd", "ratio", "none", polarity="no_judgement", multiplier=1.0, unit="")
CONTEXT_CI = metric_spec("conv", polarity="no_judgement")
FUNNEL = "allowing for the variation between trusts (overdispersed funnel, 95%)"
OWN = "by each trust's own 95% confidence interval (chance alone)"


def test_a_judged_metric_names_its_test() -> None:
    counts = {"better": 9, "similar": 110, "worse": 5, "not_compared": 5}
    split = comparison_split(JUDGED, counts, {"overdispersed_funnel_95": 124, "": 5}, "acute_trust")
    assert split == f"9 better, 110 similar, 5 worse than England, judged {FUNNEL}"
    plain = comparison_split(JUDGED, counts, {"ci_95": 124}, "acute_trust")
    assert plain.endswith(f"judged {OWN}")
    icb = comparison_split(JUDGED, counts, {"ci_95": 42}, "icb")
    assert "each ICB's own 95% confidence interval" in icb


def test_a_context_metric_is_not_judged_instead_of_counting_zeros() -> None:
    """Deprivation in the ICB assessment: no interval, so nothing is compared. It said
    "0 higher, 0 similar, 0 lower than England"."""
    split = comparison_split(CONTEXT, {"not_compared": 42}, {"": 42}, "icb")
    assert split == CONTEXT_TEXT == "context, not judged"
    assert "0 higher" not in split
    sentence = counts_sentence(CONTEXT, {"not_compared": 42}, {"not_compared": 42}, {"": 42}, "icb")
    assert "context, not judged" in sentence and "0 higher" not in sentence
    # a context metric with an interval is compared (higher or lower), never judged
    split = comparison_split(
        CONTEXT_CI, {"higher": 12, "similar": 100, "lower": 8}, {"ci_95": 120}, "acute_trust"
    )
    assert split.startswith("context, not judged: 12 higher, 100 similar, 8 lower than England")
    assert OWN in split and "better" not in split


def test_mixed_tests_are_each_named_with_how_many_used_them() -> None:
    phrase = judged_by_words({"overdispersed_funnel_95": 40, "ci_95": 2, "": 1}, "icb")
    assert phrase == (
        "allowing for the variation between ICBs (overdispersed funnel, 95%) for 40 ICBs and "
        "by each ICB's own 95% confidence interval (chance alone) for 2 ICBs"
    )
    assert judged_by_words({"": 5}, "icb") == ""


def test_the_metric_page_sets_the_plain_test_beside_the_headline() -> None:
    counts = {"better": 9, "similar": 110, "worse": 5}
    plain = {"better": 55, "similar": 10, "worse": 59}
    text = counts_sentence(JUDGED, counts, plain, {"overdispersed_funnel_95": 124}, "acute_trust")
    assert text.startswith(f"9 were better than England, 110 similar and 5 worse, judged {FUNNEL}.")
    assert (
        "own 95% confidence interval alone (chance only), 55 were better, 10 similar and 59" in text
    )
    # the plain test is not repeated when it is the headline
    same = counts_sentence(JUDGED, plain, plain, {"ci_95": 124}, "acute_trust")
    assert same.count("55 were better") == 1 and same.endswith(f"judged {OWN}.")


def test_a_report_card_counts_judged_metrics_only_and_names_each_test() -> None:
    latest = [
        (JUDGED, {"headline": "better", "test": "overdispersed_funnel_95"}),
        (metric_spec("b"), {"headline": "worse", "test": "overdispersed_funnel_95"}),
        (metric_spec("c"), {"headline": "similar", "test": "ci_95"}),
        (CONTEXT, {"headline": "not_compared", "test": ""}),
    ]
    text = org_counts_sentence(latest, "acute_trust")
    assert text.startswith(
        "In the latest year of each metric, this trust was better than England on 1 metric and "
        "worse on 1 of the 3 judged here, allowing for the variation between trusts "
        "(overdispersed funnel, 95%) for 2 metrics and by each trust's own 95% confidence "
        "interval (chance alone) for 1 metric."
    )
    assert text.endswith("1 metric shown for context, not judged.")
    assert "(s)" not in text
