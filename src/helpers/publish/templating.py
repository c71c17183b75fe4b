"""The Jinja2 environment of the page templates (``templates/``).

Templates write Quarto markdown; two filters escape data for where it lands: ``yaml_str`` (a
YAML front-matter string) and ``cell`` (a pipe-table cell).
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"


def template_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["yaml_str"] = lambda s: json.dumps(str(s), ensure_ascii=False)
    env.filters["cell"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    return env
