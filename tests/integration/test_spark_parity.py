"""The record-level indicator definitions give the same numbers on DuckDB and on Spark.

The measure queries are written once (DuckDB's dialect) and run on Spark translated by SQLGlot
(:mod:`helpers.ingest.record_engine`). Here every record-level measure runs on both, in a local
Spark session (``local[2]``), on a small synthetic extract with a few faulty rows (so Spark's
own selection of the accepted rows, :func:`accepted_sql`, is exercised too). Counts must be
exactly equal; expected deaths (a sum of the case-mix model's probabilities) to a relative
1e-12: the probabilities come from each engine's own ``exp`` and are rounded to 18 decimals
before an exact decimal sum, so the last bit may differ. About 30 s, most of it Spark.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.ingest.readers import record_level as rl
from helpers.ingest.record_engine import ENGINE_VARIABLE, DuckDBEngine, SparkEngine
from helpers.synthetic.records import SCHEMA, write_admissions
from helpers.synthetic.records_example import example_geography

JAVA_MISSING = (
    "Java not found: the Spark parity test needs a Java runtime (apt-get install "
    "default-jre-headless)"
)
#: floating sums: the engines add in a different order and use their own exp()
FLOAT_MEASURES = {"expected_deaths"}
RTOL = 1e-12
# pyspark 4.0's toPandas() passes a keyword pandas 3 deprecates; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning:pyspark")


@pytest.fixture(scope="module")
def spark():
    """A local Spark session for the module (2 cores, UI off, quiet), stopped at the end."""
    if shutil.which("java") is None:
        pytest.skip(JAVA_MISSING)
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        pytest.skip(f"pyspark is not importable ({exc}): pip install -e '.[test]'")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("spark-parity")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        # a short job: the quick JIT compiler only, which warms up faster
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A small synthetic extract (4 ICBs, 9 trusts, 2 years, about 57,000 spells) with faulty
    rows of several kinds, and its population table."""
    orgs, population = example_geography(n_icb=4, n_acute=9, seed=0)
    out = tmp_path_factory.mktemp("parity")
    write_admissions(orgs, population, ["2023/24", "2024/25"], 3, "small", out)
    clean = out / "record_level" / "admissions.parquet"
    # a third of the patients (whole readmission chains), to keep the test short
    df = pq.read_table(clean).to_pandas().query("patient_id % 3 == 0").reset_index(drop=True)
    df.loc[2, "sex"] = "X"
    df.loc[5, "age_band"] = "100+"
    df.loc[7, "provider_code"] = " "
    df.loc[9, "discharge_date"] = df.loc[9, "admission_date"] - pd.Timedelta(days=2)
    df.loc[11, "imd_decile"] = 0
    df.loc[13, "spell_id"] = df.loc[12, "spell_id"]  # both rows of the pair are rejected
    df.loc[20, "admission_method"] = "maternity"
    path = out / "admissions.parquet"
    pq.write_table(pa.Table.from_pandas(df, schema=SCHEMA, preserve_index=False), path)
    pop_path = out / "population.csv"
    population.to_csv(pop_path, index=False)
    return {"path": path, "population": population, "pop_path": pop_path, "orgs": orgs}


def assert_same_measures(duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    """The same rows in the same order with the same types; counts exactly equal, floating
    sums to :data:`RTOL`."""
    assert list(duck.columns) == list(spark.columns) == rl.MEASURE_COLUMNS
    assert duck.dtypes.equals(spark.dtypes), (duck.dtypes, spark.dtypes)
    assert len(duck) == len(spark) and len(duck) > 0
    keys = [c for c in rl.MEASURE_COLUMNS if c != "value"]
    pd.testing.assert_frame_equal(duck[keys], spark[keys], check_exact=True)
    floats = duck.measure.isin(FLOAT_MEASURES).to_numpy()
    np.testing.assert_array_equal(duck.value[~floats], spark.value[~floats])
    np.testing.assert_allclose(duck.value[floats], spark.value[floats], rtol=RTOL, atol=0)


@pytest.fixture(scope="module")
def engines(extract: dict, spark) -> tuple[DuckDBEngine, SparkEngine]:
    """DuckDB on the accepted rows of the validation; Spark on the file, selecting the accepted
    rows with the same checks written as SQL."""
    accepted, ledger, _ = rl.read_extract(extract["path"], "admissions")
    assert ledger["rows_rejected"] == 8
    return DuckDBEngine(accepted), SparkEngine(
        extract["path"], session=spark, spells_sql=rl.accepted_sql()
    )


def test_spark_selects_the_rows_the_validation_accepts(engines) -> None:
    duck, spark = engines
    query = "SELECT spell_id FROM spells ORDER BY spell_id"
    pd.testing.assert_series_equal(
        duck.sql(query).spell_id.astype("int64"), spark.sql(query).spell_id.astype("int64")
    )


def test_readmissions_are_the_same_on_spark(engines) -> None:
    duck, spark = engines
    assert_same_measures(
        rl.readmission_measures(engine=duck), rl.readmission_measures(engine=spark)
    )
    # a fixed period end and another window, too
    kwargs = {"window_days": 7, "period_end": "2025-01-31"}
    assert_same_measures(
        rl.readmission_measures(engine=duck, **kwargs),
        rl.readmission_measures(engine=spark, **kwargs),
    )


def test_mortality_and_its_case_mix_model_are_the_same_on_spark(engines) -> None:
    duck, spark = engines
    duck_measures, duck_model = rl.mortality_measures(engine=duck)
    spark_measures, spark_model = rl.mortality_measures(engine=spark)
    assert_same_measures(duck_measures, spark_measures)
    # the cells are integer counts in a fixed order: the same fit to the last bit
    pd.testing.assert_frame_equal(duck_model.fit, spark_model.fit, check_exact=True)
    pd.testing.assert_frame_equal(
        duck_model.coefficients, spark_model.coefficients, check_exact=True
    )
    assert duck_model.reference_levels == spark_model.reference_levels


def test_avoidable_admissions_by_age_band_are_the_same_on_spark(engines, extract: dict) -> None:
    duck, spark = engines
    pop = extract["population"]
    assert_same_measures(
        rl.avoidable_admission_measures(None, pop, engine=duck),
        rl.avoidable_admission_measures(None, pop, engine=spark),
    )


def test_the_reader_gives_the_same_result_with_either_engine(
    extract: dict, spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ASSESS_RECORD_ENGINE=spark`` changes where the measures run, nothing else."""

    class Source:
        path = extract["path"].name
        options = {"population": extract["pop_path"].name}

    folder = extract["path"].parent
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    duck = rl.read_record_level("admissions", Source(), folder)
    monkeypatch.setenv(ENGINE_VARIABLE, "spark")
    on_spark = rl.read_record_level("admissions", Source(), folder)
    assert_same_measures(duck.measures, on_spark.measures)
    assert duck.ledger == on_spark.ledger
    pd.testing.assert_frame_equal(duck.rejected, on_spark.rejected)
    pd.testing.assert_frame_equal(
        duck.extra["case_mix_model"].fit, on_spark.extra["case_mix_model"].fit, check_exact=True
    )
