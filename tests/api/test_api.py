"""The JSON API: consultations, versions, publish, errors, ETags, OpenAPI."""

import datetime as dt

import pytest
from sqlalchemy import select

from consult.auth.services import create_token
from consult.db import db, utcnow
from consult.drafts.models import Version
from tests.conftest import SMALL_DRAFT
from consult.permissions import COMMAND_LINE


@pytest.fixture
def bearer(make_user):
    """Authorization headers for an account of a role."""

    def make(role="cofacilitator"):
        user = make_user(role)
        _, secret = create_token(COMMAND_LINE, user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def test_public_lists_and_reads_consultations(client, consultation):
    data = client.get("/api/v1/consultations").get_json()
    assert data["consultations"][0]["slug"] == "gpa"
    assert set(data["consultations"][0]) >= {"slug", "title", "status"}
    detail = client.get("/api/v1/consultations/gpa").get_json()
    assert detail["versions"] == [] and detail["status"] == "open"
    missing = client.get("/api/v1/consultations/none")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_cofacilitator_creates_and_publishes_a_version(client, consultation, bearer):
    headers = bearer("cofacilitator")
    close = (utcnow() + dt.timedelta(days=14)).isoformat()
    response = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Zero draft", "text": SMALL_DRAFT, "symbol": "A/64/L.99",
        "comments_close_at": close})
    assert response.status_code == 201
    version = response.get_json()
    assert version["status"] == "draft"
    assert [p["label"] for p in version["paragraphs"]][:4] == ["H1", "PP1", "PP2", "OP1"]
    assert client.get(f"/api/v1/versions/{version['id']}").status_code == 404

    published = client.post(f"/api/v1/versions/{version['id']}/publish", headers=headers)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    public = client.get(f"/api/v1/versions/{version['id']}").get_json()
    paragraph = public["paragraphs"][3]
    assert set(paragraph) >= {"id", "key", "label", "kind", "text", "html", "comment_count"}
    assert public["comments_close_at"].startswith(close[:16])
    listed = client.get("/api/v1/consultations/gpa").get_json()["versions"][0]
    assert set(listed) >= {"id", "label", "status", "published_at", "comments_close_at"}

    again = client.post(f"/api/v1/versions/{version['id']}/publish", headers=headers)
    assert again.status_code == 409


def test_create_and_publish_in_one_call_and_keys_follow(client, consultation, bearer):
    headers = bearer()
    zero = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Zero", "text": "1. Alpha text here.\n", "publish": True}).get_json()
    rev = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Rev.1", "text": "1. Inserted.\n\n2. Alpha text here.\n", "publish": True,
        "based_on": zero["id"]}).get_json()
    assert rev["paragraphs"][1]["key"] == zero["paragraphs"][0]["key"]
    stale = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Rev.2", "text": "1. X.\n", "based_on": zero["id"]})
    assert stale.status_code == 409 and "no longer the newest" in stale.get_json()["error"]["message"]


@pytest.mark.parametrize("body,content_type,status", [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'{"label": "Zero"}', "application/json", 400),
    (b'{"label": 5, "text": "1. a"}', "application/json", 400),
    (b'{"label": "Zero", "text": ""}', "application/json", 400),
    (b'{"label": "Zero", "text": "1. a", "publish": "yes"}', "application/json", 400),
    (b'{"label": "Zero", "text": "1. a", "based_on": "1"}', "application/json", 400),
    (b'{"label": "Zero", "text": "1. a", "comments_close_at": "soon"}', "application/json", 400),
    (b"label=Zero", "application/x-www-form-urlencoded", 400),
    (b"\xff\xfe", "application/json", 400),
    (b'{"label": "Zero\\u0000", "text": "1. a"}', "application/json", 400),
])
def test_bad_input_gets_a_json_error_and_changes_nothing(client, consultation, bearer, body,
                                                         content_type, status):
    response = client.post("/api/v1/consultations/gpa/versions", headers=bearer(), data=body,
                           content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
    assert db.session.scalar(select(Version)) is None


def test_oversized_body_is_413_json(client, consultation, bearer):
    response = client.post("/api/v1/consultations/gpa/versions", headers=bearer(),
                           json={"label": "Zero", "text": "1. " + "a" * 3_000_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_writes_need_authentication_and_the_right_role(client, consultation, bearer):
    body = {"label": "Zero", "text": "1. a"}
    response = client.post("/api/v1/consultations/gpa/versions", json=body)
    assert response.status_code == 401
    response = client.post("/api/v1/consultations/gpa/versions", json=body,
                           headers=bearer("delegate"))
    assert response.status_code == 403
    response = client.post("/api/v1/consultations/gpa/versions", json=body,
                           headers={"Authorization": "Bearer cst_forged"})
    assert response.status_code == 401


def test_session_writes_need_the_csrf_header(client, consultation, login_as):
    login_as("cofacilitator")
    body = {"label": "Zero", "text": "1. a"}
    response = client.post("/api/v1/consultations/gpa/versions", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf"
    from tests.conftest import csrf_token
    token = csrf_token(client, "/account")
    response = client.post("/api/v1/consultations/gpa/versions", json=body,
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_published_versions_carry_an_etag_and_answer_304(client, consultation, bearer):
    created = client.post("/api/v1/consultations/gpa/versions", headers=bearer(), json={
        "label": "Zero", "text": SMALL_DRAFT, "publish": True}).get_json()
    first = client.get(f"/api/v1/versions/{created['id']}")
    etag = first.headers["ETag"]
    assert etag
    second = client.get(f"/api/v1/versions/{created['id']}", headers={"If-None-Match": etag})
    assert second.status_code == 304


def test_unknown_api_address_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/versions/999999").status_code == 404


def test_openapi_document_is_valid_and_lists_the_contract(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    for path in ("/consultations", "/consultations/{slug}", "/consultations/{slug}/versions",
                 "/versions/{id}", "/versions/{id}/publish"):
        assert path in document["paths"], path
