"""The one rule for casing names given in capitals (helpers.core.names), on every trust name of
the real ODS file the real assessments read (data/raw/ods_etr_nhs_trusts.csv), on the NHS
England extract and on the Welsh, Gaelic and surname cases that real files can carry."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.core.names import ACRONYMS, JOINING_WORDS, name_case
from helpers.core.paths import project_root

ODS = project_root() / "data/raw/ods_etr_nhs_trusts.csv"
NOF = project_root() / "data/raw/nof_2025_26_q3_trust_segmentation_extract.csv"

TRICKY = {  # from the real files; the first two were "WRIGHTINGTON, Wigan and Leigh" etc.
    "WRIGHTINGTON, WIGAN AND LEIGH NHS FOUNDATION TRUST": (
        "Wrightington, Wigan and Leigh NHS Foundation Trust"
    ),
    "THE QUEEN ELIZABETH HOSPITAL, KING'S LYNN, NHS FOUNDATION TRUST": (
        "The Queen Elizabeth Hospital, King's Lynn, NHS Foundation Trust"
    ),
    "BARKING, HAVERING AND REDBRIDGE UNIVERSITY HOSPITALS NHS TRUST": (
        "Barking, Havering and Redbridge University Hospitals NHS Trust"
    ),
    "CUMBRIA, NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST": (
        "Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust"
    ),
    "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST": "Guy's and St Thomas' NHS Foundation Trust",
    "BIRMINGHAM WOMEN'S AND CHILDREN'S NHS FOUNDATION TRUST": (
        "Birmingham Women's and Children's NHS Foundation Trust"
    ),
    "THE NEWCASTLE UPON TYNE HOSPITALS NHS FOUNDATION TRUST": (
        "The Newcastle upon Tyne Hospitals NHS Foundation Trust"
    ),
    "ISLE OF WIGHT NHS TRUST": "Isle of Wight NHS Trust",
    "GREAT ORMOND STREET HOSPITAL FOR CHILDREN NHS FOUNDATION TRUST": (
        "Great Ormond Street Hospital for Children NHS Foundation Trust"
    ),
    "BARTS AND THE LONDON NHS TRUST": "Barts and the London NHS Trust",
    "ROYAL BROMPTON & HAREFIELD NHS FOUNDATION TRUST": (
        "Royal Brompton & Harefield NHS Foundation Trust"
    ),
    "KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST": "King's College Hospital NHS Foundation Trust",
    "STAFFORDSHIRE AND STOKE ON TRENT PARTNERSHIP NHS TRUST": (
        "Staffordshire and Stoke on Trent Partnership NHS Trust"
    ),
    "WELSH AMBULANCE SERVICES NHS TRUST": "Welsh Ambulance Services NHS Trust",
    "MID AND SOUTH ESSEX NHS FOUNDATION TRUST": "Mid and South Essex NHS Foundation Trust",
}


def _ods_names() -> pd.Series:
    return pd.read_csv(ODS, dtype=str).org_name


def test_the_tricky_real_names_come_out_as_they_are_written() -> None:
    names = set(_ods_names())
    assert set(TRICKY) <= names, "the tricky names are real ODS names"
    for raw, cased in TRICKY.items():
        assert name_case(raw) == cased


@pytest.mark.parametrize("source", [ODS, NOF], ids=["ods", "nof_extract"])
def test_every_real_trust_name_changes_only_in_case_and_reads_as_a_name(source) -> None:
    """No word left in capitals but an acronym, every other word capitalised but the joining
    words inside a name, and nothing but the case changed."""
    for raw in pd.read_csv(source, dtype=str).org_name:
        cased = name_case(raw)
        assert cased.upper() == re.sub(r"\s+", " ", raw.strip()).upper(), raw
        words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", cased)
        for i, w in enumerate(words):
            if w.upper() in ACRONYMS:
                assert w == w.upper(), (raw, cased)
            elif i > 0 and w.lower() in JOINING_WORDS:
                assert w == w.lower(), (raw, cased)
            else:
                assert w[0].isupper() and not w[1:].replace("'", "").isupper(), (raw, cased)


@pytest.mark.parametrize(
    ("raw", "cased"),
    [
        ("STOKE-ON-TRENT", "Stoke-on-Trent"),
        ("CHESTER-LE-STREET COMMUNITY HOSPITAL", "Chester-le-Street Community Hospital"),
        ("ASHTON-UNDER-LYNE", "Ashton-under-Lyne"),
        ("ST. HELENS AND KNOWSLEY", "St. Helens and Knowsley"),
        ("O'NEILL D'ARCY", "O'Neill D'Arcy"),
        ("MCDONALD HOUSE", "McDonald House"),
        ("MACMILLAN UNIT", "Macmillan Unit"),
        ("W.H. SMITH (UK) LTD", "W.H. Smith (UK) Ltd"),
        ("2GETHER NHS FOUNDATION TRUST", "2gether NHS Foundation Trust"),
        ("YSBYTY YSTRAD FAWR", "Ysbyty Ystrad Fawr"),
        ("YNYS MÔN", "Ynys Môn"),
        ("YSBYTY Y WAUN", "Ysbyty y Waun"),
        ("NA H-EILEANAN SIAR", "Na h-Eileanan Siar"),
        ("THE CHRISTIE NHS FOUNDATION TRUST", "The Christie NHS Foundation Trust"),
        ("NHS GREATER MANCHESTER ICB", "NHS Greater Manchester ICB"),
        ("  BOLTON   NHS FOUNDATION TRUST ", "Bolton NHS Foundation Trust"),
    ],
)
def test_place_names_initials_and_surnames(raw: str, cased: str) -> None:
    assert name_case(raw) == cased


def test_a_name_already_in_mixed_case_or_not_text_is_left_alone() -> None:
    for name in ("NHS Greater Manchester Integrated Care Board", "McKenzie", "", None):
        assert name_case(name) == name  # type: ignore[arg-type]
