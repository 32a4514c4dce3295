"""Moderators and delegates acting in one thread at the same moment.

Each action runs in its own thread as a POST request would (its own session; on SQLite a
write transaction that queues for the lock). One side is paused half-way, holding what it
holds, while the other starts; then both finish. Whatever the order, no reply may stay
visible under a hidden submission, and `under_hidden` must say exactly whether something
above a submission is hidden.
"""

import threading

from sqlalchemy import select

from consult.auth.models import User
from consult.comments import services as comments
from consult.comments.models import Submission
from consult.db import db
from consult.drafts.models import Paragraph
from consult.moderation import services
from tests.conftest import fresh


def in_request(app, work):
    """Run work() in a thread inside a POST request context; return (thread, outcome)."""
    outcome = {}

    def run():
        with app.test_request_context(method="POST"):
            try:
                outcome["result"] = work()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported through the outcome
                db.session.rollback()
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def pause_in(monkeypatch, owner, name):
    """Make owner.name stop the first time it is called until released; return the events."""
    real = getattr(owner, name)
    reached, release = threading.Event(), threading.Event()

    def paused(*args, **kwargs):
        if not reached.is_set():
            reached.set()
            release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, paused)
    return reached, release


def assert_invariant():
    """under_hidden is true exactly when some submission above is hidden."""
    fresh()
    rows = {s.id: s for s in db.session.scalars(select(Submission))}

    def above_hidden(s):
        parent = rows.get(s.parent_id)
        while parent is not None:
            if parent.is_hidden:
                return True
            parent = rows.get(parent.parent_id)
        return False

    wrong = [(s.id, s.under_hidden) for s in rows.values() if s.under_hidden != above_hidden(s)]
    assert wrong == []


def test_a_reply_written_while_its_parent_is_hidden_is_hidden_with_it(
        app, staff, can, thread, monkeypatch):
    amendment_id, op1_id, staff_id, can_id = (thread["amendment"].id, thread["paragraph"].id,
                                              staff.id, can.id)
    reached, release = pause_in(monkeypatch, comments, "_check_rate")  # after the parent is read
    replying, replied = in_request(app, lambda: comments.post_comment(
        db.session.get(User, can_id), db.session.get(Paragraph, op1_id), "racingwombat",
        parent_id=amendment_id).id)
    assert reached.wait(20)
    hiding, hidden = in_request(app, lambda: services.hide_submission(
        db.session.get(User, staff_id), db.session.get(Submission, amendment_id),
        reason_code="abusive"))
    hiding.join(0.5)  # the moderator now waits for the reply to be written
    release.set()
    replying.join(30)
    hiding.join(30)
    assert "error" not in replied and "error" not in hidden, (replied, hidden)
    assert_invariant()
    reply = db.session.get(Submission, replied["result"])
    assert reply.under_hidden
    page = app.test_client().get(f"/consultations/gpa/submissions/{reply.id}")
    assert page.status_code == 404


def test_a_reply_started_after_a_hide_began_is_refused(app, staff, can, thread, monkeypatch):
    amendment_id, op1_id, staff_id, can_id = (thread["amendment"].id, thread["paragraph"].id,
                                              staff.id, can.id)
    reached, release = pause_in(monkeypatch, services, "_mark_subtree")
    hiding, hidden = in_request(app, lambda: services.hide_submission(
        db.session.get(User, staff_id), db.session.get(Submission, amendment_id),
        reason_code="abusive"))
    assert reached.wait(20)
    replying, replied = in_request(app, lambda: comments.post_comment(
        db.session.get(User, can_id), db.session.get(Paragraph, op1_id), "racingwombat",
        parent_id=amendment_id).id)
    replying.join(0.5)
    release.set()
    hiding.join(30)
    replying.join(30)
    assert "error" not in hidden, hidden
    assert "not visible" in getattr(replied.get("error"), "message", ""), replied
    assert_invariant()


def test_two_restores_in_one_thread_at_once_leave_everything_consistent(
        app, staff, make_user, thread, monkeypatch):
    colleague = make_user("cofacilitator")
    services.hide_submission(staff, thread["reply"], reason_code="duplicate")
    services.hide_submission(staff, thread["amendment"], reason_code="abusive")
    db.session.commit()
    amendment_id, reply_id, staff_id, colleague_id = (thread["amendment"].id,
                                                      thread["reply"].id, staff.id,
                                                      colleague.id)
    reached, release = pause_in(monkeypatch, services, "_children")
    first, first_out = in_request(app, lambda: services.restore_submission(
        db.session.get(User, staff_id), db.session.get(Submission, amendment_id),
        reason="Fine after all."))
    assert reached.wait(20)
    second, second_out = in_request(app, lambda: services.restore_submission(
        db.session.get(User, colleague_id), db.session.get(Submission, reply_id),
        reason="Not a duplicate."))
    second.join(0.5)
    release.set()
    first.join(30)
    second.join(30)
    assert "error" not in first_out and "error" not in second_out, (first_out, second_out)
    assert_invariant()
    fresh()
    assert not any(s.is_hidden or s.under_hidden for s in db.session.scalars(select(Submission)))


def test_a_restore_and_a_hide_in_one_thread_at_once_leave_everything_consistent(
        app, staff, make_user, thread, monkeypatch):
    colleague = make_user("cofacilitator")
    services.hide_submission(staff, thread["amendment"], reason_code="abusive")
    db.session.commit()
    amendment_id, reply_id, staff_id, colleague_id = (thread["amendment"].id,
                                                      thread["reply"].id, staff.id,
                                                      colleague.id)
    reached, release = pause_in(monkeypatch, services, "_children")
    first, first_out = in_request(app, lambda: services.restore_submission(
        db.session.get(User, staff_id), db.session.get(Submission, amendment_id),
        reason="Fine after all."))
    assert reached.wait(20)
    second, second_out = in_request(app, lambda: services.hide_submission(
        db.session.get(User, colleague_id), db.session.get(Submission, reply_id),
        reason_code="off_topic"))
    second.join(0.5)
    release.set()
    first.join(30)
    second.join(30)
    assert "error" not in first_out and "error" not in second_out, (first_out, second_out)
    assert_invariant()
    fresh()
    assert db.session.get(Submission, thread["deeper"].id).under_hidden
    assert not db.session.get(Submission, amendment_id).is_hidden
