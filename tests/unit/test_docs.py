"""The README a newcomer reads (#22 item 10), and every guide kept true: the first screen says
what this is (an independent assessment, not NHS England's) and the two commands; the glossary
comes before its terms are used; the annual rerun checklist is near the top; every `make` target,
`assess` command and relative link the guides name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.pipeline.cli import main

GUIDES = ("README.md", "CONTRIBUTING.md", "data/README.md", "docs/internals.md", "docs/spark.md")
GLOSSARY = ("segment", "cohort", "likely range", "NOF", "overdispersion")


def _readme(root: Path) -> str:
    return (root / "README.md").read_text(encoding="utf-8")


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of each ``## `` section, in order; the first is the first screen."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return [("", parts[0]), *zip(parts[1::2], parts[2::2], strict=True)]


def test_the_first_screen_says_what_this_is_who_it_is_for_and_the_two_commands(root) -> None:
    first = _sections(_readme(root))[0][1]
    assert len(first.splitlines()) <= 30, "the first screen is about 30 lines"
    prose = " ".join(first.split())
    assert "independent assessment" in prose.lower()
    assert "not NHS England's Oversight Framework and not a decision by any NHS body" in prose
    assert "Who it is for" in prose
    assert "make site" in first and "make test" in first


def test_the_glossary_comes_before_its_terms_are_used(root) -> None:
    sections = _sections(_readme(root))
    assert sections[1][0] == "Glossary"
    glossary = sections[1][1]
    for term in GLOSSARY:
        flags = 0 if term.isupper() else re.I
        assert re.search(rf"^- \*\*{re.escape(term)}\*\*", glossary, re.M | flags), term
        assert not re.search(rf"\b{re.escape(term)}", sections[0][1], flags), (
            f"{term!r} is used on the first screen, before the glossary"
        )


def test_the_annual_rerun_checklist_is_near_the_top(root) -> None:
    headings = [h for h, _ in _sections(_readme(root))[1:]]
    assert "Annual rerun checklist" in headings[:3], headings


def test_internals_live_in_the_maintainers_notes(root) -> None:
    readme = _readme(root)
    internals = (root / "docs" / "internals.md").read_text(encoding="utf-8")
    for topic in ("renameat2", "%reset -f", "reports/_cache", "bench_england.py"):
        assert topic in internals and topic not in readme, topic
    assert "docs/internals.md" in readme


@pytest.mark.parametrize("guide", GUIDES)
def test_every_make_target_and_assess_command_named_exists(root, guide, capsys) -> None:
    text = (root / guide).read_text(encoding="utf-8")
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", text))
    named |= set(re.findall(r"^make ([a-z][a-z-]*)", text, re.M))  # in code blocks
    assert named <= targets, sorted(named - targets)
    with pytest.raises(SystemExit):
        main(["--help"])
    choices = re.search(r"\{([a-z,-]+)\}", capsys.readouterr().out).group(1)
    commands = set(choices.split(","))
    assert {"run", "render", "site", "validate", "demo-data"} <= commands
    used = set(re.findall(r"`assess ([a-z][a-z-]*)", text))
    assert used <= commands, sorted(used - commands)


@pytest.mark.parametrize("guide", GUIDES)
def test_every_relative_link_leads_somewhere(root, guide) -> None:
    path = root / guide
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # an external address
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{guide}: link to {target}"
        if anchor and dest.suffix == ".md":
            slugs = {
                re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), re.M)
            }
            assert anchor in slugs, f"{guide}: no heading for #{anchor}"
