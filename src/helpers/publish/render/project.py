"""Reading a Quarto website project: ``_quarto.yml`` with its ``metadata-files`` and profile, the
pages it renders (``project.render``), its resources, and each page's effective options."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from helpers.core.files import deep_merge
from helpers.publish.render.errors import SiteBuildError

PAGE_SUFFIXES = (".qmd", ".md", ".ipynb")


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping (empty when the file is empty); errors name the file and line."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SiteBuildError("file not found", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SiteBuildError(
            f"invalid YAML: {exc}", path=path, line=mark.line + 1 if mark else None
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SiteBuildError("expected a YAML mapping", path=path)
    return data


def load_project(root: Path, profile: str | None = None) -> dict[str, Any]:
    """``_quarto.yml`` merged with its ``metadata-files`` (in order), then with the profile's
    ``_quarto-<profile>.yml`` when it exists (as ``quarto render --profile``)."""
    root = Path(root)
    config = read_yaml(root / "_quarto.yml")
    for name in config.get("metadata-files") or []:
        config = deep_merge(config, read_yaml(root / name))
    if profile and (root / f"_quarto-{profile}.yml").exists():
        config = deep_merge(config, read_yaml(root / f"_quarto-{profile}.yml"))
    return config


def _hidden(rel: PurePosixPath) -> bool:
    return any(part.startswith(("_", ".")) for part in rel.parts)


def _expand(root: Path, patterns: Iterable[str], *, skip_hidden: bool = True) -> list[Path]:
    """Expand project-relative globs (``!pattern`` excludes) to sorted relative file paths."""
    include: dict[str, Path] = {}
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.lstrip("/")
        if any(c in pat for c in "*?["):
            matches = [p for p in root.glob(pat)]
        else:
            matches = [root / pat] if (root / pat).exists() else []
        for match in matches:
            files = sorted(match.rglob("*")) if match.is_dir() else [match]
            for f in files:
                if not f.is_file():
                    continue
                rel = f.relative_to(root)
                if (
                    skip_hidden
                    and any(c in pat for c in "*?[")
                    and _hidden(PurePosixPath(rel.as_posix()))
                ):
                    continue
                if negate:
                    include.pop(rel.as_posix(), None)
                else:
                    include[rel.as_posix()] = rel
    return [include[k] for k in sorted(include)]


def find_pages(root: Path, config: dict[str, Any]) -> list[Path]:
    """The pages Quarto would render: ``project.render`` (or every page file), relative to root,
    skipping names that start with ``_`` or ``.``."""
    project = config.get("project") or {}
    patterns = project.get("render") or ["**/*" + s for s in PAGE_SUFFIXES]
    out = project.get("output-dir", "_site")
    pages = []
    for rel in _expand(root, patterns):
        posix = PurePosixPath(rel.as_posix())
        if rel.suffix not in PAGE_SUFFIXES or _hidden(posix) or posix.parts[0] == out:
            continue
        pages.append(rel)
    return pages


def find_resources(root: Path, config: dict[str, Any]) -> list[Path]:
    """The files ``project.resources`` names (globs skip ``_``/``.`` names), relative to root."""
    project = config.get("project") or {}
    return _expand(root, project.get("resources") or [])


def page_options(config: dict[str, Any], front: dict[str, Any]) -> dict[str, Any]:
    """Effective options of one page: project-level keys, ``format.html``, then the page's own
    front matter (and its ``format.html``)."""
    opts: dict[str, Any] = {
        k: v
        for k, v in config.items()
        if k not in ("project", "website", "format", "metadata-files")
    }
    fmt = (config.get("format") or {}).get("html")
    if isinstance(fmt, dict):
        opts = deep_merge(opts, fmt)
    page = {k: v for k, v in front.items() if k != "format"}
    opts = deep_merge(opts, page)
    pfmt = (
        (front.get("format") or {}).get("html") if isinstance(front.get("format"), dict) else None
    )
    if isinstance(pfmt, dict):
        opts = deep_merge(opts, pfmt)
    return opts
