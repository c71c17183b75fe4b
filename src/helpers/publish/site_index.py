"""The site-wide files `assess render` writes from the finished runs and the site's settings
(``config/site.yml``): the site's title, status banner and sidebar (``reports/_website.yml``),
the home page's list of assessments (``reports/_home.md``), what the assessment is and is for
(``reports/_status.md``, on the home and About pages), the data and code behind the site
(``reports/_build.md``) and the Quarto profile that leaves out finished runs not being published
(``_quarto-assess.yml``)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from helpers.publish.templating import md_text, template_env
from helpers.settings import SiteSettings, load_site

#: the Quarto profile `assess render` writes and renders with (``_quarto-assess.yml``)
SITE_PROFILE = "assess"
#: where every page's status sentence links to: what the assessment is, and is for
STATUS_HREF = "/about.qmd#status"


def status_markdown(site: SiteSettings) -> str:
    """The publisher's status sentence as one line of markdown (the text escaped), with a link to
    what the assessment is for: every page's banner, every report card and league table."""
    return f"{md_text(site.publisher.status_sentence())} [What it is for]({STATUS_HREF})"


def website_metadata(site: SiteSettings, sections: list[dict]) -> dict:
    """The ``website:`` keys `assess render` writes into ``reports/_website.yml``: the site's
    title and its status banner (from ``config/site.yml``) and the sidebar."""
    return {
        "website": {
            "title": site.title,
            "announcement": {
                "content": status_markdown(site),
                "type": "info",
                "icon": "info-circle",
                "dismissable": False,
                "position": "below-navbar",
            },
            "sidebar": {"style": "docked", "search": True, "contents": sections},
        }
    }


def _period_order(period: str) -> int:
    """Newest first: '2024/25' -> -20240, 'Q4 2025/26' -> -20254; anything else last."""
    m = re.match(r"^(?:Q([1-4]) )?(\d{4})/\d{2}$", period)
    if not m:
        return 0
    return -(int(m.group(2)) * 10 + int(m.group(1) or 0))


def league_section(base: Path, rel: str) -> dict:
    """The sidebar's league tables: the hub, then each cohort-and-year page, newest first."""
    pages = []
    for page in (base / "league").glob("*.qmd"):
        text = page.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else {}
        title = str((front or {}).get("title", ""))
        period = title.rsplit(", ", 1)[-1]
        text = title.removeprefix("League table: ") or page.stem
        pages.append((period, text, f"{rel}/league/{page.name}"))
    pages.sort(key=lambda p: (_period_order(p[0]), p[1]))
    quarterly = any(p[0][:1] == "Q" for p in pages)
    hub = "League tables: all quarters" if quarterly else "League tables: all cohorts and years"
    return {
        "section": "League tables",
        "contents": [
            {"href": f"{rel}/league.qmd", "text": hub},
            *({"href": href, "text": text} for _period, text, href in pages),
        ],
    }


#: the folder of the report cards' links between a primary assessment and its topic views
VIEWS = "_views"


def _cards(base: Path) -> set[str]:
    return {p.stem for p in (base / "orgs").glob("*.qmd") if p.stem != "index"}


def _card_link(text: str, run_id: str, code: str) -> str:
    return f"[{md_text(text)}](/reports/{run_id}/orgs/{code}.qmd)"


def _topic_text(summary: dict, code: str, primary: tuple[str, dict] | None) -> str:
    """A topic view's card: the domain it looks at, the primary verdict, why they can differ."""
    topic = md_text(summary.get("topic") or summary["short_title"])
    where = (
        "The primary verdict on this organisation is its "
        + _card_link(f"{primary[1]['short_title']} report card", primary[0], code)
        if primary
        else "No primary assessment of this organisation is published on this site"
    )
    return (
        "::: {.callout-note}\n## A view of one domain\n\n"
        f"This report card looks at {topic} only. {where}. Its segment and rank there can differ "
        f"from this card's, because this view scores only the {topic} metrics, over its own "
        "years, against the organisations that report them.\n:::\n"
    )


def _primary_text(code: str, topics: list[tuple[str, dict]]) -> str:
    """A primary card: the topic views of the same organisation, if any."""
    if not topics:
        return ""
    links = ", ".join(_card_link(t.get("topic") or t["short_title"], b, code) for b, t in topics)
    return (
        "This card is this site's primary verdict on this organisation. Topic views of one "
        f"domain: {links} (their segments can differ, because each scores only its own domain's "
        "metrics).\n"
    )


def views_markdown(runs: list[tuple[Path, dict]]) -> dict[str, dict[str, str]]:
    """For every published report card, the markdown that links it to the same organisation's
    cards in the other assessments of its type (assessment id -> code -> text): a topic
    view's card names the primary verdict and says why the two can differ; a primary card
    lists the topic views. Only cards that are published are linked."""
    cards = {base.name: _cards(base) for base, _ in runs}
    out: dict[str, dict[str, str]] = {}
    for base, s in runs:
        others = [
            (b.name, t) for b, t in runs if b != base and t.get("org_type") == s.get("org_type")
        ]
        primaries = [(b, t) for b, t in others if t.get("role", "primary") == "primary"]
        topics = [(b, t) for b, t in others if t.get("role") == "topic"]
        texts = {}
        for code in sorted(cards[base.name]):
            if s.get("role") == "topic":
                found = [(b, t) for b, t in primaries if code in cards[b]]
                texts[code] = _topic_text(s, code, found[0] if found else None)
            else:
                texts[code] = _primary_text(code, [(b, t) for b, t in topics if code in cards[b]])
        out[base.name] = texts
    return out


def write_views(reports: Path, runs: list[tuple[Path, dict]]) -> None:
    """Write ``reports/_views/<id>/<code>.md`` for every published report card (an empty file
    where there is nothing to link), replacing what an earlier render wrote."""
    folder = reports / VIEWS
    if folder.exists():
        shutil.rmtree(folder)
    for run_id, texts in views_markdown(runs).items():
        (folder / run_id).mkdir(parents=True, exist_ok=True)
        for code, text in texts.items():
            (folder / run_id / f"{code}.md").write_text(text, encoding="utf-8")


def completed_runs(reports: Path) -> list[Path]:
    """Assessment folders under reports/ that finished (they have provenance.json)."""
    return sorted(
        p
        for p in reports.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and (p / "provenance.json").exists()
    )


def write_site_index(root: Path, only: list[str] | None = None) -> list[str]:
    """Write ``reports/_website.yml`` (sidebar), ``reports/_home.md`` (the assessments) and
    ``reports/_build.md`` (data and code behind the site) for the finished runs (only the
    assessments named in ``only``, when given)."""
    reports = root / "reports"
    reports.mkdir(exist_ok=True)
    runs = [r for r in completed_runs(reports) if only is None or r.name in only]
    sections = []
    home = []
    summaries = []
    for base in runs:
        summary = json.loads((base / "results" / "summary.json").read_text(encoding="utf-8"))
        summaries.append((base, summary))
        rel = f"reports/{base.name}"
        league = (base / "league.qmd").exists()  # the assessment stage ran (notebook 35)
        sections.append(
            {
                "section": summary["short_title"],
                "contents": [
                    {"href": f"{rel}/index.qmd", "text": "Overview"},
                    *([league_section(base, rel)] if league else []),
                    *(
                        [
                            {
                                "section": "Metrics",
                                "contents": [
                                    {
                                        "href": f"{rel}/metrics/{m['id']}.qmd",
                                        "text": m["short_title"],
                                    }
                                    for m in summary["metrics"]
                                ],
                            }
                        ]
                        if summary["metrics"]
                        else []
                    ),
                    {"href": f"{rel}/orgs/index.qmd", "text": "Report cards"},
                    {"href": f"{rel}/methodology.qmd", "text": "Methodology"},
                    {"href": f"{rel}/downloads.qmd", "text": "Downloads"},
                    {
                        "section": "Pipeline notebooks",
                        "contents": [
                            {"href": f"{rel}/pipeline/{nb}", "text": nb.removesuffix(".ipynb")}
                            for nb in summary["notebooks"]
                        ],
                    },
                ],
            }
        )
        prov = json.loads((base / "provenance.json").read_text(encoding="utf-8"))
        home.append(
            summary
            | {
                "href": f"{rel}/index.qmd",
                "code_version": prov["code_version"],
                "n_inputs": len(prov["inputs"]),
                "league": league,
            }
        )
    write_views(reports, summaries)
    site, _ = load_site(root)
    website = website_metadata(site, sections)
    (reports / "_website.yml").write_text(
        "# Written by `assess render` from the finished runs: do not edit.\n"
        + yaml.safe_dump(website, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    for name in ("home", "build", "status"):
        text = template_env().get_template(f"{name}.md.j2").render(runs=home, site=site)
        (reports / f"_{name}.md").write_text(text, encoding="utf-8")
    # finished runs left out of this site (e.g. the small scale when building England's): a
    # Quarto profile excludes their pages, so nothing unlinked is published or indexed
    left_out = [r.name for r in completed_runs(reports) if r not in runs]
    excluded = [f"!/reports/{name}/**" for name in left_out]  # "/": from the project root
    profile = {"project": {"render": excluded, "resources": list(excluded)}}
    (root / f"_quarto-{SITE_PROFILE}.yml").write_text(
        "# Written by `assess render` (Quarto profile `assess`): do not edit.\n"
        + yaml.safe_dump(profile, sort_keys=False),
        encoding="utf-8",
    )
    return [r.name for r in runs]
