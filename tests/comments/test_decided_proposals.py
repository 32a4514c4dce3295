"""A proposal the co-facilitators decided on keeps the wording they decided on (issue 13, 1).

After any disposition but pending, its author can no longer edit or withdraw it (pages and
API: 409 with the reason), the Edit and Withdraw buttons are gone, and the support given to
it can no longer be withdrawn. Setting the disposition back to pending is logged and lets
the author edit again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.audit.models import LogEntry
from consult.auth.services import create_token
from consult.comments import services
from consult.comments.models import Submission, SubmissionStatus
from consult.db import db
from consult.moderation.services import set_disposition
from tests.comments.conftest import paragraph
from tests.conftest import csrf_token, fresh, login
from consult.permissions import COMMAND_LINE

WORDING = "*Calls upon* Member States to act now;"


@pytest.fixture
def decided(version, fra, can, make_user, consultation):
    """France's proposal on OP1, supported by Canada, decided: partly incorporated."""
    cofacilitator = make_user("cofacilitator", consultations=[consultation])
    proposal = services.propose_amendment(fra, paragraph(version, "OP1"), WORDING, "Why.")
    support = services.support_amendment(can, proposal)
    set_disposition(cofacilitator, proposal, "partly_incorporated", "OP1 now reads *act*.")
    db.session.commit()
    return {"proposal": proposal, "support": support, "cofacilitator": cofacilitator,
            "slug": consultation.slug}


def _bearer(user) -> dict:
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _unchanged(proposal_id: int) -> Submission:
    fresh()
    found = db.session.get(Submission, proposal_id)
    assert found.proposed_text == WORDING and found.body == "Why."
    assert found.revision == 0 and found.status == SubmissionStatus.active
    return found


def test_the_author_no_longer_gets_edit_or_withdraw(client, decided, fra):
    proposal = decided["proposal"]
    login(client, fra.email)
    page = client.get(f"/consultations/{decided['slug']}/submissions/{proposal.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/submissions/{proposal.id}/edit" not in html
    assert f"/submissions/{proposal.id}/withdraw" not in html


def test_the_edit_page_says_why_and_changes_nothing(client, decided, fra):
    proposal = decided["proposal"]
    login(client, fra.email)
    url = f"/consultations/{decided['slug']}/submissions/{proposal.id}/edit"
    shown = client.get(url)
    assert shown.status_code == 409
    assert "partly incorporated" in shown.get_data(as_text=True)
    token = csrf_token(client, f"/consultations/{decided['slug']}/submissions/{proposal.id}")
    sent = client.post(url, data={"csrf_token": token, "proposed_text": "Other wording.",
                                  "body": "Why.", "revision": "0"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 409
    assert "The co-facilitators have decided on this proposal" in html
    assert 'name="proposed_text"' not in html  # no form to fill in vain
    _unchanged(proposal.id)
    withdrawn = client.post(f"/consultations/{decided['slug']}/submissions/{proposal.id}"
                            "/withdraw", data={"csrf_token": token})
    assert withdrawn.status_code == 409
    _unchanged(proposal.id)


def test_the_api_refuses_with_409_and_the_reason(client, decided, fra, can):
    proposal = decided["proposal"]
    headers = _bearer(fra)
    edited = client.patch(f"/api/v1/comments/{proposal.id}", headers=headers,
                          json={"proposed_text": "Other wording.", "revision": 0})
    assert edited.status_code == 409, edited.get_data(as_text=True)
    error = edited.get_json()["error"]
    assert error["code"] == "conflict"
    assert "decided on this proposal (partly incorporated)" in error["message"]
    explained = client.patch(f"/api/v1/comments/{proposal.id}", headers=headers,
                             json={"body": "A better reason."})
    assert explained.status_code == 409
    withdrawn = client.post(f"/api/v1/comments/{proposal.id}/withdraw", headers=headers)
    assert withdrawn.status_code == 409
    assert "partly incorporated" in withdrawn.get_json()["error"]["message"]
    _unchanged(proposal.id)
    # Canada's support stays as it was when the decision was taken.
    unsupported = client.post(f"/api/v1/comments/{decided['support'].id}/withdraw",
                              headers=_bearer(can))
    assert unsupported.status_code == 409
    fresh()
    assert db.session.get(Submission, decided["support"].id).status == SubmissionStatus.active


def test_back_to_pending_is_logged_and_unfreezes(client, decided, fra):
    proposal = decided["proposal"]
    set_disposition(decided["cofacilitator"], proposal, "pending")
    db.session.commit()
    entries = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "submission.disposition", LogEntry.target_id == proposal.id)
        .order_by(LogEntry.id)).all()
    assert [(e.details["previous"], e.details["disposition"]) for e in entries] == [
        ("pending", "partly_incorporated"), ("partly_incorporated", "pending")]
    edited = client.patch(f"/api/v1/comments/{proposal.id}", headers=_bearer(fra),
                          json={"proposed_text": "*Calls upon* all States to act;",
                                "revision": 0})
    assert edited.status_code == 200, edited.get_data(as_text=True)
    assert edited.get_json()["revision"] == 1
