"""Search by hospital (#22 item 9): a trust's report card names its hospitals and their towns
(a line that Quarto's search indexes with the page, and the page's ``keywords``), and the
preview's search index carries them, so "Addenbrooke" finds Cambridge University Hospitals."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml
from site_support import assessment_site, render_pages

from helpers.publish.sites import search_terms, sites_by_org

CAMBRIDGE = "RGT"  # Cambridge University Hospitals NHS Foundation Trust


@pytest.fixture(scope="module")
def cambridge_site(built, root, tmp_path_factory):
    project = tmp_path_factory.mktemp("sites")

    def published(latest):
        other = sorted(set(latest.org_code) - {CAMBRIDGE})[0]
        return [CAMBRIDGE, other]

    ctx, _ = assessment_site(built, root, project, published=published, n_draws=50)
    site = render_pages(project)
    return ctx, site.output_dir


def test_the_card_names_the_trusts_hospitals_and_their_towns(cambridge_site) -> None:
    ctx, _ = cambridge_site
    text = (ctx.paths.orgs / f"{CAMBRIDGE}.qmd").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("**Hospitals**"))
    assert line == (
        "**Hospitals** Addenbrooke's (Cambridge), Cuh At Brookfields Hospital (Cambridge), "
        "Rosie Hospital (Cambridge), Royston Hospital (Royston), "
        "Saffron Walden Community Hospital (Saffron Walden)"
    )
    front = yaml.safe_load(text.split("---", 2)[1])
    assert front["keywords"][:2] == ["Addenbrooke's", "Cuh At Brookfields Hospital"]
    assert front["keywords"][-3:] == ["Cambridge", "Royston", "Saffron Walden"]
    # the caveat says where the list comes from and how old it is (from the settings)
    assert "NHS website hospital list, January 2018" in text


def test_the_preview_search_index_finds_the_card_by_hospital(cambridge_site) -> None:
    ctx, site = cambridge_site
    script = (site / "site_libs" / "preview" / "org-index.js").read_text(encoding="utf-8")
    index = json.loads(re.fullmatch(r"window\.ORG_INDEX = (.*);\n", script, re.S).group(1))
    card = next(e for e in index if e["c"] == CAMBRIDGE)
    assert "Addenbrooke's" in card["k"] and "Cambridge" in card["k"]
    assert card["u"].endswith(f"orgs/{CAMBRIDGE}.html")
    # what search.js does: lower case, apostrophes ignored
    norm = lambda s: s.lower().replace("'", "").replace("\u2019", "")  # noqa: E731
    for query in ("Addenbrooke", "addenbrooke's", "Addenbrookes"):
        hits = [e["c"] for e in index if any(norm(query) in norm(k) for k in e["k"])]
        assert hits == [CAMBRIDGE], query
    html = (site / "reports" / "uec" / "orgs" / f"{CAMBRIDGE}.html").read_text(encoding="utf-8")
    assert "Addenbrooke’s (Cambridge)" in html or "Addenbrooke's (Cambridge)" in html


def test_sites_are_grouped_by_trust_each_name_once() -> None:
    sites = pd.DataFrame(
        {
            "org_code": ["B", "A", "A", "A", "A"],
            "site_code": ["B1", "A2", "A1", "A3", "A1"],
            "site_name": ["Zed Hospital", "beta Hospital", "Alpha Hospital", "beta Hospital"]
            + ["Alpha Hospital"],
            "town": ["Leeds", "York", "", "York", "York"],  # Alpha twice, once without a town
            "postcode": ["", "", "", "", ""],
        }
    )
    by_org = sites_by_org(sites)
    assert by_org == {
        "A": [
            {"name": "Alpha Hospital", "town": "York"},
            {"name": "beta Hospital", "town": "York"},
        ],
        "B": [{"name": "Zed Hospital", "town": "Leeds"}],
    }
    assert search_terms(by_org["A"]) == ["Alpha Hospital", "beta Hospital", "York"]
    assert search_terms([{"name": "Townless", "town": ""}]) == ["Townless"]
    assert sites_by_org(None) == {} and sites_by_org(sites.iloc[:0]) == {}
