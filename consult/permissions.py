"""Who may do what: every rule of the platform, named, in one place.

Services call `require(user, rule, obj)`; templates call `can(user, rule, obj)` only to
decide what to show. Anonymous visitors are passed as None or an anonymous user.
"""

from __future__ import annotations

from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.auth.models import DelegationKind, Role
from consult.errors import Conflict, Forbidden, NotFound, Unauthorized


class CommandLine:
    """The operator at the server's shell (flask commands): acts with the secretariat's rights.

    Passed explicitly as the actor, so that a missing actor is never taken as trusted.
    """

    id = None
    name = "system"
    role = Role.secretariat
    is_authenticated = True
    is_disabled = False


COMMAND_LINE = CommandLine()


def account_of(actor):
    """The account to record as having done something: None for the command line."""
    return None if isinstance(actor, CommandLine) else actor


def role_of(user):
    """The role a user acts with: None for the public and for a disabled account."""
    return _role(user)


def _role(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_disabled", False):
        return None
    return user.role


def _is_staff(user) -> bool:
    """Co-facilitators and the secretariat run the consultation."""
    return _role(user) in (Role.cofacilitator, Role.secretariat)


def _runs(user, consultation) -> bool:
    """The secretariat runs every consultation; a co-facilitator the ones assigned to them."""
    role = _role(user)
    if role == Role.secretariat:
        return True
    return role == Role.cofacilitator and consultation is not None and consultation.is_run_by(user)


def _view_version(user, version) -> bool:
    return version.is_public or _runs(user, version.consultation)


def _manage_versions(user, consultation) -> bool:
    return _runs(user, consultation)


def _create_consultation(user, obj=None) -> bool:
    return _is_staff(user)


def _assign_cofacilitators(user, consultation=None) -> bool:
    return _role(user) == Role.secretariat


def _edit_consultation(user, consultation=None) -> bool:
    # Title, mandate and description speak for the whole process: the secretariat's.
    return _role(user) == Role.secretariat


def _manage_users(user, obj=None) -> bool:
    return _role(user) == Role.secretariat


def _manage_delegations(user, obj=None) -> bool:
    return _role(user) == Role.secretariat


def _manage_own_tokens(user, obj=None) -> bool:
    return _role(user) is not None


def _speaks_for_delegation(user) -> bool:
    """Delegates and observers speak for their delegation; staff moderate and do not post."""
    return (_role(user) in (Role.delegate, Role.observer)
            and getattr(user, "delegation_id", None) is not None)


def _post_submission(user, version=None) -> bool:
    # Whether the version is still open is a state check in the service (409), not a right.
    if not _speaks_for_delegation(user):
        return False
    return version is None or version.is_public


def _is_author(user, submission) -> bool:
    return _speaks_for_delegation(user) and submission.author_id == user.id


class Refusal:
    """A rule's "no" owed to the object's state, not to who asks: false for `can`, and
    raised by `require` as a 409 that says why (rather than "your account may not")."""

    def __init__(self, reason: Callable[[], str]):
        self.reason = reason  # called only when the refusal is reported (translated then)

    def __bool__(self) -> bool:
        return False


def is_decided(amendment) -> bool:
    """Whether the co-facilitators decided on a proposal (any disposition but pending)."""
    return bool(getattr(amendment, "is_decided", False))


def decided_refusal(amendment, *, support: bool = False) -> Refusal:
    """Why a decided proposal (or the support given to it) can no longer change."""
    from consult.labels import label

    if support:
        return Refusal(lambda: _("The co-facilitators have decided on this proposal "
                                 "(%(disposition)s); the support given to it can no longer "
                                 "be given or withdrawn.",
                                 disposition=label(amendment.disposition)))
    return Refusal(lambda: _("The co-facilitators have decided on this proposal "
                             "(%(disposition)s); its wording can no longer be changed or "
                             "withdrawn.", disposition=label(amendment.disposition)))


def _edit_submission(user, submission):
    if not _is_author(user, submission):
        return False
    # The decision describes this wording: it stays as decided on, unless the decision is
    # set back to pending.
    if submission.kind.value == "amendment" and is_decided(submission):
        return decided_refusal(submission)
    return True


def _withdraw_submission(user, submission):
    # Support is the delegation's position, so any of its members may withdraw it.
    if submission.kind.value == "support":
        if not (_speaks_for_delegation(user) and submission.delegation_id == user.delegation_id):
            return False
        # The supporters are part of what was decided on: they stay as they were.
        if submission.parent is not None and is_decided(submission.parent):
            return decided_refusal(submission.parent, support=True)
        return True
    if not _is_author(user, submission):
        return False
    if submission.kind.value == "amendment" and is_decided(submission):
        return decided_refusal(submission)
    return True


def _view_submission(user, submission) -> bool:
    if not _view_version(user, submission.version):
        return False
    if not submission.is_concealed:
        return True
    # Hidden (itself, or a reply under a hidden submission): its author may still read it
    # (and why); the consultation's staff moderate it.
    return _runs(user, submission.version.consultation) or (
        _role(user) is not None and submission.author_id == user.id)


def _moderate_submissions(user, consultation) -> bool:
    return _runs(user, consultation)


def _moderate_submission(user, submission) -> bool:
    # Hide, restore and decide on the submissions of the consultations one runs, only.
    return _runs(user, submission.version.consultation)


def _change_deadline(user, version) -> bool:
    return _runs(user, version.consultation)


def _set_paragraph_status(user, version) -> bool:
    # Whether the version is still the one to record statuses in is a state check (409).
    return _runs(user, version.consultation)


def _run_silence(user, version) -> bool:
    return _runs(user, version.consultation)


def _break_silence(user, version) -> bool:
    # Silence is broken by a State party to the consensus: a Member State's delegate. Not
    # observer States, groups (whose members speak for themselves), IGOs, NGOs or UN
    # entities, and not the co-facilitators, who run the procedure.
    if _role(user) != Role.delegate or getattr(user, "delegation", None) is None:
        return False
    return user.delegation.kind == DelegationKind.member_state and version.is_public


def _choose_notifications(user, consultation=None) -> bool:
    # The delegations are told by e-mail; the staff run the consultation and see its pages.
    return _role(user) in (Role.delegate, Role.observer)


def _find_unlisted_submission(user, submission) -> bool:
    # Search lists hidden and withdrawn submissions (and replies under hidden ones) only to
    # their author and to the staff of their consultation.
    return _runs(user, submission.version.consultation) or (
        _role(user) is not None and submission.author_id == user.id)


RULES: dict[str, Callable] = {
    "view_version": _view_version,
    "create_version": _manage_versions,
    "edit_draft_version": _manage_versions,
    "publish_version": _manage_versions,
    # A translation is an addition, not an edit: allowed on drafts and published versions.
    "add_translation": _manage_versions,
    "create_consultation": _create_consultation,
    "assign_cofacilitators": _assign_cofacilitators,
    "edit_consultation": _edit_consultation,
    "manage_users": _manage_users,
    "manage_delegations": _manage_delegations,
    "manage_own_tokens": _manage_own_tokens,
    "post_submission": _post_submission,
    "edit_submission": _edit_submission,
    "withdraw_submission": _withdraw_submission,
    "view_submission": _view_submission,
    "moderate_submissions": _moderate_submissions,
    "hide_submission": _moderate_submission,
    "restore_submission": _moderate_submission,
    "set_disposition": _moderate_submission,
    "change_deadline": _change_deadline,
    "find_unlisted_submission": _find_unlisted_submission,
    "set_paragraph_status": _set_paragraph_status,
    "start_silence": _run_silence,
    "withdraw_silence": _run_silence,
    "break_silence": _break_silence,
    "choose_notifications": _choose_notifications,
}

# Who may, said to whoever is refused (403 pages and the API's message); a rule left out
# gets the general sentence.
WHO_MAY: dict[str, object] = {
    "create_version": _l("Only the co-facilitators of this consultation and the secretariat "
                         "may prepare and publish its versions."),
    "edit_draft_version": _l("Only the co-facilitators of this consultation and the "
                             "secretariat may prepare and publish its versions."),
    "publish_version": _l("Only the co-facilitators of this consultation and the secretariat "
                          "may prepare and publish its versions."),
    "add_translation": _l("Only the co-facilitators of this consultation and the secretariat "
                          "may add translations of its versions."),
    "create_consultation": _l("Only co-facilitators and the secretariat may open a "
                              "consultation."),
    "assign_cofacilitators": _l("Only the secretariat may assign co-facilitators."),
    "edit_consultation": _l("Only the secretariat may change a consultation's title, mandate "
                            "and description."),
    "manage_users": _l("Only the secretariat may manage accounts."),
    "manage_delegations": _l("Only the secretariat may add delegations."),
    "post_submission": _l("Only delegates and observers, for their delegation, may comment, "
                          "propose amendments and make statements; co-facilitators and the "
                          "secretariat moderate and do not post."),
    "edit_submission": _l("Only its author may edit a submission."),
    "withdraw_submission": _l("Only its author may withdraw a submission; a support, any "
                              "member of the delegation that gave it."),
    "moderate_submissions": _l("Only the co-facilitators of this consultation and the "
                               "secretariat may moderate its submissions."),
    "hide_submission": _l("Only the co-facilitators of this consultation and the secretariat "
                          "may moderate its submissions."),
    "restore_submission": _l("Only the co-facilitators of this consultation and the "
                             "secretariat may moderate its submissions."),
    "set_disposition": _l("Only the co-facilitators of this consultation and the secretariat "
                          "may decide on proposed amendments."),
    "change_deadline": _l("Only the co-facilitators of this consultation and the secretariat "
                          "may change a comment period."),
    "set_paragraph_status": _l("Only the co-facilitators of this consultation and the "
                               "secretariat may record the status of its paragraphs."),
    "start_silence": _l("Only the co-facilitators of this consultation and the secretariat "
                        "may put a text under silence procedure."),
    "withdraw_silence": _l("Only the co-facilitators of this consultation and the secretariat "
                           "may put a text under silence procedure."),
    "break_silence": _l("Only a delegate of a Member State may break silence."),
    "choose_notifications": _l("E-mail notifications are for delegates and observers."),
}

# Rules whose refusal must not reveal that the object exists (drafts read as 404).
HIDDEN_WHEN_REFUSED = {"view_version", "view_submission"}


def can(user, rule: str, obj=None) -> bool:
    """Whether `user` may apply `rule` to `obj`."""
    return bool(RULES[rule](user, obj))


def require(user, rule: str, obj=None) -> None:
    """Raise unless `user` may apply `rule` to `obj`."""
    allowed = RULES[rule](user, obj)
    if allowed:
        return
    if isinstance(allowed, Refusal):
        raise Conflict(allowed.reason())
    if rule in HIDDEN_WHEN_REFUSED:
        raise NotFound(_("Not found."))
    if _role(user) is None:
        raise Unauthorized(_("Please log in first."))
    if rule in WHO_MAY:
        raise Forbidden(_("Your account may not do this. %(who_may)s",
                          who_may=str(WHO_MAY[rule])))
    raise Forbidden(_("Your account may not do this."))
