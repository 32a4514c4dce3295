"""Delegates acting at the same moment: nothing lost, no double support, no lost edit, no 500."""

import threading

from sqlalchemy import func, select

from consult.auth.services import create_token
from consult.comments import services
from consult.comments.models import Submission, SubmissionKind, SubmissionRevision
from consult.db import db
from tests.comments.conftest import paragraph
from tests.conftest import fresh
from consult.permissions import COMMAND_LINE

CODES = ["FRA", "NOR", "CAN", "DEU", "ITA", "ESP", "PRT", "BRA", "ARG", "MEX",
         "NGA", "KEN", "EGY", "IND", "JPN", "CHN", "AUS", "NZL", "ZAF", "CHL"]


def _together(count, work):
    """Run work(index) in `count` threads released at the same moment; return results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _headers(user):
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_twenty_delegations_posting_through_the_services_at_once_are_all_stored(
        app, version, make_user):
    op1_id = paragraph(version, "OP1").id
    user_ids = [make_user("delegate", delegation=code).id for code in CODES]

    def post(index):
        # Each thread is its own POST request: its own app context, hence its own session
        # (and, on SQLite, a write transaction that queues for the lock as requests do).
        from consult.auth.models import User
        from consult.drafts.models import Paragraph

        with app.test_request_context(method="POST"):
            try:
                actor = db.session.get(User, user_ids[index])
                services.post_comment(actor, db.session.get(Paragraph, op1_id),
                                      f"Delegation {CODES[index]} speaks.")
                db.session.commit()
                return "ok"
            except Exception as exc:  # noqa: BLE001 - any error is reported by the assertion
                db.session.rollback()
                return repr(exc)
            finally:
                db.session.remove()

    assert _together(len(CODES), post) == ["ok"] * len(CODES)
    fresh()
    current, _ = services.paragraph_threads(None, paragraph(version, "OP1"))
    assert current.count == 20
    assert sorted(i.submission.delegation.code for i in current.items) == sorted(CODES)


def test_two_delegations_supporting_at_once_are_both_recorded(app, version, fra, nor, can):
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "New wording.")
    db.session.commit()
    headers = [_headers(nor), _headers(can)]
    op1 = paragraph(version, "OP1").id

    def support(index):
        return app.test_client().post(
            f"/api/v1/paragraphs/{op1}/comments", headers=headers[index],
            json={"kind": "support", "parent_id": amendment.id}).status_code

    assert _together(2, support) == [201, 201]
    fresh()
    assert sorted(d.code for d in services.supporters_of(amendment)) == ["CAN", "NOR"]


def test_one_delegation_supporting_twice_at_once_is_recorded_once(app, version, fra, nor,
                                                                  make_user):
    colleague = make_user("delegate", delegation="NOR")
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "New wording.")
    db.session.commit()
    headers = [_headers(nor), _headers(colleague)]
    op1 = paragraph(version, "OP1").id

    def support(index):
        response = app.test_client().post(
            f"/api/v1/paragraphs/{op1}/comments", headers=headers[index],
            json={"kind": "support", "parent_id": amendment.id})
        return response.status_code, response.get_json()

    results = _together(2, support)
    assert sorted(status for status, _ in results) == [201, 409]
    refused = next(body for status, body in results if status == 409)
    assert "already supports" in refused["error"]["message"]
    fresh()
    assert [d.code for d in services.supporters_of(amendment)] == ["NOR"]
    assert db.session.scalar(select(func.count(Submission.id)).where(
        Submission.kind == SubmissionKind.support)) == 1


def test_two_edits_from_the_same_revision_apply_one_and_refuse_the_other(app, version, fra):
    comment = services.post_comment(fra, paragraph(version, "OP1"), "Original text.")
    db.session.commit()
    headers = _headers(fra)
    texts = ["First edit.", "Second edit."]

    def edit(index):
        response = app.test_client().patch(
            f"/api/v1/comments/{comment.id}", headers=headers,
            json={"body": texts[index], "revision": 0})
        return response.status_code

    statuses = _together(2, edit)
    assert sorted(statuses) == [200, 409]
    fresh()
    found = db.session.get(Submission, comment.id)
    winner = texts[statuses.index(200)]
    assert found.revision == 1 and found.body == winner
    history = db.session.scalars(select(SubmissionRevision).where(
        SubmissionRevision.submission_id == comment.id)).all()
    assert [(r.number, r.body) for r in history] == [(0, "Original text.")]
