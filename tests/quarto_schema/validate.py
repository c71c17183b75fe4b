"""Validate Quarto YAML against Quarto's own schema files (test support, not product code).

The schema files under ``schema/`` are verbatim copies from quarto-cli (see README.md). This module
interprets the parts of Quarto's schema language that the project's YAML reaches, following
quarto-cli's ``src/core/lib/yaml-schema/from-yaml.ts`` (conversion), ``common.ts``
(``objectSchema``: ``super``) and ``src/core/lib/yaml-validation/validator.ts`` (validation):

- ``string`` / ``path`` (with ``pattern``), ``number``, ``boolean``, ``null``, ``any``, ``object``
  and scalar literals (a one-value enum), ``enum`` (list or ``values``), ``pattern``;
- ``anyOf`` / ``allOf`` (list or ``schemas``), ``arrayOf`` (node or ``schema``), ``maybeArrayOf``;
- ``object`` with ``properties``, ``closed`` (unknown keys are errors), ``required`` (list or
  ``all``), ``super`` (``resolveRef`` bases, merged as ``objectSchema`` does),
  ``additionalProperties`` and ``propertyNames``; ``record`` (a closed object requiring every
  property);
- ``ref`` / ``resolveRef`` to the ``id`` of a definitions.yml entry, or to the
  ``quarto-resource-<file>-<field>`` id Quarto gives every field of cell-*, document-* and
  project.yml; ``schema`` wrappers; annotations (description, completions, tags, ...) are ignored.

Anything else (``patternProperties``, an explicit ``namingConvention`` list, an unknown key in a
schema node, a ref to an unknown id) raises ``UnsupportedSchemaError`` when validation reaches it,
so nothing passes because the validator skipped it.

The two top-level schemas are assembled in TypeScript in quarto-cli, and are rebuilt here the same
way: ``front_matter_errors`` (``front-matter.ts``: document-* fields, ``execute`` from
document-execute, ``format`` per output format from the fields whose ``tags.formats`` allow it) and
``project_config_errors`` (``project-config.ts``: project.yml fields plus all of the front matter;
Quarto validates ``_quarto.yml``, each ``metadata-files`` file and each ``_quarto-<profile>.yml``
against it separately). Like Quarto, the top level of both and each ``format.<name>`` object are
open (unknown keys are metadata passed to pandoc); ``project``, ``website``, navigation items,
``page-footer`` and the other ``closed: true`` objects are not. Quarto's case-convention
"near miss" check on open objects is not reproduced: its pattern, ``(?!(^a$|^b$))``, is matched
with ``String.match`` (a search), which finds an empty match at offset 1 of any non-empty key, so it
never rejects one.

YAML is read as Quarto reads it (js-yaml with null, bool, int and float only: YAML 1.2 core, so
``yes`` and ``2024-01-01`` stay strings; duplicate keys are errors).

Run ``python tests/quarto_schema/validate.py [project-root]`` to check a built project.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_DIR = Path(__file__).parent / "schema"

#: ``pandoc/formats.yml`` of quarto-cli (``pandoc --list-output-formats``, stored in
#: src/resources/editor/tools/yaml/yaml-intelligence-resources.json at the vendored commit)
PANDOC_FORMATS = (
    "ansi asciidoc asciidoc_legacy asciidoctor bbcode bbcode_fluxbb bbcode_hubzilla bbcode_phpbb "
    "bbcode_steam bbcode_xenforo beamer biblatex bibtex chunkedhtml commonmark commonmark_x "
    "context csljson djot docbook docbook4 docbook5 docx dokuwiki dzslides epub epub2 epub3 fb2 "
    "gfm haddock html html4 html5 icml ipynb jats jats_archiving jats_articleauthoring "
    "jats_publishing jira json latex man markdown markdown_github markdown_mmd markdown_phpextra "
    "markdown_strict markua mediawiki ms muse native odt opendocument opml org pdf plain pptx "
    "revealjs rst rtf s5 slideous slidy tei texinfo textile typst vimdoc xml xwiki zimwiki"
).split()
#: front-matter.ts adds these to the pandoc formats
EXTRA_FORMATS = ["md", "hugo", "dashboard", "email"]
#: ``regexS("^.+\.lua$")`` in a TypeScript string literal, where ``\.`` is just ``.``
LUA_FILE = "^.+.lua$"

#: keys setBaseSchemaProperties reads (or the schema schema allows) that do not constrain values
ANNOTATIONS = frozenset(
    {"additionalCompletions", "completions", "id", "hidden", "tags", "description"}
    | {"errorDescription", "errorMessage", "default"}
)
#: convertFromYaml's dispatch, in its order (the first key present wins)
CONSTRUCTS = (
    "anyOf allOf boolean arrayOf enum maybeArrayOf null number object path record ref "
    "resolveRef string pattern schema"
).split()
OBJECT_KEYS = frozenset(
    {"properties", "closed", "required", "super", "additionalProperties", "propertyNames"}
    | {"namingConvention"}
)
FORMAT = {"quarto-format": True}  # internal node: the ``format`` key (makeFrontMatterFormatSchema)


class UnsupportedSchemaError(Exception):
    """A schema construct this validator does not interpret was reached."""


# --- YAML as Quarto reads it ----------------------------------------------------------------


class QuartoYamlLoader(yaml.SafeLoader):
    """js-yaml with Quarto's schema: the YAML 1.2 core types (null, bool, int, float) only."""

    yaml_implicit_resolvers: dict = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [self.construct_object(k, deep=True) for k, _ in node.value]
        dup = {repr(k) for k in keys if keys.count(k) > 1}
        if dup:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicated mapping key {', '.join(sorted(dup))}", node.start_mark
            )
        return super().construct_mapping(node, deep=deep)


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
    base = {"0x": 16, "0o": 8}.get(digits[:2], 10)
    return sign * int(digits[2:] if base != 10 else digits, base)


def _float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    text = loader.construct_scalar(node).lower()
    return float(text.replace(".inf", "inf").replace(".nan", "nan"))


for _tag, _regex, _first in (
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
):
    QuartoYamlLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}",
        re.compile(_regex),
        [*_first, *([""] if _tag == "null" else [])],
    )
QuartoYamlLoader.add_constructor("tag:yaml.org,2002:int", _int)
QuartoYamlLoader.add_constructor("tag:yaml.org,2002:float", _float)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=QuartoYamlLoader)  # noqa: S506 (a SafeLoader subclass)


def front_matter(path: Path) -> str | None:
    """The YAML front matter of a .qmd/.md page, or of a notebook's first (raw) cell."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "raw" else ""
    else:
        text = path.read_text(encoding="utf-8")
    m = re.match(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S)
    return None if m is None else (m.group(1) or "")


# --- the schema ---------------------------------------------------------------------------------


@dataclass
class _Object:
    properties: dict[str, Any] = field(default_factory=dict)
    closed: bool = False
    required: list[str] = field(default_factory=list)
    additional: list[Any] = field(default_factory=list)
    names: Any = None


def _js_str(key: Any) -> str:
    """A mapping key as JavaScript sees it (``String(key)``)."""
    return (
        {True: "true", False: "false", None: "null"}.get(key, str(key))
        if not isinstance(key, str)
        else key
    )


def _same(a: Any, b: Any) -> bool:
    """JavaScript ``===`` on YAML scalars (``True`` is not ``1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b and (isinstance(a, str) == isinstance(b, str))


def _depth(error: str) -> int:
    where = error.split(": ", 1)[0]
    return 0 if where == "<root>" else 1 + where.count(".") + where.count("[")


def _path(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)


class QuartoSchema:
    """Quarto's schemas loaded from ``folder``: definitions.yml, project.yml, cell-*.yml,
    document-*.yml and format-aliases.yml."""

    def __init__(self, folder: Path = SCHEMA_DIR) -> None:
        def read(name: str) -> Any:
            return load_yaml((folder / name).read_text(encoding="utf-8"))

        self.defs: dict[str, Any] = {d["id"]: d for d in read("definitions.yml")}
        self.aliases: dict[str, list[str]] = read("format-aliases.yml")["aliases"]
        # "schema/{document,cell}-*.yml" in file order; a later field of the same name wins
        self.fields: list[tuple[str, dict]] = []
        for path in sorted(folder.glob("*.yml")):
            if path.stem == "project" or path.stem.startswith(("cell-", "document-")):
                for f in read(path.name):
                    for name in filter(None, (f["name"], f.get("alias"))):
                        self.defs[f"quarto-resource-{path.stem}-{name}"] = f["schema"]
                    if path.stem != "project":
                        self.fields.append((path.stem, f))
        project = {
            name: {"ref": f"quarto-resource-project-{name}"}
            for f in read("project.yml")
            for name in filter(None, (f["name"], f.get("alias")))
        }
        self.defs["front-matter-execute"] = {
            "object": {"properties": self._refs("document-execute")}
        }
        document = self._refs("document-*")
        document.pop("format", None)
        self.front_matter = {
            "anyOf": [
                None,
                {
                    "allOf": [
                        {
                            "object": {
                                "properties": {
                                    "execute": {"ref": "front-matter-execute"},
                                    "format": FORMAT,
                                }
                            }
                        },
                        {"object": {"properties": document}},
                        {"ref": "front-matter-execute"},
                        {"ref": "quarto-dev-schema"},
                    ]
                },
            ]
        }
        self.project_config = {
            "allOf": [
                {
                    "object": {
                        "properties": {
                            "execute": {"ref": "front-matter-execute"},
                            "format": FORMAT,
                            "profile": {"ref": "project-profile"},
                        }
                    }
                },
                {"ref": "front-matter-execute"},
                self.front_matter,
                {"object": {"properties": project}},
            ]
        }
        self.format_names = PANDOC_FORMATS + EXTRA_FORMATS
        self._format_schema = cache(self._format_schema_uncached)

    # objectRefSchemaFromContextGlob + getFormatSchema's useSchema
    def _refs(self, context: str, fmt: str | None = None) -> dict[str, Any]:
        props = {}
        for stem, f in self.fields:
            contexts = (f.get("tags") or {}).get("contexts") or []
            if not any(fnmatch.fnmatchcase(c, context) for c in [stem, *contexts]):
                continue
            if fmt is not None and not self._for_format(f, fmt):
                continue
            for name in filter(None, (f["name"], f.get("alias"))):
                props[name] = {"ref": f"quarto-resource-{stem}-{name}"}
        return props

    def _expand(self, formats: list[str]) -> list[str]:
        out = []
        for f in formats:
            out += self._expand(self.aliases[f[1:]]) if f.startswith("$") else [f]
        return out

    def _for_format(self, f: dict, fmt: str) -> bool:
        formats = (f.get("tags") or {}).get("formats")
        if formats is None and "disabled" in f:
            formats = [f"!{x}" for x in f["disabled"]]
        if formats is None and "enabled" in f:
            formats = f["enabled"]
        if formats is None:
            return True
        disabled = self._expand([x[1:] for x in formats if x.startswith("!")])
        enabled = self._expand([x for x in formats if not x.startswith("!")])
        return fmt not in disabled and (not enabled or fmt in enabled)

    def _format_schema_uncached(self, fmt: str) -> Any:
        return {
            "anyOf": [
                {"object": {"properties": self._refs("document-*", fmt)}},
                {"enum": ["default"]},
            ]
        }

    # --- public -------------------------------------------------------------------------------

    def front_matter_errors(self, data: Any) -> list[str]:
        """Errors of a page's front matter (the ``front-matter`` schema)."""
        return list(dict.fromkeys(self.check(self.front_matter, data, "")))

    def project_config_errors(self, data: Any) -> list[str]:
        """Errors of ``_quarto.yml``, a metadata file or a profile (``project-config``)."""
        return list(
            dict.fromkeys(self.check(self.project_config, {} if data is None else data, ""))
        )

    # --- the interpreter ----------------------------------------------------------------------

    def _lookup(self, ref: Any) -> Any:
        if ref not in self.defs:
            raise UnsupportedSchemaError(f"ref to unknown schema id {ref!r}")
        return self.defs[ref]

    def check(self, node: Any, value: Any, path: str) -> list[str]:
        """The errors of ``value`` against schema ``node`` (none: it validates)."""
        if node is FORMAT:
            return self._check_format(value, path)
        if node is None:
            return [] if value is None else [f"{path or '<root>'}: must be null"]
        if isinstance(node, str) and node in ("object", "path", "string", "number", "boolean"):
            return self._check_type(node, value, path)
        if node == "any":
            return []
        if not isinstance(node, dict):
            if isinstance(node, list):
                raise UnsupportedSchemaError(f"a list is not a schema: {node!r}")
            return self._check_enum([node], value, path)
        kind = next((k for k in CONSTRUCTS if k in node), None)
        if kind is None:
            raise UnsupportedSchemaError(f"no schema construct in {sorted(node)}")
        self._annotations(node, {kind})
        v = node[kind]
        if kind in ("anyOf", "allOf"):
            results = [self.check(s, value, path) for s in self._inner(v, "schemas")]
            if kind == "allOf":
                return [e for r in results for e in r]
            if any(not r for r in results):
                return []
            # like Quarto's pruning of anyOf errors: report the alternative that got furthest
            return min(results, key=lambda r: (-max(map(_depth, r)), len(r)))
        if kind in ("boolean", "null", "number", "path", "string"):
            self._annotations(v, {"pattern"} if kind == "string" else set())
            errors = self._check_type(kind, value, path)
            if not errors and isinstance(v, dict) and "pattern" in v:
                errors = self._check_pattern(v["pattern"], value, path)
            return errors
        if kind == "pattern":
            regex = self._inner(v, "regex")
            return self._check_type("string", value, path) or self._check_pattern(
                regex, value, path
            )
        if kind == "enum":
            return self._check_enum(self._inner(v, "values"), value, path)
        if kind == "arrayOf":
            inner = self._inner(v, "schema") if isinstance(v, dict) and "schema" in v else v
            if not isinstance(value, list):
                return [f"{path or '<root>'}: must be an array, not {_describe(value)}"]
            return [e for i, x in enumerate(value) for e in self.check(inner, x, _path(path, i))]
        if kind == "maybeArrayOf":
            return self.check({"anyOf": [v, {"arrayOf": {"schema": v}}]}, value, path)
        if kind == "object":
            return self._check_object(self._object(node), value, path)
        if kind == "record":
            props = self._inner(v, "properties") if "properties" in v else v
            obj = _Object(properties=dict(props), closed=True, required=list(props))
            return self._check_object(obj, value, path)
        if kind in ("ref", "resolveRef"):
            return self.check(self._lookup(v), value, path)
        return self.check(v, value, path)  # "schema"

    def _inner(self, v: Any, key: str) -> Any:
        """``anyOf: [..]`` or ``anyOf: {schemas: [..], <annotations>}`` (and the like)."""
        if isinstance(v, dict):
            self._annotations(v, {key})
            return v[key]
        return v

    @staticmethod
    def _annotations(v: Any, allowed: set[str]) -> None:
        if isinstance(v, dict):
            extra = set(v) - ANNOTATIONS - allowed
            if extra:
                raise UnsupportedSchemaError(f"uninterpreted schema keys {sorted(extra)}")
        elif v is not None:
            raise UnsupportedSchemaError(f"unexpected schema value {v!r}")

    def _object(self, node: Any) -> _Object:
        """The object schema ``node`` stands for (following ``schema``/``ref``/``resolveRef``),
        with its ``super`` bases merged in as quarto-cli's ``objectSchema`` does."""
        while isinstance(node, dict) and "object" not in node:
            if "schema" in node:
                node = node["schema"]
            elif "ref" in node or "resolveRef" in node:
                node = self._lookup(node.get("ref") or node.get("resolveRef"))
            else:
                raise UnsupportedSchemaError(f"super of a non-object schema: {sorted(node)}")
        if node == "object":
            return _Object()
        if not isinstance(node, dict):
            raise UnsupportedSchemaError(f"super of a non-object schema: {node!r}")
        spec = node["object"] or {}
        extra = set(spec) - OBJECT_KEYS - ANNOTATIONS
        if extra:
            raise UnsupportedSchemaError(f"object schema with uninterpreted keys {sorted(extra)}")
        if spec.get("namingConvention", "ignore") != "ignore":
            raise UnsupportedSchemaError("object schema with an explicit namingConvention")
        own = spec.get("properties") or {}
        required = list(own) if spec.get("required") == "all" else list(spec.get("required") or [])
        obj = _Object(
            properties=dict(own),
            closed=spec.get("closed") is True,
            required=required,
            additional=[spec["additionalProperties"]] if "additionalProperties" in spec else [],
            names=spec.get("propertyNames"),
        )
        supers = spec.get("super")
        if supers is not None:
            if obj.names is not None:
                raise UnsupportedSchemaError("object schema with super and propertyNames")
            bases = [self._object(s) for s in (supers if isinstance(supers, list) else [supers])]
            if any(b.names is not None for b in bases):
                raise UnsupportedSchemaError("super base with propertyNames")
            merged: dict[str, Any] = {}
            for b in bases:
                merged |= b.properties
            obj.properties = merged | obj.properties
            obj.required = [r for b in bases for r in b.required] + obj.required
            obj.additional = [a for b in bases for a in b.additional] + obj.additional
            obj.closed = obj.closed or any(b.closed for b in bases)
        return obj

    def _check_object(self, obj: _Object, value: Any, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path or '<root>'}: must be an object, not {_describe(value)}"]
        errors = []
        for raw, item in value.items():
            key = _js_str(raw)
            where = _path(path, key)
            if key in obj.properties:
                errors += self.check(obj.properties[key], item, where)
            elif obj.closed:
                errors.append(f"{where}: unknown key (the schema is closed)")
            for extra in obj.additional if key not in obj.properties else []:
                if extra is False:
                    errors.append(f"{where}: key not allowed (additionalProperties: false)")
                else:
                    errors += self.check(extra, item, where)
            if obj.names is not None:
                errors += [f"{where}: invalid key: {e}" for e in self.check(obj.names, key, where)]
        errors += [
            f"{_path(path, r)}: required key missing" for r in obj.required if r not in value
        ]
        return errors

    @staticmethod
    def _check_type(kind: str, value: Any, path: str) -> list[str]:
        ok = {
            "object": isinstance(value, dict),
            "path": isinstance(value, str),
            "string": isinstance(value, str),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "null": value is None,
        }[kind]
        return [] if ok else [f"{path or '<root>'}: must be {kind}, not {_describe(value)}"]

    @staticmethod
    def _check_pattern(regex: str, value: Any, path: str) -> list[str]:
        ok = re.search(regex, value) is not None  # JavaScript String.match: a search
        return [] if ok else [f"{path or '<root>'}: {value!r} does not match {regex!r}"]

    @staticmethod
    def _check_enum(values: list, value: Any, path: str) -> list[str]:
        if any(_same(v, value) for v in values):
            return []
        return [f"{path or '<root>'}: {value!r} must be one of {values!r}"]

    def _check_format(self, value: Any, path: str) -> list[str]:
        """``format``: an output format's name, or an object of output formats and their
        options (makeFrontMatterFormatSchema)."""
        regexes = {name: f"^(.+-)?{name}([-+].+)?$" for name in self.format_names}
        if isinstance(value, str):
            if any(re.search(r, value) for r in [*regexes.values(), LUA_FILE]):
                return []
            return [f"{path}: {value!r} is not a valid output format"]
        if not isinstance(value, dict):
            return [f"{path}: must be an output format name or object, not {_describe(value)}"]
        keys = [_js_str(k) for k in value]
        if keys and all(re.search(LUA_FILE, k) for k in keys):
            return []
        errors = []
        for raw, options in value.items():
            key, where = _js_str(raw), _path(path, _js_str(raw))
            names = [n for n, r in regexes.items() if re.search(r, key)]
            if not names:
                errors.append(f"{where}: {key!r} is not a valid output format")
            for name in names:
                errors += self.check(self._format_schema(name), options, where)
        return errors


def _describe(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else f"{type(value).__name__} {value!r}"
    )


# --- a built project ------------------------------------------------------------------------------


def project_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file Quarto validates in the project at ``root``: ("config", path) for
    ``_quarto.yml``, its ``metadata-files`` and its ``_quarto-*.yml`` profiles; ("page", path) for
    each page ``project.render`` names (its globs; ``!`` exclusions are not applied)."""
    yield "config", root / "_quarto.yml"
    config = load_yaml((root / "_quarto.yml").read_text(encoding="utf-8")) or {}
    for rel in config.get("metadata-files") or []:
        if (root / rel).exists():
            yield "config", root / rel
    yield from (("config", p) for p in sorted(root.glob("_quarto-*.yml")))
    pages = {
        p for g in config["project"]["render"] if g[0] != "!" for p in root.glob(g.lstrip("/"))
    }
    yield from (("page", p) for p in sorted(pages))


def validate_project(root: Path, schema: QuartoSchema | None = None) -> dict[Path, list[str]]:
    """Errors per file of the project at ``root`` (every file checked is a key)."""
    schema = schema or QuartoSchema()
    out = {}
    for kind, path in project_files(root):
        if kind == "config":
            data = load_yaml(path.read_text(encoding="utf-8"))
            out[path] = schema.project_config_errors(data)
        else:
            text = front_matter(path)
            data = None if text is None else load_yaml(text)
            out[path] = schema.front_matter_errors(data)
    return out


if __name__ == "__main__":
    project = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    results = validate_project(project)
    bad = {p: e for p, e in results.items() if e}
    for p, errs in bad.items():
        for e in errs:
            print(f"{p.relative_to(project)}: {e}")
    print(f"{len(results)} files checked, {len(bad)} with errors")
    sys.exit(1 if bad else 0)
