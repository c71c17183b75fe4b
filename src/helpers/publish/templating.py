"""The Jinja2 environment of the page templates (``templates/``).

Templates write Quarto markdown; four filters escape data for where it lands: ``yaml_str`` (a
YAML front-matter string), ``alt`` (a figure's quoted ``fig-alt``), ``cell`` (a pipe-table cell
of our own text) and ``md`` (text from the data, such as an
organisation's name, in prose, a link's text, a heading or a table cell: every character that
markdown, HTML, Quarto or pandoc would read as markup is backslash-escaped, so the text shows as
written and never becomes markup). Quarto reads front-matter strings as markdown too, so a title
from the data is ``md`` first, then ``yaml_str``. Counting words come from
:mod:`helpers.core.words` as globals: ``plural(n, "metric")`` ("1 metric", "5 metrics"),
``plural_word`` (the word alone) and ``a_or_an``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from helpers.core.words import a_or_an, plural, plural_word

TEMPLATES = Path(__file__).parent / "templates"

#: ASCII punctuation that starts markup in CommonMark, pandoc or Quarto (emphasis, links, raw
#: HTML, tables, attributes, maths, citations, sub/superscripts, entities, shortcodes)
_MARKUP = re.compile(r"([\\`*_\[\]<>|#{}$@~^&!])")


def md_text(value: object) -> str:
    """``value`` as literal markdown text: markup characters backslash-escaped (CommonMark and
    pandoc both read ``\\x`` as a literal ``x``), line breaks as spaces."""
    text = " ".join(str(value).splitlines())
    return _MARKUP.sub(r"\\\1", text)


def attr_text(value: object) -> str:
    """``value`` as a quoted attribute value (a figure's ``fig-alt``): one line, JSON-quoted, with
    braces written as parentheses, so that no text from the data can end the attribute list
    early (the preview's parser stops at a brace even inside quotes) or be read as a Quarto
    shortcode; the words stay the same for a screen reader. Both renderers HTML-escape it."""
    text = " ".join(str(value).splitlines()).replace("{", "(").replace("}", ")")
    return json.dumps(text, ensure_ascii=False)


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
    env.filters["md"] = md_text
    env.filters["alt"] = attr_text
    # counting words: {{ plural(n, "metric") }} -> "1 metric" / "5 metrics", never "metric(s)"
    env.globals.update(plural=plural, plural_word=plural_word, a_or_an=a_or_an)
    return env
