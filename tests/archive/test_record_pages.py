"""Archive pages: a paragraph's whole history, and every visible submission."""

import re

from consult.auth.delegation_page import delegation_submissions
from consult.comments import services as comments
from consult.db import db
from consult.moderation.services import hide_submission
from tests.comments.conftest import paragraph, publish_rev1


def test_a_paragraph_key_shows_its_wording_in_every_version_with_changes_marked(
        client, consultation, version, staff, fra):
    op1 = paragraph(version, "OP1")
    comments.post_comment(fra, op1, "On the zero draft.")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)  # OP1: "act;" became "act without delay;"
    response = client.get(f"/consultations/gpa/paragraphs/{op1.key.key}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "History of OP1" in text
    assert re.search(r"<ins>\s*without delay\s*</ins>", text)
    assert "1 comment or proposal" in text and "Zero draft" in text and "Rev.1" in text
    assert f"/versions/{rev1.id}/paragraphs/OP1" in text
    # The paragraph Rev.1 dropped says where its life ended.
    op3 = paragraph(version, "OP3")
    ended = client.get(f"/consultations/gpa/paragraphs/{op3.key.key}").get_data(as_text=True)
    assert "Rev.1 no longer has this paragraph." in ended
    # Reached from the paragraph page.
    page = client.get(f"/consultations/gpa/versions/{rev1.id}/paragraphs/OP1")
    assert f"/consultations/gpa/paragraphs/{op1.key.key}" in page.get_data(as_text=True)


def test_unknown_keys_and_keys_only_in_drafts_are_not_found(client, consultation, version,
                                                            staff):
    from consult.drafts import services as drafts
    from tests.comments.conftest import REV1

    draft = drafts.create_version(staff, consultation, label="Rev.1",
                                  text=REV1 + "\n4. *Requests* a secret report.\n")
    db.session.commit()
    new_key = next(p.key.key for p in draft.paragraphs if "secret report" in p.text)
    assert client.get(f"/consultations/gpa/paragraphs/{new_key}").status_code == 404
    assert client.get("/consultations/gpa/paragraphs/knothere").status_code == 404
    assert client.get("/consultations/gpa/paragraphs/" + "k" * 300).status_code == 404
    assert client.get(f"/consultations/other/paragraphs/{new_key}").status_code == 404


def test_every_visible_submission_is_listed_and_filtered(client, version, staff, fra, nor,
                                                         can):
    op1 = paragraph(version, "OP1")
    kept = comments.post_comment(fra, op1, "Kept.")
    amendment = comments.propose_amendment(nor, op1, "*Calls upon* all States to act;")
    hidden = comments.post_comment(can, op1, "Hidden text.")
    withdrawn = comments.post_statement(fra, version, "Withdrawn statement.")
    comments.withdraw_submission(fra, withdrawn)
    hide_submission(staff, hidden, reason_code="abusive")
    db.session.commit()
    text = client.get("/consultations/gpa/submissions").get_data(as_text=True)
    assert "3 submissions" in text
    for s in (kept, amendment, withdrawn):
        assert f"/consultations/gpa/submissions/{s.id}" in text
    assert f"/consultations/gpa/submissions/{hidden.id}\"" not in text
    assert "Withdrawn" in text
    only = client.get("/consultations/gpa/submissions?kind=amendment").get_data(as_text=True)
    assert "1 submission" in only and f"/submissions/{amendment.id}" in only
    bad = client.get("/consultations/gpa/submissions?kind=poem")
    assert bad.status_code == 400 and "Unknown kind" in bad.get_data(as_text=True)
    assert client.get("/consultations/gpa/submissions?page=abc").status_code == 200
    assert client.get("/consultations/nowhere/submissions").status_code == 404


def test_a_delegation_page_reaches_everything_it_submitted(client, version, fra, staff):
    op1 = paragraph(version, "OP1")
    posted = [comments.post_comment(fra, op1, f"Comment {n}.") for n in range(5)]
    hide_submission(staff, posted[0], reason_code="duplicate")
    db.session.commit()
    first, total = delegation_submissions(None, fra.delegation, page=1, per_page=3)
    second, _ = delegation_submissions(None, fra.delegation, page=2, per_page=3)
    assert total == 4
    assert [s.id for s in first + second] == [s.id for s in reversed(posted[1:])]
    page = client.get("/delegations/FRA").get_data(as_text=True)
    assert "4 public submissions" in page
    assert client.get("/delegations/FRA?page=zz").status_code == 200


def test_public_pages_can_sit_in_a_cdn_for_anonymous_readers_only(client, app, version,
                                                                  fra):
    from tests.conftest import login

    url = f"/consultations/gpa/versions/{version.id}"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Set-Cookie" not in first.headers and "Cookie" in first.headers["Vary"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    reader = app.test_client()
    login(reader, fra.email)
    mine = reader.get(url)
    assert mine.headers["Cache-Control"] == "private, no-cache"


def test_texts_of_published_versions_say_when_they_last_changed(client, consultation, version,
                                                                 staff):
    rev1 = publish_rev1(staff, consultation)
    for url in (f"/api/v1/versions/{rev1.id}/akn.xml",
                f"/api/v1/versions/{version.id}/diff/{rev1.id}"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"], url
        assert first.last_modified.replace(tzinfo=None) == \
            rev1.published_at.replace(microsecond=0, tzinfo=None), url
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, url


def test_a_page_that_starts_a_session_is_never_marked_public(client):
    response = client.get("/login")  # its form carries a CSRF token kept in the session
    assert "Set-Cookie" in response.headers
    assert "public" not in response.headers["Cache-Control"]
