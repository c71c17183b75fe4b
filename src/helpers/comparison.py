"""TEMPORARY (issue #8, step 1): the old module path, kept only so that the committed
notebooks run unchanged while the package is laid out by stage; the notebooks move to the new
modules in step 7 and this file is deleted then. Nothing in src/ or tests/ imports it."""

# ruff: noqa: F401

from helpers.compare import add_funnels, add_rank_intervals, funnel_limits_table, spc_and_trend
