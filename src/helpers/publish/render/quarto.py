"""Running ``quarto render`` on the project into a given (temporary) output folder."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

from helpers.publish.render.errors import SiteBuildError

log = logging.getLogger(__name__)


def quarto_render(quarto: str, root: Path, out_dir: Path, profile: str | None = None) -> list[str]:
    """Run ``quarto render`` (the executable ``quarto``) on ``root`` into ``out_dir``; return
    Quarto's ``WARN`` lines. A failure raises :class:`SiteBuildError` with the end of its log."""
    rel = os.path.relpath(out_dir, root)
    cmd = [quarto, "render", str(root), "--output-dir", rel]
    if profile:
        cmd += ["--profile", profile]
    log.info("running %s", " ".join(cmd))
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-30:])
        raise SiteBuildError(f"quarto render failed (exit {proc.returncode}):\n{tail}", path=root)
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("WARN")]
