"""annual-assessment helpers: ingestion, indicators, statistics, pages and the site."""

__version__ = "0.1.0"
