"""Quarto renders in independent page sets, in parallel, and only the sets that changed.

``quarto render`` renders a website page by page in one process (about a second of CPU a
page, plus some seconds to start). This module splits the project's pages into *units* that
Quarto can render on their own inside the project (``quarto render <folder>`` renders the
project's pages under a folder; ``quarto render <page>`` one page), and:

* runs the units in ``jobs`` worker processes at once (default: the cores, at most 4). Each
  worker renders in its own copy of the project (hard links: a ``.quarto/`` index and
  intermediate files of its own, so that no two Quarto processes write the same file) into an
  output folder of its own; the outputs are merged, a file two workers both wrote (``site_libs``,
  the resources) must be byte-identical or the build fails, and the search index
  (``search.json``) is the concatenation put in one canonical order (by page, then Quarto's
  own order within the page), so that the site is the same bytes whatever the number of
  workers or the order they finished in;
* renders again only the units whose inputs changed since the site in ``previous`` was built
  (``.quarto-units.json`` in the site records each unit's key): the pages of an assessment
  depend on ``reports/<id>/`` only, the home and about pages on themselves and the
  ``reports/_*.md`` they include; anything site-wide (``_quarto*.yml``, the sidebar in
  ``reports/_website.yml``, stylesheets, ``assets/``, the Quarto version) renders every unit.
  The unchanged units' pages are linked from the previous site.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from helpers.publish.render.errors import SiteBuildError
from helpers.publish.render.project import find_pages, find_resources, load_project
from helpers.publish.render.quarto_pages import QUARTO_JS as FINISHED_SCRIPT

log = logging.getLogger(__name__)

STATE_FILE = ".quarto-units.json"
#: bump when the way units are rendered or merged changes (every unit renders again)
SCHEME = "1"
#: top-level entries of the project a worker's copy leaves out (not read by a render)
_SKIP_TOP = {".git", ".venv", "node_modules", ".quarto", "data", "src", "tests", "benchmarks"}
#: files in the output written by the caller, never merged from a worker
_OWN = {STATE_FILE, ".site-key", ".preview"}
#: what Quarto writes as ``index.html`` into an output without the home page
_REDIRECT = b"<title>Redirect to index.html</title>"


@dataclass
class Unit:
    """Pages Quarto renders in one process: ``target`` (a folder or a page, project-relative),
    ``group`` the set of units that share one key (an assessment, or ``_top``)."""

    target: str
    group: str
    pages: list[str] = field(default_factory=list)


def _group(page: str) -> str:
    parts = PurePosixPath(page).parts
    return parts[1] if parts[0] == "reports" and len(parts) > 2 else "_top"


def plan_units(pages: Sequence[str], jobs: int) -> list[Unit]:
    """The units of the pages to render, largest first: one per top-level page, one per
    assessment folder, and an assessment with more than one worker's share of the pages split
    into its subfolders and pages (each ``quarto render`` costs some seconds to start: about
    4 s for this project, as much as two or three pages, so no more processes than the
    workers need to share the pages evenly)."""
    groups: dict[str, list[str]] = {}
    for page in pages:
        groups.setdefault(_group(page), []).append(page)
    share = max(40, -(-len(pages) // max(1, jobs)))
    units: list[Unit] = []
    for group, members in groups.items():
        if group == "_top":
            units += [Unit(p, group, [p]) for p in members]
            continue
        base = f"reports/{group}"
        if len(members) <= share or jobs == 1:
            units.append(Unit(base, group, members))
            continue
        split: dict[str, Unit] = {}
        for p in members:
            rest = PurePosixPath(p).relative_to(base).parts
            target = f"{base}/{rest[0]}" if len(rest) > 1 else p
            split.setdefault(target, Unit(target, group)).pages.append(p)
        units += list(split.values())
    return sorted(units, key=lambda u: (-len(u.pages), u.target))


def _hash_files(h: Any, root: Path, paths: Sequence[Path]) -> None:
    for p in paths:
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())


def _tree(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def unit_keys(root: Path, groups: Sequence[str], quarto_version: str) -> dict[str, str]:
    """The key of every group and of the whole site (``_site``)."""
    site = hashlib.sha256(f"{SCHEME}\0{quarto_version}\0".encode())
    top = [
        p
        for p in sorted(root.iterdir())
        if p.is_file() and p.suffix in (".yml", ".yaml", ".css", ".scss")
    ]
    top += [root / "reports" / "_website.yml"]
    _hash_files(site, root, [p for p in top if p.is_file()] + _tree(root / "assets"))
    keys = {"_site": site.hexdigest()}
    for group in groups:
        h = hashlib.sha256(keys["_site"].encode())
        if group == "_top":
            pages = [p for p in sorted(root.iterdir()) if p.suffix in (".qmd", ".md", ".ipynb")]
            reports = root / "reports"
            includes = [p for p in sorted(reports.glob("_*.md"))]
            _hash_files(h, root, pages + includes)
        else:
            _hash_files(h, root, _tree(root / "reports" / group))
        keys[group] = h.hexdigest()
    return keys


def _link_tree(src: Path, dest: Path, skip: Callable[[Path], bool]) -> None:
    """Hard-link (else copy) every file under ``src`` into ``dest``, skipping what ``skip``
    says (relative paths)."""
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = Path(dirpath).relative_to(src)
        dirnames[:] = [d for d in dirnames if not skip(rel_dir / d)]
        (dest / rel_dir).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            rel = rel_dir / name
            if skip(rel):
                continue
            _link(src / rel, dest / rel)


def _link(src: Path, dest: Path) -> None:
    if dest.exists() or dest.is_symlink():
        dest.unlink()
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _shadow(root: Path, dest: Path) -> None:
    """A copy of the project for one worker (hard links; no ``.quarto``, outputs or tools)."""

    def skip(rel: Path) -> bool:
        first = rel.parts[0]
        if first in _SKIP_TOP or first.startswith(("_site", "._site", ".quarto-work")):
            return True
        return rel.parts[:2] == ("reports", "_cache")

    _link_tree(root, dest, skip)
    # the top-level files are copies, not links: Quarto may write into a project's own files
    # (it appends to .gitignore), and through a link that would change the real project
    for p in dest.iterdir():
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            p.unlink()
            p.write_bytes(data)


def _run_unit(quarto: str, work: Path, unit: Unit, out: Path, profile: str | None) -> list[str]:
    cmd = [quarto, "render", unit.target, "--output-dir", str(out)]
    if profile:
        cmd += ["--profile", profile]
    log.info("running %s (in %s)", " ".join(cmd), work)
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-30:])
        raise SiteBuildError(
            f"quarto render {unit.target} failed (exit {proc.returncode}):\n{tail}", path=work
        )
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("WARN")]


def _search_order(pages: Sequence[str]) -> Callable[[tuple[int, dict[str, Any]]], tuple]:
    rank = {str(PurePosixPath(p).with_suffix(".html")): i for i, p in enumerate(pages)}

    def key(item: tuple[int, dict[str, Any]]) -> tuple:
        i, doc = item
        page = str(doc.get("href", "")).split("#", 1)[0]
        return (rank.get(page, len(rank)), page, i)

    return key


def write_search(out_dir: Path, docs: list[dict[str, Any]], pages: Sequence[str]) -> None:
    """``search.json`` in one canonical order: by page (the project's page order), then
    Quarto's own order within the page; written as Quarto writes it (two-space JSON)."""
    ordered = sorted(enumerate(docs), key=_search_order(pages))
    text = json.dumps([doc for _, doc in ordered], indent=2, ensure_ascii=False)
    (out_dir / "search.json").write_text(text, encoding="utf-8")


def canonical_search(root: Path, out_dir: Path, profile: str | None = None) -> None:
    """Put the ``search.json`` of a one-process render in the canonical order."""
    path = out_dir / "search.json"
    if path.is_file():
        pages = [p.as_posix() for p in find_pages(root, load_project(root, profile))]
        write_search(out_dir, json.loads(path.read_text(encoding="utf-8")), pages)


def _merge(src: Path, dest: Path, search: list[dict[str, Any]]) -> None:
    """Move a worker's output into ``dest``; a file both have must be the same bytes."""
    for dirpath, _dirs, filenames in os.walk(src):
        rel_dir = Path(dirpath).relative_to(src)
        (dest / rel_dir).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            rel = rel_dir / name
            if rel.as_posix() == "search.json":
                search += json.loads((src / rel).read_text(encoding="utf-8"))
                continue
            target = dest / rel
            if target.exists():
                mine, theirs = (src / rel).read_bytes(), target.read_bytes()
                if _REDIRECT in mine[:300]:  # Quarto's stand-in for a home page not rendered
                    continue
                if _REDIRECT in theirs[:300]:
                    os.replace(src / rel, target)
                    continue
                if mine != theirs:
                    raise SiteBuildError(
                        f"two Quarto page sets wrote different {rel.as_posix()}: the pages "
                        "are not independent (set QUARTO_JOBS=1 to render in one process)"
                    )
                continue
            os.replace(src / rel, target)


def _quarto_version(quarto: str) -> str:
    proc = subprocess.run([quarto, "--version"], capture_output=True, text=True)
    return proc.stdout.strip()


def default_jobs_env() -> int | None:
    """``QUARTO_JOBS`` (0: one ``quarto render`` of the whole project), None when unset."""
    env = os.environ.get("QUARTO_JOBS", "").strip()
    if not env:
        return None
    try:
        return max(0, int(env))
    except ValueError:
        raise SiteBuildError(f"QUARTO_JOBS={env!r}: expected a number of processes") from None


def default_jobs() -> int:
    """Quarto processes at once: ``QUARTO_JOBS``, else the cores (at most 4)."""
    return default_jobs_env() or max(1, min(4, os.cpu_count() or 1))


def render_units(
    quarto: str,
    root: Path,
    out_dir: Path,
    profile: str | None = None,
    *,
    previous: Path | None = None,
    jobs: int | None = None,
) -> tuple[list[str], list[str]]:
    """Render the project into ``out_dir`` (empty) in units, reusing the unchanged units of the
    site in ``previous``; return (Quarto's ``WARN`` lines, the targets rendered)."""
    jobs = jobs or default_jobs()
    config = load_project(root, profile)
    pages = [p.as_posix() for p in find_pages(root, config)]
    groups = sorted({_group(p) for p in pages})
    keys = unit_keys(root, groups, _quarto_version(quarto))
    old: dict[str, Any] = {}
    if previous is not None and (previous / STATE_FILE).is_file():
        old = json.loads((previous / STATE_FILE).read_text(encoding="utf-8"))
    reuse: set[str] = set()
    if old.get("keys", {}).get("_site") == keys["_site"] and old.get("pages") == pages:
        reuse = {g for g in groups if old["keys"].get(g) == keys[g]}
    # planned on the pages to render: one assessment changed is split between the workers
    todo = plan_units([p for p in pages if _group(p) not in reuse], jobs)
    search: list[dict[str, Any]] = []
    if reuse and previous is not None:
        redo_pages = {p for u in todo for p in u.pages}
        redo_html = {str(PurePosixPath(p).with_suffix(".html")) for p in redo_pages}
        redo_dirs = {f"reports/{g}" for g in groups if g not in reuse and g != "_top"}

        def skip(rel: Path) -> bool:
            posix = rel.as_posix()
            return (
                posix in _OWN
                or posix == "search.json"
                # rewritten after the render (quarto_pages): a unit rendered brings Quarto's own
                or (bool(todo) and posix == FINISHED_SCRIPT)
                or posix in redo_html
                or any(posix == d or posix.startswith(d + "/") for d in redo_dirs)
            )

        _link_tree(previous, out_dir, skip)
        prev_search = previous / "search.json"
        if prev_search.is_file():
            for doc in json.loads(prev_search.read_text(encoding="utf-8")):
                if str(doc.get("href", "")).split("#", 1)[0] not in redo_html:
                    search.append(doc)
    warnings: list[str] = []
    if todo:
        warnings = _render_parallel(quarto, root, out_dir, profile, todo, jobs, search)
    write_search(out_dir, search, pages)
    state = {"scheme": SCHEME, "keys": keys, "pages": pages}
    (out_dir / STATE_FILE).write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    _check_resources(root, config, out_dir)
    return warnings, [u.target for u in todo]


def _check_resources(root: Path, config: dict[str, Any], out_dir: Path) -> None:
    missing = [r for r in find_resources(root, config) if not (out_dir / r).exists()]
    if missing:
        raise SiteBuildError(f"{len(missing)} resources missing from the site, e.g. {missing[0]}")


def _render_parallel(
    quarto: str,
    root: Path,
    out_dir: Path,
    profile: str | None,
    todo: list[Unit],
    jobs: int,
    search: list[dict[str, Any]],
) -> list[str]:
    workers = min(jobs, len(todo))
    lanes: list[list[Unit]] = [[] for _ in range(workers)]
    load = [0] * workers
    for unit in todo:  # largest first onto the least loaded worker
        k = load.index(min(load))
        lanes[k].append(unit)
        load[k] += len(unit.pages) + 4  # a process costs about as much as four pages
    work = root / ".quarto-work"
    shutil.rmtree(work, ignore_errors=True)
    try:

        def lane(k: int) -> tuple[Path, list[str]]:
            shadow, out = work / f"w{k}", work / f"out{k}"
            _shadow(root, shadow)
            found: list[str] = []
            for unit in lanes[k]:
                found += _run_unit(quarto, shadow, unit, out, profile)
            return out, found

        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lane, range(workers)))
        warnings: list[str] = []
        for out, found in results:
            _merge(out, out_dir, search)
            warnings += found
        return warnings
    finally:
        shutil.rmtree(work, ignore_errors=True)
