"""Generate the SYNTHETIC data set an assessment names (``synthetic:`` in its settings) before
the run, when it is missing or out of date."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from helpers.core.files import building, read_json
from helpers.core.paths import SYNTHETIC_MANIFEST, project_root
from helpers.settings import ConfigError, SyntheticData, read_settings
from helpers.settings.load import format_errors
from helpers.synthetic.generate import GENERATOR_VERSION, generate


def ensure_synthetic_data(settings_path: str | Path, root: Path | None = None) -> Path | None:
    """Generate the synthetic data set an assessment names (``synthetic:``) when its manifest
    is missing, or when the generator version, scale or seed differ from the manifest's.
    Deterministic: the same seed and scale always give byte-identical files. The data set is
    built beside the old folder and swapped in whole, so a failed run never leaves half a data
    set. Returns the folder, or None when the assessment uses no synthetic data."""
    root = root or project_root()
    path = Path(settings_path)
    path = path if path.is_absolute() else (root / path).resolve()
    raw = read_settings(path)[0].get("synthetic")
    if not raw:
        return None
    try:
        spec = SyntheticData.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(path, exc)) from None
    out = root / spec.out
    wanted = {"version": GENERATOR_VERSION, "scale": spec.scale, "seed": spec.seed}
    manifest = out / SYNTHETIC_MANIFEST
    if manifest.exists():
        found = read_json(manifest)
        if all(found.get(k) == v for k, v in wanted.items()):
            return out
        why = ", ".join(
            f"{k} {found.get(k)} -> {v}" for k, v in wanted.items() if found.get(k) != v
        )
        print(f"assess: the SYNTHETIC data in {spec.out} is out of date ({why}); regenerating")
    print(f"assess: generating SYNTHETIC data ({spec.scale}, seed {spec.seed}) into {spec.out}")
    with building(out) as tmp:
        generate(spec.scale, spec.seed, tmp)
    return out
