"""Files: hashes, JSON, merging mappings, and building a folder beside its final place.

:func:`building` is the one "build in a temporary folder, then swap it in whole" mechanism of
the project: the synthetic data, each assessment run and the website are all built this way, so
that a failure never leaves half an output and the previous good one stays in place. The swap is
one atomic step where the system offers it (Linux), so a build killed at any moment, even with
SIGKILL, leaves either the previous output or the new one, whole; what a killed build leaves
beside the output (its temporary folder) is tidied by the next build.

:func:`exclusive` is the lock that keeps two builds of the same output apart, and
:func:`describe_os_error` says in one line why a file could not be written (a full disk, no
permission, a read-only file system).
"""

from __future__ import annotations

import copy
import ctypes
import errno
import fcntl
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

_COUNTER = itertools.count(1)

#: the reasons of the operating-system errors a build meets, in words
_REASONS = {
    errno.ENOSPC: "no space left on device (the disk is full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system or the file size limit",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOTDIR: "a file is in the way where a folder is expected",
    errno.EISDIR: "a folder is in the way where a file is expected",
    errno.ENOENT: "no such file or folder",
    errno.EIO: "input/output error (a failing disk or network share?)",
}


def named_files(value: Any, root: Path) -> Iterable[Path]:
    """Every string in ``value`` (settings: nested mappings and lists) that names an existing
    file, absolute or relative to ``root`` (a source's option such as a population file)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from named_files(v, root)
    elif isinstance(value, list):
        for v in value:
            yield from named_files(v, root)
    elif isinstance(value, str) and 0 < len(value) < 500 and "\n" not in value:
        p = Path(value) if Path(value).is_absolute() else root / value
        try:
            if p.is_file():
                yield p
        except OSError:
            return


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


def describe_os_error(exc: OSError, where: Path | str | None = None) -> str:
    """One line for an operating-system error: the path (``where`` when the error names none,
    as a write to a full disk does) and the reason in words, e.g.
    ``/srv/_site: no space left on device (the disk is full)``."""
    if exc.errno is None:  # not the system's error: its own message
        return str(exc) or type(exc).__name__
    reason = _REASONS.get(exc.errno) or exc.strerror or os.strerror(exc.errno)
    paths = [str(f) for f in (exc.filename, exc.filename2) if f is not None]
    if not paths and where is not None:  # e.g. a write to a full disk names no file
        paths = [str(where)]
    return f"{' -> '.join(paths)}: {reason}" if paths else reason


class Busy(RuntimeError):
    """Another process holds the lock (:func:`exclusive`)."""


@contextmanager
def exclusive(lock_path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (an empty file, created if missing) meanwhile;
    raise :class:`Busy` with the message ``busy`` at once when another process holds it.

    The lock is the operating system's (``flock``), not the file: it goes with the process that
    holds it, even one killed with SIGKILL, so a killed build never leaves a stale lock."""
    with Path(lock_path).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(busy) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sibling(out: Path, kind: str) -> Path:
    """A hidden, unique sibling of ``out`` (``.<name>.<kind>-<pid>-<n>``)."""
    return out.with_name(f".{out.name}.{kind}-{os.getpid()}-{next(_COUNTER)}")


def _remove(path: Path) -> None:
    """Remove a folder (or a file in the way), as far as possible."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _clear_leftovers(out: Path) -> None:
    """Tidy what killed builds left beside ``out``: the hidden temporary and parked folders
    (``.<name>.tmp-<pid>-<n>``, ``.<name>.old-<pid>-<n>``) of processes no longer running are
    removed, but a parked previous output is first put back when ``out`` is missing (a build
    killed between the two renames of :func:`swap_into_place`, where the atomic exchange is not
    available)."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)-\d+")
    for path in sorted(out.parent.iterdir()):
        found = pattern.fullmatch(path.name)
        if not found or _alive(int(found[2])):
            continue
        if found[1] == "old" and not out.exists():
            path.rename(out)
        else:
            _remove(path)


def tidy(out: Path, tmp: Path | None = None) -> None:
    """What :func:`building` does first, for a caller that builds nothing this time (its output
    is up to date): remove what killed builds left beside ``out``, and the fixed temporary
    folder ``tmp`` (the caller holds the lock that keeps others from building there)."""
    if out.parent.is_dir():
        _clear_leftovers(out)
    if tmp is not None and (tmp.exists() or tmp.is_symlink()):
        _remove(tmp)


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (old glibc, musl)
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one atomic step (Linux's ``renameat2`` with RENAME_EXCHANGE);
    False where the system or the file system does not offer it."""
    fn = _renameat2()
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def swap_into_place(new: Path, out: Path) -> None:
    """Move ``new`` to ``out``; the old ``out`` is removed only once the new one is in place.

    Where the system offers it the two are exchanged in one atomic step, so that ``out`` is at
    every moment either the old output or the new one. Elsewhere the old folder is parked under
    a hidden name for the moment between two renames (and put back by the next build if the
    process is killed just then); nothing that lists finished outputs can see it."""
    if out.exists() or out.is_symlink():
        if _exchange(new, out):
            _remove(new)  # now the old output
            return
        old = _sibling(out, "old")
        out.rename(old)
        try:
            new.rename(out)
        except BaseException:
            old.rename(out)
            raise
        _remove(old)
    else:
        new.rename(out)


@contextmanager
def building(out: Path, tmp: Path | None = None) -> Iterator[Path]:
    """Build ``out`` in a hidden temporary sibling folder and swap it into place on success.

        with building(Path("_site")) as tmp:
            ...  # write everything into tmp

    On any error the temporary folder is removed and ``out`` is left exactly as it was; a
    process killed meanwhile leaves ``out`` as it was too, and its temporary folder is removed
    by the next build. ``tmp`` names the temporary folder (a fixed name, e.g. so that paths
    written into the output are the same on every build; the caller makes sure no one else
    builds there at the same time, e.g. with :func:`exclusive`), default a unique hidden
    sibling."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out)
    if tmp is None:
        tmp = _sibling(out, "tmp")
    elif tmp.exists() or tmp.is_symlink():  # left over from an interrupted build: moved aside
        stale = _sibling(out, "old")  # first, so that nothing can write into it any more
        tmp.rename(stale)
        _remove(stale)
    tmp.mkdir()
    try:
        yield tmp
        swap_into_place(tmp, out)
    except BaseException:
        _remove(tmp)
        raise


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
