"""The moderation API: hide, restore, disposition, deadline, the public log; two at once."""

import threading

from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.auth.services import create_token
from consult.comments.models import Disposition, Submission
from consult.db import db
from tests.conftest import fresh
from consult.permissions import COMMAND_LINE


def bearer(user):
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def log_count(action=None):
    fresh()
    query = select(func.count(LogEntry.id))
    if action:
        query = query.where(LogEntry.action == action)
    return db.session.scalar(query)


def test_a_cofacilitator_hides_and_restores_through_the_api(client, staff, nor, thread):
    reply = thread["reply"].id
    response = client.post(f"/api/v1/comments/{reply}/hide", headers=bearer(staff),
                           json={"reason": "Not about the text.", "reason_code": "off_topic"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "hidden"
    assert client.get(f"/api/v1/comments/{reply}").status_code == 404
    assert client.get(f"/api/v1/comments/{thread['deeper'].id}").status_code == 404
    as_author = client.get(f"/api/v1/comments/{reply}", headers=bearer(nor))
    assert as_author.status_code == 200 and as_author.headers["Cache-Control"] == \
        "private, no-store"
    # The public thread no longer carries the reply (nor the reply under it).
    op1 = thread["paragraph"].id
    public = client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()
    assert public["count"] == 1 and public["submissions"][0]["replies"] == []
    restored = client.post(f"/api/v1/comments/{reply}/restore", headers=bearer(staff),
                           json={"reason": "Reconsidered."})
    assert restored.status_code == 200 and restored.get_json()["status"] == "active"
    assert client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()["count"] == 3
    log = client.get("/api/v1/moderation-log").get_json()
    assert [e["action"] for e in log["entries"]][:2] == ["submission.restore",
                                                         "submission.hide"]
    hide = log["entries"][1]
    assert hide["actor"] == {"name": staff.name, "role": "cofacilitator"}
    assert hide["reason"] == "Off topic: Not about the text."
    assert hide["reason_code"] == "off_topic"
    assert hide["target"]["type"] == "submission" and hide["target"]["id"] == reply
    assert hide["consultation"] == "gpa" and hide["at"]


def test_hiding_through_the_api_refuses_bad_requests_with_json_errors(
        client, staff, fra, make_user, thread):
    amendment = thread["amendment"].id
    url = f"/api/v1/comments/{amendment}/hide"
    cases = [
        ({}, bearer(staff), 400, "reason"),
        ({"reason": "  "}, bearer(staff), 400, "reason"),
        ({"reason_code": "because"}, bearer(staff), 400, "Choose why"),
        ({"reason": 7}, bearer(staff), 400, "string"),
        ({"reason": "x", "colour": "red"}, bearer(staff), 400, "Unknown field"),
        ({"reason": "x"}, bearer(fra), 403, "may not"),
        ({"reason": "x"}, {}, 401, "Log in"),
    ]
    for body, headers, status, words in cases:
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == status, (body, response.get_json())
        assert words in response.get_json()["error"]["message"], body
    assert client.post(url, headers=bearer(staff), data="reason=x").status_code == 400
    assert client.post("/api/v1/comments/999999/hide", headers=bearer(staff),
                       json={"reason": "x"}).status_code == 404
    assert client.post("/api/v1/comments/99999999999999/hide", headers=bearer(staff),
                       json={"reason": "x"}).status_code == 404
    assert log_count("submission.hide") == 0


def test_a_cofacilitator_of_another_consultation_cannot_touch_this_one(
        client, staff, make_user, thread):
    from consult.drafts import services as drafts

    other = drafts.create_consultation(COMMAND_LINE, slug="other", title="Other")
    db.session.commit()
    outsider = bearer(make_user("cofacilitator", consultations=[other]))
    amendment = thread["amendment"].id
    assert client.post(f"/api/v1/comments/{amendment}/hide", headers=outsider,
                       json={"reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/comments/{amendment}/disposition", headers=outsider,
                       json={"disposition": "incorporated"}).status_code == 403
    client.post(f"/api/v1/comments/{amendment}/hide", headers=bearer(staff),
                json={"reason": "x"})
    # Once hidden, it does not exist for them at all.
    assert client.post(f"/api/v1/comments/{amendment}/restore", headers=outsider,
                       json={"reason": "x"}).status_code == 404


def test_dispositions_through_the_api(client, staff, thread):
    amendment = thread["amendment"].id
    url = f"/api/v1/comments/{amendment}/disposition"
    for body, words in (({}, "disposition"), ({"disposition": "adopted"}, "Unknown"),
                        ({"disposition": "not_retained"}, "not retained"),
                        ({"disposition": "incorporated", "note": 5}, "string")):
        response = client.post(url, headers=bearer(staff), json=body)
        assert response.status_code == 400 and words in response.get_json()["error"]["message"]
    response = client.post(url, headers=bearer(staff),
                           json={"disposition": "partly_incorporated", "note": "In OP1."})
    assert response.status_code == 200
    assert response.get_json()["disposition"] == "partly_incorporated"
    public = client.get(f"/api/v1/comments/{amendment}").get_json()
    assert public["disposition"] == "partly_incorporated"
    reply = client.post(f"/api/v1/comments/{thread['reply'].id}/disposition",
                        headers=bearer(staff), json={"disposition": "incorporated"})
    assert reply.status_code == 400 and "Only a proposed amendment" in \
        reply.get_json()["error"]["message"]
    entry = client.get("/api/v1/moderation-log?action=submission.disposition").get_json()
    assert entry["total"] == 1
    assert entry["entries"][0]["details"] == {"disposition": "partly_incorporated",
                                              "previous": "pending"}
    assert entry["entries"][0]["reason"] == "In OP1."


def test_the_deadline_through_the_api(client, staff, fra, version):
    url = f"/api/v1/versions/{version.id}/deadline"
    assert client.post(url, headers=bearer(fra), json={"comments_close_at": "now",
                                                       "reason": "x"}).status_code == 403
    missing = client.post(url, headers=bearer(staff), json={"comments_close_at": "now"})
    assert missing.status_code == 400
    closed = client.post(url, headers=bearer(staff),
                         json={"comments_close_at": "now", "reason": "Consensus reached."})
    assert closed.status_code == 200
    op1 = next(p.id for p in version.paragraphs if p.label == "OP1")
    late = client.post(f"/api/v1/paragraphs/{op1}/comments", headers=bearer(fra),
                       json={"body": "Late"})
    assert late.status_code == 409 and "closed" in late.get_json()["error"]["message"]
    log = client.get("/api/v1/moderation-log?consultation=gpa&action=version.deadline")
    assert log.get_json()["entries"][0]["reason"] == "Consensus reached."


def test_the_log_api_refuses_bad_parameters(client):
    for query in ("per_page=0", "per_page=1000", "page=x", "page=-1", "action=nonsense"):
        response = client.get(f"/api/v1/moderation-log?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["message"]
    assert client.get("/api/v1/moderation-log?consultation=nowhere").status_code == 404


def _together(work, count=2):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_moderators_acting_at_once_leave_a_consistent_state_and_two_entries(
        app, staff, make_user, thread):
    colleague = make_user("cofacilitator")
    headers = [bearer(staff), bearer(colleague)]
    amendment = thread["amendment"].id
    requests = [(f"/api/v1/comments/{amendment}/hide", {"reason": "Offensive wording."}),
                (f"/api/v1/comments/{amendment}/disposition",
                 {"disposition": "not_retained", "note": "Outside the mandate."})]

    def act(index):
        path, body = requests[index]
        response = app.test_client().post(path, headers=headers[index], json=body)
        return response.status_code, response.get_json()

    results = _together(act)
    statuses = [status for status, _ in results]
    fresh()
    s = db.session.get(Submission, amendment)
    entries = db.session.scalars(select(LogEntry).where(LogEntry.target_id == amendment,
                                                         LogEntry.target_type == "submission")
                                 .order_by(LogEntry.id)).all()
    if statuses == [200, 200]:
        # The disposition came first, then the hide: both stand, both are logged.
        assert s.is_hidden and s.disposition == Disposition.not_retained
        assert [e.action for e in entries] == ["submission.disposition", "submission.hide"]
    else:
        # The hide came first: the disposition is refused clearly (hidden proposals wait).
        assert statuses == [200, 409], results
        assert "hidden" in results[1][1]["error"]["message"]
        assert s.is_hidden and s.disposition == Disposition.pending
        assert [e.action for e in entries] == ["submission.hide"]


def test_two_moderators_hiding_at_once_hide_once_and_log_once(app, staff, make_user, thread):
    colleague = make_user("cofacilitator")
    headers = [bearer(staff), bearer(colleague)]
    reply = thread["reply"].id

    def hide(index):
        return app.test_client().post(f"/api/v1/comments/{reply}/hide", headers=headers[index],
                                      json={"reason": f"Reason {index}"}).status_code

    assert sorted(_together(hide)) == [200, 409]
    assert log_count("submission.hide") == 1
    fresh()
    assert db.session.get(Submission, thread["deeper"].id).under_hidden


def test_two_moderators_deciding_at_once_leave_two_entries_and_the_later_decision(
        app, staff, make_user, thread):
    colleague = make_user("cofacilitator")
    headers = [bearer(staff), bearer(colleague)]
    amendment = thread["amendment"].id
    choices = ["incorporated", "partly_incorporated"]

    def decide(index):
        return app.test_client().post(
            f"/api/v1/comments/{amendment}/disposition", headers=headers[index],
            json={"disposition": choices[index]}).status_code

    assert _together(decide) == [200, 200]
    fresh()
    entries = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "submission.disposition").order_by(LogEntry.id)).all()
    assert len(entries) == 2
    # The entries chain: the second names the first's decision as its previous one, and
    # the stored disposition is the second's.
    assert entries[1].details["previous"] == entries[0].details["disposition"]
    assert db.session.get(Submission, amendment).disposition.value == \
        entries[1].details["disposition"]
