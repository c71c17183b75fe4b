"""Quarto conformance, checked with Quarto's own schema files (tests/quarto_schema: verbatim
copies from quarto-cli, interpreted by tests/quarto_schema/validate.py): ``_quarto.yml``, the
sidebar (``reports/_website.yml``) and profile (``_quarto-assess.yml``) `assess render` writes, and
the front matter of every page the pipeline writes, built here in-process from the real UEC results
(a few organisations, one with a name full of YAML and markdown syntax)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from site_support import assessed, assessment_tables, site_context

from helpers.core.files import write_json
from helpers.core.paths import RunPaths
from helpers.ingest import reference as org_ref
from helpers.publish import pages
from helpers.publish.site_index import SITE_PROFILE, write_site_index
from helpers.publish.summary import run_summary

_spec = importlib.util.spec_from_file_location(
    "quarto_schema_validate", Path(__file__).parents[2] / "quarto_schema" / "validate.py"
)
qv = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = qv
_spec.loader.exec_module(qv)

HOSTILE = 'St Mary\'s: "A&E" # not a comment | *x* <b>y</b> [z](w) {{< q >}} @ref\n- item'


@pytest.fixture(scope="module")
def schema():
    return qv.QuartoSchema()


def fm_errors(schema, text: str) -> list[str]:
    return schema.front_matter_errors(qv.load_yaml(text))


def config_errors(schema, text: str) -> list[str]:
    return schema.project_config_errors(qv.load_yaml(text))


# --- the validator: rejects what Quarto rejects, accepts what it accepts -----------------------


def test_minimal_good_front_matter_and_config_validate(schema) -> None:
    assert fm_errors(schema, "") == []
    page = 'title: "A"\nsubtitle: B\ndescription: C\nexecute:\n  echo: false\n'
    assert fm_errors(schema, page + "format:\n  html:\n    toc: true\n    code-fold: show\n") == []
    assert fm_errors(schema, "format: html") == []
    assert fm_errors(schema, "format:\n  html: default") == []
    config = (
        "project:\n  type: website\n  render: [index.qmd]\n"
        "website:\n  title: T\n  search: true\n"
        "  navbar:\n    left:\n      - href: index.qmd\n        text: Home\n"
        "  sidebar:\n    style: docked\n    contents:\n"
        "      - section: S\n        contents:\n          - href: a.qmd\n            text: A\n"
        "  page-footer:\n    left: L\n"
        "format:\n  html:\n    theme: cosmo\n    toc: true\n"
    )
    assert config_errors(schema, config) == []


def test_unknown_website_and_project_keys_are_errors(schema) -> None:
    errors = config_errors(schema, "website:\n  title: T\n  titel: T\n")
    assert errors == ["website.titel: unknown key (the schema is closed)"]
    assert config_errors(schema, "project:\n  typ: website\n") == [
        "project.typ: unknown key (the schema is closed)"
    ]
    # Quarto's schema forbids a top-level `type` (it belongs under `project`)
    assert config_errors(schema, "type: website\n")
    bad_items = (
        "website:\n  navbar:\n    left:\n      - href: a.qmd\n        txt: A\n"
        "  page-footer:\n    middle: x\n"
    )
    assert config_errors(schema, bad_items) == [
        "website.navbar.left[0].txt: unknown key (the schema is closed)",
        "website.page-footer.middle: unknown key (the schema is closed)",
    ]


def test_wrong_types_are_errors(schema) -> None:
    assert fm_errors(schema, "title: 3") == ["title: must be string, not int 3"]
    assert fm_errors(schema, "title: [a, b]") == ["title: must be string, not an array"]
    assert config_errors(schema, "website:\n  title: true\n") == [
        "website.title: must be string, not a boolean"
    ]
    assert config_errors(schema, "website:\n  sidebar:\n    style: dockd\n")
    assert config_errors(schema, "project:\n  render: index.qmd\n")  # a list of paths
    assert fm_errors(schema, "execute:\n  echo: 3") == ["execute.echo: must be boolean, not int 3"]


def test_format_html_options_are_checked(schema) -> None:
    assert fm_errors(schema, "format:\n  html:\n    toc: 'yes'") == [
        "format.html.toc: must be boolean, not a string"
    ]
    assert fm_errors(schema, "format:\n  html:\n    code-fold: sometimes") != []
    # an unknown key inside a closed option of format.html
    assert fm_errors(schema, "format:\n  html:\n    code-tools:\n      sourc: true") == [
        "format.html.code-tools.sourc: unknown key (the schema is closed)"
    ]
    # an unknown output format
    assert fm_errors(schema, "format:\n  htm:\n    toc: true") == [
        "format.htm: 'htm' is not a valid output format"
    ]
    assert fm_errors(schema, "format:\n  html:\n    toc-depth: two") == [
        "format.html.toc-depth: must be number, not a string"
    ]
    # each format is checked against the fields whose tags.formats allow it: `documentclass`
    # (LaTeX) is typed under format.pdf, and is just (open) metadata under format.html
    assert fm_errors(schema, "format:\n  pdf:\n    documentclass: 3") == [
        "format.pdf.documentclass: must be string, not int 3"
    ]
    assert fm_errors(schema, "format:\n  html:\n    documentclass: 3") == []


def test_open_objects_stay_open_as_in_quarto(schema) -> None:
    """Quarto's front matter top level and each format.<name> are open objects (unknown keys are
    metadata handed to pandoc), so an unknown format.html key passes Quarto and passes here."""
    assert fm_errors(schema, "my-key: 1\nformat:\n  html:\n    tocc: true") == []


def test_yaml_is_read_as_quarto_reads_it() -> None:
    assert qv.load_yaml("a: yes\nb: 2024-01-01\nc: 1e3\nd: ~\ne: TRUE") == {
        "a": "yes",
        "b": "2024-01-01",
        "c": 1000.0,
        "d": None,
        "e": True,
    }
    with pytest.raises(Exception, match="duplicated mapping key"):
        qv.load_yaml("title: a\ntitle: b\n")


def test_an_uninterpreted_construct_fails_loudly(schema) -> None:
    with pytest.raises(qv.UnsupportedSchemaError):
        schema.check({"object": {"patternProperties": {"^x": "string"}}}, {"x": 1}, "")
    with pytest.raises(qv.UnsupportedSchemaError):
        schema.check({"ref": "no-such-schema"}, 1, "")
    with pytest.raises(qv.UnsupportedSchemaError):
        schema.check({"string": {"minLength": 3}}, "x", "")


# --- the project --------------------------------------------------------------------------------


def test_quarto_yml_validates(schema, root) -> None:
    config = qv.load_yaml((root / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "website"
    assert schema.project_config_errors(config) == []


def test_tracked_pages_and_notebooks_front_matter_validate(schema, root) -> None:
    paths = [root / "index.qmd", root / "about.qmd", *sorted(root.glob("notebooks/[0-9]*.ipynb"))]
    assert len(paths) >= 5
    for path in paths:
        text = qv.front_matter(path)
        assert text is not None, path
        assert schema.front_matter_errors(qv.load_yaml(text)) == [], path


@pytest.fixture(scope="module")
def site(built, root, tmp_path_factory):
    """A project folder with one assessment's pages written by helpers.publish (the assessment
    with 200 draws, so the league page is there too), its summary and provenance, a second
    finished run left out of the site, and the sidebar and profile write_site_index writes."""
    run, _annual, england, results, mapping, splits = built
    orgs = org_ref.organisations(run)
    assessment, scores, years, changes = assessed(run, results, orgs)
    latest = assessment[assessment.period == assessment.period.max()]
    segmented = latest[latest.segment.notna()].sort_values("org_code").org_code
    unsegmented = latest[latest.segment.isna()].sort_values("org_code").org_code
    codes = sorted({str(segmented.iloc[0]), str(segmented.iloc[-1]), str(unsegmented.iloc[0])})
    hostile = codes[0]

    def rename(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.loc[df.org_code == hostile, "org_name"] = HOSTILE
        return df

    results, orgs, assessment, scores = map(rename, (results, orgs, assessment, scores))
    project = tmp_path_factory.mktemp("quarto_project")
    paths = RunPaths(project / "reports" / run.settings.id).ensure()
    ctx = site_context(
        built,
        paths,
        codes,
        results=results,
        orgs=orgs,
        **assessment_tables(assessment, scores, changes),
    )
    pages.write_pages(ctx)
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        shutil.copy(nb, paths.pipeline / nb.name)
    summary = run_summary(ctx.run, ctx.results, england, [nb.name for nb in notebooks])
    write_json(paths.results / "summary.json", summary)
    write_json(paths.provenance, ctx.provenance)
    other = RunPaths(project / "reports" / "left-out").ensure()
    write_json(other.results / "summary.json", summary | {"id": "left-out"})
    write_json(other.provenance, ctx.provenance)
    shutil.copy(root / "_quarto.yml", project / "_quarto.yml")
    assert write_site_index(project, only=[run.settings.id]) == [run.settings.id]
    return project, paths, codes, len(run.metrics)


def test_every_generated_page_front_matter_validates(schema, site) -> None:
    project, paths, codes, n_metrics = site
    checked = qv.validate_project(project, schema)
    page_files = [p for p in checked if p.suffix in (".qmd", ".ipynb")]
    base = paths.base
    expected = {
        base / "index.qmd",
        base / "league.qmd",
        base / "methodology.qmd",
        base / "downloads.qmd",
        base / "orgs" / "index.qmd",
        *(base / "orgs" / f"{c}.qmd" for c in codes),
        *base.glob("metrics/*.qmd"),
        *base.glob("league/*.qmd"),
        *base.glob("pipeline/*.ipynb"),
    }
    assert len(list(base.glob("league/*.qmd"))) >= 3  # a page per cohort and year
    assert expected <= set(page_files) and len(list(base.glob("metrics/*.qmd"))) == n_metrics
    for path in page_files:
        text = qv.front_matter(path)
        assert text is not None, f"{path} has no front matter"
        fm = qv.load_yaml(text)
        assert isinstance(fm.get("title"), str) and fm["title"], path
    assert {p: e for p, e in checked.items() if e} == {}
    card = qv.load_yaml(qv.front_matter(base / "orgs" / f"{codes[0]}.qmd"))
    assert "St Mary" in card["title"] and "not a comment" in card["title"]


def test_generated_sidebar_and_profile_validate(schema, site) -> None:
    project, _, _, _ = site
    sidebar = project / "reports" / "_website.yml"
    profile = project / f"_quarto-{SITE_PROFILE}.yml"
    for path in (sidebar, profile):
        assert schema.project_config_errors(qv.load_yaml(path.read_text(encoding="utf-8"))) == []
    excluded = qv.load_yaml(profile.read_text(encoding="utf-8"))["project"]["render"]
    assert excluded == ["!/reports/left-out/**"]


def test_generated_sidebar_entries_are_navigation_items_or_sections(schema, site) -> None:
    """Quarto's sidebar-contents also admits any object (through the open `contents-auto`), so
    the whole-file check above cannot catch a misspelt entry key: each entry is checked here
    against the closed alternatives of Quarto's own `sidebar-contents` definition."""
    project, _, _, _ = site
    nav = qv.load_yaml((project / "reports" / "_website.yml").read_text(encoding="utf-8"))
    alternatives = schema.defs["sidebar-contents"]["anyOf"][2]["arrayOf"]["anyOf"]
    section = alternatives[2]
    assert set(section["object"]["properties"]) == {"section", "contents"}
    assert schema.check(section, {"section": "S", "contents": [], "txt": "x"}, "x") != []
    seen = 0

    def walk(entries: list, where: str) -> None:
        nonlocal seen
        for i, entry in enumerate(entries):
            here = f"{where}[{i}]"
            if isinstance(entry, dict) and "section" in entry:
                assert schema.check(section, entry, here) == []
                walk(entry["contents"], f"{here}.contents")
            else:
                assert schema.check({"ref": "navigation-item"}, entry, here) == []
                href = entry["href"]
                assert (project / href).exists(), href
            seen += 1

    walk(nav["website"]["sidebar"]["contents"], "website.sidebar.contents")
    assert seen > 10
