"""GET /api/v1/versions/{a}/diff/{b}: the contract, caching, errors, the OpenAPI entry."""

from __future__ import annotations

import re

import pytest

from consult.auth.services import create_token
from consult.db import db
from consult.drafts import services
from tests.conftest import SMALL_DRAFT
from consult.permissions import COMMAND_LINE

# Rev.1: a paragraph inserted on top (everything renumbered), OP1 edited, OP3 removed.
REV1 = SMALL_DRAFT.replace(
    "1. *Calls upon* Member States to act;",
    "1. *Welcomes* the adoption of the Protocol on trafficking in persons;\n\n"
    "2. *Calls upon* Member States to act without delay;").replace(
    "2. *Urges*", "3. *Urges*").replace("3. *Decides* to review the plan.\n", "")


def publish(staff, consultation, label, text):
    version = services.create_version(staff, consultation, label=label, text=text, publish=True)
    db.session.commit()
    return version


@pytest.fixture
def versions(staff, consultation):
    """(zero draft id, Rev.1 id), both published."""
    return (publish(staff, consultation, "Zero draft", SMALL_DRAFT).id,
            publish(staff, consultation, "Rev.1", REV1).id)


@pytest.fixture
def bearer(make_user):
    """Authorization headers for a new account of a role."""

    def make(role):
        user = make_user(role)
        _, secret = create_token(COMMAND_LINE, user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def test_diff_follows_the_contract(client, versions):
    zero, rev = versions
    response = client.get(f"/api/v1/versions/{zero}/diff/{rev}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["from"]["id"] == zero and data["from"]["label"] == "Zero draft"
    assert data["to"]["id"] == rev and data["to"]["label"] == "Rev.1"
    assert data["same_version"] is False
    assert data["counts"] == {"modified": 1, "moved": 0, "added": 1, "removed": 1,
                              "unchanged": 6}
    assert data["url"].endswith(f"/consultations/gpa/compare/{zero}/{rev}")
    for change in data["changes"]:
        assert set(change) >= {"key", "change", "from_label", "to_label", "html",
                               "from_paragraph_id", "to_paragraph_id", "edited", "similarity"}
    outline = [(c["change"], c["from_label"], c["to_label"]) for c in data["changes"]]
    assert outline == [("unchanged", "H1", "H1"), ("unchanged", "PP1", "PP1"),
                       ("unchanged", "PP2", "PP2"), ("added", None, "OP1"),
                       ("modified", "OP1", "OP2"), ("unchanged", "OP2", "OP3"),
                       ("unchanged", "OP2(a)", "OP3(a)"), ("unchanged", "OP2(b)", "OP3(b)"),
                       ("removed", "OP3", None)]
    modified = data["changes"][4]
    assert re.findall(r"<ins>(.*?)</ins>", modified["html"]) == [" without delay"]
    assert modified["edited"] is True and 0 < modified["similarity"] < 1
    removed = data["changes"][-1]
    assert removed["to_paragraph_id"] is None and removed["similarity"] is None
    assert "review the plan" in removed["html"]


def test_keys_and_ids_are_those_of_the_versions(client, versions):
    zero, rev = versions
    old = client.get(f"/api/v1/versions/{zero}").get_json()["paragraphs"]
    new = client.get(f"/api/v1/versions/{rev}").get_json()["paragraphs"]
    changes = client.get(f"/api/v1/versions/{zero}/diff/{rev}").get_json()["changes"]
    old_keys = {p["id"]: p["key"] for p in old}
    new_keys = {p["id"]: p["key"] for p in new}
    for change in changes:
        if change["from_paragraph_id"]:
            assert old_keys.pop(change["from_paragraph_id"]) == change["key"]
        if change["to_paragraph_id"]:
            assert new_keys.pop(change["to_paragraph_id"]) == change["key"]
    assert old_keys == {} and new_keys == {}  # every paragraph of both, exactly once


def test_published_diff_is_cached_with_an_etag(client, versions):
    zero, rev = versions
    path = f"/api/v1/versions/{zero}/diff/{rev}"
    first = client.get(path)
    assert first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    reverse = client.get(f"/api/v1/versions/{rev}/diff/{zero}",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert reverse.status_code == 200


def test_draft_is_404_to_the_public_and_private_to_staff(client, versions, staff,
                                                         consultation, bearer):
    zero, _rev = versions
    draft = services.create_version(staff, consultation, label="Rev.2", text=SMALL_DRAFT)
    db.session.commit()
    for path in (f"/api/v1/versions/{zero}/diff/{draft.id}",
                 f"/api/v1/versions/{draft.id}/diff/{zero}"):
        for headers in ({}, bearer("delegate")):
            response = client.get(path, headers=headers)
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "not_found"
    response = client.get(f"/api/v1/versions/{zero}/diff/{draft.id}",
                          headers=bearer("cofacilitator"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_json()["to"]["status"] == "draft"


def test_versions_of_two_consultations_are_400(client, versions):
    zero, _rev = versions
    other = services.create_consultation(COMMAND_LINE, slug="other-plan", title="Another plan")
    db.session.commit()
    elsewhere = services.create_version(COMMAND_LINE, other, label="A", text=SMALL_DRAFT,
                                        publish=True)
    db.session.commit()
    response = client.get(f"/api/v1/versions/{zero}/diff/{elsewhere.id}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "different consultations" in error["message"]


def test_a_version_with_itself_is_the_same_version(client, versions):
    zero, _rev = versions
    data = client.get(f"/api/v1/versions/{zero}/diff/{zero}").get_json()
    assert data["same_version"] is True
    assert {c["change"] for c in data["changes"]} == {"unchanged"}
    assert data["counts"]["unchanged"] == len(data["changes"]) == 8
    assert all(c["from_paragraph_id"] == c["to_paragraph_id"] for c in data["changes"])


@pytest.mark.parametrize("tail", ["{z}/diff/999999", "999999/diff/{z}", "0/diff/{z}",
                                  "{z}/diff/99999999999999999999",
                                  "9223372036854775808/diff/{z}", "-1/diff/{z}"])
def test_unknown_or_overflowing_ids_are_json_404(client, versions, tail):
    zero, _rev = versions
    response = client.get("/api/v1/versions/" + tail.format(z=zero))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_documents_the_diff(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    operation = document["paths"]["/versions/{a}/diff/{b}"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["a", "b", "lang"]
    assert set(operation["responses"]) >= {"200", "304", "400", "404"}
    change = document["components"]["schemas"]["VersionDiffChange"]
    assert set(change["required"]) == {"key", "change", "from_label", "to_label", "html"}
    assert set(change["properties"]["change"]["enum"]) == {"added", "removed", "modified",
                                                           "moved", "unchanged"}
