"""Quarto's page sets (no Quarto needed): the plan, the keys, the merge of workers' outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.publish.render.errors import SiteBuildError
from helpers.publish.render.quarto_units import (
    _merge,
    _shadow,
    plan_units,
    unit_keys,
    write_search,
)

PAGES = (
    ["about.qmd", "index.qmd"]
    + [f"reports/big/orgs/C{i:03d}.qmd" for i in range(100)]
    + ["reports/big/index.qmd", "reports/big/metrics/m.qmd", "reports/small/index.qmd"]
)


def test_every_page_in_exactly_one_unit_and_big_assessments_split() -> None:
    units = plan_units(PAGES, jobs=2)
    covered = [p for u in units for p in u.pages]
    assert sorted(covered) == sorted(PAGES)
    targets = {u.target for u in units}
    assert "reports/big/orgs" in targets and "reports/small" in targets
    assert "reports/big" not in targets  # split: its folders and its own pages
    assert {u.target for u in plan_units(PAGES, jobs=1)} >= {"reports/big"}


def test_assessments_within_a_workers_share_are_not_split() -> None:
    """Each ``quarto render`` costs seconds to start: a site of several assessments, none more
    than one worker's share of the pages, is one process per assessment, not per folder."""
    folders = [f"reports/{a}/{kind}" for a in "abc" for kind in ("orgs", "metrics")]
    pages = ["index.qmd"] + [f"{f}/p{i:02d}.qmd" for f in folders for i in range(30)]
    pages += [f"reports/{a}/index.qmd" for a in "abc"]
    units = plan_units(pages, jobs=2)
    assert sorted(u.target for u in units) == ["index.qmd", "reports/a", "reports/b", "reports/c"]
    # the same assessment alone (one changed) is split so that both workers have pages
    alone = [p for p in pages if p.startswith("reports/a/")]
    assert {u.target for u in plan_units(alone, jobs=2)} == {
        "reports/a/orgs", "reports/a/metrics", "reports/a/index.qmd"
    }  # fmt: skip


def test_keys_change_only_for_the_assessment_changed(tmp_path: Path) -> None:
    for rel in ("_quarto.yml", "index.qmd", "reports/_website.yml", "reports/_home.md",
                "reports/a/index.qmd", "reports/b/index.qmd"):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    groups = ["_top", "a", "b"]
    before = unit_keys(tmp_path, groups, "1.9.38")
    (tmp_path / "reports/a/index.qmd").write_text("changed", encoding="utf-8")
    after = unit_keys(tmp_path, groups, "1.9.38")
    assert [g for g in before if before[g] != after[g]] == ["a"]
    (tmp_path / "theme.scss").write_text("$primary: red;", encoding="utf-8")  # the site's look
    assert all(v != after[k] for k, v in unit_keys(tmp_path, groups, "1.9.38").items())
    after = unit_keys(tmp_path, groups, "1.9.38")
    (tmp_path / "reports/_website.yml").write_text("sidebar changed", encoding="utf-8")
    assert all(v != after[k] for k, v in unit_keys(tmp_path, groups, "1.9.38").items())
    assert unit_keys(tmp_path, groups, "1.9.39")["_site"] != after["_site"]


def test_merge_refuses_two_different_copies_of_a_file(tmp_path: Path) -> None:
    a, b, dest = tmp_path / "a", tmp_path / "b", tmp_path / "site"
    for d, text in ((a, "one"), (b, "two")):
        (d / "site_libs").mkdir(parents=True)
        (d / "site_libs" / "x.css").write_text(text, encoding="utf-8")
    search: list = []
    _merge(a, dest, search)
    with pytest.raises(SiteBuildError, match="different site_libs/x.css"):
        _merge(b, dest, search)


def test_search_index_in_page_order_whatever_the_worker_order(tmp_path: Path) -> None:
    pages = ["index.qmd", "reports/a/index.qmd", "reports/b/index.qmd"]
    docs = [{"href": "reports/b/index.html"}, {"href": "reports/a/index.html#s1"},
            {"href": "index.html"}, {"href": "reports/a/index.html"}]  # fmt: skip
    write_search(tmp_path, docs, pages)
    first = (tmp_path / "search.json").read_text(encoding="utf-8")
    write_search(tmp_path, list(reversed(docs[2:])) + docs[:2], pages)
    hrefs = [d["href"] for d in json.loads(first)]
    assert hrefs[0] == "index.html" and hrefs[-1] == "reports/b/index.html"
    assert set(hrefs[1:3]) == {"reports/a/index.html", "reports/a/index.html#s1"}


def test_a_worker_copy_never_writes_through_to_the_project(tmp_path: Path) -> None:
    """Page files are hard links (cheap); the project's top-level files are copies, so what
    Quarto writes into them (it appends to .gitignore) stays in the worker's copy."""
    root = tmp_path / "project"
    (root / "reports" / "a").mkdir(parents=True)
    (root / ".gitignore").write_text("/_site/\n")
    (root / "_quarto.yml").write_text("project: {type: website}\n")
    (root / "reports" / "a" / "index.qmd").write_text("# A\n")
    work = tmp_path / "work"
    _shadow(root, work)
    with (work / ".gitignore").open("a") as fh:
        fh.write("/.quarto/\n")
    assert (root / ".gitignore").read_text() == "/_site/\n"
    assert (work / "reports" / "a" / "index.qmd").stat().st_ino == (
        root / "reports" / "a" / "index.qmd"
    ).stat().st_ino
