# ruff: noqa: E501 (page sources keep the one-line syntax the pipeline writes)
"""A small Quarto website project shaped like the pipeline's output, for the site tests.

Used by tests/unit/test_site.py and tests/e2e/test_site_browser.py (the fixture-project test).
"""

from __future__ import annotations

import struct
import textwrap
import zlib
from base64 import b64encode
from pathlib import Path

import nbformat
from nbformat import v4

QUARTO_YML = """\
project:
  type: website
  output-dir: _site
  render:
    - index.qmd
    - about.qmd
    - "reports/*/index.qmd"
    - "reports/*/*.qmd"
    - "reports/*/metrics/*.qmd"
    - "reports/*/orgs/*.qmd"
    - "reports/*/pipeline/*.ipynb"
  resources:
    - "reports/*/results/*.csv"
    - "reports/*/provenance.json"
metadata-files:
  - reports/_website.yml
lang: en-GB
website:
  title: "Fixture assessment"
  page-navigation: true
  navbar:
    left:
      - href: index.qmd
        text: Home
      - href: about.qmd
        text: About this assessment
    right:
      - text: More
        menu:
          - href: reports/demo/index.qmd
            text: Demo overview
          - text: "---"
          - href: https://example.org/
            text: External
  page-footer:
    left: "Contains public sector information licensed under the [OGL](https://example.org/ogl)."
    right: "Built with annual-assessment"
format:
  html:
    toc: true
    code-fold: true
"""

WEBSITE_YML = """\
website:
  sidebar:
    style: docked
    contents:
      - section: "Demo assessment"
        contents:
          - href: reports/demo/index.qmd
            text: Overview
          - section: Metrics
            contents:
              - href: reports/demo/metrics/ae_4hr_pct.qmd
                text: A&E 4-hour performance
              - reports/demo/metrics/rtt_18wk_pct.qmd
          - href: reports/demo/orgs/index.qmd
            text: Report cards
          - section: Pipeline
            contents:
              - href: reports/demo/pipeline/01-analysis.ipynb
                text: Analysis notebook
"""

DEMO_INDEX = """\
---
title: "Demo assessment"
subtitle: "Urgent and emergency care, 2024/25"
description: "How organisations compare with their peers."
---

{{< include _intro.md >}}

## Results

::: {.callout-warning}
## Data quality
Two organisations did not submit data for March.
:::

::: {.callout-note}
Plain note without a title.
:::

![Share of patients seen within 4 hours, by organisation](figures/chart.png){fig-alt="Dot plot of A&E 4-hour performance for 3 trusts" width="100%"}

| Organisation | Value | Assessment |
|:-------------|------:|:-----------|
| Trust A      | 71.2  | Below peers |
| Trust B      | 80.4  | As expected |

: Organisations and their values

See the [A&E metric](metrics/ae_4hr_pct.qmd), the [report cards](orgs/index.qmd),
the [analysis notebook](pipeline/01-analysis.ipynb#results) and
[download the indicators](results/indicators.csv).[^1]

[^1]: The CSV holds one row per organisation and metric.
"""

INTRO = """\
This paragraph comes from an **included** file, with a link to [about](../../about.qmd).
"""

METRIC = """\
---
title: "{title}"
---

## Definition

The {title} metric.

![{title} by organisation](../figures/chart.png){{fig-alt="Chart of {title}"}}

Back to the [overview](../index.qmd).
"""

ORG_INDEX = """\
---
title: "Report cards"
---

| Organisation | Report card |
|---|---|
| Trust A | [Trust A](RAA.qmd) |
| Trust B | [Trust B](RBB.qmd) |
"""

ORG = """\
---
title: "{name}"
---

## Summary

::: {{.callout-important}}
## Outlier
{name} is below its peers on one metric.
:::

![Funnel plot for {name}](../figures/chart.png){{fig-alt="Funnel plot with {name} highlighted"}}
"""


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG (a small blue rectangle)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x1f\x3a\x5f" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def make_notebook() -> nbformat.NotebookNode:
    png = b64encode(tiny_png()).decode()
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python"}
    nb.cells = [
        v4.new_raw_cell('---\ntitle: "Analysis notebook"\n---'),
        v4.new_markdown_cell("Intro text of the notebook.\n\n## Results"),
        v4.new_code_cell("#| include: false\nSECRET_SETUP = 1"),
        v4.new_code_cell(
            "#| echo: false\n#| fig-cap: Values by organisation\n"
            "#| fig-alt: Bar chart of values for Trust A and Trust B\nHIDDEN_ECHO()",
            outputs=[
                v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})
            ],
        ),
        v4.new_code_cell(
            "print('visible output')",
            outputs=[v4.new_output("stream", name="stdout", text="visible output\n")],
        ),
        v4.new_code_cell(
            "#| output: false\nnoisy()",
            outputs=[v4.new_output("stream", name="stdout", text="HIDDEN_OUTPUT\n")],
        ),
        v4.new_code_cell(
            "#| echo: false\nMarkdown(table)",
            outputs=[
                v4.new_output(
                    "display_data",
                    data={
                        "text/markdown": "| a | b |\n|---|---|\n| 1 | 2 |\n\nSee [metric](../metrics/ae_4hr_pct.qmd).",
                        "text/plain": "<Markdown>",
                    },
                )
            ],
        ),
        v4.new_code_cell(
            "#| fig-alt: Line chart of the demo values by month\nplot_with_alt_only()",
            outputs=[v4.new_output("display_data", data={"image/png": png})],
        ),
    ]
    return nb


def make_fixture_project(root: Path) -> Path:
    """Write the fixture project under ``root`` and return ``root``."""
    files = {
        "_quarto.yml": QUARTO_YML,
        "reports/_website.yml": WEBSITE_YML,
        "index.qmd": '---\ntitle: "Fixture assessment"\n---\n\nStart at the '
        "[demo overview](reports/demo/index.qmd).\n",
        "about.qmd": '---\ntitle: "About this assessment"\n---\n\n## Method\n\nHow it works.\n',
        "reports/demo/index.qmd": DEMO_INDEX,
        "reports/demo/_intro.md": INTRO,
        "reports/demo/metrics/ae_4hr_pct.qmd": METRIC.format(title="A&E 4-hour performance"),
        "reports/demo/metrics/rtt_18wk_pct.qmd": METRIC.format(title="RTT 18 weeks"),
        "reports/demo/orgs/index.qmd": ORG_INDEX,
        "reports/demo/orgs/RAA.qmd": ORG.format(name="Trust A"),
        "reports/demo/orgs/RBB.qmd": ORG.format(name="Trust B"),
        "reports/demo/results/indicators.csv": "org,metric,value\nRAA,ae_4hr_pct,71.2\n",
        "reports/demo/provenance.json": '{"run": "fixture"}\n',
        "reports/_scratch/index.qmd": "---\ntitle: scratch\n---\n\nNot rendered.\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "reports/demo/figures").mkdir(parents=True, exist_ok=True)
    (root / "reports/demo/figures/chart.png").write_bytes(tiny_png(40, 20))
    (root / "reports/demo/pipeline").mkdir(parents=True, exist_ok=True)
    nbformat.write(make_notebook(), str(root / "reports/demo/pipeline/01-analysis.ipynb"))
    return root
