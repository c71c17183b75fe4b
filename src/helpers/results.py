"""TEMPORARY (issue #8, step 1): the old module path, kept only so that the committed
notebooks run unchanged while the package is laid out by stage; the notebooks move to the new
modules in step 7 and this file is deleted then. Nothing in src/ or tests/ imports it."""

# ruff: noqa: F401

import helpers.indicators
from helpers import compare
from helpers.core.files import write_json
from helpers.core.tables import load_interim, save_interim, save_table
from helpers.publish.summary import run_summary

# notebook 30 still calls these three as helpers.indicators.<name>
helpers.indicators.england_benchmarks = compare.england_benchmarks  # type: ignore[attr-defined]
helpers.indicators.compare_with_peers = compare.compare_with_peers  # type: ignore[attr-defined]
helpers.indicators.order_results = compare.order_results  # type: ignore[attr-defined]
