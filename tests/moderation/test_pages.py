"""Moderation pages: forms that work without JavaScript, refusals on the page, the log."""

import re

from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.comments import services as comments
from consult.comments.models import Disposition, Submission
from consult.db import db
from consult.moderation import services
from tests.comments.conftest import paragraph, publish_rev1
from tests.conftest import csrf_token, fresh, login


def submission_url(s):
    return f"/consultations/gpa/submissions/{s.id}"


def test_a_cofacilitator_hides_from_the_submission_page_and_the_author_sees_why(
        client, app, staff, nor, thread):
    reply = thread["reply"]
    login(client, staff.email)
    page = client.get(submission_url(reply)).get_data(as_text=True)
    assert "Hide this submission" in page and 'name="reason_code"' in page
    response = client.post(submission_url(reply) + "/hide", data={
        "csrf_token": csrf_token(client, submission_url(reply)), "reason_code": "personal_data",
        "reason": "Names a victim."})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    fresh()
    assert db.session.get(Submission, reply.id).is_hidden
    # The public: gone from the thread, its own page and the reply under it.
    public = app.test_client()
    assert public.get(submission_url(reply)).status_code == 404
    assert public.get(submission_url(thread["deeper"])).status_code == 404
    op1 = public.get(f"/consultations/gpa/versions/{reply.version_id}/paragraphs/OP1")
    assert "quetzalword" not in op1.get_data(as_text=True)
    assert "ocelotword" not in op1.get_data(as_text=True)
    # The author: told on their account page and on the submission's page, with the reason.
    author = app.test_client()
    login(author, nor.email)
    account = author.get("/account").get_data(as_text=True)
    assert "hidden by the co-facilitators" in account and "Names a victim." in account
    own = author.get(submission_url(reply))
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-store"
    text = own.get_data(as_text=True)
    assert "Personal data (for example about a victim)" in text and "Names a victim." in text
    # The log says who, when and why, to everyone.
    log = public.get("/moderation-log").get_data(as_text=True)
    assert staff.name in log and "submission hidden" in log and "Names a victim." in log
    assert "quetzalword" not in log


def test_a_refused_hide_comes_back_with_the_message_and_the_words(client, staff, thread):
    amendment = thread["amendment"]
    login(client, staff.email)
    token = csrf_token(client, submission_url(amendment))
    response = client.post(submission_url(amendment) + "/hide", data={
        "csrf_token": token, "reason_code": "other", "reason": ""})
    assert response.status_code == 400
    assert "Explain the reason in a few words." in response.get_data(as_text=True)
    response = client.post(submission_url(amendment) + "/hide", data={
        "csrf_token": token, "reason": "My careful explanation"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose why the submission is hidden." in page
    assert "My careful explanation" not in page or "<textarea" in page
    no_token = client.post(submission_url(amendment) + "/hide",
                           data={"reason_code": "abusive"})
    assert no_token.status_code == 400
    fresh()
    assert not db.session.get(Submission, amendment.id).is_hidden
    assert db.session.scalar(select(func.count(LogEntry.id)).where(
        LogEntry.action == "submission.hide")) == 0


def test_a_hide_refused_for_want_of_a_reason_keeps_the_words_typed(client, staff, thread):
    amendment = thread["amendment"]
    login(client, staff.email)
    response = client.post(submission_url(amendment) + "/hide", data={
        "csrf_token": csrf_token(client, submission_url(amendment)),
        "reason": "My careful explanation"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'<details class="hide-form" open>', page)
    assert re.search(r'<textarea name="reason" [^>]*>My careful explanation</textarea>', page)


def test_delegates_and_the_public_cannot_moderate(client, app, fra, nor, thread):
    amendment = thread["amendment"]
    anonymous = app.test_client()
    assert anonymous.post(submission_url(amendment) + "/hide",
                          data={"reason_code": "abusive"}).status_code in (302, 400)
    login(client, nor.email)
    token = csrf_token(client, submission_url(amendment))
    response = client.post(submission_url(amendment) + "/hide",
                           data={"csrf_token": token, "reason_code": "abusive"})
    assert response.status_code == 403
    assert "Hide this submission" not in client.get(submission_url(amendment)).get_data(
        as_text=True)
    assert client.get("/consultations/gpa/moderation").status_code == 403
    assert anonymous.get("/consultations/gpa/moderation").status_code == 302
    # A submission addressed under another consultation's name is not found.
    assert client.post(f"/consultations/other/submissions/{amendment.id}/hide",
                       data={"csrf_token": token, "reason_code": "abusive"}).status_code == 404
    fresh()
    assert not db.session.get(Submission, amendment.id).is_hidden


def test_disposition_and_restore_from_the_pages(client, app, staff, thread):
    amendment = thread["amendment"]
    login(client, staff.email)
    token = csrf_token(client, submission_url(amendment))
    response = client.post(submission_url(amendment) + "/disposition", data={
        "csrf_token": token, "disposition": "not_retained", "note": ""})
    assert response.status_code == 400
    assert "Say why the proposal is not retained." in response.get_data(as_text=True)
    response = client.post(submission_url(amendment) + "/disposition", data={
        "csrf_token": token, "disposition": "not_retained", "note": "Outside the mandate.",
        "next": "/consultations/gpa/moderation?show=pending"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/consultations/gpa/moderation?show=pending")
    public = app.test_client().get(submission_url(amendment)).get_data(as_text=True)
    assert "not retained" in public and "Outside the mandate." in public
    # Going back somewhere off the site is not followed.
    client.post(submission_url(thread["reply"]) + "/hide", data={
        "csrf_token": token, "reason_code": "duplicate", "next": "https://evil.example/"})
    restore = client.post(submission_url(thread["reply"]) + "/restore", data={
        "csrf_token": token, "reason": "Not a duplicate after all.",
        "next": "//evil.example/"})
    assert restore.status_code == 303 and "evil" not in restore.headers["Location"]
    fresh()
    assert not db.session.get(Submission, thread["reply"].id).is_hidden


def test_the_queue_lists_recent_pending_and_hidden(client, staff, thread):
    services.hide_submission(staff, thread["reply"], reason_code="duplicate",
                             reason="Same as s1.")
    db.session.commit()
    login(client, staff.email)
    recent = client.get("/consultations/gpa/moderation")
    assert recent.status_code == 200 and recent.headers["Cache-Control"] == "private, no-store"
    # The support is not an item of its own: it is on its amendment (test_queue_grouping).
    assert "3 submissions" in recent.get_data(as_text=True)
    hidden = client.get("/consultations/gpa/moderation?show=hidden").get_data(as_text=True)
    assert "1 submission" in hidden and "Same as s1." in hidden and "Restore" in hidden
    pending = client.get("/consultations/gpa/moderation?show=pending").get_data(as_text=True)
    assert "1 submission" in pending and "Record disposition" in pending
    assert client.get("/consultations/gpa/moderation?show=nonsense&page=abc").status_code \
        == 200


def test_publishing_offers_the_open_proposals_for_disposition_in_bulk(
        client, consultation, version, staff, fra, nor):
    from consult.drafts import services as drafts
    from tests.comments.conftest import REV1

    on_op1 = comments.propose_amendment(fra, paragraph(version, "OP1"),
                                        "*Calls upon* all States to act;")
    on_op2 = comments.propose_amendment(nor, paragraph(version, "OP2"),
                                        "*Urges* States to protect all victims:")
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=REV1)
    db.session.commit()
    login(client, staff.email)
    token = csrf_token(client, f"/consultations/gpa/versions/{draft.id}/review")
    published = client.post(f"/consultations/gpa/versions/{draft.id}/publish",
                            data={"csrf_token": token, "confirm": "yes"})
    assert published.headers["Location"].endswith(f"/versions/{draft.id}/dispositions")
    page = client.get(published.headers["Location"]).get_data(as_text=True)
    # The proposal on the edited OP1 is ticked; the one on the unchanged OP2 is not.
    assert re.search(rf'name="ids" value="{on_op1.id}" id="pick-{on_op1.id}" checked', page)
    assert re.search(rf'name="ids" value="{on_op2.id}" id="pick-{on_op2.id}">', page)
    response = client.post(f"/consultations/gpa/versions/{draft.id}/dispositions", data={
        "csrf_token": token, "ids": [str(on_op1.id)], "disposition": "incorporated",
        "note": ""})
    assert response.status_code == 303
    fresh()
    assert db.session.get(Submission, on_op1.id).disposition == Disposition.incorporated
    assert db.session.get(Submission, on_op2.id).disposition == Disposition.pending
    refused = client.post(f"/consultations/gpa/versions/{draft.id}/dispositions", data={
        "csrf_token": token, "ids": ["x"], "disposition": "incorporated"})
    assert refused.status_code == 400
    refused = client.post(f"/consultations/gpa/versions/{draft.id}/dispositions", data={
        "csrf_token": token, "disposition": "incorporated"})
    assert refused.status_code == 400 and "Choose at least one proposal." in \
        refused.get_data(as_text=True)


def test_the_workbench_shows_each_paragraph_with_its_open_proposals(
        client, consultation, version, staff, fra, nor):
    comments.propose_amendment(fra, paragraph(version, "OP2"),
                               "*Urges* States to protect and assist victims:")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    login(client, staff.email)
    page = client.get(f"/consultations/gpa/versions/{rev1.id}/workbench")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "1 open proposal" in text and "<ins>and assist </ins>" in text
    assert "Marked against the text of Zero draft." in text
    assert 'id="OP1"' in text
    focused = client.get(f"/consultations/gpa/versions/{rev1.id}/workbench?only=open")
    assert 'id="OP2"' in focused.get_data(as_text=True)
    assert 'id="OP1"' not in focused.get_data(as_text=True)
    delegate = client.application.test_client()
    login(delegate, fra.email)
    assert delegate.get(f"/consultations/gpa/versions/{rev1.id}/workbench").status_code == 403


def test_closing_comments_early_from_the_version_page(client, app, version, staff, fra):
    login(client, staff.email)
    url = f"/consultations/gpa/versions/{version.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Close comments now" in page
    token = csrf_token(client, url)
    refused = client.post(url + "/comment-period", data={"csrf_token": token,
                                                         "action": "close", "reason": ""})
    assert refused.status_code == 400 and "Say why the deadline changes" in \
        refused.get_data(as_text=True)
    closed = client.post(url + "/comment-period", data={
        "csrf_token": token, "action": "close", "reason": "Consensus reached."})
    assert closed.status_code == 303
    public = app.test_client()
    assert "Closed for comment." in public.get(url).get_data(as_text=True)
    assert "Consensus reached." in public.get("/consultations/gpa/log").get_data(as_text=True)
    delegate = app.test_client()
    login(delegate, fra.email)
    assert "Close comments now" not in delegate.get(url).get_data(as_text=True)


def test_the_public_log_pages_and_filters(client, staff, thread):
    for _ in range(3):
        services.hide_submission(staff, thread["reply"], reason_code="abusive")
        services.restore_submission(staff, thread["reply"], reason="Fine.")
    db.session.commit()
    everything = client.get("/moderation-log")
    assert everything.status_code == 200
    assert "7 entries" in everything.get_data(as_text=True)
    hides = client.get("/moderation-log?action=submission.hide").get_data(as_text=True)
    assert "3 entries" in hides
    assert client.get("/consultations/gpa/log?action=submission.restore").status_code == 200
    bad = client.get("/moderation-log?action=%3Cscript%3E")
    assert bad.status_code == 400 and "Unknown action" in bad.get_data(as_text=True)
    assert "<script>" not in bad.get_data(as_text=True)
    assert client.get("/consultations/nowhere/log").status_code == 404


def test_a_refusal_from_the_queue_keeps_the_way_back_to_the_queue(client, staff, thread):
    amendment = thread["amendment"]
    login(client, staff.email)
    token = csrf_token(client, "/consultations/gpa/moderation")
    refused = client.post(submission_url(amendment) + "/hide", data={
        "csrf_token": token, "reason_code": "other", "reason": "",
        "next": "/consultations/gpa/moderation?show=pending"})
    assert refused.status_code == 400
    assert 'name="next" value="/consultations/gpa/moderation?show=pending"' in \
        refused.get_data(as_text=True)
    foreign = client.post(submission_url(amendment) + "/hide", data={
        "csrf_token": token, "reason_code": "other", "reason": "",
        "next": "https://evil.example/"})
    assert "evil.example" not in foreign.get_data(as_text=True)
    done = client.post(submission_url(amendment) + "/hide", data={
        "csrf_token": token, "reason_code": "other", "reason": "Explained now.",
        "next": "/consultations/gpa/moderation?show=pending"})
    assert done.headers["Location"].endswith("/consultations/gpa/moderation?show=pending")
