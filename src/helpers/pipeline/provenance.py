"""Which data and which code produced a run: file hashes and the code version."""

from __future__ import annotations

import functools
import platform
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import __version__
from helpers.core.files import named_files, sha256
from helpers.core.paths import project_path
from helpers.ingest import input_files
from helpers.settings import LoadedAssessment
from helpers.settings.load import SITE_SETTINGS

PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill")


#: what "the code" is: a change here (committed or not) is a new code version. Settings and
#: data are not code: they are named by their own hashes in the provenance.
CODE_PATHS = ("src", "notebooks", "pyproject.toml", "package-lock.json", "_quarto.yml", "assets")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, timeout=20, check=True
    ).stdout.strip()


@functools.cache
def code_version(root: Path) -> str:
    """``<package version>+g<commit>``, with ``-dirty`` when the code (:data:`CODE_PATHS`) has
    uncommitted changes; an edited settings or data file is not a code change (each is named
    by its hash). Asked once per process."""
    try:
        commit = _git(root, "describe", "--always", "--abbrev=10")
        changed = _git(root, "status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS)
    except (OSError, subprocess.SubprocessError):
        return f"{__version__} (no git metadata)"
    return f"{__version__}+g{commit}{'-dirty' if changed else ''}"


def _keyed_files(value: Any, key: str, root: Path) -> Iterator[tuple[str, Path]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _keyed_files(v, f"{key}.{k}", root)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _keyed_files(v, f"{key}[{i}]", root)
    else:
        for p in named_files(value, root):
            yield key, p


def rule_files(run: LoadedAssessment, known: set[str]) -> list[dict[str, str]]:
    """Input files the assessment's rules name (``assess:``, e.g. NHS England's published
    segments or SHMI to compare with) that are not sources in the ledger, with their hashes
    and the settings key that names them."""
    rules = run.settings.assess.model_dump(mode="json")
    out = []
    for key, path in _keyed_files(rules, "assess", run.root):
        name = project_path(path, run.root)
        if name not in known:
            known.add(name)
            out.append({"file": name, "sha256": sha256(path), "role": f"settings: {key}"})
    return out


def build_provenance(run: LoadedAssessment, ledger: pd.DataFrame) -> dict:
    """Everything a reader needs to reproduce the run. Deliberately has no timestamp, so the
    same inputs and code give the same file."""
    root = run.root
    files = [{"file": r.file, "sha256": r.sha256, "role": r.role} for r in ledger.itertuples()]
    files += rule_files(run, {f["file"] for f in files})
    site = (root / SITE_SETTINGS).resolve()  # the site's settings: title and publisher
    return {
        "assessment": run.settings.id,
        "title": run.settings.title,
        "settings": {  # a file outside the project by its absolute path (with its hash)
            "file": project_path(run.settings_path, root),
            "sha256": sha256(run.settings_path),
            "extends": [
                {"file": project_path(f, root), "sha256": sha256(f)}
                for f in run.settings_files
                if f not in (run.settings_path, site)
            ],
        },
        "site_settings": (
            {"file": project_path(site, root), "sha256": sha256(site)}
            if site in run.settings_files
            else None
        ),
        "catalogue": {
            "file": run.settings.catalogue_file,
            "sha256": sha256(root / run.settings.catalogue_file),
            "version": run.catalogue.version,
        },
        "code_version": code_version(root),
        "python": platform.python_version(),
        "packages": {p: metadata.version(p) for p in PACKAGES},
        "inputs": files,
    }


def describe(run: LoadedAssessment, ledger: pd.DataFrame | None = None) -> str:
    """One markdown paragraph naming the code version and the input files with their hashes,
    shown at the top of every executed pipeline notebook. The files are the ledger's: the
    sources this assessment uses and the reference files (hashed here, or taken from the
    ``ledger`` of step 1 when given, so that large files are hashed once)."""
    hashes = dict(zip(ledger.file, ledger.sha256, strict=True)) if ledger is not None else {}
    files = [
        f"`{path}` (sha256 `{(hashes.get(path) or sha256(run.root / path))[:12]}`)"
        for path, _role in input_files(run)
    ]
    packages = ", ".join(f"{p} {metadata.version(p)}" for p in PACKAGES)
    return (
        f"Code version **{code_version(run.root)}**; settings `{run.settings_path.name}` "
        f"(sha256 `{sha256(run.settings_path)[:12]}`); catalogue `{run.settings.catalogue_file}` "
        f"version {run.catalogue.version}; Python {platform.python_version()} with {packages}. "
        f"Inputs: {', '.join(files)}."
    )
