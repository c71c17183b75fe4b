"""The settings of an assessment and the metric catalogue, as pydantic models.

Every model is frozen and forbids unknown keys, so a misspelt key is an error that names the
file and the key (:mod:`helpers.settings.load` formats the errors). The vocabulary comes from
one place each: organisation types from :mod:`helpers.core.vocab`, polarities from
:mod:`helpers.stats.compare`, statistics and interval methods from :mod:`helpers.methods`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from helpers.core.fy import check_fy, fy_start
from helpers.core.vocab import PROVIDER_TYPES, OrgType
from helpers.methods import CI_METHODS, STATISTICS, allowed_ci_methods
from helpers.stats.compare import Polarity

MAX_METRICS = 40  # the published cap on the public set of metrics

Statistic = Literal[STATISTICS]  # type: ignore[valid-type]
CiMethod = Literal[CI_METHODS]  # type: ignore[valid-type]


class ConfigError(ValueError):
    """A settings or catalogue file is invalid. The message names file, key and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(_Strict):
    """A numerator or denominator: a measure from one ingested source."""

    measure: str = Field(description="measure name produced by ingestion, e.g. 'within_4h'")
    description: str
    source: str | None = Field(
        None, description="another source for this quantity (default: the definition's)"
    )


class Definition(_Strict):
    """How the metric is built from one source, for a range of financial years."""

    source: str = Field(description="key of a source in the assessment settings")
    first_year: str
    last_year: str
    numerator: Quantity
    denominator: Quantity
    sum_of_squares: Quantity | None = Field(
        None,
        description="for means: the sum of squared observations, so that the standard deviation "
        "of any aggregate (a year, England) is exact; numerator = sum, denominator = count",
    )
    aggregate_to: Literal["organisation", "host_icb"] = Field(
        "organisation",
        description="host_icb: add up the providers' counts by the ICB that hosts them (an ICB "
        "system view of provider data; the metric is then a commissioner metric)",
    )
    note: str = ""

    _fy = field_validator("first_year", "last_year")(check_fy)

    @model_validator(mode="after")
    def _ordered(self) -> Definition:
        if fy_start(self.first_year) > fy_start(self.last_year):
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        return self

    def covers(self, fy: str) -> bool:
        return fy_start(self.first_year) <= fy_start(fy) <= fy_start(self.last_year)


class Target(_Strict):
    """A national standard or goal: met when the value is at least (or at most) ``value``."""

    value: float
    direction: Literal["at_least", "at_most"]
    label: str
    first_year: str | None = None
    last_year: str | None = None
    source: str = ""

    @field_validator("first_year", "last_year")
    @classmethod
    def _fy(cls, v: str | None) -> str | None:
        return None if v is None else check_fy(v)

    def applies_to(self, fy: str) -> bool:
        start = fy_start(fy)
        if self.first_year and start < fy_start(self.first_year):
            return False
        return not (self.last_year and start > fy_start(self.last_year))


class PlanSpec(_Strict):
    """How an organisation's own plan for a metric is read and judged.

    ``measure`` holds the planned monthly values (``plan_<id>`` from the plans file). ``on:
    value``: the plan is on the metric's own scale (e.g. a percentage); the planned value for a
    period is the plan weighted by the organisation's actual denominators, so it is comparable
    with the actual value and survives mergers. ``on: numerator``: the plan is a count or sum of
    the metric's numerator (e.g. people waiting over 52 weeks, surplus in £000). ``period:
    year`` compares the financial year as a whole, ``year_end`` its last month (March).
    """

    measure: str
    source: str = Field("plans", description="the source (settings key) that holds the plans")
    on: Literal["value", "numerator"] = "value"
    period: Literal["year", "year_end"] = "year"
    label: str = Field(description="what is planned, in plain words, e.g. '4-hour performance'")
    unit: str | None = Field(None, description="the unit of a numerator plan (default: metric's)")
    decimals: int | None = None


class MetricSpec(_Strict):
    """One metric of the catalogue."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    short_title: str
    objective: str = Field(description="the strategic objective the metric derives from")
    domain: Literal[
        "access",
        "effectiveness_and_experience",
        "patient_safety",
        "people_and_workforce",
        "finance_and_productivity",
        "population_health",
        "capacity",
    ]
    org_types: list[OrgType] = Field(min_length=1)
    statistic: Statistic
    multiplier: float = 1.0
    unit: str
    decimals: int = 1
    polarity: Polarity
    ci_method: CiMethod
    standard: Target | None = None
    goals: list[Target] = []
    definitions: list[Definition] = Field(min_length=1)
    min_months: int = Field(9, ge=1, le=12, description="months needed for a year's value")
    description: str
    caveats: list[str] = []
    plan: PlanSpec | None = Field(
        None, description="organisations submit their own plan for this metric (plans file)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> MetricSpec:
        kinds = {"provider" if t in PROVIDER_TYPES else "commissioner" for t in self.org_types}
        if len(kinds) > 1:
            raise ValueError(
                "org_types mixes provider and commissioner types; providers and commissioners "
                "are never compared with each other: define two metrics"
            )
        expected = allowed_ci_methods(self.statistic)
        if self.ci_method not in expected:
            raise ValueError(
                f"ci_method {self.ci_method!r} does not fit statistic {self.statistic!r} "
                f"(expected one of {expected})"
            )
        if self.statistic == "mean" and any(d.sum_of_squares is None for d in self.definitions):
            raise ValueError("a mean needs 'sum_of_squares' in every definition (for its CI)")
        years = sorted((fy_start(d.first_year), fy_start(d.last_year)) for d in self.definitions)
        for (_, end), (start, _) in zip(years, years[1:], strict=False):
            if start <= end:
                raise ValueError("definitions overlap in financial years")
        return self

    def definition_for(self, fy: str) -> Definition | None:
        for d in self.definitions:
            if d.covers(fy):
                return d
        return None

    def goals_for(self, fy: str) -> list[Target]:
        return [g for g in self.goals if g.applies_to(fy)]


class Catalogue(_Strict):
    """The metric catalogue: the public set of metrics, derived from strategic objectives."""

    version: str
    objectives: dict[str, str] = Field(description="strategic objective -> plain-English aim")
    metrics: list[MetricSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        ids = [m.id for m in self.metrics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate metric ids: {dupes}")
        unknown = sorted({m.objective for m in self.metrics} - set(self.objectives))
        if unknown:
            raise ValueError(f"metrics name objectives not listed under 'objectives': {unknown}")
        return self

    def get(self, metric_id: str) -> MetricSpec:
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)


class Source(_Strict):
    """An input file and the reader that ingests it."""

    path: str
    reader: str = Field(description="name of a reader in helpers.ingest.readers.READERS")
    title: str
    publisher: str
    licence: str = "Open Government Licence v3.0"
    url: str = ""
    options: dict[str, Any] = {}


class KnownGap(_Strict):
    """Organisations known not to report a metric, with the reason shown on their pages."""

    org_codes: list[str] = Field(min_length=1)
    metrics: list[str] = Field(min_length=1)
    reason: str


class SyntheticData(_Strict):
    """The assessment runs on a generated SYNTHETIC England (``assess demo-data``)."""

    scale: Literal["small", "england"] = "small"
    seed: int = 2026
    out: str = Field(description="folder of the generated files, relative to the project")


class AssessmentSettings(_Strict):
    """One assessment run: what to assess, from which files, with which metrics."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    short_title: str
    summary: str
    org_type: OrgType = Field(description="the peer group assessed")
    catalogue: str = Field(description="path of the metric catalogue, relative to the project")
    metrics: list[str] | None = Field(None, description="subset of catalogue ids; default all")
    financial_years: list[str] = Field(min_length=1)
    sources: dict[str, Source]
    reference: dict[str, Source]
    org_codes: list[str] | None = Field(
        None, description="publish pages for these organisations only (benchmarks use all)"
    )
    known_gaps: list[KnownGap] = []
    max_rejected_rows: int = Field(0, ge=0, description="invalid rows tolerated before failing")
    seed: int = 20260401
    synthetic: SyntheticData | None = Field(
        None, description="generate this synthetic data set first when it is missing"
    )

    @field_validator("financial_years")
    @classmethod
    def _fys(cls, v: list[str]) -> list[str]:
        return [check_fy(x) for x in v]


class LoadedAssessment(BaseModel):
    """Validated settings with the catalogue resolved and the metrics selected."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: AssessmentSettings
    catalogue: Catalogue
    metrics: list[MetricSpec]
    settings_path: Path
    root: Path
    settings_files: list[Path] = Field(
        default_factory=list, description="the settings file and the files it extends"
    )

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()
