"""Fictional names and codes: places, organisation names and codes that never collide with real
ones (trust codes ``Z`` + two characters, ICB codes ``QZ``/``QQ`` + a letter, region codes
``Y9`` + a digit)."""

from __future__ import annotations

import numpy as np

REGION_NAMES = [
    "Northern Fells",
    "Western Marches",
    "Central Vales",
    "Eastern Fenlands",
    "Capital Reach",
    "Southern Downs",
    "Far Westlands",
]
_SYL1 = [
    "Ash",
    "Brack",
    "Cal",
    "Dun",
    "Elm",
    "Fen",
    "Gar",
    "Hol",
    "Kel",
    "Lar",
    "Mar",
    "Oak",
    "Pen",
    "Quen",
    "Ros",
    "Thorn",
    "Ulls",
    "Ver",
    "Wen",
    "Yar",
    "Brin",
    "Cor",
    "Dal",
    "Fal",
    "Gil",
    "Kest",
    "Lin",
    "Mel",
    "Orr",
    "Pil",
    "Rav",
    "Stan",
    "Ald",
    "Bel",
    "Cran",
    "Eld",
    "Fox",
    "Hazel",
    "Ivel",
    "Lox",
    "Nett",
    "Pell",
    "Rook",
    "Sedge",
    "Tarn",
    "Whin",
]
_SYL2 = [
    "bourne",
    "mere",
    "wick",
    "stow",
    "combe",
    "thwaite",
    "hurst",
    "leigh",
    "wold",
    "brook",
    "dale",
    "holt",
    "croft",
    "marsh",
    "ridge",
    "cote",
    "garth",
    "ham",
    "by",
    "well",
]
_WORD3 = ["", "", "", " Vale", " Moor", " Heath", " Downs", " Water", " Fields", " Cross"]
_ACUTE_PATTERNS = [
    "{p} Hospitals NHS Foundation Trust",
    "{p} University Hospitals NHS Trust",
    "{p} Healthcare NHS Trust",
    "{p} General Hospital NHS Foundation Trust",
    "{p} and District Hospitals NHS Trust",
]
_SPECIALIST_PATTERNS = [
    "{p} Heart and Lung NHS Foundation Trust",
    "{p} Children's Hospital NHS Foundation Trust",
    "{p} Orthopaedic Hospital NHS Foundation Trust",
    "{p} Eye Hospital NHS Foundation Trust",
    "{p} Cancer Centre NHS Foundation Trust",
]
_MH_PATTERNS = [
    "{p} Partnership NHS Foundation Trust",
    "{p} Mental Health NHS Foundation Trust",
    "{p} Care NHS Trust",
]
_COMMUNITY_PATTERNS = [
    "{p} Community Healthcare NHS Trust",
    "{p} Community Health Services NHS Trust",
]
#: organisation subtype -> name patterns (ambulance trusts have one fixed pattern)
_NAME_PATTERNS = {
    "general": _ACUTE_PATTERNS,
    "specialist": _SPECIALIST_PATTERNS,
    "mental_health": _MH_PATTERNS,
    "community": _COMMUNITY_PATTERNS,
}


def place_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct invented place names."""
    combos = [a + b for a in _SYL1 for b in _SYL2]
    order = rng.permutation(len(combos))
    words = rng.integers(0, len(_WORD3), size=len(combos))
    out: list[str] = []
    for i in order[:n]:
        out.append(combos[i] + _WORD3[words[i]])
    return out


def trust_codes(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct trust codes: ``Z`` + two characters, not both digits."""
    chars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    codes = [f"Z{a}{b}" for a in chars for b in chars if not (a.isdigit() and b.isdigit())]
    return [codes[i] for i in rng.permutation(len(codes))[:n]]


def icb_codes(n: int) -> list[str]:
    """The first ``n`` ICB codes (``QZA``, ``QZB``, ... then ``QQA``, ...)."""
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    codes = [f"QZ{c}" for c in letters] + [f"QQ{c}" for c in letters]
    return codes[:n]


def trust_name(rng: np.random.Generator, subtype: str, place: str) -> str:
    """A trust name for ``place`` (one draw from ``rng`` unless an ambulance trust)."""
    pat = _NAME_PATTERNS.get(subtype)
    if pat is None:
        return f"{place} Ambulance Service NHS Trust"
    return pat[int(rng.integers(0, len(pat)))].format(p=place)


def region_name(i: int) -> str:
    return f"NHS {REGION_NAMES[i]} Region"
