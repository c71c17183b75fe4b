"""Seaborn figures for the site: what every chart shares. Every figure comes with alt text
written from its data.

Colour is never the only cue: comparison groups also differ in marker shape, and every chart has
a table beside it on its page.

This module holds the look (colours and markers, the theme), :class:`Figure`, saving without
timestamps, the report cards' canvases and the parallel drawing (:func:`_draw_many`). The charts
themselves are in :mod:`helpers.publish.figures_metric` (metric pages and league tables: charts
of every organisation at once) and :mod:`helpers.publish.figures_card` (report cards: trend,
spine and SPC charts of one organisation); :mod:`helpers.publish.figures_phone` lays the cards'
charts out for a phone.

The report cards' charts (trend, spine, SPC: three per organisation, hundreds per assessment)
are drawn on a canvas kept per process (:class:`_Canvas`): the figure, its axes and everything
that is the same on every card (England's series, titles, axis labels, tick positions of the
periods) are made once, and each card only sets its own data on artists that already exist.
Every artist a card sets is reset for the next one, so a card's bytes do not depend on which
cards the process drew before it (tested).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.axis  # noqa: E402
import matplotlib.dates  # noqa: E402
import matplotlib.pyplot as plt
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from PIL import Image  # noqa: E402

from helpers.publish.figure_cache import cached_draw  # noqa: E402
from helpers.publish.text import (  # noqa: E402
    COMPARISON_LABEL,
)

# Okabe-Ito, distinguishable with colour-vision deficiency; shapes carry the same meaning.
_COMPARISON_MARKS = {
    "better": ("#0072B2", "^"),
    "similar": ("#7f7f7f", "o"),
    "worse": ("#D55E00", "v"),
    "higher": ("#56B4E9", "^"),
    "lower": ("#CC79A7", "v"),
    "not_compared": ("#bbbbbb", "x"),
}
#: comparison -> (colour, marker, label)
COMPARISON_STYLE: dict[str, tuple[str, str, str]] = {
    k: (*v, COMPARISON_LABEL[k]) for k, v in _COMPARISON_MARKS.items()
}
ENGLAND_COLOUR = "#000000"
DPI = 110
plt.rcParams.update(
    {
        "svg.hashsalt": "annual-assessment",
        "font.size": 10,
        "axes.titlesize": 11,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
    }
)
sns.set_theme(style="whitegrid", rc={"axes.edgecolor": "#444444"})
# Titles at a fixed height (the axes' top plus the pad) instead of placed at every draw above
# whatever the axes has at its top (tight bounding boxes of every tick label: the costliest step
# of a draw). No chart here has ticks or labels at the top of an axes, so the place is the same.
plt.rcParams.update({"axes.titley": 1.0, "axes.titlepad": 6.0})

#: how many processes draw the report cards' charts (:func:`_draw_many`); the pipeline may run
#: two assessments at once, so that they do not oversubscribe the machine
WORKERS_ENV = "ASSESS_FIGURE_WORKERS"


@dataclass(frozen=True)
class Figure:
    path: Path
    alt: str
    caption: str
    #: the same chart laid out for a phone (:mod:`helpers.publish.figures_phone`), if drawn
    phone: Path | None = None


def _yerr(d: pd.DataFrame) -> np.ndarray:
    """Error-bar lengths from the 95% limits (clipped at 0 for rounding at 0% and 100%)."""
    return np.clip(np.vstack([d.value - d.ci95_lower, d.ci95_upper - d.value]), 0, None)


def _new_figure(width: float, height: float, dpi: float = DPI, **kwargs: Any) -> MplFigure:
    """A figure outside pyplot (no figure manager, nothing to close, never shown by a notebook's
    inline backend) on an Agg canvas."""
    fig = MplFigure(figsize=(width, height), dpi=dpi, **kwargs)
    FigureCanvasAgg(fig)
    return fig


#: zlib level of the report cards' PNGs: 3 compresses twice as fast as the default (6) for a fifth
#: more bytes (a trend chart: 9 ms and 136 KiB against 19 ms and 112 KiB; median cut at level 6
#: made 169 KiB)
PNG_COMPRESS_LEVEL = 3


def _save(fig: MplFigure, path: Path) -> None:
    """Save as PNG without a timestamp or version (byte-identical reruns)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})


def _write_palette_png(canvas: FigureCanvasAgg, path: Path) -> None:
    """The canvas's pixels as a 256-colour PNG, without a timestamp or version: indistinguishable
    for these line charts and about a third of the bytes (used for the large report-card
    charts, one per organisation). Quantised by fast octree, an order of magnitude quicker than
    median cut and smaller files; the background's palette entry is then set to the exact
    background colour, which the octree's averaging leaves a shade off. Compressed at
    :data:`PNG_COMPRESS_LEVEL`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    im = rgba.convert("RGB")
    q = im.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    entry = q.getpixel((0, 0))
    assert isinstance(entry, int)
    colours = q.getpalette() or []
    colours[3 * entry : 3 * entry + 3] = im.getpixel((0, 0))
    q.putpalette(colours)
    q.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


class _Canvas:
    """A report-card figure drawn in two layers. What is the same on every card (``static``:
    axes' backgrounds, the axes given, titles) is drawn once into a background, kept as pixels;
    every other artist is animated (left out of that draw) and drawn on a copy of the
    background for each card, in the order a full draw would draw it (by z-order, then the
    order added: the figure's own texts and legends after the axes). A card must therefore not
    change anything static: the canvas's key names all that it depends on."""

    key: Any
    fig: MplFigure

    def _freeze(self, static: set[Artist]) -> None:
        canvas = self.fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        self._canvas = canvas
        self._layers: list[tuple[Axes, list[Artist]]] = []
        for ax in self.fig.axes:
            if not ax.get_visible():
                continue
            dynamic = [a for a in ax.get_children() if a is not ax.patch and a not in static]
            for a in dynamic:
                a.set_animated(True)
            self._layers.append((ax, dynamic))
        self._legends: dict[Any, Legend | None] = {}
        self._figure_texts = [t for t in self.fig.texts if t not in static]
        for t in self._figure_texts:
            t.set_animated(True)
        canvas.draw()
        self._background = canvas.copy_from_bbox(self.fig.bbox)

    def _show_legend(self, key: Any, make: Callable[[], Legend | None]) -> None:
        """Show the figure legend of ``key`` (made once, by ``make``: legends differ only by the
        kinds of mark a card has) and no other."""
        if key not in self._legends:
            self._legends[key] = make()
        legend = self._legends[key]
        self.fig.legends[:] = [legend] if legend is not None else []

    def render(self) -> FigureCanvasAgg:
        """The card: the background and, over it, every animated artist as it now is."""
        canvas = self._canvas
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for ax, dynamic in self._layers:
            _ = ax.viewLim  # apply any pending autoscaling, as a full draw does first
            for a in sorted(dynamic, key=Artist.get_zorder):
                a.draw(renderer)
        for a in sorted([*self._figure_texts, *self.fig.legends], key=Artist.get_zorder):
            a.draw(renderer)
        return canvas


#: the report cards' canvases of this process: kind -> key -> canvas, the latest used last
_CANVASES: dict[str, dict[Any, _Canvas]] = {}
#: canvases kept of each kind (a trend chart's canvas holds two copies of 11 MB of pixels)
_CANVASES_KEPT = 2


def _canvas(kind: str, key: Any, make: Callable[[], _Canvas]) -> Any:
    """This process's canvas of a kind for ``key`` (all that it draws once): one kept, or a new
    one, kept in place of the least recently used."""
    held = _CANVASES.setdefault(kind, {})
    canvas = held.pop(key, None)
    if canvas is None:
        canvas = make()
        while len(held) >= _CANVASES_KEPT:
            del held[next(iter(held))]
    held[key] = canvas
    return canvas


def _fixed_bins(axis: matplotlib.axis.Axis) -> None:
    """The default (auto) locator's ticks, with its number of intervals worked out once: it
    depends only on the axes' size and the tick labels' font, which a canvas does not change,
    and is otherwise measured again at every draw."""
    nbins = int(np.clip(axis.get_tick_space(), 1, 9))
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))


def _autoscale_y(ax: Axes, *values: np.ndarray) -> None:
    """Set the y limits autoscaling would give lines holding these values (their range, made
    non-singular by the locator, widened by the axes' margin) without walking every artist."""
    v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in values])
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (-np.inf, np.inf)
    locator = ax.yaxis.get_major_locator()
    lo, hi = locator.nonsingular(lo, hi)
    delta = (hi - lo) * ax.margins()[1]
    ax.set_ylim(locator.view_limits(lo - delta, hi + delta))


@dataclass(frozen=True)
class CardLayout:
    """The size, margins (inches) and type sizes (points) of a report card's trend and SPC charts:
    :data:`WIDE` for a desktop column; the phone layout (:mod:`helpers.publish.figures_phone`) is
    narrower, one panel per row, with larger type for its width."""

    width: float = 8.0
    dpi: float = DPI
    cols: int = 2  # trend panels per row
    panel: float = 2.6  # a row of panels: the axes and the gap below them
    gap: float = 0.95  # between rows of panels (tick labels, the next panel's title)
    left: float = 0.72
    right: float = 0.12
    top: float = 0.45
    bottom: float = 0.75
    small: float = 8  # period ticks and legends
    note: float = 7  # the series-break note
    title: float = 10  # panel titles
    wrap: int = 0  # panel titles wrapped at this many characters (0: never)
    legend_cols: int = 2
    months: tuple[int, ...] = (4, 10)  # the SPC charts' month ticks
    ticks: float = 0  # the SPC charts' tick labels (0: the theme's)


WIDE = CardLayout()


def _title(text: str, layout: CardLayout) -> str:
    return "\n".join(textwrap.wrap(text, layout.wrap)) if layout.wrap else text


def figure_workers() -> int:
    """The processes that draw the report cards' charts: ``$ASSESS_FIGURE_WORKERS`` when set
    (1 draws in this process), else up to 4, one per core."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if not env:
        return min(4, os.cpu_count() or 1)
    try:
        workers = int(env)
    except ValueError:
        workers = 0
    if workers < 1:
        raise ValueError(f"{WORKERS_ENV}={env!r}: give a whole number of processes, 1 or more")
    return workers


def _draw_many(draw: Callable[[Any], Figure], jobs: list, workers: int | None) -> list[Figure]:
    """Draw many report-card charts in parallel processes (one kernel, many pages); a chart
    whose data did not change since the last run is copied from the figure cache
    (:mod:`helpers.publish.figure_cache`) instead."""
    workers = workers or figure_workers()

    def draw_all(todo: list) -> list[Figure]:
        if workers <= 1 or len(todo) < 8:
            return [draw(j) for j in todo]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(draw, todo, chunksize=8))

    return cached_draw(draw, jobs, draw_all, figure=Figure)
