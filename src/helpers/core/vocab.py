"""Shared vocabulary: the organisation types, declared once.

Providers and commissioners are never compared with each other; :data:`PROVIDER_TYPES` and
:data:`COMMISSIONER_TYPES` say which is which.
"""

from __future__ import annotations

from typing import Literal

#: organisation type -> label shown on the pages (the order is the settings' documented order)
ORG_TYPE_LABELS: dict[str, str] = {
    "acute_trust": "Acute trust",
    "mental_health_trust": "Mental health trust",
    "community_trust": "Community trust",
    "mental_health_and_community_trust": "Mental health and community trust",
    "ambulance_trust": "Ambulance trust",
    "icb": "Integrated care board",
}
COMMISSIONER_TYPES: tuple[str, ...] = ("icb",)
PROVIDER_TYPES: tuple[str, ...] = tuple(t for t in ORG_TYPE_LABELS if t not in COMMISSIONER_TYPES)
OrgType = Literal[tuple(ORG_TYPE_LABELS)]  # type: ignore[valid-type]
