"""The report cards' charts on a phone (helpers.publish.figures_phone) and at their edges:

* every text of the phone layouts of the trend, spine and SPC charts is at least 11 CSS px when
  the image is scaled to a phone's column: its size in points times the figure's dpi over 72 is
  its height in the image's pixels, times the column's width over the image's pixel width is its
  height on the phone;
* no text of any card chart, desktop or phone, runs past the image's edges (the spine chart's
  values were cut at the right: "2.00 per 100,000 (2");
* a card shows the phone layout through a ``<picture>``, every string escaped.

Drawn with long real names and labels (an ICB's name, the ICB metrics' titles, rates per
100,000)."""

from __future__ import annotations

import html
import re
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from PIL import Image

from helpers.publish import figures, figures_card, figures_phone
from helpers.publish.figures_phone import MIN_CSS_PX, PHONE_COLUMN_PX, PHONE_MIN_PT
from helpers.settings import MetricSpec

NAME = "NHS Bath and North East Somerset, Swindon and Wiltshire Integrated Care Board"
TITLES = (
    ("ae", "A&E 4-hour performance (ICB area)", "%"),
    ("rtt", "RTT: waiting 18 weeks or less (ICB patients)", "%"),
    ("fds", "Cancer: 28-day Faster Diagnosis (ICB patients)", "%"),
    ("mrsa", "MRSA bacteraemia rate", "per 100,000"),
    ("imd", "Deprivation (IMD 2025 average score)", "score"),
)
PERIODS = ["2021/22", "2022/23", "2023/24", "2024/25"]


def _spec(metric_id: str, title: str, unit: str, breaks: bool = False) -> MetricSpec:
    spans = [("2021/22", "2022/23"), ("2023/24", "2024/25")] if breaks else [("2021/22", "2024/25")]
    return MetricSpec.model_validate(
        {
            "id": metric_id, "title": title, "short_title": title, "objective": "x",
            "domain": "access", "org_types": ["icb"], "statistic": "proportion",
            "multiplier": 100, "unit": unit, "polarity": "higher_is_better",
            "ci_method": "wilson", "description": "x",
            "definitions": [
                {"first_year": a, "last_year": b, "source": "s",
                 "numerator": {"measure": "n", "description": "n"},
                 "denominator": {"measure": "d", "description": "d"}}
                for a, b in spans
            ],
        }
    )  # fmt: skip


SPECS = tuple(_spec(i, t, u, breaks=i == "rtt") for i, t, u in TITLES)


def _trend(path) -> figures_card.TrendJob:
    rng = np.random.default_rng(3)
    rows = [
        {"org_code": "QOX", "metric_id": s.id, "period": p, "value": v,
         "ci95_lower": v - 2.5, "ci95_upper": v + 2.5,
         "comparison": str(rng.choice(["better", "similar", "worse", "not_compared"]))}
        for s in SPECS
        for p in PERIODS
        for v in [float(rng.uniform(40, 100))]
    ]  # fmt: skip
    england = pd.DataFrame(
        [
            {"metric_id": s.id, "period": p, "value": 60.0 + i}
            for s in SPECS
            for i, p in enumerate(PERIODS)
        ]  # fmt: skip
    )
    return figures_card.TrendJob("QOX", NAME, path, pd.DataFrame(rows), england, SPECS)


def _spine(path) -> figures_card.SpineJob:
    comparisons = ["better", "worse", "similar", "lower", "not_compared"]
    rows = tuple(
        figures_card.SpineRow(
            label=s.short_title, value=v, england=60.0, low=20.0, q1=50.0, q3=70.0, high=100.0,
            better="" if s.id == "imd" else "higher", comparison=c,
            value_text=f"{v:.2f} per 100,000 (2023/24)" if s.unit != "%" else f"{v:.1f}% (2024/25)",
        )
        for s, c, v in zip(SPECS, comparisons, [92.0, 31.0, 64.5, 2.0, 99.9], strict=True)
    )  # fmt: skip
    return figures_card.SpineJob("QOX", NAME, path, rows, "ICBs of the same type")


def _spc(path) -> figures_card.SpcJob:
    rng = np.random.default_rng(5)
    months = pd.date_range("2022-04-01", periods=36, freq="MS")
    kinds = ["common_cause", "special_cause_improvement", "special_cause_concern",
             "special_cause_neutral_high", "special_cause_neutral_low"]  # fmt: skip
    points = pd.DataFrame({"month": months, "value": rng.normal(70, 3, 36), "mean": 70.0,
                           "lpl": 62.0, "upl": 78.0, "point_type": rng.choice(kinds, 36),
                           "target": 75.0})  # fmt: skip
    panels = tuple(figures_card.SpcPanel(s.short_title, points, s) for s in SPECS[:4])
    return figures_card.SpcJob("QOX", NAME, path, panels)


def _canvas(kind: str, phone: bool, job):
    """The canvas a card chart was drawn on, with the card's data set (drawn for real first)."""
    draw = {
        ("trend", False): figures_card.trend_chart, ("trend", True): figures_phone.trend_chart,
        ("spine", False): figures_card.spine_chart, ("spine", True): figures_phone.spine_chart,
        ("spc", False): figures_card.spc_chart, ("spc", True): figures_phone.spc_chart,
    }[kind, phone]  # fmt: skip
    figures._CANVASES.clear()
    fig = draw(job)
    (held,) = [c for canvases in figures._CANVASES.values() for c in canvases.values()]
    return fig, held


def _drawn_texts(fig) -> list[tuple[Text, object]]:
    """Every text a full draw of the figure draws (ticks, titles, labels, values, legends), with
    its extent in the image's pixels."""
    seen: list[tuple[Text, object]] = []
    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            seen.append((self, self.get_window_extent(renderer)))

    for a in fig.findobj():
        a.set_animated(False)
    with mock.patch.object(Text, "draw", draw):
        fig.canvas.draw()
    return seen


JOBS = {"trend": _trend, "spine": _spine, "spc": _spc}


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_phone_charts_have_no_text_under_11_css_px_on_a_phone(tmp_path, kind) -> None:
    drawn, canvas = _canvas(kind, True, JOBS[kind](tmp_path / f"QOX_{kind}_phone.png"))
    fig = canvas.fig
    png_width = Image.open(drawn.path).size[0]
    assert png_width == round(fig.bbox.width)  # the image is the figure, pixel for pixel
    texts = _drawn_texts(fig)
    assert len(texts) > 10
    for t, _ in texts:
        image_px = t.get_fontsize() * fig.dpi / 72  # the text's size in the image's pixels
        css_px = image_px * PHONE_COLUMN_PX / png_width  # ... scaled to a phone's column
        assert css_px >= MIN_CSS_PX, (kind, t.get_text(), t.get_fontsize(), round(css_px, 1))
        assert t.get_fontsize() >= PHONE_MIN_PT
    # the desktop layout scaled to the same column would not do (why the phone layout exists)
    _, wide = _canvas(kind, False, JOBS[kind](tmp_path / f"QOX_{kind}.png"))
    smallest = min(t.get_fontsize() for t, _ in _drawn_texts(wide.fig))
    assert smallest * wide.fig.dpi / 72 * PHONE_COLUMN_PX / wide.fig.bbox.width < MIN_CSS_PX


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize("kind", sorted(JOBS))
def test_no_text_runs_past_the_image_edges(tmp_path, kind, phone) -> None:
    name = f"QOX_{kind}{'_phone' if phone else ''}.png"
    _, canvas = _canvas(kind, phone, JOBS[kind](tmp_path / name))
    fig = canvas.fig
    width, height = fig.bbox.width, fig.bbox.height
    for t, box in _drawn_texts(fig):
        inside = box.x0 >= -0.5 and box.x1 <= width + 0.5 and box.y0 >= -0.5
        assert inside and box.y1 <= height + 0.5, (name, t.get_text(), box.bounds, width)


def test_the_spine_chart_breaks_a_long_value_instead_of_cutting_it(tmp_path) -> None:
    """Greater Manchester's MRSA rate, "2.00 per 100,000 (2023/24)", was cut at "(2"."""
    _, canvas = _canvas("spine", False, _spine(tmp_path / "QOX_spine.png"))
    values = [t.get_text() for t in canvas.texts if t.get_text()]
    assert "2.00 per 100,000\n(2023/24)" in values
    assert "92.0% (2024/25)" in values  # a short one stays on one line


def test_a_card_shows_the_phone_chart_through_a_picture() -> None:
    hostile = 'Evil <script>alert(1)</script> "q"'
    wide = figures.Figure(figures_phone.Path("/x/R1_spine.png"), hostile, f"Where {hostile} is")
    assert figures_phone.figure_block(wide).startswith("![Where Evil \\<script\\>")
    both = figures_phone.figure_block(
        figures.Figure(wide.path, wide.alt, wide.caption, figures_phone.phone_path(wide.path))
    )
    assert both.startswith("```{=html}\n") and both.endswith("\n```")
    body = both.split("\n")[1]
    assert "<script" not in body and html.escape(hostile, quote=True) in body
    src = re.search(r'<source media="([^"]+)" srcset="([^"]+)">', body)
    assert src.groups() == (figures_phone.PHONE_MEDIA, "../figures/orgs/R1_spine_phone.png")
    assert '<img src="../figures/orgs/R1_spine.png" alt="Evil &lt;script&gt;' in body
