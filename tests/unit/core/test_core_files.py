"""Files (helpers.core.files): building a folder beside its place and swapping it in whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.core.files import building, deep_merge, glob_source, is_glob, sha256, write_json


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
