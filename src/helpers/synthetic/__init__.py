"""A deterministic, clearly labelled SYNTHETIC England for demonstrating and testing the pipeline.

Nothing here is real NHS data: every organisation, code, name and figure is invented. See
``data/SYNTHETIC.md`` for the file shapes (the data contract) and the quirks planted on purpose.

    from helpers.synthetic.generate import generate
    summary = generate("small", seed=20260401, out=Path("data/synthetic/small"))

Modules:

* ``generate``: :func:`~helpers.synthetic.generate.generate` (the order of the writers, the
  record-level extract, the faulty files) and the manifest.
* ``cli``: ``assess demo-data`` (:func:`~helpers.synthetic.cli.demo_data_main`).
* ``world``: the organisations, successions, open months and ICB population
  (:func:`~helpers.synthetic.world.build_world`).
* ``names``: fictional place names, organisation names and codes.
* ``model``: independent random streams, the logistic link, seasonality, year levels and the
  plan ramp.
* ``plant``: the planted effects and the planted truth (``planted_truth.csv``).
* ``expected``: the noise-free expected counts every writer collects for the values below.
* ``truth``: the true value of every catalogue metric (``planted_values.csv``) and the
  assessment those values imply (``planted_assessment.csv``, by ``helpers.assess``).
* ``files``: deterministic CSV and Excel files in the published shapes (title rows, footnotes,
  wide month columns).
* ``writers``: one writer per publication (subpackage; see its docstring).
* ``faults``: the deliberately faulty files and the rejections the ingest must report.
* ``records``: the record-level admissions extract (Parquet); ``records_truth`` its planted
  truth (effects, succession roles, the truth table, the expected counts); ``records_example``
  a small stand-in geography for tests and benchmarks.

The writers import only ``helpers.core`` and ``helpers.stats`` from the rest of ``helpers``;
``truth`` also imports ``helpers.settings`` (the metric catalogue) and ``helpers.assess`` (the
scoring rules), which sit below the generator in the stage layers (``.importlinter``).
"""
