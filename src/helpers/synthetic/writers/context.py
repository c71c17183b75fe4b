"""What every publication writer shares: the world, the output folder, the data rows written
per file, the plans collected for ``plans.csv`` and the expected counts collected for
``planted_values.csv`` (:mod:`helpers.synthetic.expected`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.synthetic.expected import expected_frame
from helpers.synthetic.files import SYNTHETIC_LABEL, write_csv
from helpers.synthetic.world import World

PROVIDER_FILES_NOTE = "Source: annual-assessment synthetic England generator, seed {seed}"


@dataclass
class Output:
    """The world being written, where to, and what has been written so far."""

    world: World
    folder: Path
    rows: dict[str, int] = field(default_factory=dict)  # relative path -> data rows
    plans: list[pd.DataFrame] = field(default_factory=list)
    #: noise-free expected numerators and generated denominators (EXPECTED_COLUMNS)
    expected: list[pd.DataFrame] = field(default_factory=list)

    @property
    def note(self) -> str:
        return PROVIDER_FILES_NOTE.format(seed=self.world.seed)

    def title(self, what: str) -> list[str]:
        """The title lines of a published file."""
        return [SYNTHETIC_LABEL, what, self.note]

    def done(self, rel: str, n: int) -> None:
        self.rows[rel] = n

    def csv(
        self,
        rel: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        title: Sequence[str] = (),
        footnotes: Sequence[str] = (),
    ) -> None:
        """Write ``folder/rel`` (:func:`~helpers.synthetic.files.write_csv`) and count its rows."""
        self.done(rel, write_csv(self.folder / rel, header, rows, title, footnotes))

    def plan(self, codes: Sequence[str], metric_id: str, values: np.ndarray, decimals: int) -> None:
        """Collect planned values (organisations x months) for the months each is open."""
        act = self.world.active.loc[list(codes)].to_numpy()
        o, m = np.nonzero(act)
        v = np.round(values[o, m], decimals)
        self.plans.append(
            pd.DataFrame(
                {
                    "org_code": np.asarray(codes)[o],
                    "metric_id": metric_id,
                    "month": self.world.months[m].strftime("%Y-%m-01"),
                    "planned_value": [f"{x:.{decimals}f}" for x in v],
                }
            )
        )

    def expect(
        self,
        codes: Sequence[str],
        num_measure: str,
        den_measure: str,
        num: np.ndarray,
        den: np.ndarray,
        shown: np.ndarray,
        cols: Sequence[int] | None = None,
    ) -> None:
        """Collect the expected numerator ``num`` and the generated denominator ``den`` of a
        published measure pair (organisations x months, or x the month positions ``cols``:
        annual files use the April of each financial year) where ``shown`` (published)."""
        months = self.world.months if cols is None else self.world.months[list(cols)]
        self.expected.append(
            expected_frame(codes, num_measure, den_measure, num, den, shown, months)
        )
