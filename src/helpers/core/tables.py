"""Writing and reading the pipeline's tables: the same frame always gives the same bytes.

Result tables (``results/``, published) are written as CSV and Parquet without pandas or
writer metadata; interim tables (``_interim/``, between notebooks) as Parquet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def save_table(df: pd.DataFrame, folder: Path, name: str, parquet: bool = True) -> list[Path]:
    """Write ``name.csv`` (and ``name.parquet``) so that the same frame gives the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"{name}.csv"
    df.to_csv(csv, index=False, lineterminator="\n")
    out = [csv]
    if parquet:
        table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        out.append(path)
    return out


def save_interim(df: pd.DataFrame, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    df.to_parquet(path, index=False)
    return path


def load_interim(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run the earlier pipeline notebooks first (assess run)"
        )
    return pd.read_parquet(path)


def load_table(folder: Path, name: str, text: tuple[str, ...] = ()) -> pd.DataFrame:
    """A result table as written by :func:`save_table`: the Parquet file when there is one (it
    keeps every column's type), else the CSV, with ``period`` read as text and the ``text``
    columns' empty cells as "" (not NaN)."""
    parquet = folder / f"{name}.parquet"
    if parquet.exists():
        return pd.read_parquet(parquet)
    path = folder / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run the earlier pipeline notebooks first (assess run)"
        )
    df = pd.read_csv(path, dtype={"period": str, **dict.fromkeys(text, str)})
    for col in text:
        df[col] = df[col].fillna("")
    return df
