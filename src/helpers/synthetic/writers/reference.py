"""The reference files: organisations, successions and population, and the files collected on
the way: plans, local priorities and the planted truth."""

from __future__ import annotations

import pandas as pd

from helpers.synthetic.files import write_table
from helpers.synthetic.model import random_stream
from helpers.synthetic.plant import truth_table
from helpers.synthetic.world import SYNTHETIC
from helpers.synthetic.writers.context import Output

# ICB metrics of the catalogue (config/metrics/synthetic.yml) an ICB may name as priorities
_PRIORITY_OPTIONS = [
    ("mh_access_pct", "Local priority: access to community mental health services"),
    ("flu_vaccination_pct", "Local priority: uptake among people aged 65 and over"),
    ("icb_ae_12hr_pct", "Local priority: long waits in emergency departments"),
    ("icb_cancer_62d_pct", "Local priority: cancer treatment within 62 days"),
    (
        "avoidable_admissions_dsr",
        "Local priority: admissions avoidable with better primary and community care",
    ),
]


def write_organisations(out: Output) -> None:
    """``organisations.csv`` and ``successions.csv``."""
    o = out.world.orgs.copy()
    o["size_index"] = o["size_index"].map(lambda x: f"{x:.4f}")
    write_table(o, out.folder / "organisations.csv")
    out.done("organisations.csv", len(o))
    s = out.world.successions.copy()
    s.insert(0, "synthetic", SYNTHETIC)
    write_table(s, out.folder / "successions.csv")
    out.done("successions.csv", len(s))


def write_population(out: Output) -> None:
    p = out.world.population
    write_table(p, out.folder / "population_icb_age_sex.csv")
    out.done("population_icb_age_sex.csv", len(p))


def write_plans(out: Output) -> None:
    """``plans.csv``: every plan the other writers collected (call it after them)."""
    p = pd.concat(out.plans, ignore_index=True)
    p = p.sort_values(["metric_id", "org_code", "month"], kind="stable")
    p.insert(0, "synthetic", SYNTHETIC)
    write_table(p, out.folder / "plans.csv")
    out.done("plans.csv", len(p))


def write_local_priorities(out: Output) -> None:
    """``local_priorities.csv``: two ICB metrics for each of a few ICBs."""
    w = out.world
    rng = random_stream(w.seed, 19)
    icbs = w.orgs[w.orgs.org_type == "icb"].org_code.tolist()
    n = 2 if w.scale == "small" else 6
    options = _PRIORITY_OPTIONS
    rows = []
    for i in sorted(rng.choice(len(icbs), size=n, replace=False).tolist()):
        for j in sorted(rng.choice(len(options), size=2, replace=False).tolist()):
            rows.append([SYNTHETIC, icbs[i], options[j][0], options[j][1]])
    out.csv("local_priorities.csv", ["synthetic", "icb_code", "metric_id", "reason"], rows)


def write_truth(out: Output, extra: pd.DataFrame | None) -> None:
    """``planted_truth.csv``: the planted effects, then ``extra`` (the record-level ones)."""
    t = truth_table(out.world.truth, extra)
    write_table(t, out.folder / "planted_truth.csv")
    out.done("planted_truth.csv", len(t))
