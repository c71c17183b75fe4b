"""Which files an assessment reads, reading them, and the checks around ingestion.

* :func:`check_sources`: before any data is read, every ``reader:`` exists and every measure the
  catalogue asks of a source is one its reader produces (``assess validate``, ``assess run``).
* :func:`used_sources` and :func:`expand_source`: the files behind this assessment's metrics
  (a glob stands for one file per year).
* :func:`ingest_sources`: read them all, one ledger row per file; too many rejected rows stop the
  run, naming file, line and column.
* :func:`signed_measures` and :func:`check_plans`: the checks on what was read.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd

from helpers.core.files import glob_source, is_glob
from helpers.ingest.derive import derive_measures, derived_names
from helpers.ingest.engine import check_exclude_months
from helpers.ingest.ledger import LEDGER_COLUMNS, Ingested, IngestError
from helpers.ingest.readers import ALIASES, Reader, UnknownReader, get_reader, produces
from helpers.ingest.reference import ODS_REFERENCE, REFERENCE_READERS
from helpers.ingest.source_cache import cached_read
from helpers.settings import ConfigError, LoadedAssessment, Source
from helpers.settings.load import pending_synthetic_folder


def expand_source(source: Source, root: Path) -> list[Source]:
    """A source whose path is a glob (``ae_monthly_*.csv``: one file per year, as published)
    stands for every matching file, in name order; each is read and accounted for on its own."""
    if not is_glob(source.path):
        return [source]
    matches = glob_source(source.path, root)
    if not matches:
        raise IngestError(f"{source.path}: no file matches this pattern")
    return [
        source.model_copy(
            update={"path": str(m.relative_to(root)) if m.is_relative_to(root) else str(m)}
        )
        for m in matches
    ]


def read_source(key: str, source: Source, root: Path) -> Ingested:
    """Read, validate and reshape one file into long monthly measures with its reader."""
    try:
        reader = get_reader(source.reader)
    except UnknownReader as exc:
        raise IngestError(f"source '{key}': {exc}") from None

    def read() -> Ingested:
        ingested = reader.read(key, source, root)
        ingested.measures = derive_measures(ingested.measures, dict(source.options))
        return ingested

    # an unchanged file (and settings, and code) is not read again (helpers.ingest.source_cache)
    return cached_read(key, source, root, read)


def used_sources(run: LoadedAssessment) -> list[str]:
    """The configured sources this assessment's metrics need in its years (definitions, their
    quantities' own sources, plans and national headlines), in settings order. Other sources
    are not read, so the ledger and the provenance list exactly the files the published figures
    come from."""
    if run.settings.framework is not None:  # the framework reads every source it names
        return list(run.settings.sources)
    years = run.settings.financial_years
    keys: set[str] = set()
    for m in run.metrics:
        for d in m.definitions:
            if any(d.covers(fy) for fy in years):
                keys.add(d.source)
                keys.update(
                    q.source
                    for q in (d.numerator, d.denominator, d.sum_of_squares)
                    if q is not None and q.source is not None
                )
        if m.plan is not None:
            keys.add(m.plan.source)
        if m.national is not None:  # NHS England's headline, beside the England value
            keys.add(m.national.source)
    return [k for k in run.settings.sources if k in keys]


def input_files(run: LoadedAssessment) -> list[tuple[str, str]]:
    """Every file this assessment reads, as ``(path, role)``, in the ledger's order: the used
    sources (a glob expanded to its files), then the reference files."""
    files = [
        (one.path, key)
        for key in used_sources(run)
        for one in expand_source(run.settings.sources[key], run.root)
    ]
    return files + [(src.path, f"reference: {key}") for key, src in run.settings.reference.items()]


def sources_table(run: LoadedAssessment) -> pd.DataFrame:
    """One row per configured source: its path, reader, the file shape the reader expects, and
    whether this assessment's metrics use it."""
    used = set(used_sources(run))
    rows = []
    for key, src in run.settings.sources.items():
        reader = get_reader(src.reader)
        rows.append((key, src.path, reader.name, reader.shape, key in used))
    return pd.DataFrame(rows, columns=["source", "path", "reader", "file shape", "used"])


def check_sources(run: LoadedAssessment) -> list[str]:
    """Check what the settings ask of the readers, before any data is read.

    Raises :class:`helpers.settings.ConfigError` naming the settings file and key when a
    ``reader:`` is not registered (listing every reader) or when a metric asks a source for a
    measure its reader does not produce (listing what it does). Returns warnings: sources
    that use a former reader name."""
    path = run.settings_path
    warnings = []
    readers = {}
    for key, src in run.settings.sources.items():
        try:
            readers[key] = get_reader(src.reader)
        except UnknownReader as exc:
            raise ConfigError(f"{path}: key 'sources.{key}.reader': {exc}") from None
        if src.reader in ALIASES:
            warnings.append(
                f"{path}: key 'sources.{key}.reader': {src.reader!r} is a former name of "
                f"{ALIASES[src.reader]!r}"
            )
    for key, src in run.settings.sources.items():
        _check_options(run, key, src, readers[key])
    for key, src in run.settings.reference.items():
        if src.reader not in REFERENCE_READERS:
            raise ConfigError(
                f"{path}: key 'reference.{key}.reader': unknown reader {src.reader!r} "
                f"(known: {', '.join(sorted(REFERENCE_READERS))})"
            )
    ref = set(run.settings.reference)
    framework = run.settings.framework is not None  # its trusts are named in its values file
    if not framework and "organisations" not in ref and not set(ODS_REFERENCE) <= ref:
        raise ConfigError(
            f"{path}: key 'reference': no organisations: name one file under 'reference: "
            f'organisations\' (data/README.md, "Organisations in one file") or the ODS files '
            f"{list(ODS_REFERENCE)} (missing: {sorted(set(ODS_REFERENCE) - ref)})"
        )
    for m in run.metrics:
        asks = []
        for d in m.definitions:
            for q in (d.numerator, d.denominator, d.sum_of_squares):
                if q is not None:
                    asks.append((q.source or d.source, q.measure, "definitions"))
        if m.plan is not None:
            asks.append((m.plan.source, m.plan.measure, "plan"))
        if m.national is not None:
            last = m.definitions[-1]
            for q in (last.numerator, last.denominator):
                asks.append((m.national.source, q.measure, "national"))
        for key, measure, where in asks:
            reader = readers[key]
            options = run.settings.sources[key].options
            own = reader.measures(options)
            derived = derived_names(own, options)
            if not (produces(reader, measure, options) or measure in derived):
                raise ConfigError(
                    f"{run.settings.catalogue}: metric '{m.id}' key '{where}': measure "
                    f"{measure!r} is not produced by source '{key}' (reader {reader.name!r} "
                    f"produces {', '.join([*own, *sorted(derived)])})"
                )
    return warnings


def _check_options(run: LoadedAssessment, key: str, src: Source, reader: Reader) -> None:
    """The source's options that can be checked before reading data: those the reader
    requires, the files they name, the values they may take, ``exclude_months`` and
    ``encoding``."""
    where = f"{run.settings_path}: key 'sources.{key}.options"
    options = src.options
    for name in reader.required_options:
        if name not in options:
            raise ConfigError(
                f"{where}': reader {reader.name!r} needs the option {name!r} (see data/README.md)"
            )
    pending = pending_synthetic_folder(run.settings, run.root)
    for name in reader.file_options:
        if name in options:
            file = run.root / str(options[name])
            if pending is not None and file.resolve().is_relative_to(pending):
                continue  # generated by `assess run` before anything reads it
            if not file.is_file():
                raise ConfigError(f"{where}.{name}': file not found: {options[name]}")
    for name, allowed in reader.option_values.items():
        if name in options and options[name] not in allowed:
            raise ConfigError(f"{where}.{name}': {options[name]!r} is not one of {list(allowed)}")
    if "exclude_months" in options:
        try:
            check_exclude_months(options["exclude_months"], f"{where}'")
        except IngestError as exc:
            raise ConfigError(str(exc)) from None
    if "encoding" in options:
        try:
            codecs.lookup(str(options["encoding"]))
        except LookupError:
            raise ConfigError(
                f"{where}.encoding': {options['encoding']!r} is not a text encoding Python "
                "knows (e.g. utf-8, cp1252)"
            ) from None


def ingest_sources(
    run: LoadedAssessment, extras: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ingest every source the assessment's metrics use (:func:`used_sources`).

    Returns ``(measures, ledger, rejected)``; ``extras`` (if given) receives what a reader adds
    beyond measures, by source key (e.g. a record-level source's case-mix model). Raises
    IngestError naming file, line and column of the first rejected rows when more rows are
    rejected than ``max_rejected_rows`` allows.
    """
    keys, results = [], []
    for key in used_sources(run):
        for one in expand_source(run.settings.sources[key], run.root):
            keys.append(key)
            results.append(read_source(key, one, run.root))
    if extras is not None:
        for key, r in zip(keys, results, strict=True):
            if r.extra:
                extras[key] = r.extra
    measures = pd.concat([r.measures for r in results], ignore_index=True)
    ledger = pd.DataFrame([r.ledger for r in results], columns=LEDGER_COLUMNS)
    rejected = pd.concat([r.rejected for r in results], ignore_index=True)
    allowed = run.settings.max_rejected_rows
    if len(rejected.drop_duplicates(["file", "line"])) > allowed:
        first = rejected.head(5)
        detail = "\n".join(
            f"  {r.file}, line {r.line}, column '{r.column}': {r.reason} (value {r.value!r})"
            for r in first.itertuples()
        )
        raise IngestError(
            f"{len(rejected)} invalid value(s) in the inputs (max_rejected_rows is {allowed}); "
            f"nothing was published. First problems:\n{detail}"
        )
    return measures, ledger, rejected


def signed_measures(run: LoadedAssessment, measures: pd.DataFrame) -> set[str]:
    """Measures that may be negative: the numerators of metrics that are not samples (finance
    positions, ``ci_method: none``) and plans (a planned deficit). Every other measure is a
    count and never negative after validation."""
    finance = {
        d.numerator.measure
        for m in run.catalogue.metrics
        if m.ci_method == "none"
        for d in m.definitions
    }
    plans = {m.plan.measure for m in run.catalogue.metrics if m.plan is not None}
    named = set(measures.measure[measures.measure.str.startswith("plan_")])
    return finance | plans | named


class PlanError(ValueError):
    """A plans file names a metric the catalogue holds no plan for (a typo would otherwise
    silently drop every organisation's promise)."""


def check_plans(run: LoadedAssessment, measures: pd.DataFrame) -> None:
    """Every plan measure ingested from a plans source must be read by some catalogue metric's
    ``plan:`` block; raise PlanError naming the source file and the unknown metric ids."""
    sources = {m.plan.source for m in run.catalogue.metrics if m.plan is not None}
    known = {m.plan.measure for m in run.catalogue.metrics if m.plan is not None}
    for key in sorted(sources & set(measures.source.unique())):
        found = set(measures.measure[measures.source == key])
        unknown = sorted(found - known)
        if unknown:
            ids = [u.removeprefix("plan_") for u in unknown]
            raise PlanError(
                f"{run.settings.sources[key].path}: column 'metric_id': no metric in "
                f"{run.settings.catalogue} has a plan for {ids} (add a `plan:` block to the "
                f"metric, or correct the id)"
            )
