"""The league table of one cohort and year as an HTML table: sortable and filterable in the browser
(DataTables, from npm, started by ``assets/league-table.js``), and a plain, complete table in
league order without JavaScript, in print and for screen readers.

The table fits a 1280 px window without sideways scrolling: each row shows its rank, the
organisation (linked to its report card), its segment with how many of the rule sets tried give
it that segment, its average score and rank, each with its likely range drawn as a small
interval chart (inline SVG with a text alternative; the numbers are in the row as text too),
and a *Details* control. The details (the probability of each segment, persistent failure, the
consequence under the assessment's rules, the group of organisations that cannot be told apart,
region, type, deficit, plans) are a ``<details>`` disclosure in the row's last cell, which
``league-table.js`` turns into a button (``aria-expanded``) that opens them in a row of their own
across the table. A detail that no row of the table has is not drawn. On a phone the stylesheet
lays each row out as a card of labelled fields (``data-label``).

Every string from the data is HTML-escaped here; the table goes into the page as a raw HTML block
(```` ```{=html} ````), which Quarto passes through untouched (``data-quarto-disable-processing``)
and the preview renders the same way.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

#: score scale of the assessment (1.00 best, 4.00 worst)
SCORE_MIN, SCORE_MAX = 1.0, 4.0
CHART_W, CHART_H, PAD = 90, 16, 6
#: segment marker shapes, as in the figures (``figures.SEGMENT_MARKS``): never colour alone
SEGMENT_SHAPES = {1: "triangle-up", 2: "square", 3: "diamond", 4: "triangle-down", 5: "cross"}

#: the columns drawn, in order: (key, heading, sortable)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("rank", "Rank", True),
    ("organisation", "Organisation", True),
    ("segment", "Segment", True),
    ("score", "Average score (likely range)", True),
    ("rank_range", "Likely range of rank", True),
    ("detail", "More", False),
)
#: the segment's heading when the table says how stable each segment is under other rules
SEGMENT_STABLE_HEADING = "Segment (rule sets that agree)"

#: the filters above the table: (key, label); each matches the row's ``data-f-<key>`` exactly
FILTERS: tuple[tuple[str, str], ...] = (
    ("region", "Region"),
    ("subtype", "Type"),
    ("segment", "Segment"),
    ("persistent", "Persistent failure"),
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


def _cell(
    key: str, label: str, raw: str, *, order: Any = None, search: Any = None, header: bool = False
) -> str:
    """One cell: ``raw`` is HTML already escaped; ``label`` names the field on a phone, where
    each row is laid out as a card (``data-label``)."""
    attrs = f' data-label="{esc(label)}"'
    if order is not None:
        attrs += f' data-order="{esc(order)}"'
    if search is not None:
        attrs += f' data-search="{esc(search)}"'
    tag = "th" if header else "td"
    scope = ' scope="row"' if header else ""
    return f'<{tag} class="col-{key}"{scope}{attrs}><div class="league-cell">{raw}</div></{tag}>'


def _options(values: Sequence[str]) -> str:
    opts = '<option value="">All</option>'
    for v in values:
        opts += f'<option value="{esc(v)}">{esc(v)}</option>'
    return opts


def stability_text(r: dict) -> str:
    """ "3 of 4 rule sets" when the row says how many of the rule sets tried give it its segment,
    else ""."""
    agree, tried = r.get("rule_sets_agree"), r.get("rule_sets")
    if agree is None or not tried:
        return ""
    return f"{agree} of {tried} rule sets"


def segment_text(r: dict) -> str:
    """The segment as the table shows it: "3 (3 of 4 rule sets)", or "3" without stability."""
    stable = stability_text(r)
    return f"{r.get('segment')}" + (f" ({stable})" if stable else "")


def _group_text(r: dict) -> str:
    if not r.get("group"):
        return ""
    size = r.get("group_size") or 0
    return f"{r['group']} ({size} in the group)" if size else f"{r['group']}"


def _stability_sentence(r: dict) -> str:
    agree, tried = r.get("rule_sets_agree"), r.get("rule_sets")
    if agree is None or not tried:
        return ""
    return (
        f"segment {r.get('segment')} under {agree} of the {tried} reasonable rule sets tried "
        "(the main one included)"
    )


#: the details of a row: (key, label, its text from the row); a detail no row has is not drawn
def _implication(r: dict) -> str:
    """What the rules imply for the row's organisation, with the rule's name ("" for none)."""
    text = str(r.get("consequence") or "")
    rule = str(r.get("consequence_rule") or "")
    if not text:
        return ""
    return f"In line for: {text[:1].lower()}{text[1:]}" + (f" (rule: {rule})" if rule else "")


DETAILS: tuple[tuple[str, str, Callable[[dict], str]], ...] = (
    (
        "p_segments",
        "Probability of each segment (chance in the data only)",
        lambda r: str(r.get("p_segments") or ""),
    ),
    ("stability", "Under other rules", _stability_sentence),
    ("segment_note", "Segment before adjustment", lambda r: str(r.get("segment_note") or "")),
    ("nhse", "NHS England's published figures", lambda r: str(r.get("nhse") or "")),
    ("persistent", "Persistent failure", lambda r: str(r.get("persistent_filter") or "")),
    ("consequence", "What this assessment's rules imply (not a decision)", _implication),
    ("group", "Group that cannot be told apart", _group_text),
    ("region", "Region", lambda r: str(r.get("region_filter") or "")),
    ("subtype", "Type", lambda r: str(r.get("subtype_filter") or "")),
    ("deficit", "In deficit", lambda r: str(r.get("deficit") or "")),
    ("plans", "Plans kept", lambda r: str(r.get("plans") or "")),
)


def drawn_details(rows: Sequence[dict]) -> list[tuple[str, str, Callable[[dict], str]]]:
    """The details some row of the table has (the others are not drawn)."""
    return [d for d in DETAILS if any(d[2](r) for r in rows)]


def _detail_html(r: dict, name: str, details: Sequence[tuple[str, str, Callable]]) -> str:
    items = "".join(
        f'<div class="detail-{key}"><dt>{esc(label)}</dt><dd>{esc(text(r)) or "none"}</dd></div>'
        for key, label, text in details
    )
    return (
        '<details class="league-detail"><summary>Details'
        f'<span class="visually-hidden"> of {esc(name)}</span></summary>'
        f'<div class="league-detail-body"><dl>{items}</dl></div></details>'
    )


def _filters(table_id: str, rows: Sequence[dict]) -> str:
    out = []
    for key, label in FILTERS:
        values = sorted({str(r[key + "_filter"]) for r in rows if r.get(key + "_filter")})
        if len(values) < 2:
            continue
        fid = f"{table_id}-filter-{key}"
        out.append(
            f'<div class="league-filter"><label for="{fid}">{esc(label)}</label> '
            f'<select id="{fid}" data-filter="{key}">{_options(values)}</select></div>'
        )
    if not out:
        return ""
    return (
        f'<div class="league-filters" id="{table_id}-filters" hidden>'
        f'<p class="league-filters-title">Filter the table</p>{"".join(out)}</div>'
    )


def _row(r: dict, n: int, org_href: str, details: Sequence[tuple[str, str, Callable]]) -> str:
    code = str(r["code"])
    name = f"{r['name']} ({code})" + (", specialist" if r.get("specialist") else "")
    org = (
        f'<a href="{esc(org_href.format(code=code))}">{esc(name)}</a>'
        if r.get("linked")
        else esc(name)
    )
    seg = r.get("segment")
    stable = stability_text(r)
    note = str(r.get("segment_note") or "").split(";")[0]
    seg_html = (
        f'<span class="seg">{esc(seg)}</span>'
        + (f' <span class="stability">({esc(stable)})</span>' if stable else "")
        + (f' <span class="seg-note">{esc(note)}</span>' if note else "")
    )
    score_label = (
        f"Average score {r['score']}, likely range {r['score_range']} (1.00 best, 4.00 worst)"
    )
    rank_label = f"Rank {r['rank']} of {n}, likely range {r['rank_range']}"
    score_svg = interval_svg(
        r["score_value"],
        r["score_lower"],
        r["score_upper"],
        (SCORE_MIN, SCORE_MAX),
        score_label,
        seg,
    )
    score_html = (
        f'<span class="num">{esc(r["score"])}</span> '
        f'<span class="range-text">({esc(r["score_range"])})</span> {score_svg}'
    )
    rank_html = f'<span class="range-text">{esc(r["rank_range"])}</span> ' + interval_svg(
        r["rank"], r["rank_lower"], r["rank_upper"], (1, max(n, 2)), rank_label, seg
    )
    search = " ".join(text(r) for key, _label, text in details if key != "p_segments")
    cells = [
        _cell("rank", "Rank", esc(r["rank"]), order=r["rank"]),
        _cell("organisation", "Organisation", org, order=r["name"], header=True),
        _cell("segment", "Segment", seg_html, order=seg, search=r.get("segment_filter") or ""),
        _cell("score", "Average score (likely range)", score_html, order=r["score_value"]),
        _cell("rank_range", "Likely range of rank", rank_html, order=r["rank"]),
        _cell("detail", "More", _detail_html(r, name, details), search=search),
    ]
    filters = "".join(
        f' data-f-{key}="{esc(r.get(key + "_filter") or "")}"' for key, _label in FILTERS
    )
    return f"<tr{filters}>" + "".join(cells) + "</tr>"


def table_html(table_id: str, caption: str, rows: list[dict], n: int, org_href: str) -> str:
    """The filters and the table. ``rows`` are league rows (see
    :func:`helpers.publish.league_views.league_cohort_view`) in league order; ``n`` the
    cohort size (the rank scale); ``org_href`` a format string for a report card's link with
    ``{code}``."""
    details = drawn_details(rows)
    stable = any(stability_text(r) for r in rows)
    head = "".join(
        f'<th scope="col" class="col-{k}"'
        + ("" if sortable else ' data-dt-order="disable"')
        + f">{esc(SEGMENT_STABLE_HEADING if k == 'segment' and stable else h)}</th>"
        for k, h, sortable in COLUMNS
    )
    body = "".join(_row(r, n, org_href, details) for r in rows)
    return (
        f"{_filters(table_id, rows)}"
        f'<div class="table-wrap league-wrap" role="region" aria-label="{esc(caption)}" '
        f'tabindex="0">'
        f'<table id="{table_id}" class="league-table" '
        f'data-quarto-disable-processing="true" data-filters="{table_id}-filters">'
        f"<caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
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
