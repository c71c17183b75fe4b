"""The renderer meets a full disk or a folder it may not write: one SiteBuildError naming the path
and the reason, the previous site untouched and no temporary folder left behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from render_support import site_fixture

from helpers.publish.render import SiteBuildError, render_site
from helpers.publish.render.preview.builder import Preview


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    root = site_fixture.make_fixture_project(tmp_path / "project")
    render_site(root, force_preview=True)
    return root, files(root / "_site")


def test_a_full_disk_mid_build_keeps_the_previous_site(
    rendered: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, before = rendered
    build = Preview.build

    def full(self: Preview) -> object:
        build(self)  # every page written, then the disk is full (a write names no file)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Preview, "build", full)
    with pytest.raises(SiteBuildError) as err:
        render_site(root, force_preview=True)
    site = root / "_site"
    assert str(err.value) == (
        f"{site}: no space left on device (the disk is full); "
        f"the previous site in {site} was left as it was"
    )
    assert files(site) == before
    assert not list(root.glob("._site*"))


def test_no_permission_names_the_path(
    rendered: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, before = rendered
    page = root / "_site" / "index.html"

    def denied(self: Preview) -> object:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(page))

    monkeypatch.setattr(Preview, "build", denied)
    with pytest.raises(SiteBuildError, match=f"^{page}: permission denied; the previous site"):
        render_site(root, force_preview=True)
    assert files(root / "_site") == before
    assert not list(root.glob("._site*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_parent_folder(rendered: tuple[Path, dict[str, bytes]]) -> None:
    """The real thing where it can be had: the folder holding _site/ is read-only."""
    root, before = rendered
    out = root.parent / "public"
    render_site(root, out, force_preview=True)
    published = files(out)
    root.parent.chmod(0o555)
    try:
        with pytest.raises(SiteBuildError, match="permission denied; the previous site"):
            render_site(root, out, force_preview=True)
    finally:
        root.parent.chmod(0o755)
    assert files(out) == published
    assert files(root / "_site") == before
