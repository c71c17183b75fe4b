"""Content-hash caching of the pipeline's steps, so that a rerun redoes only what changed.

A *step* is one pipeline notebook of one assessment. Its key is the SHA-256 of everything its
output can depend on:

* the step's **notebook** (its bytes);
* the **code**: every file under ``src/helpers`` and ``pyproject.toml``, the
  code version printed on the pages (:func:`helpers.pipeline.provenance.code_version`), the
  Python version and the version of every installed package;
* the **settings**: the resolved settings (after ``extends:``) and the bytes of every settings
  and catalogue file;
* for the first step, the **input files** (their SHA-256: every source and reference file the
  settings name);
* for every later step, the **state it starts from**: the path and SHA-256 of every file the
  steps before it left in the build folder (the executed notebooks in ``pipeline/`` aside: they
  carry timings and are read by no later step). A step whose inputs changed but whose outputs
  did not (byte-identical result tables) therefore leaves the steps after it in the cache.

What a step left behind (every file of the build folder after it) is kept in
``reports/_cache/<id>/`` as content-addressed blobs plus a manifest per step. A step whose key
is found is not run: its files are copied from the cache. When every step of an assessment is
found and ``reports/<id>`` is the output of those very steps, nothing is done at all.

Figures have a cache of their own (:mod:`helpers.publish.figure_cache`), for the steps that do
run. File hashes are remembered by path, size and modification time
(``reports/_cache/hashes.json``), so an unchanged rerun does not read the data again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.core.files import named_files, sha256
from helpers.core.paths import reports_dir
from helpers.ingest import input_files, used_sources
from helpers.pipeline.provenance import code_version
from helpers.settings import LoadedAssessment

#: bump to invalidate every cache entry (a change in what a key covers)
CACHE_VERSION = 1
#: the file in reports/<id>/ naming the steps it was built from
BUILT_FROM = ".built-from.json"
#: not part of the state a later step starts from (timings), nor a cache entry's identity
VOLATILE = ("pipeline/",)


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


class HashMemo:
    """SHA-256 of files, remembered by (path, size, mtime_ns, inode) in a JSON file, so that an
    unchanged file is not read again. A changed file has a new size or modification time (or
    is a new inode when replaced), and is hashed afresh."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.memo: dict[str, list[Any]] = {}
        self.dirty = False
        if path is not None and path.exists():
            try:
                self.memo = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.memo = {}

    def sha256(self, file: Path) -> str:
        st = file.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        key = str(file.resolve())
        got = self.memo.get(key)
        if got is not None and got[:3] == stamp:
            return str(got[3])
        digest = sha256(file)
        self.memo[key] = [*stamp, digest]
        self.dirty = True
        return digest

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.memo, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
        self.dirty = False


def _tree(root: Path, folders: Iterable[str], suffixes: tuple[str, ...] | None = None) -> list:
    files = []
    for folder in folders:
        base = root / folder
        if base.is_file():
            files.append(base)
            continue
        for p in sorted(base.rglob("*")):
            if not p.is_file() or "__pycache__" in p.parts or ".ipynb_checkpoints" in p.parts:
                continue
            if suffixes is None or p.suffix in suffixes:
                files.append(p)
    return files


def code_fingerprint(root: Path, memo: HashMemo | None = None) -> str:
    """The code a run executes: helpers' sources and templates (each step's notebook is part
    of its own key), the pinned dependencies, the code version printed on the pages, Python
    and every installed package."""
    memo = memo or HashMemo(None)
    files = _tree(root, ("src/helpers", "pyproject.toml"))  # each step's notebook: its own key
    packages = sorted(
        {(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions()}.items()
    )
    return _digest(
        CACHE_VERSION,
        code_version(root),
        platform.python_version(),
        packages,
        [(p.relative_to(root).as_posix(), memo.sha256(p)) for p in files],
    )


def settings_fingerprint(run: LoadedAssessment, memo: HashMemo | None = None) -> str:
    """The resolved settings and the bytes of every settings and catalogue file."""
    memo = memo or HashMemo(None)
    files = [*run.settings_files, run.root / run.settings.catalogue_file]
    return _digest(
        run.settings.model_dump(mode="json"),
        [(str(p), memo.sha256(Path(p))) for p in files],
    )


def _input_paths(run: LoadedAssessment) -> tuple[set[Path], set[Path]]:
    """(the files of the ledger, every other file a setting names)."""
    root = run.root
    ledger = {Path(p) if Path(p).is_absolute() else root / p for p, _role in input_files(run)}
    settings = run.settings.model_dump(mode="json")
    # the sources the assessment does not use are not read: their files are not its inputs
    used = set(used_sources(run))
    settings["sources"] = {k: v for k, v in settings.get("sources", {}).items() if k in used}
    named = set(named_files(settings, root))
    return ledger, named - ledger


def inputs_fingerprint(run: LoadedAssessment, memo: HashMemo | None = None) -> str:
    """Every input file: the sources and reference files the assessment reads (the ledger's)
    and any other file a setting names. Part of the first step's key."""
    memo = memo or HashMemo(None)
    ledger, other = _input_paths(run)
    return _digest(sorted((str(p), memo.sha256(p)) for p in ledger | other))


def extra_inputs_fingerprint(run: LoadedAssessment, memo: HashMemo | None = None) -> str:
    """The files a setting names that are not in the ledger (so not in the state a later step
    starts from): part of every step's key. Usually none."""
    memo = memo or HashMemo(None)
    _ledger, other = _input_paths(run)
    return _digest(sorted((str(p), memo.sha256(p)) for p in other)) if other else ""


def state_of(folder: Path, memo: HashMemo | None = None) -> dict[str, str]:
    """Every file in a build folder, by its path in the folder, with its SHA-256."""
    memo = memo or HashMemo(None)
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[p.relative_to(folder).as_posix()] = memo.sha256(p)
    return out


def state_digest(state: dict[str, str]) -> str:
    """What a later step can read: the state without the volatile files."""
    return _digest(sorted((k, v) for k, v in state.items() if not k.startswith(VOLATILE)))


@dataclass
class StepRecord:
    key: str
    state: dict[str, str]  # the build folder after the step: path -> sha256
    seconds: float  # how long the step took when it ran


@dataclass
class StepCache:
    """The cached steps of one assessment (``reports/_cache/<id>/``)."""

    root: Path
    assessment_id: str
    enabled: bool = True
    #: whether a step may be taken from the cache (``--no-cache``: no, but what runs is kept)
    read: bool = True
    steps: dict[str, StepRecord] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return reports_dir(self.root) / "_cache" / self.assessment_id

    @property
    def blobs(self) -> Path:
        return self.folder / "blobs"

    @property
    def manifest(self) -> Path:
        return self.folder / "steps.json"

    def load(self) -> StepCache:
        if self.enabled and self.manifest.exists():
            try:
                raw = json.loads(self.manifest.read_text(encoding="utf-8"))
                self.steps = {k: StepRecord(**v) for k, v in raw.items()}
            except (OSError, ValueError, TypeError):
                self.steps = {}
        return self

    def lookup(self, step: str, key: str) -> StepRecord | None:
        rec = self.steps.get(step)
        if not (self.enabled and self.read) or rec is None or rec.key != key:
            return None
        if not all(self._blob(h).exists() for h in rec.state.values()):
            return None
        return rec

    def _blob(self, digest: str) -> Path:
        return self.blobs / digest[:2] / digest

    def store(self, step: str, key: str, build: Path, state: dict[str, str], s: float) -> None:
        """Keep the build folder's files after ``step`` (copies: a later step may rewrite a file
        in place)."""
        if not self.enabled:
            return
        for rel, digest in state.items():
            blob = self._blob(digest)
            if not blob.exists():
                blob.parent.mkdir(parents=True, exist_ok=True)
                tmp = blob.with_name(f"{digest}.{os.getpid()}.tmp")
                shutil.copyfile(build / rel, tmp)
                tmp.replace(blob)
        self.steps[step] = StepRecord(key, state, round(s, 3))

    def restore(self, record: StepRecord, build: Path, step: str | None = None) -> None:
        """Make ``build`` hold the files of ``record`` (the build folder after its step). With
        ``step``, the executed notebooks of the other steps (which ran in this run) are kept
        as they are, and only ``step``'s own is taken from the cache."""
        current = state_of(build)

        def mine(rel: str) -> bool:
            return step is None or not rel.startswith(VOLATILE) or rel == f"pipeline/{step}"

        for rel in set(current) - set(record.state):
            if mine(rel):
                (build / rel).unlink()
        for rel, digest in record.state.items():
            if current.get(rel) == digest or not mine(rel):
                continue
            dest = build / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self._blob(digest), dest)

    def save(self, keep: Iterable[str]) -> None:
        """Write the manifest; keep only the steps named and remove unreferenced blobs."""
        if not self.enabled:
            return
        keep = set(keep)
        self.steps = {k: v for k, v in self.steps.items() if k in keep}
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest.with_suffix(".tmp")
        data = {k: vars(v) for k, v in self.steps.items()}
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        tmp.replace(self.manifest)
        used = {h for rec in self.steps.values() for h in rec.state.values()}
        if self.blobs.exists():
            for blob in self.blobs.glob("*/*"):
                if blob.name not in used:
                    blob.unlink(missing_ok=True)


def step_key(
    step: str,
    notebook: Path,
    code: str,
    settings: str,
    inputs: str | None,
    state: str | None,
) -> str:
    """The key of one step: its notebook, the code, the settings, and either the input files
    (the first step) or the state the steps before it left (every later step)."""
    return _digest(CACHE_VERSION, step, sha256(notebook), code, settings, inputs, state)
