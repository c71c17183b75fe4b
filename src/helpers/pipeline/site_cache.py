"""Skip rendering the site when nothing it is made from changed.

The site's key is the SHA-256 of: the code (:func:`helpers.pipeline.cache.code_fingerprint`),
the renderer chosen (Quarto on PATH or the preview) and the profile, the assessments shown, and
every file the render reads: the finished runs in ``reports/<id>/``, the site index files in
``reports/``, the project's own pages, settings and stylesheets at the top level, ``assets/``
(the vendored front-end files by ``package-lock.json``). The key is written into the built site
(``_site/.site-key``); when the next render would have the same key and the site is complete,
it is kept as it is.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers.pipeline.cache import HashMemo, _digest, code_fingerprint

KEY_FILE = ".site-key"
#: top-level files a render reads
_TOP = (".qmd", ".md", ".yml", ".yaml", ".css", ".scss", ".json", ".html", ".ipynb")


def _files(root: Path, runs: list[str]) -> list[Path]:
    reports = root / "reports"
    files = [p for p in sorted(root.iterdir()) if p.is_file() and p.suffix in _TOP]
    files += [p for p in sorted(reports.iterdir()) if p.is_file() and not p.name.startswith(".")]
    for rid in runs:
        files += [p for p in sorted((reports / rid).rglob("*")) if p.is_file()]
    assets = root / "assets"
    if assets.is_dir():
        files += [
            p
            for p in sorted(assets.rglob("*"))
            if p.is_file() and "vendor" not in p.relative_to(assets).parts[:1]
        ]
    return files


def site_key(root: Path, runs: list[str], preview: bool, profile: str | None) -> str:
    """The key of the site the next render would build."""
    memo = HashMemo(root / "reports" / "_cache" / "hashes.json")
    renderer = "preview" if preview or not shutil.which("quarto") else "quarto"
    files = [(p.relative_to(root).as_posix(), memo.sha256(p)) for p in _files(root, runs)]
    key = _digest(code_fingerprint(root, memo), renderer, profile, sorted(runs), files)
    memo.save()
    return key


def site_is_current(out: Path, key: str) -> bool:
    """The site in ``out`` is complete and was built with ``key``."""
    try:
        return (out / "index.html").is_file() and (out / KEY_FILE).read_text().strip() == key
    except OSError:
        return False


def mark_site(out: Path, key: str) -> None:
    (out / KEY_FILE).write_text(key + "\n", encoding="utf-8")
