"""The report cards' charts laid out for a phone, and the markup that shows them there.

A card's trend, spine and SPC charts are drawn for a desktop column
(:mod:`helpers.publish.figures_card`) and, from the same job, for a phone (``<name>_phone.png``):
one panel per row, narrower, with type large enough for its width, so that no text is under
:data:`MIN_CSS_PX` CSS pixels when the image is scaled to a phone's column
(:data:`PHONE_COLUMN_PX`). A card shows the phone layout through a ``<picture>`` whose ``<source>``
applies at :data:`PHONE_MEDIA` (:func:`figure_block`).
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from helpers.publish import figures, figures_card
from helpers.publish.figures import COMPARISON_STYLE, ENGLAND_COLOUR, CardLayout, Figure
from helpers.publish.templating import attr_text, md_text

#: the narrowest column a phone chart is made for: a 360 px phone less the page's margins
PHONE_COLUMN_PX = 328
#: the smallest text a reader should meet on a phone, in CSS pixels
MIN_CSS_PX = 11
#: a phone chart's width (inches) and resolution (dots per inch)
PHONE_WIDTH, PHONE_DPI = 3.6, 150
#: the smallest type on a phone chart (points): at PHONE_COLUMN_PX it is MIN_CSS_PX or more
PHONE_MIN_PT = 9
assert PHONE_MIN_PT / 72 * PHONE_COLUMN_PX / PHONE_WIDTH >= MIN_CSS_PX
#: the windows in which a card shows its charts' phone layout (phones and narrow tablets)
PHONE_MEDIA = "screen and (max-width: 1000px)"
#: the file of a chart's phone layout, beside its desktop one
PHONE_SUFFIX = "_phone"

_PHONE = {"width": PHONE_WIDTH, "dpi": PHONE_DPI, "cols": 1, "left": 0.9, "right": 0.14,
          "small": PHONE_MIN_PT, "note": PHONE_MIN_PT, "title": 10, "wrap": 34,
          "legend_cols": 1}  # fmt: skip
TREND = CardLayout(**_PHONE, panel=2.5, gap=1.05, top=1.05, bottom=0.8)
SPC = CardLayout(
    **{**_PHONE, "right": 0.32}, panel=2.3, gap=0.85, top=0.5, bottom=1.9, months=(4,), ticks=10
)


def phone_path(path: Path) -> Path:
    """Where a chart's phone layout goes: beside it, ``<name>_phone.png``."""
    return path.with_name(f"{path.stem}{PHONE_SUFFIX}{path.suffix}")


def _wrap(text: str, props: FontProperties, width: float, renderer: Any) -> str:
    """``text`` broken between words into lines no wider than ``width`` pixels."""
    for chars in range(len(text), 8, -1):
        lines = textwrap.wrap(text, chars)
        widths = [renderer.get_text_width_height_descent(x, props, ismath=False)[0] for x in lines]
        if max(widths) <= width:
            return "\n".join(lines)
    return "\n".join(textwrap.wrap(text, 8))


class _PhoneSpineCanvas(figures_card._SpineCanvas):
    """The spine chart for a phone: each metric's name above its bands (on as many lines as it
    needs), its value below the name, England's line through each row; a short title (the page
    and the caption name the organisation) and the legend in two columns."""

    title_size = 10
    LINE = 0.19  # inches per line of 10 pt text
    BAND = 0.3  # inches for a row's bands and marker
    GAP = 0.14  # inches between metrics
    TOP, BOTTOM, SIDE = 0.5, 1.25, 0.12

    def __init__(self, labels: tuple[str, ...], key: Any, n_context: int = 0) -> None:
        self.key = key
        fig = figures._new_figure(PHONE_WIDTH, 4.0, PHONE_DPI)
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        width = (PHONE_WIDTH - 2 * self.SIDE) * PHONE_DPI
        props = FontProperties(size=10)
        wrapped = [_wrap(label, props, width, renderer) for label in labels]
        tops, y = [], 0.0
        for text in wrapped:
            tops.append(y)
            y += (text.count("\n") + 2) * self.LINE + self.BAND + self.GAP
        blocks = y - self.GAP
        height = self.TOP + blocks + self.BOTTOM
        fig.set_size_inches(PHONE_WIDTH, height)
        self.fig = fig
        self.ax = ax = fig.subplots()
        fig.subplots_adjust(left=self.SIDE / PHONE_WIDTH, right=1 - self.SIDE / PHONE_WIDTH,
                            top=1 - self.TOP / height, bottom=self.BOTTOM / height)  # fmt: skip
        ax.set_ylim(blocks, 0)
        ax.set_xlim(-1.08, 1.08)
        values = [t + (w.count("\n") + 1) * self.LINE for t, w in zip(tops, wrapped, strict=True)]
        self.ys = ys = np.array([v + self.LINE + self.BAND / 2 for v in values])
        n = len(labels)
        self.range = ax.barh(ys, np.zeros(n), height=0.22, color="#d9d9d9", zorder=1).patches
        self.middle = ax.barh(ys, np.zeros(n), height=0.22, color="#8c8c8c", zorder=2).patches
        self.marks = {
            comp: ax.plot(
                [], [], ls="none", marker=marker, color=colour, ms=8, mec="black", mew=0.6, zorder=4
            )[0]  # fmt: skip
            for comp, (colour, marker, _label) in COMPARISON_STYLE.items()
        }
        colour, marker, _label = figures_card.CONTEXT_STYLE
        self.context = ax.plot(
            [], [], ls="none", marker=marker, color=colour, ms=7, mec="black", mew=0.6, zorder=4
        )[0]
        if n_context and n_context < n:  # the context rows (at the top) apart from the judged
            ax.axhline(tops[n_context] - self.GAP / 2, color="#555555", lw=0.8, ls="--", zorder=3)
        blended = ax.get_yaxis_transform()
        for top, text in zip(tops, wrapped, strict=True):
            ax.text(0, top, text, va="top", ha="left", fontsize=10, transform=blended)
        self.texts = [
            ax.text(
                0,
                v,
                "",
                va="top",
                ha="left",
                fontsize=PHONE_MIN_PT + 0.5,
                color="#333333",
                transform=blended,
            )  # fmt: skip
            for v in values
        ]
        ax.vlines(np.zeros(n), ys - 0.17, ys + 0.17, color=ENGLAND_COLOUR, lw=1.5, zorder=3)
        ax.set_xticks([-1, 0, 1], ["worse", "England", "better"], fontsize=10)
        worse, _, better = ax.get_xticklabels()
        worse.set_horizontalalignment("left")  # inside the image, under the scale's ends
        better.set_horizontalalignment("right")
        ax.set_yticks([])
        ax.grid(False)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        self.title = fig.text(self.SIDE / PHONE_WIDTH, 1 - 0.06 / height, "", ha="left",
                              va="top", fontsize=self.title_size)  # fmt: skip
        static = {ax.xaxis, ax.yaxis, *ax.texts[:n], *ax.spines.values()}
        self._freeze(static)

    def _title_text(self, job: figures_card.SpineJob) -> str:
        return f"Where it stands among {job.units}"

    def _legend(self, handles: list[Line2D]) -> Legend:
        # a long label (a context metric's) gets a line of its own
        ncol = 1 if any(len(h.get_label()) > 24 for h in handles) else 2
        return self.fig.legend(handles=handles, loc="lower center", ncol=ncol,
                               fontsize=PHONE_MIN_PT, frameon=False,
                               bbox_to_anchor=(0.5, 0.0))  # fmt: skip


def trend_chart(job: figures_card.TrendJob) -> Figure:
    """:func:`helpers.publish.figures_card.trend_chart` laid out for a phone."""
    return figures_card.trend_chart(job, TREND)


def spc_chart(job: figures_card.SpcJob) -> Figure:
    """:func:`helpers.publish.figures_card.spc_chart` laid out for a phone."""
    return figures_card.spc_chart(job, SPC)


def spine_chart(job: figures_card.SpineJob) -> Figure:
    """:func:`helpers.publish.figures_card.spine_chart` laid out for a phone."""
    return figures_card.spine_chart(job, _PhoneSpineCanvas)


def trend_charts(jobs: list[figures_card.TrendJob], workers: int | None = None) -> list[Figure]:
    return figures._draw_many(trend_chart, jobs, workers)


def spc_charts(jobs: list[figures_card.SpcJob], workers: int | None = None) -> list[Figure]:
    return figures._draw_many(spc_chart, jobs, workers)


def spine_charts(jobs: list[figures_card.SpineJob], workers: int | None = None) -> list[Figure]:
    return figures._draw_many(spine_chart, jobs, workers)


def figure_block(fig: Figure, folder: str = "../figures/orgs/") -> str:
    """A card's chart in its page: a ``<picture>`` (raw HTML, every string escaped) that shows the
    phone layout at :data:`PHONE_MEDIA`, when it has one; else the markdown figure."""
    if fig.phone is None:
        return f"![{md_text(fig.caption)}]({folder}{fig.path.name}){{fig-alt={attr_text(fig.alt)}}}"

    def esc(value: object) -> str:
        return html.escape(" ".join(str(value).split()), quote=True)

    return (
        "```{=html}\n"
        '<div class="quarto-figure card-figure"><figure class="figure"><picture>'
        f'<source media="{PHONE_MEDIA}" srcset="{esc(folder + fig.phone.name)}">'
        f'<img src="{esc(folder + fig.path.name)}" alt="{esc(fig.alt)}" '
        'class="img-fluid figure-img"></picture>'
        f"<figcaption>{esc(fig.caption)}</figcaption></figure></div>\n"
        "```"
    )


def figure_alt(text: str, name: str) -> str | None:
    """The alt text of the chart ``name`` (a file name) in a written page, as
    :func:`figure_block` wrote it (a ``<picture>`` or a markdown figure), or ``None`` (for the
    checks)."""
    found = re.search(rf'<img src="[^"]*/{re.escape(name)}" alt="([^"]*)"', text)
    if found:
        return html.unescape(found.group(1))
    found = re.search(rf'/{re.escape(name)}\)\{{fig-alt=("(?:[^"\\]|\\.)*")\}}', text)
    return json.loads(found.group(1)) if found else None
