"""The record-level step at England scale: speed, against pandas and a bare DuckDB query, ten
times England out of core, and parity on Spark.

Run from the repository root (``src`` is put on the path)::

    python benchmarks/bench_record_level.py --scale england [--json figures.json]

The extract is ``data/synthetic/<scale>/**/admissions.parquet`` (with that folder's
``population_icb_age_sex.csv``) when it exists, else a new one generated into a temporary folder
(``england``: 125 acute trusts, 42 ICBs, 5 financial years, about 5.9 million spells;
``small``: 20 trusts, 8 ICBs, 3 years); ``--data PATH`` names another. Figures:

``record_rows``
    spells in the extract.
``record_rows_per_s``
    spells per second of our whole record-level step: :func:`read_record_level`, the reader
    the pipeline runs (validation and ledger, readmissions, the case-mix fit with observed and
    expected deaths, avoidable admissions by age band), best of ``--repeat`` runs.
``duckdb_vs_pandas``
    the same indicators in plain, idiomatic pandas (the file read with pyarrow, then boolean
    masks, ``merge`` and ``groupby``), time over ours (our indicator queries on DuckDB on the
    same file): readmissions, the case-mix cells, observed and expected deaths, ACS admissions
    by age band. Neither includes the case-mix fit, the same statsmodels code in both (timed
    as ``case_mix_fit_s``; ``duckdb_vs_pandas_with_fit`` adds it to both). The pandas results
    are checked against ours first (the cells and counts equal, expected deaths to a relative
    1e-9). The ratio is the median of the ratios of at least five pairs run back to back (ours,
    then pandas), so that load on the machine, which slows both sides of a pair alike, does
    not move it.
``duckdb_vs_bare_sql_ratio``
    our whole step over one bare DuckDB query (CTEs, straight from the Parquet file, the
    fitted coefficients written in) that computes the same numbers and nothing else: no
    validation, ledger or fit. The practical floor; its results are checked against ours.
``record_rows_10x``, ``peak_rss_mb_10x``
    an extract ten times England's (each spell copied ten times under new spell and patient
    ids, written by DuckDB out of core into a temporary folder, removed afterwards) and the
    peak resident memory of our step run on it in a child process (``ru_maxrss`` of the
    children, Linux, read in a small launcher process: see :data:`LAUNCHER`).
``spark_parity``
    whether the reader gives the same results with ``ASSESS_RECORD_ENGINE=spark`` (PySpark in
    local mode) as with DuckDB on a small extract; ``"skipped: <reason>"`` without Java or
    pyspark.

``--json PATH`` writes the figures (and the seconds behind them) as a JSON object;
``benchmarks/run.py`` (``make bench``) compares them with their targets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from helpers.ingest.casemix import CASE_MIX_FACTORS, fit_case_mix  # noqa: E402
from helpers.ingest.readers import record_level as rl  # noqa: E402
from helpers.ingest.record_engine import ENGINE_VARIABLE  # noqa: E402
from helpers.synthetic.records import write_admissions  # noqa: E402
from helpers.synthetic.records_example import example_geography  # noqa: E402

SHAPES = {
    "england": (42, 125, ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]),
    "small": (8, 20, ["2022/23", "2023/24", "2024/25"]),
}
COUNTS = ["index_spells", "readmissions_30d", "observed_deaths", "acs_admissions"]
KEYS = ["org_code_published", "month", "measure", "stratum"]
WINDOW = rl.READMISSION_WINDOW_DAYS


class Source:
    """The reader's view of a settings source: the extract and its population table."""

    def __init__(self, path: Path, population: Path) -> None:
        self.path = path.name
        self.options = {"population": str(population.resolve())}


def our_step(path: Path, population: Path) -> rl.Ingested:
    """The record-level step as the pipeline runs it (``reader: record_level_admissions``)."""
    return rl.read_record_level("admissions", Source(path, population), path.parent)


def interleaved(
    repeat: int, ours: Callable[[], object], theirs: Callable[[], object]
) -> tuple[float, float, float, object, object]:
    """``repeat`` pairs run back to back (ours then theirs): the median of the pairs' ratios
    (theirs over ours), the shortest time of each side, and the last results."""
    ratios, a_times, b_times = [], [], []
    a_out = b_out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        a_out = ours()
        t1 = time.perf_counter()
        b_out = theirs()
        t2 = time.perf_counter()
        a_times.append(t1 - t0)
        b_times.append(t2 - t1)
        ratios.append((t2 - t1) / (t1 - t0))
    return statistics.median(ratios), min(a_times), min(b_times), a_out, b_out


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The shortest of ``repeat`` runs (seconds) and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# ------------------------------------------------------------------------------------------
# Our measure functions on the file, and the same in pandas
# ------------------------------------------------------------------------------------------


def ours_indicators(
    path: Path, population: pd.DataFrame, coefs: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our indicator definitions on DuckDB, straight from the Parquet file (no validation):
    readmissions, the case-mix cells, observed and expected deaths with the coefficients
    ``coefs`` (the fit itself is timed apart), ACS admissions. Returns (long measures, cells)."""
    engine = rl.DuckDBEngine(path)
    readm = rl.readmission_measures(engine=engine)
    cells = engine.sql(rl.case_mix_cells_sql())
    mort = _as_long(
        engine.sql(rl.expected_deaths_sql(coefs)).rename(columns={"provider_code": "org"})
    )
    acs = rl.avoidable_admission_measures(None, population, engine=engine)
    measures = pd.concat([readm, mort, acs[acs.measure == "acs_admissions"]], ignore_index=True)
    return measures, cells


def _fy(dates: pd.Series) -> pd.Series:
    start = dates.dt.year - (dates.dt.month < 4)
    return start.astype(str) + "/" + ((start + 1) % 100).astype(str).str.zfill(2)


def pandas_indicators(path: Path, coefs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same indicators in plain pandas: readmissions by provider and discharge month,
    the case-mix cells, observed and expected deaths (with the coefficients ``coefs``),
    emergency ACS admissions by ICB, admission month and age band. Returns (long measures,
    cells)."""
    df = pq.read_table(path).to_pandas(date_as_object=False)
    df["discharge_month"] = df.discharge_date.dt.to_period("M").dt.to_timestamp()
    end = df.admission_date.max()
    window = pd.Timedelta(days=WINDOW)

    # readmissions: index spells (alive, full follow-up) joined to the patient's emergencies
    idx = df.loc[~df.died & (df.discharge_date <= end - window)]
    em = df.loc[df.admission_method == "emergency", ["spell_id", "patient_id", "admission_date"]]
    pairs = idx[["spell_id", "patient_id", "discharge_date"]].merge(
        em, on="patient_id", suffixes=("", "_next")
    )
    hit = pairs.loc[
        (pairs.spell_id_next != pairs.spell_id)
        & (pairs.admission_date >= pairs.discharge_date)
        & (pairs.admission_date <= pairs.discharge_date + window),
        "spell_id",
    ].unique()
    readm = (
        idx.assign(readmitted=idx.spell_id.isin(hit))
        .groupby(["provider_code", "discharge_month"])
        .agg(index_spells=("spell_id", "size"), readmissions_30d=("readmitted", "sum"))
        .reset_index()
        .rename(columns={"provider_code": "org", "discharge_month": "month"})
    )

    # mortality: cells per financial year and case-mix factors, expected deaths
    scored = df.loc[df.discharge_date <= end].assign(fy=lambda d: _fy(d.discharge_date))
    factors = list(CASE_MIX_FACTORS)
    cells = (
        scored.groupby(["fy", *factors])
        .agg(spells=("died", "size"), deaths=("died", "sum"))
        .reset_index()
    )
    p = 1.0 / (1.0 + np.exp(-_eta(cells, coefs)))
    per_cell = (
        scored.groupby(["provider_code", "discharge_month", "fy", *factors])
        .agg(n=("died", "size"), dead=("died", "sum"))
        .reset_index()
        .merge(cells[["fy", *factors]].assign(p=p), on=["fy", *factors])
    )
    mort = (
        per_cell.assign(expected=per_cell.n * per_cell.p)
        .groupby(["provider_code", "discharge_month"])
        .agg(observed_deaths=("dead", "sum"), expected_deaths=("expected", "sum"))
        .reset_index()
        .rename(columns={"provider_code": "org", "discharge_month": "month"})
    )

    # avoidable admissions: emergency ACS spells by ICB, admission month and age band
    acs_rows = df.loc[(df.admission_method == "emergency") & df.diagnosis_group.isin(rl.ACS_GROUPS)]
    acs = (
        acs_rows.assign(month=acs_rows.admission_date.dt.to_period("M").dt.to_timestamp())
        .groupby(["icb_code", "month", "age_band"])
        .size()
        .rename("acs_admissions")
        .reset_index()
        .rename(columns={"icb_code": "org", "age_band": "stratum"})
    )
    return _as_long(readm, mort, acs), cells


def _eta(cells: pd.DataFrame, coefs: dict) -> np.ndarray:
    """The linear predictor of each cell from its year's coefficients."""
    eta = np.zeros(len(cells))
    for year, terms in coefs.items():
        rows = (cells.fy == year).to_numpy()
        for (factor, level), b in terms:
            if factor == "(Intercept)":
                eta[rows] += b
            else:
                eta[rows & (cells[factor].astype(str) == level).to_numpy()] += b
    return eta


def _as_long(*frames: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for frame in frames:
        stratum = frame["stratum"] if "stratum" in frame else ""
        for m in [c for c in frame.columns if c not in ("org", "month", "stratum")]:
            parts.append(
                pd.DataFrame(
                    {
                        "org_code_published": frame["org"].astype(str),
                        "month": pd.to_datetime(frame["month"]).astype(rl.MONTH_DTYPE),
                        "measure": m,
                        "stratum": stratum,
                        "value": frame[m].astype(float),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def assert_same(ours: pd.DataFrame, other: pd.DataFrame, what: str) -> None:
    """Counts equal; expected deaths to a relative 1e-9 (summed in another order)."""
    a = ours[[*KEYS, "value"]].astype({"stratum": str}).sort_values(KEYS, ignore_index=True)
    b = other[[*KEYS, "value"]].astype({"stratum": str}).sort_values(KEYS, ignore_index=True)
    a = a.astype({k: str for k in KEYS if k != "month"})
    b = b.astype({k: str for k in KEYS if k != "month"})
    assert len(a) == len(b), f"{what}: {len(b)} measure rows, ours {len(a)}"
    pd.testing.assert_frame_equal(a[KEYS], b[KEYS], check_dtype=False)
    counts = a.measure.isin(COUNTS).to_numpy()
    np.testing.assert_array_equal(a.value[counts], b.value[counts], err_msg=what)
    np.testing.assert_allclose(a.value[~counts], b.value[~counts], rtol=1e-9, err_msg=what)


# ------------------------------------------------------------------------------------------
# One bare DuckDB query: the floor
# ------------------------------------------------------------------------------------------


def _q(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def bare_sql(path: Path, coefs: dict) -> str:
    """One query from the Parquet file to every number of the step (long rows), with the
    case-mix coefficients written in: each part reads the file itself (no copy of it); the two
    small results used twice are materialised rather than computed twice."""
    years = []
    for year, terms in coefs.items():
        parts, levels = [], {}
        for (factor, level), b in terms:
            if factor == "(Intercept)":
                parts.append(repr(float(b)))
            else:
                levels.setdefault(factor, []).append(f"WHEN {_q(level)} THEN {float(b)!r}")
        for factor, whens in levels.items():
            parts.append(f"CASE {factor}::VARCHAR {' '.join(whens)} ELSE 0 END")
        years.append(f"WHEN {int(year[:4])} THEN " + " + ".join(parts))
    eta = f"CASE year(discharge_date) - (month(discharge_date) < 4)::INT {' '.join(years)} END"
    acs = ", ".join(_q(g) for g in rl.ACS_GROUPS)
    src = f"read_parquet({_q(str(path))})"
    return f"""
    WITH last AS (SELECT max(admission_date) AS d FROM {src}),
    idx AS (
        SELECT spell_id, patient_id, provider_code, discharge_date FROM {src}
        WHERE NOT died AND discharge_date <= (SELECT d FROM last) - {WINDOW}
    ),
    em AS (SELECT spell_id, patient_id, admission_date FROM {src}
           WHERE admission_method = 'emergency'),
    hit AS (
        SELECT DISTINCT i.spell_id FROM idx i JOIN em e
          ON e.patient_id = i.patient_id AND e.spell_id <> i.spell_id
         AND e.admission_date BETWEEN i.discharge_date AND i.discharge_date + {WINDOW}
    ),
    readm AS MATERIALIZED (
        SELECT provider_code AS org, date_trunc('month', discharge_date) AS month,
               count(*) AS index_spells, count(h.spell_id) AS readmissions_30d
        FROM idx LEFT JOIN hit h USING (spell_id) GROUP BY ALL
    ),
    mort AS MATERIALIZED (
        SELECT provider_code AS org, date_trunc('month', discharge_date) AS month,
               sum(died::INT) AS observed_deaths,
               sum((1 / (1 + exp(-({eta}))))::DECIMAL(38, 18))::DOUBLE AS expected_deaths
        FROM {src} WHERE discharge_date <= (SELECT d FROM last) GROUP BY ALL
    ),
    acs AS (
        SELECT icb_code AS org, date_trunc('month', admission_date) AS month, age_band,
               count(*) AS n
        FROM {src} WHERE admission_method = 'emergency' AND diagnosis_group IN ({acs})
        GROUP BY ALL
    )
    SELECT org, month, 'index_spells' AS measure, '' AS stratum, index_spells::DOUBLE AS value
    FROM readm
    UNION ALL SELECT org, month, 'readmissions_30d', '', readmissions_30d FROM readm
    UNION ALL SELECT org, month, 'observed_deaths', '', observed_deaths FROM mort
    UNION ALL SELECT org, month, 'expected_deaths', '', expected_deaths FROM mort
    UNION ALL SELECT org, month, 'acs_admissions', age_band, n FROM acs
    """


def run_bare(path: Path, coefs: dict) -> pd.DataFrame:
    """The bare query on a plain DuckDB connection (no memory limit), in any row order."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    out = con.execute(bare_sql(path, coefs)).df()
    return out.rename(columns={"org": "org_code_published"}).assign(
        month=lambda d: pd.to_datetime(d.month).astype(rl.MONTH_DTYPE)
    )


# ------------------------------------------------------------------------------------------
# Ten times England, out of core, in a child process
# ------------------------------------------------------------------------------------------


def write_tenfold(path: Path, out: Path) -> int:
    """Ten copies of every spell under new spell and patient ids (so readmission chains stay
    within a copy), written by DuckDB straight from Parquet to Parquet."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    src = f"read_parquet({_q(str(path))})"
    spell, patient = con.execute(
        f"SELECT max(spell_id) + 1, max(patient_id) + 1 FROM {src}"
    ).fetchall()[0]
    cols = ", ".join(c for c in rl.REQUIRED_COLUMNS if c not in ("spell_id", "patient_id"))
    con.execute(
        f"COPY (SELECT spell_id + copy.range * {int(spell)} AS spell_id, "
        f"patient_id + copy.range * {int(patient)} AS patient_id, {cols} "
        f"FROM range(10) AS copy, {src}) TO {_q(str(out))} (FORMAT parquet)"
    )
    return int(pq.ParquetFile(out).metadata.num_rows)


#: Runs the command in its argument list and prints, as JSON, its exit status, output and peak
#: resident memory (``ru_maxrss`` of the children, KiB). A child's ``ru_maxrss`` starts from
#: its parent's peak (the child is started with vfork and shares the parent's memory until it
#: runs the new program), so the step is started from this small process, not from the
#: benchmark, whose own peak (pandas on England) would be counted.
LAUNCHER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"returncode": done.returncode, "stdout": done.stdout, "peak_kib": peak}))
"""


def _own_peak_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM, Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_step(path: Path, population: Path) -> None:
    """In the child process: our step on ``path``; prints its rows, seconds and own peak
    memory as JSON."""
    t0 = time.perf_counter()
    ingested = our_step(path, population)
    seconds = time.perf_counter() - t0
    rows = int(ingested.ledger["rows_read"])
    print(json.dumps({"rows": rows, "seconds": seconds, "vmhwm_mb": _own_peak_mb()}))


def tenfold(path: Path, population: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-record-x10-") as tmp:
        big = Path(tmp) / "admissions.parquet"
        t0 = time.perf_counter()
        rows = write_tenfold(path, big)
        print(
            f"  ten times the extract written: {rows:,d} spells in {time.perf_counter() - t0:.0f} s"
        )
        step = [sys.executable, __file__, "--child-step", str(big), "--population", str(population)]
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, *step], capture_output=True, text=True, check=False
        )
    launched = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    if launched.get("returncode") != 0:
        raise RuntimeError(f"the step on ten times the extract failed:\n{done.stderr[-3000:]}")
    result = json.loads(launched["stdout"].strip().splitlines()[-1])
    return {
        "record_rows_10x": result["rows"],
        "peak_rss_mb_10x": round(launched["peak_kib"] / 1024),  # ru_maxrss is in KiB on Linux
        "peak_rss_mb_10x_own": round(result["vmhwm_mb"]),
        "record_step_10x_s": round(result["seconds"], 1),
    }


# ------------------------------------------------------------------------------------------
# Spark parity on a small extract
# ------------------------------------------------------------------------------------------


def spark_parity() -> bool | str:
    """The reader on DuckDB and on PySpark (local mode) on a small extract: the same measures
    (counts equal, expected deaths to a relative 1e-12), ledger and case-mix fit."""
    if shutil.which("java") is None:
        return "skipped: Java not found (apt-get install default-jre-headless)"
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        return f"skipped: pyspark is not importable ({exc})"
    orgs, population = example_geography(n_icb=4, n_acute=9, seed=0)
    with tempfile.TemporaryDirectory(prefix="bench-record-spark-") as tmp:
        out = Path(tmp)
        write_admissions(orgs, population, ["2023/24", "2024/25"], 3, "small", out)
        path = out / "record_level" / "admissions.parquet"
        pop = out / "population.csv"
        population.to_csv(pop, index=False)
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("bench-record-level")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        before = os.environ.get(ENGINE_VARIABLE)
        try:
            os.environ.pop(ENGINE_VARIABLE, None)
            duck = our_step(path, pop)
            os.environ[ENGINE_VARIABLE] = "spark"
            on_spark = our_step(path, pop)
        finally:
            if before is None:
                os.environ.pop(ENGINE_VARIABLE, None)
            else:
                os.environ[ENGINE_VARIABLE] = before
            spark.stop()
    a, b = duck.measures, on_spark.measures
    floats = (a.measure == "expected_deaths").to_numpy()
    keys = [c for c in a.columns if c != "value"]
    return bool(
        a.dtypes.equals(b.dtypes)
        and a[keys].equals(b[keys])
        and np.array_equal(a.value[~floats], b.value[~floats])
        and np.allclose(a.value[floats], b.value[floats], rtol=1e-12, atol=0)
        and duck.ledger == on_spark.ledger
        and duck.extra["case_mix_model"].fit.equals(on_spark.extra["case_mix_model"].fit)
    )


# ------------------------------------------------------------------------------------------


def _extract(args: argparse.Namespace, tmp: Path) -> tuple[Path, Path]:
    """The extract and its population table: --data, the project's synthetic data, or new."""
    folder = ROOT / "data" / "synthetic" / args.scale
    n_icb, n_acute, years = SHAPES[args.scale]
    if args.data is not None:
        pop = folder / "population_icb_age_sex.csv"
        if not pop.exists():
            _, population = example_geography(n_icb=n_icb, n_acute=n_acute, seed=0)
            pop = tmp / "population.csv"
            population.to_csv(pop, index=False)
        return args.data, pop
    found = sorted(folder.glob("**/admissions.parquet"))
    if found and (folder / "population_icb_age_sex.csv").exists():
        return found[0], folder / "population_icb_age_sex.csv"
    print(f"no {folder.relative_to(ROOT)}/**/admissions.parquet: generating one", flush=True)
    orgs, population = example_geography(n_icb=n_icb, n_acute=n_acute, seed=0)
    write_admissions(orgs, population, years, args.seed, args.scale, tmp)
    pop = tmp / "population.csv"
    population.to_csv(pop, index=False)
    return tmp / "record_level" / "admissions.parquet", pop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SHAPES), default="england")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="an existing admissions.parquet to use")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--no-10x", action="store_true", help="skip ten times England")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark parity")
    parser.add_argument("--child-step", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--population", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_step is not None:
        child_step(args.child_step, args.population)
        return

    with tempfile.TemporaryDirectory(prefix="bench-record-") as tmp:
        path, pop_path = _extract(args, Path(tmp))
        rows = pq.ParquetFile(path).metadata.num_rows
        population = pd.read_csv(pop_path, dtype={"icb_code": str, "age_band": str, "sex": str})
        print(f"extract: {path} ({rows:,d} spells, {path.stat().st_size / 1e6:,.1f} MB)")
        print(f"timing: best of {args.repeat} runs", flush=True)

        step_s, ingested = best_of(args.repeat, lambda: our_step(path, pop_path))
        print(f"  our step (read_record_level): {step_s:.2f} s", flush=True)
        cells = (
            rl.DuckDBEngine(path)
            .sql(rl.case_mix_cells_sql())
            .astype({"fy": str, "spells": "int64", "deaths": "int64"})
        )
        fit_s, (coefs, _) = best_of(args.repeat, lambda: fit_case_mix(cells))
        print(f"  the case-mix fit (statsmodels, in our step): {fit_s:.2f} s", flush=True)
        # interleaved (ours, pandas, ours, pandas...): the ratio is the median of the pairs'
        # ratios, each pair run back to back, so that load on the machine moves both sides
        ratio, ours_s, pandas_s, (ours, our_cells), (in_pandas, pandas_cells) = interleaved(
            max(5, args.repeat),
            lambda: ours_indicators(path, population, coefs),
            lambda: pandas_indicators(path, coefs),
        )
        print(f"  our indicator queries on the file: {ours_s:.2f} s", flush=True)
        print(f"  the same in pandas: {pandas_s:.2f} s (median ratio {ratio:.2f})", flush=True)
        assert_same(ours, in_pandas, "pandas")
        pd.testing.assert_frame_equal(
            our_cells.astype({"spells": "int64", "deaths": "int64"}),
            pandas_cells.astype({"spells": "int64", "deaths": "int64"}),
            check_dtype=False,
        )
        bare_s, bare = best_of(args.repeat, lambda: run_bare(path, coefs))
        print(f"  one bare DuckDB query: {bare_s:.2f} s", flush=True)
        assert_same(ingested.measures[ingested.measures.measure != "population"], bare, "bare")
        figures: dict = {
            "record_rows": int(rows),
            "record_rows_per_s": round(rows / step_s),
            "duckdb_vs_pandas": round(ratio, 2),
            "duckdb_vs_pandas_with_fit": round((pandas_s + fit_s) / (ours_s + fit_s), 2),
            "duckdb_vs_bare_sql_ratio": round(step_s / bare_s, 2),
        }
        if not args.no_10x:
            figures.update(tenfold(path, pop_path))
        figures["spark_parity"] = "skipped: --no-spark" if args.no_spark else spark_parity()
        figures.update(
            {
                "record_step_s": round(step_s, 2),
                "record_measures_s": round(ours_s, 2),
                "record_pandas_s": round(pandas_s, 2),
                "record_bare_sql_s": round(bare_s, 2),
                "case_mix_fit_s": round(fit_s, 2),
            }
        )
    print(f"\n{'figure':<26} {'value':>16}")
    for key, value in figures.items():
        shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
        print(f"{key:<26} {shown!s:>16}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"written to {args.json}")


if __name__ == "__main__":
    main()
