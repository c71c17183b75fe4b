"""The site's front-end files from npm: ``assets/vendor.json`` names each file the site ships and
where it is in ``node_modules/`` (pinned by ``package-lock.json``, installed by ``make env``).

:func:`install_vendor` copies them into ``assets/vendor/`` before a build, so that Quarto (which
publishes ``assets/**`` as project resources) and the preview ship the same files. A project
without ``assets/vendor.json`` needs none.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.publish.render.errors import SiteBuildError

MANIFEST = Path("assets") / "vendor.json"


def _node_modules(root: Path) -> list[Path]:
    """Where to look: the project's own ``node_modules``, then the code checkout's (a copy of
    the project rendered with this checkout's code, as the end-to-end test does)."""
    checkout = Path(__file__).resolve().parents[4]
    return list(dict.fromkeys([root / "node_modules", checkout / "node_modules"]))


def install_vendor(root: Path) -> list[Path]:
    """Copy the files ``assets/vendor.json`` lists into ``assets/``; return their paths. Raises
    :class:`SiteBuildError` naming the missing file (and how to install it) when npm's copy is
    absent, so that a site is never published with a table that cannot be sorted."""
    manifest = root / MANIFEST
    if not manifest.is_file():
        return []
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        msg = f"expected {{'files': {{target: source}}}}: {exc}"
        raise SiteBuildError(msg, path=manifest) from exc
    copied = []
    for target, source in sorted(files.items()):
        dest = (root / "assets" / target).resolve()
        if (root / "assets").resolve() not in dest.parents:
            raise SiteBuildError(f"target {target!r} is outside assets/", path=manifest)
        found = next((nm / source for nm in _node_modules(root) if (nm / source).is_file()), None)
        if found is None:
            raise SiteBuildError(
                f"node_modules/{source} is missing: run `make env` (npm ci installs the pinned "
                "front-end files of package-lock.json)",
                path=manifest,
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.read_bytes() != found.read_bytes():
            shutil.copyfile(found, dest)
        copied.append(dest)
    return copied
