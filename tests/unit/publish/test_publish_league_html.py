"""The league table's HTML (helpers.publish.league_html): the columns a 1280 px window can hold,
the segment with its rule stability when the assessment has it, the details of each row (only
those some row has), the filters' row attributes, and every string from the data escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from helpers.publish import league_html
from helpers.publish.league_views import league_page_rows

HOSTILE = '<script>alert(1)</script> "q" & <b>x</b>'


def _row(**over: object) -> dict:
    """A league row as :func:`helpers.publish.league_views._league_rows` makes it."""
    row = {
        "rank": 3,
        "rank_range": "2 to 6",
        "rank_lower": 2,
        "rank_upper": 6,
        "code": "RXX",
        "name": "Somewhere NHS Trust",
        "linked": True,
        "specialist": False,
        "score": "1.84",
        "score_range": "1.70 to 1.99",
        "score_value": 1.8412,
        "score_lower": 1.70,
        "score_upper": 1.99,
        "segment": 2,
        "segment_filter": "2",
        "segment_note": "",
        "rule_sets_agree": None,
        "rule_sets": None,
        "p_segment": "61%",
        "p_segments": "1: 12%; 2: 61%; 3: 27%; 4: <1%",
        "deficit": "",
        "plans": "",
        "plans_value": -1.0,
        "persistent_filter": "No",
        "consequence": "Standard oversight",
        "region_filter": "London",
        "subtype_filter": "Acute - Large",
        "group": 2,
        "group_size": 7,
    }
    row.update(over)
    return row


def _table(rows: list[dict]) -> str:
    return league_html.table_html("league-t", "League table: Acute, 2024/25", rows, 20,
                                  "../orgs/{code}.qmd")  # fmt: skip


class _Cells(HTMLParser):
    """Headings, body cells (text by column), row attributes, elements seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head: list[tuple[str, dict]] = []
        self.rows: list[dict] = []
        self.row_attrs: list[dict] = []
        self.tags: list[str] = []
        self.dts: list[str] = []
        self._where: str | None = None
        self._col: str | None = None
        self._dt = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        cls = (a.get("class") or "").split()
        if tag in ("thead", "tbody"):
            self._where = tag
        elif tag == "tr" and self._where == "tbody":
            self.rows.append({})
            self.row_attrs.append(a)
        elif tag == "th" and self._where == "thead":
            self.head.append((cls[0].removeprefix("col-"), a))
        elif tag in ("td", "th") and self._where == "tbody":
            self._col = cls[0].removeprefix("col-")
            self.rows[-1][self._col] = ""
        elif tag == "dt":
            self._dt = True
            self.dts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._col = None
        elif tag == "dt":
            self._dt = False

    def handle_data(self, data: str) -> None:
        if self._col:
            self.rows[-1][self._col] += data
        if self._dt:
            self.dts[-1] += data


def _parse(text: str) -> _Cells:
    p = _Cells()
    p.feed(text)
    return p


def test_the_table_draws_rank_organisation_segment_score_rank_range_and_details_only() -> None:
    cells = _parse(_table([_row(), _row(code="RYY", rank=4)]))
    keys = [k for k, _ in cells.head]
    assert keys == ["rank", "organisation", "segment", "score", "rank_range", "detail"]
    assert len(keys) <= 5 + 2  # the five the table is for, and at most two more
    # every column a reader can sort on stays sortable; the details' column is not a sort key
    sortable = [k for k, a in cells.head if a.get("data-dt-order") != "disable"]
    assert sortable == keys[:-1]
    row = cells.rows[0]
    assert row["rank"].strip() == "3"
    assert row["organisation"].strip() == "Somewhere NHS Trust (RXX)"
    assert row["segment"].strip() == "2"
    assert row["score"].split()[:1] == ["1.84"] and "(1.70 to 1.99)" in row["score"]
    assert row["rank_range"].strip() == "2 to 6"
    # probabilities, consequence, group, region and type are in the details, not columns
    assert "Details" in row["detail"] and "61%" in row["detail"]
    assert "In line for: standard oversight" in row["detail"] and "London" in row["detail"]


def test_segment_shows_its_rule_stability_when_the_assessment_has_it() -> None:
    stable = _table([_row(rule_sets_agree=3, rule_sets=4), _row(code="RYY", rule_sets_agree=4,
                                                                 rule_sets=4)])  # fmt: skip
    cells = _parse(stable)
    assert cells.rows[0]["segment"].strip() == "2 (3 of 4 rule sets)"
    assert dict(cells.head)["segment"] is not None
    assert "Segment (rule sets that agree)</th>" in stable
    assert "segment 2 under 3 of the 4 reasonable rule sets tried" in stable
    # read back as the checks read it: the segment is the first word
    assert [r["segment"] for r in league_page_rows(stable)] == ["2", "2"]
    # an assessment without the columns: just the segment, and no stability anywhere
    plain = _table([_row(), _row(code="RYY")])
    assert _parse(plain).rows[0]["segment"].strip() == "2"
    assert ">Segment</th>" in plain and "rule sets" not in plain
    assert league_html.segment_text(_row(rule_sets_agree=None, rule_sets=4)) == "2"


def test_details_that_no_row_has_are_not_drawn() -> None:
    cells = _parse(_table([_row(), _row(code="RYY")]))
    labels = set(cells.dts[: len(cells.dts) // 2])
    assert "In deficit" not in labels and "Plans kept" not in labels
    assert "Segment before adjustment" not in labels and "Under other rules" not in labels
    assert {"Region", "Type", "Persistent failure"} <= labels
    assert any(t.startswith("Probability of each segment") for t in labels)
    # one row with a deficit and plans: the details are drawn for every row (none where empty)
    rows = [_row(deficit="Yes", plans="3 of 4 (75%)"), _row(code="RYY")]
    text = _table(rows)
    both = _parse(text)
    assert both.dts.count("In deficit") == 2 and both.dts.count("Plans kept") == 2
    assert both.rows[1]["detail"].count("none") == 2
    # a table with no region: no region in the details and no region filter
    no_region = _table([_row(region_filter=""), _row(code="RYY", region_filter="")])
    assert "Region" not in _parse(no_region).dts and "filter-region" not in no_region


def test_filters_match_row_attributes_and_only_where_rows_differ() -> None:
    rows = [
        _row(),
        _row(code="RYY", region_filter="North West", segment=3, segment_filter="3",
             persistent_filter="Yes"),
    ]  # fmt: skip
    text = _table(rows)
    cells = _parse(text)
    assert cells.row_attrs[1]["data-f-region"] == "North West"
    assert cells.row_attrs[1]["data-f-segment"] == "3"
    assert cells.row_attrs[1]["data-f-persistent"] == "Yes"
    filters = re.findall(r'<select id="league-t-filter-(\w+)" data-filter="(\w+)"', text)
    assert [a for a, b in filters if a == b] == ["region", "segment", "persistent"]  # not type


def test_every_string_from_the_data_is_escaped() -> None:
    rows = [
        _row(name=HOSTILE, region_filter=HOSTILE, consequence=HOSTILE, subtype_filter=HOSTILE,
             segment_note=HOSTILE, p_segments=HOSTILE, code="R<1"),
        _row(code="RYY"),
    ]  # fmt: skip
    text = _table(rows)
    assert "<script" not in text and "<b>" not in text
    tags = set(_parse(text).tags)
    assert "script" not in tags and "b" not in tags
    cells = _parse(text)
    # the text is there for a reader, as written, in the cells, details and attributes
    assert cells.rows[0]["organisation"].strip() == f"{HOSTILE} (R<1)"
    assert HOSTILE in cells.rows[0]["detail"]
    assert cells.row_attrs[0]["data-f-region"] == HOSTILE
    assert 'href="../orgs/R&lt;1.qmd"' in text
    # no line of the raw HTML block can close its fence
    assert "\n" not in text and "```" not in text
