"""Shared by the renderer tests: the fixture Quarto project (tests/e2e/site_fixture.py), the pages
it renders to, and a small HTML link/image collector."""

from __future__ import annotations

import importlib.util
import sys
from html.parser import HTMLParser
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "site_fixture", Path(__file__).parents[3] / "e2e" / "site_fixture.py"
)
site_fixture = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("site_fixture", site_fixture)
_spec.loader.exec_module(site_fixture)

EXPECTED_PAGES = {
    "index.html",
    "about.html",
    "reports/demo/index.html",
    "reports/demo/metrics/ae_4hr_pct.html",
    "reports/demo/metrics/rtt_18wk_pct.html",
    "reports/demo/orgs/index.html",
    "reports/demo/orgs/RAA.html",
    "reports/demo/orgs/RBB.html",
    "reports/demo/pipeline/01-analysis.html",
}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.imgs: list[dict[str, str | None]] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "img":
            self.imgs.append(a)
        if a.get("aria-current") == "page":
            self.current.append(a.get("href") or "")


def parse(path: Path) -> _Collect:
    c = _Collect()
    c.feed(path.read_text(encoding="utf-8"))
    return c
