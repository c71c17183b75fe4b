"""Files (helpers.core.files): building a folder beside its place and swapping it in whole, the
lock, and operating-system errors in words."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.core import files
from helpers.core.files import (
    Busy,
    building,
    deep_merge,
    describe_os_error,
    exclusive,
    glob_source,
    is_glob,
    sha256,
    write_json,
)


def test_a_failed_build_leaves_the_previous_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with building(out) as tmp:
        (tmp / "page.html").write_text("first")
    assert (out / "page.html").read_text() == "first"
    with pytest.raises(RuntimeError, match="half-way"), building(out) as tmp:
        (tmp / "page.html").write_text("second")
        raise RuntimeError("half-way")
    assert (out / "page.html").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folder left
    with building(out) as tmp:
        (tmp / "other.html").write_text("third")
    assert [p.name for p in out.iterdir()] == ["other.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_json_is_byte_identical_for_the_same_data(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", {"b": 1, "a": [1, 2]})
    write_json(tmp_path / "b.json", {"a": [1, 2], "b": 1})
    assert sha256(tmp_path / "a.json") == sha256(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_text().endswith("}\n")


def test_deep_merge_and_globs(tmp_path: Path) -> None:
    base = {"a": {"x": 1, "l": [1]}, "b": 2}
    assert deep_merge(base, {"a": {"y": 2, "l": [2]}}) == {
        "a": {"x": 1, "y": 2, "l": [1, 2]},
        "b": 2,
    }
    assert deep_merge(base, {"a": {"l": [2]}}, lists="replace")["a"]["l"] == [2]
    for name in ("f_2024-25.csv", "f_2023-24.csv"):
        (tmp_path / name).write_text("x")
    assert is_glob("f_*.csv") and not is_glob("f.csv")
    assert [p.name for p in glob_source("f_*.csv", tmp_path)] == ["f_2023-24.csv", "f_2024-25.csv"]
    assert glob_source(str(tmp_path / "f_*.csv"), Path("/")) == glob_source("f_*.csv", tmp_path)


def dead_pid() -> int:
    """The id of a process that has finished."""
    code = "import os; print(os.getpid())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_a_write_error_leaves_the_previous_output_and_no_temporary_folder(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    with building(out) as tmp:
        (tmp / "page.html").write_text("first")
    with pytest.raises(OSError) as err, building(out) as tmp:
        (tmp / "page.html").write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp / "page.html"))
    assert describe_os_error(err.value).endswith(
        "page.html: no space left on device (the disk is full)"
    )
    assert (out / "page.html").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_failed_swap_leaves_the_previous_output(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "site"
    with building(out) as tmp:
        (tmp / "page.html").write_text("first")

    def refuse(a: Path, b: Path) -> bool:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(a), None, str(b))

    monkeypatch.setattr(files, "_exchange", refuse)
    with pytest.raises(PermissionError) as err, building(out) as tmp:
        (tmp / "page.html").write_text("second")
    assert "permission denied" in describe_os_error(err.value)
    assert (out / "page.html").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize("atomic", [True, False], ids=["exchange", "two-renames"])
def test_the_swap_replaces_the_whole_folder(tmp_path: Path, monkeypatch, atomic: bool) -> None:
    if not atomic:
        monkeypatch.setattr(files, "_exchange", lambda a, b: False)
    out = tmp_path / "site"
    for text in ("first", "second"):
        with building(out) as tmp:
            (tmp / f"{text}.html").write_text(text)
        assert [p.name for p in out.iterdir()] == [f"{text}.html"]
        assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_the_exchange_is_atomic_where_the_system_offers_it(tmp_path: Path) -> None:
    if files._renameat2() is None:
        pytest.skip("no renameat2 on this system: the two-rename swap is used")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").write_text("b")
    assert files._exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a").read_text() == "b" and (tmp_path / "b" / "x").read_text() == "a"
    with pytest.raises(FileNotFoundError):
        files._exchange(tmp_path / "a", tmp_path / "missing")


def test_what_a_killed_build_left_is_tidied_by_the_next(tmp_path: Path) -> None:
    """A killed build leaves its temporary folder (and, killed between the two renames of the
    fallback swap, the previous output parked under a hidden name): the next build puts the
    parked output back, removes the rest, and a fixed temporary folder left over (or a file in
    its way) does not stop it."""
    out, pid = tmp_path / "site", dead_pid()
    parked = tmp_path / f".site.old-{pid}-1"
    parked.mkdir()
    (parked / "page.html").write_text("previous")
    (tmp_path / f".site.tmp-{pid}-2").mkdir()
    (tmp_path / f".site.tmp-{pid}-2" / "half.html").write_text("half")
    (tmp_path / f".site.tmp-{os.getpid()}-99").mkdir()  # a live process's: left alone
    with pytest.raises(RuntimeError), building(out):
        raise RuntimeError("failed")
    assert (out / "page.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".site.tmp-{os.getpid()}-99", "site"]
    (tmp_path / f".site.tmp-{os.getpid()}-99").rmdir()

    fixed = tmp_path / ".site.build"
    fixed.mkdir()
    (fixed / "stale.html").write_text("stale")
    with building(out, fixed) as tmp:
        assert list(tmp.iterdir()) == []
        (tmp / "page.html").write_text("new")
    fixed.write_text("a file in the way")
    with building(out, fixed) as tmp:
        (tmp / "other.html").write_text("newer")
    assert [p.name for p in out.iterdir()] == ["other.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_one_holder_of_a_lock_at_a_time_and_none_after_it_is_killed(tmp_path: Path) -> None:
    lock = tmp_path / ".site.lock"
    with exclusive(lock, "busy"), pytest.raises(Busy, match="busy"), exclusive(lock, "busy"):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(Busy), exclusive(lock, "busy"):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with exclusive(lock, "busy"):  # the lock went with the killed process
        pass


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "no space left on device (the disk is full)"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only file system"),
        (errno.ENOTDIR, "a file is in the way where a folder is expected"),
    ],
)
def test_os_errors_in_one_line_with_the_path(code: int, reason: str) -> None:
    exc = OSError(code, os.strerror(code), "/srv/_site/index.html")
    assert describe_os_error(exc) == f"/srv/_site/index.html: {reason}"
    assert describe_os_error(OSError(code, os.strerror(code)), "/srv/_site") == (
        f"/srv/_site: {reason}"
    )
    renamed = OSError(code, os.strerror(code), "/srv/a", None, "/srv/b")
    assert describe_os_error(renamed) == f"/srv/a -> /srv/b: {reason}"


def test_an_error_that_is_not_the_systems_keeps_its_message() -> None:
    assert describe_os_error(TimeoutError("the kernel did not start"), "/x") == (
        "the kernel did not start"
    )
