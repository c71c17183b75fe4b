"""Assessment settings and the metric catalogue, validated with pydantic.

One YAML file per assessment lives in ``config/assessments/``; it names a metric catalogue in
``config/metrics/``. Both are validated here once, with errors that name the file, the key and
the reason, so that an analyst editing next year's settings sees exactly what is wrong.

A settings file may start from another with ``extends: <path relative to this file>``: mappings
are merged key by key (``helpers.site.deep_merge``), anything else (lists, strings, numbers) is
replaced by the extending file.
``{synthetic}`` in a source's path or options stands for ``synthetic.out``, so one set of sources
serves the small and the England-scale synthetic data.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from helpers.paths import project_root
from helpers.site import deep_merge, swap_into_place

MAX_METRICS = 40  # the published cap on the public set of metrics

# Organisation types. Providers and commissioners are never compared with each other.
PROVIDER_TYPES = (
    "acute_trust",
    "mental_health_trust",
    "community_trust",
    "mental_health_and_community_trust",
    "ambulance_trust",
)
COMMISSIONER_TYPES = ("icb",)
OrgType = Literal[
    "acute_trust",
    "mental_health_trust",
    "community_trust",
    "mental_health_and_community_trust",
    "ambulance_trust",
    "icb",
]
ORG_TYPE_LABELS: dict[str, str] = {
    "acute_trust": "Acute trust",
    "mental_health_trust": "Mental health trust",
    "community_trust": "Community trust",
    "mental_health_and_community_trust": "Mental health and community trust",
    "ambulance_trust": "Ambulance trust",
    "icb": "Integrated care board",
}

Polarity = Literal["higher_is_better", "lower_is_better", "no_judgement"]
Statistic = Literal["proportion", "rate", "mean", "ratio", "dsr", "isr"]
CiMethod = Literal["wilson", "byars", "exact_poisson", "dobson", "student_t", "none"]
FY_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


class ConfigError(ValueError):
    """A settings or catalogue file is invalid. The message names file, key and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_fy(value: str) -> str:
    m = FY_PATTERN.match(value)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"{value!r} is not a financial year like '2024/25'")
    return value


def is_glob(path: str) -> bool:
    """A source path with a wildcard stands for every matching file (one file per year)."""
    return any(ch in path for ch in "*?[")


def glob_source(path: str, root: Path) -> list[Path]:
    """The files a glob source path matches, in name order; relative to ``root`` or absolute."""
    pattern = Path(path)
    if pattern.is_absolute():
        anchor = Path(pattern.anchor)
        return sorted(anchor.glob(str(pattern.relative_to(anchor))))
    return sorted(root.glob(path))


def fy_start(fy: str) -> int:
    """First calendar year of a financial year label: '2024/25' -> 2024."""
    return int(_check_fy(fy)[:4])


def fy_label(start: int) -> str:
    """The financial year starting in April of ``start``: 2024 -> '2024/25'."""
    return f"{start}/{(start + 1) % 100:02d}"


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

    _fy = field_validator("first_year", "last_year")(_check_fy)

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
        return None if v is None else _check_fy(v)

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
        expected = {
            "proportion": {"wilson", "none"},
            "rate": {"byars", "exact_poisson"},
            "dsr": {"dobson"},
            "isr": {"byars", "exact_poisson"},
            "ratio": {"byars", "exact_poisson", "none"},
            "mean": {"student_t"},
        }[self.statistic]
        if self.ci_method not in expected:
            raise ValueError(
                f"ci_method {self.ci_method!r} does not fit statistic {self.statistic!r} "
                f"(expected one of {sorted(expected)})"
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
    reader: str = Field(description="name of a reader in helpers.ingest.READERS")
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
        return [_check_fy(x) for x in v]


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


def _format_errors(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: {err.error_count()} problem(s)"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - key '{key}': {e['msg']}")
    return "\n".join(lines)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


SYNTHETIC_PLACEHOLDER = "{synthetic}"
MANIFEST_NAME = "generator_manifest.json"  # written last by the generator: the data set is whole


def _substitute(value: Any, out: str) -> Any:
    if isinstance(value, str):
        return value.replace(SYNTHETIC_PLACEHOLDER, out)
    if isinstance(value, dict):
        return {k: _substitute(v, out) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, out) for v in value]
    return value


def read_settings(path: Path) -> tuple[dict[str, Any], list[Path]]:
    """The settings mapping of ``path`` with ``extends`` resolved and ``{synthetic}`` replaced,
    and the files it was read from (the extended ones first)."""
    chain: list[Path] = []
    data: dict[str, Any] = {}
    current: Path | None = path.resolve()
    layers: list[dict[str, Any]] = []
    while current is not None:
        if current in chain:
            cycle = " -> ".join(str(p) for p in [*chain, current])
            raise ConfigError(f"{path}: key 'extends': the files extend each other: {cycle}")
        layer = _read_yaml(current)
        chain.append(current)
        layers.append(layer)
        parent = layer.pop("extends", None)
        if parent is not None and not isinstance(parent, str):
            raise ConfigError(f"{current}: key 'extends': expected a file path, got {parent!r}")
        current = (current.parent / parent).resolve() if parent else None
    for layer in reversed(layers):  # lists (e.g. financial_years) are replaced, not added to
        data = deep_merge(data, layer, lists="replace")
    text = yaml.safe_dump({k: data.get(k) for k in ("sources", "reference")})
    if SYNTHETIC_PLACEHOLDER in text:
        synthetic = data.get("synthetic")
        out = synthetic.get("out") if isinstance(synthetic, dict) else None
        if not isinstance(out, str) or not out:
            raise ConfigError(
                f"{path}: key 'synthetic.out': sources use {SYNTHETIC_PLACEHOLDER} but no "
                "synthetic data folder is set"
            )
        for key in ("sources", "reference"):
            if key in data:
                data[key] = _substitute(data[key], out.rstrip("/"))
    return data, list(reversed(chain))


def load_catalogue(path: Path) -> Catalogue:
    try:
        return Catalogue.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from None


def _pending_synthetic_folder(settings: AssessmentSettings, root: Path) -> Path | None:
    """The synthetic data folder when it has not been generated yet (no manifest), else None.

    Files inside it cannot exist before `assess run` generates them, so validating the settings
    must not require them; once the manifest exists they are checked like any other input.
    """
    if settings.synthetic is None:
        return None
    out = (root / settings.synthetic.out).resolve()
    return None if (out / MANIFEST_NAME).exists() else out


def ensure_synthetic_data(settings_path: str | Path, root: Path | None = None) -> Path | None:
    """Generate the synthetic data set an assessment names (``synthetic:``) when its manifest
    is missing. Deterministic: the same seed and scale always give byte-identical files."""
    root = root or project_root()
    path = Path(settings_path)
    path = path if path.is_absolute() else (root / path).resolve()
    raw = read_settings(path)[0].get("synthetic")
    if not raw:
        return None
    try:
        spec = SyntheticData.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from None
    out = root / spec.out
    from helpers.synthetic.generate import GENERATOR_VERSION, generate

    wanted = {"version": GENERATOR_VERSION, "scale": spec.scale, "seed": spec.seed}
    manifest = out / MANIFEST_NAME
    if manifest.exists():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        if all(found.get(k) == v for k, v in wanted.items()):
            return out
        why = ", ".join(
            f"{k} {found.get(k)} -> {v}" for k, v in wanted.items() if found.get(k) != v
        )
        print(f"assess: the SYNTHETIC data in {spec.out} is out of date ({why}); regenerating")
    print(f"assess: generating SYNTHETIC data ({spec.scale}, seed {spec.seed}) into {spec.out}")
    # write beside the old folder and swap, so a failed run never leaves half a data set
    tmp = out.with_name(f".{out.name}-new")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        generate(spec.scale, spec.seed, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_into_place(tmp, out)
    return out


def load_assessment(settings_path: str | Path, root: Path | None = None) -> LoadedAssessment:
    """Load and validate an assessment's settings and its catalogue.

    Raises ConfigError naming the file, key and reason for anything invalid: unknown keys,
    wrong types, unknown metric ids, more than 40 metrics, metrics that do not apply to the
    assessed organisation type, sources named by metrics but not configured, missing files.
    """
    root = root or project_root()
    path = Path(settings_path)
    if not path.is_absolute():
        path = (root / path).resolve()
    data, files = read_settings(path)
    try:
        settings = AssessmentSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc)) from None
    cat_path = (root / settings.catalogue).resolve()
    catalogue = load_catalogue(cat_path)
    if settings.metrics is None:
        metrics = [m for m in catalogue.metrics if settings.org_type in m.org_types]
    else:
        known = {m.id for m in catalogue.metrics}
        unknown = [m for m in settings.metrics if m not in known]
        if unknown:
            raise ConfigError(f"{path}: key 'metrics': not in {cat_path.name}: {unknown}")
        metrics = [catalogue.get(m) for m in settings.metrics]
        wrong = [m.id for m in metrics if settings.org_type not in m.org_types]
        if wrong:
            raise ConfigError(
                f"{path}: key 'metrics': {wrong} do not apply to org_type {settings.org_type!r}"
            )
    if len(metrics) > MAX_METRICS:
        raise ConfigError(
            f"{path}: key 'metrics': {len(metrics)} metrics selected; an assessment uses at most "
            f"{MAX_METRICS} (the published cap on the public set of metrics)"
        )
    if not metrics:
        raise ConfigError(f"{path}: key 'metrics': no metric applies to {settings.org_type!r}")
    for m in metrics:
        for d in m.definitions:
            for q in (d.numerator, d.denominator):
                if q.source is not None and q.source not in settings.sources:
                    raise ConfigError(
                        f"{cat_path}: metric '{m.id}' key 'source' of {q.measure!r}: "
                        f"{q.source!r} is not a source in {path.name}"
                    )
            if m.plan is not None and m.plan.source not in settings.sources:
                raise ConfigError(
                    f"{cat_path}: metric '{m.id}' key 'plan.source': {m.plan.source!r} is not "
                    f"a source in {path.name} (known: {sorted(settings.sources)})"
                )
            if d.source not in settings.sources:
                raise ConfigError(
                    f"{cat_path}: metric '{m.id}' key 'definitions.source': {d.source!r} is not "
                    f"a source in {path.name} (known: {sorted(settings.sources)})"
                )
    pending = _pending_synthetic_folder(settings, root)
    for key, src in {**settings.sources, **settings.reference}.items():
        if pending is not None and (root / src.path).resolve().is_relative_to(pending):
            continue  # `assess run` generates this file before anything reads it
        if is_glob(src.path):
            if not glob_source(src.path, root):
                raise ConfigError(f"{path}: key 'sources.{key}.path': no file matches {src.path}")
        elif not (root / src.path).exists():
            raise ConfigError(f"{path}: key 'sources.{key}.path': file not found: {src.path}")
    return LoadedAssessment(
        settings=settings, catalogue=catalogue, metrics=metrics, settings_path=path, root=root,
        settings_files=files,
    )
