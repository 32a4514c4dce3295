"""Moderation services: hiding, restoring, dispositions, deadlines, the log."""

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from consult.audit.models import LogEntry
from consult.comments import services as comments
from consult.comments.models import Disposition, Submission
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from consult.moderation import services
from consult.search.models import SearchOutbox
from tests.comments.conftest import REV1, paragraph, publish_rev1
from tests.conftest import fresh
from consult.permissions import COMMAND_LINE


def log_actions():
    return [(e.action, e.target_id) for e in db.session.scalars(
        select(LogEntry).order_by(LogEntry.id))]


def state(submission_id):
    fresh()
    s = db.session.get(Submission, submission_id)
    return (s.is_hidden, s.under_hidden, s.disposition, s.disposition_note)


@pytest.fixture
def refused():
    """refused(error, match, call, …): the call fails clearly and changes nothing."""

    def check(error, match, call, *args, **kwargs):
        db.session.commit()
        before = (db.session.scalar(select(func.count(LogEntry.id))),
                  db.session.scalar(select(func.count(SearchOutbox.id))),
                  [(s.id, s.is_hidden, s.under_hidden, s.disposition, s.disposition_note)
                   for s in db.session.scalars(select(Submission).order_by(Submission.id))])
        with pytest.raises(error, match=match) as caught:
            call(*args, **kwargs)
        assert caught.value.message
        db.session.rollback()
        fresh()
        after = (db.session.scalar(select(func.count(LogEntry.id))),
                 db.session.scalar(select(func.count(SearchOutbox.id))),
                 [(s.id, s.is_hidden, s.under_hidden, s.disposition, s.disposition_note)
                  for s in db.session.scalars(select(Submission).order_by(Submission.id))])
        assert after == before
        return caught.value

    return check


# --- hiding and restoring ----------------------------------------------------------------


def test_hiding_keeps_the_text_hides_the_replies_logs_and_queues_the_index(
        version, staff, fra, nor, thread):
    amendment = thread["amendment"]
    db.session.execute(text("DELETE FROM search_outbox"))
    services.hide_submission(staff, amendment, reason_code="abusive", reason="Insults.")
    db.session.commit()
    fresh()
    hidden = db.session.get(Submission, amendment.id)
    assert hidden.is_hidden and hidden.hidden_reason == "Insults."
    assert hidden.hidden_reason_code == "abusive" and hidden.hidden_by_id == staff.id
    assert hidden.body == "Explanation zanzibarword"  # stored, not deleted
    # Every reply and the support below it are hidden with it, at any depth.
    for key in ("reply", "deeper", "support"):
        assert db.session.get(Submission, thread[key].id).under_hidden
    # The public sees none of them, in the thread or in counts, nor as a supporter.
    current, _earlier = comments.paragraph_threads(None, thread["paragraph"])
    assert current.items == []
    assert comments.count_submissions(None, version).get(thread["paragraph"].id, 0) == 0
    # The index is told about all four in the same transaction.
    queued = set(db.session.scalars(select(SearchOutbox.object_id)))
    assert queued == {thread[k].id for k in ("amendment", "reply", "deeper", "support")}
    entry = db.session.scalars(select(LogEntry).where(LogEntry.action == "submission.hide")).one()
    assert entry.actor_name == staff.name and entry.actor_role == "cofacilitator"
    # The target is recorded as facts (worded in each reader's language when read), and
    # still labelled in English for the programs that read `target_label`.
    assert entry.reason == "Insults." and entry.details == {
        "reason_code": "abusive",
        "target": {"kind": "amendment", "reply": False, "delegation": "FRA", "proposer": None,
                   "version_label": "Zero draft", "paragraph": "OP1"}}
    assert entry.target_id == amendment.id and "zanzibarword" not in entry.target_label
    assert entry.target_label == "amendment FRA Zero draft OP1"


def test_the_author_and_moderators_still_read_a_hidden_submission(version, staff, fra, nor,
                                                                     thread):
    services.hide_submission(staff, thread["reply"], reason_code="off_topic")
    db.session.commit()
    fresh()
    reply = db.session.get(Submission, thread["reply"].id)
    assert comments.get_submission(nor, reply.id).id == reply.id
    assert comments.get_submission(staff, reply.id).id == reply.id
    with pytest.raises(NotFound):
        comments.get_submission(None, reply.id)
    with pytest.raises(NotFound):
        comments.get_submission(fra, reply.id)
    # The reply under the hidden reply cannot be opened on its own by the public either.
    with pytest.raises(NotFound):
        comments.get_submission(None, thread["deeper"].id)
    assert services.hidden_submissions_of(nor) == [reply]
    # The amendment above stays visible, with its support.
    assert comments.get_submission(None, thread["amendment"].id)
    assert [d.code for d in comments.supporters_of(thread["amendment"])] == ["NOR"]


def test_restoring_shows_the_thread_again_but_keeps_a_reply_hidden_on_its_own(
        version, staff, thread):
    services.hide_submission(staff, thread["reply"], reason_code="duplicate")
    services.hide_submission(staff, thread["amendment"], reason_code="other",
                             reason="Checking the wording.")
    db.session.commit()
    services.restore_submission(staff, thread["amendment"], reason="Checked: in order.")
    db.session.commit()
    assert state(thread["amendment"].id)[:2] == (False, False)
    assert state(thread["support"].id)[:2] == (False, False)
    # The reply was hidden for its own reason: it stays hidden, and so does what is under it.
    assert state(thread["reply"].id)[:2] == (True, False)
    assert state(thread["deeper"].id)[:2] == (False, True)
    assert [a for a, _ in log_actions()] == ["version.publish", "submission.hide",
                                             "submission.hide", "submission.restore"]
    restored = db.session.scalars(
        select(LogEntry).where(LogEntry.action == "submission.restore")).one()
    assert restored.reason == "Checked: in order."


def test_hiding_needs_a_reason_from_the_list_and_words_for_another_reason(
        version, staff, thread, refused):
    amendment = thread["amendment"]
    refused(Invalid, "Choose why", services.hide_submission, staff, amendment, reason_code="")
    refused(Invalid, "Choose why", services.hide_submission, staff, amendment,
            reason_code="because")
    refused(Invalid, "Choose why", services.hide_submission, staff, amendment, reason_code=None)
    refused(Invalid, "Explain", services.hide_submission, staff, amendment,
            reason_code="other", reason="   ")
    refused(Invalid, "under 2000", services.hide_submission, staff, amendment,
            reason_code="other", reason="x" * 2001)


def test_only_the_consultations_staff_moderate(version, staff, fra, make_user, thread,
                                                refused):
    from consult.drafts.models import Consultation

    elsewhere = drafts.create_consultation(COMMAND_LINE, slug="other", title="Other")
    db.session.commit()
    outsider = make_user("cofacilitator", consultations=[elsewhere])
    secretariat = make_user("secretariat")
    amendment = thread["amendment"]
    refused(Forbidden, "may not", services.hide_submission, fra, amendment,
            reason_code="abusive")
    refused(Forbidden, "may not", services.hide_submission, outsider, amendment,
            reason_code="abusive")
    refused(Forbidden, "may not", services.set_disposition, outsider, amendment, "incorporated")
    refused(Forbidden, "may not", services.set_disposition, fra, amendment, "incorporated")
    refused(Unauthorized, "log in", services.hide_submission, None, amendment,
            reason_code="abusive")
    # The secretariat runs every consultation.
    services.hide_submission(secretariat, amendment, reason_code="abusive")
    db.session.commit()
    assert state(amendment.id)[0] is True
    assert db.session.scalar(select(func.count(Consultation.id))) == 2


def test_hiding_twice_or_restoring_what_is_shown_is_refused(version, staff, thread, refused):
    services.hide_submission(staff, thread["reply"], reason_code="off_topic")
    db.session.commit()
    refused(Conflict, "already hidden", services.hide_submission, staff, thread["reply"],
            reason_code="abusive")
    refused(Conflict, "not hidden", services.restore_submission, staff, thread["amendment"],
            reason="why not")
    refused(Invalid, "Say why", services.restore_submission, staff, thread["reply"],
            reason="")


def test_no_one_can_reply_to_support_or_edit_under_a_hidden_submission(
        version, staff, fra, nor, can, thread):
    services.hide_submission(staff, thread["amendment"], reason_code="abusive")
    db.session.commit()
    op1 = thread["paragraph"]
    with pytest.raises(NotFound):
        comments.post_comment(can, op1, "Reply under hidden", parent_id=thread["reply"].id)
    db.session.rollback()
    with pytest.raises(NotFound):
        comments.support_amendment(can, thread["amendment"])
    db.session.rollback()
    with pytest.raises(Conflict):
        comments.edit_submission(nor, thread["reply"], body="Changed")
    db.session.rollback()


# --- dispositions ------------------------------------------------------------------------


def test_a_disposition_is_recorded_logged_and_can_change(version, staff, thread):
    amendment = thread["amendment"]
    services.set_disposition(staff, amendment, "partly_incorporated", "Kept 'at once'.")
    db.session.commit()
    services.set_disposition(staff, amendment, "incorporated")
    db.session.commit()
    assert state(amendment.id)[2:] == (Disposition.incorporated, None)
    entries = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "submission.disposition").order_by(LogEntry.id)).all()
    assert [{k: v for k, v in e.details.items() if k != "target"} for e in entries] == [
        {"disposition": "partly_incorporated", "previous": "pending"},
        {"disposition": "incorporated", "previous": "partly_incorporated"}]
    assert entries[0].reason == "Kept 'at once'."
    fresh()
    assert db.session.get(Submission, amendment.id).disposition_by_id == staff.id


def test_bad_dispositions_are_refused_and_change_nothing(version, staff, fra, thread,
                                                         refused):
    amendment = thread["amendment"]
    refused(Invalid, "Unknown disposition", services.set_disposition, staff, amendment,
            "accepted")
    refused(Invalid, "Unknown disposition", services.set_disposition, staff, amendment, None)
    refused(Invalid, "Unknown disposition", services.set_disposition, staff, amendment, 3)
    refused(Invalid, "not retained", services.set_disposition, staff, amendment,
            "not_retained", "  ")
    refused(Invalid, "Only a proposed amendment", services.set_disposition, staff,
            thread["reply"], "incorporated")
    refused(Conflict, "nothing changed", services.set_disposition, staff, amendment, "pending")
    comments.withdraw_submission(fra, amendment)
    db.session.commit()
    refused(Conflict, "withdrawn", services.set_disposition, staff, amendment, "incorporated")


def test_a_hidden_proposal_gets_no_disposition_until_restored(version, staff, thread,
                                                              refused):
    services.hide_submission(staff, thread["amendment"], reason_code="abusive")
    db.session.commit()
    refused(Conflict, "hidden", services.set_disposition, staff, thread["amendment"],
            "incorporated")


def test_after_publication_proposals_on_changed_paragraphs_are_offered_and_settled_in_bulk(
        consultation, version, staff, fra, nor, can, refused):
    op1, op2, op3 = (paragraph(version, label) for label in ("OP1", "OP2", "OP3"))
    on_op1 = comments.propose_amendment(fra, op1, "*Calls upon* all States to act;")
    on_op2 = comments.propose_amendment(nor, op2, "*Urges* States to protect all victims:")
    on_op3 = comments.propose_amendment(can, op3, "*Decides* to review the plan yearly.")
    settled = comments.propose_amendment(can, op1, "*Calls upon* States to act;")
    services.set_disposition(staff, settled, "not_retained", "Too narrow.")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)  # OP1 edited, OP3 removed, OP2 unchanged
    groups = services.proposals_to_settle(staff, rev1)
    assert [(g.old.label, g.change, [p.submission.id for p in g.proposals]) for g in groups] \
        == [("OP1", "edited", [on_op1.id]), ("OP3", "removed", [on_op3.id]),
            ("OP2", "kept", [on_op2.id])]
    assert [g.changed for g in groups] == [True, True, False]
    with pytest.raises(Forbidden):
        services.proposals_to_settle(fra, rev1)
    changed = services.set_dispositions(staff, rev1, [on_op1.id, on_op3.id], "incorporated",
                                        "Reflected in Rev.1.")
    db.session.commit()
    assert changed == 2
    assert state(on_op1.id)[2] == Disposition.incorporated
    assert state(on_op3.id)[2] == Disposition.incorporated
    assert state(on_op2.id)[2] == Disposition.pending
    assert [g.old.label for g in services.proposals_to_settle(staff, rev1)] == ["OP2"]
    bulk = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "submission.disposition", LogEntry.target_id == on_op3.id)).one()
    assert bulk.details["bulk"] is True and bulk.reason == "Reflected in Rev.1."


def test_bulk_dispositions_refuse_proposals_of_another_consultation(
        consultation, version, staff, fra, make_user, refused):
    other = drafts.create_consultation(COMMAND_LINE, slug="other", title="Other")
    db.session.commit()
    other_staff = make_user("cofacilitator", consultations=[other])
    other_version = drafts.create_version(other_staff, other, label="Zero", text=REV1,
                                          comments_close_at=utcnow() + dt.timedelta(days=3),
                                          publish=True)
    db.session.commit()
    mine = comments.propose_amendment(fra, paragraph(version, "OP1"), "Something else;")
    theirs = comments.propose_amendment(fra, paragraph(other_version, "OP1"), "Else;")
    db.session.commit()
    refused(Invalid, "not of this consultation", services.set_dispositions, staff, version,
            [mine.id, theirs.id], "incorporated")
    refused(Invalid, "at least one", services.set_dispositions, staff, version, [],
            "incorporated")
    refused(Invalid, "not of this consultation", services.set_dispositions, staff, version,
            [mine.id, 999999], "incorporated")


def test_the_workbench_lists_open_proposals_per_key_from_earlier_versions_too(
        consultation, version, staff, fra, nor, can):
    op1 = paragraph(version, "OP1")
    early = comments.propose_amendment(fra, op1, "*Calls upon* all States to act;")
    decided = comments.propose_amendment(nor, op1, "*Calls upon* States to act now;")
    services.set_disposition(staff, decided, "incorporated")
    comments.support_amendment(can, early)
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    late = comments.propose_amendment(nor, paragraph(rev1, "OP1"), "*Calls upon* us;")
    db.session.commit()
    found = services.open_proposals(staff, rev1)
    key = paragraph(rev1, "OP1").key_id
    assert [(p.submission.id, [d.code for d in p.supporters]) for p in found[key]] == [
        (early.id, ["CAN"]), (late.id, [])]
    everything = services.open_proposals(staff, rev1, include_settled=True)
    assert [p.submission.id for p in everything[key]] == [early.id, decided.id, late.id]
    with pytest.raises(Forbidden):
        services.open_proposals(fra, rev1)


# --- deadlines ---------------------------------------------------------------------------


def test_closing_comments_early_refuses_new_posts_and_extending_reopens(
        version, staff, fra, refused):
    op1 = paragraph(version, "OP1")
    services.change_deadline(staff, version, "now", reason="Agreement reached early.")
    db.session.commit()
    with pytest.raises(Conflict, match="closed"):
        comments.post_comment(fra, op1, "Too late")
    db.session.rollback()
    later = (utcnow() + dt.timedelta(days=5)).replace(microsecond=0)
    services.change_deadline(staff, version, later.isoformat(), reason="More time requested.")
    db.session.commit()
    comments.post_comment(fra, op1, "In time again")
    db.session.commit()
    entries = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "version.deadline").order_by(LogEntry.id)).all()
    assert [e.reason for e in entries] == ["Agreement reached early.", "More time requested."]
    assert entries[1].details["to"] == later.isoformat()
    refused(Invalid, "Say why", services.change_deadline, staff, version, later.isoformat(),
            reason="")
    refused(Invalid, "already passed", services.change_deadline, staff, version,
            "2011-01-01T00:00", reason="Oops")
    refused(Invalid, "date and time", services.change_deadline, staff, version, "tomorrow",
            reason="Oops")
    refused(Invalid, "already the deadline", services.change_deadline, staff, version,
            later.isoformat(), reason="Same")
    refused(Forbidden, "may not", services.change_deadline, fra, version, "now", reason="x")


def test_closing_twice_keeps_the_first_closing_time(version, staff, refused):
    services.change_deadline(staff, version, "now", reason="Consensus reached.")
    db.session.commit()
    first = version.comments_close_at
    refused(Conflict, "already closed", services.change_deadline, staff, version, "now",
            reason="Closing again.", now=first + dt.timedelta(days=2))
    fresh()
    assert db.session.get(type(version), version.id).comments_close_at == first


def test_a_paragraph_that_only_moved_is_offered_but_not_ticked(consultation, version, staff,
                                                               fra):
    from tests.conftest import SMALL_DRAFT

    on_pp1 = comments.propose_amendment(fra, paragraph(version, "PP1"),
                                        "*Recalling* the Charter and its purposes,")
    db.session.commit()
    swapped = SMALL_DRAFT.replace(
        "*Recalling* the Charter of the United Nations,\n\n*Concerned* by trafficking in "
        "persons,", "*Concerned* by trafficking in persons,\n\n*Recalling* the Charter of "
        "the United Nations,")
    assert swapped != SMALL_DRAFT
    rev1 = drafts.create_version(staff, consultation, label="Rev.1", text=swapped,
                                 comments_close_at=utcnow() + dt.timedelta(days=3),
                                 publish=True)
    db.session.commit()
    (group,) = services.proposals_to_settle(staff, rev1)
    assert group.old.id == on_pp1.paragraph_id and group.change == "moved"
    assert not group.changed


def test_a_superseded_version_has_no_comment_period_to_change(consultation, version, staff,
                                                              refused):
    publish_rev1(staff, consultation)
    refused(Conflict, "newest published", services.change_deadline, staff, version, "now",
            reason="Closing")


# --- the log -----------------------------------------------------------------------------


def test_the_log_lists_newest_first_and_filters(consultation, version, staff, thread):
    services.hide_submission(staff, thread["reply"], reason_code="off_topic")
    services.set_disposition(staff, thread["amendment"], "incorporated")
    db.session.commit()
    log = services.list_log(consultation=consultation)
    assert [e.action for e in log.entries] == ["submission.disposition", "submission.hide",
                                               "version.publish"]
    assert services.list_log(action="submission.hide").total == 1
    with pytest.raises(Invalid):
        services.list_log(action="drop table")
    with pytest.raises(Invalid):
        services.list_log(per_page=0)


def test_the_log_is_append_only_in_the_database_itself(version, staff):
    entry = db.session.scalars(select(LogEntry)).one()
    entry.reason = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE log_entry SET reason = 'rewritten'"))
    db.session.rollback()
    fresh()
    assert db.session.scalars(select(LogEntry.reason)).one() == ""
