"""A deterministic, clearly labelled SYNTHETIC England for demonstrating and testing the pipeline.

Nothing here is real NHS data: every organisation, code, name and figure is invented. See
``data/SYNTHETIC.md`` for the file shapes (the data contract) and the quirks planted on purpose.

    from helpers.synthetic.generate import generate
    summary = generate("small", seed=20260401, out=Path("data/synthetic/small"))

Modules: ``generate`` (organisations, population and the aggregate published-statistics files)
and ``records`` (record-level admissions, in its own module). The package imports nothing at
import time, so its modules can import each other without cycles.
"""
