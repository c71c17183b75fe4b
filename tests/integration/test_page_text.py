"""What every built page says, read as a reader reads it: the visible text of each HTML page of
the fast UEC site (config/fast/uec-fast.yml) and of the framework assessment
(config/assessments/mental-health-community.yml), run and rendered by the `assess` commands in
a fresh copy of the project, one check per function.

* no "(s)" plural ("metric(s)", "trust(s)"): a count takes its singular or plural;
* no metric id of the catalogue in prose ("special-cause concern on ae_4hr_pct"): a metric is
  named by its title; ids stay in links, code and the notebooks' data tables;
* no raw markdown: no line of text starting with "#", no "**" and no "](" left as text;
* no negative zero ("-0.0", "-0.00%") in any number.

Each failure lists the pages and the text around what was found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.pipeline.cli import cmd_render
from helpers.pipeline.run import run_assessment
from helpers.settings import load_assessment, load_site

FAST = "config/fast/uec-fast.yml"
ID = "uec-fast"
#: the framework assessment (NHS England's Oversight Framework recomputed): pages of its own
FRAMEWORK = "config/assessments/mental-health-community.yml"
FRAMEWORK_ID = "mental-health-community"
#: elements whose text is not shown
HIDDEN = {"script", "style", "template", "head", "noscript"}
#: text that is code, not prose (a notebook's cells and outputs, an id written as code)
CODE = {"code", "pre", "kbd", "samp"}
#: a line of text starts anew at these
BLOCKS = {
    "p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "figcaption", "caption",
    "dt", "dd", "blockquote", "summary", "br", "tr", "section", "header", "footer", "nav",
}  # fmt: skip
VOID = {"br", "img", "hr", "meta", "link", "input", "source", "col", "wbr"}


@dataclass
class Text:
    """One run of visible text and where it sits."""

    text: str
    in_link: bool
    in_code: bool
    in_data_table: bool


@dataclass
class _Reader(HTMLParser):
    runs: list[Text] = field(default_factory=list)
    stack: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.runs.append(Text("\n", False, False, False))
        if tag not in VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in BLOCKS:
            self.runs.append(Text("\n", False, False, False))

    def handle_data(self, data: str) -> None:
        tags = [t for t, _ in self.stack]
        if any(t in HIDDEN for t in tags):
            return
        data_table = any(
            t == "table" and "dataframe" in (a.get("class") or "") for t, a in self.stack
        )
        self.runs.append(Text(data, "a" in tags, any(t in CODE for t in tags), data_table))


def visible(path: Path) -> list[Text]:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.runs


def prose(runs: list[Text], *, links: bool = True) -> str:
    """The page's text outside code (and outside links unless ``links``), lines as blocks."""
    return "".join(
        r.text for r in runs if not r.in_code and not r.in_data_table and (links or not r.in_link)
    )


@pytest.fixture(scope="module")
def site(project_copy: Path) -> Path:
    """`assess run` and `assess render` of the fast settings and the framework assessment (the
    same calls as the commands)."""
    run_assessment(FAST, project_copy, log=lambda s: None)
    run_assessment(FRAMEWORK, project_copy, log=lambda s: None)
    cmd_render(project_copy, True, only=[ID, FRAMEWORK_ID])
    site = project_copy / "_site"
    assert (site / "reports" / ID / "index.html").is_file()
    assert (site / "reports" / FRAMEWORK_ID / "index.html").is_file()
    return site


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, list[Text]]:
    found = {p.relative_to(site).as_posix(): visible(p) for p in sorted(site.rglob("*.html"))}
    assert len(found) >= 30, sorted(found)
    return found


def _around(text: str, m: re.Match[str], width: int = 60) -> str:
    return " ".join(text[max(0, m.start() - width) : m.end() + width].split())


def _findings(pages: dict[str, list[Text]], pattern: re.Pattern[str], **kw) -> Iterator[str]:
    for name, runs in pages.items():
        text = prose(runs, **kw)
        for m in pattern.finditer(text):
            yield f"{name}: …{_around(text, m)}…"


def _report(found: list[str]) -> str:
    return f"{len(found)} found, e.g.:\n" + "\n".join(found[:15])


def test_no_plural_written_with_s_in_brackets(pages) -> None:
    found = list(_findings(pages, re.compile(r"\b[A-Za-z]+\((s|es)\)")))
    assert not found, _report(found)


def test_no_metric_id_in_prose(pages, project_copy: Path) -> None:
    """Ids in links (a link's address is not text, but its words are), code and the notebooks'
    data tables are fine; anywhere else a metric is named by its title."""
    run = load_assessment(FAST, project_copy)
    ids = sorted({m.id for m in run.catalogue.metrics}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, ids)) + r")(?![\w.])")
    found = list(_findings(pages, pattern, links=False))
    assert not found, _report(found)


def test_no_raw_markdown_left_as_text(pages) -> None:
    """A heading that ran on from a paragraph shows its hashes; emphasis or a link that the
    renderer did not read shows its asterisks or its "](" as text."""
    heading = re.compile(r"^[ \t]*#{1,6}[ \t]+\S", re.M)
    emphasis = re.compile(r"\*\*[^*\n]+\*\*|\*\*")
    link = re.compile(r"\]\(")
    found = [
        *(f"heading: {f}" for f in _findings(pages, heading)),
        *(f"emphasis: {f}" for f in _findings(pages, emphasis)),
        *(f"link: {f}" for f in _findings(pages, link)),
    ]
    assert not found, _report(found)


def test_no_negative_zero(pages) -> None:
    found = list(_findings(pages, re.compile(r"(?<![\w.])[-\u2212]0(\.0+)?(?![\d.])")))
    assert not found, _report(found)


def test_every_page_says_what_the_assessment_is(pages, project_copy: Path) -> None:
    """The publisher's status sentence (config/site.yml) is on every page: the site's banner
    under both renderers (Quarto's website.announcement), so no page can be read as NHS
    England's own."""
    status = " ".join(load_site(project_copy)[0].publisher.status_sentence().split())
    missing = [name for name, runs in pages.items() if status not in " ".join(prose(runs).split())]
    assert not missing, _report(missing)


def test_no_probability_printed_as_certain(pages) -> None:
    """A simulated probability is never 0% or 100% on any page (it reads "less than 1%" or
    "more than 99%"): checked in every line of text that speaks of a probability."""
    found = []
    for name, runs in pages.items():
        for line in prose(runs).splitlines():
            if "probabilit" in line.lower():
                for m in re.finditer(r"(?<![\d.])(?:100|0)%", line):
                    found.append(f"{name}: …{_around(line, m)}…")
    assert not found, _report(found)
