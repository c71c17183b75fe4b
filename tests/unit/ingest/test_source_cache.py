"""Step 1 keeps each source's reading by the content of what it read
(helpers.ingest.source_cache): an unchanged file is not read again; a changed file, a changed
file an option names, changed settings or another salt (code, engine) read afresh; with reading
off (--no-cache) every file is read but the readings are kept."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.ingest import source_cache
from helpers.ingest.ledger import Ingested


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(source_cache.ENV, str(folder))
    monkeypatch.setenv(source_cache.ENV_READ, "1")
    monkeypatch.setenv(source_cache.ENV_SALT, "code-1")
    return folder


def counting(calls: list[str], path: Path):
    def read() -> Ingested:
        text = path.read_text()
        calls.append(text)
        return Ingested(measures=pd.DataFrame({"value": [len(text)]}), ledger={"file": path.name})

    return read


def test_a_source_is_read_again_only_when_what_it_reads_changed(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path
    (root / "data.csv").write_text("a,b\n1,2\n")
    (root / "lookup.csv").write_text("x\n1\n")
    source = SimpleNamespace(path="data.csv", reader="flat_csv", options={"lookup": "lookup.csv"})
    calls: list[str] = []
    read = counting(calls, root / "data.csv")

    first = source_cache.cached_read("s", source, root, read)
    again = source_cache.cached_read("s", source, root, read)
    assert len(calls) == 1  # the second from the cache
    pd.testing.assert_frame_equal(first.measures, again.measures)
    assert again.ledger == {"file": "data.csv"}

    (root / "data.csv").write_text("a,b\n1,3\n")  # a corrected count
    assert source_cache.cached_read("s", source, root, read).measures.value[0] == 8
    assert len(calls) == 2
    (root / "lookup.csv").write_text("x\n2\n")  # a file an option names
    source_cache.cached_read("s", source, root, read)
    assert len(calls) == 3
    source.options = {"lookup": "lookup.csv", "skip_rows": 1}  # the settings
    source_cache.cached_read("s", source, root, read)
    assert len(calls) == 4
    monkeypatch.setenv(source_cache.ENV_SALT, "code-2")  # the code or the engine
    source_cache.cached_read("s", source, root, read)
    assert len(calls) == 5
    monkeypatch.setenv(source_cache.ENV_READ, "0")  # --no-cache: read, and kept
    source_cache.cached_read("s", source, root, read)
    assert len(calls) == 6
    monkeypatch.setenv(source_cache.ENV_READ, "1")
    source_cache.cached_read("s", source, root, read)
    assert len(calls) == 6
    assert len(list(cache.glob("*.pkl"))) == 5  # one entry per key, no temporary file left


def test_without_the_cache_folder_every_read_reads(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(source_cache.ENV, raising=False)
    (tmp_path / "data.csv").write_text("a\n1\n")
    source = SimpleNamespace(path="data.csv", reader="flat_csv", options={})
    calls: list[str] = []
    for _ in range(2):
        source_cache.cached_read("s", source, tmp_path, counting(calls, tmp_path / "data.csv"))
    assert len(calls) == 2


def test_a_damaged_entry_is_read_afresh(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "data.csv").write_text("a\n1\n")
    source = SimpleNamespace(path="data.csv", reader="flat_csv", options={})
    calls: list[str] = []
    read = counting(calls, tmp_path / "data.csv")
    source_cache.cached_read("s", source, tmp_path, read)
    for entry in cache.glob("*.pkl"):
        entry.write_bytes(b"not a pickle")
    got = source_cache.cached_read("s", source, tmp_path, read)
    assert len(calls) == 2 and got.measures.value[0] == 4
