"""The role × action matrix for submissions, through the services (what a caller really gets).

The author is a delegate of France (FRA). Around them: a colleague of the same delegation,
a delegate of Norway, an observer (UNODC), the consultation's co-facilitator, the
secretariat, and the public. Staff read everything (hidden submissions too) but do not post.
Once the co-facilitators decided on a proposal (any disposition but pending), its wording,
its withdrawal and its supporters are frozen: those who otherwise could are refused with 409.
"""

import pytest
from sqlalchemy import func, select

from consult.permissions import COMMAND_LINE
from consult.moderation import services as moderation
from consult.comments import services
from consult.comments.models import Submission, SubmissionStatus
from consult.db import db
from consult.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from consult.moderation.services import set_disposition
from tests.comments.conftest import paragraph

ROLES = ["public", "author", "same delegation", "other delegation", "observer",
         "co-facilitator", "secretariat"]
POSTERS = {"author", "same delegation", "other delegation", "observer"}
STAFF = {"co-facilitator", "secretariat"}
OK = "ok"


def _refused_as(role):
    return Unauthorized if role == "public" else Forbidden


def _expected(action, role):
    if action == "view":
        return OK
    if action == "view hidden":
        return OK if role in STAFF | {"author"} else NotFound
    if action in ("comment", "reply", "propose amendment", "post statement"):
        return OK if role in POSTERS else _refused_as(role)
    if action == "support":
        # The amendment is France's: France cannot support its own proposal.
        if role in ("author", "same delegation"):
            return Invalid
        return OK if role in POSTERS else _refused_as(role)
    if action == "withdraw support":
        # France's support of Canada's amendment: any member of France may withdraw it.
        if role in ("author", "same delegation"):
            return OK
        if role in POSTERS:
            return NotFound  # their delegation supports nothing here
        return _refused_as(role)
    if action == "withdraw support by id":
        if role in ("author", "same delegation"):
            return OK
        return _refused_as(role)
    if action in ("edit", "withdraw"):
        return OK if role == "author" else _refused_as(role)
    if action in ("edit decided", "withdraw decided"):
        return Conflict if role == "author" else _refused_as(role)
    if action == "support decided":
        if role in ("author", "same delegation"):
            return Invalid
        return Conflict if role in POSTERS else _refused_as(role)
    if action == "withdraw support of decided":
        if role in ("author", "same delegation"):
            return Conflict
        if role in POSTERS:
            return NotFound
        return _refused_as(role)
    if action == "withdraw support of decided by id":
        return Conflict if role in ("author", "same delegation") else _refused_as(role)
    raise AssertionError(action)


ACTIONS = ["view", "view hidden", "comment", "reply", "propose amendment", "support",
           "withdraw support", "withdraw support by id", "edit", "withdraw", "post statement",
           "edit decided", "withdraw decided", "support decided", "withdraw support of decided",
           "withdraw support of decided by id"]


@pytest.fixture
def world(version, make_user, consultation):
    def make_user(*args, _make=make_user, **kwargs):  # no password: these never log in
        return _make(*args, password=None, **kwargs)

    author = make_user("delegate", delegation="FRA")
    canada = make_user("delegate", delegation="CAN")
    actors = {
        "public": None,
        "author": author,
        "same delegation": make_user("delegate", delegation="FRA"),
        "other delegation": make_user("delegate", delegation="NOR"),
        "observer": make_user("observer", delegation="UNODC"),
        "co-facilitator": make_user("cofacilitator", consultations=[consultation]),
        "secretariat": make_user("secretariat"),
    }
    op1 = paragraph(version, "OP1")
    comment = services.post_comment(author, op1, "France's comment")
    hidden = services.post_comment(author, op1, "France's hidden comment")
    moderation.hide_submission(COMMAND_LINE, hidden, reason_code="off_topic")
    amendment = services.propose_amendment(author, op1, "France's wording.", "Why.")
    canadian = services.propose_amendment(canada, op1, "Canada's wording.")
    support = services.support_amendment(author, canadian)
    # Proposals the co-facilitators decided on: France's own, and Canada's that France supports.
    decided = services.propose_amendment(author, op1, "France's decided wording.", "Why.")
    canadian_decided = services.propose_amendment(canada, op1, "Canada's decided wording.")
    decided_support = services.support_amendment(author, canadian_decided)
    for proposal in (decided, canadian_decided):
        set_disposition(actors["co-facilitator"], proposal, "partly_incorporated", "In part.")
    db.session.commit()
    return {"version": version, "op1": op1, "comment": comment, "hidden": hidden,
            "amendment": amendment, "canadian": canadian, "support": support,
            "decided": decided, "canadian_decided": canadian_decided,
            "decided_support": decided_support, "actors": actors}


def _act(world, actor, action):
    op1, comment = world["op1"], world["comment"]
    if action == "view":
        return services.get_submission(actor, comment.id)
    if action == "view hidden":
        return services.get_submission(actor, world["hidden"].id)
    if action == "comment":
        return services.post_comment(actor, op1, "A comment")
    if action == "reply":
        return services.post_comment(actor, op1, "A reply", parent_id=comment.id)
    if action == "propose amendment":
        return services.propose_amendment(actor, op1, "Other wording.", "Because.")
    if action == "support":
        return services.support_amendment(actor, world["amendment"])
    if action == "withdraw support":
        return services.withdraw_support(actor, world["canadian"])
    if action == "withdraw support by id":
        return services.withdraw_submission(actor, world["support"])
    if action == "edit":
        return services.edit_submission(actor, comment, body="Changed", expected_revision=0)
    if action == "withdraw":
        return services.withdraw_submission(actor, comment)
    if action == "post statement":
        return services.post_statement(actor, world["version"], "A statement")
    if action == "edit decided":
        return services.edit_submission(actor, world["decided"], proposed_text="Rewritten.",
                                        expected_revision=0)
    if action == "withdraw decided":
        return services.withdraw_submission(actor, world["decided"])
    if action == "support decided":
        return services.support_amendment(actor, world["decided"])
    if action == "withdraw support of decided":
        return services.withdraw_support(actor, world["canadian_decided"])
    if action == "withdraw support of decided by id":
        return services.withdraw_submission(actor, world["decided_support"])
    raise AssertionError(action)


def _snapshot():
    return db.session.execute(select(
        func.count(Submission.id),
        func.count(Submission.id).filter(Submission.status == SubmissionStatus.withdrawn),
        func.coalesce(func.sum(Submission.revision), 0))).one()


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_submission_matrix(world, role, action):
    actor = world["actors"][role]
    expected = _expected(action, role)
    before = _snapshot()
    if expected is OK:
        result = _act(world, actor, action)
        assert isinstance(result, Submission)
        db.session.commit()
        if action in ("comment", "reply", "propose amendment", "post statement", "support"):
            assert result.author_id == actor.id
            assert result.delegation_id == actor.delegation_id
            assert _snapshot()[0] == before[0] + 1
        elif action.startswith("withdraw"):
            assert result.status == SubmissionStatus.withdrawn
        elif action == "edit":
            assert result.revision == 1 and result.body == "Changed"
    else:
        with pytest.raises(expected) as caught:
            _act(world, actor, action)
        assert caught.value.message  # a clear, translated message
        if expected is Conflict:
            assert "co-facilitators have decided" in caught.value.message
            assert "partly incorporated" in caught.value.message
        db.session.rollback()
        assert _snapshot() == before  # nothing stored, nothing changed


def test_staff_see_hidden_submissions_in_threads_and_others_do_not(world):
    actors = world["actors"]
    hidden_id = world["hidden"].id

    def shown(actor):
        current, _ = services.paragraph_threads(actor, world["op1"])
        return hidden_id in {i.submission.id for i in current.items}

    assert {role for role in ROLES if shown(actors[role])} == {"author", "co-facilitator",
                                                                "secretariat"}


def test_a_cofacilitator_of_another_consultation_does_not_see_hidden_ones(world, make_user):
    outsider = make_user("cofacilitator", consultations=[])
    with pytest.raises(NotFound):
        services.get_submission(outsider, world["hidden"].id)
    with pytest.raises(Forbidden):
        services.post_comment(outsider, world["op1"], "Staff do not post")
