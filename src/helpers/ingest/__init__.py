"""Stepwise, validated ingestion of published statistics, with a ledger for every input file.

* :mod:`helpers.ingest.ledger`: the contract every reader keeps (ledger row, rejected rows,
  :class:`IngestError`).
* :mod:`helpers.ingest.parse`: finding tables in published files; numbers, months, years.
* :mod:`helpers.ingest.engine`: the one engine that validates a table (:class:`TableSpec`).
* :mod:`helpers.ingest.readers`: the one registry of readers (``reader:`` names), by kind of
  file: ``flat_csv``, ``nhse_published``, ``record_level`` (with :mod:`helpers.ingest.casemix`,
  the mortality case-mix model).
* :mod:`helpers.ingest.derive`: measures derived from a source's own (sums of squares,
  differences, quarters spread over months).
* :mod:`helpers.ingest.reference`: organisations, successions and local priorities.
* :mod:`helpers.ingest.sources`: which files an assessment reads, reading them, and checks.

Every row read is accepted, excluded (with a reason) or rejected (file, line, column, reason).
Structural problems raise :class:`IngestError` at once; rejected rows stop the run unless the
settings allow them (``max_rejected_rows``), so a half-ingested year is never published.
"""

from helpers.ingest.ledger import LEDGER_COLUMNS, REJECT_COLUMNS, Ingested, IngestError
from helpers.ingest.reference import reference_ledger
from helpers.ingest.sources import (
    PlanError,
    check_plans,
    check_sources,
    expand_source,
    ingest_sources,
    input_files,
    read_source,
    signed_measures,
    sources_table,
    used_sources,
)

__all__ = [
    "LEDGER_COLUMNS",
    "REJECT_COLUMNS",
    "Ingested",
    "IngestError",
    "PlanError",
    "check_plans",
    "check_sources",
    "expand_source",
    "ingest_sources",
    "input_files",
    "read_source",
    "reference_ledger",
    "signed_measures",
    "sources_table",
    "used_sources",
]
