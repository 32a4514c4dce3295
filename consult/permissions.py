"""Who may do what: every rule of the platform, named, in one place.

Services call `require(user, rule, obj)`; templates call `can(user, rule, obj)` only to
decide what to show. Anonymous visitors are passed as None or an anonymous user.
"""

from __future__ import annotations

from typing import Callable

from flask_babel import gettext as _

from consult.auth.models import Role
from consult.errors import Forbidden, NotFound, Unauthorized


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


def _edit_submission(user, submission) -> bool:
    return _is_author(user, submission)


def _withdraw_submission(user, submission) -> bool:
    # Support is the delegation's position, so any of its members may withdraw it.
    if submission.kind.value == "support":
        return _speaks_for_delegation(user) and submission.delegation_id == user.delegation_id
    return _is_author(user, submission)


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
}

# Rules whose refusal must not reveal that the object exists (drafts read as 404).
HIDDEN_WHEN_REFUSED = {"view_version", "view_submission"}


def can(user, rule: str, obj=None) -> bool:
    """Whether `user` may apply `rule` to `obj`."""
    return bool(RULES[rule](user, obj))


def require(user, rule: str, obj=None) -> None:
    """Raise unless `user` may apply `rule` to `obj`."""
    if can(user, rule, obj):
        return
    if rule in HIDDEN_WHEN_REFUSED:
        raise NotFound(_("Not found."))
    if _role(user) is None:
        raise Unauthorized(_("Please log in first."))
    raise Forbidden(_("Your account may not do this."))
