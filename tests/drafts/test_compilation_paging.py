"""The compilation read a page at a time: pages, the whole text to print, the API, the
Word document, and what a page costs in queries."""

import io
import re
import zipfile
from collections import Counter
from html import unescape

import pytest
from sqlalchemy import event

from consult.comments import services as comments
from consult.comments.models import Disposition
from consult.db import db
from consult.compilation.services import compile_version, cut_pages, iter_pages, summarize_version
from tests.comments.conftest import can, fra, nor, paragraph, version  # noqa: F401

# Proposals per paragraph: with pages of at most 3, OP1 (3) fills a page of its own.
SPREAD = {"PP1": 1, "PP2": 1, "OP1": 3, "OP2": 1, "OP2(b)": 1, "OP3": 2}
TOTAL = sum(SPREAD.values())


@pytest.fixture
def small_pages(app):
    app.config["COMPILATION_PROPOSALS_PER_PAGE"] = 3
    app.config["POST_RATE_LIMIT"] = "1000 per minute"


def amend(user, version, label, n):
    made = comments.propose_amendment(user, paragraph(version, label),
                                      f"{paragraph(version, label).text} Variant {n}.")
    db.session.commit()
    return made


@pytest.fixture
def spread(small_pages, version, fra, nor, can):
    """TOTAL proposals over the paragraphs as SPREAD says; the first two supported, one
    partly incorporated, one withdrawn (counted, never shown)."""
    made = [amend(fra, version, label, n) for label, count in SPREAD.items()
            for n in range(count)]
    for supporter in (nor, can):
        comments.support_amendment(supporter, made[0])
    made[1].disposition = Disposition.partly_incorporated
    withdrawn = amend(nor, version, "OP2(a)", 99)
    comments.withdraw_submission(nor, withdrawn)
    db.session.commit()
    return made


def url(version, query=""):
    return f"/consultations/gpa/versions/{version.id}/compilation{query}"


def shown_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="proposal[^"]*" id="s(\d+)"', html)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


# --- the service -----------------------------------------------------------------------


def test_pages_are_runs_of_whole_paragraphs_of_at_most_n_proposals(version, spread):
    summary = summarize_version(None, version)
    assert [(p.first_label, p.last_label, p.proposal_count) for p in summary.pages] == [
        (version.paragraphs[0].label, "PP2", 2), ("OP1", "OP1", 3), ("OP2", "OP2(b)", 2),
        ("OP3", "OP3", 2)]
    # Every paragraph on exactly one page, in order; every proposal once.
    parts = list(iter_pages(summary))
    labels = [e.paragraph.label for part in parts for e in part.entries]
    assert labels == [p.label for p in version.paragraphs]
    ids = [p.submission.id for part in parts for p in part.proposals]
    assert sorted(ids) == sorted(s.id for s in spread)
    # The counts are those of the whole compilation, whichever page is loaded.
    page = compile_version(None, version, page=2)
    assert [e.paragraph.label for e in page.entries] == ["OP1"]
    assert page.proposal_count == TOTAL and page.withdrawn_count == 1
    assert page.counts == {"pending": TOTAL - 1, "incorporated": 0,
                           "partly_incorporated": 1, "not_retained": 0}
    [supported] = [p for p in compile_version(None, version, page=1).proposals
                   if p.submission.id == spread[0].id]
    assert supported.supporter_codes == ["NOR", "CAN"]


def test_cut_pages_keeps_small_compilations_on_one_page():
    class P:
        def __init__(self, i):
            self.id, self.label = i, f"OP{i}"

    paragraphs = [P(i) for i in range(1, 6)]
    assert [(p.start, p.stop) for p in cut_pages(paragraphs, {2: 300, 4: 100}, 400)] == \
        [(0, 5)]
    assert [(p.start, p.stop) for p in cut_pages(paragraphs, {2: 300, 4: 101}, 400)] == \
        [(0, 3), (3, 5)]
    assert [p.number for p in cut_pages([], {}, 400)] == [1]


def test_a_page_never_holds_only_paragraphs_without_proposals():
    """At 1,000,000 submissions the first page held the title alone: the first operative
    paragraph, with more proposals than a page, came after it on a page of its own."""
    class P:
        def __init__(self, i):
            self.id, self.label = i, f"P{i}"

    paragraphs = [P(i) for i in range(1, 6)]  # 1: title, 3: a heading, no proposals
    shown = {2: 900, 4: 700, 5: 10}
    assert [(p.start, p.stop, p.proposal_count) for p in cut_pages(
        paragraphs, shown, 400, share=False)] == [(0, 2, 900), (2, 4, 700), (4, 5, 10)]
    # Shared out: 400 of a paragraph's proposals a page, the heading on the first of them.
    assert [(p.start, p.stop, p.proposal_count, p.share, p.total)
            for p in cut_pages(paragraphs, shown, 400)] == [
        (0, 2, 400, (0, 400), 900), (1, 2, 400, (400, 800), 900), (1, 2, 100, (800, 900), 900),
        (2, 4, 400, (0, 400), 700), (3, 4, 300, (400, 700), 700), (4, 5, 10, None, None)]


# --- the HTML pages --------------------------------------------------------------------


def test_every_proposal_is_on_exactly_one_page_with_the_totals_on_each(client, version,
                                                                      spread):
    seen, address, pages = [], url(version), 0
    while address:
        response = client.get(address)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages += 1
        seen += shown_ids(html)
        text = text_of(html)
        assert f"{TOTAL} proposals: {TOTAL - 1} pending, 1 partly incorporated." in text
        assert "1 proposal withdrawn by its author is not shown." in text
        assert f"Page {pages} of 4" in text
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        address = unescape(found.group(1)) if found else None
    assert pages == 4
    assert Counter(seen) == Counter(s.id for s in spread)


def test_a_page_links_to_the_others_and_to_the_whole_text(client, version, spread):
    html = client.get(url(version, "?page=2")).get_data(as_text=True)
    assert f'href="{url(version)}" rel="prev"' in html  # page 1 is the page itself
    assert f'href="{url(version, "?page=3")}" rel="next"' in html
    assert '<nav class="pagination compilation-pages" aria-label="Pages of the compilation">' \
        in html
    # Which paragraphs each page holds; this one marked.
    assert '<strong aria-current="page"><bdi>OP1</bdi></strong>' in html
    assert f'<a href="{url(version, "?page=3")}"><bdi>OP2</bdi> to <bdi>OP2(b)</bdi></a>' \
        in html
    assert f'href="{url(version, "?all=1")}"' in html
    assert "The whole compilation on one page, to print" in text_of(html)
    assert shown_ids(html) == [s.id for s in spread if s.paragraph.label == "OP1"]


def test_the_text_language_is_kept_from_page_to_page(client, version, spread):
    html = client.get(url(version, "?page=2&text=en")).get_data(as_text=True)
    assert re.search(r'href="[^"]*compilation\?page=3&amp;text=en" rel="next"', html) or \
        re.search(r'href="[^"]*compilation\?text=en&amp;page=3" rel="next"', html)


@pytest.mark.parametrize("page, status, message", [
    ("0", 400, "page must be between 1 and 1000000."),
    ("abc", 400, "page must be between 1 and 1000000."),
    ("5", 404, "There is nothing at this address."),
    ("99999999999", 400, "page must be between 1 and 1000000."),
])
def test_a_page_that_does_not_exist_says_so(client, version, spread, page, status, message):
    response = client.get(url(version, f"?page={page}"))
    assert response.status_code == status
    assert message in text_of(response.get_data(as_text=True))
    assert client.get(url(version, "?page=4")).status_code == 200  # nothing broken


def test_a_compilation_of_one_page_looks_as_before(client, version, fra):
    amend(fra, version, "OP1", 1)
    html = client.get(url(version)).get_data(as_text=True)
    assert "pagination" not in html and "?all=1" not in html
    assert "To print, use your browser’s Print command" in text_of(html)
    assert client.get(url(version, "?page=2")).status_code == 404


# --- the whole text, to print ----------------------------------------------------------


def test_the_whole_text_is_streamed_with_every_proposal(client, version, spread):
    response = client.get(url(version, "?all=1"))
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert Counter(shown_ids(html)) == Counter(s.id for s in spread)
    text = text_of(html)
    assert f"{TOTAL} proposals: {TOTAL - 1} pending, 1 partly incorporated." in text
    assert "To print, use your browser’s Print command" in text
    assert "pagination" not in html and "compilation.css" in html
    assert html.rstrip().endswith("</html>")
    assert response.headers["Cache-Control"] == "public, no-cache"


def test_the_whole_text_is_never_stale(client, version, spread, nor):
    first = client.get(url(version, "?all=1"))
    assert len(shown_ids(first.get_data(as_text=True))) == TOTAL
    # No validator: it would be known only once the stream is read (hashing it would
    # buffer it); a reader who reloads gets the text as it is now.
    assert "ETag" not in first.headers
    amend(nor, version, "OP3", 7)
    again = client.get(url(version, "?all=1"))
    assert again.status_code == 200
    assert len(shown_ids(again.get_data(as_text=True))) == TOTAL + 1


def test_a_logged_in_readers_whole_text_is_private(client, version, spread, login_as):
    login_as("delegate", delegation="DEU")
    response = client.get(url(version, "?all=1"))
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "ETag" not in response.headers
    html = response.get_data(as_text=True)
    assert len(shown_ids(html)) == TOTAL
    assert 'name="csrf_token" value="' in html


# --- the Word document and the API -----------------------------------------------------


def test_the_docx_holds_every_proposal_once(client, version, spread):
    response = client.get(url(version, ".docx"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    links = re.findall(r"/consultations/gpa/submissions/(\d+)<", xml)
    assert Counter(map(int, links)) == Counter(s.id for s in spread)
    cached = client.get(url(version, ".docx"), headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304


def test_the_api_sends_a_page_or_streams_the_whole(client, version, spread):
    base = f"/api/v1/versions/{version.id}/compilation"
    page = client.get(f"{base}?page=3").get_json()
    assert page["page"] == 3 and page["pages"] == 4
    assert [p["label"] for p in page["paragraphs"]] == ["OP2", "OP2(a)", "OP2(b)"]
    assert page["proposal_count"] == TOTAL and page["withdrawn_count"] == 1

    whole = client.get(base)
    assert whole.status_code == 200 and whole.is_streamed
    assert whole.headers["Cache-Control"] == "public, no-cache" and whole.headers["ETag"]
    data = whole.get_json()
    assert data["page"] is None and data["pages"] == 4
    assert [p["label"] for p in data["paragraphs"]] == [p.label for p in version.paragraphs]
    assert Counter(p["id"] for para in data["paragraphs"] for p in para["proposals"]) == \
        Counter(s.id for s in spread)

    ids = [p["id"] for n in range(1, 5)
           for para in client.get(f"{base}?page={n}").get_json()["paragraphs"]
           for p in para["proposals"]]
    assert Counter(ids) == Counter(s.id for s in spread)


@pytest.mark.parametrize("page, status, code", [
    ("5", 404, "not_found"), ("0", 400, "invalid"), ("x", 400, "invalid")])
def test_the_api_refuses_a_page_that_does_not_exist(client, version, spread, page, status,
                                                    code):
    response = client.get(f"/api/v1/versions/{version.id}/compilation?page={page}")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


# --- what a page costs -----------------------------------------------------------------


def _queries_for(client, address) -> int:
    statements = []
    # Any page first: the page cache re-reads the deadlines once after the clock moves,
    # which is not this page's cost.
    client.get("/")

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(address)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_a_page_costs_the_same_queries_for_10_or_60_proposals(app, client, version,
                                                             make_user):
    app.config["POST_RATE_LIMIT"] = "1000 per minute"
    delegates = [make_user("delegate", delegation=code)
                 for code in ("FRA", "NOR", "CAN", "DEU", "ITA", "ESP")]
    labels = ["PP1", "PP2", "OP1", "OP2", "OP2(a)", "OP2(b)", "OP3"]

    def propose(start, stop):
        for n in range(start, stop):
            made = amend(delegates[n % 6], version, labels[n % len(labels)], n)
            for supporter in (delegates[(n + 1) % 6], delegates[(n + 2) % 6]):
                comments.support_amendment(supporter, made)
            db.session.commit()

    propose(0, 10)
    client.get(url(version, "?warm=1"))  # what any first request loads once
    ten = _queries_for(client, url(version, "?n=10"))
    propose(10, 60)
    sixty = _queries_for(client, url(version, "?n=60"))
    assert ten == sixty, (ten, sixty)
    assert ten <= 15
    # A page of a compilation cut into pages costs no more, nor one that shares out a
    # paragraph's proposals.
    app.config["COMPILATION_PROPOSALS_PER_PAGE"] = 20
    assert _queries_for(client, url(version, "?page=2")) <= sixty
    app.config["COMPILATION_PROPOSALS_PER_PAGE"] = 4
    assert _queries_for(client, url(version, "?page=3")) <= sixty


# --- a paragraph with more proposals than a page holds ---------------------------------


@pytest.fixture
def shared(spread, app):
    """Pages of at most 2: OP1's three proposals are shared by pages 2 (two) and 3 (one)."""
    app.config["COMPILATION_PROPOSALS_PER_PAGE"] = 2
    return [s for s in spread if s.paragraph.label == "OP1"]


def test_a_paragraph_with_more_proposals_than_a_page_has_several(client, version, spread,
                                                                 shared):
    seen, address, pages = [], url(version), []
    while address:
        html = client.get(address).get_data(as_text=True)
        pages.append(html)
        seen += shown_ids(html)
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        address = unescape(found.group(1)) if found else None
    assert len(pages) == 5 and "Page 5 of 5" in text_of(pages[-1])
    assert Counter(seen) == Counter(s.id for s in spread)  # every proposal once
    # Each page holds at most two proposals; OP1's text is on both of its pages, with
    # its proposals in the order they were made and where they stand among its three.
    assert [len(shown_ids(html)) for html in pages] == [2, 2, 1, 2, 2]
    assert shown_ids(pages[1]) + shown_ids(pages[2]) == [s.id for s in shared]
    for html in pages[1:3]:
        assert 'aria-label="Proposals on OP1"' in html
        assert "Calls upon Member States to" in text_of(html)
    assert "Proposals 1 to 2 of the 3 on OP1; the others are on the neighbouring pages." \
        in text_of(pages[1])
    assert "Proposals 3 to 3 of the 3 on OP1; the others are on the neighbouring pages." \
        in text_of(pages[2])
    assert "neighbouring pages" not in text_of(pages[0]) + text_of(pages[3])
    # The list of pages says which part of OP1 each holds.
    assert f'<a href="{url(version, "?page=3")}"><bdi>OP1</bdi>, proposals 3 to 3</a>' \
        in pages[0]
    assert '<strong aria-current="page"><bdi>OP1</bdi>, proposals 1 to 2</strong>' \
        in pages[1]


def test_the_whole_forms_never_cut_a_paragraph(client, version, spread, shared):
    html = client.get(url(version, "?all=1")).get_data(as_text=True)
    assert html.count('aria-label="Proposals on OP1"') == 1
    assert "neighbouring pages" not in html
    assert Counter(shown_ids(html)) == Counter(s.id for s in spread)
    data = client.get(f"/api/v1/versions/{version.id}/compilation").get_json()
    assert data["pages"] == 5
    op1 = [p for p in data["paragraphs"] if p["label"] == "OP1"]
    assert len(op1) == 1 and [p["id"] for p in op1[0]["proposals"]] == [s.id for s in shared]
    assert (op1[0]["first_proposal"], op1[0]["proposal_total"]) == (1, 3)
    with zipfile.ZipFile(io.BytesIO(client.get(url(version, ".docx")).data)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    links = re.findall(r"/consultations/gpa/submissions/(\d+)<", xml)
    assert Counter(map(int, links)) == Counter(s.id for s in spread)


def test_the_api_says_where_a_pages_proposals_stand(client, version, spread, shared):
    base = f"/api/v1/versions/{version.id}/compilation"
    second = client.get(f"{base}?page=3").get_json()
    assert [p["label"] for p in second["paragraphs"]] == ["OP1"]
    (op1,) = second["paragraphs"]
    assert [p["id"] for p in op1["proposals"]] == [shared[2].id]
    assert (op1["first_proposal"], op1["proposal_total"]) == (3, 3)
    first = client.get(f"{base}?page=2").get_json()["paragraphs"]
    assert [(p["label"], p["first_proposal"], p["proposal_total"]) for p in first] == \
        [("OP1", 1, 3)]
