"""Where the record-level indicator queries run: DuckDB (the default, embedded) or Spark.

The indicator definitions of :mod:`helpers.ingest.readers.record_level` are written once, as SQL
in DuckDB's dialect, over a table named ``spells`` (the accepted rows of the extract, one row per
spell). An engine runs such a query and returns the (small, aggregated) result as a pandas
DataFrame:

* :class:`DuckDBEngine` (the default) runs the text as it is, in process, reading the Parquet
  file straight and out of core; only the aggregated result reaches pandas.
* :class:`SparkEngine` registers the extract as a temporary view and runs the same text
  translated to Spark SQL by SQLGlot (:func:`to_spark`), on the Spark session at hand: a local
  one, a Spark Connect server (``SPARK_REMOTE``) or Databricks (a notebook's session, or
  Databricks Connect). pyspark is optional: it is imported only when a Spark engine is made.

:func:`engine_choice` reads which engine the reader uses from ``$ASSESS_RECORD_ENGINE``
(``duckdb``, the default, or ``spark``). The engines may order rows and add floating-point
numbers differently, so the queries sort their results explicitly and the callers set the
column types they need (see :func:`helpers.ingest.readers.record_level.readmission_measures`).
"""

from __future__ import annotations

import importlib
import itertools
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
import sqlglot
from sqlglot.errors import ErrorLevel

from helpers.ingest.ledger import IngestError

#: the environment variable that chooses the engine of the record-level reader
ENGINE_VARIABLE = "ASSESS_RECORD_ENGINE"
ENGINES: tuple[str, ...] = ("duckdb", "spark")
#: the view the queries read; :attr:`SpellsEngine.sql` queries name it
SPELLS = "spells"
#: the view a ``spells_sql`` query reads: the extract as it is in the file
EXTRACT = "extract"
_DIALECT = "duckdb"
#: DuckDB's memory limit for the record-level step (``$ASSESS_DUCKDB_MEMORY_LIMIT`` overrides
#: it, e.g. ``8GB``): beyond it, joins, aggregates and sorts spill to a temporary folder, so
#: an extract many times larger than memory is read out of core
MEMORY_LIMIT_VARIABLE = "ASSESS_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"
_CONNECTIONS = itertools.count(1)


class SpellsEngine(Protocol):
    """Runs a query over the ``spells`` table and returns its result."""

    name: str

    def sql(self, query: str) -> pd.DataFrame:
        """The result of ``query`` (DuckDB's dialect, reading the table ``spells``)."""
        ...


def _quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def to_spark(query: str) -> str:
    """``query`` (DuckDB's dialect) in Spark SQL, translated by SQLGlot.

    A construct SQLGlot knows Spark lacks raises rather than passing through; a function it
    does not know passes through unchanged (and fails on Spark), so only what the Spark parity
    test (tests/integration/test_spark_parity.py) runs is known to translate.
    """
    return sqlglot.transpile(
        query, read=_DIALECT, write="spark", unsupported_level=ErrorLevel.RAISE
    )[0]


def duckdb_connection(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection for the record-level step, out of core.

    ``memory_limit`` (default ``$ASSESS_DUCKDB_MEMORY_LIMIT`` or :data:`DEFAULT_MEMORY_LIMIT`)
    bounds DuckDB's memory, beyond which it spills to a folder of its own in the system's
    temporary folder (made when first needed, removed when the connection closes); results need
    not keep the file's row order (every query sorts what it returns), and there is no progress
    bar.
    """
    limit = memory_limit or os.environ.get(MEMORY_LIMIT_VARIABLE, "").strip()
    folder = Path(tempfile.gettempdir()) / f"assess-duckdb-{os.getpid()}-{next(_CONNECTIONS)}"
    con = duckdb.connect(
        config={
            "memory_limit": limit or DEFAULT_MEMORY_LIMIT,
            "temp_directory": str(folder),
            "preserve_insertion_order": False,
        }
    )
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:  # in a notebook kernel DuckDB refuses without ipywidgets; none shown
        pass
    return con


class DuckDBEngine:
    """The record-level queries in process with DuckDB (the default engine).

    ``spells`` is a DuckDB relation (e.g. the accepted rows :func:`read_extract` returns) or the
    path of a Parquet extract, read straight from the file (on the connection ``con``, by
    default a new one from :func:`duckdb_connection`). ``spells_sql``, when given, is a query
    over the table ``extract`` (the file or relation) whose result is the ``spells`` table,
    e.g. the accepted rows.
    """

    name = "duckdb"

    def __init__(
        self,
        spells: duckdb.DuckDBPyRelation | Path | str,
        *,
        con: duckdb.DuckDBPyConnection | None = None,
        spells_sql: str | None = None,
    ) -> None:
        if isinstance(spells, duckdb.DuckDBPyRelation):
            relation = spells
        else:
            con = con if con is not None else duckdb_connection()
            relation = con.sql(f"SELECT * FROM read_parquet({_quote(str(spells))})")
        if spells_sql is not None:
            relation = relation.query(EXTRACT, spells_sql)
        self.relation = relation

    def sql(self, query: str) -> pd.DataFrame:
        """The result of ``query`` as it is written (DuckDB's dialect)."""
        return self.relation.query(SPELLS, query).df()


def _pyspark_sql() -> Any:
    """The ``pyspark.sql`` module, imported when a Spark engine is first made.

    pyspark is an optional dependency (the ``test`` extra, or the cluster's own), large and slow
    to import, and the default DuckDB path never needs it; hence the import here rather than at
    the top of the module (this is not a way round an import cycle).
    """
    try:
        return importlib.import_module("pyspark.sql")
    except ImportError as exc:
        raise IngestError(
            f"{ENGINE_VARIABLE}=spark needs pyspark (pip install pyspark, or run on a Spark or "
            f"Databricks cluster): {exc}"
        ) from None


def spark_session() -> Any:
    """The Spark session to use: the active one (a Databricks notebook's or job's ``spark``, or
    one the caller made), else Databricks Connect's when ``databricks-connect`` is installed,
    else ``SparkSession.builder.getOrCreate()`` (Spark Connect when ``SPARK_REMOTE`` is set,
    otherwise a local session with Spark's defaults)."""
    sql = _pyspark_sql()
    active = sql.SparkSession.getActiveSession()
    if active is not None:
        return active
    try:
        databricks = importlib.import_module("databricks.connect")
    except ImportError:
        return sql.SparkSession.builder.getOrCreate()
    return databricks.DatabricksSession.builder.getOrCreate()


class SparkEngine:
    """The record-level queries on Spark, translated from DuckDB's dialect by SQLGlot.

    ``path`` is the Parquet extract as the Spark cluster sees it (for Databricks, e.g. a Unity
    Catalog volume ``/Volumes/...``). ``session`` is a Spark session (default:
    :func:`spark_session`). ``spells_sql``, when given, is a query over the table ``extract``
    (the file) whose result is the ``spells`` table, e.g. the accepted rows. Results are
    collected with ``toPandas()``: only aggregated tables should be asked for.
    """

    name = "spark"

    def __init__(
        self, path: Path | str, *, session: Any = None, spells_sql: str | None = None
    ) -> None:
        self.session = session if session is not None else spark_session()
        self.path = str(path)
        self._extract = self.session.read.parquet(self.path)
        self._spells = self._extract
        if spells_sql is not None:
            self._register()
            self._spells = self.session.sql(to_spark(spells_sql))

    def _register(self) -> None:
        # Registered again before every query: another engine on the same session may have
        # taken the names since (temporary views are per session, and Spark Connect resolves
        # a view by name when the query runs).
        self._extract.createOrReplaceTempView(EXTRACT)
        if self._spells is not self._extract:
            self._spells.createOrReplaceTempView(SPELLS)
        else:
            self._extract.createOrReplaceTempView(SPELLS)

    def sql(self, query: str) -> pd.DataFrame:
        """The result of ``query`` (DuckDB's dialect), translated to Spark SQL and collected."""
        self._register()
        return self.session.sql(to_spark(query)).toPandas()


def engine_choice(environ: dict[str, str] | None = None) -> str:
    """The engine the record-level reader uses: ``$ASSESS_RECORD_ENGINE`` (``duckdb`` when
    unset or blank, or ``spark``); any other value raises :class:`IngestError`."""
    env = os.environ if environ is None else environ
    choice = env.get(ENGINE_VARIABLE, "").strip().lower() or "duckdb"
    if choice not in ENGINES:
        raise IngestError(
            f"{ENGINE_VARIABLE}={env.get(ENGINE_VARIABLE)!r}: the record-level engine is one of "
            f"{', '.join(ENGINES)}"
        )
    return choice
