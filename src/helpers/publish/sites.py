"""The hospitals of each trust, for its report card: people know hospitals, not trusts, so a
card names its trust's hospitals and their towns (a line at the top, which Quarto's search
indexes with the page) and lists them as the page's ``keywords`` (which the preview's search
box reads). The hospitals come from ``reference: sites`` (:func:`helpers.ingest.reference.sites`,
saved by notebook 10 as ``_interim/sites.parquet``)."""

from __future__ import annotations

import pandas as pd


def sites_by_org(sites: pd.DataFrame | None) -> dict[str, list[dict[str, str]]]:
    """Organisation code -> its hospitals, ``{"name", "town"}`` in name order, each name once
    (with its town where one of its rows gives it: the list repeats a few hospitals, once
    without a town), or an empty mapping when the assessment names no hospital list."""
    if sites is None or sites.empty:
        return {}
    d = sites.assign(_blank=sites.town.eq("")).sort_values(["org_code", "site_name", "_blank"])
    d = d.drop_duplicates(["org_code", "site_name"])
    d = d.sort_values(["org_code", "site_name", "town"], key=lambda s: s.str.casefold())
    return {
        str(code): [{"name": str(r.site_name), "town": str(r.town)} for r in g.itertuples()]
        for code, g in d.groupby("org_code", sort=True)
    }


def search_terms(hospitals: list[dict[str, str]]) -> list[str]:
    """The words a reader may search a card by: each hospital's name, then each town, once."""
    terms = [h["name"] for h in hospitals] + [h["town"] for h in hospitals if h["town"]]
    return list(dict.fromkeys(terms))
