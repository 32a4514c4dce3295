"""Participation at the service level: what each action stores, and what it refuses."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.comments import services
from consult.moderation.services import hide_submission
from consult.comments.models import Submission, SubmissionRevision
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.errors import Conflict, Forbidden, Invalid, NotFound, TooMany, Unauthorized
from tests.comments.conftest import paragraph, publish_rev1
from tests.conftest import SMALL_DRAFT


def stored() -> int:
    return db.session.scalar(select(func.count(Submission.id)))


def test_comment_is_attributed_time_stamped_and_rendered_once(version, fra):
    op1 = paragraph(version, "OP1")
    before = utcnow()
    comment = services.post_comment(fra, op1, "We **support** this paragraph.", language="en")
    db.session.commit()
    assert comment.delegation.code == "FRA" and comment.author.name == "Delegate of France"
    assert comment.created_at >= before and comment.language == "en"
    assert comment.body_html == "<p>We <strong>support</strong> this paragraph.</p>\n"
    current, _ = services.paragraph_threads(None, op1)
    assert [i.submission.id for i in current.items] == [comment.id]


def test_replies_nest_under_their_parent(version, fra, nor):
    op1 = paragraph(version, "OP1")
    first = services.post_comment(fra, op1, "First")
    reply = services.post_comment(nor, op1, "A reply", parent_id=first.id)
    services.post_comment(fra, op1, "Reply to the reply", parent_id=reply.id)
    db.session.commit()
    current, _ = services.paragraph_threads(None, op1)
    assert len(current.items) == 1 and current.count == 3
    assert current.items[0].replies[0].submission.body == "A reply"
    assert current.items[0].replies[0].replies[0].submission.body == "Reply to the reply"


def test_amendment_shows_word_changes_against_the_current_text(version, fra):
    op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(
        fra, op1, "*Calls upon* all Member States to act <now>;", "Stronger & clearer")
    assert "<ins> all</ins> Member States" in amendment.proposed_diff_html
    assert "<ins> &lt;now&gt;</ins>" in amendment.proposed_diff_html
    assert amendment.disposition.value == "pending"
    assert amendment.body_html == "<p>Stronger &amp; clearer</p>\n"


def test_support_attribution_withdrawal_and_renewal(version, fra, nor, can):
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "Replace it.")
    services.support_amendment(nor, amendment)
    services.support_amendment(can, amendment)
    db.session.commit()
    assert [d.code for d in services.supporters_of(amendment)] == ["NOR", "CAN"]
    with pytest.raises(Conflict, match="already supports"):
        services.support_amendment(nor, amendment)
    with pytest.raises(Invalid, match="own delegation"):
        services.support_amendment(fra, amendment)
    services.withdraw_support(nor, amendment)
    db.session.commit()
    assert [d.code for d in services.supporters_of(amendment)] == ["CAN"]
    services.support_amendment(nor, amendment)  # support may be given again
    db.session.commit()
    assert [d.code for d in services.supporters_of(amendment)] == ["CAN", "NOR"]
    # The withdrawn support stays in the record.
    assert db.session.scalar(select(func.count(Submission.id)).where(
        Submission.kind == "support", Submission.status == "withdrawn")) == 1


def test_any_member_of_a_delegation_may_withdraw_its_support(version, fra, nor, make_user):
    colleague = make_user("delegate", delegation="NOR")
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "Replace it.")
    services.support_amendment(nor, amendment)
    services.withdraw_support(colleague, amendment)
    assert services.supporters_of(amendment) == []
    with pytest.raises(NotFound):
        services.withdraw_support(colleague, amendment)


def test_only_amendments_can_be_supported(version, fra, nor):
    comment = services.post_comment(fra, paragraph(version, "OP1"), "Comment")
    with pytest.raises(Invalid, match="Only a proposed amendment"):
        services.support_amendment(nor, comment)


def test_statements_and_replies_on_a_whole_version(version, fra, nor):
    statement = services.post_statement(fra, version, "France welcomes the zero draft.")
    services.post_statement(nor, version, "Norway agrees.", parent_id=statement.id)
    db.session.commit()
    thread = services.statement_thread(None, version)
    assert thread.count == 2 and thread.items[0].submission.kind.value == "statement"
    assert thread.items[0].replies[0].submission.kind.value == "comment"
    assert services.count_submissions(None, version) == {}  # not on any paragraph


def test_edit_keeps_every_earlier_text(version, fra):
    op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(fra, op1, "First wording.", "Because.")
    db.session.commit()
    services.edit_submission(fra, amendment, proposed_text="Second wording.",
                             expected_revision=0)
    db.session.commit()
    services.edit_submission(fra, amendment, body="Because, really.", expected_revision=1)
    db.session.commit()
    found = services.get_submission(None, amendment.id)
    assert found.revision == 2 and found.edited_at is not None
    assert found.proposed_text == "Second wording." and found.body == "Because, really."
    assert [(r.number, r.proposed_text, r.body) for r in found.revisions] == [
        (0, "First wording.", "Because."), (1, "Second wording.", "Because.")]
    assert "Second" in found.proposed_diff_html


def test_stale_or_empty_edits_are_refused(version, fra):
    comment = services.post_comment(fra, paragraph(version, "OP1"), "Text")
    services.edit_submission(fra, comment, body="Text 2", expected_revision=0)
    db.session.commit()
    with pytest.raises(Conflict, match="edited elsewhere"):
        services.edit_submission(fra, comment, body="Text 3", expected_revision=0)
    with pytest.raises(Invalid, match="Nothing was changed"):
        services.edit_submission(fra, comment, body="Text 2")
    with pytest.raises(Invalid, match="Only an amendment"):
        services.edit_submission(fra, comment, proposed_text="x")
    db.session.rollback()
    assert db.session.scalar(select(func.count(SubmissionRevision.id))) == 1


def test_only_the_author_edits_and_withdraws(version, fra, make_user):
    colleague = make_user("delegate", delegation="FRA")
    comment = services.post_comment(fra, paragraph(version, "OP1"), "Mine")
    with pytest.raises(Forbidden):
        services.edit_submission(colleague, comment, body="Theirs")
    with pytest.raises(Forbidden):
        services.withdraw_submission(colleague, comment)
    with pytest.raises(Unauthorized):
        services.edit_submission(None, comment, body="Anyone")


def test_withdrawn_submission_stays_marked_and_frozen(version, fra, nor):
    op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(fra, op1, "New words.")
    services.withdraw_submission(fra, amendment)
    db.session.commit()
    current, _ = services.paragraph_threads(None, op1)
    assert current.items[0].submission.is_withdrawn
    assert current.items[0].submission.withdrawn_at is not None
    entry = db.session.scalar(select(LogEntry).where(LogEntry.action == "submission.withdraw"))
    assert (entry.actor_name, entry.target_id) == ("Delegate of France", amendment.id)
    assert entry.target_label == "amendment FRA Zero draft OP1"
    before = stored()
    with pytest.raises(Conflict, match="withdrawn"):
        services.support_amendment(nor, amendment)
    with pytest.raises(Conflict, match="withdrawn"):
        services.post_comment(nor, op1, "Reply", parent_id=amendment.id)
    with pytest.raises(Conflict, match="withdrawn"):
        services.edit_submission(fra, amendment, proposed_text="Other words.")
    with pytest.raises(Conflict, match="already withdrawn"):
        services.withdraw_submission(fra, amendment)
    db.session.rollback()
    assert stored() == before


def test_after_the_deadline_posting_is_refused_but_reading_goes_on(version, fra):
    op1 = paragraph(version, "OP1")
    comment = services.post_comment(fra, op1, "In time")
    db.session.commit()
    late = version.comments_close_at + dt.timedelta(seconds=1)
    with pytest.raises(Conflict, match="closed on"):
        services.post_comment(fra, op1, "Too late", now=late)
    with pytest.raises(Conflict, match="closed on"):
        services.edit_submission(fra, comment, body="Changed late", now=late)
    with pytest.raises(Conflict, match="closed on"):
        services.withdraw_submission(fra, comment, now=late)
    with pytest.raises(Conflict, match="closed on"):
        services.post_statement(fra, version, "Late statement", now=late)
    db.session.rollback()
    assert stored() == 1
    current, _ = services.paragraph_threads(None, op1)
    assert current.count == 1


def test_drafts_and_closed_consultations_take_no_submissions(consultation, staff, fra, version):
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT)
    db.session.commit()
    with pytest.raises(NotFound):
        services.post_comment(fra, paragraph(draft, "OP1"), "On a draft")
    consultation.status = "closed"
    db.session.commit()
    with pytest.raises(Conflict, match="not open for comment"):
        services.post_comment(fra, paragraph(version, "OP1"), "Closed")
    db.session.rollback()
    assert stored() == 0


def test_superseded_version_takes_no_submissions(consultation, staff, fra, version):
    publish_rev1(staff, consultation)
    with pytest.raises(Conflict, match="not open for comment"):
        services.post_comment(fra, paragraph(version, "OP1"), "Old version")


def test_later_versions_show_earlier_threads_and_detached_ones(consultation, staff, fra, nor,
                                                               version):
    services.post_comment(fra, paragraph(version, "OP1"), "On the zero draft's OP1")
    services.post_comment(nor, paragraph(version, "OP3"), "On a paragraph Rev.1 drops")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    op1 = paragraph(rev1, "OP1")
    assert op1.key_id == paragraph(version, "OP1").key_id
    current, earlier = services.paragraph_threads(None, op1)
    assert current.items == []
    assert [(t.version.label, t.paragraph.label, t.count) for t in earlier] == [
        ("Zero draft", "OP1", 1)]
    assert services.count_earlier_submissions(None, rev1) == {op1.key_id: 1}
    detached = services.detached_threads(None, rev1)
    assert [(t.paragraph.label, t.count, t.delegations) for t in detached] == [
        ("OP3", 1, ["NOR"])]
    shown, _ = services.paragraph_threads(None, detached[0].paragraph)
    assert [i.submission.body for i in shown.items] == ["On a paragraph Rev.1 drops"]


def test_hidden_submissions_are_seen_only_by_moderators_and_the_author(version, fra, nor,
                                                                     staff):
    op1 = paragraph(version, "OP1")
    hidden = services.post_comment(fra, op1, "Out of order")
    services.post_comment(nor, op1, "Reply under it", parent_id=hidden.id)
    visible = services.post_comment(nor, op1, "Fine")
    hide_submission(staff, hidden, reason_code="off_topic")
    db.session.commit()
    current, _ = services.paragraph_threads(None, op1)
    assert [i.submission.id for i in current.items] == [visible.id]  # no orphan reply either
    assert services.count_submissions(None, version) == {op1.id: 1}
    assert services.count_submissions(nor, version) == {op1.id: 1}
    with pytest.raises(NotFound):
        services.get_submission(None, hidden.id)
    with pytest.raises(NotFound):
        services.get_submission(nor, hidden.id)
    assert services.get_submission(fra, hidden.id).id == hidden.id
    assert services.get_submission(staff, hidden.id).id == hidden.id
    staff_view, _ = services.paragraph_threads(staff, op1)
    assert staff_view.count == 3
    with pytest.raises(NotFound):
        services.post_comment(nor, op1, "Reply to hidden", parent_id=hidden.id)


@pytest.mark.parametrize("body, error", [
    ("", Invalid), ("   \n\t ", Invalid), ("a\x00b", Invalid), ("\ud800", Invalid),
    (42, Invalid), (["x"], Invalid)])
def test_bad_bodies_are_refused_and_nothing_is_stored(version, fra, body, error):
    with pytest.raises(error):
        services.post_comment(fra, paragraph(version, "OP1"), body)
    db.session.rollback()
    assert stored() == 0


def test_too_long_texts_are_refused_with_413(app, version, fra):
    limit = app.config["MAX_SUBMISSION_CHARS"]
    with pytest.raises(services.TooLarge) as caught:
        services.post_comment(fra, paragraph(version, "OP1"), "x" * (limit + 1))
    assert caught.value.status == 413
    with pytest.raises(services.TooLarge):
        services.propose_amendment(fra, paragraph(version, "OP1"),
                                   "y" * (app.config["MAX_PROPOSED_CHARS"] + 1))
    services.post_comment(fra, paragraph(version, "OP1"), "x" * limit)  # the limit itself is fine
    db.session.rollback()


def test_bad_amendments_are_refused(version, fra):
    op1 = paragraph(version, "OP1")
    with pytest.raises(Invalid, match="proposed wording"):
        services.propose_amendment(fra, op1, "   ")
    with pytest.raises(Invalid, match="same as the current text"):
        services.propose_amendment(fra, op1, op1.text + "\n")
    with pytest.raises(Invalid, match="cannot be a reply"):
        services.post_submission(fra, paragraph=op1, kind="amendment", proposed_text="x",
                                 parent_id=1)
    with pytest.raises(Invalid, match="proposed wording"):
        services.post_submission(fra, paragraph=op1, kind="amendment", body="no text")
    with pytest.raises(Invalid, match="Unknown kind"):
        services.post_submission(fra, paragraph=op1, kind="vote", body="x")
    with pytest.raises(Invalid, match="Unknown language"):
        services.post_comment(fra, op1, "x", language="de")
    db.session.rollback()
    assert stored() == 0


def test_parents_must_be_on_the_same_paragraph_and_version(consultation, staff, version, fra,
                                                          nor):
    parent = services.post_comment(fra, paragraph(version, "OP1"), "On OP1")
    db.session.commit()
    with pytest.raises(Invalid, match="same paragraph"):
        services.post_comment(nor, paragraph(version, "OP2"), "On OP2", parent_id=parent.id)
    with pytest.raises(Invalid, match="same paragraph"):
        services.post_statement(nor, version, "Statement reply", parent_id=parent.id)
    with pytest.raises(NotFound):
        services.post_comment(nor, paragraph(version, "OP1"), "x", parent_id=999_999)
    with pytest.raises(Invalid):
        services.post_comment(nor, paragraph(version, "OP1"), "x", parent_id=True)
    rev1 = publish_rev1(staff, consultation)
    with pytest.raises(Invalid, match="same paragraph"):
        services.post_comment(nor, paragraph(rev1, "OP1"), "x", parent_id=parent.id)
    db.session.rollback()
    assert stored() == 1


def test_posting_rate_is_limited_per_account(app, version, fra, nor):
    app.config["POST_RATE_LIMIT"] = "3 per minute"
    op1 = paragraph(version, "OP1")
    now = utcnow()
    for n in range(3):
        services.post_comment(fra, op1, f"Comment {n}", now=now)
    with pytest.raises(TooMany, match="wait a minute"):
        services.post_comment(fra, op1, "One too many", now=now)
    services.post_comment(nor, op1, "Another account is not held back", now=now)
    services.post_comment(fra, op1, "A minute later", now=now + dt.timedelta(seconds=61))
    db.session.commit()
    assert stored() == 5
