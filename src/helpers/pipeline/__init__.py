"""Running the pipeline: the ``assess`` command, papermill runs and provenance.

* :mod:`helpers.pipeline.cli`: the ``assess`` command (run, render, site, validate, demo-data).
* :mod:`helpers.pipeline.run`: one assessment = the notebooks in ``notebooks/`` executed in
  order by papermill into a hidden build folder, published atomically.
* :mod:`helpers.pipeline.provenance`: which data and which code produced a run.

This is the top of the package: it may import every stage; no stage imports it.
"""
