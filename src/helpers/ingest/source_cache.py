"""What a source's reader returned, kept by the content of everything it read.

Step 1 (ingestion) reads every file an assessment uses. When one of them changes (a corrected
count in one monthly file), the step runs again; the other files' readings are taken from this
cache instead of being read, validated and aggregated again (the record-level extract's
validation, readmissions and case-mix fit are most of the step).

The key of a reading is: the source's key and settings (reader, path, options), the SHA-256 of
the file and of every file an option names (a population or lookup file), and a salt that
:func:`helpers.pipeline.run.run_assessment` sets from the code and the record-level engine
(``$ASSESS_SOURCE_CACHE_SALT``): a change to any of them reads afresh. The cache is the folder
``$ASSESS_SOURCE_CACHE`` (``reports/_cache/<id>/sources``); without it nothing is cached.
``$ASSESS_SOURCE_CACHE_READ=0`` (``assess run --no-cache``) reads every file but keeps the
readings for the next run.

The readings are pickles written by this process into the project's own ``reports/_cache``;
they are never taken from data or settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.core.files import named_files, sha256
from helpers.ingest.ledger import Ingested

ENV = "ASSESS_SOURCE_CACHE"
ENV_READ = "ASSESS_SOURCE_CACHE_READ"
ENV_SALT = "ASSESS_SOURCE_CACHE_SALT"
VERSION = "1"


def source_key(key: str, source: Any, root: Path, salt: str) -> str:
    """The key of reading ``source`` (a settings source) now."""
    h = hashlib.sha256()
    settings = source.model_dump(mode="json") if hasattr(source, "model_dump") else vars(source)
    h.update(json.dumps([VERSION, salt, key, settings], sort_keys=True, default=str).encode())
    files = [root / source.path, *named_files(getattr(source, "options", None) or {}, root)]
    for f in sorted(set(files)):
        h.update(f"\0{f}\0{sha256(f) if f.is_file() else 'missing'}".encode())
    return h.hexdigest()


def cached_read(key: str, source: Any, root: Path, read: Callable[[], Ingested]) -> Ingested:
    """``read()``, or what it returned for the same key before."""
    folder = os.environ.get(ENV, "").strip()
    if not folder:
        return read()
    entry = Path(folder) / f"{source_key(key, source, root, os.environ.get(ENV_SALT, ''))}.pkl"
    if os.environ.get(ENV_READ, "1") != "0" and entry.is_file():
        try:
            with entry.open("rb") as fh:
                got = pickle.load(fh)
            if isinstance(got, Ingested):
                os.utime(entry)  # used by this run: kept by the prune
                return got
        except Exception:  # noqa: BLE001 - a damaged entry is read afresh
            pass
    got = read()
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(got, fh, protocol=5)
    tmp.replace(entry)
    return got
