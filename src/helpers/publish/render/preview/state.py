"""What the preview's stages share: the pages (:class:`Page`) and the build (:class:`BuildState`:
the project, the markdown parser, the warnings and resources collected along the way)."""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from markdown_it import MarkdownIt

SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")  # an external URL


@dataclass
class Page:
    src: Path  # relative to the project root
    out: Path  # relative to the output folder
    opts: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # HTML
    body: str = ""


@dataclass
class BuildState:
    root: Path
    config: dict[str, Any]
    out_dir: Path
    md: MarkdownIt
    variables: dict[str, Any]
    pages: dict[str, Page]  # by source path (posix, relative to root)
    warnings: list[str] = field(default_factory=list)
    resources: set[Path] = field(default_factory=set)  # relative to root, to copy

    @property
    def website(self) -> dict[str, Any]:
        return self.config.get("website") or {}

    def render_md(self, text: str, page: Page, env: dict[str, Any]) -> str:
        """Markdown to HTML; the parser's warnings are recorded against ``page``."""
        out = self.md.render(text, env)
        for w in env.pop("warnings", []):
            self.warnings.append(f"{page.src.as_posix()}: {w}")
        return out

    def title_html(self, title: Any) -> str:
        return self.md.renderInline(str(title)) if title not in (None, "") else ""

    def relative(self, target: str, page: Page) -> str:
        """The output path ``target`` relative to ``page``'s folder."""
        start = PurePosixPath(page.out.as_posix()).parent.as_posix() or "."
        return os.path.relpath(target, start).replace(os.sep, "/")


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or "")).strip()
