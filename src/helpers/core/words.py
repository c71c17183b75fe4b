"""Counting words in English, for every stage that writes a sentence: "1 metric", "3 metrics"
(never "metric(s)"), "an ICB", "a trust". The page wording itself is in
:mod:`helpers.publish.text`; these are the grammar it and the notebooks share."""

from __future__ import annotations

import re

__all__ = ["a_or_an", "plural", "plural_word"]

#: plurals that are not the word plus "s"
IRREGULAR = {
    "child": "children",
    "person": "people",
    "analysis": "analyses",
    "criterion": "criteria",
}


def plural_word(n: float, word: str, plural: str | None = None) -> str:
    """``word`` as it goes with the number ``n``: singular for exactly 1, else plural (``plural``
    when given, else the regular English form: +s, +es after s/x/z/ch/sh, -y -> -ies after a
    consonant; an acronym or a word ending in a capital takes a plain s: ICBs)."""
    if n == 1:
        return word
    if plural is not None:
        return plural
    if word.lower() in IRREGULAR:
        return IRREGULAR[word.lower()]
    if word[-1:].isupper() or word[-1:].isdigit():
        return word + "s"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def plural(n: float, word: str, plural: str | None = None) -> str:
    """The number and the word that goes with it: ``plural(1, "metric")`` -> "1 metric",
    ``plural(5, "metric")`` -> "5 metrics", ``plural(2, "ICB")`` -> "2 ICBs"; a whole number is
    written without decimals and with thousands separators."""
    number = f"{int(n):,}" if float(n).is_integer() else f"{n:,}"
    return f"{number} {plural_word(n, word, plural)}"


#: words starting with a vowel letter but a consonant sound, and the reverse
_CONSONANT_SOUND = re.compile(r"^(uni|use|usu|eu|one|once|ur[aeiou])", re.I)
_VOWEL_SOUND = re.compile(r"^(hour|honest|honour|heir)", re.I)
#: an initialism read letter by letter: "an ICB", "an NHS trust", "a UEC page"
_INITIALISM = re.compile(r"^[A-Z]{2,}\b")


def a_or_an(word: str) -> str:
    """The indefinite article for ``word`` (by sound, as far as spelling tells): "an ICB",
    "an NHS trust", "a trust", "an acute trust", "a university hospital", "an hour"."""
    w = word.strip()
    if not w:
        return "a"
    if _INITIALISM.match(w):
        return "an" if w[0] in "AEFHILMNORSX" else "a"
    if _VOWEL_SOUND.match(w):
        return "an"
    if _CONSONANT_SOUND.match(w):
        return "a"
    return "an" if w[0].lower() in "aeiou" else "a"
