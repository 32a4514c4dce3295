"""Progress at a glance (issue 16, part 3): paragraphs by status and brackets left, for each
published version, as a chart drawn on the server with a table beside it, in the API and in
the open-data export."""

from __future__ import annotations

import csv
import io

from lxml import html as lxml_html

from consult.db import db
from consult.demo import read_text
from consult.drafts import services
from consult.negotiation import status

BRACKETED = """# Plan

*Recalling* [the Charter][its principles],

1. *Calls upon* States to act [[promptly], [effectively]];

2. *Urges* States to protect victims;
"""
SETTLED = """# Plan

*Recalling* the Charter,

1. *Calls upon* States to act promptly;

2. *Urges* States to protect victims;
"""


def _two_versions(staff, consultation):
    first = services.create_version(staff, consultation, label="Zero draft", text=BRACKETED,
                                    publish=True)
    status.set_paragraph_statuses(staff, first, ["OP2"], "agreed")
    db.session.commit()
    draft = services.create_version(staff, consultation, label="Rev.1", text=SETTLED)
    db.session.commit()
    return first, draft


def test_progress_in_the_api_leaves_out_drafts(client, consultation, staff):
    first, _draft = _two_versions(staff, consultation)
    answer = client.get("/api/v1/consultations/gpa/progress")
    assert answer.status_code == 200
    assert answer.json == {"versions": [{
        "id": first.id, "label": "Zero draft", "brackets": 5,
        "paragraphs": {"open": 3, "agreed_ad_ref": 0, "agreed": 1, "deleted": 0}}]}
    assert client.get("/api/v1/consultations/nowhere/progress").status_code == 404


def test_the_chart_and_its_table_say_the_same(client, consultation, staff):
    first, draft = _two_versions(staff, consultation)
    services.publish_version(staff, services.get_version(staff, draft.id))
    db.session.commit()
    page = client.get("/consultations/gpa").get_data(as_text=True)
    root = lxml_html.document_fromstring(page)
    svg = root.xpath("//section[@class='progress']//svg")[0]
    assert svg.get("role") == "img" and svg.xpath(".//desc")
    titles = [t.text for t in svg.xpath(".//rect/title")]
    assert "agreed: 1" in titles and "still open: 3" in titles  # Zero draft
    assert "agreed: 1" in titles[titles.index("5") + 1:]  # Rev.1 kept OP2 agreed
    rows = [[c.text_content().strip() for c in row.xpath("./th|./td")]
            for row in root.xpath("//table[@class='progress-table']/tbody/tr")]
    assert rows == [["Zero draft", "1", "0", "3", "0", "5"],
                    ["Rev.1", "1", "0", "3", "0", "0"]]
    assert "<script" not in page.split("progress-title")[1].split("</section>")[0]


def test_the_export_carries_the_same_figures(client, consultation, staff):
    first, _draft = _two_versions(staff, consultation)
    versions = list(csv.DictReader(io.StringIO(client.get(
        "/api/v1/consultations/gpa/export.csv?table=versions").get_data(as_text=True))))
    assert [(v["label"], v["brackets"], v["paragraphs_open"], v["paragraphs_agreed"])
            for v in versions] == [("Zero draft", "5", "3", "1")]
    paragraphs = list(csv.DictReader(io.StringIO(client.get(
        "/api/v1/consultations/gpa/export.csv?table=paragraphs").get_data(as_text=True))))
    assert {p["label"]: (p["brackets"], p["status"]) for p in paragraphs} == {
        "H1": ("0", "open"), "PP1": ("2", "open"), "OP1": ("3", "open"),
        "OP2": ("0", "agreed")}


def test_the_cop21_texts_show_their_brackets_declining(client, consultation, staff):
    for label, name in (("23 October", "23-oct-2015"), ("4 December", "4-dec-2015"),
                        ("9 December", "9-dec-2015"), ("12 December", "12-dec-2015")):
        services.create_version(staff, consultation, label=label, publish=True,
                                confirm_numbering=True, text=read_text(f"cop21/{name}.md"))
        db.session.commit()
    figures = client.get("/api/v1/consultations/gpa/progress").json["versions"]
    assert [f["brackets"] for f in figures] == [1003, 996, 207, 0]
