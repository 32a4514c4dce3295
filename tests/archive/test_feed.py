"""The Atom feed of a consultation: publications, submissions, dispositions; nothing hidden."""

import datetime as dt

import pytest
from lxml import etree

from consult.archive.feed import consultation_feed
from consult.comments import services as comments
from consult.db import db
from consult.moderation import services as moderation
from tests.comments.conftest import can, fra, nor, paragraph  # noqa: F401  (fixtures)
from tests.conftest import fresh
from tests.moderation.test_leaks import SECRETS, planted  # noqa: F401  (fixture)

ATOM = "http://www.w3.org/2005/Atom"
NS = {"a": ATOM}
FEED = "/api/v1/consultations/gpa/feed.atom"


@pytest.fixture
def record(planted, staff, make_user):  # noqa: F811
    """The planted record, plus a disposition, a comment and a hidden decided proposal."""
    rev1 = planted["versions"][1]
    op1 = paragraph(rev1, "OP1")
    moderation.set_disposition(staff, planted["visible"], "incorporated",
                               "Merged into the next revision.")
    jane = make_user("delegate", delegation="BRA", name="Jane Privatename",
                     email="jane.privatename@example.org")
    comment = comments.post_comment(jane, paragraph(rev1, "OP2"), "A visible wombatword remark.")
    decided = comments.propose_amendment(jane, op1, "*Calls upon* okapiword States;",
                                         "Because okapiword.")
    db.session.commit()
    moderation.set_disposition(staff, decided, "not_retained", "Not retained giraffeword.")
    db.session.commit()
    moderation.hide_submission(staff, decided, reason_code="abusive")
    db.session.commit()
    return {**planted, "comment": comment, "decided": decided, "jane": jane}


def read(client, headers=None):
    """The feed through the API: the response and its parsed root."""
    response = client.get(FEED, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response, etree.fromstring(response.get_data())


def entries(root) -> list[dict]:
    """Each entry as a dict of its fields."""
    found = []
    for entry in root.findall("a:entry", NS):
        found.append({
            "id": entry.findtext("a:id", namespaces=NS),
            "title": entry.findtext("a:title", namespaces=NS),
            "updated": entry.findtext("a:updated", namespaces=NS),
            "author": entry.findtext("a:author/a:name", namespaces=NS),
            "link": entry.find("a:link[@rel='alternate']", NS).get("href"),
            "category": entry.find("a:category", NS).get("term"),
            "summary": entry.findtext("a:summary", namespaces=NS),
        })
    return found


def test_the_feed_is_atom_with_publications_submissions_and_dispositions(client, record):
    response, root = read(client)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert root.tag == f"{{{ATOM}}}feed"
    assert root.findtext("a:title", namespaces=NS) == "Global Plan of Action"
    assert root.find("a:link[@rel='self']", NS).get("href") == f"http://localhost{FEED}"
    found = entries(root)
    # Atom's required parts, ids unique, newest first, the feed as new as its newest entry.
    assert all(e["id"] and e["title"] and e["updated"] and e["author"] for e in found)
    assert len({e["id"] for e in found}) == len(found)
    stamps = [dt.datetime.fromisoformat(e["updated"]) for e in found]
    assert stamps == sorted(stamps, reverse=True)
    assert root.findtext("a:updated", namespaces=NS) == found[0]["updated"]

    _zero, rev1 = record["versions"]
    published = {e["title"]: e for e in found if e["category"] == "publication"}
    assert set(published) == {"Zero draft published", "Rev.1 published"}
    assert published["Rev.1 published"]["link"] == \
        f"http://localhost/consultations/gpa/versions/{rev1.id}"

    visible = record["visible"]
    amendment = next(e for e in found if e["link"].endswith(f"/submissions/{visible.id}")
                     and e["category"] == "amendment")
    assert amendment["title"] == "FRA: amendment on OP1 (Rev.1)"
    assert amendment["author"] == visible.delegation.name_en
    # The words, not the Markdown source (issue 13).
    assert amendment["summary"].startswith("Proposed text: Calls upon all Member States")
    assert "A visible proposal." in amendment["summary"]
    comment = next(e for e in found if e["link"].endswith(f"/submissions/"
                                                          f"{record['comment'].id}"))
    assert comment["title"] == "BRA: comment on OP2 (Rev.1)"
    assert comment["summary"] == "A visible wombatword remark."
    supports = [e for e in found if e["category"] == "support"]
    assert [e["title"] for e in supports] == ["CAN supports the amendment by FRA on OP1 (Rev.1)"]

    dispositions = [e for e in found if e["category"] == "disposition"]
    assert len(dispositions) == 1
    assert dispositions[0]["title"] == "Disposition of amendment by FRA on Rev.1 OP1: incorporated"
    assert dispositions[0]["summary"] == "Merged into the next revision."
    assert dispositions[0]["link"] == f"http://localhost/consultations/gpa/submissions/{visible.id}"


def test_nothing_hidden_unpublished_or_personal_is_in_the_feed(client, record):
    response, root = read(client)
    text = response.get_data(as_text=True)
    lowered = text.lower()
    # Hidden submissions, replies and supports under them, a hidden general statement and
    # the reply to it, the unpublished Rev.2: none of their words.
    assert [secret for secret in SECRETS if secret in lowered] == []
    # A proposal decided on and then hidden: neither it nor its disposition shows.
    assert "okapiword" not in lowered and "giraffeword" not in lowered
    links = [e["link"] for e in entries(root)]
    for hidden in (record["hidden"], record["decided"]):
        assert not [link for link in links if link.endswith(f"/submissions/{hidden.id}")]
    assert "Rev.2" not in text and f"/versions/{record['draft'].id}" not in text
    # Delegations speak; accounts never show: no names of persons, no e-mail address.
    assert "@" not in text
    assert "privatename" not in lowered and "delegate of" not in lowered
    assert record["jane"].delegation.name_en in text


def test_a_submission_leaves_the_feed_when_it_is_hidden(client, record, staff):
    response, _root = read(client)
    assert "wombatword" in response.get_data(as_text=True)
    fresh()
    moderation.hide_submission(staff, record["comment"], reason_code="off_topic")
    db.session.commit()
    later, _root = read(client)
    assert "wombatword" not in later.get_data(as_text=True)
    assert later.headers["ETag"] != response.headers["ETag"]


def test_etag_and_304_and_the_same_bytes_for_the_same_record(client, record):
    response, _root = read(client)
    etag = response.headers["ETag"]
    assert etag and response.headers["Cache-Control"] == "public, no-cache"
    assert client.get(FEED).get_data() == response.get_data()
    cached = client.get(FEED, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b""

    fresh()
    comments.post_comment(record["jane"], paragraph(record["versions"][1], "OP1"), "New one.")
    db.session.commit()
    changed = client.get(FEED, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"New one." in changed.get_data()


def test_links_and_ids_follow_the_address_the_feed_is_read_at(app, record, consultation):
    data = consultation_feed(consultation, base_url="https://consult.example/")
    root = etree.fromstring(data)
    assert root.findtext("a:id", namespaces=NS).startswith("tag:consult.example,")
    for entry in entries(root):
        assert entry["link"].startswith("https://consult.example/consultations/gpa/")
        assert entry["id"].startswith("tag:consult.example,")
    assert consultation_feed(consultation, base_url="https://consult.example/") == data


def test_an_empty_consultation_has_a_valid_empty_feed_and_unknown_ones_404(client,
                                                                          consultation):
    _response, root = read(client)
    assert root.findall("a:entry", NS) == []
    assert root.findtext("a:updated", namespaces=NS)
    missing = client.get("/api/v1/consultations/nowhere/feed.atom")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_the_feed_is_in_the_readers_language(client, app, record, monkeypatch, tmp_path):
    from tests.moderation.catalog import FRENCH, install_catalog

    install_catalog(app, monkeypatch, tmp_path / "catalog", "fr", FRENCH)
    response, root = read(client, headers={"Accept-Language": "fr"})
    # One copy per language in shared caches.
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert root.findtext("a:subtitle", namespaces=NS) == \
        "Publications, contributions et suites données"
    found = entries(root)
    visible = record["visible"]
    # The disposition worded from what the log recorded, not from its English label.
    [disposition] = [e for e in found if e["category"] == "disposition"]
    assert disposition["title"] == \
        "Suite donnée à amendement de FRA sur Rev.1 OP1 : incorporé"
    assert disposition["author"] == "Cofacilitateurs"
    assert disposition["link"].endswith(f"/submissions/{visible.id}")
    comment = next(e for e in found if e["link"].endswith(f"/submissions/"
                                                          f"{record['comment'].id}"))
    assert comment["title"] == "BRA : commentaire sur OP2 (Rev.1)"
    assert comment["author"] == "Brésil"  # the delegation's name in French
    published = {e["title"] for e in found if e["category"] == "publication"}
    assert published == {"Zero draft publié", "Rev.1 publié"}
    # The same reader gets the same bytes (and the English reader other ones).
    assert client.get(FEED, headers={"Accept-Language": "fr"}).get_data() == \
        response.get_data()
    assert client.get(FEED).get_data() != response.get_data()
