"""The engine layer of the record-level reader: the queries are written once and run on DuckDB
as they are, or on Spark translated by SQLGlot (the Spark runs themselves are in
tests/integration/test_spark_parity.py)."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.ingest import record_engine
from helpers.ingest.casemix import CASE_MIX_FACTORS
from helpers.ingest.readers import record_level as rl
from helpers.synthetic.records import SCHEMA, write_admissions
from helpers.synthetic.records_example import example_geography

COEFS = {
    "2023/24": [(("(Intercept)", ""), -3.2188758248682006), (("sex", "M"), 0.125)],
    "2024/25": [(("(Intercept)", ""), -3.1), (("imd_decile", "3"), 1.5e-05)],
}


def _queries() -> dict[str, str]:
    return {
        "readmissions": rl.readmission_sql(),
        "readmissions, fixed end": rl.readmission_sql(7, "2025-01-31"),
        "case-mix cells": rl.case_mix_cells_sql(),
        "expected deaths": rl.expected_deaths_sql(COEFS, "2025-03-31"),
        "ACS admissions": rl.acs_admissions_sql(),
        "accepted rows": rl.accepted_sql({"A", "B'C"}),
        "accepted rows, no organisation list": rl.accepted_sql(),
    }


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> dict:
    orgs, _ = example_geography(n_icb=4, n_acute=9, seed=1)
    out = tmp_path_factory.mktemp("engine")
    _, population = example_geography(n_icb=4, n_acute=9, seed=1)
    write_admissions(orgs, population, ["2024/25"], 2, "small", out)
    df = pq.read_table(out / "record_level" / "admissions.parquet").slice(0, 3000).to_pandas()
    df.loc[1, "sex"] = "U"
    df.loc[3, "provider_code"] = "ZZZ99"
    df.loc[4, "spell_id"] = df.loc[5, "spell_id"]
    df.loc[6, "discharge_date"] = dt.date(9999, 12, 31)
    path = out / "admissions.parquet"
    pq.write_table(pa.Table.from_pandas(df, schema=SCHEMA, preserve_index=False), path)
    return {"path": path, "providers": set(orgs.org_code), "population": population}


@pytest.mark.parametrize("name", list(_queries()))
def test_every_query_translates_to_spark_sql(name: str) -> None:
    spark = record_engine.to_spark(_queries()[name])
    assert "GROUP BY ALL" not in spark and "ORDER BY ALL" not in spark
    assert "VARCHAR" not in spark  # Spark's name is STRING


def test_the_translation_keeps_duckdb_sorting_and_dates() -> None:
    spark = record_engine.to_spark(rl.readmission_sql(30, "2025-01-31"))
    assert "CAST('2025-01-31' AS DATE) - 30" in spark
    assert "DATE_TRUNC('MONTH', i.discharge_date)" in spark
    assert "NULLS LAST" in spark  # DuckDB sorts nulls last, Spark first unless told


@pytest.mark.parametrize("known", ["organisations", "none", "empty"])
def test_accepted_sql_selects_the_rows_the_validation_accepts(extract: dict, known: str) -> None:
    """The checks written once more as SQL (for Spark) accept exactly the validation's rows."""
    providers = {"organisations": extract["providers"], "none": None, "empty": set()}[known]
    accepted, ledger, _ = rl.read_extract(extract["path"], "admissions", providers)
    again = record_engine.DuckDBEngine(extract["path"], spells_sql=rl.accepted_sql(providers))
    query = "SELECT * FROM spells ORDER BY spell_id"
    want = record_engine.DuckDBEngine(accepted).sql(query)
    got = again.sql(query)
    assert len(got) == ledger["rows_accepted"]
    pd.testing.assert_frame_equal(want, got)
    if known == "empty":
        assert got.empty


def test_measures_from_a_path_a_relation_or_an_engine_agree(extract: dict) -> None:
    accepted, _, _ = rl.read_extract(extract["path"], "admissions")
    engine = record_engine.DuckDBEngine(accepted)
    pd.testing.assert_frame_equal(
        rl.readmission_measures(accepted), rl.readmission_measures(engine=engine)
    )
    pd.testing.assert_frame_equal(
        rl.avoidable_admission_measures(accepted, extract["population"]),
        rl.avoidable_admission_measures(None, extract["population"], engine=engine),
    )
    with pytest.raises(TypeError, match="not both or neither"):
        rl.readmission_measures(accepted, engine=engine)
    with pytest.raises(TypeError, match="not both or neither"):
        rl.readmission_measures()


def test_case_mix_cells_come_sorted_with_integer_counts(extract: dict) -> None:
    cells = record_engine.DuckDBEngine(extract["path"]).sql(rl.case_mix_cells_sql())
    keys = ["fy", *CASE_MIX_FACTORS]
    assert list(cells.columns) == [*keys, "spells", "deaths"]
    pd.testing.assert_frame_equal(cells, cells.sort_values(keys, ignore_index=True))
    assert str(cells.deaths.dtype) == "int64" and str(cells.spells.dtype) == "int64"


def test_engine_choice_reads_the_environment() -> None:
    assert record_engine.engine_choice({}) == "duckdb"
    assert record_engine.engine_choice({"ASSESS_RECORD_ENGINE": " "}) == "duckdb"
    assert record_engine.engine_choice({"ASSESS_RECORD_ENGINE": "Spark"}) == "spark"
    with pytest.raises(rl.IngestError, match="ASSESS_RECORD_ENGINE='polars'.*duckdb, spark"):
        record_engine.engine_choice({"ASSESS_RECORD_ENGINE": "polars"})


def test_the_reader_refuses_an_unknown_engine(extract: dict, monkeypatch) -> None:
    class Source:
        path = extract["path"].name
        options: dict = {}

    monkeypatch.setenv("ASSESS_RECORD_ENGINE", "polars")
    with pytest.raises(rl.IngestError, match="record-level engine is one of"):
        rl.read_record_level("admissions", Source(), Path(extract["path"]).parent)


def test_spark_without_pyspark_is_one_clear_error(monkeypatch) -> None:
    real = importlib.import_module

    def no_pyspark(name: str, *args):
        if name.startswith("pyspark"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(record_engine.importlib, "import_module", no_pyspark)
    with pytest.raises(rl.IngestError, match="ASSESS_RECORD_ENGINE=spark needs pyspark"):
        record_engine.SparkEngine("admissions.parquet")


def test_the_duckdb_connection_is_bounded_and_out_of_core(monkeypatch) -> None:
    monkeypatch.delenv(record_engine.MEMORY_LIMIT_VARIABLE, raising=False)
    con = record_engine.duckdb_connection()
    setting = lambda name: con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]  # noqa: E731
    assert setting("memory_limit") in ("1.8 GiB", "1.9 GiB", "2.0 GiB")  # 2GB as DuckDB shows it
    assert setting("preserve_insertion_order") is False
    assert "assess-duckdb-" in setting("temp_directory")
    monkeypatch.setenv(record_engine.MEMORY_LIMIT_VARIABLE, "512MB")
    con = record_engine.duckdb_connection()
    assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == "488.2 MiB"
