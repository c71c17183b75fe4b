"""Running the pipeline: the ``assess`` command, papermill runs and provenance.

* :mod:`helpers.pipeline.cli`: the ``assess`` command (run, render, site, validate, demo-data).
* :mod:`helpers.pipeline.run`: one assessment = the notebooks in ``notebooks/`` executed in
  order by papermill into a hidden build folder, published atomically.
* :mod:`helpers.pipeline.provenance`: which data and which code produced a run.
* :mod:`helpers.pipeline.cache`, :mod:`helpers.pipeline.site_cache`: content-hash caching of
  the steps and of the site, so that a rerun redoes only what changed.
* :mod:`helpers.pipeline.many`: several assessments side by side, progress and timings.

This is the top of the package: it may import every stage; no stage imports it.
"""

import sys

# jsonschema (imported by nbformat and papermill) builds the grammar of an optional IRI format
# checker when it is imported: over a second on every `assess` start, for a format that no
# notebook schema uses. Marked as absent, jsonschema goes without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
