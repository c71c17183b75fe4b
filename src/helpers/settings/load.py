"""Reading an assessment's settings and its metric catalogue, validated.

One YAML file per assessment lives in ``config/assessments/``; it names a metric catalogue in
``config/metrics/``. Both are validated here once (:mod:`helpers.settings.models`), with errors
that name the file, the key and the reason, so that an analyst editing next year's settings sees
exactly what is wrong.

A settings file may start from another with ``extends: <path relative to this file>``: mappings
are merged key by key (:func:`helpers.core.files.deep_merge`), anything else (lists, strings,
numbers) is replaced by the extending file. ``{synthetic}`` in a source's path or options stands
for ``synthetic.out``, so one set of sources serves the small and the England-scale synthetic
data.

What can only be checked against the readers (reader names, the measures they produce) is
checked by :func:`helpers.ingest.check_sources`, which ``assess validate`` and ``assess run``
call after :func:`load_assessment`.
"""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from helpers.core.files import deep_merge, glob_source, is_glob
from helpers.core.paths import SYNTHETIC_MANIFEST, project_root
from helpers.settings.models import (
    MAX_METRICS,
    AssessmentSettings,
    Catalogue,
    ConfigError,
    LoadedAssessment,
    MetricSpec,
    SiteSettings,
)
from helpers.settings.nof import NofFramework

SYNTHETIC_PLACEHOLDER = "{synthetic}"
#: the site's own settings (title, publisher), relative to the project
SITE_SETTINGS = "config/site.yml"


def load_site(root: Path | None = None) -> tuple[SiteSettings, Path | None]:
    """The site's settings (``config/site.yml``; the documented defaults when the file is
    absent) and the file they came from (``None`` for the defaults)."""
    root = root or project_root()
    path = (root / SITE_SETTINGS).resolve()
    if not path.exists():
        return SiteSettings(), None
    try:
        return SiteSettings.model_validate(_read_yaml(path)), path
    except ValidationError as exc:
        raise ConfigError(format_errors(path, exc)) from None


def format_errors(path: Path, err: ValidationError) -> str:
    """One line per problem, naming the key; a key not allowed that looks like a missing one
    (a misspelling) says which it may be."""
    errors = err.errors()
    missing: dict[tuple, list[str]] = {}
    for e in errors:
        if e["type"] == "missing" and e["loc"]:
            missing.setdefault(tuple(e["loc"][:-1]), []).append(str(e["loc"][-1]))
    lines = [f"{path}: {err.error_count()} problem(s)"]
    for e in errors:
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        hint = ""
        if e["type"] == "extra_forbidden" and e["loc"]:
            near = get_close_matches(str(e["loc"][-1]), missing.get(tuple(e["loc"][:-1]), []), 1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
        lines.append(f"  - key '{key}': {e['msg']}{hint}")
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
        raise ConfigError(format_errors(path, exc)) from None


def pending_synthetic_folder(settings: AssessmentSettings, root: Path) -> Path | None:
    """The synthetic data folder when it has not been generated yet (no manifest), else None.

    Files inside it cannot exist before `assess run` generates them, so validating the settings
    must not require them; once the manifest exists they are checked like any other input.
    """
    if settings.synthetic is None:
        return None
    out = (root / settings.synthetic.out).resolve()
    return None if (out / SYNTHETIC_MANIFEST).exists() else out


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
        raise ConfigError(format_errors(path, exc)) from None
    if settings.framework is not None:
        return _load_framework(settings, path, files, root)
    assert settings.catalogue is not None
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
            if m.national is not None and m.national.source not in settings.sources:
                raise ConfigError(
                    f"{cat_path}: metric '{m.id}' key 'national.source': {m.national.source!r} "
                    f"is not a source in {path.name} (known: {sorted(settings.sources)})"
                )
            if m.plan is not None and m.plan.source not in settings.sources:
                raise ConfigError(
                    f"{cat_path}: metric '{m.id}' key 'plan.source': {m.plan.source!r} is not "
                    f"a source in {path.name} (known: {sorted(settings.sources)}): a metric "
                    "with a `plan:` block needs the organisations' plans; add the source "
                    f"'{m.plan.source}' (reader: plans; a file with only the header line "
                    "holds no plans) or leave the metric out under 'metrics:'"
                )
            if d.source not in settings.sources:
                raise ConfigError(
                    f"{cat_path}: metric '{m.id}' key 'definitions.source': {d.source!r} is not "
                    f"a source in {path.name} (known: {sorted(settings.sources)})"
                )
    _check_rules(settings, metrics, path)
    _check_files(settings, path, root)
    rules = settings.assess
    if rules.financial_override and rules.financial_override.deficit_register:
        reg = rules.financial_override.deficit_register
        if not (root / reg).exists():
            raise ConfigError(
                f"{path}: key 'assess.financial_override.deficit_register': file not found: {reg}"
            )
    if rules.shmi is not None and not (root / rules.shmi.file).is_file():
        raise ConfigError(f"{path}: key 'assess.shmi.file': file not found: {rules.shmi.file}")
    if rules.nof_check is not None and not (root / rules.nof_check.extract).exists():
        raise ConfigError(
            f"{path}: key 'assess.nof_check.extract': file not found: {rules.nof_check.extract}"
        )
    site, site_file = load_site(root)
    return LoadedAssessment(
        settings=settings,
        catalogue=catalogue,
        metrics=metrics,
        settings_path=path,
        root=root,
        settings_files=[*files, *([site_file] if site_file else [])],
        site=site,
    )


def _check_rules(settings: AssessmentSettings, metrics: list[MetricSpec], path: Path) -> None:
    """The assessment rules name only metrics and years of this assessment."""
    rules = settings.assess
    ids = {m.id for m in metrics}
    scored = {m.id for m in metrics if m.score_mode != "none"}
    unknown = sorted(set(rules.weights) - scored)
    if unknown:
        raise ConfigError(
            f"{path}: key 'assess.weights': {unknown} are not scored metrics of this assessment "
            f"(scored: {sorted(scored)})"
        )
    judged = {m.id for m in metrics if m.polarity != "no_judgement"}
    core = sorted(set(rules.persistent_failure.spc_metrics) - judged)
    if core:
        raise ConfigError(
            f"{path}: key 'assess.persistent_failure.spc_metrics': {core} are not metrics of "
            f"this assessment with a better direction (judged: {sorted(judged)})"
        )
    for i, gap in enumerate(settings.known_gaps):
        unknown = sorted(set(gap.metrics) - ids)
        if unknown:
            raise ConfigError(
                f"{path}: key 'known_gaps[{i}].metrics': {unknown} are not metrics of this "
                f"assessment (known: {sorted(ids)})"
            )
    fo = rules.financial_override
    if fo is not None and fo.metric is not None and fo.metric not in ids:
        raise ConfigError(
            f"{path}: key 'assess.financial_override.metric': {fo.metric!r} is not a metric of "
            f"this assessment (known: {sorted(ids)})"
        )
    if rules.nof_check is not None and rules.nof_check.period not in settings.financial_years:
        raise ConfigError(
            f"{path}: key 'assess.nof_check.period': {rules.nof_check.period} is not one of the "
            "assessment's financial_years"
        )
    for i, d in enumerate(rules.segment_5):
        if d.period not in settings.financial_years:
            raise ConfigError(
                f"{path}: key 'assess.segment_5[{i}].period': {d.period} is not one of the "
                f"assessment's financial_years"
            )


def _check_files(settings: AssessmentSettings, path: Path, root: Path) -> None:
    """Every source and reference file exists (or will be generated by `assess run`)."""
    pending = pending_synthetic_folder(settings, root)
    named = [("sources", k, s) for k, s in settings.sources.items()]
    named += [("reference", k, s) for k, s in settings.reference.items()]
    for block, key, src in named:
        if pending is not None and (root / src.path).resolve().is_relative_to(pending):
            continue  # `assess run` generates this file before anything reads it
        if is_glob(src.path):
            if not glob_source(src.path, root):
                raise ConfigError(f"{path}: key '{block}.{key}.path': no file matches {src.path}")
        elif not (root / src.path).is_file():
            what = "not a file" if (root / src.path).exists() else "file not found"
            raise ConfigError(f"{path}: key '{block}.{key}.path': {what}: {src.path}")


def _load_framework(
    settings: AssessmentSettings, path: Path, files: list[Path], root: Path
) -> LoadedAssessment:
    """A framework assessment: its framework catalogue, and the sources it names."""
    fw = settings.framework
    assert fw is not None
    for key, what in ((fw.values, "values"), (fw.league_table, "league_table")):
        if key is not None and key not in settings.sources:
            raise ConfigError(
                f"{path}: key 'framework.{what}': {key!r} is not a source "
                f"(known: {sorted(settings.sources)})"
            )
    _check_files(settings, path, root)
    framework = load_nof_framework(root / fw.catalogue)
    # no metric catalogue: the framework's metrics are NHS England's, with their own rules
    empty = Catalogue.model_construct(version=framework.name, objectives={}, metrics=[])
    site, site_file = load_site(root)
    return LoadedAssessment(
        settings=settings,
        catalogue=empty,
        framework=framework,
        metrics=[],
        settings_path=path,
        root=root,
        settings_files=[*files, *([site_file] if site_file else [])],
        site=site,
    )


def load_nof_framework(path: str | Path) -> NofFramework:
    """The framework catalogue at ``path`` (:mod:`helpers.settings.nof`), validated; a bad file
    raises :class:`ConfigError` naming the file and the key."""
    p = Path(path)
    try:
        return NofFramework.model_validate(_read_yaml(p))
    except ValidationError as exc:
        raise ConfigError(format_errors(p, exc)) from None
