"""A metric catalogue entry for the unit tests (compare, assess, publish), with only what a test
varies: one builder instead of one per test folder. ``tests/support`` is on pytest's path
(``pythonpath`` in pyproject.toml)."""

from __future__ import annotations

from typing import Any

from helpers.settings import MetricSpec


def metric_spec(
    metric_id: str,
    statistic: str = "proportion",
    ci: str = "wilson",
    *,
    polarity: str = "higher_is_better",
    multiplier: float = 100.0,
    unit: str = "%",
    years: tuple[str, str] = ("2024/25", "2024/25"),
    min_months: int = 9,
    plan: dict[str, Any] | None = None,
    scoring: dict[str, Any] | None = None,
    standard: dict[str, Any] | None = None,
    org_types: tuple[str, ...] = ("acute_trust",),
) -> MetricSpec:
    definition: dict[str, Any] = {
        "first_year": years[0],
        "last_year": years[1],
        "source": "s",
        "numerator": {"measure": "n", "description": "n"},
        "denominator": {"measure": "d", "description": "d"},
    }
    if statistic == "mean":
        definition["sum_of_squares"] = {"measure": "ss", "description": "ss"}
    return MetricSpec.model_validate(
        {
            "id": metric_id,
            "title": metric_id,
            "short_title": metric_id,
            "objective": "x",
            "domain": "access",
            "org_types": list(org_types),
            "statistic": statistic,
            "multiplier": multiplier,
            "unit": unit,
            "polarity": polarity,
            "ci_method": ci,
            "definitions": [definition],
            "min_months": min_months,
            "description": "x",
            **({"plan": plan} if plan else {}),
            **({"scoring": scoring} if scoring else {}),
            **({"standard": standard} if standard else {}),
        }
    )
