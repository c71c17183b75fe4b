"""Figures: a rerun on the same inputs draws byte-identical PNGs (the site does not churn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.publish import figures, figures_card, figures_phone
from helpers.publish.figures_metric import distribution_chart
from helpers.publish.text import fmt, lower_first
from helpers.settings import MetricSpec


def test_distribution_chart_is_byte_identical_on_rerun(tmp_path):
    spec = MetricSpec.model_validate(
        {
            "id": "m",
            "title": "M",
            "short_title": "M",
            "objective": "x",
            "domain": "access",
            "org_types": ["acute_trust"],
            "statistic": "proportion",
            "multiplier": 100,
            "unit": "%",
            "polarity": "higher_is_better",
            "ci_method": "wilson",
            "definitions": [
                {
                    "first_year": "2023/24",
                    "last_year": "2024/25",
                    "source": "s",
                    "numerator": {"measure": "n", "description": "n"},
                    "denominator": {"measure": "d", "description": "d"},
                }
            ],
            "description": "x",
        }
    )
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "period": ["2023/24"] * 40 + ["2024/25"] * 40,
            "value": rng.normal(70, 5, 80),
        }
    )
    england = pd.DataFrame({"period": ["2023/24", "2024/25"], "value": [70.0, 71.0]})
    np.random.seed(1)
    distribution_chart(data, england, spec, tmp_path / "a.png")
    after_first = np.random.random()
    np.random.seed(2)  # whatever state the caller left: the jitter must not depend on it
    distribution_chart(data, england, spec, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    np.random.seed(1)
    assert np.random.random() == after_first  # the caller's random state is left as it was


def _spec(metric_id: str, definitions: list[tuple[str, str]]) -> MetricSpec:
    return MetricSpec.model_validate(
        {
            "id": metric_id,
            "title": metric_id.upper(),
            "short_title": metric_id.upper(),
            "objective": "x",
            "domain": "access",
            "org_types": ["acute_trust"],
            "statistic": "proportion",
            "multiplier": 100,
            "unit": "%",
            "polarity": "higher_is_better",
            "ci_method": "wilson",
            "definitions": [
                {
                    "first_year": first,
                    "last_year": last,
                    "source": "s",
                    "numerator": {"measure": "n", "description": "n"},
                    "denominator": {"measure": "d", "description": "d"},
                }
                for first, last in definitions
            ],
            "description": "x",
        }
    )


PERIODS = ["2021/22", "2022/23", "2023/24", "2024/25"]
SPECS = (
    _spec("a", [("2021/22", "2024/25")]),
    _spec("b", [("2021/22", "2022/23"), ("2023/24", "2024/25")]),  # a series break
    _spec("c", [("2021/22", "2024/25")]),
)


def _trend_job(code: str, seed: int, path) -> figures_card.TrendJob:
    rng = np.random.default_rng(seed)
    rows = []
    for spec in SPECS:
        for p in PERIODS:
            v = float(rng.uniform(40, 90))
            rows.append({"org_code": code, "metric_id": spec.id, "period": p, "value": v,
                         "ci95_lower": v - rng.uniform(0, 8), "ci95_upper": v + rng.uniform(0, 8),
                         "comparison": rng.choice(["better", "similar", "worse"])})  # fmt: skip
    rows[0]["value"] = np.nan  # a year without a value
    england = pd.DataFrame(
        [
            {"metric_id": s.id, "period": p, "value": 65.0 + i}
            for s in SPECS
            for i, p in enumerate(PERIODS)
        ]
    )
    return figures_card.TrendJob(code, f"Trust {code}", path, pd.DataFrame(rows), england, SPECS)


def _spine_job(code: str, seed: int, path) -> figures_card.SpineJob:
    rng = np.random.default_rng(seed)
    rows = tuple(
        figures_card.SpineRow(
            label=s.short_title,
            value=float(rng.uniform(40, 90)),
            england=65.0,
            low=30.0,
            q1=55.0,
            q3=75.0,
            high=95.0,
            better="higher",
            comparison=str(rng.choice(["better", "similar", "worse"])),
            value_text=f"{i}",
        )  # fmt: skip
        for i, s in enumerate(SPECS)
    )
    return figures_card.SpineJob(code, f"Trust {code}", path, rows, "trusts of the same type")


def _spc_job(code: str, seed: int, path) -> figures_card.SpcJob:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2022-04-01", periods=24, freq="MS")
    value = rng.normal(70, 3, len(months))
    kinds = rng.choice(["common_cause", "special_cause_improvement", "special_cause_concern"], 24)
    points = pd.DataFrame({"month": months, "value": value, "mean": 70.0, "lpl": 62.0,
                           "upl": 78.0, "point_type": kinds,
                           "target": 75.0 if seed % 2 else np.nan})  # fmt: skip
    panels = tuple(figures_card.SpcPanel(s.short_title, points, s) for s in SPECS[:2])
    return figures_card.SpcJob(code, f"Trust {code}", path, panels)


@pytest.mark.parametrize(
    ("draw", "job"),
    [
        (figures_card.trend_chart, _trend_job),
        (figures_card.spine_chart, _spine_job),
        (figures_card.spc_chart, _spc_job),
        (figures_phone.trend_chart, _trend_job),
        (figures_phone.spine_chart, _spine_job),
        (figures_phone.spc_chart, _spc_job),
    ],
)
def test_report_card_charts_are_byte_identical_whatever_was_drawn_before(tmp_path, draw, job):
    """The card charts reuse a canvas per process: a chart's bytes are the same drawn twice, on
    a fresh canvas, and after another organisation's chart on the same canvas (nothing of one
    card is left on the next), and its alt text is written from its own data."""
    figures._CANVASES.clear()
    first = draw(job("R1", 1, tmp_path / "first.png"))
    again = draw(job("R1", 1, tmp_path / "again.png"))
    other = draw(job("R2", 2, tmp_path / "other.png"))
    after = draw(job("R1", 1, tmp_path / "after.png"))
    figures._CANVASES.clear()
    fresh = draw(job("R1", 1, tmp_path / "fresh.png"))
    png = {f.path.name: f.path.read_bytes() for f in (first, again, other, after, fresh)}
    assert png["first.png"] == png["again.png"] == png["after.png"] == png["fresh.png"]
    assert png["other.png"] != png["first.png"]
    assert first.alt == after.alt == fresh.alt != other.alt
    assert "Trust R1" in first.alt


def test_the_trend_chart_says_each_latest_value_and_comparison(tmp_path):
    j = _trend_job("R1", 1, tmp_path / "t.png")
    alt = figures_card.trend_chart(j).alt
    for spec in SPECS:
        rows = j.rows[(j.rows.metric_id == spec.id) & j.rows.value.notna()].sort_values("period")
        last = rows.iloc[-1]
        label = figures.COMPARISON_STYLE[last.comparison][2]
        said = (
            f"{spec.short_title}: {fmt(last.value, spec)} in {last.period} ({lower_first(label)})"
        )
        assert said in alt


def test_figure_workers_follow_the_environment(monkeypatch):
    monkeypatch.setenv(figures.WORKERS_ENV, "1")
    assert figures.figure_workers() == 1
    monkeypatch.setenv(figures.WORKERS_ENV, "3")
    assert figures.figure_workers() == 3
    monkeypatch.delenv(figures.WORKERS_ENV)
    assert figures.figure_workers() >= 1
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(figures.WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=figures.WORKERS_ENV):
            figures.figure_workers()


def test_a_context_metric_is_drawn_apart_from_the_worse_better_axis(tmp_path):
    """Deprivation (no better or worse) was drawn on the worse-better axis, on the "better"
    side for Greater Manchester: it is drawn at the top, apart, with a neutral marker, labelled
    "context, not judged", and the alt text does not count it as higher or better."""
    judged = _spine_job("R1", 1, tmp_path / "j.png").rows
    context = figures_card.SpineRow(
        label="Deprivation", value=35.0, england=21.0, low=10.0, q1=15.0, q3=27.0, high=40.0,
        better="", comparison="higher", value_text="35.0 (2025)",
    )  # fmt: skip
    job = figures_card.SpineJob("QOP", "NHS Greater Manchester ICB", tmp_path / "s.png",
                           (*judged, context), "ICBs")  # fmt: skip
    figures._CANVASES.clear()
    fig = figures_card.spine_chart(job)
    (canvas,) = figures._CANVASES["spine-_SpineCanvas"].values()
    n = len(judged) + 1
    labels = [t.get_text() for t in canvas.ax.get_yticklabels()]
    assert labels[-1] == "Deprivation\n(context, not judged)"  # the top row
    xs, ys = canvas.context.get_data()
    assert list(ys) == [n - 1]
    for line in canvas.marks.values():  # no better/similar/worse/higher marker on its row
        assert n - 1 not in list(line.get_data()[1])
    assert sum(len(line.get_data()[1]) for line in canvas.marks.values()) == len(judged)
    assert "Deprivation: context, not judged" in fig.alt
    assert "higher than England" not in fig.alt
    assert "Deprivation at the top: context, not judged" in fig.caption
    legend = [t.get_text() for t in canvas.fig.legends[0].get_texts()]
    assert legend[-1] == "Context, not judged (higher to the right)"
