"""One visibility rule: for every kind of reader and every state of a submission, the SQL
filters (consult/visibility.py), the permissions module and the search give one answer."""

import pytest
from flask import current_app
from sqlalchemy import select

from consult import permissions, visibility
from consult.auth import services as auth
from consult.comments import services as comments
from consult.comments.models import Submission, SubmissionKind
from consult.db import db
from consult.drafts import services as drafts
from consult.drafts.models import Version
from consult.moderation import services as moderation
from consult.permissions import COMMAND_LINE
from consult.search import services as search
from tests.comments.conftest import paragraph, version  # noqa: F401  (a fixture)
from tests.conftest import SMALL_DRAFT

STATES = ("active", "withdrawn", "hidden", "under a hidden parent", "on a draft")
READERS = ("public", "author", "author, disabled", "other delegate", "observer",
           "cofacilitator (assigned)", "cofacilitator (other consultation)", "secretariat",
           "command line")
# A word of each state's submission, so that a search finds exactly that one.
WORDS = {"active": "quokka", "withdrawn": "pangolin", "hidden": "axolotl",
         "under a hidden parent": "narwhal", "on a draft": "okapi"}


@pytest.fixture
def world(version, staff, make_user):  # noqa: F811
    """One submission in each state, written by one delegate, and one account per reader."""
    author = make_user("delegate", delegation="FRA")
    op1 = paragraph(version, "OP1")
    made = {state: comments.post_comment(author, op1, f"About {WORDS[state]} and more.")
            for state in ("active", "withdrawn", "hidden")}
    made["under a hidden parent"] = comments.post_comment(
        author, op1, f"Replying on {WORDS['under a hidden parent']}.",
        parent_id=made["hidden"].id)
    db.session.flush()
    comments.withdraw_submission(author, made["withdrawn"])
    moderation.hide_submission(staff, made["hidden"], reason_code="off_topic")
    # No service posts on a draft (nobody may), but the rule must hold if such a row
    # exists (imported data, a version unpublished by hand): written directly.
    draft = drafts.create_version(staff, version.consultation, label="Rev.1", text=SMALL_DRAFT)
    db.session.flush()
    made["on a draft"] = Submission(
        consultation_id=draft.consultation_id, version_id=draft.id,
        paragraph_id=draft.paragraphs[0].id, kind=SubmissionKind.comment,
        author_id=author.id, delegation_id=author.delegation_id,
        body=f"On the draft: {WORDS['on a draft']}.")
    db.session.add(made["on a draft"])
    other = drafts.create_consultation(COMMAND_LINE, slug="other", title="Another")
    db.session.flush()
    readers = {
        "public": None,
        "author": author,
        "author, disabled": author,  # disabled by the test
        "other delegate": make_user("delegate", delegation="NOR"),
        "observer": make_user("observer"),
        "cofacilitator (assigned)": staff,
        "cofacilitator (other consultation)": make_user("cofacilitator",
                                                        consultations=[other]),
        "secretariat": make_user("secretariat"),
        "command line": COMMAND_LINE,
    }
    db.session.commit()
    return made, readers


def _expected(reader, submission) -> tuple[bool, bool]:
    """What the permissions module says: may read it; may find it in a list or search."""
    readable = permissions.can(reader, "view_submission", submission)
    plain = not submission.is_concealed and not submission.is_withdrawn
    listed = readable and (plain or permissions.can(reader, "find_unlisted_submission",
                                                    submission))
    return readable, listed


def _in_sql(rule, reader, submission, consultation=None) -> bool:
    return db.session.scalar(
        select(Submission.id).join(Version, Version.id == Submission.version_id)
        .where(Submission.id == submission.id, rule(reader, consultation),
               visibility.visible_versions(reader))) is not None


def _found_by_search(reader, state) -> bool:
    with current_app.test_request_context():  # the service builds result links
        page = search.search(reader, WORDS[state], facets=False, scope="all")
    return any(row["type"] != "paragraph" for row in page.results)


@pytest.mark.parametrize("who", READERS)
def test_sql_permissions_and_search_agree_for_every_reader_and_state(world, who):
    made, readers = world
    reader = readers[who]
    if who == "author, disabled":
        # A disabled account no longer sees its own hidden submissions, as it may no longer
        # log in (the SQL and the search once still showed them).
        auth.set_user_disabled(COMMAND_LINE, reader, True)
        db.session.commit()
    answers = {}
    for state, submission in made.items():
        readable, listed = _expected(reader, submission)
        answers[state] = {
            "readable": readable,
            "sql readable": _in_sql(visibility.visible_submissions, reader, submission),
            "sql readable, one consultation": _in_sql(
                visibility.visible_submissions, reader, submission,
                submission.version.consultation),
            "listed": listed,
            "sql listed": _in_sql(visibility.listed_submissions, reader, submission),
            "search": _found_by_search(reader, state),
        }
    disagreements = {state: facts for state, facts in answers.items()
                     if len({facts["readable"], facts["sql readable"],
                             facts["sql readable, one consultation"]}) > 1
                     or len({facts["listed"], facts["sql listed"], facts["search"]}) > 1}
    assert disagreements == {}


def test_the_public_reads_and_finds_only_the_plain_published_submission(world):
    made, readers = world
    assert {state for state, s in made.items() if _expected(None, s)[0]} == {
        "active", "withdrawn"}  # a withdrawn one still reads as withdrawn in its thread
    assert {state for state in made if _found_by_search(None, state)} == {"active"}
    for who in ("cofacilitator (assigned)", "secretariat"):
        assert {state for state in made if _expected(readers[who], made[state])[0]} == \
            set(STATES)


@pytest.mark.parametrize("who", READERS)
def test_thread_counts_leave_out_what_is_under_a_hidden_submission_but_for_its_moderators(
        world, who):
    made, readers = world
    reader = readers[who]
    consultation = made["active"].version.consultation
    moderates = permissions.can(reader, "moderate_submissions", consultation)

    def counted(state):
        return db.session.scalar(select(Submission.id).where(
            Submission.id == made[state].id,
            visibility.counted_in_threads(reader, consultation))) is not None

    assert counted("active")
    assert counted("under a hidden parent") is moderates
