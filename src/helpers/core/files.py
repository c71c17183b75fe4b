"""Files: hashes, JSON, merging mappings, and building a folder beside its final place.

:func:`building` is the one "build in a temporary folder, then swap it in whole" mechanism of
the project: the synthetic data, each assessment run and the website are all built this way, so
that a failure never leaves half an output and the previous good one stays in place.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

_COUNTER = itertools.count(1)


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, data: dict) -> None:
    """Sorted keys, two-space indent, a final newline: the same data gives the same bytes."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def deep_merge(base: Any, over: Any, lists: Literal["concat", "replace"] = "concat") -> Any:
    """Merge like Quarto's configuration merge: mappings recursively, lists concatenated (without
    duplicates; ``lists="replace"``: replaced), anything else replaced by ``over``."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = (
                deep_merge(base[key], value, lists) if key in base else copy.deepcopy(value)
            )
        return merged
    if lists == "concat" and isinstance(base, list) and isinstance(over, list):
        merged_list = list(base)
        merged_list.extend(v for v in over if v not in base)
        return merged_list
    return copy.deepcopy(over)


def _sibling(out: Path, kind: str) -> Path:
    """A hidden, unique sibling of ``out`` (``.<name>.<kind>-<pid>-<n>``)."""
    return out.with_name(f".{out.name}.{kind}-{os.getpid()}-{next(_COUNTER)}")


def swap_into_place(new: Path, out: Path) -> None:
    """Move ``new`` to ``out``; the old ``out`` is removed only once the new one is in place.
    The old folder is parked under a hidden name meanwhile, so nothing that lists finished
    outputs can see it."""
    old = None
    if out.exists():
        old = _sibling(out, "old")
        out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        shutil.rmtree(new, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def building(out: Path, tmp: Path | None = None) -> Iterator[Path]:
    """Build ``out`` in a hidden temporary sibling folder and swap it into place on success.

        with building(Path("_site")) as tmp:
            ...  # write everything into tmp

    On any error the temporary folder is removed and ``out`` is left exactly as it was. ``tmp``
    names the temporary folder (a fixed name, e.g. so that paths written into the output are
    the same on every build; the caller makes sure no one else builds there at the same time),
    default a unique hidden sibling."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if tmp is None:
        tmp = _sibling(out, "tmp")
    else:
        shutil.rmtree(tmp, ignore_errors=True)  # left over from an interrupted build
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_into_place(tmp, out)


def is_glob(path: str) -> bool:
    """A source path with a wildcard stands for every matching file (one file per year)."""
    return any(ch in path for ch in "*?[")


def glob_source(path: str, root: Path) -> list[Path]:
    """The files a glob source path matches, in name order; relative to ``root`` or absolute."""
    pattern = Path(path)
    if pattern.is_absolute():
        anchor = Path(pattern.anchor)
        return sorted(anchor.glob(str(pattern.relative_to(anchor))))
    return sorted(root.glob(path))
