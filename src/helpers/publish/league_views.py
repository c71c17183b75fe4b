"""What the league pages show of the assessment: the hub (rules, caveats, a link to every
cohort's table in every year), each cohort's table in one year with its caterpillar figure, and
the rows of a written league page read back (:func:`league_page_rows`, for the checks that the
pages agree with ``league_table.csv``). Numbers come from ``results/assessment.csv``, formatted
as ``league_table.csv`` formats them (:mod:`helpers.publish.assessment_views`), so the pages and
the downloads agree.

Views hold plain text taken from the data; the templates escape it for where it lands
(``md``, ``yaml_str``: :mod:`helpers.publish.templating`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.assess import rules_text, summary_text
from helpers.publish import figures_metric
from helpers.publish.assessment_views import (
    SEGMENTS,
    _deficit,
    _int,
    _num,
    _range,
    _text,
    fmt_probability,
    fmt_score,
    latest_period,
    override_text,
    scoring_rules_view,
    scoring_view,
)
from helpers.publish.periods import scored_metrics_view
from helpers.publish.text import is_true, subtype_words


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "cohort"


def _segment_note(r: Any) -> str:
    """Why the published segment differs from the unadjusted one ("" when it does not)."""
    seg, unadj = _int(r.segment), _int(r.segment_unadjusted)
    if seg is None or unadj is None or seg == unadj:
        return ""
    if seg == 5:
        return f"{unadj} before review; segment 5 by review"
    return f"{unadj} before the financial override"


def _p_own_segment(r: Any) -> str:
    seg = _int(r.segment)
    if seg not in SEGMENTS:
        return ""
    return fmt_probability(getattr(r, f"p_segment_{seg}"))


def _plans_text(r: Any) -> tuple[str, float]:
    n = _num(getattr(r, "plans", None))
    kept = _num(getattr(r, "plan_delivery", None))
    if not (np.isfinite(n) and n > 0 and np.isfinite(kept)):
        return "", -1.0
    return f"{round(kept * n):.0f} of {n:.0f} ({kept:.0%})", kept


def _stability_short(r: Any) -> str:
    """ "3 of 5 rule sets" (the segment's rule stability in a table cell), "" where unknown."""
    k = _int(getattr(r, "segment_rule_sets_agree", None))
    n = _int(getattr(r, "segment_rule_sets", None))
    return f"{k} of {n} rule sets" if k is not None and n is not None else ""


def _league_rows(year: pd.DataFrame, published: set[str]) -> list[dict]:
    """The rows of one cohort's league table in league order: the text shown, the numbers the
    interval charts and sorting use, and the plain values the filters match."""
    sizes = year.indistinguishable_group.value_counts()
    rows = []
    for r in year.itertuples():
        group = _int(r.indistinguishable_group)
        seg = _int(r.segment)
        plans, plans_value = _plans_text(r)
        rows.append(
            {
                "rank": _int(r.rank),
                "rank_range": _range(r.rank_lower, r.rank_upper, "d"),
                "rank_lower": _int(r.rank_lower),
                "rank_upper": _int(r.rank_upper),
                "code": r.org_code,
                "name": r.org_name,
                "linked": r.org_code in published,
                "specialist": is_true(r.specialist),
                "score": fmt_score(r.average_score),
                "score_range": _range(r.average_score_lower, r.average_score_upper, ".2f"),
                "score_value": _num(r.average_score),
                "score_lower": _num(r.average_score_lower),
                "score_upper": _num(r.average_score_upper),
                "segment": seg,
                "segment_filter": str(seg) if seg else "",
                "segment_note": _segment_note(r),
                # rule stability (sensitivity.csv): how many of the rule sets tried give it
                # this segment; absent from an assessment written before these columns
                "rule_sets_agree": _int(getattr(r, "segment_rule_sets_agree", None)),
                "rule_sets": _int(getattr(r, "segment_rule_sets", None)),
                "p_segment": _p_own_segment(r),
                "p_segments": "; ".join(
                    f"{s}: {fmt_probability(getattr(r, f'p_segment_{s}'))}" for s in SEGMENTS
                ),
                "deficit": _deficit(r.in_deficit),
                "plans": plans,
                "plans_value": plans_value,
                "persistent_filter": "Yes" if is_true(r.persistent_failure) else "No",
                "consequence": _text(r.consequence),
                "consequence_rule": _text(getattr(r, "consequence_rule", "")).replace("_", " "),
                "stability": _stability_short(r),
                "metrics": f"{_int(r.metrics_scored)} of {_int(r.metrics_in_cohort)}"
                if _int(r.metrics_scored) is not None
                else "",
                "fewer_metrics": (_int(r.metrics_scored) or 0) < (_int(r.metrics_in_cohort) or 0),
                "region_filter": _text(getattr(r, "region", "")),
                "subtype_filter": subtype_words(_text(getattr(r, "org_subtype", ""))),
                "group": group,
                "group_size": int(sizes.get(r.indistinguishable_group, 0)) if group else 0,
            }
        )
    return rows


def league_href(cohort: str, period: str) -> str:
    """A cohort-and-year league page, relative to the assessment's folder."""
    return f"league/{_slug(cohort)}-{_slug(period)}.qmd"


def league_view(ctx: Any, words: dict[str, str]) -> dict | None:
    """The league hub page: rules, caveats, the scoring rules and a link to every cohort's table
    in every year (latest first), with its segment counts."""
    a = ctx.assessment
    if a is None or a.empty:
        return None
    period = latest_period(a)
    pages = []
    for (p, cohort), g in sorted(
        a.groupby(["period", "cohort"], sort=True), key=lambda kv: (-_year(kv[0][0]), kv[0][1])
    ):
        seg = g[g.segment.notna()]
        counts = seg.segment.astype(float).round().astype(int).value_counts()
        pages.append(
            {
                "period": str(p),
                "cohort": str(cohort),
                "href": league_href(str(cohort), str(p)),
                "n": len(g),
                "n_segmented": len(seg),
                "counts": [(s, int(counts.get(s, 0))) for s in (*SEGMENTS, 5) if s in counts],
                "persistent": int(seg.persistent_failure.fillna(False).astype(bool).sum()),
            }
        )
    scoring = scoring_view(ctx.run)
    specs = {m.id: m for m in ctx.run.metrics}
    return {
        "period": period,
        "scored": scored_metrics_view(getattr(ctx, "metric_scores", None), specs),
        "partial": [
            n
            for p in sorted({pg["period"] for pg in pages}, key=_year, reverse=True)
            if (n := _part_years(ctx, p))
        ],
        "summary": summary_text(a, words),
        "rules": rules_text(ctx.run),
        "scoring": scoring,
        "scoring_rules": scoring_rules_view(ctx.run),
        "n_scored": sum(1 for r in scoring if r["scored"]),
        "override": override_text(ctx.run),
        "has_override": ctx.run.settings.assess.financial_override is not None,
        "n_draws": f"{ctx.run.settings.assess.n_draws:,}",
        "quartiles": ctx.run.settings.assess.segmentation == "quartiles",
        "pages": pages,
        "periods": sorted({pg["period"] for pg in pages}, key=_year, reverse=True),
    }


def _year(period: Any) -> int:
    m = re.match(r"\d{4}", str(period))
    return int(m.group(0)) if m else 0


def _part_years(ctx: Any, period: str, cohort: str | None = None) -> str:
    """The sentence naming the metrics scored in ``period`` (in ``cohort``, else any) whose
    values cover part of the year ("" when none, or without the metric scores)."""
    ms, cov = getattr(ctx, "metric_scores", None), getattr(ctx, "coverage", None)
    if ms is None or ms.empty or cov is None:
        return ""
    mine = ms[(ms.period.astype(str) == period) & ms.score.notna()]
    if cohort is not None:
        mine = mine[mine.cohort == cohort]
    specs = ctx.specs
    ids = [m for m in dict.fromkeys(mine.metric_id) if m in specs]
    return cov.note(period, {m: specs[m].short_title for m in ids})


def league_cohort_view(
    ctx: Any, cohort: str, period: str, published: set[str], fig_dir: Path
) -> dict:
    """One cohort's league table in one year: its rows in league order, its caterpillar figure,
    the organisations not segmented, and the same cohort's other years."""
    a = ctx.assessment
    g = a[(a.period == period) & (a.cohort == cohort)]
    g = g.sort_values(["rank", "org_code"], na_position="last")
    seg = g[g.segment.notna()]
    fig = None
    if len(seg):
        fig = figures_metric.league_chart(
            seg, cohort, period, fig_dir / f"league_{_slug(cohort)}_{_slug(period)}.png"
        )
    counts = seg.segment.astype(float).round().astype(int).value_counts()
    years = sorted(a[a.cohort == cohort].period.astype(str).unique(), key=_year, reverse=True)
    return {
        "name": cohort,
        "period": period,
        "latest": period == latest_period(a),
        "n": len(g),
        "n_segmented": len(seg),
        "n_metrics": int(g.metrics_in_cohort.max()) if len(g) else 0,
        "partial": _part_years(ctx, period, cohort),
        "counts": [(s, int(counts.get(s, 0))) for s in (*SEGMENTS, 5) if s in counts],
        "n_groups": int(seg.indistinguishable_group.nunique()),
        "persistent": int(seg.persistent_failure.fillna(False).astype(bool).sum()),
        "figure": fig,
        "rows": _league_rows(seg, published),
        "other_years": [
            {"period": y, "href": "../" + league_href(cohort, y)} for y in years if y != period
        ],
        "not_segmented": [
            {
                "code": r.org_code,
                "name": r.org_name,
                "linked": r.org_code in published,
                "reason": _text(r.segment_reason).removeprefix("not segmented: "),
            }
            for r in g[g.segment.isna()].sort_values("org_code").itertuples()
        ],
    }


class _LeagueRows(HTMLParser):
    """The body rows of a league table's HTML: each cell's text (SVG labels left out) by the
    column its ``col-*`` class names."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str]] = []
        self._col: str | None = None
        self._in_body = False
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({})
        elif tag in ("td", "th") and self._in_body and cls.startswith("col-"):
            self._col = cls.split()[0].removeprefix("col-")
            self.rows[-1][self._col] = ""
        elif tag == "svg":
            self._svg += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th"):
            self._col = None
        elif tag == "svg":
            self._svg -= 1

    def handle_data(self, data: str) -> None:
        if self._col and not self._svg:
            self.rows[-1][self._col] += data


_ROW_CODE = re.compile(r"\(([^()]*)\)(?:, specialist)?$")


def league_page_rows(text: str) -> list[dict]:
    """The league table rows read back from a written cohort-and-year page (for the checks):
    rank, likely range of rank, organisation code, average score, its likely range and
    segment, in page order."""
    parser = _LeagueRows()
    parser.feed(text)
    rows = []
    for cells in parser.rows:
        code = _ROW_CODE.search(cells["organisation"].strip())
        score = cells["score"].split()
        rows.append(
            {
                "rank": cells["rank"].strip(),
                "rank_range": cells["rank_range"].strip(),
                "org_code": code.group(1) if code else "",
                "average_score": score[0] if score else "",
                "score_range": " ".join(score[1:]).strip("()"),
                "segment": cells["segment"].strip().split(" ", 1)[0],
            }
        )
    return rows
