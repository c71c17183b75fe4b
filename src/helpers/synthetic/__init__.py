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
* ``plant``: the planted effects and the planted truth.
* ``files``: deterministic CSV and Excel files in the published shapes (title rows, footnotes,
  wide month columns).
* ``writers``: one writer per publication (subpackage; see its docstring).
* ``faults``: the deliberately faulty files and the rejections the ingest must report.
* ``records``: the record-level admissions extract (Parquet).

Only ``helpers.core`` and ``helpers.stats`` are imported from the rest of ``helpers``.
"""
