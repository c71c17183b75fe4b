"""Every path convention of the project in one place (our PathFinder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MARKERS = ("_quarto.yml", "pyproject.toml")
#: written last by the synthetic data generator into its folder: the data set is whole
SYNTHETIC_MANIFEST = "generator_manifest.json"


def project_root(start: Path | None = None) -> Path:
    """The project root: ``$ASSESS_ROOT`` or the nearest folder above with _quarto.yml."""
    env = os.environ.get("ASSESS_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if all((folder / m).exists() for m in MARKERS):
            return folder
    # installed editable from src/helpers/core: three levels up from this file
    fallback = Path(__file__).resolve().parents[3]
    if all((fallback / m).exists() for m in MARKERS):
        return fallback
    raise FileNotFoundError(f"no project root (with {MARKERS}) above {here}")


@dataclass(frozen=True)
class RunPaths:
    """Where one assessment run writes. ``base`` is reports/<id> or a temporary build folder."""

    base: Path

    @property
    def pipeline(self) -> Path:
        return self.base / "pipeline"

    @property
    def interim(self) -> Path:
        return self.base / "_interim"

    @property
    def results(self) -> Path:
        return self.base / "results"

    @property
    def private(self) -> Path:
        """The analyst's records that are never published (the disclosure control log): a name
        that starts with ``_``, which Quarto and the preview renderer skip, outside
        ``results/``, whose files are published."""
        return self.base / "_private"

    @property
    def metrics(self) -> Path:
        return self.base / "metrics"

    @property
    def orgs(self) -> Path:
        return self.base / "orgs"

    @property
    def figures(self) -> Path:
        return self.base / "figures"

    @property
    def provenance(self) -> Path:
        return self.base / "provenance.json"

    def ensure(self) -> RunPaths:
        for p in (self.pipeline, self.interim, self.results, self.metrics, self.orgs, self.figures):
            p.mkdir(parents=True, exist_ok=True)
        return self


def project_path(path: Path, root: Path) -> str:
    """How a file is named in what a run writes (provenance, notebook parameters, messages): its
    path from the project root when it is inside the project, else its absolute path (a user's
    own settings or data anywhere on disk)."""
    path = Path(path).resolve()
    root = Path(root).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def reports_dir(root: Path) -> Path:
    return root / "reports"


def run_paths(root: Path, assessment_id: str, output_dir: str | Path | None = None) -> RunPaths:
    """Paths for a run: ``output_dir`` when given (papermill injects the build folder), else a
    scratch folder ``reports/_scratch/<id>`` that Quarto ignores (notebooks run by hand or nbval).
    """
    if output_dir:
        base = Path(output_dir)
        if not base.is_absolute():
            base = root / base
    else:
        base = reports_dir(root) / "_scratch" / assessment_id
    return RunPaths(base.resolve()).ensure()
