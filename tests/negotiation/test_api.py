"""The API of the road to consensus (issue 16): statuses, progress, the silence procedure.
Every answer is checked against the generated OpenAPI document by the test client."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.auth.services import create_token
from consult.db import db
from consult.permissions import COMMAND_LINE


@pytest.fixture
def bearer(make_user):
    """Authorization headers for a new account of a role (and delegation)."""

    def make(role="cofacilitator", delegation=None):
        user = make_user(role, delegation=delegation)
        _, secret = create_token(COMMAND_LINE, user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def test_statuses_through_the_api(client, published, bearer):
    staff = bearer("cofacilitator", delegation="MEX")
    url = f"/api/v1/versions/{published.id}/paragraphs/OP2(a)/status"
    done = client.post(url, json={"status": "agreed_ad_ref", "note": "pending capitals"},
                       headers=staff)
    assert done.status_code == 200, done.json
    assert done.json["label"] == "OP2(a)" and done.json["status"] == "agreed_ad_ref"
    version = client.get(f"/api/v1/versions/{published.id}").json
    assert {p["label"]: p["status"] for p in version["paragraphs"]}["OP2(a)"] == "agreed_ad_ref"
    assert version["silence"] is None
    for body, code in (({"status": "maybe"}, 400), ({"status": "agreed", "colour": 1}, 400),
                       ({}, 400)):
        refused = client.post(url, json=body, headers=staff)
        assert refused.status_code == code and refused.json["error"]["message"]
    assert client.post(f"/api/v1/versions/{published.id}/paragraphs/OP77/status",
                       json={"status": "agreed"}, headers=staff).status_code == 404
    assert client.post(url, json={"status": "agreed"},
                       headers=bearer("delegate", delegation="FRA")).status_code == 403
    assert client.post(url, json={"status": "agreed"}).status_code == 401


def test_silence_through_the_api(client, published, bearer, clock):
    staff = bearer("cofacilitator", delegation="MEX")
    base = f"/api/v1/versions/{published.id}/silence"
    past = client.post(base, json={"until": "2009-12-18T10:00:00Z", "message": "m"},
                       headers=staff)
    assert past.status_code == 400 and "already passed" in past.json["error"]["message"]
    until = (clock.now + dt.timedelta(days=2)).isoformat()
    started = client.post(base, json={"until": until, "message": "Adopt by silence."},
                          headers=staff)
    assert started.status_code == 201 and started.json["state"] == "running"
    observer = bearer("observer", delegation="VAT")
    assert client.post(base + "/break", json={"statement": "No"},
                       headers=observer).status_code == 403
    france = bearer("delegate", delegation="FRA")
    broken = client.post(base + "/break", json={"statement": "France objects.",
                                                "language": "fr"}, headers=france)
    assert broken.status_code == 200
    assert broken.json["state"] == "broken"
    assert [(b["delegation"], b["statement"]) for b in broken.json["breaks"]] == [
        ("FRA", "France objects.")]
    again = client.post(base + "/break", json={"statement": "Again"}, headers=france)
    assert again.status_code == 409
    version = client.get(f"/api/v1/versions/{published.id}").json
    assert version["silence"]["state"] == "broken"
    assert client.post(base + "/withdraw", json={"reason": "r"},
                       headers=staff).status_code == 409  # broken: nothing to withdraw


def test_adoption_is_seen_through_the_api(client, published, bearer, clock):
    staff = bearer("cofacilitator", delegation="MEX")
    until = (clock.now + dt.timedelta(days=1)).isoformat()
    client.post(f"/api/v1/versions/{published.id}/silence",
                json={"until": until, "message": "Adopt."}, headers=staff)
    clock.advance(days=1)
    version = client.get(f"/api/v1/versions/{published.id}").json
    assert version["status"] == "final" and version["silence"]["state"] == "adopted"
    consultation = client.get("/api/v1/consultations/gpa").json
    assert consultation["status"] == "closed"
    late = client.post(f"/api/v1/versions/{published.id}/silence/break",
                       json={"statement": "Late"}, headers=bearer("delegate", "FRA"))
    assert late.status_code == 409 and "adopted" in late.json["error"]["message"]
