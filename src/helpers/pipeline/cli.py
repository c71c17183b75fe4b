"""The ``assess`` command.

assess run CONFIG [CONFIG ...]   run assessments (papermill), publish into reports/<id>/
assess render [--preview]        render the site from the finished runs into _site/
assess site [CONFIG ...]         run (default: every config/assessments/*.yml), then render

run and site take --jobs N (assessments at once; default $ASSESS_JOBS, else 2 on 2 or more
cores) and --no-cache (run every step even when its inputs, settings and code are unchanged;
see helpers.pipeline.cache). A step, a figure or the site whose inputs did not change is taken
from the cache; the timings table at the end says which.
assess validate CONFIG ...       validate settings and catalogue only
assess demo-data --scale {small,england} --seed N --out DIR
                                 write a deterministic SYNTHETIC England

Errors are one line on stderr (``assess: error: ...``) and exit status 2, a file that cannot be
written included (a full disk, no permission: the path and the reason); the previous reports/<id>
and _site/ are then left as they were. One `assess render` at a time (reports/.site.lock), as
one `assess run` of an assessment at a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from helpers.core.files import Busy, describe_os_error, exclusive, tidy
from helpers.core.paths import project_root, reports_dir
from helpers.ingest import IngestError, check_sources
from helpers.pipeline.many import run_many, timings_table
from helpers.pipeline.run import RunError, RunResult
from helpers.pipeline.site_cache import mark_site, site_is_current, site_key
from helpers.publish.render import SiteBuildError, render_site
from helpers.publish.site_index import SITE_PROFILE, write_site_index
from helpers.settings import ConfigError, load_assessment
from helpers.synthetic.cli import demo_data_main
from helpers.synthetic.ensure import ensure_synthetic_data


def _configs(root: Path, given: list[str]) -> list[str]:
    if given:
        return given
    found = sorted((root / "config" / "assessments").glob("*.yml"))
    if not found:
        raise ConfigError(f"no assessment settings in {root / 'config' / 'assessments'}")
    return [str(p.relative_to(root)) for p in found]


def cmd_run(
    root: Path, configs: list[str], jobs: int | None = None, use_cache: bool = True
) -> list[RunResult]:
    """Run the assessments (``jobs`` at a time); return their results."""
    configs = _configs(root, configs)
    for c in configs:
        ensure_synthetic_data(c, root)
    return run_many(root, configs, jobs=jobs, use_cache=use_cache)


def cmd_render(
    root: Path, preview: bool, only: list[str] | None = None, use_cache: bool = True
) -> tuple[float, bool]:
    """Render the site; return (seconds, whether it was unchanged and kept as it was)."""
    t0 = time.perf_counter()
    reports = reports_dir(root)
    reports.mkdir(exist_ok=True)
    # one render at a time: the site index in reports/ and _site/ are written by each
    lock = reports / ".site.lock"
    busy = (
        f"another `assess render` (or `assess site`) is building the site "
        f"(it holds reports/{lock.name}); wait for it to finish"
    )
    with exclusive(lock, busy):
        try:
            runs = write_site_index(root, only)
        except OSError as exc:  # a write names no file: the folder is named
            raise RunError(f"writing the site index: {describe_os_error(exc, reports)}") from None
        if not runs:
            raise RunError(
                "nothing to render: no finished assessment in reports/ (run `assess run`)"
            )
        key = site_key(root, runs, preview, SITE_PROFILE)
        out = root / "_site"
        if use_cache and site_is_current(out, key):
            tidy(out)  # what a killed render left beside it
            seconds = time.perf_counter() - t0
            print(f"assess: the site in {out.name}/ is unchanged (from the cache, {seconds:.1f}s)")
            return seconds, True
        md_cache = reports / "_cache" / "markdown" if use_cache else None
        result = render_site(root, force_preview=preview, profile=SITE_PROFILE, md_cache=md_cache)
        mark_site(result.output_dir, key)
    label = "Quarto" if result.kind == "quarto" else "PREVIEW (no quarto on PATH)"
    index = result.output_dir / "index.html"
    print(
        f"assess: rendered {len(result.pages)} pages with {label} in "
        f"{time.perf_counter() - t0:.1f}s for {', '.join(runs)}"
    )
    print(f"assess: open {index} (or serve it: python -m http.server -d {result.output_dir})")
    return time.perf_counter() - t0, False


def cmd_validate(root: Path, configs: list[str]) -> None:
    """Validate settings, catalogue and what they ask of the readers, without reading data
    (a synthetic data set not generated yet is not needed)."""
    for c in _configs(root, configs):
        run = load_assessment(c, root)
        for warning in check_sources(run):
            print(f"assess: warning: {warning}", file=sys.stderr)
        print(f"{c}: OK ({len(run.metrics)} metrics, {len(run.settings.financial_years)} years)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo-data"]:
        return demo_data_main(argv[1:])
    parser = argparse.ArgumentParser(prog="assess", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run assessments with papermill")
    p_run.add_argument("configs", nargs="+", help="config/assessments/<id>.yml")
    p_render = sub.add_parser("render", help="render the site into _site/")
    p_render.add_argument("--preview", action="store_true", help="use the preview renderer")
    p_render.add_argument("--no-cache", action="store_true", help="render even if unchanged")
    p_site = sub.add_parser("site", help="run every assessment, then render the site")
    p_site.add_argument("configs", nargs="*")
    p_site.add_argument("--preview", action="store_true")
    for p in (p_run, p_site):
        p.add_argument("--jobs", type=int, default=None, help="assessments at once")
        p.add_argument("--no-cache", action="store_true", help="run every step afresh")
    p_val = sub.add_parser("validate", help="validate settings and catalogue")
    p_val.add_argument("configs", nargs="*")
    sub.add_parser("demo-data", help="write a SYNTHETIC England (--scale, --seed, --out)")
    args = parser.parse_args(argv)
    root = project_root()
    try:
        if args.command == "run":
            results = cmd_run(root, args.configs, args.jobs, not args.no_cache)
            print(timings_table(results))
        elif args.command == "render":
            cmd_render(root, args.preview, use_cache=not args.no_cache)
        elif args.command == "site":
            t0 = time.perf_counter()
            # the site shows exactly the assessments just run (not stale test runs in reports/)
            results = cmd_run(root, args.configs, args.jobs, not args.no_cache)
            ids = [r.assessment_id for r in results]
            render = cmd_render(root, args.preview, only=ids, use_cache=not args.no_cache)
            print(timings_table(results, render))
            print(f"assess: site built in {time.perf_counter() - t0:.1f}s")
        elif args.command == "validate":
            cmd_validate(root, args.configs)
    except (ConfigError, IngestError, RunError, SiteBuildError, Busy) as exc:
        print(f"assess: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, an unwritable folder: the path and the reason
        print(f"assess: error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
