"""The role × action matrix of the foundation's rules (consult/permissions.py)."""

import pytest

from consult import permissions
from consult.drafts.models import Version, VersionStatus

ROLES = ["public", "delegate", "observer", "cofacilitator", "secretariat", "disabled"]

# rule → roles allowed (for a draft version where a version is the object)
MATRIX = {
    "view_draft_version": {"cofacilitator", "secretariat"},
    "view_published_version": set(ROLES),
    "create_version": {"cofacilitator", "secretariat"},
    "publish_version": {"cofacilitator", "secretariat"},
    "edit_draft_version": {"cofacilitator", "secretariat"},
    "manage_consultations": {"cofacilitator", "secretariat"},
    "manage_users": {"secretariat"},
    "manage_delegations": {"secretariat"},
    "manage_own_tokens": {"delegate", "observer", "cofacilitator", "secretariat"},
}


@pytest.fixture
def actor(make_user, request):
    def make(role):
        if role == "public":
            return None
        if role == "disabled":
            user = make_user("cofacilitator")
            user.is_disabled = True
            return user
        return make_user(role)
    return make


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_matrix(actor, role, action):
    user = actor(role)
    if action == "view_draft_version":
        allowed = permissions.can(user, "view_version", Version(status=VersionStatus.draft))
    elif action == "view_published_version":
        allowed = permissions.can(user, "view_version", Version(status=VersionStatus.published))
    else:
        allowed = permissions.can(user, action, None)
    assert allowed == (role in MATRIX[action])
