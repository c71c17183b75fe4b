"""What the preview's stages share: the pages (:class:`Page`) and the build (:class:`BuildState`:
the project, the markdown parser, the warnings and resources collected along the way)."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import dataclass, field
from importlib import metadata
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
    md_cache: MarkdownCache | None = None
    #: whole pages rendered ahead, in parallel (:func:`prerender`), by text
    rendered: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    @property
    def website(self) -> dict[str, Any]:
        return self.config.get("website") or {}

    def render_md(self, text: str, page: Page, env: dict[str, Any], *, whole: bool = False) -> str:
        """Markdown to HTML; the parser's warnings are recorded against ``page``. ``whole``: the
        text is a whole page, rendered with a fresh ``env`` that nothing reads afterwards; then
        a text rendered before (the same text and parser code) comes from :attr:`md_cache`
        when there is one, or from :attr:`rendered`."""
        cache = self.md_cache if whole and not env else None
        hit = self.rendered.get(text) if whole and not env else None
        if hit is None and cache is not None:
            hit = cache.get(text)
        elif hit is not None and cache is not None:
            cache.put(text, *hit)
        if hit is not None:
            out, warnings = hit
        else:
            out = self.md.render(text, env)
            warnings = env.pop("warnings", [])
            if cache is not None:
                cache.put(text, out, warnings)
        for w in warnings:
            self.warnings.append(f"{page.src.as_posix()}: {w}")
        return out

    def title_html(self, title: Any) -> str:
        return self.md.renderInline(str(title)) if title not in (None, "") else ""

    def relative(self, target: str, page: Page) -> str:
        """The output path ``target`` relative to ``page``'s folder."""
        start = PurePosixPath(page.out.as_posix()).parent.as_posix() or "."
        return os.path.relpath(target, start).replace(os.sep, "/")


class MarkdownCache:
    """Rendered markdown by the SHA-256 of its text and of the preview's own code, one file per
    text in ``folder``; :meth:`prune` removes what the last build did not use. The same text
    always renders the same, so a page that did not change is not parsed again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        code = hashlib.sha256()
        here = Path(__file__).parent
        for f in sorted([*here.glob("*.py"), *(here.parent / "project.py",)]):
            code.update(f.read_bytes())
        code.update(metadata.version("markdown-it-py").encode())
        code.update(metadata.version("mdit-py-plugins").encode())
        self.salt = code.digest()
        folder.mkdir(parents=True, exist_ok=True)

    def _key(self, text: str) -> str:
        return hashlib.sha256(self.salt + text.encode("utf-8", "surrogatepass")).hexdigest()

    def has(self, text: str) -> bool:
        return (self.folder / f"{self._key(text)}.json").is_file()

    def get(self, text: str) -> tuple[str, list[str]] | None:
        key = self._key(text)
        try:
            raw = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self.used.add(key)
        return str(raw["html"]), list(raw["warnings"])

    def put(self, text: str, out: str, warnings: list[str]) -> None:
        key = self._key(text)
        self.used.add(key)
        tmp = self.folder / f"{key}.{os.getpid()}.tmp"
        entry = {"html": out, "warnings": warnings}
        tmp.write_text(json.dumps(entry), encoding="utf-8")
        tmp.replace(self.folder / f"{key}.json")

    def prune(self) -> None:
        for f in self.folder.glob("*.json"):
            if f.stem not in self.used:
                f.unlink(missing_ok=True)


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or "")).strip()
