"""The preview stays an honest stand-in for Quarto: the same finished runs (the fast UEC and the
framework assessment) rendered by both give the same pages, and each page the same visible main
text (whitespace normalised), headings, links (where they lead), images and alt text. What may
differ is the short allowance in page_content.py (the table of contents and previous/next
links, which Quarto puts outside <main>; Quarto's breadcrumbs, buttons and title-block metadata;
how each labels a callout's kind for screen readers). Needs ``quarto`` (skipped without it,
required when CI is set); no browser."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from e2e_support import build_site
from page_content import ALLOWANCE, page_content

pytestmark = pytest.mark.e2e


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _first_difference(a: list[str], b: list[str]) -> str:
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            return (
                f"preview: {' '.join(a[max(0, i1 - 4) : i2 + 4])[:240]!r}\n"
                f"      quarto:  {' '.join(b[max(0, j1 - 4) : j2 + 4])[:240]!r}"
            )
    return "(same)"


@pytest.fixture(scope="module")
def both(pipeline_runs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    preview = build_site("preview", pipeline_runs, tmp_path_factory)
    quarto = build_site("quarto", pipeline_runs, tmp_path_factory)
    return preview, quarto


def test_both_renderers_publish_the_same_pages_with_the_same_content(both) -> None:
    preview, quarto = both
    pages = _pages(preview)
    assert len(pages) >= 60, pages
    assert _pages(quarto) == pages
    wrong = []
    for page in pages:
        a, b = page_content(preview, page, "preview"), page_content(quarto, page, "quarto")
        assert a.text, f"{page}: no text in <main> of the preview"
        for what in ("headings", "links", "images"):
            if getattr(a, what) != getattr(b, what):
                diff = [
                    line
                    for line in difflib.unified_diff(
                        [str(x) for x in getattr(a, what)],
                        [str(x) for x in getattr(b, what)],
                        "preview",
                        "quarto",
                        lineterm="",
                        n=0,
                    )
                ][2:8]
                wrong.append(f"{page}: {what} differ:\n      " + "\n      ".join(diff))
        if a.text != b.text:
            first = _first_difference(a.text.split(" "), b.text.split(" "))
            wrong.append(f"{page}: the text differs:\n      {first}")
    assert not wrong, f"{len(wrong)} differences, e.g.:\n" + "\n".join(wrong[:12])


def test_the_comparison_sees_a_difference(both, tmp_path: Path) -> None:
    """The check can fail: a word changed in a copy of a Quarto page, a link retargeted and an
    alt text dropped are each found; and the allowance stays short."""
    preview, quarto = both
    page = "reports/uec-fast/orgs/RDU.html"
    head, main, body = (quarto / page).read_text(encoding="utf-8").partition("<main")
    target = tmp_path / page
    target.parent.mkdir(parents=True)
    a = page_content(preview, page, "preview")
    assert page_content(quarto, page, "quarto").text == a.text

    def changed(old: str, new: str) -> object:
        assert old in body, old
        target.write_text(head + main + body.replace(old, new, 1), encoding="utf-8")
        return page_content(tmp_path, page, "quarto")

    assert changed("Frimley", "Frimly").text != a.text
    assert changed(' alt="', ' data-alt="').images != a.images
    assert changed("uec-fast/methodology.html", "uec-fast/downloads.html").links != a.links
    assert changed("<h2", "<p").headings != a.headings
    assert sum(len(v) for v in ALLOWANCE.values()) <= 10
