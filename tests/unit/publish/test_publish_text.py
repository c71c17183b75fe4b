"""Words and number formats (helpers.publish.text, helpers.core.words): counts with the right
singular or plural, a/an, no negative zero, and changes in words with no signed number."""

from __future__ import annotations

import math

import pytest

from helpers.core.words import a_or_an, plural, plural_word
from helpers.publish.text import change_range_words, change_words, fixed, fmt, fmt_ci
from helpers.settings import MetricSpec


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [
        (1, "metric", "1 metric"),
        (0, "metric", "0 metrics"),
        (5, "metric", "5 metrics"),
        (1, "trust", "1 trust"),
        (2, "plan", "2 plans"),
        (12, "month", "12 months"),
        (3, "ICB", "3 ICBs"),
        (2, "process", "2 processes"),
        (2, "priority", "2 priorities"),
        (2, "day", "2 days"),
        (2, "local priority metric", "2 local priority metrics"),
        (1_234, "row", "1,234 rows"),
        (2, "person", "2 people"),
    ],
)
def test_plural(n, word, expected) -> None:
    assert plural(n, word) == expected


def test_plural_word_and_an_explicit_plural() -> None:
    assert plural_word(1, "measure") == "measure" and plural_word(4, "measure") == "measures"
    assert plural(2, "cohort", "cohorts of trusts") == "2 cohorts of trusts"


@pytest.mark.parametrize(
    ("word", "article"),
    [
        ("ICB", "an"),
        ("NHS trust", "an"),
        ("trust", "a"),
        ("acute trust", "an"),
        ("integrated care board", "an"),
        ("university hospital", "a"),
        ("hour", "an"),
        ("UEC page", "a"),
        ("one", "a"),
    ],
)
def test_a_or_an(word, article) -> None:
    assert a_or_an(word) == article


def test_no_negative_zero_in_any_formatted_number() -> None:
    spec = MetricSpec.model_construct(decimals=2, unit="%")
    assert fixed(-0.001, 2) == "0.00" and fixed(-0.0, 1) == "0.0"
    assert fixed(-0.004, 2, signed=True) == "0.00" and fixed(0.2, 2, signed=True) == "+0.20"
    assert fixed(-0.19, 2, signed=True) == "-0.19"
    assert fmt(-0.0001, spec) == "0.00%" and fmt(math.nan, spec) == "n/a"
    assert fmt_ci(-0.001, 0.09, spec) == "0.00 to 0.09"


def test_a_change_in_words_with_its_direction_from_the_polarity() -> None:
    """ "changed by -0.19 (lower is better): more than chance" read as a worsening."""
    assert change_words(-0.19) == "improved by 0.19"  # an average score: lower is better
    assert change_words(0.05) == "worsened by 0.05"
    assert change_words(-0.001) == "did not change"
    assert change_words(0.19, lower_is_better=False) == "improved by 0.19"
    assert change_words(math.nan) == ""
    assert change_range_words(-0.3, 0.47) == "from 0.30 better to 0.47 worse"
    assert change_range_words(-0.4, -0.1) == "from 0.40 better to 0.10 better"
    assert change_range_words(-0.001, 0.47) == "from no change to 0.47 worse"
    assert change_range_words(2.0, 5.0, 1, lower_is_better=False) == "from 5.0 better to 2.0 better"


def test_a_subtype_is_words_never_a_code() -> None:
    """ "Report card: ZPW · mental_health" showed the synthetic subtype's code."""
    from helpers.publish.text import subtype_words

    assert subtype_words("mental_health") == "Mental health trust"
    assert subtype_words("icb") == "Integrated care board"
    assert subtype_words("specialist") == "Specialist acute trust"
    assert subtype_words("Acute - Teaching") == "Acute - Teaching"  # NHS England's own words
    assert subtype_words("learning_disability") == "Learning disability"
    assert subtype_words("") == "" and subtype_words(None) == ""
