"""Participation services: the cases test_participation.py leaves out.

Each refusal is checked for a clear message AND for nothing stored.
"""

import datetime as dt

import pytest
from sqlalchemy import func, select

from consult.permissions import COMMAND_LINE
from consult.moderation import services as moderation
from consult import create_app
from consult.comments import services
from consult.comments.models import Submission, SubmissionRevision
from consult.db import db, utcnow
from consult.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from consult.moderation.services import hide_submission
from consult.settings import ConfigError, load_settings
from tests.comments.conftest import paragraph, publish_rev1


def counts():
    return (db.session.scalar(select(func.count(Submission.id))),
            db.session.scalar(select(func.count(SubmissionRevision.id))))


@pytest.fixture
def refused():
    """refused(error, match, call, *args, **kwargs): the call fails clearly, nothing stored."""

    def check(error, match, call, *args, **kwargs):
        db.session.commit()
        before = counts()
        with pytest.raises(error, match=match) as caught:
            call(*args, **kwargs)
        assert caught.value.message and caught.value.status == error.status
        db.session.rollback()
        assert counts() == before
        return caught.value

    return check


# --- posting ---------------------------------------------------------------------------


def test_bodies_keep_their_text_with_line_endings_normalised(version, fra):
    comment = services.post_comment(fra, paragraph(version, "OP1"),
                                    "\r\nFirst line\r\nsecond line\r\n\r\n")
    assert comment.body == "First line\nsecond line"
    assert comment.body_html == "<p>First line\nsecond line</p>\n"


def test_amendment_diff_is_against_the_paragraph_and_escaped(version, fra):
    op2 = paragraph(version, "OP2")
    amendment = services.propose_amendment(fra, op2, op2.text + " <b>& more</b>")
    assert "<ins>" in amendment.proposed_diff_html
    assert "&lt;b&gt;&amp; more&lt;/b&gt;" in amendment.proposed_diff_html
    assert "<b>" not in amendment.proposed_diff_html
    assert amendment.body == "" and amendment.body_html == ""


@pytest.mark.parametrize("proposed, match", [
    ("a\x00b", "NUL"), ("\udfff", "not valid Unicode"), (7, "must be a string"),
    (None, "proposed wording"), ("\n \t", "proposed wording")])
def test_bad_proposed_texts_are_refused(version, fra, refused, proposed, match):
    refused(Invalid, match, services.propose_amendment, fra, paragraph(version, "OP1"),
            proposed, "Explanation")


@pytest.mark.parametrize("body, match", [
    ({"text": "x"}, "must be a string"), (b"bytes", "must be a string"),
    ("ok\x00", "NUL"), ("x\ud83d", "not valid Unicode")])
def test_bad_bodies_of_amendments_statements_and_supports(version, fra, nor, refused, body,
                                                          match):
    op1 = paragraph(version, "OP1")
    refused(Invalid, match, services.propose_amendment, fra, op1, "New wording", body)
    refused(Invalid, match, services.post_statement, fra, version, body)
    amendment = services.propose_amendment(fra, op1, "New wording")
    refused(Invalid, match, services.support_amendment, nor, amendment, body)


@pytest.mark.parametrize("language", ["de", "EN", 5, ["en"], "en\x00"])
def test_unknown_languages_are_refused(version, fra, refused, language):
    refused(Invalid, "Unknown language", services.post_comment, fra,
            paragraph(version, "OP1"), "Text", language=language)


@pytest.mark.parametrize("language", ["ar", "zh", "en", "es", "fr", "ru"])
def test_the_six_un_languages_are_accepted(version, fra, language):
    assert services.post_comment(fra, paragraph(version, "OP1"), "Text",
                                 language=language).language == language


def test_over_limit_texts_are_413_everywhere(app, version, fra, nor, refused):
    app.config["MAX_SUBMISSION_CHARS"] = 50
    app.config["MAX_PROPOSED_CHARS"] = 60
    op1 = paragraph(version, "OP1")
    error = refused(services.TooLarge, "at most 50", services.post_statement, fra, version,
                    "x" * 51)
    assert error.status == 413
    refused(services.TooLarge, "at most 60", services.propose_amendment, fra, op1, "y" * 61)
    refused(services.TooLarge, "at most 50", services.propose_amendment, fra, op1, "y",
            "z" * 51)
    comment = services.post_comment(fra, op1, "short")
    refused(services.TooLarge, "at most 50", services.edit_submission, fra, comment,
            body="x" * 51)


def test_dispatcher_refuses_misplaced_kinds(version, fra, refused):
    op1 = paragraph(version, "OP1")
    for kind in (None, 3, "", "COMMENT", "vote"):
        refused(Invalid, "Unknown kind", services.post_submission, fra, paragraph=op1,
                kind=kind, body="x")
    refused(Invalid, "whole version", services.post_submission, fra, paragraph=op1,
            kind="statement", body="x")
    refused(Invalid, "On a whole version", services.post_submission, fra, version=version,
            kind="comment", body="x")
    refused(Invalid, "On a whole version", services.post_submission, fra, version=version,
            kind="amendment", proposed_text="x")
    refused(Invalid, "Say which amendment", services.post_submission, fra, paragraph=op1,
            kind="support")


def test_dispatcher_posts_each_kind(version, fra, nor):
    op1 = paragraph(version, "OP1")
    amendment = services.post_submission(fra, paragraph=op1, kind="amendment",
                                         proposed_text="New.", body="Why")
    support = services.post_submission(nor, paragraph=op1, kind="support",
                                       parent_id=amendment.id)
    statement = services.post_submission(fra, version=version, kind="statement", body="S")
    reply = services.post_submission(nor, version=version, kind="comment", body="R",
                                     parent_id=statement.id)
    assert [s.kind.value for s in (amendment, support, statement, reply)] == [
        "amendment", "support", "statement", "comment"]
    assert reply.parent_id == statement.id and reply.paragraph_id is None


def test_support_through_the_dispatcher_must_be_on_the_same_paragraph(version, fra, nor,
                                                                    refused):
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "New.")
    refused(Invalid, "same paragraph", services.post_submission, nor,
            paragraph=paragraph(version, "OP2"), kind="support", parent_id=amendment.id)


def test_supports_cannot_be_replied_to_or_edited(version, fra, nor, refused):
    op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(fra, op1, "New.")
    support = services.support_amendment(nor, amendment, "We agree.")
    refused(Invalid, "cannot be answered", services.post_comment, fra, op1, "Thanks",
            parent_id=support.id)
    refused(Invalid, "withdraw it instead", services.edit_submission, nor, support,
            body="Changed")


def test_support_of_a_hidden_amendment_is_refused_as_not_found(version, fra, nor, refused):
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "New.")
    moderation.hide_submission(COMMAND_LINE, amendment, reason_code="off_topic")
    refused(NotFound, "Not found", services.support_amendment, nor, amendment)


def test_withdrawn_support_is_no_longer_counted_and_not_withdrawn_twice(version, fra, nor,
                                                                      refused):
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "New.")
    services.support_amendment(nor, amendment)
    services.withdraw_support(nor, amendment)
    db.session.commit()
    assert services.supporters_of(amendment) == []
    current, _ = services.paragraph_threads(None, paragraph(version, "OP1"))
    assert current.items[0].supporter_codes == []
    refused(NotFound, "does not support", services.withdraw_support, nor, amendment)


def test_staff_and_public_are_refused_support_withdrawal_as_such(version, fra, nor, staff,
                                                               refused):
    amendment = services.propose_amendment(fra, paragraph(version, "OP1"), "New.")
    services.support_amendment(nor, amendment)
    refused(Forbidden, "may not", services.withdraw_support, staff, amendment)
    from consult.errors import Unauthorized
    refused(Unauthorized, "log in", services.withdraw_support, None, amendment)


def test_statement_replies_stay_on_their_version(consultation, staff, version, fra, nor,
                                                 refused):
    statement = services.post_statement(fra, version, "On the zero draft")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    refused(Invalid, "same paragraph", services.post_statement, nor, rev1, "Reply",
            parent_id=statement.id)
    refused(Invalid, "same paragraph", services.post_comment, nor, paragraph(rev1, "OP1"),
            "Reply", parent_id=statement.id)


def test_replies_to_hidden_or_withdrawn_statements_are_refused(version, fra, nor, refused):
    hidden = services.post_statement(fra, version, "Hidden")
    moderation.hide_submission(COMMAND_LINE, hidden, reason_code="off_topic")
    withdrawn = services.post_statement(fra, version, "Withdrawn")
    services.withdraw_submission(fra, withdrawn)
    refused(NotFound, "not visible", services.post_statement, nor, version, "R",
            parent_id=hidden.id)
    refused(Conflict, "withdrawn", services.post_statement, nor, version, "R",
            parent_id=withdrawn.id)


# --- edits -----------------------------------------------------------------------------


def test_edit_history_records_when_each_text_was_written_and_replaced(version, fra):
    t0 = utcnow()
    comment = services.post_comment(fra, paragraph(version, "OP1"), "One", now=t0)
    t1, t2 = t0 + dt.timedelta(minutes=5), t0 + dt.timedelta(minutes=9)
    services.edit_submission(fra, comment, body="Two", expected_revision=0, now=t1)
    services.edit_submission(fra, comment, body="Three", now=t2)
    db.session.commit()
    found = services.get_submission(None, comment.id)
    assert found.body == "Three" and found.body_html == "<p>Three</p>\n"
    assert found.revision == 2 and found.edited_at == t2 and found.created_at == t0
    assert [(r.number, r.body, r.body_html, r.written_at, r.replaced_at)
            for r in found.revisions] == [
        (0, "One", "<p>One</p>\n", t0, t1), (1, "Two", "<p>Two</p>\n", t1, t2)]


def test_amendment_edit_recomputes_the_diff_and_keeps_the_old_one(version, fra, refused):
    op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(fra, op1, "First wording.", "Why.")
    old_diff = amendment.proposed_diff_html
    services.edit_submission(fra, amendment, proposed_text="Second wording.")
    db.session.commit()
    assert "Second" in amendment.proposed_diff_html
    assert amendment.revisions[0].proposed_diff_html == old_diff
    refused(Invalid, "same as the current text", services.edit_submission, fra, amendment,
            proposed_text=op1.text)
    refused(Invalid, "proposed wording", services.edit_submission, fra, amendment,
            proposed_text="  ")
    # An amendment's explanation may be emptied; a comment's body may not.
    services.edit_submission(fra, amendment, body="")
    comment = services.post_comment(fra, op1, "Text")
    refused(Invalid, "empty", services.edit_submission, fra, comment, body=" ")


def test_hidden_submission_cannot_be_edited_by_its_author(version, fra, refused):
    comment = services.post_comment(fra, paragraph(version, "OP1"), "Text")
    moderation.hide_submission(COMMAND_LINE, comment, reason_code="off_topic")
    refused(Conflict, "hidden", services.edit_submission, fra, comment, body="Other")


def test_edits_of_someone_elses_submission_are_refused(version, fra, nor, staff, refused):
    comment = services.post_comment(fra, paragraph(version, "OP1"), "Text")
    refused(Forbidden, "may not", services.edit_submission, nor, comment, body="Hijack")
    refused(Forbidden, "may not", services.edit_submission, staff, comment, body="Moderated")
    refused(Forbidden, "may not", services.withdraw_submission, nor, comment)
    assert comment.body == "Text" and comment.revision == 0


# --- reading ---------------------------------------------------------------------------


def test_author_sees_their_hidden_submission_others_see_neither_it_nor_its_replies(
        version, fra, nor, can, staff):
    op1 = paragraph(version, "OP1")
    hidden = services.post_comment(fra, op1, "Hidden one")
    reply = services.post_comment(nor, op1, "Reply", parent_id=hidden.id)
    hide_submission(staff, hidden, reason_code="off_topic")
    db.session.commit()
    # The author reads their own submission (and why it is hidden); the replies under it
    # are hidden with it, from everyone but the moderators and each reply's own author.
    author_view, _ = services.paragraph_threads(fra, op1)
    assert [i.submission.id for i in author_view.items] == [hidden.id]
    assert author_view.items[0].replies == []
    assert services.get_submission(nor, reply.id).id == reply.id
    staff_view, _ = services.paragraph_threads(staff, op1)
    assert staff_view.count == 2
    for reader in (None, nor, can):
        current, _ = services.paragraph_threads(reader, op1)
        assert current.count == 0
        assert services.count_submissions(reader, version) == {}
        assert services.replies_to(reader, hidden) == []
    from consult.auth.delegation_page import delegation_submissions

    assert delegation_submissions(None, hidden.delegation) == ([], 0)


def test_counts_leave_out_supports_and_count_replies(version, fra, nor):
    op1, op2 = paragraph(version, "OP1"), paragraph(version, "OP2")
    amendment = services.propose_amendment(fra, op1, "New.")
    services.support_amendment(nor, amendment)
    services.post_comment(nor, op1, "Reply", parent_id=amendment.id)
    services.post_comment(nor, op2, "On OP2")
    services.post_statement(nor, version, "Statement")
    db.session.commit()
    assert services.count_submissions(None, version) == {op1.id: 2, op2.id: 1}


def test_reading_goes_on_after_the_deadline_and_every_post_is_refused(version, fra, nor,
                                                                    refused):
    op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(fra, op1, "New.")
    statement = services.post_statement(fra, version, "S")
    late = version.comments_close_at + dt.timedelta(minutes=1)
    for call, args in [
            (services.propose_amendment, (fra, op1, "Other.")),
            (services.support_amendment, (nor, amendment)),
            (services.post_comment, (nor, op1, "R")),
            (services.post_statement, (nor, version, "R")),
            (services.edit_submission, (fra, amendment))]:
        kwargs = {"proposed_text": "Later."} if call is services.edit_submission else {}
        error = refused(Conflict, "closed on", call, *args, now=late, **kwargs)
        assert "You can still read everything" in error.message
    assert services.get_submission(None, amendment.id).id == amendment.id
    assert services.statement_thread(None, version).items[0].submission.id == statement.id


def test_earlier_threads_keep_supports_and_replies_labelled_by_version(
        consultation, staff, version, fra, nor):
    zero_op1 = paragraph(version, "OP1")
    amendment = services.propose_amendment(fra, zero_op1, "New.")
    services.support_amendment(nor, amendment)
    services.post_comment(nor, zero_op1, "Reply", parent_id=amendment.id)
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    services.post_comment(fra, paragraph(rev1, "OP1"), "On Rev.1")
    db.session.commit()
    current, earlier = services.paragraph_threads(None, paragraph(rev1, "OP1"),
                                                  earlier_items=5)
    assert [i.submission.body for i in current.items] == ["On Rev.1"]
    assert [t.version.label for t in earlier] == ["Zero draft"]
    assert earlier[0].items[0].supporter_codes == ["NOR"]
    assert earlier[0].count == 2
    # And from the zero draft's own paragraph page, Rev.1's thread is not "earlier".
    _, none_earlier = services.paragraph_threads(None, zero_op1)
    assert none_earlier == []


# --- rate limit ------------------------------------------------------------------------


def test_every_kind_of_post_counts_toward_the_rate_limit(app, version, fra, nor, refused):
    app.config["POST_RATE_LIMIT"] = "3 per minute"
    op1 = paragraph(version, "OP1")
    now = utcnow()
    amendment = services.propose_amendment(nor, op1, "New.", now=now)
    services.post_comment(fra, op1, "One", now=now)
    services.post_statement(fra, version, "Two", now=now)
    services.support_amendment(fra, amendment, now=now)
    error = refused(TooMany, "wait a minute", services.post_comment, fra, op1, "Four",
                    now=now)
    assert error.status == 429
    refused(TooMany, "wait a minute", services.propose_amendment, fra, op1, "Other.",
            now=now + dt.timedelta(seconds=59))
    services.post_comment(fra, op1, "Later", now=now + dt.timedelta(seconds=61))


@pytest.mark.parametrize("value", ["lots", "", "3 per fortnight", "0 per minute", 30])
def test_an_invalid_rate_limit_stops_the_app_from_starting(tmp_path, value):
    with pytest.raises(ConfigError, match="POST_RATE_LIMIT"):
        load_settings({"POST_RATE_LIMIT": value}, environ={})
    with pytest.raises(ConfigError, match="POST_RATE_LIMIT"):
        load_settings(environ={"CONSULT_POST_RATE_LIMIT": str(value)})
    with pytest.raises(ConfigError, match="POST_RATE_LIMIT"):
        create_app({"POST_RATE_LIMIT": value, "SECRET_KEY": "x"}, instance=tmp_path / "i")


def test_valid_rate_limit_forms_are_accepted():
    for value in ("30 per minute", "5/second", "100 per hour"):
        assert load_settings({"POST_RATE_LIMIT": value}, environ={})["POST_RATE_LIMIT"] == value
