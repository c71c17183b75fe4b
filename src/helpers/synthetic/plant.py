"""Planted effects: a random effect for every organisation plus outliers on about 10% of them,
and the record of what was planted (``planted_truth.csv``), so that the pipeline's findings can
be checked against the truth."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.synthetic.model import random_stream
from helpers.synthetic.world import FAILING_SHIFT, SYNTHETIC, World

TRUTH_COLUMNS = ["org_code", "metric_id", "effect_scale", "effect", "truly_differs"]


def plant(
    world: World,
    codes: Sequence[str],
    metric_id: str,
    effect_scale: str,
    tau: float,
    magnitude: tuple[float, float],
    stream: int,
    worse: float,
) -> np.ndarray:
    """Random effect (sd ``tau``) for every organisation plus planted outliers on ~10% of them
    (never on merging or merged codes; towards worse on a failing organisation; a code change
    keeps the same effect). Records the truth:
    ``effect`` is the planted part only (odds or rate ratio ``exp(planted)``, or the shift),
    1 (0 for a shift) when nothing is planted; the random effect is not part of it.
    ``worse`` (+1 or -1): the direction of a worse result on the linear scale; the world's
    failing organisations (:attr:`World.failing`) have their random effect moved
    ``FAILING_SHIFT * tau`` that way (part of their random effect, not of the planted ``effect``:
    on any one metric it stays within the usual spread).
    Returns the whole effect (random + planted) on the linear scale (log odds, log rate or
    shift)."""
    rng = random_stream(world.seed, 100 + stream)
    codes = list(codes)
    u = rng.normal(0, tau, size=len(codes))
    u += np.array([worse * FAILING_SHIFT * tau if c in world.failing else 0.0 for c in codes])
    succ = world.successions
    mergers = set(succ.new_code[succ.new_code.duplicated(keep=False)]) | set(
        succ.old_code[succ.new_code.duplicated(keep=False)]
    )
    eligible = [i for i, c in enumerate(codes) if c not in mergers]
    n_out = max(1, int(round(0.1 * len(codes))))
    if len(codes) >= 15:
        n_out = max(2, n_out)
    chosen = sorted(rng.choice(eligible, size=min(n_out, len(eligible)), replace=False).tolist())
    signs = np.where(np.arange(len(chosen)) % 2 == 0, 1.0, -1.0)[rng.permutation(len(chosen))]
    planted = np.zeros(len(codes))
    for j, i in enumerate(chosen):
        planted[i] = signs[j] * rng.uniform(*magnitude)
        if codes[i] in world.failing:  # a failing organisation's outlier is towards worse
            planted[i] = worse * abs(planted[i])
    # a code change: the new code is the same organisation
    change = succ[~succ.new_code.duplicated(keep=False)]
    for r in change.itertuples():
        if r.old_code in codes and r.new_code in codes:
            i_old, i_new = codes.index(r.old_code), codes.index(r.new_code)
            u[i_new] = u[i_old]
            planted[i_new] = planted[i_old]
    world.truth.extend(_truth_rows(codes, planted, metric_id, effect_scale))
    return u + planted


def _truth_rows(
    codes: list[str], planted: np.ndarray, metric_id: str, effect_scale: str
) -> list[dict[str, Any]]:
    rows = []
    for c, p in zip(codes, planted, strict=True):
        if effect_scale == "shift":
            eff = round(float(p), 4)
        else:
            eff = round(float(np.exp(p)), 4)
        rows.append(
            {
                "org_code": c,
                "metric_id": metric_id,
                "effect_scale": effect_scale,
                "effect": eff,
                "truly_differs": bool(p != 0),
            }
        )
    return rows


def truth_table(truth: list[dict[str, Any]], extra: pd.DataFrame | None) -> pd.DataFrame:
    """The planted truth as written to ``planted_truth.csv``: the aggregate files' rows, then
    ``extra`` (the record-level module's rows, when any)."""
    t = pd.DataFrame(truth, columns=TRUTH_COLUMNS)
    if extra is not None and len(extra):
        t = pd.concat([t, extra[TRUTH_COLUMNS]], ignore_index=True)
    t["effect"] = t["effect"].map(lambda x: f"{float(x):.4f}")
    t["truly_differs"] = t["truly_differs"].map(lambda x: "true" if bool(x) else "false")
    t.insert(0, "synthetic", SYNTHETIC)
    return t
