"""The site's front-end files from npm (helpers.publish.render.vendor)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.publish.render import SiteBuildError, vendor
from helpers.publish.render.vendor import install_vendor

REPO = Path(__file__).resolve().parents[4]


def _project(root: Path, files: dict[str, str]) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "vendor.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return root


def test_the_repository_ships_what_its_pages_load():
    manifest = json.loads((REPO / "assets" / "vendor.json").read_text(encoding="utf-8"))
    targets = set(manifest["files"])
    assert "vendor/datatables/dataTables.min.js" in targets
    assert "vendor/datatables/dataTables.dataTables.min.css" in targets
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    pinned = {
        k.removeprefix("node_modules/"): v["version"] for k, v in lock["packages"].items() if k
    }
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    for name, version in {**package["dependencies"], **package["devDependencies"]}.items():
        assert pinned[name] == version, name  # exact pins, as locked


def test_copies_the_listed_files(tmp_path, monkeypatch):
    root = _project(tmp_path / "p", {"vendor/x/lib.js": "pkg/dist/lib.js"})
    (root / "node_modules" / "pkg" / "dist").mkdir(parents=True)
    (root / "node_modules" / "pkg" / "dist" / "lib.js").write_text("window.x = 1;\n")
    monkeypatch.setattr(vendor, "_node_modules", lambda r: [r / "node_modules"])
    copied = install_vendor(root)
    assert copied == [(root / "assets" / "vendor" / "x" / "lib.js").resolve()]
    assert copied[0].read_text() == "window.x = 1;\n"


def test_a_missing_package_fails_naming_it_and_how_to_install(tmp_path, monkeypatch):
    root = _project(tmp_path / "p", {"vendor/x/lib.js": "pkg/dist/lib.js"})
    monkeypatch.setattr(vendor, "_node_modules", lambda r: [r / "node_modules"])
    with pytest.raises(
        SiteBuildError, match=r"vendor\.json.*node_modules/pkg/dist/lib\.js.*make env"
    ):
        install_vendor(root)
    assert not (root / "assets" / "vendor").exists()


def test_a_target_outside_assets_is_refused(tmp_path):
    root = _project(tmp_path / "p", {"../../evil.js": "pkg/x.js"})
    with pytest.raises(SiteBuildError, match="outside assets"):
        install_vendor(root)


def test_a_project_without_a_manifest_needs_nothing(tmp_path):
    assert install_vendor(tmp_path) == []
