"""One Excel workbook of an assessment's result tables, for readers who work in a spreadsheet.

:func:`write_workbook` writes ``README`` (what the workbook holds, the licence, the sources and
the code version), ``Data dictionary`` (:func:`data_dictionary`: one row per metric of the
catalogue) and then one sheet per result CSV found in the results folder, in the order of
:data:`SHEET_ORDER` and then any other CSV alphabetically. Every data sheet has a bold header
row that stays in view (frozen panes), an autofilter and column widths fitted to its contents.

Values are read from the CSV files as text and typed column by column, so that what the sheet
holds is what the CSV says: a column whose every value is ``True``/``False`` becomes Excel
booleans; a column whose every value is a plain number (no leading zero, so that codes such as
``"007"`` stay text, and no whole number of more than 15 digits, which Excel would round)
becomes numbers; anything else is text. Empty CSV cells are empty cells.

Number formats are the same for every sheet and do not depend on the metric:

* ``0``: whole numbers (a column of integers, or of decimals that are all whole, e.g. counts);
* ``0.000``: probabilities and scores (columns named ``p_*`` or containing ``score`` or
  ``probability``), whose values lie between 0 and 1 or 1.00 and 4.00;
* ``0.0??``: every other decimal (values, intervals, benchmarks, differences): one to three
  decimals, aligned on the decimal point (no metric is published with more than three). The
  cell holds the full value; the format only changes what is shown.

Text is written as text, never as a formula: a text cell is stored as a string (an inline
string in the file, not a formula), and text that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return also carries Excel's quote prefix (the stored form of a leading
apostrophe), so Excel treats it as text even when someone edits the cell. Characters that the
file format cannot hold (control characters) are removed, and text longer than Excel's limit
of 32,767 characters is cut to it. A value that is not finite (``inf``) is written as text.

The file is byte-reproducible: the document properties' creation and modification times and
the zip entries' dates are a fixed constant (1 January 1980, the earliest a zip can hold), never
the clock, so the same inputs give the same bytes (with the same openpyxl and zlib). The sheets
are written in openpyxl's write-only (streaming) mode, which keeps the cell formats.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from helpers.assess.scores import scoring_rule_text
from helpers.core.files import read_json
from helpers.methods import CI_METHOD_TEXT, method
from helpers.publish import disclosure
from helpers.publish.text import unit_words
from helpers.settings import LoadedAssessment, MetricSpec, Target

#: the licence line every publication of the data carries
OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0"
README = "README"
DICTIONARY = "Data dictionary"
#: the result tables first, in this order; any other CSV follows alphabetically
SHEET_ORDER = (
    "assessment",
    "league_table",
    "metric_scores",
    "indicators",
    "england",
    "national_headlines",
    "nhse_comparison",
    "sensitivity",
    "segment_changes",
    "plan_delivery",
    "organisations",
    "ledger",
)
#: what each result table holds ({unit}: "trust" or "ICB"); others are described by name
SHEET_TEXT = {
    "assessment": "One row per {unit} and year: average score and its likely range, segment "
    "(and before the financial override), league rank and its likely range, the probability of "
    "each segment, the group it cannot be told apart from, and the gap to the next segment.",
    "league_table": "The league table of every year, in NHS England's published columns (Region "
    "to Likely_range_of_rank) followed by ours (cohort, unadjusted segment, segment "
    "probabilities, group, reason).",
    "metric_scores": "One row per {unit}, metric and year: the value, its score from 1.00 (best) "
    "to 4.00 with its likely range, and its rank on the metric with its likely range.",
    "indicators": "One row per {unit}, metric and financial year: numerator, denominator, value, "
    "confidence intervals, comparison with England, standards and goals, rank among peers.",
    "england": "The England benchmark of each metric and year, with its confidence intervals.",
    "national_headlines": "NHS England's national headline of a metric beside this "
    "assessment's England value, and why they differ.",
    "nhse_comparison": "Every trust in both: our average score and segment beside NHS "
    "England's published ones.",
    "sensitivity": "How many {units} change segment under each other rule, by year.",
    "segment_changes": "For each {unit} below segment 1, every metric that alone would close the "
    "gap to the next segment, with the value it would need (others unchanged: a guide, not a "
    "guarantee).",
    "plan_delivery": "Each {unit}'s own plans against what it delivered, by metric and year.",
    "organisations": "The organisations: their types, regions and ICBs, and closures.",
    "ledger": "Every input file, with its SHA-256 hash and the rows read, accepted, excluded "
    "and rejected.",
    "funnel_limits": "The control limits of each metric's funnel plot, by year.",
    "nhse_segment_crosstab": "Our segments against NHS England's published segments: how "
    "many trusts in each pair.",
    "nof_reproduction": "NHS England's published segments reproduced by this engine from "
    "their own published scores, trust by trust.",
    "nof_agreement": "How often the reproduction agrees with NHS England's published segment.",
    "nof_cutoffs": "The average-score cut-offs between segments, NHS England's and ours.",
    "nof_acute_checks": "What this engine recomputes of NHS England's Q3 acute results (average "
    "score, segments, deficit cap, domain segments), and what needs its acute metric file.",
    "shmi": "SHMI (one rolling year, context only, not scored): NHS England's control limits and "
    "banding beside ours recomputed from observed and expected deaths, with each difference's "
    "reason.",
    "case_mix_coefficients": "The case-mix model's coefficients (record-level outcomes: age, "
    "sex, admission method, deprivation), with their standard errors.",
    "case_mix_model": "The case-mix model's fit: records used, events and discrimination.",
    "data_dictionary": "Every metric of the catalogue: definition, source, statistic, "
    "interval method, polarity, scoring and caveats.",
    "overdispersion": "The overdispersion of each metric's funnel plot, by year.",
    "rejected_rows": "Input rows rejected as invalid, with the reason.",
    "trends": "Each {unit}'s monthly variation (statistical process control), assurance against "
    "the goal and recent trend, by metric.",
}
POLARITY_TEXT = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "no_judgement": "No judgement (neither higher nor lower is better)",
}
#: the number formats (see the module docstring)
WHOLE, PROBABILITY, DECIMAL = "0", "0.000", "0.0??"
MAX_SHEET_NAME = 31
MAX_ROWS = 1_048_576  # Excel's limit, the header included
MAX_TEXT = 32_767  # Excel's limit on the characters of a cell
MAX_DIGITS = 15  # Excel keeps 15 significant digits: longer whole numbers stay text
#: the date of every zip entry (the earliest a zip file can hold): no clock in the file
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: the creation and modification time in the document properties, for the same reason
FIXED_TIME = datetime(*ZIP_DATE)

_NUMBER = r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf)"
_INTEGER = r"[+-]?\d+"
_LEADING_ZERO = r"[+-]?0\d"
_HOSTILE = ("=", "+", "-", "@", "\t", "\r")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


# --- the data dictionary -------------------------------------------------------------------


def _years(first: str | None, last: str | None) -> str:
    if first and last:
        return first if first == last else f"{first} to {last}"
    if first:
        return f"from {first}"
    if last:
        return f"until {last}"
    return "every year"


def _target_text(t: Target, spec: MetricSpec) -> str:
    word = "at least" if t.direction == "at_least" else "at most"
    text = f"{t.label}: {word} {t.value:g}{spec.unit} ({_years(t.first_year, t.last_year)})"
    return text + (f"; source: {t.source}" if t.source else "")


def _unit_text(spec: MetricSpec) -> str:
    unit = spec.unit.strip()
    scale = f" × {spec.multiplier:,g}" if spec.multiplier != 1 else ""
    return f"{spec.statistic}{scale} ({unit or 'no unit'})"


def _source_title(run: LoadedAssessment, key: str) -> str:
    src = run.settings.sources.get(key)
    return src.title if src is not None else key


def _definitions_text(run: LoadedAssessment, spec: MetricSpec) -> str:
    parts = []
    for d in spec.definitions:
        num, den = d.numerator, d.denominator
        num_src = f" [{_source_title(run, num.source)}]" if num.source else ""
        den_src = f" [{_source_title(run, den.source)}]" if den.source else ""
        text = (
            f"{_years(d.first_year, d.last_year)}: {_source_title(run, d.source)}. "
            f"Numerator: {num.description}{num_src}. Denominator: {den.description}{den_src}."
        )
        parts.append(text + (f" Note: {d.note}" if d.note else ""))
    return "\n".join(parts)


def _comparison_text(spec: MetricSpec, setting: str) -> str:
    """How the metric is compared with England (``comparison_headline`` and ``comparison``)."""
    m = method(spec.statistic, spec.ci_method)
    if m.ci_method == "none":
        return "Not compared with England: the value is not a sample estimate."
    plain = "England outside the organisation's own 95% confidence interval (chance alone)"
    head = plain
    if setting == "overdispersion" and m.funnel:
        head = (
            "outside the overdispersed funnel's 95% limits around England in a year whose funnel "
            "shows variation between organisations beyond chance (phi > 1), otherwise " + plain
        )
    words = (
        "Context, not judged: higher or lower than England"
        if spec.polarity == ("no_judgement")
        else "Better or worse than England"
    )
    return f"{words} when {head} (comparison_headline); the plain test alone in comparison."


def data_dictionary(run: LoadedAssessment) -> pd.DataFrame:
    """One row per metric of the assessment's catalogue, in catalogue order: what it measures,
    how it is built and judged, and how it is scored (in the assessment's own rules)."""
    rules = run.settings.assess
    rows = []
    for m in run.metrics:
        note = m.scoring.note if m.scoring is not None and m.scoring.note else ""
        rule = scoring_rule_text(m, rules.continuous, rules.ties)
        rows.append(
            {
                "metric_id": m.id,
                "title": m.title,
                "short_title": m.short_title,
                "domain": m.domain.replace("_", " ").capitalize(),
                "description": m.description,
                "statistic": m.statistic,
                "unit": m.unit.strip(),
                "multiplier": float(m.multiplier),
                "unit_in_words": _unit_text(m),
                "decimals": int(m.decimals),
                "polarity": POLARITY_TEXT.get(m.polarity, m.polarity),
                "ci_method": CI_METHOD_TEXT.get(m.ci_method, m.ci_method),
                "comparison_with_england": _comparison_text(m, run.settings.comparison),
                "standard": _target_text(m.standard, m) if m.standard is not None else "",
                "goals": "; ".join(_target_text(g, m) for g in m.goals),
                "definitions": _definitions_text(run, m),
                "score_mode": m.score_mode,
                "weight": float(rules.weights.get(m.id, 1.0)) if m.score_mode != "none" else 0.0,
                "scoring_rule": rule + (f" {note}" if note else ""),
                "caveats": " ".join(m.caveats),
            }
        )
    return pd.DataFrame(rows)


# --- typed columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One column of a sheet: its values (None for an empty cell) and how they are shown."""

    name: str
    values: list[Any]
    kind: str  # "text", "number" or "bool"
    number_format: str = "General"
    width: float = 10.0


def _clean_text(s: pd.Series) -> pd.Series:
    s = s.str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
    return s.str.slice(0, MAX_TEXT)


def _text_cell(ws: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A styled cell that holds ``value`` as text (see the module docstring)."""
    c = WriteOnlyCell(ws)
    c.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT]
    c.data_type = "s"  # text, never a formula
    if value.startswith(_HOSTILE):
        c.quotePrefix = True
    return c


def _number_format(name: str, values: pd.Series) -> str:
    n = name.lower()
    if n.startswith("p_") or "score" in n or "probability" in n:
        return PROBABILITY
    if pd.api.types.is_integer_dtype(values):
        return WHOLE
    finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))]
    return WHOLE if len(finite) and bool((finite % 1 == 0).all()) else DECIMAL


def _width(name: str, shown: pd.Series) -> float:
    """Characters of the widest of the header (plus room for the filter button) and the
    values as shown, between 8 and 60."""
    longest = int(shown.str.len().max()) if len(shown) else 0
    return float(min(60, max(8, len(name) + 3, longest + 2)))


def _typed(name: str, raw: pd.Series) -> _Column:
    """A column of CSV text (``""`` = empty) as booleans, numbers or text."""
    present = raw != ""
    vals = raw[present]
    if len(vals) and bool(vals.isin(["True", "False"]).all()):
        values = [None if v == "" else v == "True" for v in raw.tolist()]
        return _Column(name, values, "bool", width=float(max(8, len(name) + 3)))
    if (
        len(vals)
        and bool(vals.str.fullmatch(_NUMBER).all())
        and not vals.str.match(_LEADING_ZERO).any()
    ):
        if bool(vals.str.fullmatch(_INTEGER).all()):
            if int(vals.str.lstrip("+-").str.len().max()) > MAX_DIGITS:
                return _text(name, raw.where(present))  # Excel would round it
            nums = pd.to_numeric(raw.where(present)).astype("Int64")
        else:
            nums = pd.to_numeric(raw.where(present)).astype(float)
        return _numbers(name, nums)
    return _text(name, raw.where(present))


def _numbers(name: str, nums: pd.Series) -> _Column:
    fmt = _number_format(name, nums)
    arr = nums.to_numpy(dtype=float, na_value=np.nan)
    finite = arr[np.isfinite(arr)]
    biggest = float(np.abs(finite).max()) if len(finite) else 0.0
    digits = len(f"{biggest:.0f}") + 1  # a sign
    shown = digits + (0 if fmt == WHOLE else 4)
    width = float(min(60, max(8, len(name) + 3, shown + 2)))
    values: list[Any] = []
    integer = pd.api.types.is_integer_dtype(nums)
    for v in nums.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            values.append(None)
        elif isinstance(v, float) and not np.isfinite(v):
            values.append("inf" if v > 0 else "-inf")
        else:
            values.append(int(v) if integer else float(v))
    return _Column(name, values, "number", fmt, width)


def _text(name: str, s: pd.Series) -> _Column:
    present = s.notna()
    s = _clean_text(s[present].astype(str)).reindex(s.index)
    values = [None if pd.isna(v) else v for v in s.tolist()]
    return _Column(name, values, "text", "General", _width(name, s[present]))


def _columns_from_csv(path: Path) -> list[_Column]:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        return []
    if len(raw) + 1 > MAX_ROWS:
        raise ValueError(f"{path}: {len(raw):,} rows do not fit in an Excel sheet")
    return [_typed(str(c), raw[c]) for c in raw.columns]


def _columns_from_frame(df: pd.DataFrame) -> list[_Column]:
    cols = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            values = [None if pd.isna(v) else bool(v) for v in s.tolist()]
            cols.append(_Column(str(c), values, "bool", width=float(max(8, len(str(c)) + 3))))
        elif pd.api.types.is_numeric_dtype(s):
            cols.append(_numbers(str(c), s))
        else:
            cols.append(_text(str(c), s.where(s.notna() & (s.astype(str) != ""))))
    return cols


# --- writing ---------------------------------------------------------------------------------


def _sheet_name(stem: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", stem)[:MAX_SHEET_NAME] or "sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    taken.add(name.lower())
    return name


#: result tables left out of the workbook's per-table sheets: the funnel limits are a plotting
#: table (two thirds of the acute workbook's cells, of no use in a spreadsheet; the CSV stays
#: among the downloads); the data dictionary is the workbook's own "Data dictionary" sheet
NOT_IN_WORKBOOK = frozenset({"funnel_limits", "data_dictionary"})


def result_tables(results_dir: Path, org_type: str) -> list[dict[str, object]]:
    """Every result table of a run for the downloads page, in the workbook's order: its stem,
    whether a Parquet copy sits beside the CSV, whether the workbook has it, and what it holds
    (the workbook's own words)."""
    stems = {p.stem for p in results_dir.glob("*.csv") if p.is_file()}
    ordered = [s for s in SHEET_ORDER if s in stems] + sorted(stems - set(SHEET_ORDER))
    words = unit_words(org_type)
    return [
        {
            "stem": stem,
            "parquet": (results_dir / f"{stem}.parquet").is_file(),
            "in_workbook": stem not in NOT_IN_WORKBOOK,
            "text": SHEET_TEXT.get(stem, f"The result table {stem}.csv.").format(**words),
        }
        for stem in ordered
    ]


def _result_csvs(results_dir: Path) -> list[Path]:
    found = {
        p.stem: p
        for p in sorted(results_dir.glob("*.csv"))
        if p.is_file() and p.stem not in NOT_IN_WORKBOOK
    }
    first = [found.pop(stem) for stem in SHEET_ORDER if stem in found]
    return first + [found[stem] for stem in sorted(found)]


class _Cells:
    """Reusable write-only cells, one per column and style: the row is written as soon as it
    is appended, so each cell only carries its value to the file. A value that needs no style
    (text that cannot be taken for a formula, a boolean) goes to openpyxl as it is."""

    def __init__(self, ws: WriteOnlyWorksheet, col: _Column, wrap: bool) -> None:
        align = Alignment(wrap_text=True, vertical="top") if wrap else None
        self.bare = not wrap and col.kind != "number"
        self.plain = WriteOnlyCell(ws)
        self.quoted = WriteOnlyCell(ws)
        self.quoted.quotePrefix = True
        for c in (self.plain, self.quoted):
            if col.kind == "number":
                c.number_format = col.number_format
            if align is not None:
                c.alignment = align

    def cell(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            hostile = value.startswith(_HOSTILE)
            if self.bare and not hostile:
                return value  # openpyxl stores it as text: it does not start with "="
            c = self.quoted if hostile else self.plain
            c.value = value
            c.data_type = "s"  # text, never a formula
            return c
        if self.bare:
            return value
        self.plain.value = value
        return self.plain


def _n_rows(cols: list[_Column]) -> int:
    return len(cols[0].values) if cols else 0


def _write_sheet(wb: Workbook, name: str, cols: list[_Column], wrap: bool = False) -> None:
    ws = wb.create_sheet(name)
    for i, col in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for col in cols:
        h = _text_cell(ws, col.name)
        h.font = bold
        header.append(h)
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{_n_rows(cols) + 1}"
    ws.append(header)
    makers = [_Cells(ws, c, wrap) for c in cols]
    columns = [c.values for c in cols]
    for row in zip(*columns, strict=True):
        ws.append([m.cell(v) for m, v in zip(makers, row, strict=True)])


def _provenance(results_dir: Path) -> dict:
    path = results_dir.parent / "provenance.json"
    if not path.exists():
        return {}
    data = read_json(path)
    return data if isinstance(data, dict) else {}


def _readme_rows(
    run: LoadedAssessment, sheets: list[tuple[str, str, int | None]], prov: dict
) -> list[list[Any]]:
    """The README's rows: label, text (and, for the sheets, their rows)."""
    s = run.settings
    words = unit_words(s.org_type)
    rows: list[list[Any]] = [
        [s.title],
        [s.summary],
        [run.site.publisher.status_sentence()],
        [],
        ["Assessment", s.id],
        ["Financial years", ", ".join(s.financial_years)],
        ["Metrics", len(run.metrics)],
    ]
    if prov:
        cat = prov.get("catalogue") or {}
        settings = prov.get("settings") or {}
        for label, value in (
            ("Code version", prov.get("code_version")),
            ("Settings file", settings.get("file")),
            ("Settings SHA-256", settings.get("sha256")),
            ("Catalogue", f"{cat.get('file', '')} (version {cat.get('version', '')})"),
            ("Catalogue SHA-256", cat.get("sha256")),
            ("Python", prov.get("python")),
        ):
            if value:
                rows.append([label, str(value)])
    else:
        rows.append(["Code version", "not recorded (no provenance.json beside the results)"])
    rows += [[], ["Licence", OGL_LINE + "."]]
    files = [("Source", src) for src in s.sources.values()]
    files += [("Reference", src) for src in s.reference.values()]
    publishers = list(dict.fromkeys(src.publisher for _, src in files))
    rows.append(["Publishers", "; ".join(publishers)])
    for label, src in files:
        rows.append([label, f"{src.title}. {src.publisher}. {src.licence}."])
    rows += [[], ["Sheet", "What it holds", "Rows"]]
    for name, text, n in sheets:
        rows.append([name, text.format(**words), n])
    rows += [
        [],
        [
            "Number formats",
            f"Whole numbers {WHOLE}; probabilities and scores {PROBABILITY}; other decimals "
            f"{DECIMAL} (one to three decimals). Each cell holds the full value.",
        ],
        ["Disclosure control", disclosure.rule_text(run)],
    ]
    inputs = prov.get("inputs") or []
    if inputs:
        rows += [[], ["Input file", "SHA-256", "Role"]]
        for f in inputs:
            rows.append([str(f.get("file", "")), str(f.get("sha256", "")), str(f.get("role", ""))])
    return rows


def _write_readme(wb: Workbook, rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(README)
    for letter, width in (("A", 24), ("B", 110), ("C", 24)):
        ws.column_dimensions[letter].width = width
    bold, title = Font(bold=True), Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    headers = {"Sheet", "Input file"}
    for i, row in enumerate(rows):
        cells = []
        for j, value in enumerate(row):
            c = _text_cell(ws, value) if isinstance(value, str) else WriteOnlyCell(ws, value)
            if i == 0:
                c.font = title
            elif j == 0 or row[0] in headers:
                c.font = bold
            if j == 1:
                c.alignment = wrap
            cells.append(c)
        ws.append(cells)


def _reproducible_zip(data: bytes) -> bytes:
    """The same archive with a fixed date and permissions on every entry."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def write_workbook(
    run: LoadedAssessment, results_dir: Path, out_path: Path, provenance: dict | None = None
) -> Path:
    """Write the assessment's result tables in ``results_dir`` as one Excel workbook at
    ``out_path`` (README, Data dictionary, then one sheet per result CSV) and return the path.
    ``provenance``: the run's provenance record (default: ``provenance.json`` beside the
    results, when it exists). The same inputs give the same bytes."""
    results_dir, out_path = Path(results_dir), Path(out_path)
    tables = [(p, _columns_from_csv(p)) for p in _result_csvs(results_dir)]
    dictionary = _columns_from_frame(data_dictionary(run))
    taken = {README.lower(), DICTIONARY.lower()}
    named = [(_sheet_name(p.stem, taken), p, cols) for p, cols in tables]
    listing: list[tuple[str, str, int | None]] = [
        (README, "This sheet: the assessment, the licence, the sources and the sheets.", None),
        (
            DICTIONARY,
            "One row per metric: definition, unit, polarity, interval method, standards and "
            "goals, sources, scoring rule and caveats.",
            _n_rows(dictionary),
        ),
    ]
    listing += [
        (name, SHEET_TEXT.get(p.stem, f"The result table {p.name}."), _n_rows(cols))
        for name, p, cols in named
    ]

    wb = Workbook(write_only=True)
    wb.properties.created = FIXED_TIME  # no clock: the same inputs give the same file
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = None
    wb.properties.title = run.settings.title
    prov = provenance if provenance is not None else _provenance(results_dir)
    _write_readme(wb, _readme_rows(run, listing, prov))
    _write_sheet(wb, DICTIONARY, dictionary, wrap=True)
    for name, _p, cols in named:
        _write_sheet(wb, name, cols)

    buffer = io.BytesIO()  # stored uncompressed: it is compressed once, when made reproducible
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    data = _reproducible_zip(buffer.getvalue())
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(out_path)
    return out_path


class BackgroundWorkbook:
    """:func:`write_workbook` running in a process of its own (forked), while the pages are
    written: :meth:`result` waits for it and returns the path, or raises its error."""

    def __init__(
        self, run: LoadedAssessment, results_dir: Path, out_path: Path, provenance: dict | None
    ) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork"))
        self._future: Future[Path] = self._pool.submit(
            write_workbook, run, results_dir, out_path, provenance
        )

    def result(self) -> Path:
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()


def workbook_in_background(
    run: LoadedAssessment, results_dir: Path, out_path: Path, provenance: dict | None = None
) -> BackgroundWorkbook:
    """Start writing the workbook (:func:`write_workbook`, the same bytes) beside the rest of
    the step; call ``.result()`` before relying on the file. Every result table must be written
    before it starts."""
    return BackgroundWorkbook(run, Path(results_dir), Path(out_path), provenance)
