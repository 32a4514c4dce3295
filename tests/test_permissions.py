"""The role × action matrix of the foundation's rules (consult/permissions.py).

Co-facilitators act only on the consultations assigned to them; the secretariat on all.
"""

import pytest

from consult import permissions
from consult.comments import services as comments
from consult.moderation import services as moderation
from consult.db import db
from consult.drafts import services
from tests.conftest import SMALL_DRAFT

ACTORS = ["public", "delegate", "observer", "cofacilitator (assigned)",
          "cofacilitator (other consultation)", "secretariat", "disabled cofacilitator"]

STAFF = {"cofacilitator (assigned)", "secretariat"}
# action → actors allowed
MATRIX = {
    "view_draft_version": STAFF,
    "view_published_version": set(ACTORS),
    "create_version": STAFF,
    "publish_version": STAFF,
    "edit_draft_version": STAFF,
    "create_consultation": {"cofacilitator (assigned)", "cofacilitator (other consultation)",
                            "secretariat"},
    "assign_cofacilitators": {"secretariat"},
    "edit_consultation": {"secretariat"},
    "manage_users": {"secretariat"},
    "manage_delegations": {"secretariat"},
    "manage_own_tokens": {"delegate", "observer", "cofacilitator (assigned)",
                          "cofacilitator (other consultation)", "secretariat"},
    "add_translation": STAFF,
    # Posting on a version: delegations speak, staff do not; nobody on a draft. (Whether the
    # version is still open is the version's phase, refused by the service with 409:
    # tests/comments/test_permissions_matrix.py and test_services.py.)
    "post_submission (published version)": {"delegate", "observer"},
    "post_submission (draft version)": set(),
    # On the delegate's own comment on the published version.
    "view_submission": set(ACTORS),
    "edit_submission": {"delegate"},
    "withdraw_submission": {"delegate"},
    "find_unlisted_submission": STAFF | {"delegate"},
    # On a comment of the delegate that the co-facilitators hid.
    "view_submission (hidden)": STAFF | {"delegate"},
    "moderate_submissions": STAFF,
    "hide_submission": STAFF,
    "restore_submission (hidden)": STAFF,
    "set_disposition": STAFF,
    "change_deadline": STAFF,
    # The road to consensus, on the published version (issue 16). Breaking silence is a
    # Member State's act: the delegate here speaks for France; observers (UNODC) may not.
    "set_paragraph_status": STAFF,
    "start_silence": STAFF,
    "withdraw_silence": STAFF,
    "break_silence": {"delegate"},
    # Issue 18: the delegations choose what they are told by e-mail; the staff are not told.
    "choose_notifications": {"delegate", "observer"},
}
# The rule each row checks, where the row's name is not the rule's.
RULE_OF = {"view_draft_version": "view_version", "view_published_version": "view_version"}


@pytest.fixture
def world(make_user, consultation):
    """A consultation with a published and a draft version, and one account per actor."""
    owner = make_user("cofacilitator", consultations=[consultation])
    published = services.create_version(owner, consultation, label="Zero", text=SMALL_DRAFT,
                                         publish=True)
    draft = services.create_version(owner, consultation, label="Rev.1", text=SMALL_DRAFT)
    disabled = make_user("cofacilitator", consultations=[consultation])
    disabled.is_disabled = True
    db.session.commit()
    delegate = make_user("delegate")
    op1 = next(p for p in published.paragraphs if p.label == "OP1")
    comment = comments.post_comment(delegate, op1, "A comment of the delegate.")
    hidden = comments.post_comment(delegate, op1, "A comment the co-facilitators hid.")
    moderation.hide_submission(owner, hidden, reason_code="off_topic")
    db.session.commit()
    actors = {
        "public": None,
        "delegate": delegate,
        "observer": make_user("observer"),
        "cofacilitator (assigned)": owner,
        "cofacilitator (other consultation)": make_user("cofacilitator", consultations=[]),
        "secretariat": make_user("secretariat"),
        "disabled cofacilitator": disabled,
    }
    return {"consultation": consultation, "published": published, "draft": draft,
            "comment": comment, "hidden": hidden, "actors": actors}


def _allowed(world, actor, action):
    consultation = world["consultation"]
    rule, _, case = action.partition(" (")
    if rule == "post_submission":
        version = world["draft"] if case.startswith("draft") else world["published"]
        return permissions.can(actor, rule, version)
    if rule in ("view_submission", "edit_submission", "withdraw_submission",
                "find_unlisted_submission", "hide_submission", "restore_submission",
                "set_disposition"):
        return permissions.can(actor, rule,
                               world["hidden"] if case.startswith("hidden") else world["comment"])
    if rule in ("change_deadline", "set_paragraph_status", "start_silence",
                "withdraw_silence", "break_silence"):
        return permissions.can(actor, rule, world["published"])
    if rule in ("add_translation", "moderate_submissions", "choose_notifications"):
        return permissions.can(actor, rule, consultation)
    if action == "view_draft_version":
        return permissions.can(actor, "view_version", world["draft"])
    if action == "view_published_version":
        return permissions.can(actor, "view_version", world["published"])
    if action in ("create_version", "publish_version", "edit_draft_version",
                  "assign_cofacilitators", "edit_consultation"):
        return permissions.can(actor, action, consultation)
    return permissions.can(actor, action, None)


def test_every_rule_has_a_row_and_every_row_a_rule():
    checked = {RULE_OF.get(row, row.partition(" (")[0]) for row in MATRIX}
    assert checked == set(permissions.RULES)


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_matrix(world, action):
    """One row of the matrix: which actors may do `action` (a diff names any wrong cell)."""
    allowed = {who: _allowed(world, world["actors"][who], action) for who in ACTORS}
    assert allowed == {who: who in MATRIX[action] for who in ACTORS}


def test_unassigned_cofacilitator_is_refused_by_the_services(world, make_user):
    from consult.errors import Forbidden, NotFound

    outsider = world["actors"]["cofacilitator (other consultation)"]
    with pytest.raises(Forbidden):
        services.create_version(outsider, world["consultation"], label="Rev.9", text=SMALL_DRAFT)
    with pytest.raises(Forbidden):
        services.publish_version(outsider, world["draft"])
    with pytest.raises(NotFound):
        services.get_version(outsider, world["draft"].id)


def test_secretariat_assigns_cofacilitators_in_the_browser(client, login_as, make_user,
                                                          consultation):
    from tests.conftest import csrf_token, fresh

    newcomer = make_user("cofacilitator", email="new.cofac@example.org", consultations=[])
    login_as("secretariat")
    page = "/consultations/gpa"
    assert "new.cofac@example.org" in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    response = client.post(page + "/cofacilitators", data={"csrf_token": token,
                                                           "email": "new.cofac@example.org"})
    assert response.status_code == 302
    fresh()
    assert consultation.is_run_by(newcomer)
    response = client.post(page + "/cofacilitators", data={
        "csrf_token": token, "email": "new.cofac@example.org", "action": "remove"})
    assert response.status_code == 302
    fresh()
    assert not consultation.is_run_by(newcomer)
    response = client.post(page + "/cofacilitators", data={"csrf_token": token,
                                                           "email": "nobody@example.org"})
    assert response.status_code == 404


def _counts():
    from sqlalchemy import func, select

    from consult.auth.models import ApiToken, User
    from consult.drafts.models import Consultation, Version
    from consult.audit.models import LogEntry

    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (User, ApiToken, Consultation, Version, LogEntry)]


def test_a_missing_actor_is_refused_never_trusted(world, make_user):
    """`None` is nobody: the command line passes permissions.COMMAND_LINE explicitly."""
    from consult.auth import services as auth
    from consult.errors import Forbidden, Unauthorized

    person = make_user("delegate")
    consultation, draft = world["consultation"], world["draft"]
    before = _counts()
    calls = {
        "create_user": lambda: auth.create_user(None, email="x@example.org", name="X",
                                                role="secretariat", password="long enough pw"),
        "update_user": lambda: auth.update_user(None, person, role="secretariat"),
        "set_user_disabled": lambda: auth.set_user_disabled(None, person, True),
        "reset_password": lambda: auth.reset_password(None, person, "another long pw"),
        "create_token": lambda: auth.create_token(None, person),
        "create_consultation": lambda: services.create_consultation(None, slug="other",
                                                                   title="Other"),
        "assign_cofacilitator": lambda: services.assign_cofacilitator(
            None, consultation, make_user("cofacilitator", consultations=[])),
        "unassign_cofacilitator": lambda: services.unassign_cofacilitator(
            None, consultation, consultation.staff[0]),
        "create_version": lambda: services.create_version(None, consultation, label="Rev.9",
                                                          text=SMALL_DRAFT),
        "publish_version": lambda: services.publish_version(None, draft),
    }
    for name, call in calls.items():
        with pytest.raises((Unauthorized, Forbidden)):
            call()
        db.session.rollback()
    assert _counts()[1:] == before[1:]  # no token, consultation, version or log entry
    db.session.refresh(person)
    assert person.role.value == "delegate" and not person.is_disabled
    assert draft.status.value == "draft"


def test_the_command_line_acts_with_the_secretariats_rights_and_is_logged_as_system(world):
    from consult.audit.models import LogEntry

    draft = services.publish_version(permissions.COMMAND_LINE, world["draft"])
    db.session.commit()
    assert draft.status.value == "published"
    entry = db.session.query(LogEntry).order_by(LogEntry.id.desc()).first()
    assert (entry.actor_id, entry.actor_name, entry.actor_role) == (None, "system", "system")
