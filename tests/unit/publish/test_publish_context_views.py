"""SHMI and the acute checks as the site shows them: read back from the results the pipeline
writes, with the figure's alt text written from the data and the card line escaped."""

from __future__ import annotations

import pytest

from helpers.assess import nof, nof_acute
from helpers.assess.shmi import shmi_reproduction, write_shmi
from helpers.ingest.readers.nhse_shmi import read_shmi_trust_level
from helpers.publish import context_views as cv
from helpers.publish.templating import template_env

PERIOD = "Feb 2025 – Jan 2026"


@pytest.fixture(scope="module")
def results(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    published = read_shmi_trust_level(root / "data/raw/shmi_trust_level_feb2025_jan2026.csv")
    write_shmi(out, *shmi_reproduction(published, PERIOD))
    extract = nof.read_nof_extract(root / "data/raw/nof_2025_26_q3_trust_segmentation_extract.csv")
    nof_acute.write_acute_checks(out, nof_acute.acute_checks(extract))
    return out


def test_card_lines_one_per_trust_with_nhse_banding(results):
    lines = cv.shmi_card_lines(results)
    assert len(lines) == 118
    assert lines["RCF"] == f"SHMI 0.94 ({PERIOD}): as expected, NHS England's banding"
    assert lines["RXL"].startswith("SHMI 1.34") and "higher than expected" in lines["RXL"]


def test_no_results_no_view(tmp_path):
    assert cv.shmi_card_lines(tmp_path) == {}
    assert cv.shmi_view(tmp_path, tmp_path) is None
    assert cv.acute_checks_view(tmp_path) is None


def test_methodology_view_and_figure(results, tmp_path):
    v = cv.shmi_view(results, tmp_path)
    assert v["figure"].path.exists()
    alt = v["figure"].alt
    assert "118 non-specialist acute trusts" in alt and "agree for 118 of 118" in alt
    assert v["caveat"] == (
        f"a single rolling year, {PERIOD}, outside the years scored; not part of the average score"
    )
    assert [x["name"] for x in v["limits"]] == ["PO_LL", "PO_UL", "OD_LL", "OD_UL"]
    assert len(cv.acute_checks_view(results)["rows"]) == 17  # the fixed set of checks


def test_card_line_is_escaped_where_it_lands():
    env = template_env()
    line = "SHMI 1.00 (*Feb* 2025 – [Jan] 2026): as expected, NHS England's banding"
    out = env.from_string("{{ x | md }}").render(x=line)
    assert "\\*Feb\\*" in out and "\\[Jan\\]" in out
