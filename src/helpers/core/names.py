"""The one rule for casing organisation and place names given in capitals (ODS files, NHS
England's extracts): ``'THE QUEEN ELIZABETH HOSPITAL, KING'S LYNN, NHS FOUNDATION TRUST'`` ->
``"The Queen Elizabeth Hospital, King's Lynn, NHS Foundation Trust"``.

* Each word is capitalised whatever follows it (a comma, a bracket, a full stop): ``WIGAN,``
  -> ``Wigan,``.
* Acronyms stay in capitals (``NHS``, ``ICB``, ``UK``, Roman numerals); a word with a full stop
  between letters is a set of initials (``W.H.``).
* Joining words are lower case inside a name but not at its start: ``and``, ``of``, ``the``,
  ``for``, ``upon`` ... (``Barts and the London``, ``Newcastle upon Tyne``, ``The Christie``);
  the same inside a hyphenated place name (``Stoke-on-Trent``, ``Chester-le-Street``), whose
  other parts are capitalised.
* Apostrophes: the possessive stays lower case (``King's``, ``Guy's``, ``St Thomas'``); a
  one-letter prefix is an Irish or French name (``O'Neill``, ``D'Arcy``).
* ``St`` and ``St.``; ``Mc`` names (``McDonald``); ``Mac`` names are left alone beyond the first
  capital (``Macmillan``: ``MacDonald`` cannot be told from ``Machynlleth``).
* Welsh and Gaelic: the article ``y``/``yr`` and Gaelic ``na``/``nan`` inside a name are lower
  case (``Ysbyty Ystrad Fawr``, ``Ynys Môn``, ``Na h-Eileanan Siar``: the Gaelic ``h-``, ``t-``
  and ``n-`` prefixes stay lower case), and letters with accents are cased as any other.

A name already in mixed case (``NHS Greater Manchester Integrated Care Board``) is left as it
is: the rule is for names given in capitals.
"""

from __future__ import annotations

import re

__all__ = ["name_case"]

ACRONYMS = frozenset({"NHS", "ICB", "ICS", "CCG", "UK", "GP", "CIC", "II", "III", "IV"})
#: lower case anywhere but the first word of a name
JOINING_WORDS = frozenset("and of the for in on at to upon under with y yr na nan".split())
#: lower case inside a hyphenated place name (Stoke-on-Trent, Chester-le-Street, Weston-super-Mare)
PLACE_PARTICLES = frozenset({"on", "upon", "under", "le", "la", "super", "by", "in", "the", "en"})
_GAELIC_PREFIXES = frozenset({"h", "t", "n"})

_WORD = re.compile(r"[^\W\d_]+(?:[.'’][^\W\d_]+)*[.'’]?|\d+[^\W\d_]*", re.UNICODE)


def _word(w: str, first: bool) -> str:
    """One word (letters, with inner apostrophes or full stops) of a name in capitals."""
    plain = w.rstrip(".'’")
    if plain.upper() in ACRONYMS:
        return plain.upper() + w[len(plain) :]
    if "." in plain:  # initials: W.H.
        return w.upper()
    low = w.lower()
    if not first and low in JOINING_WORDS:
        return low
    if w[:1].isdigit():  # 2GETHER -> 2gether
        return low
    for mark in "'’":
        if mark in plain:
            head, _, tail = w.partition(mark)
            if len(head) == 1:  # O'NEILL -> O'Neill
                return head.upper() + mark + tail[:1].upper() + tail[1:].lower()
            return head[:1].upper() + head[1:].lower() + mark + tail.lower()  # KING'S -> King's
    if low.startswith("mc") and len(low) > 3:  # MCDONALD -> McDonald
        return "Mc" + low[2].upper() + low[3:]
    return low[:1].upper() + low[1:]


def _hyphenated(part: str, first: bool) -> str:
    """A hyphenated word: Stoke-on-Trent, Na h-Eileanan; each part cased, particles inside lower."""
    pieces = part.split("-")
    out = []
    for i, piece in enumerate(pieces):
        low = piece.lower()
        if i < len(pieces) - 1 and low in _GAELIC_PREFIXES and len(pieces) == 2:
            out.append(low)  # Gaelic h-, t-, n-
        elif 0 < i < len(pieces) - 1 and low in PLACE_PARTICLES:
            out.append(low)
        else:
            out.append(_cased_words(piece, first and i == 0))
    return "-".join(out)


def _cased_words(text: str, first: bool) -> str:
    pos, out = 0, []
    for m in _WORD.finditer(text):
        out.append(text[pos : m.start()])
        out.append(_word(m.group(0), first and not "".join(out).strip()))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def name_case(name: str) -> str:
    """A name given in capitals, cased as it is written (see the module's rules); a name that
    already has lower-case letters, or is not text, is returned unchanged."""
    if not isinstance(name, str) or not name.strip() or any(c.islower() for c in name):
        return name
    text = re.sub(r"\s+", " ", name.strip())
    out = []
    for i, token in enumerate(text.split(" ")):
        out.append(_hyphenated(token, i == 0) if "-" in token else _cased_words(token, i == 0))
    return " ".join(out)
