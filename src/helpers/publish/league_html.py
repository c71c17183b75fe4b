"""The league table of one cohort and year as an HTML table: sortable and filterable in the browser
(DataTables, from npm, started by ``assets/league-table.js``), and a plain, complete table in
league order without JavaScript, in print and for screen readers.

Each row draws its likely range of average score and of rank as a small interval chart (inline
SVG with a text alternative; the numbers are in the row as text too). Every string from the data
is HTML-escaped here; the table goes into the page as a raw HTML block (```` ```{=html} ````),
which Quarto passes through untouched (``data-quarto-disable-processing``) and the preview
renders the same way.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

#: score scale of the assessment (1.00 best, 4.00 worst)
SCORE_MIN, SCORE_MAX = 1.0, 4.0
CHART_W, CHART_H, PAD = 120, 16, 6
#: segment marker shapes, as in the figures (``figures.SEGMENT_MARKS``): never colour alone
SEGMENT_SHAPES = {1: "triangle-up", 2: "square", 3: "diamond", 4: "triangle-down", 5: "cross"}

#: the columns, in order: (key, heading, filter label or None)
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("rank", "Rank", None),
    ("organisation", "Organisation", None),
    ("region", "Region", "Region"),
    ("subtype", "Type", "Type"),
    ("score", "Average score (likely range)", None),
    ("rank_range", "Likely range of rank", None),
    ("segment", "Segment", "Segment"),
    ("p_segments", "Probability of each segment", None),
    ("deficit", "In deficit", None),
    ("plans", "Plans kept", None),
    ("persistent", "Persistent failure", "Persistent failure"),
    ("consequence", "Consequence", None),
    ("group", "Group (cannot be told apart)", None),
)


def esc(value: Any) -> str:
    """HTML-escape any value for text or a quoted attribute, on one line (so that no line of the
    raw HTML block can close its fence)."""
    text = "" if value is None else str(value)
    return html.escape(" ".join(text.split()), quote=True)


def _x(v: float, lo: float, hi: float) -> float:
    span = (hi - lo) or 1.0
    return PAD + (min(max(v, lo), hi) - lo) / span * (CHART_W - 2 * PAD)


def _points(*xy: tuple[float, float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)


def _marker(shape: str, x: float, y: float) -> str:
    r = 4.0
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"/>'
    if shape == "diamond":
        pts = _points((x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y))
        return f'<polygon points="{pts}"/>'
    if shape in ("triangle-up", "triangle-down"):
        d = -1 if shape == "triangle-up" else 1
        pts = _points((x, y + d * (r + 1)), (x + r + 1, y - d * r), (x - r - 1, y - d * r))
        return f'<polygon points="{pts}"/>'
    if shape == "cross":
        return (
            f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}'
            f'M{x - r:.1f},{y + r:.1f}L{x + r:.1f},{y - r:.1f}" stroke-width="2.5"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'


def interval_svg(
    value: float | None,
    lower: float | None,
    upper: float | None,
    scale: tuple[float, float],
    label: str,
    segment: int | None = None,
) -> str:
    """A small interval chart: the scale as a faint line, the likely range as a bar, the value as
    a marker shaped by segment. ``label`` is its text alternative (``role="img"``)."""
    if value is None or lower is None or upper is None:
        return ""
    lo, hi = scale
    y = CHART_H / 2
    shape = SEGMENT_SHAPES.get(segment or 0, "circle")
    seg_class = f" seg-{segment}" if segment else ""
    return (
        f'<svg class="interval{seg_class}" width="{CHART_W}" height="{CHART_H}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="{esc(label)}">'
        f'<line class="axis" x1="{PAD}" y1="{y}" x2="{CHART_W - PAD}" y2="{y}"/>'
        f'<line class="range" x1="{_x(lower, lo, hi):.1f}" y1="{y}" '
        f'x2="{_x(upper, lo, hi):.1f}" y2="{y}"/>'
        f'<g class="mark">{_marker(shape, _x(value, lo, hi), y)}</g></svg>'
    )


def _cell(key: str, text: str, *, order: Any = None, search: Any = None, raw: str = "") -> str:
    attrs = ""
    if order is not None:
        attrs += f' data-order="{esc(order)}"'
    if search is not None:
        attrs += f' data-search="{esc(search)}"'
    tag = "th" if key == "organisation" else "td"
    scope = ' scope="row"' if tag == "th" else ""
    return f'<{tag} class="col-{key}"{scope}{attrs}>{raw}{esc(text) if not raw else ""}</{tag}>'


def _options(values: Sequence[str]) -> str:
    opts = '<option value="">All</option>'
    for v in values:
        opts += f'<option value="{esc(v)}">{esc(v)}</option>'
    return opts


def table_html(table_id: str, caption: str, rows: list[dict], n: int, org_href: str) -> str:
    """The filters and the table. ``rows`` are league rows (see
    :func:`helpers.publish.assessment_views.league_cohort_view`) in league order; ``n`` the
    cohort size (the rank scale); ``org_href`` a format string for a report card's link with
    ``{code}``."""
    filters = []
    for i, (key, _heading, label) in enumerate(COLUMNS):
        if label is None:
            continue
        values = sorted({str(r[key + "_filter"]) for r in rows if r.get(key + "_filter")})
        if len(values) < 2:
            continue
        fid = f"{table_id}-filter-{key}"
        filters.append(
            f'<div class="league-filter"><label for="{fid}">{esc(label)}</label> '
            f'<select id="{fid}" data-column="{i}">{_options(values)}</select></div>'
        )
    head = "".join(f'<th scope="col" class="col-{k}">{esc(h)}</th>' for k, h, _ in COLUMNS)
    body = []
    for r in rows:
        code = str(r["code"])
        name = f"{r['name']} ({code})" + (", specialist" if r.get("specialist") else "")
        org = (
            f'<a href="{esc(org_href.format(code=code))}">{esc(name)}</a>'
            if r.get("linked")
            else esc(name)
        )
        score_label = (
            f"Average score {r['score']}, likely range {r['score_range']} (1.00 best, 4.00 worst)"
        )
        rank_label = f"Rank {r['rank']} of {n}, likely range {r['rank_range']}"
        seg = r.get("segment")
        seg_text = f"{seg}" + (f" ({r['segment_note']})" if r.get("segment_note") else "")
        cells = [
            _cell("rank", str(r["rank"]), order=r["rank"]),
            _cell("organisation", name, raw=org, order=r["name"]),
            _cell("region", r.get("region_filter") or "", search=r.get("region_filter") or ""),
            _cell("subtype", r.get("subtype_filter") or "", search=r.get("subtype_filter") or ""),
            _cell(
                "score",
                "",
                order=r["score_value"],
                raw=(
                    f'<span class="num">{esc(r["score"])}</span> '
                    f'<span class="range-text">({esc(r["score_range"])})</span> '
                    + interval_svg(
                        r["score_value"],
                        r["score_lower"],
                        r["score_upper"],
                        (SCORE_MIN, SCORE_MAX),
                        score_label,
                        seg,
                    )
                ),
            ),
            _cell(
                "rank_range",
                "",
                order=r["rank"],
                raw=(
                    f'<span class="range-text">{esc(r["rank_range"])}</span> '
                    + interval_svg(
                        r["rank"], r["rank_lower"], r["rank_upper"], (1, max(n, 2)), rank_label, seg
                    )
                ),
            ),
            _cell("segment", seg_text, order=seg, search=r.get("segment_filter") or ""),
            _cell("p_segments", r["p_segments"]),
            _cell("deficit", r["deficit"] or "no data"),
            _cell("plans", r["plans"] or "no plans", order=r.get("plans_value", -1)),
            _cell(
                "persistent",
                r["persistent_filter"],
                search=r["persistent_filter"],
            ),
            _cell("consequence", r["consequence"] or "none recorded"),
            _cell(
                "group",
                f"{r['group']} ({r['group_size']})",
                order=r["group"],
            ),
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    filter_box = (
        f'<div class="league-filters" id="{table_id}-filters" hidden>'
        f'<p class="league-filters-title">Filter the table</p>{"".join(filters)}</div>'
        if filters
        else ""
    )
    return (
        f"{filter_box}"
        f'<div class="table-wrap league-wrap" role="region" aria-label="{esc(caption)}" '
        f'tabindex="0">'
        f'<table id="{table_id}" class="league-table display" '
        f'data-quarto-disable-processing="true" data-filters="{table_id}-filters">'
        f"<caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def assets_html(prefix: str) -> str:
    """The stylesheet and scripts the table needs, relative to the page (``prefix`` leads from
    the page's folder to the project root)."""
    p = esc(prefix)
    return (
        f'<link rel="stylesheet" href="{p}assets/vendor/datatables/dataTables.dataTables.min.css">'
        f'<link rel="stylesheet" href="{p}assets/league-table.css">'
        f'<script src="{p}assets/vendor/datatables/dataTables.min.js" defer></script>'
        f'<script src="{p}assets/league-table.js" defer></script>'
    )
