"""The one error of the renderer: :class:`SiteBuildError`, naming the page (and line) at fault."""

from __future__ import annotations

from pathlib import Path


class SiteBuildError(RuntimeError):
    """The site could not be built; ``path`` (and ``line``) say where, when known."""

    def __init__(
        self, message: str, path: Path | str | None = None, line: int | None = None
    ) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(where + message)
        self.path = Path(path) if path is not None else None
        self.line = line
